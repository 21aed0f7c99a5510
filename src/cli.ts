/**
 * `singer-replication`: the headless front. Same core, same database as the extension; exit codes,
 * JSON fields and log lines are a contract scripts rely on (DESIGN §5).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { config as zodConfig } from 'zod/mini';
import { addCommand } from './cli/addCommand';
import { COMMAND_HELP, USAGE } from './cli/help';
import { jobsCommand, logCommand, runCommand, stateCommand, stopCommand } from './cli/jobCommands';
import { listCommand } from './cli/listCommand';
import { processIo, type Io } from './cli/output';
import { asDiskError } from './core/diskErrors';
import { Engine, checkName } from './core/engine';
import { ExitCode, SingerError, errorMessage, usageError } from './core/errors';
import { readWorkspaceSettings, settingsFrom, type SingerSettings } from './core/settings';
import { SETTINGS_ENV } from './core/runnerProtocol';

// One command reads the database once or twice: zod's compiled parsers (made with `new Function` on a
// schema's first parse) cost more to make than they save here. Measured: reading db.json before a
// job took 10-13 ms with them and 4-7 ms without (issue 15). The extension host, which parses again
// and again, keeps them.
zodConfig({ jitless: true });

const GLOBAL = { workspace: { type: 'string' }, database: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof SingerError) {
      io.err(`singer-replication: ${err.message}`);
      return err.exitCode;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`singer-replication: ${err.message}. See \`singer-replication --help\`.`);
      return ExitCode.usage;
    }
    // A write the machine refused that no command turned into its own sentence: still one sentence, exit 2.
    const file = (err as NodeJS.ErrnoException | null)?.path;
    const disk = typeof file === 'string' ? asDiskError(err, path.dirname(file), `${file} could not be written`) : undefined;
    if (disk) {
      io.err(`singer-replication: ${disk.message}`);
      return disk.exitCode;
    }
    io.err(`singer-replication: unexpected error: ${errorMessage(err)}`);
    if (process.env.SINGER_DEBUG) io.err(String((err as Error).stack));
    return ExitCode.failed;
  }
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const commandIndex = argv.findIndex((a, i) => !a.startsWith('-') && !['--workspace', '--database'].includes(argv[i - 1] ?? ''));
  const globalArgs = commandIndex < 0 ? argv : argv.slice(0, commandIndex);
  const command = commandIndex < 0 ? undefined : argv[commandIndex]!;
  const rest = commandIndex < 0 ? [] : argv.slice(commandIndex + 1);
  const g = parseArgs({ args: globalArgs, options: GLOBAL, strict: true }).values;
  if (command === undefined || command === 'help') {
    if (command === 'help' && rest[0] && COMMAND_HELP[rest[0]]) io.out(COMMAND_HELP[rest[0]]!);
    else io.out(USAGE);
    return g.help || command === 'help' ? 0 : ExitCode.usage;
  }
  if (!(command in COMMAND_HELP)) throw usageError(`unknown command "${command}". Run \`singer-replication --help\` for the list.`);
  if (rest.includes('--help') || rest.includes('-h') || g.help) {
    io.out(COMMAND_HELP[command]!);
    return 0;
  }
  const workspace = g.workspace ?? process.cwd();
  const settings = withFrontSettings(readWorkspaceSettings(workspace));
  const engine = new Engine({
    workspace,
    databasePath: g.database ?? settings.databasePath,
    logRetention: settings.logRetention,
    stopGracePeriodSeconds: settings.stopGracePeriodSeconds,
  });
  engine.events.on('notice', (message) => io.err(`singer-replication: note: ${message}`));
  // What no caller awaits (a write retried, a reconcile that could not be saved) is said on stderr.
  engine.events.on('error', (message) => io.err(`singer-replication: warning: ${message}`));
  const name = (positionals: string[], extra = 0): string => {
    if (positionals.length === 0) throw usageError(`${command} needs an integration NAME. See \`singer-replication ${command} --help\`.`);
    if (positionals.length > 1 + extra) throw usageError(`${command} takes ${extra ? 'NAME [JOB]' : 'one NAME'}; got "${positionals.join(' ')}".`);
    checkName(positionals[0]!);
    return positionals[0]!;
  };

  switch (command) {
    case 'add': {
      const { values: v, positionals, tokens } = parseArgs({
        args: rest,
        allowPositionals: true,
        tokens: true,
        options: {
          tap: { type: 'string' },
          target: { type: 'string' },
          'tap-config': { type: 'string' },
          'target-config': { type: 'string' },
          catalog: { type: 'string' },
          frequency: { type: 'string' },
          cron: { type: 'string' },
          timezone: { type: 'string' },
          paused: { type: 'boolean', default: false },
          env: { type: 'string', multiple: true, default: [] },
          mapper: { type: 'string', multiple: true, default: [] },
          'mapper-config': { type: 'string', multiple: true, default: [] },
        },
      });
      return addCommand(
        engine,
        {
          name: name(positionals),
          tap: v.tap,
          target: v.target,
          tapConfig: v['tap-config'],
          targetConfig: v['target-config'],
          catalog: v.catalog,
          frequency: v.frequency,
          cron: v.cron,
          timezone: v.timezone,
          paused: v.paused,
          env: v.env,
          mappers: mapperOptions(tokens),
        },
        io,
      );
    }
    case 'list': {
      const { values: v } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false } } });
      return listCommand(engine, v.json, io, settings);
    }
    case 'run': {
      const { values: v, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { 'full-refresh': { type: 'boolean', default: false }, 'grace-period': { type: 'string' } },
      });
      const grace = seconds(v['grace-period']);
      return runCommand(engine, name(positionals), { fullRefresh: v['full-refresh'], ...(grace === undefined ? {} : { gracePeriodSeconds: grace }) }, io);
    }
    case 'stop': {
      const { values: v, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { 'grace-period': { type: 'string' } } });
      return stopCommand(engine, name(positionals), seconds(v['grace-period']), io);
    }
    case 'jobs': {
      const { values: v, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { json: { type: 'boolean', default: false } } });
      return jobsCommand(engine, name(positionals), v.json, io);
    }
    case 'log': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      return logCommand(engine, name(positionals, 1), positionals[1], io);
    }
    case 'state': {
      const { values: v, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { json: { type: 'boolean', default: false }, reset: { type: 'boolean', default: false } },
      });
      return stateCommand(engine, name(positionals), { json: v.json, reset: v.reset }, io);
    }
    case 'pause':
    case 'resume': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const it = await engine.setPaused(name(positionals), command === 'pause');
      io.out(it.paused ? `${it.name} is paused: no scheduled job starts (a manual run still works).` : `${it.name} resumed its schedule.`);
      return 0;
    }
    case 'remove': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const n = name(positionals);
      await engine.remove(n);
      io.out(`removed ${n} with its job history, logs and saved state.`);
      return 0;
    }
    case 'schedule': {
      parseArgs({ args: rest, options: {} });
      engine.dispose();
      // Loaded when used: a short command does not pay for evaluating the scheduler or the YAML parser.
      const { Workspace } = await import('./core/workspace');
      const { scheduleCommand } = await import('./cli/scheduleCommand');
      const ws = new Workspace({ folder: workspace, settings: { ...settings, databasePath: g.database ?? settings.databasePath }, scheduling: true });
      return scheduleCommand(ws, io);
    }
    // Meltano interop (src/core/meltano/)
    case 'import-meltano':
      return (await import('./cli/meltanoCommands')).importMeltanoCommand(engine, rest, io);
    case 'export-meltano':
      return (await import('./cli/meltanoCommands')).exportMeltanoCommand(engine, rest, io, settings.defaultFrequencyMs);
  }
  throw usageError(`unknown command "${command}".`);
}

/** A front that starts `run` (the extension host) passes the settings it resolved (user and folder). */
function withFrontSettings(s: SingerSettings): SingerSettings {
  const text = process.env[SETTINGS_ENV];
  if (!text) return s;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw usageError(`${SETTINGS_ENV} is not JSON (${errorMessage(err)}).`, err);
  }
  const given = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const fromFile = { 'singer.databasePath': s.databasePath, 'singer.stopGracePeriodSeconds': s.stopGracePeriodSeconds, 'singer.catchUp': s.catchUp, 'singer.logRetention': s.logRetention };
  return { ...settingsFrom({ ...fromFile, ...given }, SETTINGS_ENV), defaultFrequencyMs: s.defaultFrequencyMs };
}

/** `--mapper CMD [--mapper-config F]`, repeatable: each --mapper-config belongs to the --mapper before it. */
function mapperOptions(tokens: ReturnType<typeof parseArgs>['tokens']): { command: string; config: string | null }[] {
  const out: { command: string; config: string | null }[] = [];
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || t.value === undefined) continue;
    if (t.name === 'mapper') out.push({ command: t.value, config: null });
    else if (t.name === 'mapper-config') {
      const last = out.at(-1);
      if (!last) throw usageError(`--mapper-config ${t.value} comes before any --mapper; give it after the --mapper CMD it configures.`);
      if (last.config !== null) throw usageError(`the mapper ${last.command} has two --mapper-config files (${last.config}, ${t.value}); give one per --mapper.`);
      last.config = t.value;
    }
  }
  return out;
}

function seconds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw usageError(`--grace-period ${text} is not a number of seconds (>= 0).`);
  return n;
}

// Run as a program when loaded directly (`node dist/cli-main.js`, the tests); dist/cli.js (cliLauncher.ts) calls main().
if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
