/** An integration's sync status at a glance (DESIGN §1). */
import type { Integration, Job } from './model';

export type SyncStatus = 'Pending' | 'Running' | 'Stopping' | 'Scheduled' | 'Paused' | 'Failed';

/** `last`: the integration's newest job that is not a Skipped entry, or null when it never ran. */
export function syncStatus(it: Integration, last: Job | null): SyncStatus {
  if (last?.status === 'Running') return 'Running';
  if (last?.status === 'Stopping') return 'Stopping';
  if (it.paused) return 'Paused';
  if (!last) return 'Pending';
  if (last.status === 'Failed' || last.status === 'Interrupted') return 'Failed';
  return 'Scheduled';
}
