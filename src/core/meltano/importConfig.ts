/**
 * A plugin's config and environment as Meltano would hand them over: meltano.yml's values with the
 * environment's overrides, setting defaults and `<PLUGIN>_<SETTING>` variables, with every value Meltano
 * would read from `.env` or the environment replaced by a secret reference (never copied).
 */
import type { WorkspacePaths } from '../paths';
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
 * defaults, and `<PLUGIN>_<SETTING>` variables, nested as Meltano nests dotted setting names.
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
