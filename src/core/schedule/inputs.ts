/** What the planner needs to know about an integration, read from the database. */
import type { Database, Integration } from '../model';
import { plan, type PlanInput } from './plan';
import { resolveSchedule } from './resolve';

export interface PlanContext {
  now: Date;
  activation: boolean;
  /** The first plan after the wall clock jumped (the computer slept): see PlanInput.resumed. */
  resumed?: boolean;
  catchUp: 'once' | 'skip';
  defaultFrequencyMs: number;
  /** When the workspace default frequency last changed, for integrations that follow it. */
  defaultChangedAt?: Date | null;
}

export function planInputFor(db: Database, it: Integration, ctx: PlanContext): PlanInput {
  // db.json's summary of the history is all the planner needs: the last real job and the newest entry.
  const { last, newestAt } = db.recent[it.name] ?? { last: null, newestAt: null };
  const running = last && (last.status === 'Running' || last.status === 'Stopping') ? last : null;
  // Every start re-anchors the grid (rules 3 and 5); Skipped entries only mark recurrences as handled.
  const newestStart = maxDate(last ? new Date(last.startedAt) : null, it.anchorAt ? new Date(it.anchorAt) : null);
  const handled = maxDate(newestStart, newestAt ? new Date(newestAt) : null);
  const changedAt = maxDate(
    it.scheduleChangedAt ? new Date(it.scheduleChangedAt) : null,
    it.schedule.kind === 'default' ? (ctx.defaultChangedAt ?? null) : null,
  );
  return {
    schedule: resolveSchedule(it.schedule, ctx.defaultFrequencyMs),
    anchorAt: newestStart,
    handledUntil: handled,
    running: running ? { jobId: running.id, startedAt: new Date(running.startedAt) } : null,
    paused: it.paused,
    now: ctx.now,
    activation: ctx.activation,
    resumed: ctx.resumed ?? false,
    catchUp: ctx.catchUp,
    changedAt,
  };
}

/**
 * The next start as the scheduler computes it (for `list` and views that are not the scheduler
 * itself): due now when the plan would start a job, else the plan's next run.
 */
export function nextRunFor(db: Database, it: Integration, ctx: Omit<PlanContext, 'activation'>): Date | null {
  const p = plan(planInputFor(db, it, { ...ctx, activation: false }));
  return p.start ? ctx.now : p.nextRunAt;
}

function maxDate(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() >= b.getTime() ? a : b;
}
