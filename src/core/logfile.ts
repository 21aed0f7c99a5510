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

export class LogWriter {
  private readonly stream: fs.WriteStream;
  private closed = false;
  constructor(
    readonly file: string,
    private readonly redactor: Redactor,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.stream = fs.createWriteStream(file, { flags: 'a' });
    this.stream.on('error', () => {
      /* a full disk must not crash the runner; the job's status still records the outcome */
    });
  }

  write(source: LogSource, level: LogLevel, text: string): void {
    if (this.closed) return;
    const clean = this.redactor.redact(text).replace(/\r?\n/g, ' ');
    this.stream.write(`${new Date().toISOString()} ${source} ${level} ${clean}\n`);
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
    return new Promise((resolve) => this.stream.end(resolve));
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
