/**
 * A Meltano project as Meltano reads it: `meltano.yml` and the files its `include_paths` match,
 * validated with zod (a file that does not validate is refused naming the file and line), plugin
 * definitions resolved through `inherit_from` and lock files, and the names (never the values) of
 * the variables in `.env`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { usageError } from '../errors';
import { globFiles, isPlainObject } from './patterns';
import { pathText, readYaml, where, type YamlFile, type YamlPath } from './yamlFile';

export const MELTANO_FILE = 'meltano.yml';

export const PLUGIN_TYPES = ['extractors', 'loaders', 'mappers', 'orchestrators', 'transformers', 'files', 'utilities', 'transforms'] as const;
export type PluginType = (typeof PLUGIN_TYPES)[number];

const EnvValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const EnvMap = z.record(z.string(), EnvValue);

export const SettingSchema = z.looseObject({
  name: z.string().min(1),
  aliases: z.array(z.string()).optional(),
  env: z.string().optional(),
  kind: z.string().optional(),
  value: z.unknown().optional(),
  sensitive: z.boolean().optional(),
});
export type Setting = z.infer<typeof SettingSchema>;

const PluginFields = {
  inherit_from: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  variant: z.string().optional(),
  pip_url: z.string().nullish(),
  executable: z.string().min(1).optional(),
  capabilities: z.array(z.string()).optional(),
  settings: z.array(SettingSchema).optional(),
  config: z.record(z.string(), z.unknown()).nullish(),
  env: EnvMap.optional(),
  catalog: z.string().optional(),
  state: z.string().optional(),
  select: z.array(z.string()).optional(),
  select_filter: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
  load_schema: z.string().optional(),
  /** A mapper's mappings: a job names one (`tap-a hide-ids target-b`) to run the mapper with its config. */
  mappings: z.array(z.looseObject({ name: z.string().min(1), config: z.record(z.string(), z.unknown()).nullish() })).nullish(),
};

export const PluginSchema = z.looseObject({ name: z.string().min(1), ...PluginFields });
export type PluginDef = z.infer<typeof PluginSchema>;
const LockSchema = z.looseObject({ name: z.string().optional(), ...PluginFields });

const JobSchema = z.looseObject({
  name: z.string().min(1),
  tasks: z.union([z.string(), z.array(z.union([z.string(), z.array(z.string())]))]),
});

const ScheduleSchema = z.looseObject({
  name: z.string().min(1),
  interval: z.string().optional(),
  job: z.string().optional(),
  extractor: z.string().optional(),
  loader: z.string().optional(),
  transform: z.string().optional(),
  start_date: z.unknown().optional(),
  env: EnvMap.optional(),
});

