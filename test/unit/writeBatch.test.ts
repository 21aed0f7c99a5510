/**
 * Gathering the relay's small writes (src/core/writeBatch.ts): the target gets every byte in order,
 * small writes arrive together (once the batch is full, or a millisecond after its first bytes), a
 * large write goes straight on after what the batch held, and the batch's memory is written into
 * again only when the sink is done with it.
 */
import * as assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { BATCH_BYTES, SMALL_WRITE_BYTES, WriteBatch } from '../../src/core/writeBatch';

/** A sink that records each write as it got it (the same buffer, not a copy) and its text then. */
function recordingSink(opts: { async?: boolean } = {}) {
  const got: Array<{ buf: Buffer; text: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      got.push({ buf: chunk, text: chunk.toString() });
      if (opts.async) setTimeout(cb, 5);
      else cb();
    },
  });
  return { sink, got };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes "one\n" and "two\n" as two batches, each flushed at once. */
function twoBatches(batch: WriteBatch): void {
  batch.write(Buffer.from('one\n'));
  batch.flush();
  batch.write(Buffer.from('two\n'));
  batch.flush();
}

describe('gathering the relay writes to the target', () => {
  it('writes small pieces together, a millisecond after the first, in order', async () => {
    const { sink, got } = recordingSink();
    const batch = new WriteBatch(sink, { reuse: true });
    for (let i = 0; i < 100; i++) batch.write(Buffer.from(`line ${i}\n`));
    assert.equal(got.length, 0, 'nothing is written at once');
    assert.equal(batch.holding, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('').length);
    await sleep(20);
    assert.equal(got.length, 1);
    assert.equal(got[0].text, Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join(''));
    assert.equal(batch.holding, 0);
  });

  it('writes a full batch at once, and never splits a piece', () => {
    const { sink, got } = recordingSink();
    const batch = new WriteBatch(sink, { reuse: true });
    const piece = Buffer.alloc(1000, 'x');
    const pieces = Math.ceil((BATCH_BYTES * 2.5) / piece.length);
    for (let i = 0; i < pieces; i++) batch.write(piece);
    assert.equal(got.length, 2, 'two full batches');
    for (const g of got) {
      assert.ok(g.text.length <= BATCH_BYTES && g.text.length > BATCH_BYTES - piece.length);
      assert.equal(g.text.length % piece.length, 0);
    }
    batch.flush();
    assert.equal(got.map((g) => g.text.length).reduce((a, b) => a + b), pieces * piece.length);
  });

  it('a large write goes straight on, after what the batch held', () => {
    const { sink, got } = recordingSink();
    const batch = new WriteBatch(sink, { reuse: true });
    const large = Buffer.alloc(SMALL_WRITE_BYTES, 'L');
    batch.write(Buffer.from('a\n'));
    batch.write(large);
    batch.write(Buffer.from('b\n'));
    assert.deepEqual(got.map((g) => g.text.slice(0, 2)), ['a\n', 'LL']);
    assert.equal(got[1].buf, large, 'not copied');
    batch.flush();
    assert.equal(got[2].text, 'b\n');
  });

  it('copies what it is given: the caller may reuse its memory at once', () => {
    const { sink, got } = recordingSink();
    const batch = new WriteBatch(sink, { reuse: true });
    const mem = Buffer.from('first\n');
    batch.write(mem);
    mem.write('XXXXX\n');
    batch.flush();
    assert.equal(got[0].text, 'first\n');
  });

  it('writes into its memory again only once the sink is done with it', async () => {
    // A sink still holding the last batch (its write has not completed) must not see it change.
    const slow = recordingSink({ async: true });
    const held = new WriteBatch(slow.sink, { reuse: true });
    twoBatches(held);
    assert.equal(slow.got[0].buf.toString(), 'one\n', 'the first batch is unchanged');
    assert.notEqual(slow.got[0].buf.buffer, slow.got.length > 1 ? slow.got[1].buf.buffer : null);
    await sleep(20);
    assert.deepEqual(slow.got.map((g) => g.buf.toString()), ['one\n', 'two\n']);

    // A sink that may keep what it is given (reuse: false) gets new memory every time.
    const keeps = recordingSink();
    const fresh = new WriteBatch(keeps.sink, { reuse: false });
    twoBatches(fresh);
    assert.deepEqual(keeps.got.map((g) => g.buf.toString()), ['one\n', 'two\n']);

    // A socket-like sink that is done with each write at once: the same memory serves again.
    const quick = recordingSink();
    const reused = new WriteBatch(quick.sink, { reuse: true });
    twoBatches(reused);
    assert.equal(quick.got[0].buf.buffer, quick.got[1].buf.buffer);
  });

  it('discard drops what it holds and writes nothing later', async () => {
    const { sink, got } = recordingSink();
    const batch = new WriteBatch(sink, { reuse: true });
    batch.write(Buffer.from('gone\n'));
    batch.discard();
    await sleep(20);
    assert.equal(got.length, 0);
    assert.equal(batch.holding, 0);
  });
});
