/** An integration's sync status at a glance (DESIGN §1). */
import { formatDuration } from './duration';
import type { Integration, Job, Schedule } from './model';

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

export function describeSchedule(s: Schedule, defaultFrequencyMs?: number): string {
  switch (s.kind) {
    case 'default':
      return defaultFrequencyMs === undefined ? 'default' : `default (every ${formatDuration(defaultFrequencyMs)})`;
    case 'interval':
      return `every ${formatDuration(s.everyMs)}`;
    case 'cron':
      return `cron ${s.expression}${s.timezone ? ` (${s.timezone})` : ''}`;
  }
}