const EnvPluginOverride = z.looseObject({
  name: z.string().min(1),
  config: z.record(z.string(), z.unknown()).nullish(),
  env: EnvMap.optional(),
  select: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type EnvPluginOverrideDef = z.infer<typeof EnvPluginOverride>;

const EnvironmentSchema = z.looseObject({
  name: z.string().min(1),
  env: EnvMap.optional(),
  state_id_suffix: z.string().optional(),
  config: z
    .looseObject({
      plugins: z.partialRecord(z.enum(PLUGIN_TYPES), z.array(EnvPluginOverride).nullish()).nullish(),
    })
    .nullish(),
});

const FileSchema = z.looseObject({
  default_environment: z.string().nullish(),
  include_paths: z.array(z.string()).optional(),
  env: EnvMap.optional(),
  plugins: z.partialRecord(z.enum(PLUGIN_TYPES), z.array(PluginSchema).nullish()).nullish(),
  jobs: z.array(JobSchema).nullish(),
  schedules: z.array(ScheduleSchema).nullish(),
  environments: z.array(EnvironmentSchema).nullish(),
});
type FileContent = z.infer<typeof FileSchema>;

/** Something read from a file, with where it is. */
export interface Located<T> {
  value: T;
  file: YamlFile;
  path: YamlPath;
}

export type JobDef = z.infer<typeof JobSchema>;
export type ScheduleDef = z.infer<typeof ScheduleSchema>;
export type EnvironmentDef = z.infer<typeof EnvironmentSchema>;

export interface MeltanoProject {
  dir: string;
  main: YamlFile;
  files: YamlFile[];
  defaultEnvironment: string | null;
  environments: Located<EnvironmentDef>[];
  env: Record<string, string>;
  plugins: Map<PluginType, Located<PluginDef>[]>;
  jobs: Located<JobDef>[];
  schedules: Located<ScheduleDef>[];
  /** Names of the variables `.env` sets; their values are never read. */
  dotenvKeys: Set<string>;
}

export function meltanoFile(dir: string): string {
  return path.join(dir, MELTANO_FILE);
}

/** True when the folder holds a Meltano project (for the extension's one-time import offer). */
export function hasMeltanoProject(dir: string): boolean {
  try {
    return fs.statSync(meltanoFile(dir)).isFile();
  } catch {
    return false;
  }
}

function validate(y: YamlFile, action: string): FileContent {
  const value: unknown = y.doc.toJS() ?? {};
  if (!isPlainObject(value)) throw usageError(`${y.shown} line 1: the file must be a mapping of keys such as plugins, jobs and schedules; ${action}.`);
  const parsed = FileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const p = issue.path.filter((x): x is string | number => typeof x !== 'symbol');
    const reason = issue.code === 'invalid_union' ? 'not one of the forms Meltano accepts here' : issue.message.replace(/^Invalid input: /, '');
    throw usageError(`${where(y, p)}: ${pathText(p) || 'the file'} is not valid for Meltano (${reason}); ${action}.`);
  }
  return parsed.data;
}

/**
 * Reads and validates the project. `action` ends every refusal: what the user should do (e.g. "fix it
 * and import again"); `shownDir` is how messages name the folder ('' for the workspace itself).
 */
export function loadMeltanoProject(dir: string, action = 'fix it and import again', shownDir = ''): MeltanoProject {
  const mainFile = meltanoFile(dir);
  if (!fs.existsSync(mainFile)) throw usageError(`${dir} holds no ${MELTANO_FILE}; give the folder of a Meltano project.`);
  const shown = (rel: string): string => (shownDir === '' ? rel : path.posix.join(shownDir.split(path.sep).join('/'), rel));
  const main = readYaml(mainFile, shown(MELTANO_FILE), action);
  const mainContent = validate(main, action);
  const files: { y: YamlFile; c: FileContent }[] = [{ y: main, c: mainContent }];
  for (const pattern of mainContent.include_paths ?? []) {
    for (const rel of globFiles(dir, pattern)) {
      const abs = path.join(dir, rel);
      if (abs === mainFile || files.some((f) => f.y.file === abs)) continue;
      const y = readYaml(abs, shown(rel.split(path.sep).join('/')), action);
      files.push({ y, c: validate(y, action) });
    }
  }

  const project: MeltanoProject = {
    dir,
    main,
    files: files.map((f) => f.y),
    defaultEnvironment: mainContent.default_environment ?? null,
    environments: [],
    env: { ...(mainContent.env ?? {}) },
    plugins: new Map(PLUGIN_TYPES.map((t) => [t, []])),
    jobs: [],
    schedules: [],
    dotenvKeys: readDotenvKeys(path.join(dir, '.env')),
  };
  const seen = new Map<string, Located<unknown>>();
  const unique = (kind: string, name: string, loc: Located<unknown>): void => {
    const key = `${kind}\0${name}`;
    const first = seen.get(key);
    if (first) {
      throw usageError(`${where(loc.file, loc.path)}: the ${kind} "${name}" is defined twice (first at ${where(first.file, first.path)}); ${action}.`);
    }
    seen.set(key, loc);
  };
  for (const { y, c } of files) {
    for (const type of PLUGIN_TYPES) {
      (c.plugins?.[type] ?? []).forEach((p, i) => {
        const loc = { value: p, file: y, path: ['plugins', type, i] };
        unique(type.replace(/s$/, ''), p.name, loc);
        project.plugins.get(type)!.push(loc);
      });
    }
    (c.jobs ?? []).forEach((j, i) => {
      const loc = { value: j, file: y, path: ['jobs', i] };
      unique('job', j.name, loc);
      project.jobs.push(loc);
    });
    (c.schedules ?? []).forEach((s, i) => {
      const loc = { value: s, file: y, path: ['schedules', i] };
      unique('schedule', s.name, loc);
      project.schedules.push(loc);
    });
    (c.environments ?? []).forEach((e, i) => {
      const loc = { value: e, file: y, path: ['environments', i] };
      unique('environment', e.name, loc);
      project.environments.push(loc);
    });
  }
  return project;
}

/** Variable names set by a dotenv file (`KEY=value`, `export KEY=value`); values are not kept. */
export function readDotenvKeys(file: string): Set<string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return new Set();
  }
  const keys = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=/.exec(line);
    if (m) keys.add(m[1]!);
  }
  return keys;
}

