/**
 * Everything a job needs, checked before anything is spawned: config files, catalog and state must
 * exist and parse (refused with exit 2 otherwise), secrets are resolved into private temp files,
 * and both programs are looked up so a missing one is named (DESIGN §5).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rethrowAsDiskError } from './diskErrors';
import { usageError } from './errors';
import { findExecutable } from './executable';
import type { Integration } from './model';
import type { WorkspacePaths } from './paths';
import { removeFolderOfFiles } from './removeFile';
import { hasSecrets, resolveSecrets, SECRET_ENV_PREFIX, type SecretResolver } from './secrets';
import { mapperConfigWhat, type MapperStage } from './stages';
import { makeSecretsDir, sweepSecretsDirs } from './secretsDir';
import { readState } from './stateFile';

export interface PreparedJob {
  tapArgv: string[];
  targetArgv: string[];
  /** The mapper stages, each `COMMAND --config FILE`, in order. */
  mappers: MapperStage[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Values to redact from the log. */
  secrets: Set<string>;
  /** Set when a program is missing: the job is recorded Failed with this error (exit 1). */
  missingProgram: string | null;
  hadState: boolean;
  /** The private temp folder of the resolved configs and state snapshot, recorded with the job. */
  secretsDir: string;
  cleanup(): void;
}

export interface PrepareOptions {
  paths: WorkspacePaths;
  integration: Integration;
  fullRefresh: boolean;
  secrets: SecretResolver;
  /** What the programs inherit; the integration's `env` is added on top. */
  environment: NodeJS.ProcessEnv;
}

export async function prepareJob(o: PrepareOptions): Promise<PreparedJob> {
  const { paths, integration: it } = o;
  const secrets = new Set<string>();
  const tapConfig = it.tapConfig === null ? {} : readJsonFile(paths.resolve(it.tapConfig), `the tap config of ${it.name}`, '--tap-config');
  const targetConfig =
    it.targetConfig === null ? {} : readJsonFile(paths.resolve(it.targetConfig), `the target config of ${it.name}`, '--target-config');
  const mapperConfigs = it.mappers.map((m) => (m.config === null ? {} : readJsonFile(paths.resolve(m.config), mapperConfigWhat(it.name, m.name), '--mapper-config')));
  if (it.catalog !== null) readJsonFile(paths.resolve(it.catalog), `the catalog of ${it.name}`, '--catalog');
  const state = o.fullRefresh ? null : readState(paths.stateFile(it.name), it.name);

  const resolvedTap = await resolveSecrets(tapConfig, o.secrets, `the tap config of ${it.name}`, secrets);
  const resolvedTarget = await resolveSecrets(targetConfig, o.secrets, `the target config of ${it.name}`, secrets);
  const resolvedMappers: unknown[] = [];
  for (const [i, m] of it.mappers.entries()) resolvedMappers.push(await resolveSecrets(mapperConfigs[i], o.secrets, mapperConfigWhat(it.name, m.name), secrets));

  // Private files: resolved secrets are readable by the user alone and deleted after the job. Those
  // of a runner that was killed before it could delete them go now (reconcile removes recorded ones).
  sweepSecretsDirs(it.name);
  let tmp: string;
  try {
    tmp = makeSecretsDir(it.name);
  } catch (err) {
    rethrowAsDiskError(err, os.tmpdir(), `no private temp folder could be made for the resolved configs of ${it.name}, so nothing was started`);
  }
  const cleanup = (): void => removeFolderOfFiles(tmp);
  try {
    const tapConfigFile =
      it.tapConfig !== null && !hasSecrets(tapConfig) ? paths.resolve(it.tapConfig) : writePrivate(tmp, 'tap-config.json', resolvedTap);
    const targetConfigFile =
      it.targetConfig !== null && !hasSecrets(targetConfig)
        ? paths.resolve(it.targetConfig)
        : writePrivate(tmp, 'target-config.json', resolvedTarget);
    // The tap gets a snapshot of the state, so the state file can move on while it runs.
    const stateFile = state === null ? null : writePrivate(tmp, 'state.json', state);

    // The secrets a CLI run takes from SINGER_SECRET_* reach the programs only through their config.
    const env: NodeJS.ProcessEnv = { ...withoutSecretVariables(o.environment), ...it.env };
    const tapArgs = [...it.tap.slice(1), '--config', tapConfigFile];
    if (it.catalog !== null) tapArgs.push('--catalog', paths.resolve(it.catalog));
    if (stateFile !== null) tapArgs.push('--state', stateFile);
    const targetArgs = [...it.target.slice(1), '--config', targetConfigFile];
    const mapperArgs = it.mappers.map((m, i) => {
      const file = m.config !== null && !hasSecrets(mapperConfigs[i]) ? paths.resolve(m.config) : writePrivate(tmp, `mapper-${i + 1}-config.json`, resolvedMappers[i]);
      return [...m.command.slice(1), '--config', file];
    });

    let missingProgram: string | null = null;
    const tapExe = findExecutable(it.tap[0]!, paths.workspace, env.PATH);
    const targetExe = findExecutable(it.target[0]!, paths.workspace, env.PATH);
    const mapperExes = it.mappers.map((m) => findExecutable(m.command[0]!, paths.workspace, env.PATH));
    const roles = [['tap', tapExe], ...it.mappers.map((_, i) => ['mapper', mapperExes[i]!] as const), ['target', targetExe]] as const;
    for (const [role, found] of roles) {
      if ('missing' in found && missingProgram === null) {
        missingProgram =
          `${role} program not found: ${found.missing} (looked in ${found.lookedIn}). Install it, e.g. in the workspace's ` +
          `virtualenv, or give its full path in the integration's ${role} command.`;
      }
    }
    return {
      tapArgv: ['found' in tapExe ? tapExe.found : it.tap[0]!, ...tapArgs],
      targetArgv: ['found' in targetExe ? targetExe.found : it.target[0]!, ...targetArgs],
      mappers: it.mappers.map((m, i) => {
        const exe = mapperExes[i]!;
        return { name: m.name, argv: ['found' in exe ? exe.found : m.command[0]!, ...mapperArgs[i]!] };
      }),
      env,
      cwd: paths.workspace,
      secrets,
      missingProgram,
      hadState: state !== null,
      secretsDir: tmp,
      cleanup,
    };
  } catch (err) {
    cleanup();
    rethrowAsDiskError(err, tmp, `the resolved configs of ${it.name} could not be written, so nothing was started`);
  }
}

function withoutSecretVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith(SECRET_ENV_PREFIX)) out[k] = v;
  return out;
}

function writePrivate(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value), { mode: 0o600 });
  return file;
}

function readJsonFile(file: string, what: string, flag: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(err as Error).message})`;
    throw usageError(`${what}, ${file}, ${reason}. Create it, or point ${flag} at the right file.`, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usageError(`${what}, ${file}, is not valid JSON (${(err as Error).message}). Fix the file and start again.`, err);
  }
}
