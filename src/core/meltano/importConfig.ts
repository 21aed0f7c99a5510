/**
 * A plugin's config and environment as Meltano would hand them over: meltano.yml's values with the
 * environment's overrides, setting defaults and `<PLUGIN>_<SETTING>` variables, with every value Meltano
 * would read from `.env` or the environment replaced by a secret reference (never copied).
 */
import type { WorkspacePaths } from '../paths';
import { isSecretRef } from '../secrets';
import { convertByKind, KIND_WORDS, kindOfMeltanoSetting } from '../settingKinds';
import { expandEnvRefs, flattenConfig, isPlainObject, nestConfig, toEnvVar, wholeEnvRef } from './patterns';
import type { EnvPluginOverrideDef, PluginType, ResolvedPlugin } from './project';
import type { Report } from './report';

export function environmentOverride(
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
export function workspaceRelativeDir(paths: WorkspacePaths, dir: string): string {
  const rel = paths.relative(dir);
  return rel === '' ? '.' : rel;
}

/**
 * Layers of `env:` mappings, each value expanded with what came before. A value that refers to a
 * variable from outside the project files cannot be known, so it is left out and reported.
 */
export function literalEnv(
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

export interface ConfigContext {
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
 * defaults, and `<PLUGIN>_<SETTING>` variables, nested as Meltano nests dotted setting names. A value
 * of a setting whose kind is known is converted as Meltano converts it: now when it is known, and at
 * run time (a typed secret) when it comes from the environment.
 */
export function pluginConfig(c: ConfigContext, override: EnvPluginOverrideDef | undefined): Record<string, unknown> {
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
  const untyped: string[] = [];
  for (const [k, v] of Object.entries(flat)) {
    expanded[k] = typed(expandValue(v, k, c), k, c);
    if (!plugin.definitionKnown && isSecretRef(expanded[k]) && !('kind' in (expanded[k] as object))) untyped.push(k);
  }
  if (untyped.length > 0) {
    c.report.add(
      'warning',
      `the kinds of ${plugin.name}'s settings are in its definition on Meltano's hub, which the import does not read: ${untyped.join(', ')} will reach it as text. ` +
        `Where one is a number, boolean, array or object, add its "kind" beside the "$secret" in the config file, or lock the plugin (\`meltano lock\`) and import again`,
      c.at,
      c.integration,
    );
  }
  return nestConfig(expanded);
}

/**
 * A mapping's config as Meltano hands it to the mapper: its top-level keys over the mapper's settings,
 * with `$VAR` references expanded but nothing converted by kind (meltano/core/plugin/singer/mapper.py).
 */
export function mappingConfig(c: ConfigContext, raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, expandValue(v, k, c)]));
}

/** Meltano converts a setting's text by its kind (setting_definition.py `cast_value`); so does the import. */
function typed(v: unknown, setting: string, c: ConfigContext): unknown {
  const def = c.plugin.settings.find((s) => s.name === setting);
  const kind = kindOfMeltanoSetting(def?.kind);
  if (kind === null || (!isSecretRef(v) && typeof v !== 'string')) return v;
  if (kind === 'number') {
    c.report.add('warning', `${c.plugin.name} setting ${setting} is a decimal given as text, which Meltano 4.4.1 fails on ("Object of type Decimal is not JSON serializable"); the engine passes it as a number`, c.at, c.integration);
  }
  if (isSecretRef(v)) return { ...v, kind };
  const r = convertByKind(v as string, kind);
  if (r.ok) return r.value;
  c.report.add(
    'warning',
    `${c.plugin.name} setting ${setting} is "${v as string}", which is not ${KIND_WORDS[kind]} as its kind ${def!.kind} requires (${r.reason}); Meltano would refuse to run it, and it is kept as text`,
    c.at,
    c.integration,
  );
  return v;
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
    if (isSecretRef(v)) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expandValue(x, setting, c)]));
  }
  return v;
}
