/**
 * The scheduler's decisions (DESIGN rules 2-7) as one pure function. The driver calls `plan` whenever
 * a timer fires or anything changes (a job starts or ends, a setting, the schedule or the paused flag
 * changes), carries out the answer, and sets one timer for `nextRunAt`. Time only comes in as input,
 * so every rule is testable with plain dates.
 */
import { compileCron, newestCronRuns, type NewestRuns } from './cron';
import type { ResolvedSchedule } from './resolve';

export interface PlanInput {
  schedule: ResolvedSchedule;
  /** Start time of the newest real job (any trigger: scheduled, manual, catch-up), or null when the integration never ran. Interval grids are anchored here (rule 3); a manual start re-anchors (rule 5) simply because it is the newest start. */
  anchorAt: Date | null;
  /** The latest recurrence already accounted for: max(start of newest job, dueAt of newest Skipped entry), or null. A recurrence <= handledUntil is never reported again. */
  handledUntil: Date | null;
  running: { jobId: string; startedAt: Date } | null;
  paused: boolean;
  now: Date;
  /** true on the first plan of a scheduler that just became active (activation, or a standby taking over): recurrences due before now were missed because no scheduler ran (rule 7). */
  activation: boolean;
  /**
   * true on the first plan after the scheduler saw the wall clock jump ahead of its timers (the
   * computer slept): recurrences due before now were missed because the scheduler was suspended.
   * They are handled as on activation (rule 7: recorded as Skipped, one catch-up job as `catchUp`
   * says), with the reason SKIP_REASON.suspended.
   */
  resumed?: boolean;
  catchUp: 'once' | 'skip';
  /**
   * When the integration was last unpaused or its schedule last changed (omit when that was before
   * the newest start). Recurrences due at or before it were not owed: the integration was paused
   * (rule 6 records nothing for it) or the grid did not exist yet. They are never recorded as
   * Skipped, but if any is due the schedule is overdue and one job starts at once: after a change to
   * 1 h, the next job is the previous start + 1 h, at once if that is past. To make an unpause wait
   * for the next recurrence instead, pass the unpause time as `handledUntil`.
   */
  changedAt?: Date | null;
  /** At most this many skipped entries per plan (default MAX_SKIPPED); see `Plan.omitted`. */
  maxSkipped?: number;
}

/** `reason` is exactly one of the SKIP_REASON texts. */
export interface SkippedRecurrence {
  dueAt: Date;
  reason: string;
}

/** Skipped recurrences older than the ones listed, summarised instead of listed (see MAX_SKIPPED). */
export interface OmittedRecurrences {
  /** Null when a cron schedule had too many to count cheaply. */
  count: number | null;
  firstDueAt: Date;
  lastDueAt: Date;
  reason: string;
}

export interface Plan {
  /** Start a job now, with this trigger. */
  start: null | 'scheduled' | 'catch-up';
  /** Record these as Skipped extraction-log entries (startedAt = endedAt = dueAt), oldest first so job ids grow with time. */
  skipped: SkippedRecurrence[];
  /** Older skipped recurrences beyond the cap, not listed one by one; the driver may log or notify them once. */
  omitted: OmittedRecurrences | null;
  /**
   * When the driver should plan again: the next recurrence after now, or, when `start` is set, the
   * next one after a job starting at `now` (an interval re-anchors on it: now + everyMs). Null when
   * paused, or when a cron expression never fires again.
   */
  nextRunAt: Date | null;
}

/**
 * A long backlog (a 1-minute integration not run for a year) must not produce half a million
 * entries, and Skipped entries count against the history kept per integration: at most this many
 * are listed, the newest, and the rest are summarised in `Plan.omitted`.
 */
export const MAX_SKIPPED = 100;

export const SKIP_REASON = {
  stillRunning: (jobId: string): string => `job ${jobId} still running`,
  editorClosed: 'no scheduler ran (editor closed)',
  /** The scheduler ran but its timer fired late: the computer slept or the process was stopped. */
  suspended: 'the scheduler was suspended (computer asleep)',
} as const;

