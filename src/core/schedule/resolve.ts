/** Turns a stored schedule into the one in force now, and says it in words for the tree, status bar and CLI. */
import { formatDuration } from '../duration';
import type { Schedule } from '../model';

export type ResolvedSchedule = { kind: 'interval'; everyMs: number } | { kind: 'cron'; expression: string; timezone?: string };

/**
 * `default` becomes the workspace's `singer.defaultReplicationFrequency`; resolve again whenever that
 * setting changes, so such integrations follow it (the grid stays anchored at the last start, rule 3).
 */
export function resolveSchedule(s: Schedule, defaultFrequencyMs: number): ResolvedSchedule {
  switch (s.kind) {
    case 'default':
      if (!Number.isFinite(defaultFrequencyMs) || defaultFrequencyMs <= 0) {
        throw new Error(
          `the default replication frequency is ${defaultFrequencyMs} ms; set singer.defaultReplicationFrequency to a duration such as "1h"`,
        );
      }
      return { kind: 'interval', everyMs: defaultFrequencyMs };
    case 'interval':
      return { kind: 'interval', everyMs: s.everyMs };
    case 'cron':
      return s.timezone === undefined
        ? { kind: 'cron', expression: s.expression }
        : { kind: 'cron', expression: s.expression, timezone: s.timezone };
  }
}

/**
 * "every 1h", "cron 0 6 * * * (Europe/Berlin)", "default (every 1h)". A cron without a time zone runs
 * on the machine's clock, which is worth saying because a CLI on a server may differ from the editor.
 */
export function describeSchedule(s: Schedule | ResolvedSchedule, defaultFrequencyMs?: number): string {
  switch (s.kind) {
    case 'default':
      return defaultFrequencyMs === undefined ? 'default' : `default (every ${formatDuration(defaultFrequencyMs)})`;
    case 'interval':
      return `every ${formatDuration(s.everyMs)}`;
    case 'cron':
      return `cron ${s.expression} (${s.timezone ?? 'local time'})`;
  }
}
