/**
 * Checks tap output line by line and counts RECORD messages per stream (DESIGN §5: every line a JSON
 * object with a string "type"; the relay need not parse more). It must keep up with a raw pipe for
 * every layout taps write, so it reads as few bytes of a line as it can:
 *
 * - the newline is found by `indexOf` (memchr); a line must start with `{` and end with `}`;
 * - a RECORD written type-first (`{"type": "RECORD", "stream": "users", …`, singer-python's spaced
 *   layout or singer-sdk's compact one) is recognised by its first bytes, compared 4 at a time, and
 *   its stream by the bytes of its name, looked up in a small table: no string is made per line,
 *   whether one stream comes in long blocks or a different one on every line;
 * - any other key order (`sort_keys=True` taps, Go and Rust taps, `{"record": …, "stream": …,
 *   "type": "RECORD"}`) is read as tokens from both ends of the line: the top-level keys before the
 *   first nested value and after the last one. The record itself, which may hold any bytes, a field
 *   named "type" or strings full of braces and quotes, is never read;
 *   The end of such a line is then kept as a template (tailTemplate.ts): the next line that ends the
 *   same way, but for a timestamp or a number, is settled by comparing 8 bytes at a time;
 * - whatever that does not settle (an escaped key, a layout with nested values around "type"), and
 *   every message that is not a RECORD (SCHEMA, STATE, …, which are few), goes through JSON.parse.
 *
 * docs/relay.md has the measurements that decided this.
 */

import { MessageEnds } from './jsonEnds';
import { MAX_NAME, TailTemplate, type StreamTail } from './tailTemplate';

const NL = 0x0a;
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
/** singer-python's layout, then the compact one (singer-sdk, most others). */
const PREFIXES = ['{"type": "RECORD", "stream": "', '{"type":"RECORD","stream":"'].map((p) => Buffer.from(p));
/** What of a huge line is read at each end to classify it, without copying 50 MB. */
export const HEAD_BYTES = 64 * 1024;
const RECORD = Buffer.from('RECORD');

export interface BadLine {
  lineNumber: number;
  /** The first 200 characters of the line. */
  excerpt: string;
  reason: string;
}

class StreamCount {
  count = 0;
  /** This stream's type-first RECORD head (the prefix through the name's closing quote), made once per layout. */
  head: Buffer | null = null;
  headWords = new Uint32Array(0);
  headPrefix: Buffer | null = null;
  /**
   * The stream that came after this one last time it changed. Taps repeat their order (round-robin
   * over tables, a parent then its children), so the next line is most often that stream's.
   */
  next: StreamCount | null = null;
  /** The name's bytes in a line, once it has been found by them (an escaped name has none). */
  bytes: Buffer | null = null;
  /** This stream's end in the sorted-key layout seen last (a template with this name filled in). */
  tail: StreamTail | null = null;
  constructor(readonly name: string) {}
}

/**
 * Streams by the raw bytes of their name in the line: a hash of a few bytes picks a short bucket,
 * the bytes are compared, and no string is made. An escaped name is decoded once and kept by name.
 */
class StreamTable {
  private readonly byName = new Map<string, StreamCount>();
  private readonly buckets: Array<Array<{ bytes: Buffer; entry: StreamCount }>> = Array.from({ length: 256 }, () => []);
  private lastBytes: Buffer = Buffer.alloc(0);
  private last: StreamCount | null = null;
  private prevBytes: Buffer = Buffer.alloc(0);
  private prev: StreamCount | null = null;

