/**
 * One-line renderings of records, shared by decode, demo, replay and textconv.
 *
 * @module
 */
import type { CaptureRecord, Channel } from "./record.ts";

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
  return `${String(no).padStart(6)} ${formatSeconds(r.timestampNs - t0).padStart(12)} ${formatDirection(r)} ${
    (r.protocol ?? "?").padEnd(12)
  } ${formatChannel(r.channel).padEnd(10)} ${info}`;
}
