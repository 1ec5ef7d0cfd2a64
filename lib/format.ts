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
