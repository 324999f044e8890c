/**
 * A small reader for EDN, the data notation of Jepsen and Elle histories: nil, booleans,
 * numbers, strings, characters, keywords, symbols, vectors, lists, maps, sets, tagged values
 * (`#inst "..."`, `#jepsen.history.Op{...}` reads as its map), comments (`;`) and discards
 * (`#_`). Commas are whitespace.
 *
 * It reads straight into plain JSON values, which is all a history checker needs: a keyword
 * becomes its name without the colon (`:cas` → `"cas"`), a vector or list an array, a set an
 * array (in its written order), a map a plain object keyed by the keys' printed names (or,
 * for keys that are themselves collections, their JSON), nil `null`. Every top-level value
 * comes with the line it started on, so a history's operation can be traced back to its
 * line. Written by hand (a few hundred lines) rather than taken as a dependency so that it
 * runs unchanged in Node and in the browser and reports line and column on every error.
 */
import { HistoryParseError, quote } from './history-parse-error.ts';

/** A top-level EDN value with where it started. */
export interface EdnForm {
  value: unknown;
  line: number;
  column: number;
}

const DELIMITERS = new Set(['(', ')', '[', ']', '{', '}', '"', ';']);

/** Reads EDN text, one character position at a time, tracking line and column. */
export class EdnReader {
  private pos = 0;
  private lineNo = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  /** Reads every top-level form of the text. */
  readAll(): EdnForm[] {
    const forms: EdnForm[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return forms;
      const line = this.lineNo;
      const column = this.column();
      const value = this.readForm();
      if (value !== DISCARDED) forms.push({ value, line, column });
    }
  }

