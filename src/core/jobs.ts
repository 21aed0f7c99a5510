/** Pure helpers over job history. */
import type { Database, Job } from './model';

/** A job record: what is given, and nothing known yet about the rest (no exit codes, no log, no processes). */
export function newJob(fields: Pick<Job, 'integration' | 'id' | 'status' | 'trigger' | 'startedAt'> & Partial<Job>): Job {
  return {
    endedAt: null,
    records: {},
    tapExitCode: null,
    targetExitCode: null,
    error: null,
    logFile: null,
    stateSaved: false,
    fullRefresh: false,
    runnerPid: null,
    runnerHost: null,
    runnerStartTime: null,
    tapPgid: null,
    tapStartTime: null,
    targetPgid: null,
    targetStartTime: null,
    secretsDir: null,
    stopRequestedAt: null,
    stopGracePeriodSeconds: null,
    ...fields,
  };
}

export function formatJobId(n: number): string {
  return String(n).padStart(6, '0');
}

/** Newest first, as `jobs --json` prints them. */
export function jobsOf(db: Database, integration: string): Job[] {
  return db.jobs.filter((j) => j.integration === integration).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

export function activeJob(db: Database, integration: string): Job | undefined {
  return db.jobs.find((j) => j.integration === integration && (j.status === 'Running' || j.status === 'Stopping'));
}

export function nextJobId(db: Database, integration: string): string {
  const existing = db.jobs.filter((j) => j.integration === integration).map((j) => Number(j.id));
  const n = Math.max(db.lastJobId[integration] ?? 0, ...existing, 0) + 1;
  db.lastJobId[integration] = n;
  return formatJobId(n);
}

/** Keeps the newest `keep` jobs of an integration (never an active one); returns the removed ones. */
export function trimHistory(db: Database, integration: string, keep: number): Job[] {
  const mine = jobsOf(db, integration);
  const removed = mine.slice(Math.max(keep, 1)).filter((j) => j.status !== 'Running' && j.status !== 'Stopping');
  if (removed.length === 0) return [];
  const gone = new Set(removed);
  db.jobs = db.jobs.filter((j) => !gone.has(j));
  return removed;
}

export function totalRecords(records: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const v of Object.values(records)) n += v;
  return n;
}
