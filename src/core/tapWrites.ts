/**
 * How a tap writes its output, as the relay's reads see it, and so which relay its integration's next
 * job uses. A tap that writes each line with a system call of its own, hundreds of thousands a second,
 * keeps 1.5 of two cores busy in a raw pipe; the event loop's relay (relay.ts) then needs more CPU than
 * is left, and the loop on a thread (threadRelay.ts) needs less. Every other tap is relayed faster by
 * the event loop, and a thread costs ~40 ms to start. The job records what its relay saw
 * (`Job.tapWrites`), and the next one chooses from it: docs/relay.md has the measurements.
 *
 * Measured at 300,000 records through the event loop's relay, the share of reads under 16 KiB was
 * 16-27 % for the taps that write a line at a time, and 0-1 % for every layout written in blocks,
 * which gives reads of ~200 KiB. A tap doing real work per record (singer-sdk, ~2 MB/s) also gives
 * small reads, but slowly, and the event loop's relay keeps up with it: the rate tells them apart.
 */
import type { TapWrites } from './model';

/** A read under this is a tap's few lines; a tap writing blocks gives reads of ~200 KiB. */
export const SMALL_READ_BYTES = 16 * 1024;
/** Below this share of small reads, a tap writes in blocks. */
export const MIN_SMALL_READ_SHARE = 0.08;
/** A job shorter than this does not earn a thread's start (~40 ms), whatever its tap. */
export const MIN_BYTES = 32 * 1024 * 1024;
/** Slower than this (bytes a millisecond, while output came), the event loop's relay keeps up. */
export const MIN_BYTES_PER_MS = 40 * 1024;

/** What a relay's reads saw of the tap's output; the job keeps it with the relay that read it. */
export type ReadCounts = Omit<TapWrites, 'relay'>;

export class ReadTally {
  private bytes = 0;
  private reads = 0;
  private smallReads = 0;
  private first = -1;

  constructor(private readonly now: () => number = performance.now.bind(performance)) {}

  add(bytes: number): void {
    if (this.first < 0) this.first = this.now();
    this.bytes += bytes;
    this.reads++;
    if (bytes < SMALL_READ_BYTES) this.smallReads++;
  }

  /** Taken as the output ends: `readingMs` runs from the first read until now. */
  snapshot(): ReadCounts {
    return {
      bytes: this.bytes,
      reads: this.reads,
      smallReads: this.smallReads,
      readingMs: this.first < 0 ? 0 : Math.round(this.now() - this.first),
    };
  }
}

/** Whether the relay saw a tap that wrote a line at a time, fast, for long enough to earn a thread. */
export function fastLineTap(w: TapWrites | undefined | null): boolean {
  if (!w || w.bytes < MIN_BYTES || w.reads === 0) return false;
  return w.smallReads / w.reads >= MIN_SMALL_READ_SHARE && w.bytes / Math.max(1, w.readingMs) >= MIN_BYTES_PER_MS;
}
