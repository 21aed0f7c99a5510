/**
 * What a new integration must be before it is written, checked the same way for `add` and for VS
 * Code's Create Integration, so both refuse exactly the same input with the same sentence. Each
 * field has its own check, so a multi-step form can show the error on the step that caused it.
 */
import * as fs from 'node:fs';
import { parseCommand } from './argv';
import { parseDuration } from './duration';
import type { NewIntegration } from './engine';
import { errorMessage, usageError } from './errors';
import { findExecutable } from './executable';
import { INTEGRATION_NAME, type Mapper, type Schedule } from './model';
import type { WorkspacePaths } from './paths';
import { validateCron } from './schedule/cron';
import { mapperNameOf } from './stages';

/** How each front names the fields in its errors: the CLI by its flags, VS Code by the form's labels. */
export interface FieldLabels {
  tap: string;
  target: string;
  tapConfig: string;
  targetConfig: string;
  catalog: string;
  frequency: string;
  cron: string;
  timezone: string;
  env: string;
}

export const CLI_LABELS: FieldLabels = {
  tap: '--tap',
  target: '--target',
  tapConfig: '--tap-config',
  targetConfig: '--target-config',
  catalog: '--catalog',
  frequency: '--frequency',
  cron: '--cron',
  timezone: '--timezone',
  env: '--env',
};

export interface NewIntegrationInput {
  name: string;
  tap?: string | undefined;
  target?: string | undefined;
  tapConfig?: string | null | undefined;
  targetConfig?: string | null | undefined;
  catalog?: string | null | undefined;
  /** A duration (`30m`, `1h`, `90s`) or `default`. */
  frequency?: string | undefined;
  cron?: string | undefined;
  timezone?: string | undefined;
  paused?: boolean | undefined;
  /** `KEY=VALUE` entries. */
  env?: readonly string[] | undefined;
  /** Mapper stages between tap and target, in order (`add --mapper CMD [--mapper-config F]`). */
  mappers?: readonly { command: string; config?: string | null | undefined }[] | undefined;
}

/** Null when the name is usable; else the sentence that says why not. */
export function nameProblem(name: string, existing: readonly string[] = []): string | null {
  if (!INTEGRATION_NAME.test(name)) {
    return `"${name}" is not a valid integration name: use 1-64 letters, digits, "_", "." or "-", starting with a letter or digit.`;
  }
  if (existing.includes(name)) return `an integration named "${name}" already exists. Choose another name.`;
  return null;
}

/** A tap or target command, split as a POSIX shell splits words; shell operators are refused. */
export function commandFrom(text: string | undefined, role: 'tap' | 'target', labels: FieldLabels = CLI_LABELS): string[] {
  if (text === undefined) {
    throw usageError(
      role === 'tap'
        ? `add needs ${labels.tap} CMD, the tap to run (e.g. ${labels.tap} "tap-github").`
        : `add needs ${labels.target} CMD, the target to load into (e.g. ${labels.target} "target-jsonl").`,
    );
  }
  return parseCommand(text, role);
}

/** A config or catalog file, kept by path (relative to the workspace when inside it): it must exist and be JSON. */
export function fileRefFrom(paths: WorkspacePaths, file: string | null | undefined, label: string): string | null {
  if (file === undefined || file === null || file === '') return null;
  const abs = paths.resolve(file);
  if (!fs.existsSync(abs)) throw usageError(`${label} ${file}: the file does not exist (looked at ${abs}). Create it or fix the path.`);
  try {
    JSON.parse(fs.readFileSync(abs, 'utf8'));
  } catch (err) {
    throw usageError(`${label} ${file} is not valid JSON (${errorMessage(err)}). Fix the file and add again.`, err);
  }
  return paths.relative(abs);
}

