/**
 * Export integrations to a Meltano project (`singer-replication export-meltano`): writes or updates
 * `meltano.yml` (keeping the user's comments and unrelated keys) with an extractor and a loader per
 * integration (the same programs, config, catalog and selection), a job and a schedule, a
 * `.env.example` naming the secrets, and the saved state in the form `meltano state set` takes.
 *
 * Secrets are never resolved here: a `{"$secret": NAME}` reference becomes `${NAME}`, which Meltano
 * reads from `.env` or the environment. A `meltano.yml` that does not parse is never overwritten.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Document, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, type Node } from 'yaml';
import { joinCommand } from '../argv';
import { writeTextAtomic } from '../atomicFile';
import type { Engine } from '../engine';
import { usageError } from '../errors';
import { activeJob } from '../jobs';
import type { Integration } from '../model';
import { isSecretRef } from '../secrets';
import { readState } from '../stateFile';
import { MELTANO_FILE, loadMeltanoProject, meltanoFile, type MeltanoProject, type PluginType } from './project';
import { escapeEnvRefs, escapeSettingKey, isPlainObject, toEnvVar } from './patterns';
import { Report, formatReportLines, type ReportLine } from './report';
import { scheduleToInterval } from './schedule';
import { selectionRules } from './selection';
import { detectIndentSeq, where } from './yamlFile';

/** The vendor key of the annotations that mark what export wrote (Meltano ignores annotations). */
export const ANNOTATION = 'singer-replication';

export interface MeltanoExportOptions {
  /** Integrations to export. */
  names: string[];
  /** The Meltano project folder, absolute or relative to the workspace; created when missing. */
  outDir: string;
  /** pip_url per plugin, keyed by the plugin name or the program's name (e.g. `tap-github`). */
  pipUrls?: Record<string, string>;
  /** What "Use integration default" means (the workspace setting `singer.defaultReplicationFrequency`). */
  defaultFrequencyMs: number;
  /** The Meltano environment the state is set for; default: the project's default_environment, else `dev`. */
  environment?: string;
  /** Work everything out and report it, write nothing. */
  dryRun?: boolean;
}

export interface ExportedIntegration {
  name: string;
  extractor: string;
  loader: string;
  job: string;
  /** Null when the integration is paused or its schedule has no Meltano form (see the report). */
  schedule: { name: string; interval: string; exact: boolean } | null;
  stateId: string;
  /** Relative to the project folder; null when there is no saved state. */
  stateFile: string | null;
  stateCommand: string | null;
}

export interface MeltanoExportResult {
  outDir: string;
  environment: string;
  /** Whether meltano.yml was created (false: updated). */
  created: boolean;
  /** Files written (or that would be), relative to outDir. */
  files: { path: string; action: 'created' | 'updated' }[];
  integrations: ExportedIntegration[];
  /** Variables the project reads from `.env`, with what each is for. */
  envVars: { name: string; uses: string[] }[];
  /** Run in outDir to load the saved state into Meltano. */
  stateCommands: string[];
  report: ReportLine[];
}

interface PluginPlan {
  type: 'extractors' | 'loaders';
  name: string;
  identity: string;
  integrations: string[];
  /** Managed keys, in the order a new entry gets them. */
  def: Record<string, unknown>;
  sensitive: string[];
  /** The Meltano kind of a sensitive setting whose secret is typed, so Meltano converts it as the engine does. */
  kinds: Record<string, string>;
  catalog: { file: string; value: unknown } | null;
  wrapper: { file: string; text: string } | null;
  argv: readonly string[];
}

interface FileWrite {
  rel: string;
  text: string;
  mode?: number;
}

