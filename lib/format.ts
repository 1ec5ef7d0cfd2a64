/**
 * One-line renderings of records, shared by decode, demo, replay and textconv.
 *
 * @module
 */
import type { CaptureRecord, Channel, ProtocolTag, Side } from "./record.ts";
import { BytesSink, putBytes, putDecimal } from "./sink.ts";

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
  return channelEntry(ch).text;
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
    channelEntry(r.channel).column +
    " " + info;
}

const SPACES = Array.from({ length: 13 }, (_, i) => " ".repeat(i));
const PROTO_COLUMN: Record<string, string> = Object.fromEntries(
  ["?", "virtio-msg", "ffa", "rpmb", "scmi", "virtio-iommu"].map((p) => [p, p.padEnd(12)]),
);

const ENC = new TextEncoder();
/** The direction and protocol columns as bytes. */
const DIRECTION_BYTES = {
  driver: ENC.encode("drv→dev"),
  device: ENC.encode("dev→drv"),
  unknown: ENC.encode("   ?   "),
};
const PROTO_BYTES: Record<string, Uint8Array> = Object.fromEntries(
  Object.entries(PROTO_COLUMN).map(([p, c]) => [p, ENC.encode(c)]),
);

/** One cached channel: its text, the padded column, and the column as bytes. */
interface ChannelEntry {
  /**
   * The channel's ids as {@linkcode idKey} gives them: numbers only (a comparison that had seen
   * both numbers and undefined was a builtin call).
   */
  bus: number;
  device: number;
  src: number;
  dst: number;
  queue: number;
  text: string;
  column: string;
  bytes: Uint8Array;
  /** The direction, protocol and channel columns, by sender (driver, device, other) and protocol. */
  tails: Map<string | undefined, Uint8Array>[];
  /** The last protocol and columns asked for, by sender (a channel mostly carries one protocol). */
  lastProtocol: (string | undefined)[];
  lastTail: (Uint8Array | undefined)[];
}
/** The most recent channels (captures alternate between a few), compared field by field. */
const CHANNELS: ChannelEntry[] = [];
let nextChannel = 0;

/** A channel id as a number: -1 when there is none, a negative id one less (one number per id). */
const idKey = (v: number | undefined): number => v === undefined ? -1 : v < 0 ? v - 1 : v;

function channelEntry(ch: Channel): ChannelEntry {
  // The channel's fields read once (each read of a record's channel, of a few shapes, checks its shape).
  const src = idKey(ch.src), dst = idKey(ch.dst), device = idKey(ch.device), bus = idKey(ch.bus);
  const queue = idKey(ch.queue);
  for (let i = 0; i < CHANNELS.length; i++) {
    const c = CHANNELS[i]!;
    if (c.src === src && c.dst === dst && c.device === device && c.bus === bus && c.queue === queue) return c;
  }
  const text = channelText(ch);
  const column = text.padEnd(10);
  const entry: ChannelEntry = {
    bus,
    device,
    src,
    dst,
    queue,
    text,
    column,
    bytes: ENC.encode(column),
    tails: [new Map(), new Map(), new Map()],
    lastProtocol: [undefined, undefined, undefined],
    lastTail: [undefined, undefined, undefined],
  };
  if (CHANNELS.length < 8) CHANNELS.push(entry);
  else CHANNELS[nextChannel++ & 7] = entry;
  return entry;
}

/** Writes a non-negative integer (up to 2^53) right-aligned in `width` columns; returns the new offset. */
function putInt(out: Uint8Array, off: number, n: number, width: number): number {
  let digits = 1;
  for (let p = 10; p <= n; p *= 10) digits++;
  for (let k = digits; k < width; k++) out[off++] = 0x20;
  if (n <= 0xffffffff) return putDecimal(out, off, n);
  // Beyond 32 bits in doubles, the digit taken first (0x30 + x may not be exact near 2^53).
  let o = off + digits - 1;
  for (let x = n; x > 0; x = Math.floor(x / 10)) out[o--] = 0x30 + (x - Math.floor(x / 10) * 10);
  return off + digits;
}

/** Where the time column's 64-bit nanoseconds become a double. */
const NS = new DataView(new ArrayBuffer(8));
/** The time column's fast path ends here (2^53 - 1 ns). */
const MAX_SAFE_NS = 9_007_199_254_740_991n;