export function scheduleFrom(
  a: Pick<NewIntegrationInput, 'frequency' | 'cron' | 'timezone'>,
  labels: FieldLabels = CLI_LABELS,
): Schedule {
  if (a.cron !== undefined && a.frequency !== undefined) throw usageError(`give either ${labels.frequency} or ${labels.cron}, not both.`);
  if (a.timezone !== undefined && a.cron === undefined) throw usageError(`${labels.timezone} applies to ${labels.cron} schedules only.`);
  if (a.cron !== undefined) {
    const r = validateCron(a.cron, a.timezone);
    if (!r.ok) throw usageError(r.error);
    return r.timezone === undefined ? { kind: 'cron', expression: r.expression } : { kind: 'cron', expression: r.expression, timezone: r.timezone };
  }
  if (a.frequency === undefined || a.frequency === 'default') return { kind: 'default' };
  const ms = parseDuration(a.frequency);
  if (ms === undefined) throw usageError(`${labels.frequency} ${a.frequency} is not a duration. Use e.g. 30s, 5m, 1h, 1h30m or "default".`);
  if (ms < 1000) throw usageError(`${labels.frequency} ${a.frequency} is shorter than 1s, the shortest frequency.`);
  return { kind: 'interval', everyMs: ms };
}

/**
 * Mapper stages, each named after its program (`hide-emails`, or `-2`, `-3` when two share a program);
 * their config files are kept by path like the tap's.
 */
export function mappersFrom(paths: WorkspacePaths, entries: NewIntegrationInput['mappers'] = []): Mapper[] {
  const out: Mapper[] = [];
  for (const [i, e] of entries.entries()) {
    const command = parseCommand(e.command, 'mapper');
    const base = mapperNameOf(command);
    let name = base;
    for (let n = 2; out.some((m) => m.name === name); n++) name = `${base}-${n}`;
    out.push({ name, command, config: fileRefFrom(paths, e.config, `--mapper-config (of mapper ${i + 1}, ${name})`) });
  }
  return out;
}

export function envFrom(entries: readonly string[] = [], labels: FieldLabels = CLI_LABELS): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of entries) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw usageError(`${labels.env} ${kv} is not of the form KEY=VALUE.`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

/**
 * Checks every field and returns the integration to add, with warnings that do not refuse it: a
 * program that is not installed yet is accepted (the tap may be installed later, DESIGN §5).
 */
export function newIntegration(
  paths: WorkspacePaths,
  input: NewIntegrationInput,
  labels: FieldLabels = CLI_LABELS,
  envPath: string | undefined = process.env.PATH,
): { integration: NewIntegration; warnings: string[] } {
  const problem = nameProblem(input.name);
  if (problem) throw usageError(problem);
  const tap = commandFrom(input.tap, 'tap', labels);
  const target = commandFrom(input.target, 'target', labels);
  const integration: NewIntegration = {
    name: input.name,
    tap,
    target,
    tapConfig: fileRefFrom(paths, input.tapConfig, labels.tapConfig),
    targetConfig: fileRefFrom(paths, input.targetConfig, labels.targetConfig),
    catalog: fileRefFrom(paths, input.catalog, labels.catalog),
    mappers: mappersFrom(paths, input.mappers),
    env: envFrom(input.env, labels),
    schedule: scheduleFrom(input, labels),
    paused: input.paused ?? false,
  };
  return { integration, warnings: missingPrograms(paths, integration, envPath) };
}

/** One warning per program that is not installed where the job will look for it. */
export function missingPrograms(paths: WorkspacePaths, it: Pick<NewIntegration, 'tap' | 'target' | 'env' | 'mappers'>, envPath: string | undefined): string[] {
  const out: string[] = [];
  const programs = [['tap', it.tap], ...(it.mappers ?? []).map((m) => ['mapper', m.command] as const), ['target', it.target]] as const;
  for (const [role, argv] of programs) {
    const found = findExecutable(argv[0]!, paths.workspace, it.env.PATH ?? envPath);
    if ('missing' in found) {
      out.push(`the ${role} program ${found.missing} was not found (looked in ${found.lookedIn}); jobs will fail until it is installed.`);
    }
  }
  return out;
}
