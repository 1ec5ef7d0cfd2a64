/**
 * One-line renderings of records, shared by decode, demo, replay and textconv.
 *
 * @module
 */
import type { CaptureRecord, Channel } from "./record.ts";

let lastBus: number | undefined;
let lastDev: number | undefined;
let lastSrc: number | undefined;
let lastDst: number | undefined;
let lastQueue: number | undefined;
let lastText = "-";

/**
 * Channel as compact text: `bus0/dev1/0x8001→0x8002/q0`, or `-` when nothing is known.
 *
 * @example
 * ```ts
 * import { formatChannel } from "./format.ts";
 * import { equal } from "node:assert/strict";
 * equal(formatChannel({ device: 1, queue: 0 }), "dev1/q0");
 * equal(formatChannel({}), "-");
 * ```
 *
 * @param ch Channel.
 * @returns Text.
 */
export function formatChannel(ch: Channel): string {
  if (
    ch.src === lastSrc && ch.dst === lastDst && ch.device === lastDev && ch.bus === lastBus &&
    ch.queue === lastQueue
  ) return lastText;
  lastBus = ch.bus;
  lastDev = ch.device;
  lastSrc = ch.src;
  lastDst = ch.dst;
  lastQueue = ch.queue;
  return lastText = channelText(ch);
}

function channelText(ch: Channel): string {
  if (ch.src === undefined && ch.dst === undefined) {
    // Common fast cases.
    if (ch.bus === undefined && ch.queue === undefined) {
      return ch.device === undefined ? "-" : "dev" + ch.device;
    }
  }
  const parts: string[] = [];
  if (ch.bus !== undefined) parts.push(`bus${ch.bus}`);
  if (ch.device !== undefined) parts.push(`dev${ch.device}`);
  if (ch.src !== undefined || ch.dst !== undefined) {
    const id = (v: number | undefined) => (v === undefined ? "?" : `0x${v.toString(16).padStart(4, "0")}`);
    parts.push(`${id(ch.src)}→${id(ch.dst)}`);
  }
  if (ch.queue !== undefined) parts.push(`q${ch.queue}`);
  return parts.length ? parts.join("/") : "-";
}

/**
 * Direction as an arrow between the sides: `drv→dev`, `dev→drv`, or `?` when unknown.
 * @param r Record.
 * @returns Text (7 characters).
 */
export function formatDirection(r: Pick<CaptureRecord, "sender">): string {
  return r.sender === "driver" ? "drv→dev" : r.sender === "device" ? "dev→drv" : "   ?   ";
}

/**
 * Nanoseconds as seconds with six decimals (exact truncation, no floats).
 * @param ns Nanoseconds (may be negative).
 * @returns Text like `12.000345`.
 */
export function formatSeconds(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  if (a < 9_007_199_254_740_991n) {
    // Fast path: exact in a double (up to ~104 days of nanoseconds).
    const us = Math.floor(Number(a) / 1000);
    const frac = us % 1_000_000;
    const f = frac < 100000 ? String(1_000_000 + frac).slice(1) : String(frac);
    return `${neg ? "-" : ""}${(us - frac) / 1_000_000}.${f}`;
  }
  const us = a / 1000n;
  return `${neg ? "-" : ""}${us / 1_000_000n}.${(us % 1_000_000n).toString().padStart(6, "0")}`;
}

/**
 * A summary line: number, relative time, direction, protocol, channel and the message summary.
 * @param no Record number (1-based).
 * @param r Record.
 * @param t0 Timestamp of the first record.
 * @param info The Info text.
 * @returns The line.
 */
export function summaryLine(no: number, r: CaptureRecord, t0: bigint, info: string): string {
  const n = String(no);
  const t = formatSeconds(r.timestampNs - t0);
  const proto = r.protocol ?? "?";
  return (n.length < 6 ? SPACES[6 - n.length] + n : n) + " " +
    (t.length < 12 ? SPACES[12 - t.length] + t : t) +
    " " + formatDirection(r) + " " + (PROTO_COLUMN[proto] ?? proto.padEnd(12)) + " " +
    channelColumn(r.channel) +
    " " + info;
}

const SPACES = Array.from({ length: 13 }, (_, i) => " ".repeat(i));
const PROTO_COLUMN: Record<string, string> = Object.fromEntries(
  ["?", "virtio-msg", "ffa", "rpmb", "scmi", "virtio-iommu"].map((p) => [p, p.padEnd(12)]),
);

let lastColumnFor = "";
let lastColumn = "";

/** The channel text padded to the column width (cached like formatChannel). */
function channelColumn(ch: Channel): string {
  const text = formatChannel(ch);
  if (text !== lastColumnFor) {
    lastColumnFor = text;
    lastColumn = text.padEnd(10);
  }
  return lastColumn;
}

const ENC = new TextEncoder();
const BYTE_CACHE = new Map<string, Uint8Array>();

/** UTF-8 bytes of a short, often-repeated text (directions, protocol and channel columns). */
function bytesOf(text: string): Uint8Array {
  let b = BYTE_CACHE.get(text);
  if (!b) {
    if (BYTE_CACHE.size > 4096) BYTE_CACHE.clear();
    BYTE_CACHE.set(text, b = ENC.encode(text));
  }
  return b;
}