export function plan(input: PlanInput): Plan {
  const { schedule, running, now, activation, catchUp } = input;
  if (input.paused) return { start: null, skipped: [], omitted: null, nextRunAt: null };
  const t = timeOf(now, 'now');
  const keep = input.maxSkipped ?? MAX_SKIPPED;
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`maxSkipped is ${keep}; it must be a whole number of at least 1`);

  // The running job is by definition the newest start, whatever the caller read from history.
  const anchor = maxTime(optionalTime(input.anchorAt, 'anchorAt'), running ? timeOf(running.startedAt, 'running.startedAt') : null);
  if (anchor === null) {
    // Rule 2: the first (historical) job starts as soon as a scheduler sees the integration.
    return { start: 'scheduled', skipped: [], omitted: null, nextRunAt: toDate(gridFor(schedule, t).nextAfter(t)) };
  }

  const grid = gridFor(schedule, anchor);
  const from = maxTime(anchor, optionalTime(input.handledUntil, 'handledUntil'))!;
  const owedAfter = maxTime(from, optionalTime(input.changedAt ?? null, 'changedAt'))!;
  const waitFrom = Math.max(t, from);

  if (running) {
    // Rule 4: every recurrence that fell while the job runs is skipped; the grid goes on.
    const due = grid.newest(owedAfter, t, keep);
    return { start: null, ...skippedFrom(due, SKIP_REASON.stillRunning(running.jobId)), nextRunAt: toDate(grid.nextAfter(waitFrom)) };
  }

  const firstDue = grid.nextAfter(from);
  if (firstDue === null || firstDue > t) {
    return { start: null, skipped: [], omitted: null, nextRunAt: toDate(grid.nextAfter(waitFrom)) };
  }

  let start: Plan['start'];
  let recorded: Pick<Plan, 'skipped' | 'omitted'>;
  const missed = activation || input.resumed ? grid.newest(owedAfter, t, keep) : null;
  if (missed && missed.runs.length > 0) {
    // Rule 7: nothing ran over these; record them all, and catch up once if the user wants that.
    recorded = skippedFrom(missed, activation ? SKIP_REASON.editorClosed : SKIP_REASON.suspended);
    start = catchUp === 'once' ? 'catch-up' : null;
  } else {
    // The newest due recurrence runs now. Older ones could only be due together with it if the
    // timer fired late (sleep), since each fire is followed by a plan; if they were not owed
    // (a change or an unpause) nothing is recorded for them.
    const newestDue = grid.newest(from, t, 1).runs[0]!;
    recorded = skippedFrom(grid.newest(owedAfter, newestDue - 1, keep), SKIP_REASON.suspended);
    start = 'scheduled';
  }
  // A job starting now re-anchors an interval grid (rule 3); the calendar of a cron stays put.
  const nextRunAt = start === null ? grid.nextAfter(waitFrom) : (schedule.kind === 'interval' ? intervalGrid(t, schedule.everyMs) : grid).nextAfter(t);
  return { start, ...recorded, nextRunAt: toDate(nextRunAt) };
}

/** The recurrences of a schedule, as epoch milliseconds. */
interface Grid {
  /** The first recurrence strictly after `t`, or null when there is none. */
  nextAfter(t: number): number | null;
  /** The newest `keep` recurrences in (after, until], oldest first, and a summary of the older ones. */
  newest(after: number, until: number, keep: number): NewestRuns;
}

/** `anchor` is the newest job start; cron ignores it because its grid is the calendar. */
function gridFor(schedule: ResolvedSchedule, anchor: number): Grid {
  if (schedule.kind === 'cron') {
    const cron = compileCron(schedule.expression, schedule.timezone);
    return {
      nextAfter: (t) => cron.nextRun(new Date(t))?.getTime() ?? null,
      newest: (after, until, keep) => newestCronRuns(cron, after, until, keep),
    };
  }
  return intervalGrid(anchor, schedule.everyMs);
}

/** anchor + k * every for k >= 1, computed arithmetically so a long gap costs nothing. */
function intervalGrid(anchor: number, every: number): Grid {
  if (!Number.isSafeInteger(every) || every <= 0) {
    throw new Error(`an interval schedule needs a whole number of milliseconds above 0, not ${every}; fix the integration's replication frequency`);
  }
  const at = (k: number): number => anchor + k * every;
  const firstAfter = (t: number): number => Math.max(1, Math.floor((t - anchor) / every) + 1);
  const lastAtOrBefore = (t: number): number => Math.floor((t - anchor) / every);
  return {
    nextAfter: (t) => at(firstAfter(t)),
    newest(after, until, keep) {
      const k1 = firstAfter(after);
      const k2 = lastAtOrBefore(until);
      if (k2 < k1) return { runs: [], omitted: null };
      const kKept = Math.max(k1, k2 - keep + 1);
      const runs: number[] = [];
      for (let k = kKept; k <= k2; k++) runs.push(at(k));
      const omitted = kKept > k1 ? { count: kKept - k1, first: at(k1), last: at(kKept - 1) } : null;
      return { runs, omitted };
    },
  };
}

function skippedFrom(due: NewestRuns, reason: string): Pick<Plan, 'skipped' | 'omitted'> {
  return {
    skipped: due.runs.map((ms) => ({ dueAt: new Date(ms), reason })),
    omitted: due.omitted && {
      count: due.omitted.count,
      firstDueAt: new Date(due.omitted.first),
      lastDueAt: new Date(due.omitted.last),
      reason,
    },
  };
}

function timeOf(d: Date, name: string): number {
  const ms = d instanceof Date ? d.getTime() : NaN;
  if (Number.isNaN(ms)) throw new Error(`plan: ${name} is not a valid date (${String(d)}); pass a Date`);
  return ms;
}

function optionalTime(d: Date | null, name: string): number | null {
  return d === null ? null : timeOf(d, name);
}

function maxTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
