import { isUtf8 } from "node:buffer";
import { WebhookError } from "./errors.js";

/**
 * JSON read as text, without building values: for the two places where a body must be
 * looked at before (or beside) `JSON.parse`.
 *
 * - Truvera's credential is inside the body. {@link scanJson} validates the body and finds
 *   its top-level members in one linear pass with a depth counter instead of recursion, so
 *   a hostile body (a megabyte of nested arrays) costs a byte loop, not a parse, before the
 *   token is checked.
 * - Dedupe ids of senders without an event id hash the body. {@link canonicalJsonText}
 *   normalises only whitespace and member order and keeps every number and string exactly
 *   as sent, so bodies that `JSON.parse` makes equal (`1e999` and `null` after
 *   `JSON.stringify`, `9007199254740993` and `9007199254740992`, repeated keys) keep
 *   distinct ids.
 *
 * Internal: not exported from the package.
 */

/** A top-level member of a JSON object: where its value's text starts and ends. */
export interface JsonMember {
  /** Index of the value's first character in the text. */
  readonly start: number;
  /** Index after the value's last character. */
  readonly end: number;
}

/** What {@link scanJson} found. */
export interface JsonScan {
  /** The JSON text, without a leading byte order mark. */
  readonly text: string;
  /** The root value's type. */
  readonly root: "object" | "array" | "string" | "number" | "literal";
  /** Top-level members of a root object, by decoded name; a repeated name keeps its last value, as `JSON.parse` does. */
  readonly members: ReadonlyMap<string, JsonMember>;
}

const NONE: ReadonlyMap<string, JsonMember> = new Map();

/**
 * The body as JSON text: UTF-8 checked (400 `INVALID_JSON` otherwise), a leading byte order
 * mark skipped (RFC 8259 §8.1).
 */
export function jsonTextOf(raw: Uint8Array): string {
  if (!isUtf8(raw)) throw new WebhookError("INVALID_JSON", "The body is not valid UTF-8; send UTF-8 encoded JSON.");
  const buffer = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? buffer.toString("utf8", 3) : buffer.toString("utf8");
}

/** The error of invalid JSON text, worded like the decoder's: the position, never the text (it may hold a secret). */
export function invalidJson(position: number, ended: boolean): WebhookError {
  return new WebhookError("INVALID_JSON", `The body is not valid JSON${ended ? " (it ends too early)" : ` at position ${position}`}; send the JSON exactly as serialized.`);
}

// Character codes.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

class Invalid {
  constructor(readonly position: number) {}
}

/**
 * Validates JSON text exactly as `JSON.parse` does (RFC 8259: no comments, no trailing
 * commas, strings without raw control characters) in one pass without recursion, and
 * records the top-level members of a root object. Throws 400 `INVALID_JSON` with the
 * position. Linear in the text, whatever its nesting.
 */
export function scanJson(raw: Uint8Array | string): JsonScan {
  // Not cached per buffer: a WeakMap entry per delivery costs the garbage collector more
  // than scanning a webhook-sized body again.
  const text = typeof raw === "string" ? raw : jsonTextOf(raw);
  try {
    return scan(text);
  } catch (error) {
    if (error instanceof Invalid) throw invalidJson(error.position, error.position >= text.length);
    throw error;
  }
}

const OBJECT = 1;
const ARRAY = 2;
/** A run of string characters that need no attention: a sticky character class, linear, no backtracking. */
// eslint-disable-next-line no-control-regex -- JSON strings forbid raw control characters: the run stops at them.
const PLAIN_RUN = /[^"\\\u0000-\u001f]*/y;

/** The index after the string lexeme whose opening quote is at `i`; throws Invalid. */
function stringEnd(text: string, i: number): number {
  i++;
  // Most strings (names, ids) are short: a plain loop, before paying for a regex call.
  for (const stop = i + 24; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || !(c >= 0x20)) break;
  }
  for (;;) {
    PLAIN_RUN.lastIndex = i;
    PLAIN_RUN.test(text);
    i = PLAIN_RUN.lastIndex;
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c !== BACKSLASH) throw new Invalid(i); // a control character, or the end of the text
    const e = text.charCodeAt(i + 1);
    if (e === 0x75) {
      for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) throw new Invalid(i + k);
      i += 6;
    } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
    } else {
      throw new Invalid(i + 1);
    }
  }
}

/** The index after the number lexeme at `i`; throws Invalid. */
function numberEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === MINUS) i++;
  const first = text.charCodeAt(i);
  if (first === ZERO) i++;
  else if (first > ZERO && first <= NINE) while (isDigit(text.charCodeAt(i))) i++;
  else throw new Invalid(i);
  if (text.charCodeAt(i) === DOT) {
    i++;
    if (!isDigit(text.charCodeAt(i))) throw new Invalid(i);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === PLUS || sign === MINUS) i++;
    if (!isDigit(text.charCodeAt(i))) throw new Invalid(i);
    while (isDigit(text.charCodeAt(i))) i++;
  }
  return i;
}

