/**
 * A job's log file (DESIGN rule 15, §5 "Log lines"): `<time> <source> <LEVEL> <text>`, streamed to
 * disk line by line, never held whole in memory; secret values are replaced by `***`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type LogSource = 'runner' | 'tap' | 'mapper' | 'target';
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

const LEVEL_WORDS: Record<string, LogLevel> = {
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARN: 'WARNING',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
  CRITICAL: 'CRITICAL',
  FATAL: 'CRITICAL',
};
// singer-python writes "INFO message"; singer-sdk writes "2026-11-23 08:30:55,123 | INFO     | tap-x | message".
const PLAIN = /^(DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\b:?\s?/;
const SDK = /^(\d{4}-\d\d-\d\d[ T][\d:.,]+\s*\|\s*)(DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\s*\|\s?/;

/** The level a stderr line carries, and its text with the level word dropped. */
export function classifyStderr(line: string): { level: LogLevel; text: string } {
  const plain = PLAIN.exec(line);
  if (plain) return { level: LEVEL_WORDS[plain[1]!]!, text: line.slice(plain[0].length) };
  const sdk = SDK.exec(line);
  if (sdk) return { level: LEVEL_WORDS[sdk[2]!]!, text: sdk[1]! + line.slice(sdk[0].length) };
  return { level: 'INFO', text: line };
}

/**
 * Replaces secret values by `***` in every form a program is likely to print them: as they are,
 * JSON-escaped (`\"`, `\\`, `\u00f6` as Python's `json.dumps` writes non-ASCII by default, or the
 * character itself; escaped again inside another JSON string), and URL-encoded (`%C3%B6`, `+` for a
 * space). Each character of a secret may appear in any of its forms, so mixed encodings match too.
 */
export class Redactor {
  private readonly pattern: RegExp | null;
  constructor(secrets: Iterable<string>) {
    // Longest first so a secret containing another is replaced whole.
    const values = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
    this.pattern = values.length ? new RegExp(values.map(secretPattern).join('|'), 'g') : null;
  }
  redact(text: string): string {
    if (this.pattern === null) return text;
    this.pattern.lastIndex = 0;
    return text.replace(this.pattern, '***');
  }
}

function secretPattern(secret: string): string {
  return [...secret].map((ch) => `(?:${charForms(ch).join('|')})`).join('');
}

/** One or more backslashes: an escape, escaped again as often as a string was nested in JSON. */
const ESCAPE = '\\\\+';

/** The regular expressions one character of a secret may be printed as. */
function charForms(ch: string): string[] {
  const cp = ch.codePointAt(0)!;
  const forms = [escapeRegExp(ch)];
  // JSON (and JavaScript, Python) string escapes: \u00f6 (and \ud83d\ude00 beyond the BMP), \xf6, \", \n, …
  const units = cp > 0xffff ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [cp];
  forms.push(units.map((u) => `${ESCAPE}u${hexAnyCase(u.toString(16).padStart(4, '0'))}`).join(''));
  if (cp <= 0xff) forms.push(`${ESCAPE}x${hexAnyCase(cp.toString(16).padStart(2, '0'))}`);
  const short = SHORT_ESCAPES[ch];
  if (short !== undefined) forms.push(`${ESCAPE}${escapeRegExp(short)}`);
  // URL encoding of its UTF-8 bytes; a space may also be "+".
  if (!/[A-Za-z0-9]/.test(ch)) forms.push([...Buffer.from(ch, 'utf8')].map((b) => `%${hexAnyCase(b.toString(16).padStart(2, '0'))}`).join(''));
  if (ch === ' ') forms.push('\\+');
  return forms;
}

const SHORT_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', "'": "'", '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't' };

function hexAnyCase(hex: string): string {
  return [...hex].map((d) => (/[a-f]/i.test(d) ? `[${d.toLowerCase()}${d.toUpperCase()}]` : d)).join('');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Writes a job's log. A write the machine refuses (a full disk, a read-only folder) does not crash the
 * runner: the log stops there, cut back to its last whole line, and `onFailure` tells the runner, which
 * ends the job (DESIGN §5: one sentence naming the disk, exit 1).
 */
export class LogWriter {
  private readonly stream: fs.WriteStream | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly failureListeners: Array<(err: Error) => void> = [];
  constructor(
    readonly file: string,
    private readonly redactor: Redactor,
  ) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      this.stream = fs.createWriteStream(file, { flags: 'a' });
      this.stream.on('error', (err) => this.fail(err));
    } catch (err) {
      this.failure = err as Error;
      this.closed = true;
    }
  }

  /** The write that failed, once one has. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Called once when a write fails (at once when one already has). */
  onFailure(listener: (err: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  /** Secrets replaced, as the log writes text: for errors that go elsewhere (the job record). */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  write(source: LogSource, level: LogLevel, text: string): void {
    if (this.closed) return;
    const clean = this.redactor.redact(text).replace(/\r?\n/g, ' ');
    this.stream!.write(`${new Date().toISOString()} ${source} ${level} ${clean}\n`);
  }

  runner(text: string, level: LogLevel = 'INFO'): void {
    this.write('runner', level, text);
  }

  /** A stderr line of the tap or target, keeping the level it starts with. */
  stderr(source: 'tap' | 'target', line: string): void {
    const { level, text } = classifyStderr(line);
    this.write(source, level, text);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      this.stream!.once('error', () => resolve());
      this.stream!.end(resolve);
    });
  }

  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.closed = true;
    this.stream?.destroy();
    cutToLastLine(this.file);
    for (const l of this.failureListeners.splice(0)) l(err);
  }
}

/** A write cut short by a full disk leaves half a line: the log ends with its last whole one. Truncating needs no space. */
function cutToLastLine(file: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r+');
    const size = fs.fstatSync(fd).size;
    if (!fs.fstatSync(fd).isFile() || size === 0) return;
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const n = fs.readSync(fd, chunk, 0, end - start, start);
      const nl = chunk.subarray(0, n).lastIndexOf(0x0a);
      if (nl >= 0) {
        if (start + nl + 1 < size) fs.ftruncateSync(fd, start + nl + 1);
        return;
      }
      end = start;
    }
    fs.ftruncateSync(fd, 0);
  } catch {
    /* a device such as /dev/full, or a file that went away: nothing to cut */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Splits a byte stream into text lines without ever holding more than one line. */
export function onLines(stream: NodeJS.ReadableStream, handle: (line: string) => void, maxLineBytes = 64 * 1024): Promise<void> {
  return new Promise((resolve) => {
    let partial = '';
    stream.setEncoding?.('utf8');
    stream.on('data', (chunk: string) => {
      const text = partial + chunk;
      const lines = text.split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > maxLineBytes) {
        handle(`${partial.slice(0, maxLineBytes)} … (line cut at ${maxLineBytes} characters)`);
        partial = '';
      }
      for (const l of lines) handle(l.endsWith('\r') ? l.slice(0, -1) : l);
    });
    const finish = (): void => {
      if (partial !== '') handle(partial);
      partial = '';
      resolve();
    };
    stream.on('end', finish);
    stream.on('error', finish);
  });
}