/** Most bytes the columns before the Info text take (numbers up to 2^53, the widest channel). */
const PREFIX_MAX = 200;

/**
 * Copies a six-byte column kept from the last line, byte by byte (see `putFraction`).
 * @returns The offset after it.
 */
function put6(out: Uint8Array, off: number, c: Uint8Array): number {
  out[off] = c[0]!;
  out[off + 1] = c[1]!;
  out[off + 2] = c[2]!;
  out[off + 3] = c[3]!;
  out[off + 4] = c[4]!;
  out[off + 5] = c[5]!;
  return off + 6;
}

/**
 * The number column of the last line written by {@linkcode putNumberColumn} (six bytes, `     7`),
 * and its number (-1 when it holds none). The next line's number is mostly this one plus one: it
 * is counted up in place, like an odometer, instead of being written digit by digit again.
 */
const NO_COLUMN = new Uint8Array(6);
let noColumn = -1;

/** Writes the number column (right-aligned in six columns, wider for larger numbers). */
function putNumberColumn(out: Uint8Array, off: number, no: number): number {
  const c = NO_COLUMN;
  if (noColumn >= 0 && no === noColumn + 1 && no <= 999_999) {
    let i = 5;
    while (c[i] === 0x39) c[i--] = 0x30;
    c[i] = c[i] === 0x20 ? 0x31 : c[i]! + 1;
  } else if (no >= 0 && no <= 999_999 && Number.isInteger(no)) {
    putInt(c, 0, no, 6);
  } else {
    noColumn = -1;
    return putInt(out, off, no, 6);
  }
  noColumn = no;
  return put6(out, off, c);
}

/**
 * The whole seconds of the last time column written (`     0.`, six bytes) and their value (-1
 * when it holds none): they change about once a second of the capture, not per line.
 */
const SECONDS_COLUMN = new Uint8Array(6);
let secondsColumn = -1;

/** The three decimal digits of each of 0–999. */
const DIGITS3 = new TextEncoder().encode(
  Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0")).join(""),
);

/**
 * Writes the time column and the space after it, for `0 ≤ ns < 2^53` (seconds with six decimals,
 * right-aligned in twelve columns).
 */
function putTimeColumn(out: Uint8Array, off: number, ns: number): number {
  const us = Math.floor(ns / 1000);
  // Whole seconds by integer division while they fit (the first 35 minutes), else in doubles.
  const secs = us < 2147483648 ? ((us / 1_000_000) | 0) : Math.floor(us / 1_000_000);
  const frac = us - secs * 1_000_000;
  const c = SECONDS_COLUMN;
  if (secs !== secondsColumn) {
    if (secs > 99_999) {
      secondsColumn = -1;
      off = putInt(out, off, secs, 5);
      out[off++] = 0x2e;
      return putFraction(out, off, frac);
    }
    putInt(c, 0, secs, 5);
    c[5] = 0x2e;
    secondsColumn = secs;
  }
  return putFraction(out, put6(out, off, c), frac);
}

/**
 * Writes six decimal digits of `frac` (0–999999) and a space, three at a time from a table. Byte
 * stores: Maglev, which runs this code until TurboFan has compiled it, calls a builtin for every
 * DataView store.
 */
function putFraction(out: Uint8Array, off: number, frac: number): number {
  const hi = (frac / 1000) | 0;
  const a = 3 * hi, b = 3 * (frac - hi * 1000);
  const d = DIGITS3;
  out[off] = d[a]!;
  out[off + 1] = d[a + 1]!;
  out[off + 2] = d[a + 2]!;
  out[off + 3] = d[b]!;
  out[off + 4] = d[b + 1]!;
  out[off + 5] = d[b + 2]!;
  out[off + 6] = 0x20;
  return off + 7;
}