  /** The stream whose name is buf[a, b) (no escapes in it). */
  byBytes(buf: Buffer, a: number, b: number): StreamCount {
    const len = b - a;
    const last = this.lastBytes;
    if (this.last !== null && last.length === len && sameFromEnd(buf, a, last)) return this.last;
    const next = this.last?.next;
    if (next) {
      const bytes = next.bytes;
      if (bytes !== null && bytes.length === len && sameFromEnd(buf, a, bytes)) return this.remember(bytes, next);
    }
    // Two streams that alternate (a parent and its children) are both found here.
    const prev = this.prevBytes;
    if (this.prev !== null && prev.length === len && sameFromEnd(buf, a, prev)) {
      this.prevBytes = last;
      this.lastBytes = prev;
      const e = this.prev;
      this.prev = this.last;
      this.last = e;
      return e;
    }
    const bucket = this.buckets[nameHash(buf, a, b)]!;
    for (const e of bucket) {
      if (e.bytes.length === len && sameFromEnd(buf, a, e.bytes)) return this.follow(e.bytes, e.entry);
    }
    const bytes = Buffer.from(buf.subarray(a, b));
    const entry = this.byName1(bytes.toString('utf8'));
    bucket.push({ bytes, entry });
    entry.bytes ??= bytes;
    return this.follow(bytes, entry);
  }

  /** Remembers `entry` as the stream that follows the last one, then as the last one. */
  private follow(bytes: Buffer, entry: StreamCount): StreamCount {
    if (this.last !== null) this.last.next = entry;
    return this.remember(bytes, entry);
  }

  private remember(bytes: Buffer, entry: StreamCount): StreamCount {
    this.prevBytes = this.lastBytes;
    this.prev = this.last;
    this.lastBytes = bytes;
    this.last = entry;
    return entry;
  }

  byName1(name: string): StreamCount {
    let e = this.byName.get(name);
    if (!e) {
      e = new StreamCount(name);
      this.byName.set(name, e);
    }
    return e;
  }

  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, e] of this.byName) if (e.count > 0) out[name] = e.count;
    return out;
  }
}

export class LineChecker {
  lines = 0;
  otherMessages = 0;
  /** Lines that needed JSON.parse: the messages that are not RECORDs, and layouts the ends did not settle. */
  parsedLines = 0;
  badLine: BadLine | null = null;
  private readonly streams = new StreamTable();
  private readonly ends = new MessageEnds();
  /** The back end of a huge line, read into its own scanner. */
  private readonly tailEnds = new MessageEnds();
  /** The type-first RECORD prefix of the layout seen last, or null. */
  private prefix: Buffer | null = null;
  /**
   * The stream of the last type-first RECORD: a line that starts with its head (the prefix and the
   * name, compared as 32-bit words) is a RECORD of the same stream, settled by one comparison.
   */
  private headStream: StreamCount | null = null;
  private prevStream: StreamCount | null = null;
  private prefixWords = new Uint32Array(0);
  /** The ends of the last two RECORDs read from their end (two: taps that alternate shapes), newest first. */
  private tail: TailTemplate | null = null;
  private prevTail: TailTemplate | null = null;
  /** Lines the newest template has settled, and the line before which no template is learnt. */
  private tailHits = 0;
  /** The streams of the last two RECORDs settled by their ends, newest first. */
  private tailStream: StreamCount | null = null;
  private prevTailStream: StreamCount | null = null;
  /**
   * How well those streams foretell the next line's, from -16 to 16: a tap that picks its streams at
   * random would pay three vain compares a line, so below 0 they are not tried.
   */
  private foretold = 0;
  /** The streams that have an end, by a hash of their name's bytes: a stream not foretold is found by its name. */
  private readonly tailsByName: StreamCount[][] = Array.from({ length: 256 }, () => []);
  private learnAfter = 0;
  private learnPause = 1;

  /** The counts so far, as a new object. */
  records(): Record<string, number> {
    return this.streams.counts();
  }

  /**
   * Checks the complete lines of buf[start, end): returns where the first line that is not checked
   * begins — `end`, the start of an unfinished last line, or the start of a bad line (`badLine` set).
   */
  scan(buf: Buffer, start: number, end: number): number {
    let s = start;
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (;;) {
      const nl = buf.indexOf(NL, s);
      if (nl < 0 || nl >= end) return s;
      if (!this.checkOne(buf, view, s, nl)) return s;
      s = nl + 1;
    }
  }

  /** Checks the line buf[s, nl) (nl: its newline, or the end of the output), the cheapest way first. */
  private checkOne(buf: Buffer, view: DataView, s: number, nl: number): boolean {
    return this.sameHead(buf, view, s, nl) || this.fastRecord(buf, view, s, nl) || this.sameTail(buf, view, s, nl) || this.checkLine(buf, s, nl);
  }