function skipSpaces(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++i);
  return i;
}

const VALUE = 0;
const AFTER_VALUE = 1;
const NAME = 2;

// One loop, its state in local variables: no closures, which would move the index to the heap.
// The kind of each open container by depth, reused by every scan (a scan never yields): a
// typed array allocated per body would cost more than scanning a small one. Bodies deeper
// than it is long get an array of their own.
let sharedKinds = new Uint8Array(4096);

function scan(text: string): JsonScan {
  const length = text.length;
  // The depth cannot pass the text's length.
  if (sharedKinds.length < length + 2 && length + 2 <= 65_536) sharedKinds = new Uint8Array(65_536);
  const kinds = sharedKinds.length >= length + 2 ? sharedKinds : new Uint8Array(length + 2);
  let depth = 0;
  let i = 0;
  let root: JsonScan["root"] | undefined;
  let members: Map<string, JsonMember> | undefined;
  // The top-level member being read: its name, and where its value started.
  let key = "";
  let valueStart = 0;
  let state = VALUE;

  for (;;) {
    i = skipSpaces(text, i);
    let c = text.charCodeAt(i);
    if (state === VALUE) {
      const start = i;
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        const kind = c === OPEN_OBJECT ? OBJECT : ARRAY;
        if (depth === 0) {
          root = kind === OBJECT ? "object" : "array";
          if (kind === OBJECT) members = new Map();
        } else if (depth === 1 && kinds[1] === OBJECT) {
          valueStart = start;
        }
        kinds[++depth] = kind;
        c = text.charCodeAt(++i);
        // A run of opening brackets (deeply nested arrays): one tight loop.
        if (kind === ARRAY) {
          while (c === OPEN_ARRAY) {
            kinds[++depth] = ARRAY;
            c = text.charCodeAt(++i);
          }
        }
        if (isSpace(c)) {
          i = skipSpaces(text, i);
          c = text.charCodeAt(i);
        }
        // What comes next depends on the innermost container; an empty one's closing
        // bracket is read as "after a value".
        const inner = kinds[depth];
        state = c === (inner === OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY) ? AFTER_VALUE : inner === OBJECT ? NAME : VALUE;
        continue;
      }
      let kind: JsonScan["root"];
      if (c === QUOTE) {
        i = stringEnd(text, i);
        kind = "string";
      } else if (c === MINUS || isDigit(c)) {
        i = numberEnd(text, i);
        kind = "number";
      } else {
        const word = c === 0x74 ? "true" : c === 0x66 ? "false" : c === 0x6e ? "null" : undefined;
        if (word === undefined || !text.startsWith(word, i)) throw new Invalid(i);
        i += word.length;
        kind = "literal";
      }
      if (depth === 0) root = kind;
      else if (depth === 1 && kinds[1] === OBJECT) {
        // Deleted first: a repeated name keeps its last value, as JSON.parse does.
        members!.delete(key);
        members!.set(key, { start, end: i });
      }
      state = AFTER_VALUE;
      continue;
    }
    if (state === NAME) {
      if (c !== QUOTE) throw new Invalid(i);
      const start = i;
      i = stringEnd(text, i);
      if (depth === 1) {
        const lexeme = text.slice(start + 1, i - 1);
        // Escapes are rare in names: only then is the name decoded.
        key = lexeme.includes("\\") ? (JSON.parse(text.slice(start, i)) as string) : lexeme;
      }
      i = skipSpaces(text, i);
      if (text.charCodeAt(i) !== COLON) throw new Invalid(i);
      i++;
      state = VALUE;
      continue;
    }
    // After a value: the end, a closing bracket, or a comma and the next value.
    if (depth === 0) {
      if (i !== length) throw new Invalid(i);
      return { text, root: root!, members: members ?? NONE };
    }
    const kind = kinds[depth];
    if (c === COMMA) {
      i++;
      state = kind === OBJECT ? NAME : VALUE;
      continue;
    }
    if (c !== (kind === OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) throw new Invalid(i);
    depth--;
    c = text.charCodeAt(++i);
    // A run of closing brackets of nested arrays: one tight loop.
    while (c === CLOSE_ARRAY && depth > 1 && kinds[depth] === ARRAY) {
      depth--;
      c = text.charCodeAt(++i);
    }
    if (depth === 1 && kinds[1] === OBJECT) {
      members!.delete(key);
      members!.set(key, { start: valueStart, end: i });
    }
  }
}

