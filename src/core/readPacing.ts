/**
 * When to read a slow tap's output again: a tap that writes a line at a time (singer-python and
 * singer-sdk flush every message) woke the relay for every line or two. Each wake-up costs a read,
 * a write to the target, a wake-up of the target and Node's own work, ~10-15 µs of CPU a line for a
 * singer-python tap writing ~60,000 lines a second: almost as much CPU as the tap itself, taken from
 * the core the target needs. While the tap writes slowly, the relay lets its output gather for a
 * millisecond between reads; the socket holds far more than that. A tap that writes fast, or in
 * bursts (a large read, or the first read after a pause), is read at once as before. docs/relay.md
 * has the measurements.
 */

/** Below this rate (bytes a millisecond, over a window of small reads close together), reads are paced. */
export const SLOW_BYTES_PER_MS = 16 * 1024;
/** How long the output gathers between two reads of a slow tap (Node's timers: 1-2 ms). */
export const PAUSE_MS = 1;
/**
 * Only reads smaller than this make a trickle; a larger one is part of a burst (a paced read of a slow
 * tap gets ~32 KiB at most). Not readAhead.ts's LARGE_READ_BYTES, which asks whether a burst goes on.
 */
export const TRICKLE_READ_BYTES = 64 * 1024;
/** Two reads this close are a trickle (a paced read comes 1-2 ms after the last). */
export const TRICKLE_GAP_MS = 3;
/** The rate is measured over windows of this length. */
export const WINDOW_MS = 5;

export class ReadPacing {
  private windowStart = 0;
  private windowBytes = 0;
  private slow = false;
  private lastBytes = Infinity;
  private lastAt = -Infinity;

  constructor(private readonly now: () => number = performance.now.bind(performance)) {}

  /** Takes one read's size; answers how long to wait before reading again (0: read on). */
  afterRead(bytes: number): number {
    const now = this.now();
    const trickle = bytes < TRICKLE_READ_BYTES && this.lastBytes < TRICKLE_READ_BYTES && now - this.lastAt <= TRICKLE_GAP_MS;
    this.lastBytes = bytes;
    this.lastAt = now;
    if (!trickle) {
      // A large read (the tap wrote much meanwhile), or the first after an idle gap (a burst may
      // start: a tap that fetched its next page): read on, and measure a new window from here.
      this.slow = false;
      this.windowStart = now;
      this.windowBytes = 0;
      return 0;
    }
    this.windowBytes += bytes;
    const elapsed = now - this.windowStart;
    if (elapsed >= WINDOW_MS) {
      this.slow = this.windowBytes / elapsed < SLOW_BYTES_PER_MS;
      this.windowStart = now;
      this.windowBytes = 0;
    }
    return this.slow ? PAUSE_MS : 0;
  }
}