  /**
   * A RECORD of the same layout and stream as one of the last two type-first ones: its first bytes
   * and its end. Two, because streams often alternate (a parent and its children).
   */
  private sameHead(buf: Buffer, view: DataView, s: number, nl: number): boolean {
    const last = this.headStream;
    if (last === null) return false;
    let stream: StreamCount | null = null;
    if (startsWithHead(buf, view, s, nl, last)) stream = last;
    else {
      // The stream that followed the last one before, then the one before the last.
      const next = last.next;
      const prev = this.prevStream;
      if (next !== null && next.head !== null && startsWithHead(buf, view, s, nl, next)) stream = next;
      else if (prev !== null && startsWithHead(buf, view, s, nl, prev)) stream = prev;
      if (stream !== null) {
        this.prevStream = last;
        this.headStream = stream;
      }
    }
    if (stream === null || closingBrace(buf, nl) < 0) return false; // checkLine says why a line does not end with }
    this.lines++;
    stream.count++;
    return true;
  }

  /** A type-first RECORD of the layout seen last, whatever its stream: counted without making a string. */
  private fastRecord(buf: Buffer, view: DataView, s: number, nl: number): boolean {
    const prefix = this.prefix;
    if (prefix === null) return false;
    const pl = prefix.length;
    if (nl - s <= pl) return false;
    const words = this.prefixWords;
    for (let i = 0; i < words.length; i++) if (view.getUint32(s + 4 * i, true) !== words[i]) return false;
    for (let i = words.length * 4; i < pl; i++) if (buf[s + i] !== prefix[i]) return false;
    const a = s + pl;
    let q = a;
    for (; q < nl; q++) {
      const c = buf[q];
      if (c === QUOTE) break;
      if (c === BACKSLASH) return false; // an escaped name: decoded by checkLine
    }
    if (q >= nl || closingBrace(buf, nl) < 0) return false;
    this.lines++;
    const stream = this.streams.byBytes(buf, a, q);
    stream.count++;
    this.useHead(stream, buf, s, q + 1);
    return true;
  }

  /**
   * A RECORD whose line ends as one of the last two read from their end (sorted keys): first as the
   * end of the last stream, of the one that followed it before, or of the one before it (the name
   * filled in: one compare settles the line and its stream); else as a template, its stream then
   * found by the name in the template's hole.
   */
  private sameTail(buf: Buffer, view: DataView, s: number, nl: number): boolean {
    const t = this.tail;
    if (t === null || buf[s] !== OPEN) return false;
    const last = closingBrace(buf, nl);
    if (last < 0) return false;
    let stream = this.foretold >= 0 ? this.foretoldTail(buf, view, s, last) : null;
    if (stream === null) {
      stream = this.tailByName(buf, view, s, last, t);
      if (stream !== null) this.tailFound(stream, this.tailStream?.next);
    }
    if (stream === null) stream = this.templateTail(buf, view, s, last);
    if (stream === null) return false;
    this.lines++;
    this.tailHits++;
    stream.count++;
    return true;
  }

  /** The stream of a line that ends as one of the last two templates, found by the name in its hole; its end is kept. */
  private templateTail(buf: Buffer, view: DataView, s: number, last: number): StreamCount | null {
    let t = this.tail!;
    let name = t.match(buf, view, s, last);
    if (name < 0) {
      const p = this.prevTail;
      if (p === null) return null;
      name = p.match(buf, view, s, last);
      if (name < 0) return null;
      this.prevTail = t;
      this.tail = t = p;
    }
    const nameEnd = t.nameEnd(last);
    // Before the stream table makes this stream the last one's follower.
    const foretold = this.tailStream?.next;
    const stream = this.streams.byBytes(buf, name, nameEnd);
    if (stream.tail?.of !== t) {
      if (stream.tail === null) this.tailsByName[nameHash(buf, name, nameEnd)]!.push(stream);
      stream.tail = t.filled(buf, name, last);
    }
    this.tailFound(stream, foretold);
    return stream;
  }

