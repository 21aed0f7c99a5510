/**
 * What every relay must do with the lines it is given, whatever the chunking (DESIGN §5): run against
 * the event loop's relay (relay.test.ts) and the loop the thread runs (relayLoop.test.ts).
 */
import * as assert from 'node:assert/strict';
import type { RelayResult } from '../../src/core/relay';

/** Relays the chunks, in order, as a tap's output; returns the result and what the target got. */
export type RelayChunks = (chunks: Array<string | Buffer>) => Promise<{ result: RelayResult; forwarded: string }>;

export const rec = (stream: string, id: number, spaced = true): string =>
  spaced ? `{"type": "RECORD", "stream": "${stream}", "record": {"id": ${id}}}\n` : `{"type":"RECORD","stream":"${stream}","record":{"id":${id}}}\n`;

export function relayCases(relay: RelayChunks): void {
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
}
