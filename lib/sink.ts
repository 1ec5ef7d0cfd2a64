/**
 * Where summaries are written: a string (for `msg.summary`) or, in `vioscope decode`, straight into
 * the output bytes, so a summary line is never built as a string and then encoded. Pieces known in
 * advance (names, ` label=`) are {@linkcode Lit}s carrying their UTF-8 bytes; numbers are written as
 * digits by the sink.
 *
 * @module
 */

/** A piece of summary text known in advance, with its UTF-8 bytes. */
export interface Lit {
  /** The text. */
  readonly s: string;
  /** Its UTF-8 bytes. */
  readonly b: Uint8Array;
}

const ENC = new TextEncoder();

/**
 * A literal piece of summary text.
 * @param s The text.
 * @returns The literal.
 */
export function lit(s: string): Lit {
  return { s, b: ENC.encode(s) };
}

/** Receives the pieces of a summary in order. */
export interface SummarySink {
  /**
   * Appends text.
   * @param s The text.
   */
  text(s: string): void;
  /**
   * Appends a literal.
   * @param l The literal.
   */
  lit(l: Lit): void;
  /**
   * Appends a number in decimal (as `String(n)` writes it).
   * @param n The number.
   */
  num(n: number): void;
  /**
   * Appends a number in lower-case hex with a `0x` prefix, zero-padded to `width` digits (as
   * `hex()` of lib/codec writes it).
   * @param n The number.
   * @param width Least number of digits.
   */
  hex(n: number, width: number): void;
}

/**
 * `0x…` text of an integer (negative values as `-0x…`), zero-padded to `width` digits.
 *
 * @example
 * ```ts
 * import { hex } from "./sink.ts";
 * import { equal } from "node:assert/strict";
 * equal(hex(11, 8), "0x0000000b");
 * equal(hex(-255n), "-0xff");
 * ```
 *
 * @param v The integer.
 * @param width Least number of digits.
 * @returns Text.
 */
export function hex(v: number | bigint, width = 0): string {
  const neg = v < 0;
  const s = (neg ? -BigInt(v) : v).toString(16).padStart(width, "0");
  return `${neg ? "-" : ""}0x${s}`;
}

/**
 * A sink that collects the text into a string.
 *
 * @example
 * ```ts
 * import { lit, StringSink } from "./sink.ts";
 * import { equal } from "node:assert/strict";
 * const s = new StringSink();
 * s.lit(lit("GET_CONFIG"));
 * s.text(" dev=");
 * s.num(1);
 * s.text(" status=");
 * s.hex(11, 8);
 * equal(s.value, "GET_CONFIG dev=1 status=0x0000000b");
 * ```
 */
export class StringSink implements SummarySink {
  /** The text so far. */
  value = "";
  /**
   * Appends text.
   * @param s The text.
   */
  text(s: string): void {
    this.value += s;
  }
  /**
   * Appends a literal.
   * @param l The literal.
   */
  lit(l: Lit): void {
    this.value += l.s;
  }
  /**
   * Appends a number in decimal.
   * @param n The number.
   */
  num(n: number): void {
    this.value += String(n);
  }
  /**
   * Appends a number in `0x` hex.
   * @param n The number.
   * @param width Least number of digits.
   */
  hex(n: number, width: number): void {
    this.value += hex(n, width);
  }
}

const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");

/**
 * Writes an integer 0 ≤ n < 2^32 in decimal at `o` (as `String(n)`); the caller makes room (10 bytes).
 * Shared by {@linkcode BytesSink} and the generated line writers of lib/codec.
 * @param b Buffer.
 * @param o Offset.
 * @param n The number.
 * @returns The offset after it.
 */
export function putDecimal(b: Uint8Array, o: number, n: number): number {
  let digits = 1;
  for (let p = 10; p <= n && digits < 10; p *= 10) digits++;
  let p = o + digits - 1;
  let x = n;
  while (x >= 10) {
    const q = (x / 10) >>> 0;
    b[p--] = 0x30 + x - q * 10;
    x = q;
  }
  b[p] = 0x30 + x;
  return o + digits;
}

/**
 * Writes an integer 0 ≤ n < 2^32 as `0x` hex, zero-padded to `width` digits, at `o`; the caller
 * makes room (`max(8, width) + 2` bytes).
 * @param b Buffer.
 * @param o Offset.
 * @param n The number.
 * @param width Least number of digits.
 * @returns The offset after it.
 */
export function putHex(b: Uint8Array, o: number, n: number, width = 0): number {
  let digits = 1;
  for (let x = n >>> 4; x > 0; x >>>= 4) digits++;
  if (digits < width) digits = width;
  b[o] = 0x30;
  b[o + 1] = 0x78;
  let x = n;
  for (let p = o + 1 + digits; p > o + 1; p--, x >>>= 4) b[p] = HEX_DIGITS[x & 15]!;
  return o + 2 + digits;
}

