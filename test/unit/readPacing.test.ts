/**
 * Pacing the reads of a slow tap (src/core/readPacing.ts), with a clock the test moves: nothing is
 * paced until a window of small reads close together has been measured, then each is followed by a
 * pause; a large read or the first read after an idle gap never is, and starts the measure again, so
 * a burst (with its small reads among the large) is read at once; a tap that speeds up is too.
 */
import * as assert from 'node:assert/strict';
import { TRICKLE_READ_BYTES, PAUSE_MS, ReadPacing, SLOW_BYTES_PER_MS, WINDOW_MS } from '../../src/core/readPacing';

function paced() {
  let clock = 1000;
  const pacing = new ReadPacing(() => clock);
  return {
    pacing,
    tick: (ms: number) => (clock += ms),
    /** Reads of `bytes` every millisecond for `ms`; the answer to the last one. */
    trickle(ms: number, bytes = 100): number {
      let wait = 0;
      for (let t = 0; t < ms; t++) {
        wait = pacing.afterRead(bytes);
        clock += 1;
      }
      return wait;
    },
  };
}

describe('pacing the reads of a slow tap', () => {
  it('reads on until a window has been measured, then pauses after each small read of a slow tap', () => {
    const { trickle } = paced();
    assert.equal(trickle(1, 200), 0, 'no pause before the rate is known');
    assert.equal(trickle(WINDOW_MS - 1, 200), 0, 'nor within the first window');
    assert.equal(trickle(1, 200), PAUSE_MS, 'a window at ~200 B/ms: the tap is slow');
    assert.equal(trickle(3, 300), PAUSE_MS);
  });

  it('never pauses after a large read, even while the tap was slow', () => {
    const { pacing, tick, trickle } = paced();
    assert.equal(trickle(WINDOW_MS + 1), PAUSE_MS);
    assert.equal(pacing.afterRead(TRICKLE_READ_BYTES), 0, 'a read this large: the tap wrote much meanwhile');
    tick(1);
    assert.equal(trickle(WINDOW_MS), 0, 'nor during the next window: a burst has small reads too');
    assert.equal(trickle(1), PAUSE_MS, 'a whole window of small reads close together: a trickle again');
  });

  it('does not pause at the start of a burst after an idle gap', () => {
    const { pacing, tick, trickle } = paced();
    assert.equal(trickle(WINDOW_MS + 1), PAUSE_MS, 'a slow trickle');
    tick(20); // the tap fetches its next page: nothing for 20 ms, so the window is slow
    assert.equal(pacing.afterRead(4000), 0, 'the first read after the gap: read on, a burst may follow');
    tick(0.01);
    assert.equal(pacing.afterRead(4000), 0, 'and the small reads right after it, for a window');
    assert.equal(trickle(WINDOW_MS + 1), PAUSE_MS, 'then the trickle is paced again');
  });

  it('reads on at once when the tap writes fast, and paces again when it slows down', () => {
    const { pacing, tick, trickle } = paced();
    assert.equal(trickle(WINDOW_MS + 1, 2 * SLOW_BYTES_PER_MS - 1), 0, 'a fast window');
    assert.equal(trickle(3, 100), 0, 'small reads right after a fast window are not paced');
    tick(0);
    assert.equal(trickle(WINDOW_MS + 1, 100), PAUSE_MS, 'a slow window again');
    assert.equal(pacing.afterRead(100), PAUSE_MS);
  });
});
