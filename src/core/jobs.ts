/** Pure helpers over job history. */
import type { Database, Job, TapWrites } from './model';

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
    mapperPgids: [],
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

/** Newest first, as `jobs --json` prints them (a history is stored oldest first). */
export function newestFirst(jobs: readonly Job[]): Job[] {
  return [...jobs].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** The integration's running or stopping job, as db.json's summary has it. */
export function activeJob(db: Database, integration: string): Job | undefined {
  const last = db.recent[integration]?.last;
  return last && (last.status === 'Running' || last.status === 'Stopping') ? last : undefined;
}

/** The next id of an integration's job, given its history; ids never repeat after trimming. */
export function nextJobId(db: Database, integration: string, history: readonly Job[]): string {
  let n = db.lastJobId[integration] ?? 0;
  for (const j of history) n = Math.max(n, Number(j.id));
  n += 1;
  db.lastJobId[integration] = n;
  return formatJobId(n);
}

/** Keeps the newest `keep` jobs of a history (never an active one), in place; returns the removed ones. */
export function trimHistory(history: Job[], keep: number): Job[] {
  const mine = newestFirst(history);
  const removed = mine.slice(Math.max(keep, 1)).filter((j) => j.status !== 'Running' && j.status !== 'Stopping');
  if (removed.length === 0) return [];
  const gone = new Set(removed);
  const kept = history.filter((j) => !gone.has(j));
  history.length = 0;
  history.push(...kept);
  return removed;
}

export function totalRecords(records: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const v of Object.values(records)) n += v;
  return n;
}

/** How the tap wrote in the newest job that says (tapWrites.ts), or undefined. */
export function lastTapWrites(history: readonly Job[]): TapWrites | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const w = history[i]!.tapWrites;
    if (w) return w;
  }
  return undefined;
}