  /** Calls `visit` with each top-level form as it is read (for very large histories). */
  forEach(visit: (form: EdnForm) => void): void {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return;
      const line = this.lineNo;
      const column = this.column();
      const value = this.readForm();
      if (value !== DISCARDED) visit({ value, line, column });
    }
  }

  /** True when the first form of the text is a vector or a list. */
  startsWithSequence(): boolean {
    this.skipSpace();
    const c = this.text[this.pos];
    return c === '[' || c === '(';
  }

  /**
   * Calls `visit` with each element of the text's one top-level vector (or list), with the
   * element's own line, so that a history written as one vector still reports lines.
   */
  forEachInSequence(visit: (form: EdnForm) => void): void {
    this.skipSpace();
    const close = this.text[this.pos] === '[' ? ']' : ')';
    this.pos++;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) this.fail(`'${close}' to close the history`);
      if (this.text[this.pos] === close) {
        this.pos++;
        break;
      }
      const line = this.lineNo;
      const column = this.column();
      const value = this.readForm();
      if (value !== DISCARDED) visit({ value, line, column });
    }
    this.skipSpace();
    if (this.pos < this.text.length) this.fail("nothing after the history's closing bracket");
  }

  private column(): number {
    return this.pos - this.lineStart + 1;
  }

  private fail(expected: string): never {
    const rest = this.text.slice(this.pos, this.text.indexOf('\n', this.pos) === -1 ? undefined : this.text.indexOf('\n', this.pos));
    throw new HistoryParseError(expected, this.lineNo, this.column(), this.pos >= this.text.length ? 'the end of the input' : quote(rest));
  }

  private skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 10) {
        this.pos++;
        this.lineNo++;
        this.lineStart = this.pos;
      } else if (c === 32 || c === 9 || c === 13 || c === 44) {
        this.pos++;
      } else if (c === 59) {
        while (this.pos < text.length && text.charCodeAt(this.pos) !== 10) this.pos++;
      } else {
        return;
      }
    }
  }

  private readForm(): unknown {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail('an EDN value');
    const c = this.text[this.pos]!;
    switch (c) {
      case '[':
        this.pos++;
        return this.readSequence(']');
      case '(':
        this.pos++;
        return this.readSequence(')');
      case '{':
        this.pos++;
        return this.readMap();
      case '"':
        return this.readString();
      case '\\':
        return this.readCharacter();
      case '#':
        return this.readDispatch();
      case ')':
      case ']':
      case '}':
        return this.fail('an EDN value');
      default:
        return this.readAtom();
    }
  }

  private readSequence(close: string): unknown[] {
    const items: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) this.fail(`'${close}' to close the ${close === ']' ? 'vector' : close === ')' ? 'list' : 'set'}`);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      const item = this.readForm();
      if (item !== DISCARDED) items.push(item);
    }
  }

  private readMap(): Record<string, unknown> {
    const items = this.readSequence('}');
    if (items.length % 2 !== 0) this.fail('a map with a value for every key');
    const map: Record<string, unknown> = {};
    for (let i = 0; i < items.length; i += 2) map[mapKey(items[i])] = items[i + 1];
    return map;
  }

  private readString(): string {
    const text = this.text;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= text.length) this.fail("'\"' to close the string");
      const c = text[this.pos]!;
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const e = text[this.pos + 1];
        const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', b: '\b', f: '\f' };
        if (e !== undefined && escapes[e] !== undefined) {
          out += escapes[e];
          this.pos += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(Number.parseInt(text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          this.fail('a string escape such as \\n, \\" or \\u0041');
        }
        continue;
      }
      if (c === '\n') {
        this.lineNo++;
        this.lineStart = this.pos + 1;
      }
      out += c;
      this.pos++;
    }
  }

  private readCharacter(): string {
    this.pos++;
    const token = this.readToken();
    const named: Record<string, string> = { newline: '\n', space: ' ', tab: '\t', return: '\r', backspace: '\b', formfeed: '\f' };
    if (named[token] !== undefined) return named[token];
    if (token.length === 1) return token;
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(Number.parseInt(token.slice(1), 16));
    return this.fail('a character such as \\a or \\newline');
  }

  private readDispatch(): unknown {
    const next = this.text[this.pos + 1];
    if (next === '{') {
      this.pos += 2;
      return this.readSequence('}');
    }
    if (next === '_') {
      this.pos += 2;
      this.readForm();
      return DISCARDED;
    }
    if (next !== undefined && /[A-Za-z]/.test(next)) {
      this.pos++;
      this.readToken();
      // A tagged value (#inst "...", #uuid "...", a record #jepsen.history.Op{...}) reads as its value.
      return this.readForm();
    }
    return this.fail('a set #{...}, a discard #_ or a tagged value such as #inst "..."');
  }

  private readToken(): string {
    const start = this.pos;
    const text = this.text;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',' || DELIMITERS.has(c)) break;
      this.pos++;
    }
    return text.slice(start, this.pos);
  }

  private readAtom(): unknown {
    const token = this.readToken();
    if (token === '') this.fail('an EDN value');
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (token.startsWith(':')) {
      if (token.length === 1) this.fail("a keyword name after ':'");
      return token.startsWith('::') ? token.slice(2) : token.slice(1);
    }
    if (/^[+-]?\d/.test(token)) return this.number(token);
    return token; // a symbol: its name, as a string
  }

  private number(token: string): number {
    const plain = token.replace(/[NM]$/, '');
    if (/^[+-]?\d+\/\d+$/.test(plain)) {
      const [n, d] = plain.split('/').map(Number) as [number, number];
      return n / d;
    }
    if (!/^[+-]?(\d+)(\.\d*)?([eE][+-]?\d+)?$/.test(plain)) {
      this.pos -= token.length;
      this.fail('a number such as 42, -3, 1.5 or 2e3');
    }
    return Number(plain);
  }
}

const DISCARDED = Symbol('discarded');

/** The printed name of a map key: keywords and strings by name, numbers as digits, collections as JSON. */
function mapKey(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'boolean') return String(key);
  if (key === null) return 'nil';
  return JSON.stringify(key);
}

/** Reads every top-level value of an EDN text. Throws a HistoryParseError on malformed input. */
export function readEdn(text: string): EdnForm[] {
  return new EdnReader(text).readAll();
}

/** Reads one EDN value (the whole text must be exactly one form). */
export function readEdnValue(text: string): unknown {
  const forms = readEdn(text);
  if (forms.length !== 1)
    throw new HistoryParseError('exactly one EDN value', forms[1]?.line ?? 1, forms[1]?.column ?? 1, forms.length === 0 ? 'nothing' : 'more');
  return forms[0]!.value;
}
