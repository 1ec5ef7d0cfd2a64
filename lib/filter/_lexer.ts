/**
 * The display-filter lexer: turns filter text into tokens with their offsets.
 *
 * @internal @private
 * @module
 */
import { FilterSyntaxError } from "./filter_syntax_error.ts";

/** Token kinds. */
export type TokenType =
  | "name"
  | "int"
  | "float"
  | "string"
  | "bytes"
  | "op"
  | "and"
  | "or"
  | "not"
  | "in"
  | "bool"
  | "("
  | ")"
  | "{"
  | "}"
  | ","
  | ".."
  | "eof";

/** One token. */
export interface Token {
  /** Kind. */
  type: TokenType;
  /** The source text. */
  text: string;
  /** 0-based offset in the filter. */
  pos: number;
  /** Parsed value: bigint for int, number for float, string for string/name/op, bytes, boolean. */
  value?: bigint | number | string | Uint8Array | boolean;
}

const WORD_OPS: Readonly<Record<string, string>> = {
  eq: "==",
  ne: "!=",
  lt: "<",
  le: "<=",
  gt: ">",
  ge: ">=",
  contains: "contains",
  matches: "matches",
};

/** Lower-case words with a meaning of their own; never field names or enum names. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "and",
  "or",
  "not",
  "in",
  "true",
  "false",
  ...Object.keys(WORD_OPS),
]);

const BYTES_RE = /[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2})+(?![0-9A-Za-z_:]|\.(?!\.))/y;
const NUMBER_RE =
  /-?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)/y;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_][A-Za-z0-9_-]*)*/y;

/**
 * Splits a filter into tokens, ending with an `eof` token.
 * @param text The filter.
 * @returns Tokens.
 * @throws {FilterSyntaxError} For a character or literal that starts no token.
 */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === "==" || two === "!=" || two === "<=" || two === ">=") {
      out.push({ type: "op", text: two, pos: i, value: two });
      i += 2;
      continue;
    }
    if (two === "&&") {
      out.push({ type: "and", text: two, pos: i });
      i += 2;
      continue;
    }
    if (two === "||") {
      out.push({ type: "or", text: two, pos: i });
      i += 2;
      continue;
    }
    if (two === "..") {
      out.push({ type: "..", text: two, pos: i });
      i += 2;
      continue;
    }
    if (c === "<" || c === ">") {
      out.push({ type: "op", text: c, pos: i, value: c });
      i++;
      continue;
    }
    if (c === "~") {
      out.push({ type: "op", text: c, pos: i, value: "matches" });
      i++;
      continue;
    }
    if (c === "!") {
      out.push({ type: "not", text: c, pos: i });
      i++;
      continue;
    }
    if (c === "(" || c === ")" || c === "{" || c === "}" || c === ",") {
      out.push({ type: c, text: c, pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const [value, end] = readString(text, i);
      out.push({ type: "string", text: text.slice(i, end), pos: i, value });
      i = end;
      continue;
    }
    BYTES_RE.lastIndex = i;
    let m = BYTES_RE.exec(text);
    if (m) {
      const t = m[0];
      out.push({
        type: "bytes",
        text: t,
        pos: i,
        value: new Uint8Array(t.split(":").map((h) => parseInt(h, 16))),
      });
      i += t.length;
      continue;
    }
    if ((c >= "0" && c <= "9") || (c === "-" && /[0-9]/.test(text[i + 1] ?? ""))) {
      NUMBER_RE.lastIndex = i;
      m = NUMBER_RE.exec(text);
      const t = m![0];
      const after = text[i + t.length];
      if (after !== undefined && /[A-Za-z0-9_]/.test(after)) {
        throw new FilterSyntaxError(`Cannot parse filter: invalid number "${t}${after}"`, text, i);
      }
      out.push(numberToken(t, i, text));
      i += t.length;
      continue;
    }
    NAME_RE.lastIndex = i;
    m = NAME_RE.exec(text);
    if (m) {
      const t = m[0];
      if (t === "and") out.push({ type: "and", text: t, pos: i });
      else if (t === "or") out.push({ type: "or", text: t, pos: i });
      else if (t === "not") out.push({ type: "not", text: t, pos: i });
      else if (t === "in") out.push({ type: "in", text: t, pos: i });
      else if (t === "true" || t === "false") {
        out.push({ type: "bool", text: t, pos: i, value: t === "true" });
      } else if (WORD_OPS[t]) out.push({ type: "op", text: t, pos: i, value: WORD_OPS[t] });
      else out.push({ type: "name", text: t, pos: i, value: t });
      i += t.length;
      continue;
    }
    throw new FilterSyntaxError(`Cannot parse filter: unexpected ${JSON.stringify(c)}`, text, i);
  }
  out.push({ type: "eof", text: "", pos: n });
  return out;
}

function numberToken(t: string, pos: number, text: string): Token {
  const neg = t.startsWith("-");
  const body = neg ? t.slice(1) : t;
  if (/^\d+\.\d+|^\d+[eE]/.test(body)) return { type: "float", text: t, pos, value: Number(t) };
  let v: bigint;
  if (/^0[xXbBoO]/.test(body)) v = BigInt(body.replace(/^0[oO]/, "0o"));
  else if (body.length > 1 && body.startsWith("0")) {
    if (!/^[0-7]+$/.test(body)) {
      throw new FilterSyntaxError(`Cannot parse filter: invalid octal number "${t}"`, text, pos);
    }
    v = BigInt("0o" + body.slice(1));
  } else v = BigInt(body);
  return { type: "int", text: t, pos, value: neg ? -v : v };
}

function readString(text: string, start: number): [string, number] {
  let s = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') return [s, i + 1];
    if (c !== "\\") {
      s += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    const simple: Record<string, string> = {
      '"': '"',
      "\\": "\\",
      "/": "/",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
    };
    if (e !== undefined && simple[e] !== undefined) {
      s += simple[e];
      i += 2;
    } else if (e === "x" && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      s += String.fromCharCode(parseInt(text.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      s += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else {
      throw new FilterSyntaxError(`Cannot parse filter: invalid escape in string`, text, i);
    }
  }
  throw new FilterSyntaxError(`Cannot parse filter: unterminated string`, text, start);
}
