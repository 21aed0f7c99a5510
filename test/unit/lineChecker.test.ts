/**
 * Every layout a tap writes (issue 15): the relay's counts per stream must equal what JSON.parse of
 * every line says, whatever the key order, the interleaving of streams, the strings inside records,
 * the escapes in stream names and the cuts between chunks.
 */
import * as assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { Relay, type RelayResult } from '../../src/core/relay';
import { plainText } from '../../src/core/tailTemplate';

/** A small deterministic PRNG, so a failure names the seed that reproduces it. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function relay(chunks: Buffer[]): Promise<{ result: RelayResult; forwarded: Buffer }> {
  const source = new PassThrough();
  const parts: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      parts.push(Buffer.from(chunk));
      cb();
    },
  });
  const done = new Relay(source, sink).run();
  for (const c of chunks) source.write(c);
  source.end();
  return { result: await done, forwarded: Buffer.concat(parts) };
}

/** What a reference reader counts: JSON.parse of every line. */
function reference(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = JSON.parse(line) as { type: string; stream?: string };
    if (m.type === 'RECORD' && typeof m.stream === 'string') out[m.stream] = (out[m.stream] ?? 0) + 1;
  }
  return out;
}

const TRICKY_STRINGS = ['plain', 'a } b', '{"type": "RECORD"}', 'quote " inside', 'back\\slash', '\\"', 'ends with \\', '}', '{', 'ünïcödé ✓', '', ', "stream": "fake", "type": "RECORD"}'];
const STREAMS = ['users', 'orders', 'users2', 'user', 'a"b', 'café', 'x/y', 'weird \\ name', 'emoji 🎉'];

function record(rand: () => number): Record<string, unknown> {
  const r: Record<string, unknown> = { id: Math.floor(rand() * 1e6) };
  const n = Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) r[`f${i}`] = TRICKY_STRINGS[Math.floor(rand() * TRICKY_STRINGS.length)];
  // Fields named like the message's own keys, which must never be taken for them.
  if (rand() < 0.3) r.type = 'SCHEMA';
  if (rand() < 0.3) r.stream = 'not-this-one';
  if (rand() < 0.2) r.nested = { type: 'RECORD', stream: 'deeper', list: [1, '}', { a: '"' }] };
  return r;
}

type Layout = (msg: Record<string, unknown>, rand: () => number) => string;

/** Keys in this order, the rest after them in their own order; spaced (singer-python) or compact. */
function ordered(keys: string[], spaced: boolean): Layout {
  return (msg) => {
    const o: Record<string, unknown> = {};
    for (const k of keys) if (k in msg) o[k] = msg[k];
    for (const k of Object.keys(msg)) if (!(k in o)) o[k] = msg[k];
    const text = JSON.stringify(o);
    return spaced ? spacedJson(o) : text;
  };
}

