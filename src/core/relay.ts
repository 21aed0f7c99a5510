/**
 * The relay between the tap's stdout and the target's stdin. It forwards whole lines only, with
 * back-pressure, counts RECORD messages per stream, and stops at the first line that is not a JSON
 * object with a string "type" (DESIGN §5): the target gets everything before that line and nothing
 * after it. To keep up with a raw pipe it parses as little as it can: the usual singer-python and
 * singer-sdk layouts (`{"type": "RECORD", "stream": "x", ...`) are recognised by their bytes; any
 * other line is parsed with JSON.parse.
 */
import type { Readable, Writable } from 'node:stream';

const NL = 0x0a;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const PREFIXES = ['{"type": "RECORD", "stream": "', '{"type":"RECORD","stream":"'].map((p) => Buffer.from(p));
const TYPE_PREFIXES = ['{"type": "', '{"type":"'].map((p) => Buffer.from(p));
/** The head kept of a huge line: enough to classify it, without copying 50 MB. */
const HEAD_BYTES = 64 * 1024;

export interface BadLine {
  lineNumber: number;
  /** The first 200 characters of the line. */
  excerpt: string;
  reason: string;
}

export interface RelayResult {
  lines: number;
  records: Record<string, number>;
  /** Message types seen other than RECORD, counted (SCHEMA, STATE, ACTIVATE_VERSION, …). */
  otherMessages: number;
  badLine: BadLine | null;
  /** The target stopped reading (it exited or closed stdin) before the tap's output ended. */
  targetClosed: boolean;
  /** Bytes of an unfinished last line dropped because the tap was being stopped. */
  droppedTailBytes: number;
}

export interface RelayOptions {
  /** Called at most every `progressMs` with the counts so far. */
  onProgress?: (records: Readonly<Record<string, number>>) => void;
  progressMs?: number;
  /**
   * Whether the tap is being stopped. A tap killed by a signal may leave half a line: that tail is
   * dropped (and reported) instead of failing a job the user meant to cancel.
   */
  stopping?: () => boolean;
}