export function findPlugin(project: MeltanoProject, name: string): { type: PluginType; plugin: Located<PluginDef> } | undefined {
  for (const type of PLUGIN_TYPES) {
    const p = project.plugins.get(type)!.find((x) => x.value.name === name);
    if (p) return { type, plugin: p };
  }
  return undefined;
}

/** The mappers whose `mappings` define this name (Meltano refuses a name that two of them define). */
export function findMappings(project: MeltanoProject, name: string): Located<PluginDef>[] {
  return project.plugins.get('mappers')!.filter((m) => (m.value.mappings ?? []).some((x) => x.name === name));
}

/** A plugin definition with `inherit_from` and lock files followed, as Meltano resolves it. */
export interface ResolvedPlugin {
  name: string;
  type: PluginType;
  namespace: string;
  executable: string;
  pipUrl: string | null;
  capabilities: string[];
  settings: Setting[];
  /** The names a setting's environment variable starts with: this plugin's, its namespace, its parents'. */
  envPrefixes: string[];
  /** The folder under `.meltano/<type>/` of its virtualenv. */
  venvDirName: string;
  /** Config from meltano.yml, parents first; `select` and the other extras likewise. */
  config: Record<string, unknown>;
  /** The part of `config` that comes from the parents (a mapping keeps it, but not the mapper's own). */
  inheritedConfig: Record<string, unknown>;
  /** A mapper's mappings, as its own entry lists them. */
  mappings: { name: string; config: Record<string, unknown> }[];
  /** Whether its definition (executable, capabilities, settings' kinds) was read from the project or a lock file, not assumed. */
  definitionKnown: boolean;
  env: Record<string, string>;
  extras: Pick<PluginDef, 'catalog' | 'state' | 'select' | 'select_filter' | 'metadata' | 'schema' | 'load_schema'>;
  located: Located<PluginDef>;
  /** How the definition was found, for the report; null when it is all in the project files. */
  definitionNote: string | null;
}

const EXTRA_KEYS = ['catalog', 'state', 'select', 'select_filter', 'metadata', 'schema', 'load_schema'] as const;

export function resolvePlugin(project: MeltanoProject, type: PluginType, name: string, chain: string[] = []): ResolvedPlugin {
  const located = project.plugins.get(type)!.find((p) => p.value.name === name);
  if (!located) throw new Error(`internal: no ${type} plugin ${name}`);
  const def = located.value;
  if (chain.includes(name)) {
    throw usageError(`${where(located.file, located.path)}: ${name} inherits from itself through ${[...chain, name].join(' -> ')}; break the cycle.`);
  }
  let base: Omit<ResolvedPlugin, 'located'> | null = null;
  let definitionNote: string | null = null;
  let definitionKnown = true;
  if (def.inherit_from) {
    const parentInProject = project.plugins.get(type)!.some((p) => p.value.name === def.inherit_from);
    if (parentInProject) base = resolvePlugin(project, type, def.inherit_from, [...chain, name]);
    else {
      const lock = readLock(project, type, def.inherit_from, def.variant);
      base = lock ? fromLock(lock.def, def.inherit_from, type) : null;
      definitionKnown = lock !== null;
      definitionNote = lock
        ? `definition of ${def.inherit_from} read from ${lock.shown}`
        : `inherits from ${def.inherit_from}, which is neither in the project nor locked under plugins/${type}/ (Meltano would ask its hub); assumed its executable is "${def.inherit_from}"`;
      if (!base) base = fromLock({}, def.inherit_from, type);
    }
  } else if (def.namespace === undefined) {
    // Not custom: Meltano takes the definition from its hub, pinned by a lock file.
    const lock = readLock(project, type, name, def.variant);
    base = fromLock(lock?.def ?? {}, name, type);
    definitionKnown = lock !== null;
    definitionNote = lock
      ? `definition read from ${lock.shown}`
      : `its definition comes from Meltano's hub and no lock file under plugins/${type}/ pins it; assumed its executable is "${def.executable ?? name}"`;
  }

  const pipUrl = def.pip_url !== undefined ? (def.pip_url ?? null) : (base?.pipUrl ?? null);
  const venvDirName = !def.inherit_from || !base ? name : def.pip_url === undefined || def.pip_url === base.pipUrl ? base.venvDirName : name;
  const settings = mergeSettings(base?.settings ?? [], def.settings ?? []);
  const extras: ResolvedPlugin['extras'] = { ...(base?.extras ?? {}) };
  for (const k of EXTRA_KEYS) if (def[k] !== undefined) (extras as Record<string, unknown>)[k] = def[k];
  return {
    name,
    type,
    namespace: def.namespace ?? base?.namespace ?? name.replace(/-/g, '_'),
    executable: def.executable ?? base?.executable ?? name,
    pipUrl,
    capabilities: def.capabilities ?? base?.capabilities ?? [],
    settings,
    envPrefixes: unique([name, def.namespace ?? base?.namespace ?? name.replace(/-/g, '_'), ...(base?.envPrefixes ?? [])]),
    venvDirName,
    config: { ...(base?.config ?? {}), ...(def.config ?? {}) },
    inheritedConfig: { ...(base?.config ?? {}) },
    mappings: (def.mappings ?? []).map((m) => ({ name: m.name, config: m.config ?? {} })),
    definitionKnown: definitionKnown && (base?.definitionKnown ?? true),
    env: { ...(base?.env ?? {}), ...(def.env ?? {}) },
    extras,
    located,
    definitionNote: definitionNote ?? base?.definitionNote ?? null,
  };
}

