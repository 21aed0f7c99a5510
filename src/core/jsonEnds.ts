/**
 * Reads a Singer message's top-level "type" and "stream" from the two ends of its line: the members
 * before the first nested value, read from the front, and the members after the last nested value,
 * read from the back. The nested value in between (the record, which may hold any bytes) is never
 * read. One instance is reused line after line and allocates nothing: the relay calls it a million
 * times a job.
 *
 * Strings are found by their quotes; a quote preceded by an odd number of backslashes is part of the
 * string (valid JSON allows no other escaped quote), so a string is also found backwards. A line
 * this cannot settle (an escaped key, a shape it does not expect) is flagged `odd`, and the caller
 * parses it whole.
 */

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const NL = 0x0a;

const T = 0x74; // t
const S = 0x73; // s

export class MessageEnds {
  /** The "type" value's bytes [typeStart, typeEnd), or typeStart = -1 when not found. */
  typeStart = -1;
  typeEnd = -1;
  typeEscaped = false;
  streamStart = -1;
  streamEnd = -1;
  streamEscaped = false;
  /** A top-level value was left unread (a nested one, or the buffer's end came first). */
  unread = false;
  /** The line is not what a JSON object looks like here: JSON.parse decides. */
  odd = false;
  /** Where the backward read stopped at a nested value's closing brace or bracket, else -1. */
  nestedClose = -1;
  /** Set by the string scanners: whether the string just found holds a backslash. */
  private escaped = false;

  reset(): void {
    this.typeStart = this.typeEnd = this.streamStart = this.streamEnd = -1;
    this.typeEscaped = this.streamEscaped = false;
    this.unread = this.odd = false;
    this.nestedClose = -1;
  }

  /** The members of the object opening at buf[open], from the front, up to `limit` (exclusive). */
  forward(buf: Buffer, open: number, limit: number): void {
    let i = skip(buf, open + 1, limit);
    if (buf[i] === CLOSE) return; // {}
    for (;;) {
      if (i >= limit) return this.stop(false);
      if (buf[i] !== QUOTE) return this.stop(true);
      const keyStart = i + 1;
      const keyEnd = this.stringEnd(buf, i, limit);
      if (keyEnd < 0) return this.stop(false);
      const keyEscaped = this.escaped;
      i = skip(buf, keyEnd + 1, limit);
      if (i >= limit) return this.stop(false);
      if (buf[i] !== COLON) return this.stop(true);
      i = skip(buf, i + 1, limit);
      const c = buf[i];
      if (c === QUOTE) {
        const valueEnd = this.stringEnd(buf, i, limit);
        if (valueEnd < 0) return this.stop(false);
        if (!keyEscaped) this.note(buf, keyStart, keyEnd, i + 1, valueEnd);
        i = valueEnd + 1;
      } else if (c === OPEN || c === OPEN_ARRAY) {
        return this.stop(false);
      } else {
        // A number, true, false or null: it ends where the next member or the object does.
        while (i < limit && buf[i] !== COMMA && buf[i] !== CLOSE) i++;
      }
      i = skip(buf, i, limit);
      if (buf[i] === COMMA) {
        i = skip(buf, i + 1, limit);
        continue;
      }
      if (buf[i] === CLOSE) return;
      return this.stop(i < limit);
    }
  }

  /** The members of the object whose closing brace is buf[close], from the back, down to `floor`. */
  backward(buf: Buffer, floor: number, close: number): void {
    this.unread = false;
    let i = skipBack(buf, close - 1, floor);
    if (buf[i] === OPEN) return; // {}
    for (;;) {
      if (i < floor) return this.stop(false);
      let valueStart = -1;
      let valueEnd = -1;
      const c = buf[i];
      if (c === QUOTE) {
        valueEnd = i;
        const q = this.stringStart(buf, i, floor);
        if (q < 0) return this.stop(false);
        valueStart = q + 1;
        i = skipBack(buf, q - 1, floor);
      } else if (c === CLOSE || c === CLOSE_ARRAY) {
        this.nestedClose = i;
        return this.stop(false);
      } else {
        // A number, true, false or null: none holds a colon.
        while (i >= floor && buf[i] !== COLON) i--;
      }
      const valueEscaped = this.escaped;
      if (i < floor) return this.stop(false);
      if (buf[i] !== COLON) return this.stop(true);
      i = skipBack(buf, i - 1, floor);
      if (i < floor) return this.stop(false);
      if (buf[i] !== QUOTE) return this.stop(true);
      const keyEnd = i;
      const q = this.stringStart(buf, i, floor);
      if (q < 0) return this.stop(false);
      if (valueStart >= 0 && !this.escaped) this.noteBack(buf, q + 1, keyEnd, valueStart, valueEnd, valueEscaped);
      i = skipBack(buf, q - 1, floor);
      if (i < floor) return this.stop(false);
      if (buf[i] === COMMA) {
        i = skipBack(buf, i - 1, floor);
        continue;
      }
      if (buf[i] !== OPEN) this.odd = true;
      return;
    }
  }

  private stop(odd: boolean): void {
    if (odd) this.odd = true;
    else this.unread = true;
  }

  private note(buf: Buffer, ks: number, ke: number, vs: number, ve: number): void {
    this.noteBack(buf, ks, ke, vs, ve, this.escaped);
  }

  private noteBack(buf: Buffer, ks: number, ke: number, vs: number, ve: number, escaped: boolean): void {
    const len = ke - ks;
    if (len === 4 && buf[ks] === T && buf[ks + 1] === 0x79 && buf[ks + 2] === 0x70 && buf[ks + 3] === 0x65) {
      if (this.typeStart < 0) {
        this.typeStart = vs;
        this.typeEnd = ve;
        this.typeEscaped = escaped;
      }
    } else if (len === 6 && buf[ks] === S && buf[ks + 1] === T && buf[ks + 2] === 0x72 && buf[ks + 3] === 0x65 && buf[ks + 4] === 0x61 && buf[ks + 5] === 0x6d) {
      if (this.streamStart < 0) {
        this.streamStart = vs;
        this.streamEnd = ve;
        this.streamEscaped = escaped;
      }
    }
  }

  /** The index of the closing quote of the string opening at buf[open], or -1 before `limit`. */
  private stringEnd(buf: Buffer, open: number, limit: number): number {
    let escaped = false;
    for (let i = open + 1; i < limit; i++) {
      const c = buf[i];
      if (c === BACKSLASH) {
        escaped = true;
        i++; // whatever follows a backslash belongs to the string
      } else if (c === QUOTE) {
        this.escaped = escaped;
        return i;
      }
    }
    return -1;
  }

  /** The index of the opening quote of the string closing at buf[close], or -1 below `floor`. */
  private stringStart(buf: Buffer, close: number, floor: number): number {
    let escaped = false;
    for (let i = close - 1; i >= floor; i--) {
      const c = buf[i];
      if (c === BACKSLASH) escaped = true;
      if (c !== QUOTE) continue;
      let b = 0;
      while (i - 1 - b >= floor && buf[i - 1 - b] === BACKSLASH) b++;
      if (b % 2 === 0) {
        this.escaped = escaped;
        return i;
      }
      escaped = true;
    }
    return -1;
  }
}

function isSpace(c: number | undefined): boolean {
  return c === SPACE || c === TAB || c === CR || c === NL;
}

function skip(buf: Buffer, i: number, limit: number): number {
  while (i < limit && isSpace(buf[i])) i++;
  return i;
}

function skipBack(buf: Buffer, i: number, floor: number): number {
  while (i >= floor && isSpace(buf[i])) i--;
  return i;
}
