/**
 * The worker thread of threadRelay.ts: runs relayLoop.ts over the two pipes' ends it is given, and
 * tells the main thread what happens as it happens. Bundled on its own (dist/relay-worker.js), so a
 * thread loads the line checker and nothing else.
 */
import * as fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { relayLoop } from './relayLoop';
import { ANSWER_YES, CLOSED_TO_TARGET, closeBothEnds, closeEnd, STOPPING_ANSWER, type FromRelayThread, type RelayThreadData } from './relayThreadProtocol';

const post = (m: FromRelayThread): void => parentPort!.postMessage(m);

relay(workerData as RelayThreadData);

function relay({ fromTap, toTarget, progressMs, shared }: RelayThreadData): void {
  const flags = new Int32Array(shared);
  try {
    const result = relayLoop(
      {
        read: (into, at, length) => {
          for (;;) {
            try {
              return fs.readSync(fromTap, into, at, length, null);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'EINTR') throw err;
            }
          }
        },
        write: (from, at, length) => fs.writeSync(toTarget, from, at, length),
        endTarget: () => closeEnd(flags, CLOSED_TO_TARGET, toTarget),
      },
      {
        onBadLine: (bad) => post({ kind: 'badLine', bad }),
        onProgress: (records) => post({ kind: 'progress', records }),
        stopping: () => {
          post({ kind: 'stopping?' });
          // The main thread answers at once: its event loop only passes messages on.
          Atomics.wait(flags, STOPPING_ANSWER, 0, 10_000);
          return Atomics.load(flags, STOPPING_ANSWER) === ANSWER_YES;
        },
        progressMs,
        now: () => performance.now(),
      },
    );
    post({ kind: 'done', result });
  } catch (err) {
    post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
  } finally {
    closeBothEnds(flags, { fromTap, toTarget });
  }
}
