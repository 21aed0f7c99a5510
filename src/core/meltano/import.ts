/**
 * Import a Meltano project (`singer-replication import-meltano`): each extractor -> loader pipeline
 * of its jobs and schedules (and an extractor that no job names, when the project has a single
 * loader) becomes an integration. Config is written to workspace files with `{"$secret": NAME}`
 * wherever Meltano would read a value from `.env` or the environment, so no secret value is copied.
 * Everything that does not carry over is listed in the report.
 *
 * `planMeltanoImport` only reads; `applyMeltanoImport` writes the files and adds the integrations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine, NewIntegration } from '../engine';
import { usageError } from '../errors';
import { findExecutable } from '../executable';
import { INTEGRATION_NAME, type Schedule } from '../model';
import type { WorkspacePaths } from '../paths';
import { writeJsonAtomic } from '../atomicFile';
import {
  activeEnvironment,
  findPlugin,
  loadMeltanoProject,
  resolvePlugin,
  type EnvPluginOverrideDef,
  type Located,
  type MeltanoProject,
  type PluginType,
  type ResolvedPlugin,
} from './project';
import { expandEnvRefs, flattenConfig, isPlainObject, nestConfig, toEnvVar, wholeEnvRef } from './patterns';
import { Report, formatReportLines, type ReportLine } from './report';
import { intervalToSchedule } from './schedule';
import { applyCatalogRules } from './selection';
import { where } from './yamlFile';

export interface MeltanoImportOptions {
  /** The Meltano project folder (absolute, or relative to the workspace); default: the workspace. */
  projectDir?: string;
  /** The Meltano environment whose overrides apply; default: the project's default_environment. */
  environment?: string;
  /**
   * Import them resumed, so a running scheduler starts their first jobs at once (rule 2). By default
   * they are paused: nothing runs before the user has looked at them.
   */
  resume?: boolean;
  /**
   * The environment Meltano would run in (default: this process's): only the NAMES are used, to tell
   * which settings Meltano reads from there, and PATH to find programs.
   */
  env?: NodeJS.ProcessEnv;
}

export type ProgramSource = 'installed' | 'project' | 'path' | 'missing';

export interface ImportedProgram {
  /** argv[0] as stored: relative to the workspace for files inside it, else a name looked up on PATH. */
  program: string;
  source: ProgramSource;
  /** Where it was found now, or null. */
  found: string | null;
  /** Whether Meltano installs the plugin (it has a pip_url) under `.meltano/`. */
  installable: boolean;
}

export interface PlannedIntegration {
  integration: NewIntegration;
  extractor: string;
  loader: string;
  job: string | null;
  meltanoSchedule: string | null;
  /** The id under which `meltano run` keeps this pipeline's state, null without an environment. */
  meltanoStateId: string | null;
  tapProgram: ImportedProgram;
  targetProgram: ImportedProgram;
  /** Secret names the integration's config refers to (set SINGER_SECRET_<NAME>). */
  secrets: string[];
  /** Files to write, absolute path -> JSON value. */
  files: { path: string; value: unknown; kind: 'tap config' | 'target config' | 'catalog' | 'state' }[];
}

export interface MeltanoImportPlan {
  projectDir: string;
  environment: string | null;
  integrations: PlannedIntegration[];
  report: ReportLine[];
}

export interface MeltanoImportResult extends MeltanoImportPlan {
  /** Names of the integrations added. */
  added: string[];
}

interface Pipeline {
  extractor: string;
  loader: string;
  name: string;
  job: string | null;
  schedule: Located<{ name: string; interval?: string | undefined; env?: Record<string, string> | undefined }> | null;
  where: string;
}