export async function exportMeltanoProject(engine: Engine, o: MeltanoExportOptions): Promise<MeltanoExportResult> {
  const paths = engine.paths;
  const outDir = paths.resolve(o.outDir);
  const names = [...new Set(o.names)];
  if (names.length === 0) throw usageError('export-meltano needs at least one integration NAME.');
  const db = await engine.read();
  const integrations: Integration[] = [];
  for (const n of names) integrations.push(await engine.integration(n));
  // Exported without its mappers, a pipeline would load what they keep from the target: refused instead.
  const mapped = integrations.filter((i) => i.mappers.length > 0);
  if (mapped.length > 0) {
    throw usageError(
      `${mapped.map((i) => `${i.name} runs the mapper stage${i.mappers.length > 1 ? 's' : ''} ${i.mappers.map((m) => m.name).join(', ')}`).join('; ')}, ` +
        `which export-meltano does not write yet, and Meltano would run it without them; export the other integrations, or add the mappers to meltano.yml by hand (a mapper with a mapping named in the job).`,
    );
  }
  const report = new Report();

  // The existing project: refused (and left as it is) when it does not parse or validate.
  const existingFile = fs.existsSync(meltanoFile(outDir));
  const action = `export leaves ${MELTANO_FILE} as it is: fix it and export again, or export to another folder`;
  const project = existingFile ? loadMeltanoProject(outDir, action, paths.relative(outDir)) : null;
  const text = project?.main.text ?? '';
  // A new project gets its keys in the order Meltano's own files have them.
  const doc: Document = project
    ? (project.main.doc as unknown as Document)
    : new Document({ default_environment: o.environment ?? 'dev', environments: [], plugins: { extractors: [], loaders: [] }, jobs: [], schedules: [] });
  if (!isMap(doc.contents)) {
    if (project && doc.contents !== null && doc.contents !== undefined) throw usageError(`${project.main.shown} line 1: it is not a mapping; ${action}.`);
    doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  }
  if (!project) doc.commentBefore = ' A Meltano project written by Singer Replication (singer-replication export-meltano).';
  const root = doc.contents as unknown as YAMLMap;

  const environment = chooseEnvironment(doc, root, project, o.environment, report);
  const envDef = findNamed(seqAt(doc, root, ['environments']), environment);
  const suffix = envDef ? scalarString(envDef.get('state_id_suffix')) : (project?.environments.find((e) => e.value.name === environment)?.value.state_id_suffix ?? null);

  // Plugins: one per distinct program + config + catalog; shared when two integrations agree.
  const envVars = new Map<string, Set<string>>();
  const plans: PluginPlan[] = [];
  const perIntegration = new Map<string, { extractor: PluginPlan; loader: PluginPlan }>();
  const jobNames = new Set(names);
  for (const it of integrations) {
    const tap = planPlugin('extractors', it, paths, outDir, o.pipUrls ?? {}, envVars, report);
    const target = planPlugin('loaders', it, paths, outDir, o.pipUrls ?? {}, envVars, report);
    const ext = placePlugin(tap, plans, project, jobNames, report);
    const loader = placePlugin(target, plans, project, jobNames, report);
    perIntegration.set(it.name, { extractor: ext, loader });
  }
  const pipKeys = new Set(plans.flatMap((p) => [p.name, String(p.def.executable)]).concat(integrations.flatMap((i) => [programName(i.tap), programName(i.target)])));
  for (const key of Object.keys(o.pipUrls ?? {})) {
    if (!pipKeys.has(key)) {
      throw usageError(`--pip-url ${key}=...: no exported plugin or program is called ${key}; use one of ${[...new Set(plans.map((p) => p.name))].join(', ')}.`);
    }
  }

  // Jobs and schedules: one each per integration, named like it.
  const jobs = seqAt(doc, root, ['jobs']);
  const existingSchedules = root.get('schedules', true);
  let scheduleSeq: YAMLSeq | null = isSeq(existingSchedules) ? existingSchedules : null;
  const schedules = (): YAMLSeq => (scheduleSeq ??= seqAt(doc, root, ['schedules']));
  const exported: ExportedIntegration[] = [];
  const files: FileWrite[] = [];
  for (const it of integrations) {
    const { extractor, loader } = perIntegration.get(it.name)!;
    guardName(project, 'job', it.name, jobs);
    upsertNamed(doc, jobs, it.name, { tasks: [`${extractor.name} ${loader.name}`], annotations: { [ANNOTATION]: { integration: it.name } } });

    let schedule: ExportedIntegration['schedule'] = null;
    if (it.paused) {
      report.add('info', 'paused, so it has no Meltano schedule (its job runs when asked: `meltano run ' + it.name + '`)', null, it.name);
    } else {
      const anchor = it.anchorAt ? new Date(it.anchorAt) : null;
      const s = scheduleToInterval(it.schedule, o.defaultFrequencyMs, anchor);
      if (s.interval === null) report.add('unsupported', `its schedule has no Meltano form (${s.note}); no schedule written`, null, it.name);
      else {
        if (s.note) report.add(s.exact ? 'info' : 'warning', `schedule "${s.interval}": ${s.note}`, null, it.name);
        schedule = { name: it.name, interval: s.interval, exact: s.exact };
      }
    }
    if (schedule) {
      guardName(project, 'schedule', it.name, schedules());
      upsertNamed(doc, schedules(), it.name, { job: it.name, interval: schedule.interval, annotations: { [ANNOTATION]: { integration: it.name } } });
    } else if (scheduleSeq) removeOurs(scheduleSeq, it.name);

    const stateId = `${environment}:${extractor.name}-to-${loader.name}${suffix ? `:${suffix}` : ''}`;
    const state = readState(paths.stateFile(it.name), it.name);
    let stateFile: string | null = null;
    let stateCommand: string | null = null;
    if (state) {
      stateFile = path.posix.join('state', `${it.name}.json`);
      files.push({ rel: stateFile, text: `${JSON.stringify({ singer_state: state }, null, 2)}\n` });
      stateCommand = joinCommand(['meltano', 'state', 'set', '--force', stateId, '--input-file', stateFile]);
      const running = activeJob(db, it.name);
      if (running) report.add('warning', `job ${running.id} is still running; its target may save a newer state than the one exported`, null, it.name);
    } else {
      report.add('info', 'no saved state: Meltano starts it from the beginning', null, it.name);
    }
    exported.push({ name: it.name, extractor: extractor.name, loader: loader.name, job: it.name, schedule, stateId, stateFile, stateCommand });
  }

  // Plugin entries, their catalogs and wrappers.
  const exportedNames = new Set(names);
  for (const p of plans) {
    const seq = seqAt(doc, mapAt(doc, root, ['plugins']), [p.type]);
    const entry = findNamed(seq, p.name);
    const earlier = entry ? annotatedIntegrations((toJs(entry as unknown as Node) as Record<string, unknown>).annotations) : [];
    const owners = [...new Set([...earlier.filter((i) => !exportedNames.has(i)), ...p.integrations])].sort();
    const def: Record<string, unknown> = { ...p.def, annotations: { [ANNOTATION]: { integrations: owners } } };
    if (entry && def.pip_url === undefined && entry.has('pip_url')) {
      // A pip_url the user added by hand: Meltano runs the program from the plugin's virtualenv.
      def.executable = path.basename(p.argv[0]!);
      if (p.wrapper) {
        report.add('unsupported', `${p.name} has a pip_url, so Meltano runs ${def.executable} without the arguments of ${joinCommand(p.argv)}`, null, p.integrations[0]!);
        p.wrapper = null;
      }
    }
    if (entry) {
      syncManaged(doc, entry, def);
      if (p.sensitive.length > 0) markSensitive(doc, entry, p.sensitive, p.kinds);
    } else {
      const node = { name: p.name, ...def } as Record<string, unknown>;
      if (p.sensitive.length > 0) node.settings = p.sensitive.map((name) => ({ name, ...(p.kinds[name] ? { kind: p.kinds[name] } : {}), sensitive: true }));
      seq.add(doc.createNode(orderKeys(node)));
    }
    if (p.catalog) files.push({ rel: p.catalog.file, text: `${JSON.stringify(p.catalog.value, null, 2)}\n` });
    if (p.wrapper) {
      files.push({ rel: p.wrapper.file, text: p.wrapper.text, mode: 0o755 });
      report.add('info', `${joinCommand(p.argv)} has arguments, so Meltano runs it through the script ${p.wrapper.file}`, null, p.integrations.join(', '));
    }
  }
  // Entries written before for integrations whose plugin is now another one no longer list them.
  for (const type of ['extractors', 'loaders'] as const) {
    for (const entry of seqAt(doc, mapAt(doc, root, ['plugins']), [type]).items) {
      if (!isMap(entry) || plans.some((p) => p.type === type && p.name === scalarString(entry.get('name')))) continue;
      const before = annotatedIntegrations((toJs(entry as unknown as Node) as Record<string, unknown>).annotations);
      const after = before.filter((i) => !exportedNames.has(i));
      if (after.length !== before.length) entry.setIn(['annotations', ANNOTATION, 'integrations'], doc.createNode(after));
    }
  }

  // .env.example: the names only, never a value.
  const envList = [...envVars.entries()].map(([name, uses]) => ({ name, uses: [...uses].sort() })).sort((a, b) => a.name.localeCompare(b.name));
  const envExample = envExampleText(path.join(outDir, '.env.example'), envList);
  if (envExample !== null) files.push({ rel: '.env.example', text: envExample });
  if (!project && !fs.existsSync(path.join(outDir, '.gitignore'))) files.push({ rel: '.gitignore', text: '/venv\n/.meltano\n.env\n' });

  const yamlText = doc.toString({ indentSeq: project ? detectIndentSeq(text) : false, lineWidth: 0 });
  files.push({ rel: MELTANO_FILE, text: yamlText });

  if (path.resolve(outDir) !== paths.workspace) {
    report.add('info', `relative paths in config now resolve against ${outDir} (where Meltano runs plugins), not the workspace folder`);
  }
  const written: MeltanoExportResult['files'] = [];
  for (const f of files) {
    const abs = path.join(outDir, f.rel);
    const existed = fs.existsSync(abs);
    if (existed && fs.readFileSync(abs, 'utf8') === f.text) continue;
    written.push({ path: f.rel, action: existed ? 'updated' : 'created' });
    if (!o.dryRun) writeTextAtomic(abs, f.text, f.mode);
  }
  return {
    outDir,
    environment,
    created: !project,
    files: written,
    integrations: exported,
    envVars: envList,
    stateCommands: exported.flatMap((e) => (e.stateCommand ? [e.stateCommand] : [])),
    report: report.lines,
  };
}

