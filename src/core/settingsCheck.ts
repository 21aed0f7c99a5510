/**
 * What the host computes for the Integration Settings page, with the engine's own code: the form
 * checked field by field as `add` checks its flags (newIntegration.ts), the change to save, the next
 * start times as the scheduler plans them, and the page's view of the integration's status and history.
 */
import { splitCommand } from './argv';
import { formatDuration } from './duration';
import { errorMessage } from './errors';
import { totalRecords } from './jobs';
import type { Database, Integration, Job, Schedule } from './model';
import { commandFrom, envFrom, fileRefFrom, missingPrograms, scheduleFrom, type FieldLabels } from './newIntegration';
import type { WorkspacePaths } from './paths';
import type { IntegrationRow } from './rows';
import { compileCron, validateCron } from './schedule/cron';
import { nextRunFor } from './schedule/inputs';
import { resolveSchedule } from './schedule/resolve';
import { FIELD_NAMES, formOf, type FieldId, type SettingsForm, type SettingsPatch } from './settingsForm';
import type { SyncStatus } from './status';

/** Errors name the page's fields, as Create Integration's name its steps. */
export const PAGE_LABELS: FieldLabels = {
  tap: FIELD_NAMES.tap,
  target: FIELD_NAMES.target,
  tapConfig: FIELD_NAMES.tapConfig,
  targetConfig: FIELD_NAMES.targetConfig,
  catalog: FIELD_NAMES.catalog,
  frequency: 'Replication Frequency',
  cron: FIELD_NAMES.cron,
  timezone: FIELD_NAMES.timezone,
  env: 'Environment variable',
};

/** The jobs the history chart shows. */
export const HISTORY_SHOWN = 30;
/** Start times the page previews. */
export const UPCOMING_SHOWN = 5;

export interface FormCheck {
  errors: Partial<Record<FieldId, string>>;
  /** Shown but not refusing: a program not installed yet (as `add` warns). */
  warnings: Partial<Record<FieldId, string>>;
  /** The commands as they will run, split as the CLI splits them. */
  argv: { tap: string[] | null; target: string[] | null };
  /** The schedule the form describes, or null when it is not valid. */
  schedule: Schedule | null;
  /** What saving changes (only what differs from `base`); null while any error remains. */
  patch: SettingsPatch | null;
}

/**
 * Checks every field of `form`, each on its own so every error shows next to its field, and compares
 * the valid values with `base` (the form as the integration was when the page loaded it; with no
 * base, every field is in the patch).
 */
export function checkSettingsForm(paths: WorkspacePaths, base: SettingsForm | null, form: SettingsForm, envPath: string | undefined): FormCheck {
  const errors: FormCheck['errors'] = {};
  const warnings: FormCheck['warnings'] = {};
  const field = <T>(id: FieldId, work: () => T): T | undefined => {
    try {
      return work();
    } catch (err) {
      errors[id] = errorMessage(err);
      return undefined;
    }
  };
  const tap = field('tap', () => commandFrom(form.tap, 'tap', PAGE_LABELS));
  const target = field('target', () => commandFrom(form.target, 'target', PAGE_LABELS));
  const tapConfig = field('tapConfig', () => fileRefFrom(paths, form.tapConfig.trim(), PAGE_LABELS.tapConfig));
  const targetConfig = field('targetConfig', () => fileRefFrom(paths, form.targetConfig.trim(), PAGE_LABELS.targetConfig));
  const catalog = field('catalog', () => fileRefFrom(paths, form.catalog.trim(), PAGE_LABELS.catalog));
  const env = checkEnv(form, errors);
  const schedule = checkSchedule(form, errors);

  const env4programs = env ?? {};
  for (const [role, argv] of [['tap', tap], ['target', target]] as const) {
    if (!argv) continue;
    const missing = missingPrograms(paths, { tap: argv, target: argv, env: env4programs }, envPath)[0];
    if (missing) warnings[role] = missing.replace(/^the (tap|target)/, `the ${role}`);
  }

  const argv = { tap: tap ?? null, target: target ?? null };
  if (Object.keys(errors).length > 0) return { errors, warnings, argv, schedule: schedule ?? null, patch: null };
  const now: Required<SettingsPatch> = { tap: tap!, target: target!, tapConfig: tapConfig!, targetConfig: targetConfig!, catalog: catalog!, env: env!, schedule: schedule! };
  const before = base ? valuesOf(base) : {};
  const patch: SettingsPatch = {};
  for (const key of Object.keys(now) as Array<keyof SettingsPatch>) {
    if (JSON.stringify(now[key]) !== JSON.stringify(before[key])) (patch as Record<string, unknown>)[key] = now[key];
  }
  return { errors, warnings, argv, schedule: schedule!, patch };
}