/**
 * The canonical form of the JSON value between `start` and `end` of valid JSON `text`:
 * whitespace removed and object members sorted by their name as written, every name,
 * string and number kept exactly as sent (repeated names included). Equal for two
 * serialisations that differ only in whitespace or member order, different for anything
 * else. `undefined` when the value nests deeper than `maxDepth` (the caller hashes the raw
 * bytes instead).
 */
export function canonicalJsonText(text: string, start = 0, end = text.length, maxDepth = 256): string | undefined {
  const cursor = { i: start };
  try {
    const out = canonicalValue(text, cursor, maxDepth);
    return cursor.i <= end ? out : undefined;
  } catch (error) {
    if (error === TOO_DEEP) return undefined;
    throw error;
  }
}

const TOO_DEEP = Symbol("too deep");

/**
 * Where the value of the top-level member `name` of valid JSON `text` (an object) is: the
 * last one when the name repeats, as `JSON.parse` keeps it; `undefined` when there is none or
 * the text is not an object. One pass that skips values without validating them (the text
 * was parsed already), without recursion.
 */
export function memberRange(text: string, name: string): JsonMember | undefined {
  let i = skipSpaces(text, 0);
  if (text.charCodeAt(i) === 0xfeff) i = skipSpaces(text, i + 1);
  if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
  let found: JsonMember | undefined;
  i = skipSpaces(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_OBJECT) return undefined;
  for (;;) {
    const keyStart = skipSpaces(text, i);
    const keyEnd = scalarEnd(text, keyStart);
    const lexeme = text.slice(keyStart + 1, keyEnd - 1);
    const key = lexeme.includes("\\") ? (JSON.parse(text.slice(keyStart, keyEnd)) as string) : lexeme;
    const start = skipSpaces(text, skipSpaces(text, keyEnd) + 1); // past the colon
    const end = valueEnd(text, start);
    if (key === name) found = { start, end };
    i = skipSpaces(text, end);
    if (text.charCodeAt(i) !== COMMA) return found;
    i++;
  }
}

/** The end of the value starting at `i` of valid JSON text: strings skipped whole, brackets counted. */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) return scalarEnd(text, i);
  let depth = 0;
  for (;;) {
    const d = text.charCodeAt(i);
    if (d === QUOTE) {
      i = scalarEnd(text, i);
      continue;
    }
    if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
    else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return i + 1;
    i++;
  }
}

function skip(text: string, cursor: { i: number }): void {
  while (isSpace(text.charCodeAt(cursor.i))) cursor.i++;
}

/** The end of the scalar lexeme starting at `i` (text is valid JSON). */
function scalarEnd(text: string, i: number): number {
  if (text.charCodeAt(i) === QUOTE) {
    // The closing quote is the first one not escaped by an odd run of backslashes.
    for (let quote = text.indexOf('"', i + 1); ; quote = text.indexOf('"', quote + 1)) {
      let backslashes = 0;
      while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) return quote + 1;
    }
  }
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT || isSpace(c)) break;
    i++;
  }
  return i;
}

function canonicalValue(text: string, cursor: { i: number }, depth: number): string {
  skip(text, cursor);
  const c = text.charCodeAt(cursor.i);
  if (c === OPEN_ARRAY) {
    if (depth === 0) throw TOO_DEEP;
    cursor.i++;
    const items: string[] = [];
    skip(text, cursor);
    if (text.charCodeAt(cursor.i) === CLOSE_ARRAY) {
      cursor.i++;
      return "[]";
    }
    for (;;) {
      items.push(canonicalValue(text, cursor, depth - 1));
      skip(text, cursor);
      if (text.charCodeAt(cursor.i++) === CLOSE_ARRAY) return `[${items.join(",")}]`;
    }
  }
  if (c === OPEN_OBJECT) {
    if (depth === 0) throw TOO_DEEP;
    cursor.i++;
    // [name as written without its quotes (the sort key), name lexeme, canonical value]
    const entries: Array<[string, string, string]> = [];
    skip(text, cursor);
    if (text.charCodeAt(cursor.i) === CLOSE_OBJECT) {
      cursor.i++;
      return "{}";
    }
    for (;;) {
      skip(text, cursor);
      const keyStart = cursor.i;
      cursor.i = scalarEnd(text, keyStart);
      const key = text.slice(keyStart, cursor.i);
      skip(text, cursor);
      cursor.i++; // colon
      entries.push([key.slice(1, -1), key, canonicalValue(text, cursor, depth - 1)]);
      skip(text, cursor);
      if (text.charCodeAt(cursor.i++) === CLOSE_OBJECT) break;
    }
    // By name as written (for names without escapes, the order of their decoded strings);
    // stable, so repeated names keep their order.
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return `{${entries.map(([, key, value]) => `${key}:${value}`).join(",")}}`;
  }
  const startAt = cursor.i;
  cursor.i = scalarEnd(text, startAt);
  return text.slice(startAt, cursor.i);
}
