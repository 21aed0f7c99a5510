/**
 * Read-ahead (src/core/readAhead.ts), turn by turn: the event loop's turns and the clock are driven
 * by the test, so each rule is checked exactly: large reads are held while the tap keeps writing,
 * handed on in slices that end at a line's end once a turn finds nothing to read, never held past the
 * time or byte bound, never handed on while the relay has paused the tap, and always in order; small
 * reads (a tap that writes little at a time) go straight on.
 */
import * as assert from 'node:assert/strict';
import { ReadAhead } from '../../src/core/readAhead';

/** A read-ahead whose turns run only when the test says, with a clock the test moves. */
function harness(options: { maxBytes?: number; sliceBytes?: number; maxHoldMs?: number; largeReadBytes?: number } = {}) {
  const got: Buffer[] = [];
  let queued: (() => void)[] = [];
  let clock = 0;
  let paused = false;
  const ahead = new ReadAhead((chunk) => got.push(Buffer.from(chunk)), {
    maxBytes: options.maxBytes ?? 1000,
    sliceBytes: options.sliceBytes ?? 100,
    maxHoldMs: options.maxHoldMs ?? 5,
    largeReadBytes: options.largeReadBytes ?? 1, // every read counts as part of a burst, unless a test says
    nextTurn: (fn) => queued.push(fn),
    now: () => clock,
    paused: () => paused,
  });
  return {
    ahead,
    got,
    /** Everything handed on so far, as one string. */
    text: () => Buffer.concat(got).toString(),
    /** One turn of the event loop: what was scheduled before it runs. */
    turn() {
      const fns = queued;
      queued = [];
      for (const fn of fns) fn();
    },
    pending: () => queued.length,
    tick(ms: number) {
      clock += ms;
    },
    pause(p: boolean) {
      paused = p;
    },
  };
}

/** `n` lines of `width` bytes each, the newline included, numbered so that order shows. */
function lines(n: number, width: number, from = 0): string {
  let s = '';
  for (let i = from; i < from + n; i++) s += `${String(i).padStart(width - 2, '0')}x\n`;
  return s;
}