// ---------------------------------------------------------------------------------------------
// Plugins

const INTERPRETERS = /^(python[\d.]*|pypy[\d.]*|node|nodejs|bun|deno|ruby|perl|php|sh|bash|uv|uvx|pipx|npx)$/;

/** The name a program goes by: `tap-github`, or `tap-fixture` for `python3 tap_fixture.py`. */
export function programName(argv: readonly string[]): string {
  const base = (p: string): string => path.basename(p).replace(/\.(py|js|mjs|cjs|ts|sh|rb|pl|exe)$/, '');
  const first = base(argv[0]!);
  let name = first;
  if (INTERPRETERS.test(first)) {
    if (argv[1] === '-m' && argv[2]) name = argv[2];
    else if (argv[1] && !argv[1].startsWith('-')) name = base(argv[1]);
    else if (['uv', 'uvx', 'pipx', 'npx'].includes(first) && argv[2]) name = base(argv[2]);
  }
  return name.replace(/_/g, '-').replace(/[^A-Za-z0-9.-]/g, '-').replace(/^[-.]+/, '') || 'plugin';
}

function planPlugin(
  type: 'extractors' | 'loaders',
  it: Integration,
  paths: Engine['paths'],
  outDir: string,
  pipUrls: Record<string, string>,
  envVars: Map<string, Set<string>>,
  report: Report,
): PluginPlan {
  const role = type === 'extractors' ? 'tap' : 'target';
  const argv = type === 'extractors' ? it.tap : it.target;
  const configRef = type === 'extractors' ? it.tapConfig : it.targetConfig;
  const name = programName(argv);
  const config = configRef === null ? {} : readJsonObject(paths.resolve(configRef), `the ${role} config of ${it.name}`);
  const sensitive: string[] = [];
  const kinds: Record<string, string> = {};
  const meltanoConfig = toMeltanoConfig(config, [], (secret, keyPath, kind) => {
    const envVar = /^\w+$/.test(secret) ? secret : toEnvVar(secret);
    if (envVar !== secret) report.add('warning', `the secret "${secret}" is read from the variable ${envVar} in Meltano (a variable name cannot be "${secret}")`, null, it.name);
    const use = `${it.name}: ${role} config ${keyPath.join('.')}`;
    envVars.set(envVar, (envVars.get(envVar) ?? new Set()).add(use));
    const setting = keyPath.map(escapeSettingKey).join('.');
    sensitive.push(setting);
    if (kind === 'number') {
      report.add('warning', `${role} config ${keyPath.join('.')}: Meltano passes the secret ${envVar} as text, since it cannot convert a decimal setting read from the environment (Meltano 4.4.1 fails on one)`, null, it.name);
    } else if (kind !== undefined && kind !== 'string') kinds[setting] = kind;
    return envVar;
  });

  // The program: Meltano runs one executable (from PATH, a path in the project, or the plugin's
  // virtualenv when it has a pip_url) with no arguments of its own.
  const pipUrl = pipUrls[name] ?? pipUrls[path.basename(argv[0]!)] ?? null;
  let executable: string;
  let wrapper: PluginPlan['wrapper'] = null;
  if (pipUrl !== null) {
    executable = path.basename(argv[0]!);
    if (argv.length > 1) report.add('unsupported', `the ${role} arguments ${joinCommand(argv.slice(1))} are dropped: with a pip_url Meltano runs ${executable} from the plugin's virtualenv without arguments`, null, it.name);
  } else if (argv.length > 1) {
    const file = path.posix.join('bin', name);
    const program = argv.map((a, i) => (i === 0 && a.includes('/') && !path.isAbsolute(a) ? paths.resolve(a) : a));
    wrapper = {
      file,
      text: `#!/bin/sh\n# Written by singer-replication export-meltano: Meltano runs an executable without arguments of its own.\nexec ${joinCommand(program)} "$@"\n`,
    };
    executable = file;
  } else if (argv[0]!.includes('/')) {
    const abs = path.isAbsolute(argv[0]!) ? argv[0]! : paths.resolve(argv[0]!);
    const rel = path.relative(outDir, abs);
    executable = path.isAbsolute(argv[0]!) ? abs : rel.includes('/') ? rel : `./${rel}`;
    report.add('warning', `the ${role} runs by path (${executable}); in production give --pip-url ${name}=PACKAGE so Meltano installs it`, null, it.name);
  } else {
    executable = argv[0]!;
  }

  const def: Record<string, unknown> = { namespace: name.replace(/[^A-Za-z0-9]/g, '_'), executable };
  if (pipUrl !== null) def.pip_url = pipUrl;
  let catalog: PluginPlan['catalog'] = null;
  if (type === 'extractors') {
    def.capabilities = it.catalog !== null ? ['catalog', 'state'] : ['state'];
  }
  if (Object.keys(meltanoConfig).length > 0) def.config = meltanoConfig;
  if (type === 'extractors' && it.catalog !== null) {
    const value = readJsonObject(paths.resolve(it.catalog), `the catalog of ${it.name}`);
    const sel = selectionRules(value);
    catalog = { file: '', value };
    def.catalog = '';
    def.select = sel.select;
    if (Object.keys(sel.metadata).length > 0) def.metadata = sel.metadata;
    for (const n of sel.notes) report.add('warning', `${n} (the exported catalog file keeps the exact selection)`, null, it.name);
  }
  if (Object.keys(it.env).length > 0) def.env = Object.fromEntries(Object.entries(it.env).map(([k, v]) => [k, escapeEnvRefs(v)]));
  const identity = JSON.stringify({ type, argv, pipUrl, def, kinds, catalog: catalog?.value ?? null });
  return { type, name, identity, integrations: [it.name], def, sensitive, kinds, catalog, wrapper, argv };
}