/** Reads the project and works out the integrations; writes nothing. */
export function planMeltanoImport(paths: WorkspacePaths, existing: readonly string[], o: MeltanoImportOptions = {}): MeltanoImportPlan {
  const projectDir = paths.resolve(o.projectDir ?? '.');
  const project = loadMeltanoProject(projectDir, undefined, paths.relative(projectDir));
  const environment = activeEnvironment(project, o.environment);
  const report = new Report();
  if (!environment) {
    report.add('info', 'the project has no default_environment, so no environment overrides apply (and `meltano run` keeps no state without one)', where(project.main, []));
  }

  const pipelines = findPipelines(project, report);
  const processEnv = o.env ?? process.env;
  const taken = new Set(existing);
  const integrations: PlannedIntegration[] = [];
  for (const p of pipelines) {
    const name = p.name;
    if (taken.has(name)) {
      report.add('warning', `an integration named ${name} already exists, so ${p.extractor} -> ${p.loader} was not imported again; remove it first to import it anew`, p.where);
      continue;
    }
    taken.add(name);
    integrations.push(planIntegration(project, paths, environment?.value ?? null, p, processEnv, !o.resume, report));
  }
  reportLeftovers(project, report);
  return { projectDir, environment: environment?.value.name ?? null, integrations, report: report.lines };
}

/** Writes each integration's config, catalog and state files, then adds it. */
export async function applyMeltanoImport(engine: Engine, plan: MeltanoImportPlan): Promise<MeltanoImportResult> {
  const added: string[] = [];
  for (const p of plan.integrations) {
    for (const f of p.files) writeJsonAtomic(f.path, f.value);
    await engine.add(p.integration);
    added.push(p.integration.name);
  }
  return { ...plan, added };
}

/** Plans and applies (or only plans, with `dryRun`): the one call the CLI and the extension make. */
export async function importMeltanoProject(engine: Engine, o: MeltanoImportOptions & { dryRun?: boolean } = {}): Promise<MeltanoImportResult> {
  const db = await engine.read();
  const plan = planMeltanoImport(
    engine.paths,
    db.integrations.map((i) => i.name),
    o,
  );
  if (o.dryRun) return { ...plan, added: [] };
  return applyMeltanoImport(engine, plan);
}

// ---------------------------------------------------------------------------------------------
// Pipelines: jobs, schedules and lone extractors

function findPipelines(project: MeltanoProject, report: Report): Pipeline[] {
  const pipelines: Pipeline[] = [];
  const byPair = new Map<string, Pipeline>();
  const jobPipelines = new Map<string, Pipeline[]>();
  const add = (p: Pipeline): Pipeline => {
    const key = `${p.extractor}\0${p.loader}`;
    const first = byPair.get(key);
    if (first) {
      report.add(
        'info',
        `${p.extractor} -> ${p.loader} also runs here; it was imported once, as ${first.name}, since Meltano keeps one state for the pair`,
        p.where,
      );
      return first;
    }
    byPair.set(key, p);
    pipelines.push(p);
    return p;
  };

  for (const job of project.jobs) {
    const pairs = jobPairs(project, job, report, []);
    const list = pairs.map((pair) =>
      add({ ...pair, name: pairs.length === 1 ? job.value.name : `${pair.extractor}-to-${pair.loader}`, job: job.value.name, schedule: null }),
    );
    jobPipelines.set(job.value.name, list);
  }

  for (const s of project.schedules) {
    const sched = s.value;
    const at = where(s.file, s.path);
    if (sched.job !== undefined) {
      const list = jobPipelines.get(sched.job);
      if (!list) throw usageError(`${where(s.file, [...s.path, 'job'])}: the schedule "${sched.name}" runs the job "${sched.job}", which the project does not define.`);
      if (list.length === 0) report.add('unsupported', `schedule ${sched.name} runs job ${sched.job}, which has no extractor -> loader pipeline`, at);
      for (const p of list) attachSchedule(p, s, report);
    } else if (sched.extractor !== undefined && sched.loader !== undefined) {
      const ext = pluginOfType(project, sched.extractor, 'extractors', where(s.file, [...s.path, 'extractor']), `the schedule "${sched.name}"`);
      const loader = pluginOfType(project, sched.loader, 'loaders', where(s.file, [...s.path, 'loader']), `the schedule "${sched.name}"`);
      if (sched.transform === 'run' || sched.transform === 'only') {
        report.add('unsupported', `schedule ${sched.name} has transform: ${sched.transform}; the engine runs the extract-load part only`, at);
      }
      if (sched.transform === 'only') continue;
      const p = add({ extractor: ext, loader, name: sched.name, job: null, schedule: null, where: at });
      attachSchedule(p, s, report);
    } else {
      throw usageError(`${at}: the schedule "${sched.name}" names neither a job nor an extractor and a loader; Meltano needs one or the other.`);
    }
    if (sched.start_date !== undefined) report.add('info', `schedule ${sched.name}: start_date is not carried over (the first job runs when the integration is resumed)`, at);
  }

  // Extractors that no job or schedule runs: paired with the loader when there is only one.
  const used = new Set(pipelines.map((p) => p.extractor));
  const loaders = project.plugins.get('loaders')!;
  for (const e of project.plugins.get('extractors')!) {
    if (used.has(e.value.name)) continue;
    const at = where(e.file, e.path);
    if (loaders.length === 1) {
      const loader = loaders[0]!.value.name;
      add({ extractor: e.value.name, loader, name: `${e.value.name}-to-${loader}`, job: null, schedule: null, where: at });
    } else {
      report.add(
        'unsupported',
        `extractor ${e.value.name} is in no job or schedule, and with ${loaders.length} loaders in the project its loader is not clear; add a job (\`meltano job add\`) and import again`,
        at,
      );
    }
  }
  for (const p of pipelines) p.name = integrationName(p.name, pipelines, p);
  return pipelines;
}