/** Python's json.dumps default separators (", " and ": "), key order kept. */
function spacedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(spacedJson).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${spacedJson(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

/** json.dumps(sort_keys=True), spaced, ensure_ascii as Python's default (non-ASCII escaped). */
const sortedAscii: Layout = (msg) => asciiEscape(spacedJson(sortKeys(msg)));

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

function asciiEscape(text: string): string {
  return text.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const LAYOUTS: Record<string, Layout> = {
  'type first, spaced (singer-python)': ordered(['type', 'stream', 'record', 'time_extracted'], true),
  'type first, compact (singer-sdk)': ordered(['type', 'stream', 'record', 'time_extracted'], false),
  'sorted keys, spaced': (m) => spacedJson(sortKeys(m)),
  'sorted keys, compact (Go, Rust)': (m) => JSON.stringify(sortKeys(m)),
  'sorted keys, ASCII escapes (Python defaults)': sortedAscii,
  'stream first': ordered(['stream', 'type', 'record'], false),
  'record first, type before stream': ordered(['record', 'type', 'version', 'stream'], true),
  'type first, record, stream last': ordered(['type', 'record', 'time_extracted', 'stream'], true),
};

function message(rand: () => number, stream: string): Record<string, unknown> {
  const m: Record<string, unknown> = { type: 'RECORD', stream, record: record(rand) };
  if (rand() < 0.7) m.time_extracted = `2026-11-30T0${Math.floor(rand() * 10)}:00:00.${Math.floor(rand() * 1e6)}Z`;
  if (rand() < 0.3) m.version = Math.floor(rand() * 100);
  return m;
}

type Interleave = 'blocks' | 'every line' | 'cycles';
const INTERLEAVES: Record<Interleave, string> = {
  blocks: 'in blocks',
  'every line': 'changing every line',
  // The streams in a round that repeats, its order shuffled now and then: what the relay predicts
  // from (a stream's follower) is right for a while, then wrong.
  cycles: 'in rounds whose order changes',
};

function tapOutput(layout: Layout, seed: number, lines: number, interleave: Interleave): string {
  const rand = prng(seed);
  const out: string[] = [];
  let stream = STREAMS[0]!;
  let round = [...STREAMS];
  for (let i = 0; i < lines; i++) {
    if (interleave === 'cycles') {
      if (i % 40 === 0) round = STREAMS.map((x) => [rand(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x).slice(0, 2 + Math.floor(rand() * (STREAMS.length - 1)));
      stream = round[i % round.length]!;
    } else if (interleave === 'every line' || i % 50 === 0) stream = STREAMS[Math.floor(rand() * STREAMS.length)]!;
    const r = rand();
    if (r < 0.03) out.push(layout({ type: 'SCHEMA', stream, schema: { type: 'object', properties: { type: { type: 'string' } } }, key_properties: ['id'] }, rand));
    else if (r < 0.06) out.push(layout({ type: 'STATE', value: { bookmarks: { [stream]: { id: i } } } }, rand));
    else if (r < 0.07) out.push('');
    else out.push(layout(message(rand, stream), rand));
  }
  return `${out.join('\n')}\n`;
}

function cut(buf: Buffer, rand: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; ) {
    const n = 1 + Math.floor(rand() * (rand() < 0.5 ? 40 : 4000));
    chunks.push(buf.subarray(i, i + n));
    i += n;
  }
  return chunks;
}

describe('every layout a tap writes: counts per stream equal JSON.parse of every line', () => {
  for (const [name, layout] of Object.entries(LAYOUTS)) {
    for (const interleave of Object.keys(INTERLEAVES) as Interleave[]) {
      it(`${name}, streams ${INTERLEAVES[interleave]}`, async () => {
        for (const seed of [1, 2, 3]) {
          const text = tapOutput(layout, seed * 7919 + name.length, 600, interleave);
          // The last seed's output ends without a newline: its last line is checked as a cut one.
          const bytes = Buffer.from(seed === 3 ? text.slice(0, -1) : text);
          const { result, forwarded } = await relay(cut(bytes, prng(seed)));
          assert.equal(result.badLine, null, `seed ${seed}: ${JSON.stringify(result.badLine)}`);
          assert.deepEqual(result.records, reference(text), `seed ${seed}`);
          assert.ok(forwarded.equals(bytes), `seed ${seed}: the target did not get the exact bytes`);
          // Only the messages that are not RECORDs are parsed whole: every RECORD is read at its ends.
          assert.equal(result.parsedLines, result.otherMessages, `seed ${seed}: ${result.parsedLines - result.otherMessages} RECORD lines needed JSON.parse`);
        }
      });
    }
  }

  it('a stream name written raw on one line and escaped on the next is one stream', async () => {
    const text = ['{"type": "RECORD", "stream": "café", "record": {}}', '{"type": "RECORD", "stream": "caf\\u00e9", "record": {}}', '{"record": {}, "stream": "caf\\u00e9", "type": "RECORD"}', '{"type":"RECORD","stream":"x\\/y","record":{}}', '{"type":"RECORD","stream":"x/y","record":{}}'].join('\n');
    const { result } = await relay([Buffer.from(`${text}\n`)]);
    assert.deepEqual(result.records, { café: 3, 'x/y': 2 });
  });

  it('a 50 MB record with its type and stream after it (sorted keys) is counted from the line’s end', async () => {
    const blob = 'x'.repeat(50 * 1024 * 1024);
    const line = Buffer.from(`{"record": {"blob": "${blob}", "type": "not it"}, "stream": "big", "time_extracted": "2026-11-30T00:00:00Z", "type": "RECORD"}\n`);
    const { result, forwarded } = await relay(cut(line, prng(9)).length > 1000 ? [line.subarray(0, 1 << 20), line.subarray(1 << 20)] : [line]);
    assert.equal(result.badLine, null);
    assert.deepEqual(result.records, { big: 1 });
    assert.equal(forwarded.length, line.length);
  });

  for (const [bad, why] of [
    ['{"record": {"id": 1}, "stream": "a", "type": 3}', /no string "type"/],
    ['{"record": {"id": 1}, "stream": "a"}', /no string "type"/],
    ['{"record": {"id": 1}, "stream": "a", "type": "RECORD"', /not a JSON object/],
    ['{"record": {"id": 1}} , "type": "RECORD"}', /not valid JSON/],
  ] as const) {
    it(`a line of another key order that is not a Singer message is refused: ${bad}`, async () => {
      const good = '{"record": {}, "stream": "a", "type": "RECORD"}\n';
      const { result, forwarded } = await relay([Buffer.from(good + bad + '\n' + good)]);
      assert.equal(forwarded.toString(), good);
      assert.equal(result.badLine?.lineNumber, 2);
      assert.match(result.badLine!.reason, why);
      assert.deepEqual(result.records, { a: 1 });
    });
  }
});

describe('the end of a sorted-keys line kept as a template (the next line compared 8 bytes at a time)', () => {
  async function counts(lines: string[]): Promise<RelayResult> {
    const text = `${lines.join('\n')}\n`;
    const { result, forwarded } = await relay([Buffer.from(text)]);
    assert.equal(result.badLine, null);
    assert.equal(forwarded.toString(), text);
    assert.deepEqual(result.records, reference(text));
    return result;
  }

  it('a new timestamp, version and same-length stream name on every line: still read from the template, counted right', async () => {
    const rand = prng(5);
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const stream = `stream_${String(Math.floor(rand() * 100)).padStart(3, '0')}`;
      const ts = `2026-11-30T05:${String(Math.floor(rand() * 60)).padStart(2, '0')}:51.${String(Math.floor(rand() * 1e6)).padStart(6, '0')}Z`;
      lines.push(`{"record": {"id": ${i}}, "stream": "${stream}", "time_extracted": "${ts}", "type": "RECORD", "version": ${1700000000 + Math.floor(rand() * 100)}}`);
    }
    const result = await counts(lines);
    assert.equal(result.parsedLines, 0);
  });

  it('a word inside a string value is checked whole exactly as byte by byte: no quote, backslash or control byte', () => {
    // Every pair of byte values at every pair of the 4 places, the other two bytes from edge values.
    const plain = (c: number): boolean => c !== 0x22 && c !== 0x5c && c >= 0x20;
    const edges = [0x00, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x5b, 0x5c, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff];
    let wrong = 0;
    for (let p1 = 0; p1 < 4; p1++) {
      for (let p2 = p1 + 1; p2 < 4; p2++) {
        for (const e of edges) {
          for (let v1 = 0; v1 < 256; v1++) {
            for (let v2 = 0; v2 < 256; v2++) {
              const b = [e, e, e, e];
              b[p1] = v1;
              b[p2] = v2;
              const word = (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
              if (plainText(word) !== b.every(plain)) wrong++;
            }
          }
        }
      }
    }
    assert.equal(wrong, 0);
  });

  it('a quote, backslash, control byte or non-digit at any place of a value in the end is never taken as the template’s: the line is read as it is without one', async () => {
    // Names of 1 to 8 characters put the values at each of the 8 places in a pair of 32-bit words
    // (compared as one double), so every byte of them is tried in a word that is all string content,
    // in one it shares with a quote, and in either word of a pair.
    let tried = 0;
    for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
      const base = `{"record": {"id": 1}, "stream": "${name}", "time_extracted": "2026-01-01T00:00:00.123456Z", "type": "RECORD", "version": 1700000000}`;
      const places = [...base.matchAll(/"time_extracted": "([^"]+)"|"version": (\d+)/g)].flatMap((m) => {
        const value = m[1] ?? m[2]!;
        const from = m.index + m[0].length - value.length - (m[1] ? 1 : 0);
        return Array.from({ length: value.length }, (_, i) => from + i);
      });
      for (const at of places) {
        for (const byte of ['"', '\\', '\u0001', 'x', '.']) {
          const odd = base.slice(0, at) + byte + base.slice(at + 1);
          const text = `${[base, base, odd, base].join('\n')}\n`;
          const { result, forwarded } = await relay([Buffer.from(text)]);
          // Without a template (the line alone), read token by token from its ends.
          const alone = (await relay([Buffer.from(`${odd}\n`)])).result;
          const where = `${JSON.stringify(byte)} at ${at} of ${odd}`;
          if (alone.badLine !== null) {
            assert.equal(result.badLine?.lineNumber, 3, where);
            assert.equal(forwarded.toString(), `${base}\n${base}\n`, where);
          } else {
            assert.equal(result.badLine, null, where);
            const expected = { ...alone.records };
            expected[name] = (expected[name] ?? 0) + 3;
            assert.deepEqual(result.records, expected, where);
          }
          tried++;
        }
      }
    }
    assert.equal(tried, 8 * (27 + 10) * 5);
  });

  for (const [what, template, line] of [
    // Same length as the template's end, but a quote or backslash moves where strings end.
    ['an escaped quote in a timestamp', '"time_extracted": "2026-01-01T00:00:00Z"', '"time_extracted": "2026-01-01T00:00\\"0Z"'],
    ['a second "stream" hidden where a string was', '"note": "xxxxxxxxxxxxxxxxx"', '"note": "x", "stream": "zz"'],
    // Same length, but a key or the type's value differs: not a RECORD of stream ab.
    ['a "type" that is not RECORD', '"type": "RECORD"', '"type": "RECORX"'],
    ['a key that is not "stream"', '"stream": "ab"', '"streaM": "ab"'],
  ] as const) {
    it(`a line whose end differs from the template only in length-keeping bytes is read properly: ${what}`, async () => {
      const base = '{"record": {"id": 1}, "stream": "ab", "note": "xxxxxxxxxxxxxxxxx", "time_extracted": "2026-01-01T00:00:00Z", "type": "RECORD"}';
      const odd = base.replace(template, line);
      assert.equal(odd.length, base.length);
      await counts([base, base, odd, base]);
    });
  }
});
