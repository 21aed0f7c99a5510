/**
 * The relay between the tap's stdout and the target's stdin. It forwards whole lines only, with
 * back-pressure, counts RECORD messages per stream, and stops at the first line that is not a JSON
 * object with a string "type" (DESIGN §5): the target gets everything before that line and nothing
 * after it. To keep up with a raw pipe it parses as little as it can: the usual singer-python and
 * singer-sdk layouts (`{"type": "RECORD", "stream": "x", ...`) are recognised by their bytes; any
 * other line is parsed with JSON.parse.
 *
 * Why it is built this way (measured on a 2-core machine with 1M records / 220 MB from
 * test/fixtures/bench, raw `sh -c 'tap | sink'` ≈ 0.40-0.47 s when the machine is quiet; always
 * compared in the same run, alternated, because the machine is noisy):
 *
 * - With two cores, the tap, the target and the relay share them: every millisecond of CPU the relay
 *   spends is taken from the tap or the target, so it must be cheap per byte and per line. The
 *   previous relay spent ~200 ms of CPU per 1M lines classifying them (a native `Buffer.compare`
 *   call per line, an object lookup per record, a 64 KiB `Buffer.concat` per chunk for the line cut
 *   between two chunks) and ran at 0.53-0.67× the raw pipe. `LineChecker` needs ~45 ns a line
 *   (~60 ms for 1M lines in a fresh process, JIT warm-up included): one `indexOf` per line (memchr),
 *   then the line's head compared with the previous RECORD's head (`{"type": "RECORD", "stream":
 *   "users"`) 4 bytes at a time through a DataView (a native `compare` per line is 2× slower, a
 *   byte loop 1.7× slower), then its last byte; records are counted in a plain counter.
 * - The tap and the target talk to Unix stream sockets, relayed on the main thread. A socket holds
 *   ~200 KB where a pipe holds 64 KiB, so the Python tap and target block and wake up less often:
 *   they spent 0.02-0.05 s of system time each instead of 0.06-0.09 s behind a raw pipe, which pays
 *   for much of the extra hop (a bare `tap.stdout.pipe(target.stdin)` ran at 0.96-1.03× the raw
 *   pipe). The tap's output is read into large buffers (tapOutput.ts) rather than through
 *   child_process's stdout stream, 64 KiB a read: 3-4 % faster again. Measured and rejected:
 *     · a worker_thread running a synchronous read/write loop (1 MiB buffer) on FIFOs made with
 *       `mkfifo` and opened without blocking (O_RDWR, then the two ends): 0.72-0.79×. FIFOs are
 *       64 KiB pipes (Node cannot F_SETPIPE_SZ), so each read returns ≤ 64 KiB and every 64 KiB costs
 *       a blocking read, a blocking write and wake-ups on both sides (the worker was blocked ~250 ms
 *       reading and ~230 ms writing per run), the Python processes pay the pipe system time above,
 *       and a worker costs ~25 ms of CPU to start.
 *     · a worker_thread reading the tap's FIFO and handing 1 MiB blocks to the main thread, which
 *       writes them to the target's socket: slower still (0.83 s against 0.59 s for this relay).
 *     · the stream relay inside a worker_thread that spawns the tap and target itself (so the main
 *       thread stays idle): 0.75-0.89×, with twice the CPU of the main-thread relay.
 *     · writing to the target's socket with fs.writeSync and retrying on EAGAIN: more CPU, slower.
 *     · one writev per event-loop turn (cork until setImmediate): no measurable difference.
 *   The main-thread relay costs the event loop ~50 µs per 64 KiB chunk, which leaves it free for
 *   stderr, timers and stop requests.
 * - The line cut between two chunks is joined in a small buffer and written with the rest of the
 *   chunk in one writev (cork/uncork): one syscall and one wake-up of the target per chunk. The tap
 *   is paused only when MAX_BUFFERED bytes wait for the target, not at every 16 KiB high-water mark,
 *   so the tap can run ahead while the target and the relay share a core.
 */
import type { Readable, Writable } from 'node:stream';

const NL = 0x0a;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
/** singer-python's layout, then the compact one (singer-sdk, most others). */
const PREFIXES = ['{"type": "RECORD", "stream": "', '{"type":"RECORD","stream":"'].map((p) => Buffer.from(p));
const TYPE_PREFIXES = ['{"type": "', '{"type":"'].map((p) => Buffer.from(p));
/** The head kept of a huge line: enough to classify it, without copying 50 MB. */
const HEAD_BYTES = 64 * 1024;
/**
 * Bytes the target may have waiting before the tap is paused (back-pressure). Measured: 8 MiB beats
 * 1 MiB (0.93-0.94× vs 0.87-0.90× the raw pipe, same runs): the tap can run ahead while the target
 * and the relay share a core, and the memory stays bounded.
 */
