/**
 * Rule 13: a job found Running whose runner process is gone was interrupted (a crash, a SIGKILL,
 * a closed editor). It is marked Interrupted, its leftover process groups are killed, its stale lock
 * released and the temp folder of its resolved configs (secrets) removed. Every command that reads
 * the database calls this first.
 *
 * "Gone" is decided as the locks decide it (process.ts): by pid and the kernel's start time, so a pid
 * that now belongs to another program neither keeps a job Running forever nor gets that program's
 * process group killed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { readLock } from './lock';
import type { Job } from './model';
import type { WorkspacePaths } from './paths';
import { groupAlive, identityAlive, processStartTime, signalGroup } from './process';
import { removeSecretsDir } from './secretsDir';
import type { Store } from './store';

/** An active job whose runner process (on this host) is gone. */
export function runnerGone(job: Job): boolean {
  if (job.status !== 'Running' && job.status !== 'Stopping') return false;
  if (job.runnerHost !== null && job.runnerHost !== os.hostname()) return false;
  if (job.runnerPid === null) return true;
  return !identityAlive({ pid: job.runnerPid, host: os.hostname(), start: job.runnerStartTime ?? undefined });
}

/**
 * Whether the process group `pgid` is still the one the job started. While its leader lives, its start
 * time must be the one recorded (unknown in old records: assumed). Once the leader is gone, a group that
 * lives on is its children: POSIX gives no new process a pid that is still a live group's id.
 */
export function ownGroup(pgid: number, leaderStart: string | null): boolean {
  if (!groupAlive(pgid)) return false;
  const now = processStartTime(pgid);
  if (now === undefined || leaderStart === null) return true;
  return now === leaderStart;
}

export async function reconcile(store: Store, paths: WorkspacePaths): Promise<Job[]> {
  if (!store.exists()) return [];
  // Only an integration's last job can be running; db.json's summary has it, so no history is read
  // unless a runner is gone.
  const db = await store.read();
  const gone = Object.values(db.recent).flatMap((r) => (r.last !== null && runnerGone(r.last) ? [r.last] : []));
  if (gone.length === 0) return [];
  // Leftovers go first: even when the database cannot be written (a full disk), no process and no secret stays behind.
  for (const job of gone) cleanUpAfter(job);
  return store.update((_fresh, histories) => {
    const found: Job[] = [];
    for (const job of [...new Set(gone.map((j) => j.integration))].flatMap((name) => histories.jobs(name))) {
      if (!runnerGone(job)) continue;
      cleanUpAfter(job);
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

/** Kills the job's leftover process groups and removes its resolved configs; doing it twice changes nothing. */
function cleanUpAfter(job: Job): void {
  const groups: Array<[number | null, string | null]> = [
    [job.tapPgid, job.tapStartTime],
    // The mappers' leaders' start times are not recorded: a live group of that id is taken as theirs.
    ...job.mapperPgids.map((pgid): [number, null] => [pgid, null]),
    [job.targetPgid, job.targetStartTime],
  ];
  for (const [pgid, start] of groups) if (pgid !== null && ownGroup(pgid, start)) signalGroup(pgid, 'SIGKILL');
  if (job.secretsDir !== null) {
    try {
      removeSecretsDir(job.secretsDir, job.runnerPid);
    } catch {
      /* not ours to remove after all (another user's temp folder): left as it is */
    }
  }
}