function attachSchedule(p: Pipeline, s: Located<{ name: string; interval?: string | undefined; env?: Record<string, string> | undefined }>, report: Report): void {
  if (p.schedule) {
    report.add('warning', `${p.name} already follows schedule ${p.schedule.value.name}; schedule ${s.value.name} is not carried over`, where(s.file, s.path));
    return;
  }
  p.schedule = s;
}

/** The extractor -> loader pairs of a job's tasks, in order. */
function jobPairs(project: MeltanoProject, job: Located<{ name: string; tasks: string | (string | string[])[] }>, report: Report, chain: string[]): { extractor: string; loader: string; where: string }[] {
  if (chain.includes(job.value.name)) {
    throw usageError(`${where(job.file, job.path)}: the job "${job.value.name}" runs itself through ${[...chain, job.value.name].join(' -> ')}; break the cycle.`);
  }
  const tasks = typeof job.value.tasks === 'string' ? [job.value.tasks] : job.value.tasks;
  const pairs: { extractor: string; loader: string; where: string }[] = [];
  tasks.forEach((task, i) => {
    const taskPath = typeof job.value.tasks === 'string' ? [...job.path, 'tasks'] : [...job.path, 'tasks', i];
    const at = where(job.file, taskPath);
    const blocks = (Array.isArray(task) ? task : [task]).flatMap((t) => t.split(/\s+/)).filter((b) => b !== '');
    let extractor: string | null = null;
    let mappers: string[] = [];
    for (const block of blocks) {
      const [pluginName, command] = block.split(':', 2) as [string, string | undefined];
      const nested = command === undefined ? project.jobs.find((j) => j.value.name === pluginName) : undefined;
      if (nested) {
        pairs.push(...jobPairs(project, nested, report, [...chain, job.value.name]));
        continue;
      }
      const found = findPlugin(project, pluginName);
      if (!found) {
        throw usageError(`${at}: the job "${job.value.name}" runs "${pluginName}", which is no plugin or job of the project; add it (\`meltano add\`) or fix the name.`);
      }
      if (command !== undefined) {
        report.add('unsupported', `job ${job.value.name}: the command ${block} (${singular(found.type)}) is not run by the engine, which runs extract-load pipelines only`, at);
        continue;
      }
      if (found.type === 'extractors') {
        if (extractor) report.add('unsupported', `job ${job.value.name}: extractor ${extractor} has no loader after it`, at);
        extractor = pluginName;
        mappers = [];
      } else if (found.type === 'mappers') {
        if (extractor) mappers.push(pluginName);
      } else if (found.type === 'loaders') {
        if (!extractor) {
          report.add('unsupported', `job ${job.value.name}: loader ${pluginName} has no extractor before it`, at);
        } else if (mappers.length > 0) {
          report.add(
            'unsupported',
            `job ${job.value.name}: ${extractor} -> ${mappers.join(' -> ')} -> ${pluginName} goes through the mapper${mappers.length > 1 ? 's' : ''} ${mappers.join(', ')}, which the engine cannot run between tap and target; not imported`,
            at,
          );
        } else pairs.push({ extractor, loader: pluginName, where: at });
        extractor = null;
        mappers = [];
      } else {
        report.add('unsupported', `job ${job.value.name}: ${pluginName} (${singular(found.type)}) is not run by the engine, which runs extract-load pipelines only`, at);
      }
    }
    if (extractor) report.add('unsupported', `job ${job.value.name}: extractor ${extractor} has no loader after it`, at);
  });
  return pairs;
}

