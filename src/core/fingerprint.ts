/**
 * What of the database the views show, as one string: the integrations, and of each history its
 * summary without the live record counts. Two writes with the same fingerprint differ only in a
 * running job's progress, which views follow without rebuilding.
 */
import type { Database } from './model';

export function databaseFingerprint(db: Database): string {
  const recent = Object.entries(db.recent).map(([name, r]) => {
    const j = r.last;
    return [name, r.newestAt, j && [j.id, j.status, j.endedAt, j.stopRequestedAt, j.stateSaved, j.error]];
  });
  return JSON.stringify([db.integrations, recent]);
}
