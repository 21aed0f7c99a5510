/**
 * The relay's rules as one synchronous loop, like `cat`'s: read what the tap wrote, check the whole
 * lines, write them to the target, keep the unfinished line for the next read. It runs on a worker
 * thread (threadRelay.ts) for a tap that writes a line at a time, fast: there the event loop's relay
 * (relay.ts) spends more CPU than two cores have to spare (docs/relay.md). The I/O is given to it, so
 * the same loop runs in the tests over buffers in memory.
 *
 * The rules are relay.ts's (DESIGN §5): whole lines only, in order; the first line that is not a JSON
 * object with a string "type" ends the target's input after the line before it; a target that is gone
 * leaves the tap drained to its end so it cannot block; an unfinished last line is dropped (and
 * counted) when the tap is being stopped, and checked like any other line when it is not.
 * Back-pressure is the I/O's own: a blocking write to a full pipe holds the loop, and so the tap.
 */
import { LineChecker } from './lineChecker';
import type { RelayResult } from './relay';
import { ReadTally, type ReadCounts } from './tapWrites';
import type { BadLine } from './lineChecker';

const NL = 0x0a;
/** A pipe holds 64 KiB: a read never takes more, and a line longer than this goes to `pending`. */
const READ_BYTES = 256 * 1024;

export interface LoopIo {
  /** Blocks until the tap wrote something; 0 at the end of its output. Throws on a read error. */
  read(into: Buffer, at: number, length: number): number;
  /** Writes some of the bytes (blocking while the target's pipe is full); throws once the target is gone. */
  write(from: Buffer, at: number, length: number): number;
  /** Ends the target's input (closes its end of the pipe). */
  endTarget(): void;
}

export interface LoopHooks {
  /** At once, when a bad line is found: the tap is stopped then, not at its end. */
  onBadLine(bad: BadLine): void;
  /** At most every `progressMs`, and once at the end: the counts so far. */
  onProgress(records: Record<string, number>): void;
  /** Asked at the end of the output, when an unfinished line is left: is the tap being stopped? */
  stopping(): boolean;
  progressMs: number;
  now(): number;
}

export interface LoopResult extends RelayResult {
  /** How the tap wrote, as this loop read it (tapWrites.ts). */
  reads: ReadCounts;
}

export function relayLoop(io: LoopIo, hooks: LoopHooks): LoopResult {
  const checker = new LineChecker();
  const tally = new ReadTally(hooks.now);
  const buf = Buffer.allocUnsafe(READ_BYTES);
  /** The start of an unfinished line, as read, when it did not fit in `buf` (a huge line). */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** buf[0, kept) holds the start of an unfinished line. */
  let kept = 0;
  let targetClosed = false;
  let targetEnded = false;
  let droppedTailBytes = 0;
  let lastProgress = hooks.now();

  const endTarget = (): void => {
    if (targetEnded) return;
    targetEnded = true;
    io.endTarget();
  };
  /** Writes all of b, unless the target is gone: then the loop drains the tap from here on. */
  const forward = (b: Buffer, from: number, to: number): void => {
    for (let at = from; at < to && !targetClosed; ) {
      try {
        at += io.write(b, at, to - at);
      } catch {
        targetClosed = true;
        pending = [];
        pendingBytes = 0;
        kept = 0;
      }
    }
  };
  const draining = (): boolean => targetClosed || checker.badLine !== null;
  const badLineFound = (): void => {
    endTarget();
    hooks.onBadLine(checker.badLine!);
  };

  for (;;) {
    let n: number;
    try {
      n = io.read(buf, kept, buf.length - kept);
    } catch {
      break; // as relay.ts on the source's 'error': the target gets what came before
    }
    if (n === 0) break;
    tally.add(n);
    if (draining()) {
      kept = 0; // read and forgotten: the tap must not block
      continue;
    }
    const end = kept + n;
    let from = 0;
    if (pendingBytes > 0) {
      // A huge line goes on: it ends in this read or is kept whole, as relay.ts keeps it.
      const nl = buf.indexOf(NL, 0);
      if (nl < 0 || nl >= end) {
        pending.push(Buffer.from(buf.subarray(0, end)));
        pendingBytes += end;
        kept = 0;
        continue;
      }
      pending.push(buf.subarray(0, nl + 1));
      const parts = checker.checkParts(pending, pendingBytes + nl + 1);
      pending = [];
      pendingBytes = 0;
      if (!parts) {
        badLineFound();
        continue;
      }
      for (const p of parts) forward(p, 0, p.length);
      from = nl + 1;
    } else if (buf.lastIndexOf(NL, end - 1) < kept) {
      // No line ends in this read: nothing to check yet (an unfinished line is not scanned again).
      kept = end;
      if (kept === buf.length) {
        pending.push(Buffer.from(buf));
        pendingBytes = kept;
        kept = 0;
      }
      continue;
    }
    const upto = checker.scan(buf, from, end);
    forward(buf, from, upto);
    if (checker.badLine) {
      badLineFound();
      continue;
    }
    if (targetClosed) continue;
    // A line ended in this read (or the bad line would be set), so upto > 0: what is kept fits.
    buf.copy(buf, 0, upto, end);
    kept = end - upto;
    const now = hooks.now();
    if (now - lastProgress >= hooks.progressMs) {
      lastProgress = now;
      hooks.onProgress(checker.records());
    }
  }

  const tailBytes = pendingBytes + kept;
  if (!draining() && tailBytes > 0) {
    if (hooks.stopping()) {
      droppedTailBytes = tailBytes;
    } else {
      // A last line without a newline: check and forward it like any other.
      if (kept > 0) pending.push(buf.subarray(0, kept));
      const parts = checker.checkParts(pending, tailBytes);
      if (parts) for (const p of parts) forward(p, 0, p.length);
      else badLineFound();
    }
  }
  hooks.onProgress(checker.records());
  endTarget();
  return {
    lines: checker.lines,
    records: checker.records(),
    otherMessages: checker.otherMessages,
    parsedLines: checker.parsedLines,
    badLine: checker.badLine,
    targetClosed,
    droppedTailBytes,
    reads: tally.snapshot(),
  };
}