function pluginOfType(project: MeltanoProject, name: string, type: PluginType, at: string, who: string): string {
  const found = findPlugin(project, name);
  if (!found) throw usageError(`${at}: ${who} names the ${singular(type)} "${name}", which the project does not define; add it (\`meltano add\`) or fix the name.`);
  if (found.type !== type) throw usageError(`${at}: ${who} names "${name}" as its ${singular(type)}, but it is one of the project's ${found.type}.`);
  return name;
}

/** A valid integration name, unique among the planned ones. */
function integrationName(wanted: string, all: Pipeline[], self: Pipeline): string {
  let base = wanted.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64) || 'meltano';
  if (!INTEGRATION_NAME.test(base)) base = `m-${base}`.slice(0, 64);
  let name = base;
  for (let n = 2; all.some((p) => p !== self && p.name === name); n++) name = `${base.slice(0, 60)}-${n}`;
  return name;
}

function reportLeftovers(project: MeltanoProject, report: Report): void {
  const kinds: PluginType[] = ['mappers', 'transformers', 'transforms', 'orchestrators', 'utilities', 'files'];
  const names = kinds.flatMap((k) => project.plugins.get(k)!.map((p) => `${p.value.name} (${singular(k)})`));
  if (names.length > 0) report.add('unsupported', `not imported, since the engine runs extract-load pipelines only: ${names.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// One integration

function planIntegration(
  project: MeltanoProject,
  paths: WorkspacePaths,
  environment: { name: string; env?: Record<string, string> | undefined; state_id_suffix?: string | undefined; config?: unknown } | null,
  p: Pipeline,
  processEnv: NodeJS.ProcessEnv,
  paused: boolean,
  report: Report,
): PlannedIntegration {
  const envKeys = new Set(Object.keys(processEnv));
  const name = p.name;
  const ext = resolvePlugin(project, 'extractors', p.extractor);
  const loader = resolvePlugin(project, 'loaders', p.loader);
  for (const plugin of [ext, loader]) {
    if (plugin.definitionNote) report.add('warning', `${plugin.name}: ${plugin.definitionNote}`, where(plugin.located.file, plugin.located.path), name);
  }
  const extOverride = environmentOverride(environment, 'extractors', ext.name);
  const loaderOverride = environmentOverride(environment, 'loaders', loader.name);

  const projectRoot = workspaceRelativeDir(paths, project.dir);
  const builtins: Record<string, string> = {
    MELTANO_PROJECT_ROOT: projectRoot,
    MELTANO_EXTRACTOR_NAME: ext.name,
    MELTANO_EXTRACTOR_NAMESPACE: ext.namespace,
    MELTANO_LOADER_NAME: loader.name,
    MELTANO_LOADER_NAMESPACE: loader.namespace,
    MELTANO_EXTRACT__LOAD_SCHEMA: ext.extras.load_schema ?? ext.namespace,
    ...(environment ? { MELTANO_ENVIRONMENT: environment.name } : {}),
  };
  const scheduleEnv = p.schedule?.value.env ?? {};
  const literalLayers = [project.env, environment?.env ?? {}];
  const base = literalEnv(builtins, literalLayers);
  const extEnv = literalEnv(base.values, [ext.env, extOverride?.env ?? {}]);
  const loaderEnv = literalEnv(base.values, [loader.env, loaderOverride?.env ?? {}]);

  const secrets = new Set<string>();
  const ctx = (plugin: ResolvedPlugin, literal: Record<string, string>): ConfigContext => ({
    plugin,
    literal,
    envKeys,
    dotenvKeys: project.dotenvKeys,
    secrets,
    report,
    integration: name,
    at: where(plugin.located.file, plugin.located.path),
  });
  const tapConfig = pluginConfig(ctx(ext, extEnv.values), extOverride);
  const targetConfig = pluginConfig(ctx(loader, loaderEnv.values), loaderOverride);

  // The integration's env: what meltano.yml sets literally for these plugins (both get all of it).
  const env: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const schedEnv = literalEnv(base.values, [scheduleEnv]);
  for (const [label, layer] of [
    ['project', base.own],
    [ext.name, extEnv.own],
    [loader.name, loaderEnv.own],
    [`schedule ${p.schedule?.value.name ?? ''}`, schedEnv.own],
  ] as const) {
    for (const [k, v] of Object.entries(layer)) {
      if (env[k] !== undefined && env[k] !== v) {
        report.add('warning', `${k} is "${env[k]}" for ${sources[k]} but "${v}" for ${label}; both programs get "${v}"`, p.where, name);
      }
      env[k] = v;
      sources[k] = label;
    }
  }
  for (const u of [...base.unresolved, ...extEnv.unresolved, ...loaderEnv.unresolved, ...schedEnv.unresolved]) {
    report.add(
      'unsupported',
      `env ${u.key} refers to $${u.refs.join(', $')}, which Meltano reads from .env or the environment; it is not copied (jobs inherit the environment of the process that runs them)`,
      p.where,
      name,
    );
  }

  const files: PlannedIntegration['files'] = [];
  const configDir = path.join(paths.dir, 'config');
  const tapConfigFile = path.join(configDir, `${name}-tap.json`);
  const targetConfigFile = path.join(configDir, `${name}-target.json`);
  files.push({ path: tapConfigFile, value: tapConfig, kind: 'tap config' }, { path: targetConfigFile, value: targetConfig, kind: 'target config' });

  const catalog = importCatalog(project, ext, extOverride, report, name);
  let catalogRef: string | null = null;
  if (catalog) {
    const file = paths.catalogFile(name);
    files.push({ path: file, value: catalog, kind: 'catalog' });
    catalogRef = paths.relative(file);
  }
  const state = importStateExtra(project, ext, report, name);
  if (state) files.push({ path: paths.stateFile(name), value: state, kind: 'state' });

  let schedule: Schedule = { kind: 'default' };
  let integrationPaused = paused;
  if (p.schedule?.value.interval !== undefined) {
    const s = intervalToSchedule(p.schedule.value.interval);
    if (s.schedule) schedule = s.schedule;
    else {
      integrationPaused = true;
      report.add(s.onDemand ? 'info' : 'unsupported', `${s.note}; imported paused, runs when started by hand`, where(p.schedule.file, [...p.schedule.path, 'interval']), name);
    }
  } else if (p.schedule === null) {
    integrationPaused = true;
    report.add('info', `no Meltano schedule runs ${p.job ? `job ${p.job}` : `${p.extractor} -> ${p.loader}`}; imported paused with the default frequency`, p.where, name);
  }

  const pathEnv = env.PATH ?? processEnv.PATH;
  const tapProgram = locateProgram(project, ext, paths, pathEnv);
  const targetProgram = locateProgram(project, loader, paths, pathEnv);
  if (ext.capabilities.length > 0 && !ext.capabilities.includes('state')) {
    report.add('info', `${ext.name} does not declare the state capability, so Meltano gives it no --state; the engine passes the saved state when there is one`, where(ext.located.file, ext.located.path), name);
  }

  const suffix = environment?.state_id_suffix;
  const stateId = environment ? `${environment.name}:${ext.name}-to-${loader.name}${suffix ? `:${suffix}` : ''}` : null;
  if (stateId && !state) {
    report.add(
      'info',
      `Meltano's saved state is not read: to resume where Meltano stopped, save the singer_state of \`meltano state get ${stateId}\` as ${paths.relative(paths.stateFile(name))} before the first job`,
      null,
      name,
    );
  }

  return {
    integration: {
      name,
      tap: [tapProgram.program],
      target: [targetProgram.program],
      tapConfig: paths.relative(tapConfigFile),
      targetConfig: paths.relative(targetConfigFile),
      catalog: catalogRef,
      env,
      schedule,
      paused: integrationPaused,
    },
    extractor: ext.name,
    loader: loader.name,
    job: p.job,
    meltanoSchedule: p.schedule?.value.name ?? null,
    meltanoStateId: stateId,
    tapProgram,
    targetProgram,
    secrets: [...secrets].sort(),
    files,
  };
}

