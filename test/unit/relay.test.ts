/** The relay alone, with in-memory streams: what it forwards and counts, whatever the chunking. */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { ReadAhead } from '../../src/core/readAhead';
import { Relay, type RelayResult, type RelaySource } from '../../src/core/relay';

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

const rec = (stream: string, id: number, spaced = true): string =>
  spaced ? `{"type": "RECORD", "stream": "${stream}", "record": {"id": ${id}}}\n` : `{"type":"RECORD","stream":"${stream}","record":{"id":${id}}}\n`;

describe('the relay (DESIGN §5: every tap line is a JSON object with a string type)', () => {
  it('forwards every byte and counts records per stream, in both usual layouts', async () => {
    const input = `{"type": "SCHEMA", "stream": "a", "schema": {}}\n${rec('a', 1)}${rec('b', 2, false)}${rec('a', 3)}{"type": "STATE", "value": {}}\n`;
    const { result, forwarded } = await relay([input]);
    assert.equal(forwarded, input);
    assert.deepEqual(result.records, { a: 2, b: 1 });
    assert.equal(result.otherMessages, 2);
    assert.equal(result.badLine, null);
  });

  it('gives the same answer however the input is cut into chunks', async () => {
    const input = Array.from({ length: 40 }, (_, i) => rec(i % 3 ? 'users' : 'orders', i, i % 2 === 0)).join('') + '{"record": {}, "type": "RECORD", "stream": "odd order"}\n';
    for (const size of [1, 2, 7, 64, 1000]) {
      const chunks: string[] = [];
      for (let i = 0; i < input.length; i += size) chunks.push(input.slice(i, i + size));
      const { result, forwarded } = await relay(chunks);
      assert.equal(forwarded, input, `chunk size ${size}`);
      assert.deepEqual(result.records, { orders: 14, users: 26, 'odd order': 1 }, `chunk size ${size}`);
    }
  });

  it('decodes escaped and non-ASCII stream names through the slow path', async () => {
    const { result } = await relay([`{"type": "RECORD", "stream": "a\\"b", "record": {}}\n`, rec('zürich', 1), rec('zürich', 2, false)]);
    assert.deepEqual(result.records, { 'a"b': 1, zürich: 2 });
  });

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

  it('a last line without a newline is checked and forwarded', async () => {
    const { result, forwarded } = await relay([rec('a', 1), '{"type": "RECORD", "stream": "a", "record": {}}']);
    assert.deepEqual(result.records, { a: 2 });
    assert.ok(forwarded.endsWith('{}}'));
  });

  for (const [bad, reason] of [
    ['this is not json', 'not valid JSON'],
    ['[1, 2, 3]', 'not a JSON object'],
    ['{"stream": "a"}', 'no string "type"'],
    ['{"type": 3}', 'no string "type"'],
    ['{"type": "RECORD", "stream": "a", "record": {"id": 1', 'not a JSON object'], // cut short
  ] as const) {
    it(`stops at «${bad}» (${reason}): everything before it is forwarded, nothing after`, async () => {
      const before = rec('a', 1) + rec('a', 2);
      const { result, forwarded } = await relay([before, `${bad}\n`, rec('a', 3)]);
      assert.equal(forwarded, before);
      assert.equal(result.badLine?.lineNumber, 3);
      assert.match(result.badLine!.reason, new RegExp(reason));
      assert.deepEqual(result.records, { a: 2 });
    });
  }

  // Lines that end in "}" but are not JSON. The relay checks what DESIGN §5 asks (a JSON object with a
  // string "type") by parsing every line except RECORDs, which it recognises by their first bytes and
  // last byte (any key order, escaped stream names too) so it keeps pace with a raw pipe. So:
  for (const [bad, why] of [
    ['}', 'not valid JSON'],
    ['{not json}', 'not valid JSON'],
    ['{"type": "STATE", "value": {"bookmarks": {}}', 'not valid JSON'], // cut short
    ['{"record": {"id": 1}, "type": "RECORD", "stream": "a", "record": {}', 'not valid JSON'], // another key order: parsed
    ['{"type":"SCHEMA","stream":"a","schema":{}} trailing}', 'not valid JSON'],
  ] as const) {
    it(`a line ending in "}" that is not JSON is caught when it is not a RECORD in a usual layout: «${bad}»`, async () => {
      const before = rec('a', 1);
      const { result, forwarded } = await relay([before, `${bad}\n`, rec('a', 2)]);
      assert.equal(forwarded, before);
      assert.equal(result.badLine?.lineNumber, 2);
      assert.match(result.badLine!.reason, new RegExp(why));
    });
  }

  it('a RECORD cut short with an escaped stream name is counted under the decoded name and forwarded', async () => {
    const cut = '{"type": "RECORD", "stream": "a\\"b", "record": {"id": 1}';
    const { result, forwarded } = await relay([rec('a', 1), `${cut}\n`, rec('a', 2)]);
    assert.equal(result.badLine, null);
    assert.equal(forwarded, `${rec('a', 1)}${cut}\n${rec('a', 2)}`);
    assert.deepEqual(result.records, { a: 2, 'a"b': 1 });
  });

  for (const cut of ['{"type": "RECORD", "stream": "a", "record": {"id": 1}', '{"type":"RECORD","stream":"a","record":{"id":1,"b":{}}']) {
    it(`a RECORD in a usual layout cut short but ending in "}" is forwarded and counted; the target, which parses it, fails the job (rule 12): «${cut}»`, async () => {
      const { result, forwarded } = await relay([rec('a', 1), `${cut}\n`, rec('a', 2)]);
      assert.equal(result.badLine, null);
      assert.equal(forwarded, `${rec('a', 1)}${cut}\n${rec('a', 2)}`);
      assert.deepEqual(result.records, { a: 3 });
    });
  }

  it('keeps only the first 200 characters of a bad line', async () => {
    const { result } = await relay([`${'x'.repeat(5000)}\n`]);
    assert.equal(result.badLine?.excerpt.length, 200);
  });

  it('tells streams apart whose names share a beginning, in both layouts, and after other messages', async () => {
    const input = [
      rec('users', 1),
      rec('users2', 2),
      rec('user', 3),
      rec('users', 4, false),
      '{"type": "STATE", "value": {}}\n',
      rec('users', 5),
      rec('user', 6, false),
      '{"type": "RECORD", "stream": "users", "record": {}}  \r\n',
    ].join('');
    for (const size of [1, 5, 33, input.length]) {
      const chunks: string[] = [];
      for (let i = 0; i < input.length; i += size) chunks.push(input.slice(i, i + size));
      const { result, forwarded } = await relay(chunks);
      assert.equal(forwarded, input, `chunk size ${size}`);
      assert.deepEqual(result.records, { users: 4, users2: 1, user: 2 }, `chunk size ${size}`);
      assert.equal(result.otherMessages, 1);
      assert.equal(result.lines, 8);
    }
  });

  it('a bad line cut between chunks: the target gets every line before it and no byte of it', async () => {
    const before = rec('a', 1) + rec('a', 2);
    const bad = '{"type": "RECORD", "stream": "a", "record": {"id": 3}, "oops"\n';
    const { result, forwarded } = await relay([before + bad.slice(0, 20), bad.slice(20, 40), bad.slice(40), rec('a', 4)]);
    assert.equal(forwarded, before);
    assert.equal(result.badLine?.lineNumber, 3);
    assert.deepEqual(result.records, { a: 2 });
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

  it('blank lines are harmless', async () => {
    const { result, forwarded } = await relay([`\n${rec('a', 1)}  \n`]);
    assert.equal(result.badLine, null);
    assert.equal(forwarded, `\n${rec('a', 1)}  \n`);
  });

  it('passes a 50 MB record intact, in chunks, without choking', async function () {
    this.timeout(60_000);
    const blob = 'y'.repeat(50 * 1024 * 1024);
    const big = `{"type": "RECORD", "stream": "big", "record": {"blob": "${blob}"}}\n`;
    const chunks: string[] = [rec('a', 1)];
    for (let i = 0; i < big.length; i += 65536) chunks.push(big.slice(i, i + 65536));
    chunks.push(rec('a', 2));
    const { result, forwarded } = await relay(chunks);
    assert.equal(result.badLine, null);
    assert.deepEqual(result.records, { a: 2, big: 1 });
    assert.equal(forwarded.length, rec('a', 1).length * 2 + big.length);
  });

  it('a 50 MB line that is not JSON is caught with its line number', async function () {
    this.timeout(60_000);
    const junk = `${'z'.repeat(50 * 1024 * 1024)}\n`;
    const chunks: string[] = [rec('a', 1)];
    for (let i = 0; i < junk.length; i += 65536) chunks.push(junk.slice(i, i + 65536));
    const { result, forwarded } = await relay(chunks);
    assert.equal(result.badLine?.lineNumber, 2);
    assert.equal(forwarded, rec('a', 1));
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