/**
 * Gives a planned plugin its name: the program's name when free, else `<name>--<integration>`.
 * Free means: not used by another plugin of this export, not a job name, and in meltano.yml either
 * absent, or an entry this export wrote before that says the same, or one written for the same
 * integrations only (then it is updated).
 */
function placePlugin(p: PluginPlan, plans: PluginPlan[], project: MeltanoProject | null, jobNames: Set<string>, report: Report): PluginPlan {
  const same = plans.find((q) => q.identity === p.identity);
  if (same) {
    same.integrations.push(...p.integrations);
    return same;
  }
  const base = p.name;
  const why: string[] = [];
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : n === 2 ? `${base}--${p.integrations[0]}` : `${base}--${p.integrations[0]}-${n - 1}`;
    const other = plans.find((q) => q.name === candidate);
    if (other) {
      why.push(`${candidate} runs ${other.integrations.join(', ')} with other settings`);
      continue;
    }
    if (jobNames.has(candidate)) {
      why.push(`${candidate} is the name of an exported job`);
      continue;
    }
    nameFiles(p, candidate);
    const existing = project ? existingPlugin(project, candidate) : null;
    if (existing) {
      const forOthers = existing.integrations.some((i) => !jobNames.has(i));
      const agrees = JSON.stringify(existing.managed) === JSON.stringify(pick(p.def, MANAGED_PLUGIN_KEYS));
      const forUs = existing.integrations.some((i) => p.integrations.includes(i));
      const free = existing.type === p.type && existing.inMain && existing.integrations.length > 0 && (agrees || (forUs && !forOthers));
      if (!free) {
        why.push(`${MELTANO_FILE} already has a ${existing.type === 'extractors' ? 'extractor' : existing.type === 'loaders' ? 'loader' : 'plugin'} called ${candidate}`);
        continue;
      }
    }
    if (n > 1) report.add('info', `its ${p.type === 'extractors' ? 'extractor' : 'loader'} is called ${candidate}, since ${why.join(' and ')}`, null, p.integrations[0]!);
    break;
  }
  plans.push(p);
  return p;
}