function environmentOverride(
  environment: { config?: unknown } | null,
  type: PluginType,
  name: string,
): EnvPluginOverrideDef | undefined {
  const config = environment?.config;
  if (!isPlainObject(config) || !isPlainObject(config.plugins)) return undefined;
  const list = config.plugins[type];
  return Array.isArray(list) ? (list as EnvPluginOverrideDef[]).find((p) => p.name === name) : undefined;
}

/** `.` for the workspace itself, a relative path inside it, else the absolute path. */
function workspaceRelativeDir(paths: WorkspacePaths, dir: string): string {
  const rel = paths.relative(dir);
  return rel === '' ? '.' : rel;
}

/**
 * Layers of `env:` mappings, each value expanded with what came before. A value that refers to a
 * variable from outside the project files cannot be known, so it is left out and reported.
 */
function literalEnv(
  start: Record<string, string>,
  layers: Record<string, string>[],
): { values: Record<string, string>; own: Record<string, string>; unresolved: { key: string; refs: string[] }[] } {
  const values = { ...start };
  const own: Record<string, string> = {};
  const unresolved: { key: string; refs: string[] }[] = [];
  for (const layer of layers) {
    for (const [k, raw] of Object.entries(layer)) {
      const r = expandEnvRefs(raw, (n) => values[n]);
      if (r.unresolved.length > 0) {
        unresolved.push({ key: k, refs: r.unresolved });
        delete values[k];
        delete own[k];
      } else {
        values[k] = r.value;
        own[k] = r.value;
      }
    }
  }
  return { values, own, unresolved };
}

