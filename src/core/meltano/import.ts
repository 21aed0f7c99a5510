/**
 * Import a Meltano project (`singer-replication import-meltano`): each extractor -> loader pipeline
 * of its jobs and schedules (and an extractor that no job names, when the project has a single
 * loader) becomes an integration. Config is written to workspace files with `{"$secret": NAME}`
 * wherever Meltano would read a value from `.env` or the environment, so no secret value is copied.
 * Everything that does not carry over is listed in the report.
 *
 * `planMeltanoImport` only reads; `applyMeltanoImport` writes the files and adds the integrations.
 */
import * as path from 'node:path';
import type { Engine, NewIntegration } from '../engine';
import type { Schedule } from '../model';
import type { WorkspacePaths } from '../paths';
import { writeJsonAtomic } from '../atomicFile';
import { environmentOverride, literalEnv, pluginConfig, workspaceRelativeDir, type ConfigContext } from './importConfig';
import { importCatalog, importStateExtra, locateProgram, type ImportedProgram } from './importFiles';
import { planMappers } from './importMappers';
import { describePipeline, findPipelines, reportLeftovers, type Pipeline } from './importPipelines';
import { activeEnvironment, loadMeltanoProject, resolvePlugin, type MeltanoProject, type ResolvedPlugin } from './project';
import { Report, formatReportLines, type ReportLine } from './report';
import { intervalToSchedule } from './schedule';
import { where } from './yamlFile';

export type { ImportedProgram, ProgramSource } from './importFiles';

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
  /** The mapper stages, in order: each one's mapping (or plugin) and program. */
  mappers: { name: string; plugin: string; mapping: string | null; program: ImportedProgram }[];
  /** Secret names the integration's config refers to (set SINGER_SECRET_<NAME>). */
  secrets: string[];
  /** Files to write, absolute path -> JSON value. */
  files: { path: string; value: unknown; kind: 'tap config' | 'target config' | 'mapper config' | 'catalog' | 'state' }[];
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
  reportLeftovers(project, pipelines, report);
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
  const mappers = planMappers(project, p.mappers, { environment, baseEnv: base.values, ctx, report, integration: name });

  // The integration's env: what meltano.yml sets literally for these plugins (both get all of it).
  const env: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const schedEnv = literalEnv(base.values, [scheduleEnv]);
  for (const [label, layer] of [
    ['project', base.own],
    [ext.name, extEnv.own],
    ...mappers.map((m) => [m.plugin.name, m.env.own] as const),
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
  for (const u of [...base.unresolved, ...extEnv.unresolved, ...mappers.flatMap((m) => m.env.unresolved), ...loaderEnv.unresolved, ...schedEnv.unresolved]) {
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
  const mapperConfigFiles = mappers.map((m, i) => {
    const file = path.join(configDir, `${name}-mapper-${i + 1}.json`);
    files.push({ path: file, value: m.config, kind: 'mapper config' });
    return file;
  });

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
    report.add('info', `no Meltano schedule runs ${p.job ? `job ${p.job}` : describePipeline(p)}; imported paused with the default frequency`, p.where, name);
  }

  const pathEnv = env.PATH ?? processEnv.PATH;
  const tapProgram = locateProgram(project, ext, paths, pathEnv);
  const targetProgram = locateProgram(project, loader, paths, pathEnv);
  const mapperPrograms = mappers.map((m) => locateProgram(project, m.plugin, paths, pathEnv));
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
      mappers: mappers.map((m, i) => ({ name: m.name, command: [mapperPrograms[i]!.program], config: paths.relative(mapperConfigFiles[i]!) })),
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
    mappers: mappers.map((m, i) => ({ name: m.name, plugin: m.plugin.name, mapping: m.mapping, program: mapperPrograms[i]! })),
    secrets: [...secrets].sort(),
    files,
  };
}

/** The import as text: one block per integration, then the report. */
export function formatImportResult(r: MeltanoImportResult, dryRun = false): string[] {
  const out: string[] = [];
  const verb = dryRun ? 'would import' : 'imported';
  out.push(`${verb} ${r.integrations.length} integration${r.integrations.length === 1 ? '' : 's'} from ${r.projectDir}${r.environment ? ` (environment ${r.environment})` : ''}`);
  for (const p of r.integrations) {
    const it = p.integration;
    const sched = it.schedule.kind === 'cron' ? `cron "${it.schedule.expression}" ${it.schedule.timezone ?? ''}`.trim() : 'the default frequency';
    const through = p.mappers.map((m) => `${m.name} -> `).join('');
    out.push(`  ${it.name}: ${p.extractor} -> ${through}${p.loader}${p.job ? ` (job ${p.job})` : ''}, ${sched}${it.paused ? ', paused' : ''}`);
    out.push(`    tap:    ${programLine(p.tapProgram)}`);
    for (const m of p.mappers) out.push(`    mapper: ${programLine(m.program)}, ${m.mapping ? `mapping ${m.mapping} of ${m.plugin}` : `${m.plugin}'s own config`}`);
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

