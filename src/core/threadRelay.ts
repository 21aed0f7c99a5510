/**
 * The relay on a worker thread, for a tap that writes a line at a time, fast (tapWrites.ts chooses
 * it): relayLoop.ts between two pipes (fifoPipes.ts), with the same options and result as relay.ts's
 * event loop relay. The event loop only passes on what the thread tells it: progress, a bad line (so
 * the tap is stopped at once), and whether an unfinished last line is cut by a stop.
 *
 * The thread blocks in its reads and writes, as `cat` does: that is what makes it cheap. It cannot
 * outlive the job: its reads end when every holder of the tap's stdout has closed it (the tap exited,
 * or was killed with its process group), its writes when the target reads or is gone (EPIPE).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { FifoPipes } from './fifoPipes';
import type { RelayOptions } from './relay';
import type { LoopResult } from './relayLoop';
import { ANSWER_NO, ANSWER_YES, CLOSED_TO_TARGET, closeBothEnds, SHARED_SLOTS, STOPPING_ANSWER, type FromRelayThread, type RelayThreadData } from './relayThreadProtocol';

/**
 * The thread's script: dist/relay-worker.js beside the bundle; in the tests, which run the sources,
 * relayWorker.ts beside this file.
 */
export function relayWorkerFile(): string | null {
  for (const name of ['relay-worker.js', 'relayWorker.ts']) {
    const file = path.join(__dirname, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/**
 * Relays from `pipes.fromTap` to `pipes.toTarget` on a new thread, which owns both from now on.
 * `done` rejects only when the thread itself fails (its script cannot run): both ends are closed by then, so
 * the target's input has ended and the tap's writes fail.
 *
 * Started once the tap is spawned: the thread's ~20 ms start overlaps the tap's. Started before the
 * target, it took CPU from the spawns: a 10-record job took 140-150 ms against 136-146 (12 runs each).
 */
export function relayOnThread(file: string, pipes: FifoPipes, options: RelayOptions = {}): RelayOnThread {
  const shared = new SharedArrayBuffer(SHARED_SLOTS * 4);
  const flags = new Int32Array(shared);
  const data: RelayThreadData = { fromTap: pipes.fromTap, toTarget: pipes.toTarget, progressMs: options.progressMs ?? 500, shared };
  pipes.handOver();
  // The thread marks the target's end closed before it closes it, so this is true before the target
  // can have seen its input end: the main thread may get the target's exit before the thread's news.
  const endedTargetInput = (): boolean => Atomics.load(flags, CLOSED_TO_TARGET) === 1;
  const done = new Promise<LoopResult>((resolve, reject) => {
    let worker: Worker;
    try {
      // Loaded here, not with the bundle: only jobs on a thread need it, and every command would pay ~0.4 ms.
      const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
      // The thread closes ends it did not open: Node would warn about each, on the command's stderr.
      const common = { workerData: data, trackUnmanagedFds: false };
      worker = file.endsWith('.ts')
        ? // The sources, as the unit tests run them: through tsx's loader in the thread too.
          new Worker(`require(${JSON.stringify(file)})`, { ...common, eval: true, execArgv: [...process.execArgv, '--require', 'tsx/cjs'] })
        : new Worker(file, common);
    } catch (err) {
      closeBothEnds(flags, data);
      reject(new Error(`the relay's thread could not start: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    let settled: LoopResult | null = null;
    let failure: string | null = null;
    worker.on('message', (m: FromRelayThread) => {
      switch (m.kind) {
        case 'progress':
          options.onProgress?.(m.records);
          break;
        case 'badLine':
          options.onBadLine?.(m.bad);
          break;
        case 'stopping?':
          Atomics.store(flags, STOPPING_ANSWER, options.stopping?.() ? ANSWER_YES : ANSWER_NO);
          Atomics.notify(flags, STOPPING_ANSWER);
          break;
        case 'done':
          settled = m.result;
          break;
        case 'failed':
          failure = m.message;
          break;
      }
    });
    worker.on('error', (err) => {
      failure ??= err.message;
    });
    worker.on('exit', () => {
      closeBothEnds(flags, data);
      if (settled) resolve(settled);
      else reject(new Error(`the relay's thread failed: ${failure ?? 'it exited without a result'}`));
    });
  });
  return { done, endedTargetInput };
}

export interface RelayOnThread {
  /** What the relay did, once the thread has ended. */
  done: Promise<LoopResult>;
  /** Whether the thread has ended the target's input (its output ended, or a bad line), as of now. */
  endedTargetInput(): boolean;
}