// ---------------------------------------------------------------------------------------------
// Config

interface ConfigContext {
  plugin: ResolvedPlugin;
  /** Variables whose values meltano.yml itself sets (and Meltano's own). */
  literal: Record<string, string>;
  /** Names set in the environment Meltano would run in, and in `.env`. */
  envKeys: Set<string>;
  dotenvKeys: Set<string>;
  secrets: Set<string>;
  report: Report;
  integration: string;
  at: string;
}

/**
 * The config Meltano would hand the plugin, with values it would read from `.env` or the environment
 * replaced by secret references: meltano.yml's config (the environment's overrides on top), setting
 * defaults, and `<PLUGIN>_<SETTING>` variables, nested as Meltano nests dotted setting names.
 */
function pluginConfig(c: ConfigContext, override: EnvPluginOverrideDef | undefined): Record<string, unknown> {
  const { plugin } = c;
  const flat: Record<string, unknown> = { ...flattenConfig(plugin.config), ...flattenConfig(override?.config ?? {}) };
  for (const s of plugin.settings) if (s.value !== undefined && s.value !== null && !(s.name in flat)) flat[s.name] = s.value;
  const known = new Set([...plugin.settings.map((s) => s.name), ...Object.keys(flat)]);
  for (const name of known) {
    const setting = plugin.settings.find((s) => s.name === name);
    const candidates = [
      ...(setting?.env ? [setting.env] : []),
      ...plugin.envPrefixes.map((p) => toEnvVar(p, name)),
      ...(setting?.aliases ?? []).flatMap((a) => plugin.envPrefixes.map((p) => toEnvVar(p, a))),
    ];
    const literal = candidates.find((v) => c.literal[v] !== undefined);
    const fromEnv = candidates.find((v) => c.envKeys.has(v)) ?? candidates.find((v) => c.dotenvKeys.has(v));
    if (fromEnv) {
      flat[name] = { $secret: fromEnv };
      c.secrets.add(fromEnv);
      if (setting?.sensitive !== true && setting?.kind !== 'password') {
        c.report.add('info', `${plugin.name} setting ${name} comes from ${fromEnv} (${c.envKeys.has(fromEnv) ? 'the environment' : '.env'}), so it became the secret ${fromEnv}`, c.at, c.integration);
      }
    } else if (literal) flat[name] = c.literal[literal];
  }
  const expanded: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) expanded[k] = expandValue(v, k, c);
  return nestConfig(expanded);
}

