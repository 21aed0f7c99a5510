/**
 * The messages between a front that runs a job in a child process (the extension host, see
 * childRunner.ts) and that child, `singer-replication run`, over Node's IPC channel. The child is the
 * ordinary CLI: it takes the locks, runs the pipeline and writes the database as `run` always does;
 * it only also tells its parent what happens, and takes notes and stop requests from it.
 */
import type { Job, Trigger } from './model';

/** The environment variable that names the trigger of a job a front starts (`run` alone is manual). */
export const TRIGGER_ENV = 'SINGER_RUN_TRIGGER';
/** JSON of `singer.*` values the front resolved (user and folder settings), over the workspace's file. */
export const SETTINGS_ENV = 'SINGER_SETTINGS';

export type ChildMessage =
  | { type: 'started'; job: Job }
  | { type: 'progress'; job: Job; records: Record<string, number> }
  | { type: 'stopping'; job: Job }
  | { type: 'ended'; job: Job }
  | { type: 'refused'; message: string; exitCode: number; jobId: string | null; secret: string | null };

export type ParentMessage = { type: 'note'; text: string; level: 'INFO' | 'WARNING' | 'ERROR' } | { type: 'stop'; gracePeriodSeconds?: number };

export function isTrigger(v: unknown): v is Trigger {
  return v === 'manual' || v === 'scheduled' || v === 'catch-up';
}

export function isChildMessage(m: unknown): m is ChildMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return typeof m === 'object' && m !== null && (t === 'started' || t === 'progress' || t === 'stopping' || t === 'ended' || t === 'refused');
}

export function isParentMessage(m: unknown): m is ParentMessage {
  const t = (m as { type?: unknown } | null)?.type;
  return typeof m === 'object' && m !== null && (t === 'note' || t === 'stop');
}
