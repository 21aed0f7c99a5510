/**
 * The end of a RECORD line whose "type" and "stream" come after the record (sorted keys: Go, Rust and
 * `sort_keys=True` taps), kept as a template so the next line of the same shape is settled by
 * comparing its end 8 bytes at a time instead of reading it token by token (~3× less CPU a line).
 *
 * The template is the bytes from the record's closing brace to the line's last `}`, with a hole
 * where the stream name is, so one template serves every stream:
 * `}, "stream": "` · NAME · `", "time_extracted": "2026-11-30T05:23:51.350439Z", "type": "RECORD"}`.
 * A line matches when its end has the same bytes around a name without quotes or backslashes, except
 * inside other string values (a new timestamp) and digits of numbers (`"version": 17…`). A byte that
 * differs there may not be a quote, a backslash or a control character: those are the only bytes
 * that could move where a string starts or ends. So a matching end is read, token by token, exactly
 * as the template was: the same keys at the same places, "type" still "RECORD", the name in the hole.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** What may differ at a position: nothing (0, the mask's default), string content, or a digit. */
const TEXT = 1;
const DIGIT = 2;

/**
 * Whether a byte may differ from the template's, by what may differ there (the mask's kind, times 256,
 * plus the byte): one lookup and one compare, so the optimised code has no branch that the first
 * lines never took (V8 compiles such a branch to a deoptimisation, and recompiles the whole inlined
 * chain when a later line takes it).
 */
const ALLOWED = new Uint8Array(3 * 256);
for (let c = 0; c < 256; c++) {
  ALLOWED[(TEXT << 8) | c] = c === QUOTE || c === BACKSLASH || c < SPACE ? 0 : 1;
  ALLOWED[(DIGIT << 8) | c] = c >= DIGIT_0 && c <= DIGIT_9 ? 1 : 0;
}

/** Longer ends are rare and cheap enough to read token by token. */
const MAX_BYTES = 512;
/** A stream name longer than this is read token by token. */
export const MAX_NAME = 256;

/** Bytes that must match, but for the positions the mask lets vary. */
class Part {
  readonly words: Uint32Array;
  /**
   * The same bytes 8 at a time, as doubles: two doubles that are equal, neither NaN nor zero, have the
   * same bits, so one compare settles 8 bytes. A pair whose bits are NaN or ±0 (the two zeros are
   * equal) is kept as NaN, which equals nothing: its two words are compared instead.
   */
  private readonly pairs: Float64Array;
  /** 1 where a word lies inside a string value (all 4 bytes TEXT): checked whole when it differs. */
  private readonly textWords: Uint8Array;
  /** The last 4 bytes, where the length is not a multiple of 4: the rest is compared as one more word. */
  private lastWord: number;
  constructor(
    readonly bytes: Buffer,
    readonly mask: Uint8Array,
  ) {
    this.words = new Uint32Array(bytes.length >> 2);
    for (let i = 0; i < this.words.length; i++) this.words[i] = bytes.readUInt32LE(i * 4);
    this.pairs = new Float64Array(bytes.length >> 3);
    for (let p = 0; p < this.pairs.length; p++) this.pairs[p] = usable(bytes.readDoubleLE(p * 8));
    this.textWords = new Uint8Array(this.words.length);
    for (let w = 0; w < this.words.length; w++) {
      this.textWords[w] = mask[4 * w] === TEXT && mask[4 * w + 1] === TEXT && mask[4 * w + 2] === TEXT && mask[4 * w + 3] === TEXT ? 1 : 0;
    }
    this.lastWord = bytes.length >= 4 ? bytes.readUInt32LE(bytes.length - 4) : 0;
  }

  /** Whether buf holds these bytes at `at`. */
  matches(buf: Buffer, view: DataView, at: number): boolean {
    const pairs = this.pairs;
    for (let p = 0; p < pairs.length; p++) {
      const x = view.getFloat64(at + 8 * p, true);
      if (x === pairs[p]) continue;
      if (!this.word(buf, view, at, 2 * p) || !this.word(buf, view, at, 2 * p + 1)) return false;
      // Both words fit (or took the line's): so does the pair.
      pairs[p] = usable(x);
    }
    const words = this.words;
    if ((words.length & 1) === 1 && !this.word(buf, view, at, words.length - 1)) return false;
    const tail = words.length * 4;
    const n = this.bytes.length;
    if (tail === n) return true;
    if (n >= 4) {
      // Its first bytes were compared with the last whole word just now, so an equal word means an
      // equal rest.
      const word = view.getUint32(at + n - 4, true);
      if (word === this.lastWord) return true;
      if (!this.fits(buf, at, tail, n)) return false;
      this.lastWord = word;
      return true;
    }
    return this.fits(buf, at, tail, n);
  }

  /** Whether word w of the line fits this one's; the word then takes the line's bytes. */
  private word(buf: Buffer, view: DataView, at: number, w: number): boolean {
    const word = view.getUint32(at + 4 * w, true);
    const words = this.words;
    if (word === words[w]) return true;
    // Inside a string value (a timestamp's digits, new on every line): any 4 bytes but a quote, a
    // backslash or a control byte, all four tested at once.
    if (this.textWords[w] === 1 ? !plainText(word) : !this.fits(buf, at, 4 * w, 4 * w + 4)) return false;
    // The line's bytes fit where they differ, so the word takes them: the next line with the same
    // timestamp (a tap stamps a batch at once) then matches word for word. `bytes` keeps the
    // learnt line's: fits() needs only some valid bytes to tell which ones differ.
    words[w] = word;
    return true;
  }

