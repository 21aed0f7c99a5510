/** An integration's sync status at a glance (DESIGN §1). */
import type { Integration, Job } from './model';

export type SyncStatus = 'Pending' | 'Running' | 'Stopping' | 'Scheduled' | 'Paused' | 'Failed';

/** `jobs` newest first. */
export function syncStatus(it: Integration, jobs: readonly Job[]): SyncStatus {
  const real = jobs.filter((j) => j.status !== 'Skipped');
  const newest = real[0];
  if (newest?.status === 'Running') return 'Running';
  if (newest?.status === 'Stopping') return 'Stopping';
  if (it.paused) return 'Paused';
  if (!newest) return 'Pending';
  if (newest.status === 'Failed' || newest.status === 'Interrupted') return 'Failed';
  return 'Scheduled';
}
