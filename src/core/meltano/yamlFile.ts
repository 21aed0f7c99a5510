/**
 * YAML files of a Meltano project, parsed with their positions so that every refusal names the file
 * and the line (`meltano.yml line 12: ...`). Parsing keeps the Document, so an update can keep the
 * user's comments and unrelated keys.
 */
import * as fs from 'node:fs';
import { LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { usageError } from '../errors';

export type YamlPath = readonly (string | number)[];

export interface YamlFile {
  /** Absolute path. */
  readonly file: string;
  /** How messages name it: relative to the workspace folder, e.g. `meltano.yml` or `mp/meltano.yml`. */
  readonly shown: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/** Parses YAML text; a syntax error is refused with one sentence naming the file and line. */
export function parseYaml(file: string, shown: string, text: string, action: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, merge: true });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0].line ?? lines.linePos(err.pos[0]).line;
    const reason = (err.message.split('\n')[0] ?? err.code).replace(/ at line \d+, column \d+:?$/, '');
    throw usageError(`${shown} line ${line}: ${lowerFirst(reason)}, so it is not valid YAML; ${action}.`);
  }
  return { file, shown, text, doc, lines };
}

export function readYaml(file: string, shown: string, action: string): YamlFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read ${shown}: ${(err as Error).message}.`, err);
  }
  return parseYaml(file, shown, text, action);
}

/** The 1-based line of the node at `path`, or of its nearest ancestor that exists. */
export function lineOf(y: YamlFile, path: YamlPath): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? y.doc.contents : (y.doc.getIn(path.slice(0, n), true) as Node | undefined);
    if (node && typeof node === 'object' && 'range' in node && node.range) return Math.max(1, y.lines.linePos(node.range[0]).line);
  }
  return 1;
}

/** `meltano.yml line 12`: how reports and errors point at a place. */
export function where(y: YamlFile, path: YamlPath): string {
  return `${y.shown} line ${lineOf(y, path)}`;
}

/** `plugins.extractors[2].config`: a path as the user reads it in the file. */
export function pathText(path: YamlPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * Whether block sequences in the text are indented under their key (`key:\n  - a`) or not
 * (`key:\n- a`, as Meltano itself writes them), so an update keeps the file's style.
 */
export function detectIndentSeq(text: string): boolean {
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const key = /^(\s*)[^\s#-][^#]*:\s*(#.*)?$/.exec(lines[i]!);
    if (!key) continue;
    const item = /^(\s*)- /.exec(lines[i + 1]!);
    if (!item) continue;
    return item[1]!.length > key[1]!.length;
  }
  return false;
}

function lowerFirst(s: string): string {
  return s.length > 0 ? s[0]!.toLowerCase() + s.slice(1) : s;
}