/** Empty rows are left out; a name must be given once, without "=", as `--env KEY=VALUE` requires. */
function checkEnv(form: SettingsForm, errors: FormCheck['errors']): Record<string, string> | undefined {
  const entries: string[] = [];
  const seen = new Map<string, number>();
  let ok = true;
  form.env.forEach((row, i) => {
    const key = row.key.trim();
    if (key === '' && row.value === '') return;
    const id: FieldId = `env.${i}`;
    if (key === '') errors[id] = `${PAGE_LABELS.env} ${i + 1} has a value but no name. Give it a name, or remove the row.`;
    else if (key.includes('=')) errors[id] = `${PAGE_LABELS.env} ${key}: a name cannot contain "=".`;
    else if (seen.has(key)) errors[id] = `${PAGE_LABELS.env} ${key} is set twice (rows ${seen.get(key)! + 1} and ${i + 1}). Remove one.`;
    else {
      seen.set(key, i);
      entries.push(`${key}=${row.value}`);
      return;
    }
    ok = false;
  });
  if (!ok) return undefined;
  try {
    return envFrom(entries, PAGE_LABELS);
  } catch (err) {
    errors.env = errorMessage(err);
    return undefined;
  }
}

function checkSchedule(form: SettingsForm, errors: FormCheck['errors']): Schedule | undefined {
  if (form.mode === 'default') return { kind: 'default' };
  if (form.mode === 'interval') {
    try {
      return scheduleFrom({ frequency: formatDuration(form.everyMs) }, PAGE_LABELS);
    } catch (err) {
      errors.frequency = errorMessage(err);
      return undefined;
    }
  }
  const tz = form.timezone.trim();
  try {
    return scheduleFrom(tz === '' ? { cron: form.cron } : { cron: form.cron, timezone: tz }, PAGE_LABELS);
  } catch (err) {
    // The time zone's own error goes beside the time zone; anything else beside the expression.
    errors[tz !== '' && validateCron(form.cron).ok ? 'timezone' : 'cron'] = errorMessage(err);
    return undefined;
  }
}

/** The stored values a form loaded from an integration stands for (the inverse of formOf); {} for one that was not. */
function valuesOf(f: SettingsForm): Partial<Required<SettingsPatch>> {
  const split = (text: string): string[] | undefined => {
    try {
      return splitCommand(text).argv;
    } catch {
      return undefined;
    }
  };
  const schedule: Schedule =
    f.mode === 'default'
      ? { kind: 'default' }
      : f.mode === 'interval'
        ? { kind: 'interval', everyMs: f.everyMs }
        : f.timezone === ''
          ? { kind: 'cron', expression: f.cron }
          : { kind: 'cron', expression: f.cron, timezone: f.timezone };
  return {
    tap: split(f.tap),
    target: split(f.target),
    tapConfig: f.tapConfig === '' ? null : f.tapConfig,
    targetConfig: f.targetConfig === '' ? null : f.targetConfig,
    catalog: f.catalog === '' ? null : f.catalog,
    env: Object.fromEntries(f.env.map((r) => [r.key, r.value])),
    schedule,
  };
}

