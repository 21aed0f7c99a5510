/**
 * Rule 13: a job found Running whose runner process is gone was interrupted (a crash, a SIGKILL,
 * a closed editor). It is marked Interrupted, its leftover process groups are killed and its stale
 * lock released. Every command that reads the database calls this first.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readLock } from './lock';
import type { Job } from './model';
import type { WorkspacePaths } from './paths';
import { groupAlive, identityAlive, isAlive, signalGroup } from './process';
import type { Store } from './store';

/** An active job whose runner process (on this host) is gone. */
export function runnerGone(job: Job): boolean {
  if (job.status !== 'Running' && job.status !== 'Stopping') return false;
  if (job.runnerHost !== null && job.runnerHost !== os.hostname()) return false;
  return job.runnerPid === null || !isAlive(job.runnerPid);
}

export async function reconcile(store: Store, paths: WorkspacePaths): Promise<Job[]> {
  if (!store.exists()) return [];
  // Only an integration's last job can be running; db.json's summary has it, so no history is read
  // unless a runner is gone.
  const db = await store.read();
  const gone = Object.entries(db.recent).filter(([, r]) => r.last !== null && runnerGone(r.last)).map(([name]) => name);
  if (gone.length === 0) return [];
  return store.update((_fresh, histories) => {
    const found: Job[] = [];
    for (const job of gone.flatMap((name) => histories.jobs(name))) {
      if (!runnerGone(job)) continue;
      for (const pgid of [job.tapPgid, ...job.mapperPgids, job.targetPgid]) if (pgid !== null && groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
      const stateFile = paths.stateFile(job.integration);
      let stateSaved = false;
      try {
        stateSaved = fs.statSync(stateFile).mtimeMs >= Date.parse(job.startedAt);
      } catch {
        /* no state file */
      }
      job.status = 'Interrupted';
      job.endedAt = new Date().toISOString();
      job.stateSaved = stateSaved;
      job.error =
        `the process that ran this job (pid ${job.runnerPid}) went away mid-job; its leftover processes were stopped. ` +
        `The next job resumes from the last state the target confirmed.`;
      const lockFile = paths.jobLock(job.integration);
      const holder = readLock(lockFile);
      if (holder && !identityAlive(holder)) fs.rmSync(lockFile, { force: true });
      if (job.logFile) {
        try {
          fs.appendFileSync(
            paths.resolve(job.logFile),
            `${new Date().toISOString()} runner ERROR job ${job.id} Interrupted: ${job.error}\n`,
          );
        } catch {
          /* the log may be gone */
        }
      }
      found.push({ ...job });
    }
    return found;
  });
}
