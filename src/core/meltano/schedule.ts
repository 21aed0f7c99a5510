/**
 * Schedules both ways. Meltano's `interval` is a calendar cron expression (or a preset such as
 * `@daily`), evaluated by the orchestrator in UTC unless it is told otherwise; ours may be a
 * Replication Frequency anchored at the previous start (DESIGN rule 3). Export picks the nearest
 * calendar expression and says when it is not exact; import keeps cron as cron, in UTC.
 */
import { formatDuration } from '../duration';
import type { Schedule } from '../model';
import { validateCron } from '../schedule/cron';

/** The `interval` pattern of the JSON schema that the meltano package ships. */
export const MELTANO_INTERVAL = /^((@(hourly|daily|weekly|monthly|yearly|once))|((((\d+,)+\d+|(\d+|\*)(\/|-)\d+|\d+|\*) ?){5,6}))$/;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface ExportedInterval {
  interval: string;
  exact: boolean;
  /** Set when the expression is not exactly the frequency, or was phased from the last start. */
  note: string | null;
}

/**
 * The calendar cron expression nearest to "every `everyMs`", phased (in UTC) like the last job start
 * `anchor` when there is one, so production runs at the same minutes as the editor did.
 */
export function frequencyToCron(everyMs: number, anchor: Date | null): ExportedInterval {
  const m = anchor ? anchor.getUTCMinutes() : 0;
  const h = anchor ? anchor.getUTCHours() : 0;
  const candidates: { ms: number; cron: string }[] = [];
  for (const d of [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30]) candidates.push({ ms: d * MINUTE, cron: `${d === 1 ? '*' : phased(m % d, d, 60)} * * * *` });
  for (const d of [1, 2, 3, 4, 6, 8, 12]) candidates.push({ ms: d * HOUR, cron: `${m} ${d === 1 ? '*' : phased(h % d, d, 24)} * * *` });
  candidates.push({ ms: DAY, cron: `${m} ${h} * * *` });
  candidates.push({ ms: 7 * DAY, cron: `${m} ${h} * * ${anchor ? anchor.getUTCDay() : 0}` });
  candidates.push({ ms: 30 * DAY, cron: `${m} ${h} ${anchor ? Math.min(anchor.getUTCDate(), 28) : 1} * *` });
  let best = candidates[0]!;
  for (const c of candidates) if (Math.abs(Math.log(c.ms / everyMs)) < Math.abs(Math.log(best.ms / everyMs))) best = c;
  const exact = best.ms === everyMs;
  const wanted = `every ${formatDuration(everyMs)}`;
  let note: string | null = null;
  if (!exact) {
    note = `${wanted} has no calendar cron expression; "${best.cron}" (every ${best.ms === 30 * DAY ? 'month' : formatDuration(best.ms)}) is the nearest`;
  } else if (anchor && best.cron !== unphased(best.ms)) {
    note = `${wanted}, at the minutes of the last job start (${anchor.toISOString().slice(11, 16)} UTC)`;
  }
  return { interval: best.cron, exact, note };
}

function unphased(ms: number): string {
  return frequencyToCron(ms, null).interval;
}

/** `*\/15` when the phase is 0, else the explicit list `7,22,37,52` (a form the schema accepts). */
function phased(offset: number, step: number, range: number): string {
  if (offset === 0) return `*/${step}`;
  const values: number[] = [];
  for (let v = offset; v < range; v += step) values.push(v);
  return values.join(',');
}

const NAMES: Record<number, string[]> = {
  3: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  4: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
};
const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
];

/**
 * One of our cron schedules as a Meltano `interval`: names become numbers and ranges with steps
 * become lists, since the schema's pattern accepts only the plain forms. Null when it has no
 * Meltano form (seconds, `L`, `#`); the note says why, or what the time zone means there.
 */