/** Applies a checked patch inside Engine.updateIntegration (which validates the result with zod). */
export function applySettingsPatch(it: Integration, patch: SettingsPatch): void {
  if (patch.tap) it.tap = patch.tap;
  if (patch.target) it.target = patch.target;
  if (patch.tapConfig !== undefined) it.tapConfig = patch.tapConfig;
  if (patch.targetConfig !== undefined) it.targetConfig = patch.targetConfig;
  if (patch.catalog !== undefined) it.catalog = patch.catalog;
  if (patch.env) it.env = patch.env;
  if (patch.schedule) it.schedule = patch.schedule;
}

export interface UpcomingContext {
  now: Date;
  defaultFrequencyMs: number;
  catchUp: 'once' | 'skip';
}

/**
 * The next `count` start times of `it` under `schedule`, as the scheduler would plan them if the
 * schedule were saved now and the integration active: the first from the planner itself (a change
 * that makes a start overdue starts at once, rule 3), the rest on its grid (every start re-anchors
 * an interval; a cron keeps its calendar).
 */
export function upcomingRuns(db: Database, it: Integration, schedule: Schedule, ctx: UpcomingContext, count = UPCOMING_SHOWN): Date[] {
  const changed = JSON.stringify(schedule) !== JSON.stringify(it.schedule);
  const draft: Integration = { ...it, schedule, paused: false, ...(changed ? { scheduleChangedAt: ctx.now.toISOString() } : {}) };
  const first = nextRunFor(db, draft, ctx);
  if (first === null) return [];
  const resolved = resolveSchedule(schedule, ctx.defaultFrequencyMs);
  const runs = [first];
  if (resolved.kind === 'interval') {
    while (runs.length < count) runs.push(new Date(first.getTime() + runs.length * resolved.everyMs));
    return runs;
  }
  const cron = compileCron(resolved.expression, resolved.timezone);
  while (runs.length < count) {
    const next = cron.nextRun(runs[runs.length - 1]!);
    if (next === null) break;
    runs.push(next);
  }
  return runs;
}

/** One job as the page shows it (the chart's bars, the last job line). */
export interface JobView {
  id: string;
  status: Job['status'];
  trigger: Job['trigger'];
  startedAt: string;
  endedAt: string | null;
  records: number;
  error: string | null;
  hasLog: boolean;
}

export interface StatusView {
  syncStatus: SyncStatus;
  paused: boolean;
  /** "every 1h", "cron 0 6 * * * (Europe/Berlin)", "default (every 1h)". */
  schedule: string;
  nextRunAt: string | null;
  lastJob: JobView | null;
  /** The newest HISTORY_SHOWN entries, Skipped ones included, oldest first. */
  history: JobView[];
}

export function jobView(j: Job, liveRecords?: Readonly<Record<string, number>>): JobView {
  return {
    id: j.id,
    status: j.status,
    trigger: j.trigger,
    startedAt: j.startedAt,
    endedAt: j.endedAt,
    records: totalRecords(liveRecords ?? j.records),
    error: j.error,
    hasLog: j.logFile !== null,
  };
}

/** The integration's form and status as the page shows them; `jobs` is its history, newest first. */
export function settingsView(
  row: IntegrationRow,
  jobs: readonly Job[],
  defaultFrequencyMs: number,
  liveRecords?: Readonly<Record<string, number>>,
): { form: SettingsForm; status: StatusView } {
  const live = (j: Job): Readonly<Record<string, number>> | undefined => (row.active && j.id === row.active.id ? liveRecords : undefined);
  return {
    form: formOf(row.integration, defaultFrequencyMs),
    status: {
      syncStatus: row.syncStatus,
      paused: row.integration.paused,
      schedule: row.schedule,
      nextRunAt: row.nextRunAt?.toISOString() ?? null,
      lastJob: row.lastJob && jobView(row.lastJob, live(row.lastJob)),
      history: jobs.slice(0, HISTORY_SHOWN).reverse().map((j) => jobView(j, live(j))),
    },
  };
}
