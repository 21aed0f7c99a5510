/** The loop the relay's thread runs (relayLoop.ts), over buffers in memory: the same rules as the event loop's relay. */
import * as assert from 'node:assert/strict';
import type { BadLine } from '../../src/core/lineChecker';
import { relayLoop, type LoopHooks, type LoopIo, type LoopResult } from '../../src/core/relayLoop';
import { rec, relayCases } from './relayCases';

interface Run {
  result: LoopResult;
  forwarded: string;
  /** What happened, in order: `read N`, `write N`, `end`, `bad L`, `progress`. */
  events: string[];
}

/** The tap's output handed out chunk by chunk (a chunk larger than a read is split); the target keeps what it gets. */
function loop(chunks: Array<string | Buffer>, hooks: Partial<LoopHooks> = {}, target: { goneAfter?: number } = {}): Run {
  const bufs = chunks.map((c) => (Buffer.isBuffer(c) ? c : Buffer.from(c)));
  const parts: Buffer[] = [];
  const events: string[] = [];
  let i = 0;
  let off = 0;
  let written = 0;
  const io: LoopIo = {
    read(into, at, length) {
      while (i < bufs.length && off >= bufs[i]!.length) {
        i++;
        off = 0;
      }
      if (i >= bufs.length) return 0;
      const n = bufs[i]!.copy(into, at, off, Math.min(bufs[i]!.length, off + length));
      off += n;
      events.push(`read ${n}`);
      return n;
    },
    write(from, at, length) {
      if (target.goneAfter !== undefined && written >= target.goneAfter) throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' });
      parts.push(Buffer.from(from.subarray(at, at + length)));
      written += length;
      events.push(`write ${length}`);
      return length;
    },
    endTarget: () => void events.push('end'),
  };
  const result = relayLoop(io, {
    onBadLine: (bad: BadLine) => void events.push(`bad ${bad.lineNumber}`),
    onProgress: () => void events.push('progress'),
    stopping: () => false,
    progressMs: 500,
    now: () => performance.now(),
    ...hooks,
  });
  return { result, forwarded: Buffer.concat(parts).toString(), events };
}

describe('the relay on a thread: its loop (DESIGN §5, the same rules as the event loop relay)', () => {
  relayCases((chunks) => Promise.resolve(loop(chunks)));

  it('ends the target’s input as soon as a bad line is found, and drains the rest of the tap’s output unread', () => {
    const after = rec('a', 3).repeat(10_000);
    const { events, forwarded, result } = loop([rec('a', 1), 'not json\n', after, after]);
    assert.equal(forwarded, rec('a', 1));
    const bad = events.indexOf('bad 2');
    assert.ok(bad > 0 && events[bad - 1] === 'end', `the target's input ends, then the tap is stopped: ${events.slice(0, 6).join(', ')}`);
    assert.ok(events.slice(bad).filter((e) => e.startsWith('read')).length > 1, 'the tap is read to its end: it cannot block');
    assert.deepEqual(result.records, { a: 1 });
  });

  it('a target that is gone: nothing more is written, the tap is read to its end, targetClosed is set', () => {
    const chunk = rec('a', 1).repeat(1000);
    const { result, events } = loop(Array.from({ length: 50 }, () => chunk), {}, { goneAfter: chunk.length * 2 });
    assert.equal(result.targetClosed, true);
    assert.equal(result.badLine, null);
    const reads = events.filter((e) => e.startsWith('read')).reduce((n, e) => n + Number(e.split(' ')[1]), 0);
    assert.equal(reads, chunk.length * 50, 'every byte of the tap was read');
    assert.equal(events.at(-1), 'end');
  });

  it('drops an unfinished last line when the tap is being stopped, and says how much', () => {
    const { result, forwarded } = loop([`${rec('a', 1)}{"type": "RECORD", "stream": "a", "rec`], { stopping: () => true });
    assert.equal(result.badLine, null);
    assert.equal(result.droppedTailBytes, 38);
    assert.equal(forwarded, rec('a', 1));
  });

  it('an unfinished last line when the tap is not being stopped is a bad line', () => {
    const { result, forwarded } = loop([`${rec('a', 1)}{"type": "RECORD", "stream": "a", "rec`]);
    assert.equal(result.badLine?.lineNumber, 2);
    assert.equal(result.droppedTailBytes, 0);
    assert.equal(forwarded, rec('a', 1));
  });

  it('passes lines longer than its buffer whole, and drops such a line cut by a stop', () => {
    const long = `{"type": "RECORD", "stream": "long", "record": {"s": "${'q'.repeat(700 * 1024)}"}}\n`;
    const cut: string[] = [];
    for (let at = 0; at < long.length; at += 60_000) cut.push(long.slice(at, at + 60_000));
    const whole = loop([rec('a', 1), ...cut, rec('a', 2), ...cut]);
    assert.equal(whole.forwarded, rec('a', 1) + long + rec('a', 2) + long);
    assert.deepEqual(whole.result.records, { a: 2, long: 2 });
    const stopped = loop([rec('a', 1), ...cut.slice(0, 8)], { stopping: () => true });
    assert.equal(stopped.forwarded, rec('a', 1));
    assert.equal(stopped.result.droppedTailBytes, 8 * 60_000);
  });

  it('reports progress at most every progressMs, and once at the end', () => {
    let clock = 0;
    const { events } = loop(
      Array.from({ length: 10 }, (_, i) => rec('a', i)),
      {
        now: () => (clock += 100),
        progressMs: 350,
      },
    );
    const progress = events.filter((e) => e === 'progress').length;
    assert.ok(progress >= 2 && progress <= 4, `${progress} progress reports for 10 reads 100 ms apart`);
    assert.equal(events.at(-2), 'progress');
  });

  it('tallies its reads: how the tap wrote', () => {
    const small = rec('a', 1);
    const { result } = loop([...Array.from({ length: 30 }, () => small), small.repeat(2000)]);
    assert.equal(result.reads.reads, 31);
    assert.equal(result.reads.smallReads, 30);
    assert.equal(result.reads.bytes, small.length * 2030);
  });
});