export function cronToInterval(expression: string, timezone?: string): { interval: string | null; note: string | null } {
  const zoneNote =
    timezone && !['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT'].includes(timezone)
      ? `Meltano schedules have no time zone: the orchestrator reads "${expression}" in its own (UTC unless configured), not in ${timezone}`
      : null;
  const text = expression.trim().replace(/\s+/g, ' ');
  if (text.startsWith('@')) {
    const nick = text.toLowerCase() === '@annually' ? '@yearly' : text.toLowerCase();
    return MELTANO_INTERVAL.test(nick) ? { interval: nick, note: zoneNote } : { interval: null, note: `"${text}" has no Meltano form` };
  }
  let fields = text.split(' ');
  if (fields.length === 6) {
    if (fields[0] !== '0') return { interval: null, note: `"${text}" runs at second ${fields[0]}; Meltano schedules have whole minutes` };
    fields = fields.slice(1);
  }
  if (fields.length !== 5) return { interval: null, note: `"${text}" is not a 5-field cron expression` };
  const out: string[] = [];
  for (let i = 0; i < 5; i++) {
    const f = normaliseField(fields[i]!, i);
    if (f === null) return { interval: null, note: `"${text}": the field "${fields[i]}" has no form a Meltano schedule accepts` };
    out.push(f);
  }
  const interval = out.join(' ');
  if (!MELTANO_INTERVAL.test(interval)) return { interval: null, note: `"${text}" has no form a Meltano schedule accepts` };
  return { interval, note: zoneNote };
}

function normaliseField(field: string, index: number): string | null {
  let f = field.toUpperCase();
  const names = NAMES[index];
  if (names) names.forEach((n, i) => (f = f.replaceAll(n, String(index === 3 ? i + 1 : i))));
  if (index === 4) f = f.replace(/\b7\b/g, '0');
  if (/^(\*|\d+|\d+-\d+|\*\/\d+|\d+\/\d+|(\d+,)+\d+)$/.test(f)) return f;
  // Expand anything else (a-b/s, lists of ranges) to the explicit list of values.
  const [lo, hi] = RANGES[index]!;
  const values = new Set<number>();
  for (const part of f.split(',')) {
    const m = /^(\*|\d+)(?:-(\d+))?(?:\/(\d+))?$/.exec(part);
    if (!m) return null;
    const start = m[1] === '*' ? lo : Number(m[1]);
    const end = m[2] !== undefined ? Number(m[2]) : m[1] === '*' || m[3] !== undefined ? hi : start;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    if (step < 1 || start > end) return null;
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b).join(',');
}

/** Our schedule as a Meltano `interval`; null when it has none (the job runs only when asked). */
export function scheduleToInterval(schedule: Schedule, defaultFrequencyMs: number, anchor: Date | null): { interval: string | null; exact: boolean; note: string | null } {
  if (schedule.kind === 'cron') {
    const c = cronToInterval(schedule.expression, schedule.timezone);
    return { interval: c.interval, exact: c.interval !== null, note: c.note };
  }
  const everyMs = schedule.kind === 'interval' ? schedule.everyMs : defaultFrequencyMs;
  const f = frequencyToCron(everyMs, anchor);
  const note = schedule.kind === 'default' && f.note === null ? `the workspace default, every ${formatDuration(everyMs)}` : f.note;
  return { interval: f.interval, exact: f.exact, note };
}

const ON_DEMAND = new Set(['@once', '@manual', '@none']);

/**
 * A Meltano `interval` as our schedule: a cron schedule in UTC (where Meltano's orchestrators read it).
 * Null for the presets that mean "only when asked" and for expressions our scheduler cannot read.
 */
export function intervalToSchedule(interval: string): { schedule: Schedule | null; onDemand: boolean; note: string | null } {
  const text = interval.trim();
  const lower = text.toLowerCase();
  if (ON_DEMAND.has(lower)) return { schedule: null, onDemand: true, note: `interval ${text} runs only when asked` };
  const expression = lower === '@midnight' ? '@daily' : lower.startsWith('@') ? lower : text;
  const check = validateCron(expression, 'UTC');
  if (!check.ok) return { schedule: null, onDemand: false, note: `interval "${text}" cannot be read: ${check.error}` };
  return { schedule: { kind: 'cron', expression: check.expression, timezone: 'UTC' }, onDemand: false, note: null };
}
