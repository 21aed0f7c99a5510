/**
 * The small languages of a Meltano project, reproduced as Meltano reads them: fnmatch patterns
 * (select rules), `include_paths` globs (Python's Path.glob), `$VAR` / `${VAR}` references in
 * values, environment variable names of settings, and dotted setting names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Python's fnmatch.fnmatch on POSIX: case-sensitive; `*` also matches dots and slashes. */
export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchRegExp(pattern).test(name);
}

const fnmatchCache = new Map<string, RegExp>();

function fnmatchRegExp(pattern: string): RegExp {
  let re = fnmatchCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${translate(pattern, '[\\s\\S]*', '[\\s\\S]')}$`);
    fnmatchCache.set(pattern, re);
  }
  return re;
}

function translate(pattern: string, star: string, one: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') out += star;
    else if (c === '?') out += one;
    else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      else if (body.startsWith('^')) body = `\\${body}`;
      out += `[${body}]`;
      i = j;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

/** Escapes a literal name for an fnmatch pattern (`[*]`, `[?]`, `[[]`). */
export function fnmatchEscape(name: string): string {
  return name.replace(/[*?[]/g, (c) => `[${c}]`);
}

/**
 * Files matched by `include_paths` patterns, relative to the project: Python's Path.glob, where
 * `*` stays within one path segment and `**` matches any number of directories. Sorted, unique.
 */
export function globFiles(root: string, pattern: string): string[] {
  const segments = pattern.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.');
  const found = new Set<string>();
  const walk = (dir: string, i: number): void => {
    if (i === segments.length) {
      if (isFile(path.join(root, dir))) found.add(dir);
      return;
    }
    const seg = segments[i]!;
    if (seg === '**') {
      walk(dir, i + 1);
      for (const d of subdirs(path.join(root, dir))) walk(path.join(dir, d), i);
      return;
    }
    if (seg === '..') {
      walk(path.join(dir, '..'), i + 1);
      return;
    }
    if (!/[*?[]/.test(seg)) {
      walk(path.join(dir, seg), i + 1);
      return;
    }
    const re = new RegExp(`^${translate(seg, '[^/]*', '[^/]')}$`);
    for (const entry of entries(path.join(root, dir))) if (re.test(entry)) walk(path.join(dir, entry), i + 1);
  };
  walk('', 0);
  return [...found].sort();
}

function entries(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Meltano's ENV_VAR_PATTERN: an optional backslash escape, then `${name}` or `$NAME`. */
const ENV_REF = /(\\)?\$(?:\{(\w+)\}|([A-Z][A-Z0-9_]*))/g;

export interface EnvRef {
  name: string;
  escaped: boolean;
}

export function envRefs(text: string): EnvRef[] {
  return [...text.matchAll(ENV_REF)].map((m) => ({ name: (m[2] ?? m[3])!, escaped: m[1] !== undefined }));
}

/** The variable a whole value consists of (`$TOKEN` or `${TOKEN}`), if it is exactly one reference. */
export function wholeEnvRef(text: string): string | null {
  const m = /^\$(?:\{(\w+)\}|([A-Z][A-Z0-9_]*))$/.exec(text);
  return m ? (m[1] ?? m[2])! : null;
}

/**
 * Expands references as Meltano does, with `lookup` answering a variable's value or undefined when
 * it comes from outside the project files; escaped references become literal `$NAME`.
 */
export function expandEnvRefs(text: string, lookup: (name: string) => string | undefined): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = text.replace(ENV_REF, (all, escape: string | undefined, curly: string | undefined, plain: string | undefined) => {
    const name = (curly ?? plain)!;
    const restored = curly !== undefined ? `\${${name}}` : `$${name}`;
    if (escape !== undefined) return restored;
    const v = lookup(name);
    if (v === undefined) {
      unresolved.push(name);
      return all;
    }
    return v;
  });
  return { value, unresolved };
}

/** Protects a literal value from Meltano's expansion: `$HOME` becomes `\$HOME`. */
export function escapeEnvRefs(text: string): string {
  return text.replace(/\$(\{\w+\}|[A-Z][A-Z0-9_]*)/g, '\\$$$1');
}

/** Meltano's utils.to_env_var: `to_env_var('tap-x', 'api.key')` is `TAP_X_API_KEY`. */
export function toEnvVar(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .map((p) => p.replace(/[^A-Za-z0-9]/g, '_').toUpperCase())
    .join('_');
}

/** Splits a dotted setting name at dots that are not backslash-escaped; `\.` becomes a literal dot. */
export function splitSettingPath(name: string): string[] {
  return name.split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, '.'));
}

export function escapeSettingKey(key: string): string {
  return key.replace(/\./g, '\\.');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Meltano's flatten(config, "dot"): nested mappings become dotted names (kept escaped). */
export function flattenConfig(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (isPlainObject(v) && Object.keys(v).length > 0) Object.assign(out, flattenConfig(v, key));
    else out[key] = v;
  }
  return out;
}

/** Meltano's nest_object as a Singer plugin's config is built: dotted names become nested mappings. */
export function nestConfig(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flat)) {
    if (value === null || value === undefined) continue;
    const parts = splitSettingPath(name);
    let node = out;
    for (const p of parts.slice(0, -1)) {
      if (!isPlainObject(node[p])) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    const last = parts[parts.length - 1]!;
    node[last] = isPlainObject(value) && isPlainObject(node[last]) ? { ...(node[last] as object), ...value } : value;
  }
  return out;
}