/**
 * Writes `n` bytes of `data` from `at` as lower-case hex digits at `o`; the caller makes room.
 * @param b Buffer.
 * @param o Offset.
 * @param data The bytes.
 * @param at First byte.
 * @param n How many.
 * @returns The offset after them.
 */
export function putHexBytes(b: Uint8Array, o: number, data: Uint8Array, at: number, n: number): number {
  for (let i = 0; i < n; i++) {
    const c = data[at + i]!;
    b[o++] = HEX_DIGITS[c >> 4]!;
    b[o++] = HEX_DIGITS[c & 15]!;
  }
  return o;
}

/**
 * Copies bytes to `o` (short ones by hand, longer ones with `set`); the caller makes room.
 * @param b Buffer.
 * @param o Offset.
 * @param src The bytes.
 * @returns The offset after them.
 */
export function putBytes(b: Uint8Array, o: number, src: Uint8Array): number {
  const n = src.length;
  if (n > 16) b.set(src, o);
  else for (let i = 0; i < n; i++) b[o + i] = src[i]!;
  return o + n;
}

/**
 * A growable UTF-8 byte buffer summaries are written into piece by piece.
 *
 * @example
 * ```ts
 * import { BytesSink, lit } from "./sink.ts";
 * import { equal } from "node:assert/strict";
 * const s = new BytesSink(4);
 * s.lit(lit("FFA_MSG_SEND_DIRECT_REQ2"));
 * s.text(" 0x8001→0x8002 n=");
 * s.num(-12);
 * s.hex(0x1f, 4);
 * equal(new TextDecoder().decode(s.buf.subarray(0, s.off)), "FFA_MSG_SEND_DIRECT_REQ2 0x8001→0x8002 n=-120x001f");
 * ```
 */
export class BytesSink implements SummarySink {
  /** The bytes; `buf.subarray(0, off)` is the content. */
  buf: Uint8Array;
  /** Bytes written. */
  off = 0;
  /** @param size Initial capacity. */
  constructor(size = 65536) {
    this.buf = new Uint8Array(size);
  }
  /**
   * Makes room for `n` more bytes (a larger buffer of the same kind, shared or not, when needed).
   * @param n Bytes.
   */
  room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const size = Math.max(2 * this.buf.length, this.off + n);
    const next = new Uint8Array(
      this.buf.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(size) : new ArrayBuffer(size),
    );
    next.set(this.buf.subarray(0, this.off));
    this.buf = next;
  }
  /**
   * Appends text as UTF-8.
   * @param s The text.
   */
  text(s: string): void {
    // A summary arrives in many short pieces: a plain loop beats TextEncoder.encodeInto, whose
    // per-call cost (a subarray and a native call) made whole-file decoding 20–40 % slower here.
    const n = s.length;
    this.room(3 * n);
    const b = this.buf;
    let o = this.off;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) b[o++] = c;
      else if (c < 0x800) {
        b[o++] = 0xc0 | (c >> 6);
        b[o++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        b[o++] = 0xf0 | (c >> 18);
        b[o++] = 0x80 | ((c >> 12) & 63);
        b[o++] = 0x80 | ((c >> 6) & 63);
        b[o++] = 0x80 | (c & 63);
      } else {
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate, as TextEncoder writes it
        b[o++] = 0xe0 | (c >> 12);
        b[o++] = 0x80 | ((c >> 6) & 63);
        b[o++] = 0x80 | (c & 63);
      }
    }
    this.off = o;
  }
  /**
   * Appends a literal (a byte copy).
   * @param l The literal.
   */
  lit(l: Lit): void {
    this.room(l.b.length);
    this.off = putBytes(this.buf, this.off, l.b);
  }

  /**
   * Appends a number in decimal, as `String(n)` writes it.
   * @param n The number.
   */
  num(n: number): void {
    if (!(n >= 0 && n <= 0xffffffff && (n >>> 0) === n)) {
      this.text(String(n));
      return;
    }
    this.room(10);
    this.off = putDecimal(this.buf, this.off, n);
  }

  /**
   * Appends bytes as lower-case hex without separators (what `bytesToHex` of lib/codec writes).
   * @param data The bytes.
   * @param start First byte.
   * @param n How many.
   */
  hexBytes(data: Uint8Array, start: number, n: number): void {
    this.room(2 * n);
    this.off = putHexBytes(this.buf, this.off, data, start, n);
  }

  /**
   * Appends a number in `0x` hex, zero-padded to `width` digits.
   * @param n The number.
   * @param width Least number of digits.
   */
  hex(n: number, width: number): void {
    if (!(n >= 0 && n <= 0xffffffff && (n >>> 0) === n)) {
      this.text(hex(n, width));
      return;
    }
    this.room(Math.max(8, width) + 2);
    this.off = putHex(this.buf, this.off, n, width);
  }
}