const MAX_BUFFERED = 8 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);

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

/** The tap's output as the relay reads it. */
export interface RelaySource {
  /** Gives 'end' and 'error'; pause() and resume() apply back-pressure to the tap. */
  readonly stream: Readable;
  /** Delivers the output chunk by chunk from now on; each chunk is the relay's to keep. */
  onChunk(deliver: (chunk: Buffer) => void): void;
  /**
   * Tells the source how to see that the relay holds no chunk it was given (everything written to
   * the target, nothing kept), so the source may read into that memory again.
   */
  reuseWhen?(idle: () => boolean): void;
}

/** A plain readable stream (child_process's stdout pipe, a test's PassThrough) as a source. */
export function streamSource(stream: Readable): RelaySource {
  return { stream, onChunk: (deliver) => stream.on('data', deliver) };
}

export interface RelayOptions {
  /** Called at most every `progressMs` with the counts so far (a fresh object each time). */
  onProgress?: (records: Readonly<Record<string, number>>) => void;
  progressMs?: number;
  /**
   * Whether the tap is being stopped. A tap killed by a signal may leave half a line: that tail is
   * dropped (and reported) instead of failing a job the user meant to cancel.
   */
  stopping?: () => boolean;
  /** Bytes the target may have waiting before the tap is paused (default 8 MiB). */
  maxBufferedBytes?: number;
  /** Called once, as soon as a bad line is found, so the tap is stopped at once (not at its end). */
  onBadLine?: (bad: BadLine) => void;
}

/**
 * Checks tap output line by line and counts what it sees; knows nothing of streams. After a line
 * that fails, `badLine` is set and nothing more may be fed.
 */
export class LineChecker {
  lines = 0;
  otherMessages = 0;
  badLine: BadLine | null = null;
  private readonly counts = new Map<string, number>();
  /** The stream of the last RECORD, and its records not yet added to `counts`. */
  private streamName = '';
  private streamCount = 0;
  /**
   * The bytes the last fast-path RECORD line started with, through the stream name's closing quote:
   * a line that starts with the same bytes is a RECORD of the same stream.
   */
  private head: Buffer = EMPTY;
  /** `head` as little-endian 32-bit words (its last length % 4 bytes are compared one by one). */
  private headWords = new Uint32Array(0);

  /** The counts so far, as a new object. */
  records(): Record<string, number> {
    this.flushCount();
    return Object.fromEntries(this.counts);
  }

  /**
   * Checks the complete lines of buf[start, end): returns where the first line that is not checked
   * begins — `end`, the start of an unfinished last line, or the start of a bad line (`badLine` set).
   */
  scan(buf: Buffer, start: number, end: number): number {
    let s = start;
    let hl = this.head.length;
    let words = this.headWords;
    let nw = words.length;
    // Comparing the head 4 bytes at a time through a DataView costs half the byte-by-byte loop.
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (;;) {
      const nl = buf.indexOf(NL, s);
      if (nl < 0 || nl >= end) return s;
      let same = hl > 0 && nl - s > hl;
      if (same) {
        for (let i = 0; i < nw; i++) {
          if (view.getUint32(s + 4 * i, true) !== words[i]) {
            same = false;
            break;
          }
        }
        if (same) {
          const head = this.head;
          for (let i = nw * 4; i < hl; i++) {
            if (buf[s + i] !== head[i]) {
              same = false;
              break;
            }
          }
        }
      }
      if (same) {
        // The same layout and stream as the last RECORD: only its end is left to check.
        this.lines++;
        let l = nl - 1;
        let c = buf[l];
        while (c === SPACE || c === CR || c === TAB) c = buf[--l];
        if (c !== CLOSE) {
          this.fail(this.lines, buf.subarray(s, nl), 'it is not a JSON object');
          return s;
        }
        this.streamCount++;
      } else {
        if (!this.checkLine(buf, s, nl)) return s;
        hl = this.head.length;
        words = this.headWords;
        nw = words.length;
      }
      s = nl + 1;
    }
  }

