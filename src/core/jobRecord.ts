/**
 * The writes a runner makes to its job's record while the job runs, and the reads it polls. A write
 * that matters (the process groups, Stopping, the end) is retried until it lands, and told through the
 * engine's `error` event when it cannot; none is dropped without a word.
 */
import * as fs from 'node:fs';
import { DiskError } from './diskErrors';
import { errorMessage } from './errors';
import type { EngineEvents, TypedEmitter } from './events';
import type { Job } from './model';
import type { WorkspacePaths } from './paths';
import type { Pipeline } from './pipeline';
import { processStartTime } from './process';
import type { Store } from './store';

/** Stop requests written by other processes are seen within this (DESIGN §5: within 1 s). */
const STOP_POLL_MS = 400;
/** A busy lock is temporary: retried for about a minute. */
const MAX_ATTEMPTS = 30;
/** A full disk or a read-only folder may stay so: retried for a few seconds, then the caller is told. */
const MAX_DISK_ATTEMPTS = 8;

export interface RecordContext {
  store: Store;
  events: TypedEmitter<EngineEvents>;
}

/** A job in its integration's history (the history holds only that integration's jobs). */
export function findJob(history: Job[], id: string): Job | undefined {
  return history.find((x) => x.id === id);
}

export function markStopping(history: Job[], id: string): Job | undefined {
  const j = findJob(history, id);
  if (!j || j.status !== 'Running') return undefined;
  j.status = 'Stopping';
  return { ...j };
}

/**
 * Records the tap's, mappers' and target's process groups, with the tap's and target's leaders' start
 * times, once they have spawned: without them a reconcile after a crash cannot kill what the job left
 * running (rule 13).
 */
export async function recordGroups(ctx: RecordContext, pipeline: Pipeline, id: string, name: string): Promise<void> {
  for (let i = 0; i < 50 && (pipeline.tapPgid === undefined || pipeline.targetPgid === undefined); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const tapPgid = pipeline.tapPgid ?? null;
  const targetPgid = pipeline.targetPgid ?? null;
  if (tapPgid === null && targetPgid === null) return;
  const groups = {
    tapPgid,
    tapStartTime: tapPgid === null ? null : (processStartTime(tapPgid) ?? null),
    targetPgid,
    targetStartTime: targetPgid === null ? null : (processStartTime(targetPgid) ?? null),
    mapperPgids: pipeline.mapperPgids,
  };
  try {
    await persistently(
      () =>
        ctx.store.update((_db, histories) => {
          const j = findJob(histories.jobs(name), id);
          if (j) Object.assign(j, groups);
        }),
      (err) => ctx.events.emit('error', `recording the process groups of job ${id} of ${name} failed, retrying: ${errorMessage(err)}`),
    );
  } catch (err) {
    ctx.events.emit(
      'error',
      `the process groups of job ${id} of ${name} (tap ${tapPgid}, target ${targetPgid}) could not be recorded: ${errorMessage(err)} ` +
        `If this process dies before the job ends, end them yourself.`,
    );
  }
}

/** Polls the database (parsing it only when it changed) for a stop request recorded by any process. */
export function watchForStop(store: Store, name: string, id: string, stop: (seconds?: number) => void): NodeJS.Timeout {
  let seen = 0;
  let requested = false;
  const timer = setInterval(() => {
    const m = store.mtimeMs();
    if (m === seen || requested) return;
    seen = m;
    void store
      .read()
      .then((db) => {
        // The running job is the integration's last: db.json's summary has it, no history to read.
        const j = db.recent[name]?.last;
        if (j?.id === id && j.stopRequestedAt && !requested) {
          requested = true;
          stop(j.stopGracePeriodSeconds ?? undefined);
        }
      })
      .catch(() => undefined);
  }, STOP_POLL_MS);
  return timer;
}

/**
 * Retries a database write until it lands, backing off to 2 s: a busy lock is temporary. A write the
 * machine refuses (DiskError) is tried for a few seconds only, then thrown, so a job on a full disk
 * still ends and says so. `onRetry` hears of the first failure (not of every attempt).
 */
export async function persistently<T>(write: () => Promise<T>, onRetry: (err: unknown) => void): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= (err instanceof DiskError ? MAX_DISK_ATTEMPTS : MAX_ATTEMPTS)) throw err;
      if (attempt === 1) onRetry(err);
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
    }
  }
}

/** Deletes the log files of jobs trimmed from history (rule 14: the newest `singer.logRetention` are kept). */
export function deleteLogs(paths: WorkspacePaths, removed: Job[]): void {
  for (const old of removed) {
    if (old.logFile === null) continue;
    try {
      fs.rmSync(paths.resolve(old.logFile), { force: true });
    } catch {
      /* a folder that became read-only keeps the file; its job is gone from the history either way */
    }
  }
}
