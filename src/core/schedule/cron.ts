/**
 * Cron schedules (DESIGN rule 1, "advanced schedule"): validation with messages that say what to fix,
 * and bounded enumeration of run times for the planner. Croner computes every run time; nothing here
 * starts a timer (a Cron built without a callback never schedules one).
 */
import { Cron } from 'croner';
import { usageError } from '../errors';

export type CronCheck =
  | { ok: true; expression: string; timezone?: string }
  | { ok: false; error: string };

const NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'];
const SIX_FIELDS = ['second', 'minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const FIELD_VALUES: Record<(typeof SIX_FIELDS)[number], string> = {
  second: '0-59',
  minute: '0-59',
  hour: '0-23',
  'day-of-month': '1-31 or L (the last day)',
  month: '1-12 or JAN-DEC',
  'day-of-week': '0-7 or SUN-SAT (0 and 7 are Sunday), 5L (the last Friday) or 1#2 (the second Monday)',
};
// Any fixed instant works for "does it ever fire": cron has no year field, so a pattern that fires
// at all fires again within a few years of any date.
const NEVER_FIRES_PROBE = new Date(Date.UTC(2000, 0, 1));

/**
 * Checks a cron expression (5 fields, or 6 with seconds first, or an @nickname) and an optional IANA
 * time zone. On success returns the expression with its whitespace normalised and the time zone in
 * its canonical spelling, which is what should be stored.
 */
export function validateCron(expression: string, timezone?: string): CronCheck {
  const text = expression.trim().replace(/\s+/g, ' ');
  const shown = `cron expression "${text}"`;
  if (text === '') return fail('the cron expression is empty; give 5 fields, e.g. "0 6 * * *" (every day at 06:00)');
  if (text.startsWith('@')) {
    if (!NICKNAMES.includes(text.toLowerCase())) {
      return fail(`${shown} is not a known nickname; use one of ${NICKNAMES.join(', ')} or 5 fields such as "0 6 * * *"`);
    }
  } else {
    const fields = text.split(' ');
    if (fields.length !== 5 && fields.length !== 6) {
      return fail(
        `${shown} has ${fields.length} field${fields.length === 1 ? '' : 's'}; give 5 (minute hour day-of-month month day-of-week, ` +
          'e.g. "0 6 * * *") or 6 (a seconds field first, e.g. "0 0 6 * * *")',
      );
    }
    // Croner replaces "?" with the current time when the pattern is parsed; the planner parses on
    // every call, so the schedule would move each time.
    if (text.includes('?')) {
      return fail(`${shown} uses "?", which croner replaces with the time the schedule is read, so the runs would drift; write "*" or a number instead`);
    }
    const bad = firstBadField(fields);
    if (bad) return fail(`${shown}: ${bad}`);
  }

  let zone: string | undefined;
  if (timezone !== undefined) {
    const z = checkTimeZone(timezone);
    if (!z.ok) return fail(z.error);
    zone = z.timezone;
  }

  let cron: Cron;
  try {
    cron = new Cron(text, cronOptions(zone));
    if (cron.nextRun(NEVER_FIRES_PROBE) === null) {
      return fail(`${shown} never fires: no date matches its day-of-month and month fields (e.g. 31 in February); fix those fields`);
    }
  } catch (err) {
    return fail(`${shown} is not valid (${croneDetail(err)}); fields are minute hour day-of-month month day-of-week, e.g. "0 6 * * *"`);
  }
  return zone === undefined ? { ok: true, expression: text } : { ok: true, expression: text, timezone: zone };
}

/** A croner instance for a stored schedule; throws the validation message when the database holds a bad one. */
export function compileCron(expression: string, timezone?: string): Cron {
  const check = validateCron(expression, timezone);
  if (!check.ok) throw usageError(`${check.error} (edit the integration's schedule)`);
  return new Cron(check.expression, cronOptions(check.timezone));
}

function cronOptions(timezone: string | undefined): { legacyMode: true; timezone?: string } {
  // legacyMode: day-of-month and day-of-week are OR-ed, as in Vixie cron and crontab(5).
  return timezone === undefined ? { legacyMode: true } : { legacyMode: true, timezone };
}

function fail(error: string): CronCheck {
  return { ok: false, error };
}

function croneDetail(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^CronPattern: /, '');
}