/** Writes the columns before the Info text (number, time, direction, protocol, channel, space). */
function putSummaryPrefix(out: Uint8Array, off: number, no: number, r: CaptureRecord, t0: bigint): number {
  // Direction, protocol and channel columns: one cached piece per channel, sender and protocol.
  const tail = columnsTail(channelEntry(r.channel), r.sender, r.protocol);
  const d = r.timestampNs - t0;
  // One conversion, then doubles: exact below 2^53 ns (about 104 days), where the fast path ends.
  // Through a DataView: `Number(d)` is a call into C++ per line.
  if (d >= 0n && d < MAX_SAFE_NS) {
    NS.setBigUint64(0, d, true);
    return putPrefixNs(out, off, no, NS.getUint32(4, true) * 4294967296 + NS.getUint32(0, true), tail);
  }
  off = putNumberColumn(out, off, no);
  out[off++] = 0x20;
  const t = formatSeconds(d);
  off += ENC.encodeInto(t.length < 12 ? SPACES[12 - t.length] + t : t, out.subarray(off)).written;
  out[off++] = 0x20;
  out.set(tail, off);
  return off + tail.length;
}

/** Writes the columns before the Info text for a time of `0 ≤ ns < 2^53 - 1` since the first record. */
function putPrefixNs(out: Uint8Array, off: number, no: number, ns: number, tail: Uint8Array): number {
  off = putNumberColumn(out, off, no);
  out[off++] = 0x20;
  off = putTimeColumn(out, off, ns);
  out.set(tail, off);
  return off + tail.length;
}

/**
 * The direction, protocol and channel columns of a summary line, each followed by a space, as bytes
 * (what {@linkcode ByteSink.summaryPrefix} writes after the time). The bytes are cached and shared:
 * do not change them.
 * @param channel The record's channel.
 * @param sender The record's sender.
 * @param protocol The record's protocol.
 * @returns The bytes.
 */
export function columnBytes(channel: Channel, sender: Side, protocol: ProtocolTag | undefined): Uint8Array {
  return columnsTail(channelEntry(channel), sender, protocol);
}

/** The columns after the time (direction, protocol, channel, each followed by a space) as bytes. */
function columnsTail(c: ChannelEntry, sender: string, protocol: string | undefined): Uint8Array {
  const i = sender === "driver" ? 0 : sender === "device" ? 1 : 2;
  const last = c.lastTail[i];
  if (last !== undefined && c.lastProtocol[i] === protocol) return last;
  const byProto = c.tails[i]!;
  let b = byProto.get(protocol);
  if (b === undefined) {
    const dir = sender === "driver" || sender === "device"
      ? DIRECTION_BYTES[sender]
      : DIRECTION_BYTES.unknown;
    const proto = protocol ?? "?";
    const pb = PROTO_BYTES[proto] ?? ENC.encode(proto.padEnd(12));
    b = new Uint8Array(dir.length + pb.length + c.bytes.length + 3);
    let o = putBytes(b, 0, dir);
    b[o++] = 0x20;
    o = putBytes(b, o, pb);
    b[o++] = 0x20;
    o = putBytes(b, o, c.bytes);
    b[o] = 0x20;
    if (byProto.size >= 64) byProto.clear();
    byProto.set(protocol, b);
  }
  c.lastProtocol[i] = protocol;
  c.lastTail[i] = b;
  return b;
}

/**
 * A growable UTF-8 byte buffer that summaries can be written into piece by piece (a codec summary
 * sink), with summary-line columns written as bytes.
 */
export class ByteSink extends BytesSink {
  /**
   * Appends the columns of a summary line before the Info text (see {@linkcode summaryLine}).
   * @param no Record number.
   * @param r Record.
   * @param t0 First timestamp.
   */
  summaryPrefix(no: number, r: CaptureRecord, t0: bigint): void {
    this.room(PREFIX_MAX);
    this.off = putSummaryPrefix(this.buf, this.off, no, r, t0);
  }
  /**
   * Appends the same columns as {@linkcode summaryPrefix} from their parts: the record number, the
   * time since the first record in ns (`0 ≤ ns < 2^53 - 1`, an integer) and the columns after the
   * time as {@linkcode columnBytes} gives them.
   * @param no Record number.
   * @param ns Nanoseconds since the first timestamp.
   * @param columns Direction, protocol and channel columns.
   */
  summaryPrefixNs(no: number, ns: number, columns: Uint8Array): void {
    this.room(PREFIX_MAX);
    this.off = putPrefixNs(this.buf, this.off, no, ns, columns);
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
