/**
 * The integration row: what `list` prints, the tree shows and the status bar sums up, computed once
 * here so the three cannot disagree (sync status, schedule, last job, next run). It is made from
 * db.json alone (its summary of each history), so a row costs the same with a long history as with
 * none; the extraction logs themselves are read per integration, when asked for (Engine.jobs).
 */
import { totalRecords } from './jobs';
import type { Database, Integration, Job } from './model';
import { nextRunFor } from './schedule/inputs';
import { describeSchedule } from './schedule/resolve';
import { syncStatus, type SyncStatus } from './status';

export interface IntegrationRow {
  integration: Integration;
  syncStatus: SyncStatus;
  /** The running or stopping job, if any. */
  active: Job | null;
  /** The newest job that is not a Skipped entry. */
  lastJob: Job | null;
  /** When the newest entry of the history (a Skipped one too) was due or started; null: no history. */
  newestAt: string | null;
  schedule: string;
  nextRunAt: Date | null;
}

export interface RowContext {
  now: Date;
  defaultFrequencyMs: number;
  catchUp: 'once' | 'skip';
  /**
   * The next run an active scheduler armed, when there is one (undefined: not known to it). Otherwise
   * the scheduler's planner computes it from the database, so the time shown is never a guess.
   */
  armedNextRun?: (name: string) => Date | null | undefined;
}

export function integrationRows(db: Database, ctx: RowContext): IntegrationRow[] {
  return db.integrations.map((it) => integrationRow(db, it, ctx));
}

export function integrationRow(db: Database, it: Integration, ctx: RowContext): IntegrationRow {
  const { last, newestAt } = db.recent[it.name] ?? { last: null, newestAt: null };
  const active = last !== null && (last.status === 'Running' || last.status === 'Stopping') ? last : null;
  const armed = ctx.armedNextRun?.(it.name);
  let nextRunAt: Date | null;
  try {
    nextRunAt = armed !== undefined ? armed : nextRunFor(db, it, ctx);
  } catch {
    // A schedule the planner refuses (a cron that no longer compiles) has no next run; the scheduler reports why.
    nextRunAt = null;
  }
  return {
    integration: it,
    syncStatus: syncStatus(it, last),
    active,
    lastJob: last,
    newestAt,
    schedule: describeSchedule(it.schedule, ctx.defaultFrequencyMs),
    nextRunAt: it.paused ? null : nextRunAt,
  };
}

/** The object `list --json` prints per integration (DESIGN §5): these fields, in this order (new ones go last). */
export function listJson(row: IntegrationRow): Record<string, unknown> {
  const last = row.lastJob;
  return {
    name: row.integration.name,
    syncStatus: row.syncStatus,
    paused: row.integration.paused,
    schedule: row.schedule,
    lastJob: last && { id: last.id, status: last.status, startedAt: last.startedAt, endedAt: last.endedAt, records: totalRecords(last.records) },
    nextRunAt: row.nextRunAt?.toISOString() ?? null,
    // Added last, so the fields before keep their order: each stage's name, argv and config file (or null).
    mappers: row.integration.mappers.map((m) => ({ name: m.name, command: m.command, config: m.config })),
  };
}