function nameFiles(p: PluginPlan, name: string): void {
  p.name = name;
  if (p.catalog) {
    p.catalog.file = path.posix.join('extract', `${name}.catalog.json`);
    p.def.catalog = p.catalog.file;
  }
  if (p.wrapper) {
    p.wrapper.file = path.posix.join('bin', name);
    p.def.executable = p.wrapper.file;
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** A plugin of that name in the project; `integrations` lists those export wrote it for (none: the user's). */
function existingPlugin(
  project: MeltanoProject,
  name: string,
): { type: PluginType; inMain: boolean; integrations: string[]; managed: Record<string, unknown> } | null {
  for (const [type, list] of project.plugins) {
    const hit = list.find((l) => l.value.name === name);
    if (!hit) continue;
    const raw = hit.file.doc.getIn(hit.path) as { toJSON(): unknown } | undefined;
    const value = (raw?.toJSON() ?? {}) as Record<string, unknown>;
    return { type, inMain: hit.file === project.main, integrations: annotatedIntegrations(value.annotations), managed: pick(value, MANAGED_PLUGIN_KEYS) };
  }
  return null;
}

function annotatedIntegrations(annotations: unknown): string[] {
  const ours = isPlainObject(annotations) && isPlainObject(annotations[ANNOTATION]) ? annotations[ANNOTATION] : null;
  return ours && Array.isArray(ours.integrations) ? ours.integrations.map(String) : [];
}

/**
 * Our config as Meltano config: secret references become `${VAR}`, other strings are escaped so
 * Meltano does not expand them, and dots in keys are escaped so Meltano does not nest them.
 */
function toMeltanoConfig(value: Record<string, unknown>, at: string[], secret: (name: string, keyPath: string[], kind: string | undefined) => string): Record<string, unknown> {
  const convert = (v: unknown, keyPath: string[]): unknown => {
    if (isSecretRef(v)) return `\${${secret(v.$secret, keyPath, v.kind)}}`;
    if (isPlainObject(v)) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [escapeSettingKey(k), convert(x, [...keyPath, k])]));
    }
    if (Array.isArray(v)) return v.map((x) => convert(x, keyPath));
    if (typeof v === 'string') return escapeEnvRefs(v);
    return v;
  };
  return convert(value, at) as Record<string, unknown>;
}