  /**
   * Checks one line held in several buffers (a line cut between chunks, or a huge one), ending with
   * its newline or, at the end of the output, without one. Returns the buffers to forward (the line
   * joined when it is small), or null when it is bad.
   */
  checkParts(parts: Buffer[], bytes: number): Buffer[] | null {
    if (bytes <= HEAD_BYTES * 2) {
      const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
      const end = line[line.length - 1] === NL ? line.length - 1 : line.length;
      return this.checkLine(line, 0, end) ? [line] : null;
    }
    // Huge line (50 MB records must pass): look at its head and its last bytes only.
    const head = Buffer.concat(parts, HEAD_BYTES).subarray(0, HEAD_BYTES);
    const tailByte = lastNonSpace(parts);
    this.lines++;
    const lineNumber = this.lines;
    if (head[firstNonSpace(head, 0, head.length)] !== OPEN || tailByte !== CLOSE) {
      this.fail(lineNumber, head, 'it is not a JSON object');
      return null;
    }
    if (!this.typeFromHead(head)) {
      this.fail(lineNumber, head, 'it has no string "type" near its start');
      return null;
    }
    return parts;
  }

  /** Checks buf[start, end) (end is the newline's index, or the end of the output). */
  checkLine(buf: Buffer, start: number, end: number): boolean {
    this.lines++;
    // Fast path: the layouts taps write for RECORD messages.
    if (buf[start] === OPEN && buf[start + 1] === QUOTE) {
      const p = buf[start + 8] === SPACE ? PREFIXES[0]! : PREFIXES[1]!;
      if (end - start > p.length && sameBytes(buf, start, p)) {
        const nameStart = start + p.length;
        const q = buf.indexOf(QUOTE, nameStart);
        if (q >= 0 && q < end && !hasByte(buf, BACKSLASH, nameStart, q)) {
          let last = end - 1;
          while (last > start && (buf[last] === SPACE || buf[last] === CR || buf[last] === TAB)) last--;
          if (buf[last] !== CLOSE) return this.fail(this.lines, buf.subarray(start, end), 'it is not a JSON object');
          const headLen = q + 1 - start;
          if (this.head.length !== headLen || !sameBytes(buf, start, this.head)) {
            this.countStream(buf.toString('utf8', nameStart, q));
            this.setHead(Buffer.from(buf.subarray(start, q + 1)));
          } else {
            this.streamCount++;
          }
          return true;
        }
        // an escaped stream name: the slow path decodes it
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
    if (m.type === 'RECORD' && typeof m.stream === 'string') this.countStream(m.stream);
    else this.otherMessages++;
    return true;
  }

  private countStream(name: string): void {
    if (name === this.streamName) {
      this.streamCount++;
      return;
    }
    this.flushCount();
    this.streamName = name;
    this.streamCount = 1;
    this.setHead(EMPTY); // the head bytes belong to the previous stream
  }

  private setHead(head: Buffer): void {
    this.head = head;
    this.headWords = new Uint32Array(head.length >> 2);
    for (let i = 0; i < this.headWords.length; i++) this.headWords[i] = head.readUInt32LE(i * 4);
  }

  private flushCount(): void {
    if (this.streamCount > 0) {
      this.counts.set(this.streamName, (this.counts.get(this.streamName) ?? 0) + this.streamCount);
      this.streamCount = 0;
    }
  }

  /** Counts a huge line by its head; false when no string "type" is found there. */
  private typeFromHead(head: Buffer): boolean {
    for (const p of TYPE_PREFIXES) {
      if (head.compare(p, 0, p.length, 0, p.length) === 0) {
        const q = head.indexOf(QUOTE, p.length);
        if (q < 0) return false;
        const type = head.toString('utf8', p.length, q);
        if (type === 'RECORD') {
          const m = /"stream"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(head.toString('utf8', 0, Math.min(head.length, 4096)));
          if (m) this.countStream(JSON.parse(`"${m[1]}"`) as string);
        } else {
          this.otherMessages++;
        }
        return true;
      }
    }
    const m = /"type"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(head.toString('utf8', 0, Math.min(head.length, 4096)));
    if (!m) return false;
    this.otherMessages++;
    return true;
  }

  private fail(lineNumber: number, bytes: Buffer, reason: string): false {
    const excerpt = bytes.toString('utf8', 0, Math.min(bytes.length, 800)).slice(0, 200);
    this.badLine = { lineNumber, excerpt, reason };
    return false;
  }
}

export class Relay {
  private readonly checker = new LineChecker();
  private targetClosed = false;
  /** Bytes of the current unfinished line, as received (a huge line stays in its chunks). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private paused = false;
  private lastProgress = 0;
  private droppedTailBytes = 0;

  private readonly input: RelaySource;
  private readonly source: Readable;

  constructor(
    source: Readable | RelaySource,
    private readonly sink: Writable,
    private readonly options: RelayOptions = {},
  ) {
    this.input = 'onChunk' in source ? source : streamSource(source);
    this.source = this.input.stream;
  }

  run(): Promise<RelayResult> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        resolve({
          lines: this.checker.lines,
          records: this.checker.records(),
          otherMessages: this.checker.otherMessages,
          badLine: this.checker.badLine,
          targetClosed: this.targetClosed,
          droppedTailBytes: this.droppedTailBytes,
        });
      };
      const onData = (chunk: Buffer): void => {
        if (done || this.draining()) return; // the tap must not block on a full pipe
        this.take(chunk);
        if (this.checker.badLine) {
          this.endSink();
          this.options.onBadLine?.(this.checker.badLine);
        } else if (!this.paused && !this.targetClosed && this.sink.writableLength > (this.options.maxBufferedBytes ?? MAX_BUFFERED) && this.sink.writableNeedDrain) {
          // `drain` follows: a write returned false once the buffer passed its high-water mark.
          this.paused = true;
          this.source.pause();
        }
        this.progress();
      };
      const drainTap = (): void => {
        this.targetClosed = true;
        this.paused = false;
        this.pending = [];
        this.pendingBytes = 0;
        this.source.resume();
      };
      this.sink.on('drain', () => {
        if (this.paused) {
          this.paused = false;
          this.source.resume();
        }
      });
      // EPIPE: the target is gone. Keep draining the tap so it cannot block; the runner stops it.
      this.sink.on('error', drainTap);
      this.sink.on('close', () => {
        if (!this.sink.writableFinished) drainTap();
      });
      // The relay keeps copies of unfinished lines, so once the target has taken every write it
      // holds nothing of the source's.
      this.input.reuseWhen?.(() => this.sink.writableLength === 0);
      this.input.onChunk(onData);
      this.source.on('end', () => {
        if (!this.draining() && this.pendingBytes > 0) {
          const parts = this.pending;
          const bytes = this.pendingBytes;
          this.pending = [];
          this.pendingBytes = 0;
          if (this.options.stopping?.()) {
            this.droppedTailBytes = bytes;
          } else {
            // A last line without a newline: check and forward it like any other.
            const forward = this.checker.checkParts(parts, bytes);
            if (forward) for (const b of forward) this.sink.write(b);
          }
        }
        this.options.onProgress?.(this.checker.records());
        this.endSink();
        finish();
      });
      this.source.on('error', () => {
        this.endSink();
        finish();
      });
    });
  }

  private draining(): boolean {
    return this.targetClosed || this.checker.badLine !== null;
  }

  /** Checks a chunk and writes its whole good lines to the target, in one writev. */
  private take(chunk: Buffer): void {
    let from = 0;
    let joined: Buffer[] | null = null;
    if (this.pendingBytes > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.pending.push(Buffer.from(chunk)); // a copy: the source may reuse the chunk's memory
        this.pendingBytes += chunk.length;
        return;
      }
      const parts = this.pending;
      parts.push(chunk.subarray(0, nl + 1));
      const bytes = this.pendingBytes + nl + 1;
      this.pending = [];
      this.pendingBytes = 0;
      joined = this.checker.checkParts(parts, bytes);
      if (!joined) return;
      from = nl + 1;
    }
    const upto = this.checker.scan(chunk, from, chunk.length);
    const sink = this.sink;
    if (joined !== null && upto > from) {
      sink.cork();
      for (const b of joined) sink.write(b);
      sink.write(chunk.subarray(from, upto));
      sink.uncork();
    } else if (joined !== null) {
      for (const b of joined) sink.write(b);
    } else if (upto > from) {
      sink.write(chunk.subarray(from, upto));
    }
    if (upto < chunk.length && !this.checker.badLine) {
      this.pending.push(Buffer.from(chunk.subarray(upto)));
      this.pendingBytes = chunk.length - upto;
    }
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
      cb(this.checker.records());
    }
  }
}

function sameBytes(buf: Buffer, at: number, p: Buffer): boolean {
  const n = p.length;
  if (at + n > buf.length) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== p[i]) return false;
  return true;
}

function hasByte(buf: Buffer, byte: number, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === byte) return true;
  return false;
}

function firstNonSpace(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === SPACE || buf[i] === TAB || buf[i] === CR)) i++;
  return i;
}

function lastNonSpace(parts: Buffer[]): number | undefined {
  for (let p = parts.length - 1; p >= 0; p--) {
    const b = parts[p]!;
    for (let i = b.length - 1; i >= 0; i--) {
      const c = b[i]!;
      if (c !== SPACE && c !== TAB && c !== CR && c !== NL) return c;
    }
  }
  return undefined;
}