function expandValue(v: unknown, setting: string, c: ConfigContext): unknown {
  if (typeof v === 'string') {
    const whole = wholeEnvRef(v);
    if (whole !== null) {
      if (c.literal[whole] !== undefined) return c.literal[whole];
      c.secrets.add(whole);
      return { $secret: whole };
    }
    const r = expandEnvRefs(v, (n) => c.literal[n]);
    if (r.unresolved.length === 0) return r.value;
    const secret = toEnvVar(c.plugin.name, setting);
    c.secrets.add(secret);
    c.report.add(
      'warning',
      `${c.plugin.name} setting ${setting} is "${v}", built from $${r.unresolved.join(', $')}; it became the secret ${secret}: set it to the whole value`,
      c.at,
      c.integration,
    );
    return { $secret: secret };
  }
  if (Array.isArray(v)) return v.map((x) => expandValue(x, setting, c));
  if (isPlainObject(v)) {
    if (Object.keys(v).length === 1 && typeof v.$secret === 'string') return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandValue(x, setting, c)]));
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Catalog, state, programs

function importCatalog(project: MeltanoProject, ext: ResolvedPlugin, override: EnvPluginOverrideDef | undefined, report: Report, integration: string): Record<string, unknown> | null {
  const at = where(ext.located.file, ext.located.path);
  const select = override?.select ?? ext.extras.select;
  const metadata = override?.metadata ?? ext.extras.metadata;
  const hasRules = select !== undefined || metadata !== undefined || ext.extras.schema !== undefined || ext.extras.select_filter !== undefined;
  const takesCatalog = ext.capabilities.includes('catalog') || ext.capabilities.includes('properties');
  if (!takesCatalog) {
    if (hasRules) report.add('unsupported', `${ext.name} declares neither the catalog nor the properties capability, so Meltano ignores its select and metadata rules; so does the import`, at, integration);
    return null;
  }
  if (!ext.capabilities.includes('catalog')) {
    report.add('warning', `${ext.name} reads its catalog with --properties (a legacy tap); the engine passes --catalog`, at, integration);
  }
  if (ext.extras.catalog !== undefined) {
    const file = path.resolve(project.dir, ext.extras.catalog);
    const catalog = readJsonObject(file);
    if (!catalog) {
      report.add('unsupported', `the catalog file ${ext.extras.catalog} cannot be read as a JSON object; imported without a catalog`, where(ext.located.file, [...ext.located.path, 'catalog']), integration);
      return null;
    }
    if (hasRules) report.add('info', `${ext.name} has a catalog file, so Meltano uses it as it is and ignores its select and metadata rules; so does the import`, at, integration);
    return catalog;
  }
  const cached = path.join(project.dir, '.meltano', 'run', ext.name, 'tap.properties.json');
  const catalog = readJsonObject(cached);
  if (!catalog) {
    report.add(
      'unsupported',
      `no catalog for ${ext.name}: it has no catalog file and Meltano has cached none in .meltano/run/${ext.name}/ (run \`meltano invoke ${ext.name} --discover\` or \`meltano run\` once, then import again); without one the tap extracts what it extracts by default${select ? `, not only ${select.join(', ')}` : ''}`,
      at,
      integration,
    );
    return null;
  }
  report.add('info', `catalog: the one Meltano cached for ${ext.name}, with its select${metadata ? ' and metadata' : ''} rules applied`, at, integration);
  return applyCatalogRules(catalog, { select, metadata, schema: ext.extras.schema, selectFilter: ext.extras.select_filter });
}

function importStateExtra(project: MeltanoProject, ext: ResolvedPlugin, report: Report, integration: string): Record<string, unknown> | null {
  if (ext.extras.state === undefined) return null;
  const at = where(ext.located.file, [...ext.located.path, 'state']);
  const state = readJsonObject(path.resolve(project.dir, ext.extras.state));
  if (!state) {
    report.add('warning', `the state file ${ext.extras.state} cannot be read as a JSON object; the first job starts without state`, at, integration);
    return null;
  }
  report.add('info', `state: taken from ${ext.extras.state}`, at, integration);
  return isPlainObject(state.singer_state) ? state.singer_state : state;
}