function readJsonObject(file: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `is not valid JSON (${(err as Error).message})`;
    throw usageError(`${what}, ${file}, ${reason}; nothing was exported.`, err);
  }
  if (!isPlainObject(value)) throw usageError(`${what}, ${file}, is not a JSON object; nothing was exported.`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// meltano.yml editing that keeps everything else

function chooseEnvironment(doc: Document, root: YAMLMap, project: MeltanoProject | null, wanted: string | undefined, report: Report): string {
  const envs = seqAt(doc, root, ['environments']);
  const names = [
    ...new Set([
      ...envs.items.filter(isMap).map((m) => scalarString(m.get('name'))).filter((n): n is string => n !== null),
      ...(project?.environments.map((e) => e.value.name) ?? []),
    ]),
  ];
  if (!project && names.length === 0) {
    for (const n of ['dev', 'staging', 'prod']) envs.add(doc.createNode({ name: n }));
    names.push('dev', 'staging', 'prod');
  }
  const current = scalarString(root.get('default_environment'));
  const env = wanted ?? current ?? names[0] ?? 'dev';
  if (!names.includes(env)) {
    envs.add(doc.createNode({ name: env }));
    if (project) report.add('info', `added the environment ${env}, under which the state is set`);
  }
  if (current === null) {
    root.set('default_environment', env);
    if (project) report.add('info', `set default_environment: ${env}, since \`meltano run\` keeps state only in an environment`);
  } else if (current !== env) {
    report.add('warning', `the state is set for environment ${env}, but default_environment is ${current}: run jobs with \`meltano --environment=${env} run\``);
  }
  return env;
}

function scalarString(v: unknown): string | null {
  const x = isScalar(v) ? v.value : v;
  return typeof x === 'string' ? x : null;
}

/** The mapping at `keys` under `parent`, created when missing or empty. */
function mapAt(doc: Document, parent: YAMLMap, keys: string[]): YAMLMap {
  let node = parent;
  for (const k of keys) {
    const child = node.get(k, true);
    if (isMap(child)) node = child;
    else {
      const m = doc.createNode({}) as YAMLMap;
      node.set(k, m);
      node = m;
    }
  }
  return node;
}

/** The sequence at `keys` under `parent`, created when missing or null. */
function seqAt(doc: Document, parent: YAMLMap, keys: string[]): YAMLSeq {
  const holder = mapAt(doc, parent, keys.slice(0, -1));
  const k = keys[keys.length - 1]!;
  const child = holder.get(k, true);
  if (isSeq(child)) return child;
  const s = doc.createNode([]) as YAMLSeq;
  holder.set(k, s);
  return s;
}

function findNamed(seq: YAMLSeq, name: string): YAMLMap | undefined {
  return seq.items.find((m): m is YAMLMap => isMap(m) && scalarString(m.get('name')) === name);
}

function isOurs(m: YAMLMap): boolean {
  const ann = m.get('annotations', true);
  return isMap(ann) && ann.has(ANNOTATION);
}

/** A job or schedule of that name that export did not write is the user's: refuse, naming its line. */
function guardName(project: MeltanoProject | null, kind: 'job' | 'schedule', name: string, seq: YAMLSeq): void {
  if (!project) return;
  const list = kind === 'job' ? project.jobs : project.schedules;
  const hit = list.find((l) => l.value.name === name);
  if (!hit) return;
  const entry = findNamed(seq, name);
  if (hit.file === project.main && entry && isOurs(entry)) return;
  throw usageError(
    `${where(hit.file, hit.path)}: there already is a ${kind} named ${name} that export-meltano did not write; rename it (or the integration), then export again. Nothing was written.`,
  );
}

function upsertNamed(doc: Document, seq: YAMLSeq, name: string, value: Record<string, unknown>): void {
  const entry = findNamed(seq, name);
  if (entry) syncManaged(doc, entry, value);
  else seq.add(doc.createNode({ name, ...value }));
}

function removeOurs(seq: YAMLSeq, name: string): void {
  const i = seq.items.findIndex((m) => isMap(m) && scalarString(m.get('name')) === name && isOurs(m));
  if (i >= 0) seq.items.splice(i, 1);
}

const MANAGED_PLUGIN_KEYS = ['namespace', 'executable', 'pip_url', 'capabilities', 'config', 'catalog', 'select', 'metadata', 'env'];

/**
 * Sets the keys export manages to `value`, changing only what differs so the comments on what stays
 * survive; keys it does not manage are left alone. For plugins, a managed key that is now absent
 * (a catalog removed, say) is deleted, except pip_url, which the user may have added by hand.
 */
function syncManaged(doc: Document, entry: YAMLMap, value: Record<string, unknown>): void {
  const isPlugin = 'namespace' in value;
  if (isPlugin) {
    for (const k of MANAGED_PLUGIN_KEYS) if (!(k in value) && k !== 'pip_url') entry.delete(k);
  }
  for (const [k, v] of Object.entries(value)) syncValue(doc, entry, k, v);
}

function syncValue(doc: Document, parent: YAMLMap, key: string, value: unknown): void {
  const cur = parent.get(key, true) as Node | undefined;
  if (isPlainObject(value) && isMap(cur)) {
    for (const item of [...cur.items]) {
      const k = isScalar(item.key) ? item.key.value : item.key;
      if (typeof k !== 'string' || !(k in value)) cur.delete(item.key);
    }
    for (const [k, v] of Object.entries(value)) syncValue(doc, cur, k, v);
    return;
  }
  if (cur !== undefined && JSON.stringify(toJs(cur)) === JSON.stringify(value)) return;
  parent.set(key, doc.createNode(value));
}

function toJs(n: Node): unknown {
  return (n as { toJSON(): unknown }).toJSON();
}

/** Adds (or marks) settings entries `sensitive: true` for the config keys that hold secrets. */
function markSensitive(doc: Document, entry: YAMLMap, names: string[], kinds: Record<string, string>): void {
  const settings = seqAt(doc, entry, ['settings']);
  for (const n of names) {
    const s = findNamed(settings, n);
    if (s) {
      if (kinds[n]) s.set('kind', kinds[n]);
      s.set('sensitive', true);
    } else settings.add(doc.createNode({ name: n, ...(kinds[n] ? { kind: kinds[n] } : {}), sensitive: true }));
  }
}

const KEY_ORDER = ['name', 'namespace', 'executable', 'pip_url', 'capabilities', 'settings', 'config', 'catalog', 'select', 'metadata', 'env', 'annotations'];

function orderKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (o[k] !== undefined) out[k] = o[k];
  for (const [k, v] of Object.entries(o)) if (!(k in out)) out[k] = v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Files

function envExampleText(file: string, vars: { name: string; uses: string[] }[]): string | null {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    if (vars.length === 0) return null;
    text = '# The variables this Meltano project reads from .env or the environment. Copy this file to .env\n# and fill in the values; never commit .env.\n';
  }
  const present = new Set([...text.matchAll(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/gm)].map((m) => m[1]!));
  let out = text;
  for (const v of vars) {
    if (present.has(v.name)) continue;
    if (out !== '' && !out.endsWith('\n')) out += '\n';
    out += `# ${v.uses.join('; ')}\n${v.name}=\n`;
  }
  return out;
}

