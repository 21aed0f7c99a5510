/**
 * Reads a tap's output ahead of the relay's checks, so a tap that writes in bursts is not held up by them.
 *
 * Many taps write in bursts: a page of an API's records, a block of a table's rows, then a pause while
 * they fetch or format the next. The tap's socket holds ~200 KiB, so a larger burst blocks the tap
 * until the relay has read it; a relay that checks each read before it reads again keeps the tap
 * blocked for all its checking, and the tap's next fetch waits for it. Here a large read is held and
 * the socket read again first; what is held is checked once a turn of the event loop brings no large
 * read (the burst is over), in slices that end at a line's end, so a tap that starts writing again is
 * read between two slices. A tap that writes a little at a time (singer-python and singer-sdk flush
 * every message) gives small reads, handed on at once as before. docs/relay.md has the measurements.
 *
 * Bounds: at most `maxBytes` are held (past that, everything held is handed on at once), none for
 * longer than `maxHoldMs` while the tap keeps writing, and nothing is handed on while the relay has
 * paused the tap (back-pressure), so the target's queue keeps its own bound.
 */

const NL = 0x0a;

/** The most bytes held before the relay has checked them: more than a typical burst of a fast tap. */
export const READ_AHEAD_BYTES = 4 * 1024 * 1024;
/** A read this large is taken for part of a burst; a tap read as it writes line by line gives a few KiB. */
export const LARGE_READ_BYTES = 32 * 1024;
/** Bytes handed on between two looks at the socket (0.1-0.3 ms of checking at the slowest layouts). */
export const SLICE_BYTES = 64 * 1024;
/** How long held output waits for a tap that never stops writing before some of it is checked. */
export const MAX_HOLD_MS = 5;

export interface ReadAheadOptions {
  maxBytes?: number;
  largeReadBytes?: number;
  sliceBytes?: number;
  maxHoldMs?: number;
  /** Runs `fn` on the event loop's next turn, after it has looked for more to read (setImmediate). */
  nextTurn?: (fn: () => void) => void;
  now?: () => number;
  /** Whether the relay has paused the tap: nothing is handed on until `resumed()` is called. */
  paused?: () => boolean;
}

export class ReadAhead {
  private readonly held: Buffer[] = [];
  private heldBytes = 0;
  /** A large read came since the last turn: the tap is still writing a burst. */
  private bursting = false;
  /** When output was last handed on, or started to be held. */
  private since = 0;
  private scheduled = false;
  private readonly maxBytes: number;
  private readonly largeReadBytes: number;
  private readonly sliceBytes: number;
  private readonly maxHoldMs: number;
  private readonly nextTurn: (fn: () => void) => void;
  private readonly now: () => number;
  private readonly paused: () => boolean;

  constructor(
    private readonly deliver: (chunk: Buffer) => void,
    options: ReadAheadOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? READ_AHEAD_BYTES;
    this.largeReadBytes = options.largeReadBytes ?? LARGE_READ_BYTES;
    this.sliceBytes = options.sliceBytes ?? SLICE_BYTES;
    this.maxHoldMs = options.maxHoldMs ?? MAX_HOLD_MS;
    this.nextTurn = options.nextTurn ?? setImmediate;
    this.now = options.now ?? performance.now.bind(performance);
    this.paused = options.paused ?? (() => false);
  }

  /** Whether output is held: its memory is not the reader's to read into again. */
  get holding(): boolean {
    return this.heldBytes > 0;
  }

  /**
   * Takes one read. A large read means the tap writes faster than it is read (it is likely blocked
   * on a full pipe now): the chunk is held and read again first. A small one is handed on at once
   * when nothing is held, as if there were no read-ahead; else after what is held.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const large = chunk.length >= this.largeReadBytes;
    if (!large && this.heldBytes === 0) {
      this.deliver(chunk);
      return;
    }
    if (this.heldBytes === 0) this.since = this.now();
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    this.bursting = large;
    if (this.heldBytes > this.maxBytes && !this.paused()) this.flush();
    else this.schedule();
  }

  /** Hands on everything held, in order (the tap's output ended, or too much is held). */
  flush(): void {
    while (this.held.length > 0) {
      const chunk = this.held.shift() as Buffer;
      this.heldBytes -= chunk.length;
      this.deliver(chunk);
    }
    this.since = this.now();
  }

  /** The relay resumed the tap: hand on what is held again. */
  resumed(): void {
    if (this.heldBytes > 0) this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.nextTurn(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    if (this.heldBytes === 0 || this.paused()) return;
    const reading = this.bursting;
    this.bursting = false;
    if (reading && this.now() - this.since < this.maxHoldMs) {
      this.schedule(); // the tap is still writing: read what it writes first
      return;
    }
    this.handOnSlice();
    this.since = this.now();
    if (this.heldBytes > 0) this.schedule();
  };

  /** Hands on about `sliceBytes`, ending at a line's end. */
  private handOnSlice(): void {
    let budget = this.sliceBytes;
    while (budget > 0 && this.held.length > 0) {
      const chunk = this.held[0];
      let cut = chunk.length;
      if (chunk.length > budget) {
        // The last line end within the budget; a longer line goes whole, up to its end.
        let nl = chunk.lastIndexOf(NL, budget - 1);
        if (nl < 0) nl = chunk.indexOf(NL, budget);
        if (nl >= 0) cut = nl + 1;
      }
      if (cut === chunk.length) this.held.shift();
      else this.held[0] = chunk.subarray(cut);
      this.heldBytes -= cut;
      budget -= cut;
      this.deliver(cut === chunk.length ? chunk : chunk.subarray(0, cut));
    }
  }
}
