/**
 * Typed values (DESIGN §5 "Typed secrets"): a value that arrives as text (a secret from the
 * environment or VS Code's secret storage) converted by a setting's kind the way Meltano converts a
 * setting it reads from `.env` or the environment (meltano/core/setting_definition.py `cast_value`):
 * integers as Python's int() reads them, booleans true only for Meltano's truthy words, arrays and
 * objects as JSON (or, failing that, as a Python literal, as Meltano's fallback reads them).
 */

export const SECRET_KINDS = ['string', 'integer', 'number', 'boolean', 'array', 'object'] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];

/** meltano/core/utils `TRUTHY`: any other text is false. */
export const TRUTHY_WORDS = ['true', '1', 'yes', 'on'] as const;

export function isSecretKind(v: unknown): v is SecretKind {
  return typeof v === 'string' && (SECRET_KINDS as readonly string[]).includes(v);
}

/** Our kind for a Meltano setting kind; null for the kinds Meltano passes as text (string, password, options, …). */
export function kindOfMeltanoSetting(kind: string | undefined): Exclude<SecretKind, 'string'> | null {
  switch (kind) {
    case 'integer':
    case 'boolean':
    case 'array':
    case 'object':
      return kind;
    case 'decimal':
      return 'number';
    default:
      return null;
  }
}

/** What a value of that kind must be, for errors: "a whole number". */
export const KIND_WORDS: Record<SecretKind, string> = {
  string: 'text',
  integer: 'a whole number such as 5432',
  number: 'a number such as 0.5',
  boolean: `true or false (${TRUTHY_WORDS.join(', ')} are true, anything else false)`,
  array: 'a JSON array such as ["a", "b"]',
  object: 'a JSON object such as {"key": "value"}',
};

export type Converted = { ok: true; value: unknown } | { ok: false; reason: string };

const WS = /^[\s]+|[\s]+$/g;
const INTEGER = /^[+-]?\d+(?:_\d+)*$/;
const DECIMAL = /^[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?$/;

/** Converts text by kind as Meltano does; never throws. */
export function convertByKind(text: string, kind: SecretKind): Converted {
  switch (kind) {
    case 'string':
      return { ok: true, value: text };
    case 'boolean':
      return { ok: true, value: (TRUTHY_WORDS as readonly string[]).includes(text.toLowerCase()) };
    case 'integer': {
      const t = text.replace(WS, '');
      if (!INTEGER.test(t)) return { ok: false, reason: 'it is not a whole number' };
      const n = Number(t.replace(/_/g, ''));
      if (!Number.isSafeInteger(n)) return { ok: false, reason: 'it is too large to be passed exactly' };
      return { ok: true, value: n };
    }
    case 'number': {
      const t = text.replace(WS, '');
      if (!DECIMAL.test(t)) return { ok: false, reason: /^[+-]?(inf(inity)?|s?nan)$/i.test(t) ? 'JSON has no infinite or not-a-number values' : 'it is not a number' };
      const n = Number(t.replace(/_/g, ''));
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, reason: 'it is too large' };
    }
    case 'array': {
      const v = parseStructured(text);
      // Python's list() of any sequence: a string becomes its characters, as in Meltano.
      if (typeof v === 'string') return { ok: true, value: [...v] };
      return Array.isArray(v) ? { ok: true, value: v } : { ok: false, reason: v === NOT_PARSED ? 'it is neither JSON nor a Python literal' : 'it is not an array' };
    }
    case 'object': {
      const v = parseStructured(text);
      return isObject(v) ? { ok: true, value: v } : { ok: false, reason: v === NOT_PARSED ? 'it is neither JSON nor a Python literal' : 'it is not an object' };
    }
  }
}

const NOT_PARSED = Symbol('not parsed');

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** json.loads, then ast.literal_eval as Meltano's fallback (single quotes, True/False/None, tuples). */
function parseStructured(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return new PythonLiteral(text).parse();
    } catch {
      return NOT_PARSED;
    }
  }
}

/** The part of Python's literal syntax a setting can hold: strings, numbers, constants, lists, tuples and dicts. */
class PythonLiteral {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): unknown {
    const v = this.value();
    this.space();
    if (this.i !== this.s.length) throw new Error('trailing text');
    return v;
  }

  private space(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  private value(): unknown {
    this.space();
    const c = this.s[this.i];
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '{') return this.dict();
    if (c === '"' || c === "'") return this.string();
    const word = /^(True|False|None)\b/.exec(this.s.slice(this.i));
    if (word) {
      this.i += word[0].length;
      return word[0] === 'True' ? true : word[0] === 'False' ? false : null;
    }
    const num = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/.exec(this.s.slice(this.i));
    if (num) {
      this.i += num[0].length;
      const n = Number(num[0].replace(/_/g, ''));
      if (!Number.isFinite(n)) throw new Error('not a number');
      return n;
    }
    throw new Error('unexpected text');
  }

  private sequence(close: string): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.space();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.space();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new Error('expected , or the end');
    }
  }

  private dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.space();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.value();
      if (typeof key === 'object' && key !== null) throw new Error('a key must be a plain value');
      this.space();
      if (this.s[this.i++] !== ':') throw new Error('expected :');
      // json.dumps writes keys as text: True -> "true", None -> "null".
      out[key === null ? 'null' : String(key)] = this.value();
      this.space();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new Error('expected , or }');
    }
  }

  private string(): string {
    const quote = this.s[this.i++]!;
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) throw new Error('unterminated string');
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
      if (e === 'u' || e === 'x') {
        const len = e === 'u' ? 4 : 2;
        out += String.fromCharCode(parseInt(this.s.slice(this.i, this.i + len), 16));
        this.i += len;
      } else if (e !== undefined && simple[e] !== undefined) out += simple[e];
      else out += `\\${e ?? ''}`;
    }
  }
}
