/**
 * What of the database the views show, as one string: integrations whole, jobs without their live
 * record counts. Two writes with the same fingerprint differ only in a running job's progress, which
 * views follow without rebuilding.
 */
import type { Database } from './model';

export function databaseFingerprint(db: Database): string {
  const jobs = db.jobs.map((j) => [j.integration, j.id, j.status, j.endedAt, j.stopRequestedAt, j.stateSaved, j.error]);
  return JSON.stringify([db.integrations, jobs]);
}