function fromLock(lock: Partial<PluginDef>, name: string, type: PluginType): Omit<ResolvedPlugin, 'located'> {
  const namespace = lock.namespace ?? name.replace(/-/g, '_');
  return {
    name,
    type,
    namespace,
    executable: lock.executable ?? lock.name ?? name,
    pipUrl: lock.pip_url ?? null,
    capabilities: lock.capabilities ?? [],
    settings: lock.settings ?? [],
    envPrefixes: [name, namespace],
    venvDirName: name,
    config: {},
    inheritedConfig: {},
    mappings: [],
    definitionKnown: true,
    env: {},
    extras: {},
    definitionNote: null,
  };
}

function readLock(project: MeltanoProject, type: PluginType, name: string, variant: string | undefined): { def: Partial<PluginDef>; shown: string } | null {
  const dir = path.join(project.dir, 'plugins', type);
  let candidates: string[];
  try {
    candidates = fs.readdirSync(dir).filter((f) => (variant ? f === `${name}--${variant}.lock` : f === `${name}.lock` || f.startsWith(`${name}--`)) && f.endsWith('.lock'));
  } catch {
    return null;
  }
  const file = candidates.sort()[0];
  if (!file) return null;
  const shown = path.posix.join('plugins', type, file);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  } catch (err) {
    throw usageError(`${shown} is not valid JSON (${(err as Error).message}); run \`meltano lock --update\` or remove it.`, err);
  }
  const parsed = LockSchema.safeParse(value);
  if (!parsed.success) throw usageError(`${shown} is not a Meltano lock file (${parsed.error.issues[0]?.message}); run \`meltano lock --update\`.`);
  return { def: parsed.data, shown };
}

function mergeSettings(base: Setting[], own: Setting[]): Setting[] {
  const out = [...base];
  for (const s of own) {
    const i = out.findIndex((b) => b.name === s.name);
    if (i >= 0) out[i] = { ...out[i]!, ...s };
    else out.push(s);
  }
  return out;
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** The environment runs use: the one asked for, else `default_environment`; null when none. */
export function activeEnvironment(project: MeltanoProject, name?: string): Located<EnvironmentDef> | null {
  const wanted = name ?? project.defaultEnvironment;
  if (!wanted) return null;
  const env = project.environments.find((e) => e.value.name === wanted);
  if (!env) {
    throw usageError(
      `${name ? `the Meltano environment "${name}"` : `${where(project.main, ['default_environment'])}: default_environment "${wanted}"`} is not among the project's environments (${project.environments.map((e) => e.value.name).join(', ') || 'none'}).`,
    );
  }
  return env;
}
