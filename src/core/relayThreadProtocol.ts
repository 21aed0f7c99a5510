/** The messages between threadRelay.ts (the main thread) and relayWorker.ts (the relay's thread). */
import * as fs from 'node:fs';
import type { BadLine } from './lineChecker';
import type { LoopResult } from './relayLoop';

export interface RelayThreadData {
  fromTap: number;
  toTarget: number;
  progressMs: number;
  /** Int32 slots, below: what the thread has closed, and the main thread's answer to `stopping?`. */
  shared: SharedArrayBuffer;
}

/** Set to 1 just before that end is closed (closeEnd): after the thread exits, the main thread closes what it has not. */
export const CLOSED_FROM_TAP = 0;
export const CLOSED_TO_TARGET = 1;
/** 0 until the main thread answers `stopping?`. */
export const STOPPING_ANSWER = 2;
export const ANSWER_NO = 1;
export const ANSWER_YES = 2;
export const SHARED_SLOTS = 3;

/**
 * Closes an end of the relay's pipes once, whichever thread gets there first, and marks it closed
 * before it does: a number closed twice may by then be another file's.
 */
export function closeEnd(flags: Int32Array, slot: typeof CLOSED_FROM_TAP | typeof CLOSED_TO_TARGET, fd: number): void {
  if (Atomics.exchange(flags, slot, 1) === 1) return;
  try {
    fs.closeSync(fd);
  } catch {
    // not open: nothing to release
  }
}

/** Closes both ends that are still open: the thread as it ends, the main thread after it exited (it may have failed first). */
export function closeBothEnds(flags: Int32Array, { fromTap, toTarget }: Pick<RelayThreadData, 'fromTap' | 'toTarget'>): void {
  closeEnd(flags, CLOSED_FROM_TAP, fromTap);
  closeEnd(flags, CLOSED_TO_TARGET, toTarget);
}

export type FromRelayThread =
  | { kind: 'progress'; records: Record<string, number> }
  | { kind: 'badLine'; bad: BadLine }
  /** An unfinished last line is left: the thread waits for the answer in STOPPING_ANSWER. */
  | { kind: 'stopping?' }
  | { kind: 'done'; result: LoopResult }
  | { kind: 'failed'; message: string };