/** Channel columns (padded, as bytes) of the most recent channels, compared field by field. */
interface ChannelKey {
  bus: number | undefined;
  device: number | undefined;
  src: number | undefined;
  dst: number | undefined;
  queue: number | undefined;
}
const CHANNELS: { ch: ChannelKey; bytes: Uint8Array }[] = [];
let nextChannel = 0;

function channelBytes(ch: Channel): Uint8Array {
  for (let i = 0; i < CHANNELS.length; i++) {
    const c = CHANNELS[i]!.ch;
    if (
      (c.src === ch.src && c.dst === ch.dst && c.device === ch.device && c.bus === ch.bus &&
        c.queue === ch.queue)
    ) return CHANNELS[i]!.bytes;
  }
  const entry = {
    ch: { bus: ch.bus, device: ch.device, src: ch.src, dst: ch.dst, queue: ch.queue },
    bytes: bytesOf(channelText(ch).padEnd(10)),
  };
  if (CHANNELS.length < 8) CHANNELS.push(entry);
  else CHANNELS[nextChannel++ & 7] = entry;
  return entry.bytes;
}

function putBytes(out: Uint8Array, off: number, b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) out[off + i] = b[i]!;
  return off + b.length;
}

/** Writes a non-negative integer right-aligned in `width` columns; returns the new offset. */
function putInt(out: Uint8Array, off: number, n: number, width: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let k = digits; k < width; k++) out[off++] = 0x20;
  let o = off + digits - 1;
  let x = n;
  do {
    out[o--] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  } while (x > 0);
  return off + digits;
}

/**
 * Most bytes {@linkcode encodeSummaryLine} can write for a given Info text (with the newline).
 * @param info The Info text.
 * @returns Byte count.
 */
export function summaryLineMaxBytes(info: string): number {
  return 160 + 3 * info.length;
}

/**
 * Writes {@linkcode summaryLine}'s text plus a newline as UTF-8 straight into a byte buffer: the same
 * bytes as encoding the string, without building it (the hot path of `vioscope decode`).
 * @param out Buffer with at least `summaryLineMaxBytes(info)` bytes free after `off`.
 * @param off Where to write.
 * @param no Record number (1-based).
 * @param r Record.
 * @param t0 Timestamp of the first record.
 * @param info The Info text.
 * @returns The offset after the newline.
 */
export function encodeSummaryLine(
  out: Uint8Array,
  off: number,
  no: number,
  r: CaptureRecord,
  t0: bigint,
  info: string,
): number {
  off = putSummaryPrefix(out, off, no, r, t0);
  off += ENC.encodeInto(info, out.subarray(off)).written;
  out[off++] = 0x0a;
  return off;
}

/** Writes the columns before the Info text (number, time, direction, protocol, channel, space). */
function putSummaryPrefix(out: Uint8Array, off: number, no: number, r: CaptureRecord, t0: bigint): number {
  off = putInt(out, off, no, 6);
  out[off++] = 0x20;
  const d = r.timestampNs - t0;
  if (d >= 0n && d < 9_007_199_254_740_991n) {
    const us = Math.floor(Number(d) / 1000);
    const frac = us % 1_000_000;
    const secs = (us - frac) / 1_000_000;
    off = putInt(out, off, secs, 12 - 7);
    out[off++] = 0x2e;
    for (let k = 5, x = frac; k >= 0; k--, x = Math.floor(x / 10)) out[off + k] = 0x30 + (x % 10);
    off += 6;
  } else {
    const t = formatSeconds(d);
    off = putBytes(out, off, bytesOf(t.length < 12 ? SPACES[12 - t.length] + t : t));
  }
  out[off++] = 0x20;
  off = putBytes(out, off, bytesOf(formatDirection(r)));
  out[off++] = 0x20;
  const proto = r.protocol ?? "?";
  off = putBytes(out, off, bytesOf(PROTO_COLUMN[proto] ?? proto.padEnd(12)));
  out[off++] = 0x20;
  off = putBytes(out, off, channelBytes(r.channel));
  out[off++] = 0x20;
  return off;
}

/**
 * A growable UTF-8 byte buffer that summaries can be written into piece by piece (it has the
 * `text` method of a codec summary sink), with summary-line columns written as bytes.
 */
export class ByteSink {
  /** The bytes; `buf.subarray(0, off)` is the content. */
  buf: Uint8Array;
  /** Bytes written. */
  off = 0;
  /** @param size Initial capacity. */
  constructor(size = 65536) {
    this.buf = new Uint8Array(size);
  }
  /**
   * Makes room for `n` more bytes.
   * @param n Bytes.
   */
  room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(2 * this.buf.length, this.off + n));
    next.set(this.buf.subarray(0, this.off));
    this.buf = next;
  }
  /**
   * Appends text as UTF-8.
   * @param s The text.
   */
  text(s: string): void {
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
   * Appends the columns of a summary line before the Info text (see {@linkcode summaryLine}).
   * @param no Record number.
   * @param r Record.
   * @param t0 First timestamp.
   */
  summaryPrefix(no: number, r: CaptureRecord, t0: bigint): void {
    this.room(160);
    this.off = putSummaryPrefix(this.buf, this.off, no, r, t0);
  }
  /** Appends a newline. */
  newline(): void {
    this.room(1);
    this.buf[this.off++] = 0x0a;
  }
  /**
   * Takes the content out (a copy) and empties the buffer.
   * @returns The bytes.
   */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.off);
    this.off = 0;
    return out;
  }
}
