/** The event loop's relay alone, with in-memory streams: what it forwards and counts, whatever the chunking. */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { ReadAhead } from '../../src/core/readAhead';
import { Relay, type RelayResult, type RelaySource } from '../../src/core/relay';
import { rec, relayCases } from './relayCases';

/** A target stand-in that keeps what it was sent. */
function collectingSink(): { sink: Writable; text: () => string } {
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(Buffer.from(chunk));
      cb();
    },
  });
  return { sink, text: () => Buffer.concat(parts).toString() };
}

async function relay(chunks: Array<string | Buffer>): Promise<{ result: RelayResult; forwarded: string }> {
  const source = new PassThrough();
  const { sink, text } = collectingSink();
  const done = new Relay(source, sink).run();
  for (const c of chunks) source.write(c);
  source.end();
  const result = await done;
  return { result, forwarded: text() };
}

describe('the relay (DESIGN §5: every tap line is a JSON object with a string type)', () => {
  relayCases(relay);

  it('takes what the source still holds read ahead when its output ends: nothing is lost', async () => {
    // Read-ahead whose turns never come: only the end of the output can hand on what it holds.
    const stream = new PassThrough();
    stream.resume(); // flowing, as the tap's socket is: 'end' comes when the output ends
    let ahead: ReadAhead | undefined;
    const source: RelaySource = {
      stream,
      onChunk: (deliver) => (ahead = new ReadAhead(deliver, { largeReadBytes: 1, nextTurn: () => undefined })),
      flush: () => ahead?.flush(),
    };
    const { sink, text } = collectingSink();
    const done = new Relay(source, sink).run();
    const input = `${rec('a', 1)}${rec('b', 2)}{"type": "RECORD", "stream": "a", "record": {}}`;
    ahead!.push(Buffer.from(input.slice(0, 30)));
    ahead!.push(Buffer.from(input.slice(30)));
    assert.equal(text(), '', 'held, not yet checked');
    stream.end();
    const result = await done;
    assert.equal(text(), input);
    assert.deepEqual(result.records, { a: 2, b: 1 });
  });


  it('gathers a line-at-a-time tap into few writes to the target, every byte in order', async () => {
    const source = new PassThrough();
    const writes: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        writes.push(Buffer.from(chunk));
        cb();
      },
    });
    const done = new Relay(source, sink).run();
    const lines = Array.from({ length: 2000 }, (_, i) => rec(`s${i % 7}`, i, i % 2 === 0));
    for (let i = 0; i < lines.length; i++) {
      source.write(lines[i]);
      if (i % 100 === 99) await new Promise((r) => setImmediate(r)); // the tap goes on writing, a line at a time
    }
    source.end();
    const result = await done;
    assert.equal(Buffer.concat(writes).toString(), lines.join(''));
    assert.equal(result.lines, 2000);
    assert.ok(writes.length <= 25, `2,000 lines in ${writes.length} writes`);
  });

  it('reports progress as it goes, with snapshots the relay does not change afterwards', async () => {
    const source = new PassThrough();
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    const seen: Array<Readonly<Record<string, number>>> = [];
    const done = new Relay(source, sink, { onProgress: (r) => seen.push(r), progressMs: 0 }).run();
    source.write(rec('a', 1));
    await new Promise((r) => setImmediate(r));
    source.end(rec('a', 2) + rec('b', 3));
    await done;
    assert.deepEqual(seen[0], { a: 1 });
    assert.deepEqual(seen[seen.length - 1], { a: 2, b: 1 });
  });

  it('applies back-pressure: a slow target pauses the tap, memory stays bounded, nothing is lost or reordered', async function () {
    this.timeout(60_000);
    const source = new PassThrough({ highWaterMark: 64 * 1024 });
    const parts: Buffer[] = [];
    let maxWaiting = 0;
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        parts.push(Buffer.from(chunk));
        setTimeout(cb, 1);
      },
    });
    const done = new Relay(source, sink, { maxBufferedBytes: 1024 * 1024 }).run();
    const lines = Array.from({ length: 40_000 }, (_, i) => rec(i % 2 ? 'x' : 'y', i)).join('');
    let paused = false;
    for (let i = 0; i < lines.length; i += 64 * 1024) {
      maxWaiting = Math.max(maxWaiting, sink.writableLength);
      if (!source.write(lines.slice(i, i + 64 * 1024))) {
        paused ||= source.isPaused();
        await new Promise((r) => source.once('drain', r));
      }
    }
    source.end();
    const result = await done;
    if (!sink.writableFinished) await new Promise((r) => sink.once('finish', r));
    assert.ok(paused, 'the relay paused the tap');
    assert.ok(maxWaiting <= 1024 * 1024 + 128 * 1024, `at most about 1 MiB waits for the target (saw ${maxWaiting})`);
    assert.equal(Buffer.concat(parts).toString(), lines);
    assert.deepEqual(result.records, { x: 20_000, y: 20_000 });
  });

  it('a target that exits early: the tap is drained to its end (it cannot block) and targetClosed is set', async function () {
    this.timeout(30_000);
    // reads one chunk, then exits with its stdin still open
    const target = spawn(process.execPath, ['-e', "process.stdin.once('data', () => process.exit(0))"], { stdio: ['pipe', 'ignore', 'ignore'] });
    const source = new PassThrough();
    const done = new Relay(source, target.stdin!).run();
    const chunk = rec('a', 1).repeat(1000);
    let written = 0;
    for (let i = 0; i < 500; i++) {
      if (!source.write(chunk)) await new Promise((r) => source.once('drain', r));
      written += chunk.length;
    }
    source.end();
    const result = await done;
    assert.equal(result.targetClosed, true);
    assert.equal(result.badLine, null);
    assert.ok(written > 1024 * 1024 * 10, 'far more than any pipe buffer was written');
    assert.ok(source.readableEnded, 'the tap output was read to its end');
  });

});

describe('the relay while the tap is being stopped', () => {
  it('drops an unfinished last line instead of failing the job, and says how much', async () => {
    const source = new PassThrough();
    const { sink, text } = collectingSink();
    const done = new Relay(source, sink, { stopping: () => true }).run();
    source.end(`${rec('a', 1)}{"type": "RECORD", "stream": "a", "rec`);
    const result = await done;
    assert.equal(result.badLine, null);
    assert.equal(result.droppedTailBytes, 38);
    assert.equal(text(), rec('a', 1));
  });
});