  /** Positions [from, to) where some byte differs: each difference must be one the mask allows. */
  private fits(buf: Buffer, at: number, from: number, to: number): boolean {
    for (let i = from; i < to; i++) {
      const c = buf[at + i]!;
      if (c !== this.bytes[i] && ALLOWED[(this.mask[i]! << 8) | c] === 0) return false;
    }
    return true;
  }
}

/** A pair's bits as a double that equals only the same bits: NaN (equals nothing) for NaN and ±0. */
function usable(x: number): number {
  return x === 0 ? NaN : x;
}

/**
 * Whether none of the 4 bytes of `x` is a quote, a backslash or below 0x20: the classic tests for a
 * zero byte (after XOR with the byte sought) and for a byte below a value, which are exact as a whole.
 */
export function plainText(x: number): boolean {
  const q = x ^ 0x22222222;
  const b = x ^ 0x5c5c5c5c;
  return ((((x - 0x20202020) & ~x) | ((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b)) & 0x80808080) === 0;
}

export class TailTemplate {
  private constructor(
    /** From the record's closing brace through the name's opening quote. */
    private readonly before: Part,
    /** From the name's closing quote through the line's closing brace. */
    private readonly after: Part,
  ) {}

  /**
   * Learns the end of buf's line from `close` (the record's closing brace or bracket) to `last` (the
   * line's closing brace), whose "type" value starts at buf[typeFrom] and stream name is
   * buf[streamFrom, streamTo); null when the end holds a backslash or is long.
   */
  static learn(buf: Buffer, close: number, last: number, typeFrom: number, streamFrom: number, streamTo: number): TailTemplate | null {
    const n = last - close + 1;
    if (n - (streamTo - streamFrom) > MAX_BYTES || streamFrom <= close || typeFrom <= close) return null;
    const bytes = buf.subarray(close, last + 1);
    const mask = new Uint8Array(n);
    for (let i = 1; i < n; i++) {
      const c = bytes[i]!;
      if (c === BACKSLASH) return null;
      if (c === QUOTE) {
        const end = bytes.indexOf(QUOTE, i + 1);
        if (end < 0) return null;
        if (bytes.subarray(i + 1, end).includes(BACKSLASH)) return null;
        // A key (followed by a colon) and the "type" value are fixed; other string values vary.
        let after = end + 1;
        while (bytes[after] === SPACE) after++;
        const isKey = bytes[after] === COLON;
        const isType = close + i + 1 === typeFrom;
        if (!isKey && !isType) mask.fill(TEXT, i + 1, end);
        i = end;
      } else if (c >= DIGIT_0 && c <= DIGIT_9) {
        mask[i] = DIGIT;
      }
    }
    const from = streamFrom - close;
    const to = streamTo - close;
    return new TailTemplate(new Part(Buffer.from(bytes.subarray(0, from)), mask.slice(0, from)), new Part(Buffer.from(bytes.subarray(to)), mask.slice(to)));
  }

  /**
   * Where the stream name of the line starting at `s` and closing at buf[last] begins, when the line
   * ends as the template does (it ends before `nameEnd(last)`); else -1.
   */
  match(buf: Buffer, view: DataView, s: number, last: number): number {
    const close = this.nameEnd(last);
    if (close <= s || !this.after.matches(buf, view, close)) return -1;
    const floor = Math.max(s, close - MAX_NAME);
    let open = close - 1;
    for (; open > floor; open--) {
      const c = buf[open]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < SPACE) return -1; // an escaped name: read token by token
    }
    if (buf[open] !== QUOTE) return -1;
    const at = open + 1 - this.before.bytes.length;
    if (at <= s || !this.before.matches(buf, view, at)) return -1;
    return open + 1;
  }

  /** The index of the name's closing quote in a line closing at buf[last]. */
  nameEnd(last: number): number {
    return last + 1 - this.after.bytes.length;
  }

  /**
   * This end with the name of the line just matched filled in (its name starts at buf[name], the line
   * closes at buf[last]): one stream's own end, which settles a line of that stream, and tells its
   * stream, by one compare.
   */
  filled(buf: Buffer, name: number, last: number): StreamTail {
    const before = this.before;
    const at = name - before.bytes.length;
    const mask = new Uint8Array(last + 1 - at);
    mask.set(before.mask, 0);
    mask.set(this.after.mask, this.nameEnd(last) - at);
    return new StreamTail(this, new Part(Buffer.from(buf.subarray(at, last + 1)), mask));
  }
}

/** One stream's end: a template's bytes with that stream's name in the hole. */
export class StreamTail {
  constructor(
    /** The template it was filled from. */
    readonly of: TailTemplate,
    private readonly part: Part,
  ) {}

  /** Whether the line closing at buf[last] (and starting at s) ends with this stream's end. */
  match(buf: Buffer, view: DataView, s: number, last: number): boolean {
    const at = last + 1 - this.part.bytes.length;
    return at > s && this.part.matches(buf, view, at);
  }
}