  /**
   * The stream whose end the line has, found by the name where the template puts its end (taps that
   * pick streams at random: one compare instead of the template's, then the name's, then a lookup).
   * Any name found is only a candidate: its stream's whole end must match.
   */
  private tailByName(buf: Buffer, view: DataView, s: number, last: number, t: TailTemplate): StreamCount | null {
    const close = t.nameEnd(last);
    const floor = Math.max(s, close - MAX_NAME);
    let open = close - 1;
    while (open > floor && buf[open] !== QUOTE) open--;
    if (buf[open] !== QUOTE) return null;
    for (const stream of this.tailsByName[nameHash(buf, open + 1, close)]!) if (stream.tail!.match(buf, view, s, last)) return stream;
    return null;
  }

  /** The stream of a line that ends as the last stream's end, its follower's or the one's before it. */
  private foretoldTail(buf: Buffer, view: DataView, s: number, last: number): StreamCount | null {
    const ts = this.tailStream;
    if (ts === null) return null;
    let stream: StreamCount | null = null;
    if (ts.tail!.match(buf, view, s, last)) stream = ts;
    else {
      const next = ts.next;
      const prev = this.prevTailStream;
      if (next !== null && next.tail !== null && next.tail.match(buf, view, s, last)) stream = next;
      else if (prev !== null && prev.tail!.match(buf, view, s, last)) stream = prev;
      if (stream === null) {
        this.foretold--;
        return null;
      }
      this.prevTailStream = ts;
      this.tailStream = stream;
    }
    if (this.foretold < 16) this.foretold++;
    return stream;
  }

  /** Keeps the stream of a line settled by a template, and how well it was foretold. */
  private tailFound(stream: StreamCount, follower: StreamCount | null | undefined): void {
    const ts = this.tailStream;
    // Untried, a foretelling that would have been right counts as right.
    if (this.foretold < 0 && (stream === ts || stream === follower || stream === this.prevTailStream)) this.foretold++;
    else if (this.foretold > -16) this.foretold--;
    if (stream !== ts) {
      if (ts !== null) ts.next = stream;
      this.prevTailStream = ts;
      this.tailStream = stream;
    }
  }

  /** Makes `stream` the one sameHead compares with; its head is built once per layout. */
  private useHead(stream: StreamCount, buf: Buffer, s: number, end: number): void {
    if (stream !== this.headStream) {
      if (this.headStream !== null) this.headStream.next = stream;
      this.prevStream = this.headStream;
    }
    if (stream.headPrefix !== this.prefix) {
      const head = Buffer.from(buf.subarray(s, end));
      stream.head = head;
      stream.headWords = new Uint32Array(head.length >> 2);
      for (let i = 0; i < stream.headWords.length; i++) stream.headWords[i] = head.readUInt32LE(i * 4);
      stream.headPrefix = this.prefix;
    }
    this.headStream = stream;
  }