/** The export as text: what was written, the report, and the commands that hand the state over. */
export function formatExportResult(r: MeltanoExportResult, dryRun = false): string[] {
  const out: string[] = [];
  out.push(`${dryRun ? 'would export' : 'exported'} ${r.integrations.map((i) => i.name).join(', ')} to ${r.outDir} (${r.created ? 'a new' : 'an updated'} ${MELTANO_FILE}, environment ${r.environment})`);
  for (const i of r.integrations) {
    out.push(`  ${i.name}: job ${i.job} = ${i.extractor} ${i.loader}${i.schedule ? `, schedule "${i.schedule.interval}"` : ', no schedule'}`);
  }
  if (r.files.length > 0) out.push(`${dryRun ? 'would write' : 'wrote'}: ${r.files.map((f) => `${f.path} (${f.action})`).join(', ')}`);
  else out.push('nothing changed: the project already says all of this');
  if (r.envVars.length > 0) out.push(`secrets: set ${r.envVars.map((v) => v.name).join(', ')} in ${path.join(r.outDir, '.env')} (see .env.example) or in the environment`);
  out.push(...formatReportLines(r.report));
  if (r.stateCommands.length > 0) {
    out.push(`To carry the saved state over, so Meltano resumes where the editor stopped, run in ${r.outDir}:`);
    for (const c of r.stateCommands) out.push(`  ${c}`);
  }
  return out;
}
