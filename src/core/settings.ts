/**
 * The `singer.*` settings as the CLI sees them: the workspace's `.vscode/settings.json` when it has
 * one (so a headless run behaves like the editor), else the defaults the extension contributes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDuration } from './duration';
import { usageError } from './errors';

export interface SingerSettings {
  databasePath: string;
  defaultFrequencyMs: number;
  stopGracePeriodSeconds: number;
  catchUp: 'once' | 'skip';
  logRetention: number;
}

export const DEFAULT_SETTINGS: SingerSettings = {
  databasePath: '.singer/db.json',
  defaultFrequencyMs: 3_600_000,
  stopGracePeriodSeconds: 60,
  catchUp: 'once',
  logRetention: 100,
};

/** Applies raw `singer.*` values over the defaults, refusing ones that make no sense. */
export function settingsFrom(raw: Record<string, unknown>, where: string): SingerSettings {
  const s = { ...DEFAULT_SETTINGS };
  const get = (k: string): unknown => raw[`singer.${k}`];
  const bad = (k: string, v: unknown, want: string): never => {
    throw usageError(`${where}: singer.${k} is ${JSON.stringify(v)}; it must be ${want}.`);
  };
  const db = get('databasePath');
  if (db !== undefined) s.databasePath = typeof db === 'string' && db !== '' ? db : bad('databasePath', db, 'a path');
  const freq = get('defaultReplicationFrequency');
  if (freq !== undefined) {
    const ms = typeof freq === 'string' ? parseDuration(freq) : undefined;
    s.defaultFrequencyMs = ms !== undefined && ms >= 1000 ? ms : bad('defaultReplicationFrequency', freq, 'a duration such as "1h"');
  }
  const grace = get('stopGracePeriodSeconds');
  if (grace !== undefined) s.stopGracePeriodSeconds = typeof grace === 'number' && grace >= 0 ? grace : bad('stopGracePeriodSeconds', grace, 'a number >= 0');
  const catchUp = get('catchUp');
  if (catchUp !== undefined) s.catchUp = catchUp === 'once' || catchUp === 'skip' ? catchUp : bad('catchUp', catchUp, '"once" or "skip"');
  const keep = get('logRetention');
  if (keep !== undefined) s.logRetention = typeof keep === 'number' && Number.isInteger(keep) && keep >= 1 ? keep : bad('logRetention', keep, 'a whole number >= 1');
  return s;
}

export function readWorkspaceSettings(workspace: string): SingerSettings {
  const file = path.join(workspace, '.vscode', 'settings.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(stripJsonc(text));
  } catch (err) {
    throw usageError(`${file} is not valid JSON with comments (${(err as Error).message}). Fix it so the singer.* settings can be read.`, err);
  }
  return settingsFrom(typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}, file);
}

/** VS Code's settings files allow comments and trailing commas. */
export function stripJsonc(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}