  /**
   * Checks one line held in several buffers (a line cut between chunks, or a huge one), ending with
   * its newline or, at the end of the output, without one. Returns the buffers to forward (the line
   * joined when it is small), or null when it is bad.
   */
  checkParts(parts: Buffer[], bytes: number): Buffer[] | null {
    if (bytes <= HEAD_BYTES * 2) {
      const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts, bytes);
      const end = line[line.length - 1] === NL ? line.length - 1 : line.length;
      // Through the same fast paths as any other line: a line cut between two reads is one a
      // template settles, and reading it token by token would learn a template anew at every read.
      return this.checkOne(line, new DataView(line.buffer, line.byteOffset, line.byteLength), 0, end) ? [line] : null;
    }
    // A huge line (50 MB records must pass): read its two ends only.
    this.lines++;
    const head = Buffer.concat(parts, HEAD_BYTES).subarray(0, HEAD_BYTES);
    const tail = lastBytes(parts, HEAD_BYTES);
    const first = firstNonSpace(head, 0, head.length);
    const last = lastNonSpace(tail, 0, tail.length);
    if (head[first] !== OPEN || tail[last] !== CLOSE) {
      this.fail(this.lines, head, 'it is not a JSON object');
      return null;
    }
    const front = this.ends;
    front.reset();
    front.forward(head, first, head.length);
    const back = this.tailEnds;
    back.reset();
    if (front.typeStart < 0 || front.streamStart < 0) back.backward(tail, 0, last);
    const [typeBuf, t] = front.typeStart >= 0 ? [head, front] : [tail, back];
    if (t.typeStart < 0 || t.typeEscaped) {
      this.fail(this.lines, head, 'it has no string "type" near its start or end');
      return null;
    }
    if (!sameWord(typeBuf, t.typeStart, t.typeEnd, RECORD)) {
      this.otherMessages++;
      return parts;
    }
    const [streamBuf, st] = front.streamStart >= 0 ? [head, front] : [tail, back];
    if (st.streamStart >= 0) this.count(streamBuf, st.streamStart, st.streamEnd, st.streamEscaped);
    return parts;
  }

  /** Checks buf[start, end) (end is the newline's index, or the end of the output). */
  checkLine(buf: Buffer, start: number, end: number): boolean {
    this.lines++;
    const first = firstNonSpace(buf, start, end);
    if (first >= end) return true; // blank line: harmless, forwarded as is
    const last = lastNonSpace(buf, first, end);
    if (buf[first] !== OPEN || buf[last] !== CLOSE) return this.fail(this.lines, buf.subarray(start, end), notAnObject(buf, start, end));
    const e = this.ends;
    e.reset();
    e.forward(buf, first, last + 1);
    const fromFront = e.typeStart >= 0 || e.streamStart >= 0;
    if (e.unread && !e.odd && (e.typeStart < 0 || e.streamStart < 0)) e.backward(buf, first, last);
    if (!e.odd && e.typeStart >= 0 && !e.typeEscaped && e.streamStart >= 0 && sameWord(buf, e.typeStart, e.typeEnd, RECORD)) {
      const stream = this.count(buf, e.streamStart, e.streamEnd, e.streamEscaped);
      if (first === start) this.learnPrefix(buf, start, end, stream);
      if (first === start && !fromFront && e.nestedClose >= 0 && !e.streamEscaped) this.learnTail(buf, e, last);
      return true;
    }
    // Other messages (SCHEMA, STATE, …) are few, and odd layouts rare: parse them properly.
    let msg: unknown;
    this.parsedLines++;
    try {
      msg = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      return this.fail(this.lines, buf.subarray(start, end), 'it is not valid JSON');
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return this.fail(this.lines, buf.subarray(start, end), 'it is not a JSON object');
    }
    const m = msg as { type?: unknown; stream?: unknown };
    if (typeof m.type !== 'string') return this.fail(this.lines, buf.subarray(start, end), 'it has no string "type"');
    if (m.type === 'RECORD' && typeof m.stream === 'string') this.streams.byName1(m.stream).count++;
    else this.otherMessages++;
    return true;
  }

  private count(buf: Buffer, a: number, b: number, escaped: boolean): StreamCount {
    const stream = escaped ? this.streams.byName1(JSON.parse(buf.toString('utf8', a - 1, b + 1)) as string) : this.streams.byBytes(buf, a, b);
    stream.count++;
    return stream;
  }

  /** A RECORD line that starts with a known type-first prefix makes it the fast path's. */
  private learnPrefix(buf: Buffer, start: number, end: number, stream: StreamCount): void {
    for (const p of PREFIXES) {
      if (end - start > p.length && equalBytes(buf, start, p)) {
        if (this.prefix !== p) {
          this.prefix = p;
          this.prefixWords = new Uint32Array(p.length >> 2);
          for (let i = 0; i < this.prefixWords.length; i++) this.prefixWords[i] = p.readUInt32LE(i * 4);
        }
        const q = buf.indexOf(QUOTE, start + p.length);
        if (q > 0 && q < end && stream.name === buf.toString('utf8', start + p.length, q)) this.useHead(stream, buf, start, q + 1);
        return;
      }
    }
  }

  /**
   * A RECORD read from its end (both "type" and "stream" after the record) makes its end a template.
   * A tap whose ends keep changing shape would have one learnt per line, for nothing: a template that
   * settled few lines doubles the pause before the next is learnt, so such a tap costs what reading
   * token by token costs.
   */
  private learnTail(buf: Buffer, e: MessageEnds, last: number): void {
    if (this.lines < this.learnAfter) return;
    const t = TailTemplate.learn(buf, e.nestedClose, last, e.typeStart, e.streamStart, e.streamEnd);
    if (t === null) return;
    this.learnPause = this.tail === null || this.tailHits >= 16 ? 1 : Math.min(this.learnPause * 2, 4096);
    this.learnAfter = this.lines + this.learnPause;
    this.tailHits = 0;
    this.prevTail = this.tail;
    this.tail = t;
  }

  private fail(lineNumber: number, bytes: Buffer, reason: string): false {
    const excerpt = bytes.toString('utf8', 0, Math.min(bytes.length, 800)).slice(0, 200);
    this.badLine = { lineNumber, excerpt, reason };
    return false;
  }
}

