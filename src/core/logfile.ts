/**
 * A job's log file (DESIGN rule 15, §5 "Log lines"): `<time> <source> <LEVEL> <text>`, streamed to
 * disk line by line, never held whole in memory; secret values are replaced by `***`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type LogSource = 'runner' | 'tap' | 'target';
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

export class Redactor {
  private readonly secrets: string[];
  constructor(secrets: Iterable<string>) {
    // Longest first so a secret containing another is replaced whole.
    this.secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.replaceAll(s, '***');
    return out;
  }
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
