/** `add`: validates everything it can before writing, and starts nothing (DESIGN §5). */
import * as fs from 'node:fs';
import { parseCommand } from '../core/argv';
import { parseDuration } from '../core/duration';
import type { Engine } from '../core/engine';
import { usageError } from '../core/errors';
import { findExecutable } from '../core/executable';
import type { Schedule } from '../core/model';
import type { Io } from './output';

export interface AddArgs {
  name: string;
  tap?: string;
  target?: string;
  tapConfig?: string;
  targetConfig?: string;
  catalog?: string;
  frequency?: string;
  cron?: string;
  timezone?: string;
  paused: boolean;
  env: string[];
}

export type CronValidator = (expression: string, timezone?: string) => string | null;

export async function addCommand(engine: Engine, a: AddArgs, io: Io, validateCron: CronValidator): Promise<number> {
  if (a.tap === undefined) throw usageError('add needs --tap CMD, the tap to run (e.g. --tap "tap-github").');
  if (a.target === undefined) throw usageError('add needs --target CMD, the target to load into (e.g. --target "target-jsonl").');
  const tap = parseCommand(a.tap, 'tap');
  const target = parseCommand(a.target, 'target');
  const paths = engine.paths;
  const fileRef = (file: string | undefined, flag: string): string | null => {
    if (file === undefined) return null;
    const abs = paths.resolve(file);
    if (!fs.existsSync(abs)) throw usageError(`${flag} ${file}: the file does not exist (looked at ${abs}). Create it or fix the path.`);
    try {
      JSON.parse(fs.readFileSync(abs, 'utf8'));
    } catch (err) {
      throw usageError(`${flag} ${file} is not valid JSON (${(err as Error).message}). Fix the file and add again.`, err);
    }
    return paths.relative(abs);
  };
  const schedule = scheduleFrom(a, validateCron);
  const env: Record<string, string> = {};
  for (const kv of a.env) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw usageError(`--env ${kv} is not of the form KEY=VALUE.`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const it = await engine.add({
    name: a.name,
    tap,
    target,
    tapConfig: fileRef(a.tapConfig, '--tap-config'),
    targetConfig: fileRef(a.targetConfig, '--target-config'),
    catalog: fileRef(a.catalog, '--catalog'),
    env,
    schedule,
    paused: a.paused,
  });
  const envPath = env.PATH ?? process.env.PATH;
  for (const [role, argv] of [['tap', tap], ['target', target]] as const) {
    const found = findExecutable(argv[0]!, paths.workspace, envPath);
    if ('missing' in found) {
      io.err(`warning: the ${role} program ${found.missing} was not found (looked in ${found.lookedIn}); jobs will fail until it is installed.`);
    }
  }
  io.out(`added ${it.name}${it.paused ? ' (paused)' : ''}; a running scheduler (a VS Code window or \`singer-replication schedule\`) starts its first job.`);
  return 0;
}

function scheduleFrom(a: AddArgs, validateCron: CronValidator): Schedule {
  if (a.cron !== undefined && a.frequency !== undefined) throw usageError('give either --frequency or --cron, not both.');
  if (a.timezone !== undefined && a.cron === undefined) throw usageError('--timezone applies to --cron schedules only.');
  if (a.cron !== undefined) {
    const problem = validateCron(a.cron, a.timezone);
    if (problem) throw usageError(problem);
    return a.timezone === undefined ? { kind: 'cron', expression: a.cron } : { kind: 'cron', expression: a.cron, timezone: a.timezone };
  }
  if (a.frequency === undefined || a.frequency === 'default') return { kind: 'default' };
  const ms = parseDuration(a.frequency);
  if (ms === undefined) throw usageError(`--frequency ${a.frequency} is not a duration. Use e.g. 30s, 5m, 1h, 1h30m or "default".`);
  if (ms < 1000) throw usageError(`--frequency ${a.frequency} is shorter than 1s, the shortest frequency.`);
  return { kind: 'interval', everyMs: ms };
}