describe('reading a tap\'s output ahead of the checks', () => {
  it('holds reads while the tap keeps writing, then hands them on in line-ended slices, in order', () => {
    const h = harness();
    const all = lines(30, 20); // 600 bytes: six slices of 100
    h.ahead.push(Buffer.from(all.slice(0, 250)));
    h.turn(); // a read came in this turn: the tap is still writing
    h.ahead.push(Buffer.from(all.slice(250, 600)));
    h.turn();
    assert.equal(h.got.length, 0, 'nothing is checked while every turn brings a read');
    assert.ok(h.ahead.holding);
    h.turn(); // no read this turn: the burst is over
    assert.equal(h.text(), all.slice(0, 100), 'one slice, ending at a line end');
    let before = h.text().length;
    while (h.pending() > 0) {
      h.turn();
      const now = h.text();
      assert.ok(now.length - before <= 100 && now.endsWith('\n'), `a turn hands on at most a slice, up to a line end (${before}..${now.length})`);
      before = now.length;
    }
    assert.equal(h.text(), all);
    assert.equal(h.ahead.holding, false);
  });

  it('reads again between two slices when the tap starts writing again', () => {
    const h = harness();
    const all = lines(40, 20);
    h.ahead.push(Buffer.from(all.slice(0, 400)));
    h.turn();
    h.turn();
    assert.equal(h.text(), all.slice(0, 100));
    h.ahead.push(Buffer.from(all.slice(400, 800)));
    h.turn(); // a read came in: hold again
    assert.equal(h.text(), all.slice(0, 100));
    while (h.pending() > 0) h.turn();
    assert.equal(h.text(), all, 'what was read later follows what was held, byte for byte');
  });

  it('cuts a slice where its last line ends; a slice without a line end goes whole', () => {
    const h = harness({ sliceBytes: 100 });
    const long = `${'a'.repeat(250)}\n`;
    const short = lines(3, 30);
    h.ahead.push(Buffer.from(long + short));
    h.turn();
    h.turn();
    assert.equal(h.text(), long, 'a line longer than a slice is handed on whole, not cut');
    h.turn();
    assert.equal(h.text(), long + short.slice(0, 90), 'the next slice ends at the last line end within 100 bytes');
    h.turn();
    assert.equal(h.text(), long + short);
  });

  it('hands on a slice after the hold time even while the tap never stops writing', () => {
    const h = harness({ maxHoldMs: 5 });
    const all = lines(20, 10);
    for (let i = 0; i < 4; i++) {
      h.ahead.push(Buffer.from(all.slice(i * 40, i * 40 + 40)));
      h.tick(1);
      h.turn();
    }
    assert.equal(h.got.length, 0, 'within 5 ms, reads are held');
    h.ahead.push(Buffer.from(all.slice(160, 200)));
    h.tick(2);
    h.turn();
    assert.equal(h.text(), all.slice(0, 100), 'past 5 ms, a slice is checked though the tap is still writing');
    h.ahead.push(Buffer.from(''));
    h.turn();
    assert.equal(h.text(), all.slice(0, 200), 'the rest once the tap pauses');
  });

  it('hands on everything at once when more than the bound is held, in order', () => {
    const h = harness({ maxBytes: 300 });
    const all = lines(20, 20);
    h.ahead.push(Buffer.from(all.slice(0, 200)));
    h.ahead.push(Buffer.from(all.slice(200, 300)));
    assert.equal(h.got.length, 0, 'at the bound, still held');
    h.ahead.push(Buffer.from(all.slice(300, 301)));
    assert.equal(h.text(), all.slice(0, 301), 'past it, handed on in the read itself, not a turn later');
    assert.equal(h.ahead.holding, false);
  });

  it('hands nothing on while the relay has paused the tap, and goes on when it resumes', () => {
    const h = harness({ maxBytes: 300 });
    const all = lines(20, 20);
    h.ahead.push(Buffer.from(all.slice(0, 200)));
    h.pause(true);
    h.ahead.push(Buffer.from(all.slice(200, 400))); // the read in flight when the tap was paused
    h.turn();
    h.turn();
    assert.equal(h.got.length, 0, 'paused: not even past the bound');
    assert.equal(h.pending(), 0, 'and no turn spins while paused');
    h.pause(false);
    h.ahead.resumed();
    while (h.pending() > 0) h.turn();
    assert.equal(h.text(), all.slice(0, 400));
  });

  it('a small read goes straight on when nothing is held; after a burst it follows what is held and ends the burst', () => {
    const h = harness({ largeReadBytes: 200 });
    const all = lines(40, 20);
    h.ahead.push(Buffer.from(all.slice(0, 60)));
    assert.equal(h.text(), all.slice(0, 60), 'a small read with nothing held: handed on in the read itself');
    assert.equal(h.pending(), 0, 'and no turn is spent on it');
    h.ahead.push(Buffer.from(all.slice(60, 360))); // a large read: a burst
    h.turn();
    assert.equal(h.text(), all.slice(0, 60), 'the burst is held while it goes on');
    h.ahead.push(Buffer.from(all.slice(360, 400))); // small: the tap wrote its last bit
    assert.equal(h.text(), all.slice(0, 60), 'a small read does not overtake what is held');
    h.turn();
    assert.equal(h.text(), all.slice(0, 160), 'a turn after a small read hands on a slice: the burst is over');
    while (h.pending() > 0) h.turn();
    assert.equal(h.text(), all.slice(0, 400));
  });

  it('flush hands on everything held, in order, whatever the turn', () => {
    const h = harness();
    const all = lines(30, 20);
    h.ahead.push(Buffer.from(all.slice(0, 123)));
    h.ahead.push(Buffer.from(all.slice(123, 600)));
    h.turn();
    h.turn();
    h.ahead.flush();
    assert.equal(h.text(), all);
    assert.equal(h.ahead.holding, false);
    h.turn();
    assert.equal(h.text(), all, 'a turn scheduled before the flush finds nothing more');
  });
});