export class Relay {
  readonly records: Record<string, number> = Object.create(null) as Record<string, number>;
  private lines = 0;
  private other = 0;
  private badLine: BadLine | null = null;
  private targetClosed = false;
  /** Bytes of the current incomplete line, as received. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lastStreamBytes: Buffer = Buffer.alloc(0);
  private lastStreamName = '';
  private lastProgress = 0;
  private droppedTailBytes = 0;

  constructor(
    private readonly source: Readable,
    private readonly sink: Writable,
    private readonly options: RelayOptions = {},
  ) {}

  run(): Promise<RelayResult> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        this.source.removeListener('data', onData);
        resolve({
          lines: this.lines,
          records: { ...this.records },
          otherMessages: this.other,
          badLine: this.badLine,
          targetClosed: this.targetClosed,
          droppedTailBytes: this.droppedTailBytes,
        });
      };
      const onData = (chunk: Buffer): void => {
        if (this.badLine || this.targetClosed) return; // draining: the tap must not block on a full pipe
        const forward = this.take(chunk);
        if (forward.length > 0) {
          let ok = true;
          for (const b of forward) ok = this.sink.write(b) && ok;
          if (!ok && !this.targetClosed) {
            this.source.pause();
            this.sink.once('drain', () => this.source.resume());
          }
        }
        if (this.badLine) this.endSink();
        this.progress();
      };
      this.sink.on('error', () => {
        // EPIPE: the target is gone. Keep draining the tap so it cannot block; the runner stops it.
        this.targetClosed = true;
        this.source.resume();
      });
      this.sink.on('close', () => {
        if (!this.sink.writableFinished) {
          this.targetClosed = true;
          this.source.resume();
        }
      });
      this.source.on('data', onData);
      this.source.on('end', () => {
        if (!this.badLine && !this.targetClosed && this.pendingBytes > 0 && this.options.stopping?.()) {
          this.droppedTailBytes = this.pendingBytes;
          this.pending = [];
          this.pendingBytes = 0;
        } else if (!this.badLine && !this.targetClosed && this.pendingBytes > 0) {
          // A last line without a newline: check and forward it like any other.
          const line = this.pending;
          this.pending = [];
          const bytes = this.pendingBytes;
          this.pendingBytes = 0;
          if (this.classify(line, bytes)) for (const b of line) this.sink.write(b);
        }
        this.options.onProgress?.(this.records);
        this.endSink();
        finish();
      });
      this.source.on('error', () => {
        this.endSink();
        finish();
      });
    });
  }

  private endSink(): void {
    if (!this.sink.writableEnded && !this.sink.destroyed) this.sink.end();
  }

  private progress(): void {
    const cb = this.options.onProgress;
    if (!cb) return;
    const now = Date.now();
    if (now - this.lastProgress >= (this.options.progressMs ?? 500)) {
      this.lastProgress = now;
      cb(this.records);
    }
  }

  /** Consumes a chunk; returns the buffers to forward (whole, valid lines only). */
  private take(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let start = 0; // start of the current line within chunk
    let forwardFrom = 0; // start of the not yet forwarded part of chunk
    let nl = chunk.indexOf(NL, 0);
    while (nl >= 0) {
      let ok: boolean;
      if (this.pendingBytes > 0) {
        const parts = this.pending;
        parts.push(chunk.subarray(0, nl + 1));
        const bytes = this.pendingBytes + nl + 1;
        this.pending = [];
        this.pendingBytes = 0;
        ok = this.classify(parts, bytes);
        if (ok) out.push(...parts.slice(0, -1));
      } else {
        ok = this.classifyLine(chunk, start, nl);
      }
      if (!ok) {
        if (start > forwardFrom) out.push(chunk.subarray(forwardFrom, start));
        return out;
      }
      start = nl + 1;
      nl = chunk.indexOf(NL, start);
    }
    if (start > forwardFrom) out.push(chunk.subarray(forwardFrom, start));
    forwardFrom = start;
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
    }
    return out;
  }

  /** A line spread over several buffers (long lines, or lines split between chunks). */
  private classify(parts: Buffer[], bytes: number): boolean {
    if (bytes <= HEAD_BYTES * 2) {
      const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
      const end = line[line.length - 1] === NL ? line.length - 1 : line.length;
      return this.classifyLine(line, 0, end);
    }
    // Huge line (50 MB records must pass): look at its head and its last bytes only.
    const head = Buffer.concat(parts, HEAD_BYTES).subarray(0, HEAD_BYTES);
    const tailByte = lastNonSpace(parts);
    this.lines++;
    const lineNumber = this.lines;
    if (head[firstNonSpace(head, 0, head.length)] !== OPEN || tailByte !== CLOSE) {
      return this.fail(lineNumber, head, 'it is not a JSON object');
    }
    const type = this.typeFromHead(head);
    if (type === undefined) return this.fail(lineNumber, head, 'it has no string "type" near its start');
    return true;
  }

  /** Classifies chunk[start, end) (end is the newline's index). */
  private classifyLine(buf: Buffer, start: number, end: number): boolean {
    this.lines++;
    // Fast path: the layouts taps write for RECORD messages.
    for (const p of PREFIXES) {
      if (end - start > p.length && buf[start + 1] === p[1] && buf.compare(p, 0, p.length, start, start + p.length) === 0) {
        const nameStart = start + p.length;
        const q = buf.indexOf(QUOTE, nameStart);
        if (q < 0 || q >= end || hasByte(buf, BACKSLASH, nameStart, q)) break; // escaped names: the slow path
        let last = end - 1;
        while (last > start && (buf[last] === 0x20 || buf[last] === 0x0d || buf[last] === 0x09)) last--;
        if (buf[last] !== CLOSE) return this.fail(this.lines, buf.subarray(start, end), 'it is not a JSON object');
        this.count(buf, nameStart, q);
        return true;
      }
    }
    const first = firstNonSpace(buf, start, end);
    if (first >= end) return true; // blank line: harmless, forwarded as is
    // Other messages (SCHEMA, STATE, …) are rare: parse them properly.
    let msg: unknown;
    try {
      msg = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return this.fail(this.lines, buf.subarray(start, end), 'it is not valid JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return this.fail(this.lines, buf.subarray(start, end), 'it is not a JSON object');
    }
    const m = msg as { type?: unknown; stream?: unknown };
    if (typeof m.type !== 'string') return this.fail(this.lines, buf.subarray(start, end), 'it has no string "type"');
    if (m.type === 'RECORD' && typeof m.stream === 'string') {
      this.records[m.stream] = (this.records[m.stream] ?? 0) + 1;
    } else {
      this.other++;
    }
    return true;
  }

  private typeFromHead(head: Buffer): string | undefined {
    for (const p of TYPE_PREFIXES) {
      if (head.compare(p, 0, p.length, 0, p.length) === 0) {
        const q = head.indexOf(QUOTE, p.length);
        if (q < 0) return undefined;
        const type = head.toString('utf8', p.length, q);
        if (type === 'RECORD') {
          const m = /"stream"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(head.toString('utf8', 0, Math.min(head.length, 4096)));
          if (m) {
            const stream = JSON.parse(`"${m[1]}"`) as string;
            this.records[stream] = (this.records[stream] ?? 0) + 1;
          }
        } else {
          this.other++;
        }
        return type;
      }
    }
    const m = /"type"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(head.toString('utf8', 0, Math.min(head.length, 4096)));
    if (!m) return undefined;
    this.other++;
    return m[1];
  }

  private count(buf: Buffer, a: number, b: number): void {
    // Streams repeat: compare bytes with the previous name instead of decoding every time.
    let name: string;
    if (b - a === this.lastStreamBytes.length && buf.compare(this.lastStreamBytes, 0, b - a, a, b) === 0) {
      name = this.lastStreamName;
    } else {
      name = buf.toString('utf8', a, b);
      this.lastStreamBytes = Buffer.from(buf.subarray(a, b));
      this.lastStreamName = name;
    }
    this.records[name] = (this.records[name] ?? 0) + 1;
  }

  private fail(lineNumber: number, bytes: Buffer, reason: string): false {
    const excerpt = bytes.toString('utf8', 0, Math.min(bytes.length, 800)).slice(0, 200);
    this.badLine = { lineNumber, excerpt, reason };
    return false;
  }
}

function hasByte(buf: Buffer, byte: number, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === byte) return true;
  return false;
}

function firstNonSpace(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0d)) i++;
  return i;
}

function lastNonSpace(parts: Buffer[]): number | undefined {
  for (let p = parts.length - 1; p >= 0; p--) {
    const b = parts[p]!;
    for (let i = b.length - 1; i >= 0; i--) {
      const c = b[i]!;
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== NL) return c;
    }
  }
  return undefined;
}
