/**
 * The relay between the tap's stdout and the target's stdin: it forwards whole lines only, with
 * back-pressure, has each line checked and counted (lineChecker.ts), and stops at the first line that
 * is not a JSON object with a string "type" (DESIGN §5): the target gets everything before that line
 * and nothing after it. It reads the tap's output in large chunks, ahead of its checks while the tap
 * writes a burst and once a millisecond while it trickles (tapOutput.ts, readAhead.ts, readPacing.ts),
 * and writes each chunk's whole lines to the target in one writev, small ones gathered into one write
 * a millisecond (writeBatch.ts); docs/relay.md tells why, with the measurements.
 */
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { LineChecker, type BadLine } from './lineChecker';
import { WriteBatch } from './writeBatch';

const NL = 0x0a;
/**
 * Bytes the target may have waiting before the tap is paused (back-pressure). Measured: 8 MiB beats
 * 1 MiB (0.93-0.94× vs 0.87-0.90× the raw pipe, same runs): the tap can run ahead while the target
 * and the relay share a core, and the memory stays bounded.
 */
const MAX_BUFFERED = 8 * 1024 * 1024;

export type { BadLine };

export interface RelayResult {
  lines: number;
  records: Record<string, number>;
  /** Message types seen other than RECORD, counted (SCHEMA, STATE, ACTIVATE_VERSION, …). */
  otherMessages: number;
  /** Lines that went through JSON.parse (the rest were read at their ends only). */
  parsedLines: number;
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
  /** Hands on at once whatever the source read and still holds (its output ended). */
  flush?(): void;
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
  /** Every write to the target goes through it, so the target gets the lines in order. */
  private readonly out: WriteBatch;

  constructor(
    source: Readable | RelaySource,
    private readonly sink: Writable,
    private readonly options: RelayOptions = {},
  ) {
    this.input = 'onChunk' in source ? source : streamSource(source);
    this.source = this.input.stream;
    this.out = new WriteBatch(sink, { reuse: sink instanceof Socket });
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
          parsedLines: this.checker.parsedLines,
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
        this.out.discard();
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
        this.input.flush?.();
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
            if (forward) for (const b of forward) this.out.write(b);
          }
        }
        this.options.onProgress?.(this.checker.records());
        this.endSink();
        finish();
      });
      this.source.on('error', () => {
        this.input.flush?.();
        this.endSink();
        finish();
      });
    });
  }

  private draining(): boolean {
    return this.targetClosed || this.checker.badLine !== null;
  }

  /** Checks a chunk and writes its whole good lines to the target, in one writev or into the batch. */
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
    const out = this.out;
    if (joined !== null && upto > from) {
      this.sink.cork();
      for (const b of joined) out.write(b);
      out.write(chunk.subarray(from, upto));
      this.sink.uncork();
    } else if (joined !== null) {
      for (const b of joined) out.write(b);
    } else if (upto > from) {
      out.write(chunk.subarray(from, upto));
    }
    if (upto < chunk.length && !this.checker.badLine) {
      this.pending.push(Buffer.from(chunk.subarray(upto)));
      this.pendingBytes = chunk.length - upto;
    }
  }

  private endSink(): void {
    // A target that is gone had the batch discarded with it (drainTap), so this writes nothing then.
    this.out.flush();
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