function readJsonObject(file: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return isPlainObject(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * The program Meltano would run: the executable in the plugin's virtualenv under `.meltano/` when it
 * is installed, a path relative to the project, or a name on PATH (Meltano's own order).
 */
function locateProgram(project: MeltanoProject, plugin: ResolvedPlugin, paths: WorkspacePaths, pathEnv: string | undefined): ImportedProgram {
  const exe = plugin.executable;
  const stored = (abs: string): string => {
    const rel = paths.relative(abs);
    return path.isAbsolute(rel) || rel.includes('/') ? rel : `./${rel}`;
  };
  const installable = plugin.pipUrl !== null;
  if (installable) {
    const installed = path.join(project.dir, '.meltano', plugin.type, plugin.venvDirName, 'venv', 'bin', exe);
    const hit = findExecutable(installed, paths.workspace, undefined);
    if ('found' in hit) return { program: stored(installed), source: 'installed', found: hit.found, installable };
  }
  if (exe.includes('/')) {
    const abs = path.resolve(project.dir, exe);
    const hit = findExecutable(abs, paths.workspace, undefined);
    return { program: stored(abs), source: 'found' in hit ? 'project' : 'missing', found: 'found' in hit ? hit.found : null, installable };
  }
  const hit = findExecutable(exe, paths.workspace, pathEnv);
  return { program: exe, source: 'found' in hit ? 'path' : 'missing', found: 'found' in hit ? hit.found : null, installable };
}

/** The import as text: one block per integration, then the report. */
export function formatImportResult(r: MeltanoImportResult, dryRun = false): string[] {
  const out: string[] = [];
  const verb = dryRun ? 'would import' : 'imported';
  out.push(`${verb} ${r.integrations.length} integration${r.integrations.length === 1 ? '' : 's'} from ${r.projectDir}${r.environment ? ` (environment ${r.environment})` : ''}`);
  for (const p of r.integrations) {
    const it = p.integration;
    const sched = it.schedule.kind === 'cron' ? `cron "${it.schedule.expression}" ${it.schedule.timezone ?? ''}`.trim() : 'the default frequency';
    out.push(`  ${it.name}: ${p.extractor} -> ${p.loader}${p.job ? ` (job ${p.job})` : ''}, ${sched}${it.paused ? ', paused' : ''}`);
    out.push(`    tap:    ${programLine(p.tapProgram)}`);
    out.push(`    target: ${programLine(p.targetProgram)}`);
    if (p.secrets.length > 0) out.push(`    secrets: ${p.secrets.map((s) => `SINGER_SECRET_${s}`).join(', ')} (on the command line; "Singer: Set Secret" in VS Code)`);
  }
  out.push(...formatReportLines(r.report));
  const paused = r.integrations.filter((p) => p.integration.paused).map((p) => p.integration.name);
  if (paused.length > 0 && !dryRun) out.push(`Paused, so nothing runs before you have looked: \`singer-replication resume NAME\` starts the schedule of ${paused.join(', ')}.`);
  return out;
}

function programLine(p: ImportedProgram): string {
  switch (p.source) {
    case 'installed':
      return `${p.program} (installed by Meltano)`;
    case 'project':
      return `${p.program} (the plugin's executable, a path in the project)`;
    case 'path':
      return `${p.program} on PATH (${p.found})${p.installable ? '; Meltano has not installed it under .meltano/' : ''}`;
    case 'missing':
      return p.installable
        ? `${p.program}: NOT FOUND under .meltano/ nor on PATH; install it (\`meltano install\`) before the first job`
        : `${p.program}: NOT FOUND on PATH; install it before the first job`;
  }
}

const SINGULAR: Record<PluginType, string> = {
  extractors: 'extractor',
  loaders: 'loader',
  mappers: 'mapper',
  orchestrators: 'orchestrator',
  transformers: 'transformer',
  files: 'file bundle',
  utilities: 'utility',
  transforms: 'transform',
};

function singular(type: PluginType): string {
  return SINGULAR[type];
}