/** Probes each field alone (the others `*`), so the message names the field the user has to fix. */
function firstBadField(fields: string[]): string | null {
  const offset = 6 - fields.length;
  for (let i = 0; i < fields.length; i++) {
    const probe = ['0', '*', '*', '*', '*', '*'];
    probe[i + offset] = fields[i]!;
    try {
      new Cron(probe.join(' '), { legacyMode: true });
    } catch (err) {
      const name = SIX_FIELDS[i + offset]!;
      return (
        `the ${name} field "${fields[i]}" is not valid (${croneDetail(err)}); ${name} takes ${FIELD_VALUES[name]}, ` +
        'as one value, a list (1,15), a range (1-5), a step (*/15) or *'
      );
    }
  }
  return null;
}

type ZoneCheck = { ok: true; timezone: string } | { ok: false; error: string };

function checkTimeZone(timezone: string): ZoneCheck {
  const tz = timezone.trim();
  if (tz === '') return { ok: false, error: 'the time zone is empty; leave it out to use the machine\'s local time, or give an IANA name such as "Europe/Berlin"' };
  try {
    return { ok: true, timezone: new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone };
  } catch {
    const guess = suggestTimeZone(tz);
    return {
      ok: false,
      error: `unknown time zone "${tz}"; ${guess ? `did you mean "${guess}"? ` : ''}use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"`,
    };
  }
}

function suggestTimeZone(tz: string): string | undefined {
  const city = `/${tz.toLowerCase().replace(/ /g, '_')}`;
  return Intl.supportedValuesOf('timeZone').find((z) => z.toLowerCase().endsWith(city));
}

/** Run times in (after, until], oldest first; stops once more than `limit` were found (`complete` false). */
export function cronRunsIn(cron: Cron, after: number, until: number, limit: number): { runs: number[]; complete: boolean } {
  const runs: number[] = [];
  let t = after;
  for (;;) {
    const next = cron.nextRun(new Date(t))?.getTime() ?? null;
    if (next === null || next > until) return { runs, complete: true };
    if (runs.length === limit) return { runs, complete: false };
    runs.push(next);
    t = next;
  }
}

export interface NewestRuns {
  /** At most `keep` run times, the newest in the range, oldest first. */
  runs: number[];
  /** The older runs in the range that were left out; `count` is null when counting them would cost too much. */
  omitted: { count: number | null; first: number; last: number } | null;
}

/** Croner with a time zone costs about half a millisecond per run time, so older runs are counted only this far. */
const COUNT_BUDGET = 300;
const MAX_SEARCH_STEPS = 200;

/**
 * The newest `keep` run times in (after, until] without walking the whole range: croner only walks
 * forward, so this looks for a window (w, until] holding between keep+1 and 2(keep+1) runs,
 * growing or bisecting w. Runs fall on whole seconds, so a window edge moved by under a second
 * changes the count by at most one, and the search always lands inside that band.
 */
export function newestCronRuns(cron: Cron, after: number, until: number, keep: number): NewestRuns {
  const limit = 2 * (keep + 1);
  const head = cronRunsIn(cron, after, until, limit);
  if (head.complete) return split(head.runs, keep, head.runs.length - keep);

  const first = head.runs[0]!;
  const meanGap = (head.runs[head.runs.length - 1]! - first) / (head.runs.length - 1);
  let tooMany = after;
  let tooFew = until;
  let w = Math.max(after, until - Math.ceil(meanGap * (keep + 1) * 1.5));
  for (let step = 0; step < MAX_SEARCH_STEPS; step++) {
    const window = cronRunsIn(cron, w, until, limit);
    if (window.complete && window.runs.length > keep) {
      const older = cronRunsIn(cron, after, w, COUNT_BUDGET);
      const count = older.complete ? older.runs.length + window.runs.length - keep : null;
      const cut = window.runs.length - keep;
      return { runs: window.runs.slice(cut), omitted: { count, first, last: window.runs[cut - 1]! } };
    }
    if (window.complete) {
      tooFew = w;
      const wider = until - 4 * (until - w);
      w = wider > tooMany ? wider : Math.floor((tooMany + w) / 2);
    } else {
      tooMany = w;
      w = Math.floor((w + tooFew) / 2);
    }
  }
  throw new Error(`internal: no window with ${keep} cron runs found between ${new Date(after).toISOString()} and ${new Date(until).toISOString()}`);
}

function split(runs: number[], keep: number, omittedCount: number): NewestRuns {
  if (runs.length <= keep) return { runs, omitted: null };
  const cut = runs.length - keep;
  return { runs: runs.slice(cut), omitted: { count: omittedCount, first: runs[0]!, last: runs[cut - 1]! } };
}