/** A stream name's bucket: its length and both its ends (stream_001, stream_002; users_x, order_x). */
function nameHash(buf: Buffer, a: number, b: number): number {
  if (b <= a) return 0;
  let h = ((b - a) * 31 + buf[a]!) | 0;
  for (let i = Math.max(a + 1, b - 3); i < b; i++) h = (h * 31 + buf[i]!) | 0;
  return h & 255;
}

/** Whether the line at buf[s, nl) starts with the stream's head (compared 4 bytes at a time, from its end). */
function startsWithHead(buf: Buffer, view: DataView, s: number, nl: number, stream: StreamCount): boolean {
  const head = stream.head!;
  const hl = head.length;
  if (nl - s <= hl) return false;
  // Heads of the same layout differ only at their end, in the name: compare the end first.
  const words = stream.headWords;
  const n = words.length;
  for (let i = n * 4; i < hl; i++) if (buf[s + i] !== head[i]) return false;
  for (let i = n - 1; i >= 0; i--) if (view.getUint32(s + 4 * i, true) !== words[i]) return false;
  return true;
}

/** The index of the `}` that ends the line whose newline is buf[nl] (trailing spaces and a CR allowed), or -1. */
function closingBrace(buf: Buffer, nl: number): number {
  let l = nl - 1;
  while (buf[l] === SPACE || buf[l] === CR || buf[l] === TAB) l--;
  return buf[l] === CLOSE ? l : -1;
}

function sameWord(buf: Buffer, a: number, b: number, word: Buffer): boolean {
  return b - a === word.length && equalBytes(buf, a, word);
}

/** Why a line that does not look like `{…}` is refused: it is JSON but not an object, or not JSON at all. */
function notAnObject(buf: Buffer, start: number, end: number): string {
  if (buf[firstNonSpace(buf, start, end)] === OPEN) return 'it is not a JSON object'; // an object cut short
  try {
    JSON.parse(buf.toString('utf8', start, end));
    return 'it is not a JSON object';
  } catch {
    return 'it is not valid JSON';
  }
}

/** Whether buf holds the name's bytes at `at` (as long as the caller checked): compared from the end, where names of one tap differ (stream_001, stream_002). */
function sameFromEnd(buf: Buffer, at: number, name: Buffer): boolean {
  for (let i = name.length - 1; i >= 0; i--) if (buf[at + i] !== name[i]) return false;
  return true;
}

function equalBytes(buf: Buffer, at: number, p: Buffer): boolean {
  const n = p.length;
  if (at + n > buf.length) return false;
  for (let i = 0; i < n; i++) if (buf[at + i] !== p[i]) return false;
  return true;
}

function firstNonSpace(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === SPACE || buf[i] === TAB || buf[i] === CR)) i++;
  return i;
}

function lastNonSpace(buf: Buffer, start: number, end: number): number {
  let i = end - 1;
  while (i > start && (buf[i] === SPACE || buf[i] === TAB || buf[i] === CR || buf[i] === NL)) i--;
  return i;
}

/** The last `n` bytes of a line held in parts. */
function lastBytes(parts: Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let got = 0;
  for (let p = parts.length - 1; p >= 0 && got < n; p--) {
    const b = parts[p]!;
    const take = Math.min(b.length, n - got);
    out.unshift(b.subarray(b.length - take));
    got += take;
  }
  return Buffer.concat(out, got);
}
