/**
 * The timestamp-free one-line rendering of a message shared by `diff` and `textconv`.
 *
 * @module
 */
import type { Side } from "../record.ts";

/** What a message line shows. */
export interface MessageLineParts {
  /** Sender. */
  sender: Side;
  /** Protocol tag. */
  protocol: string;
  /** Channel text (`dev1/q0`, `-`). */
  channel: string;
  /** Summary. */
  summary: string;
}

/**
 * Direction, protocol, channel and summary in fixed columns, with no time and no record number,
 * so that equal conversations give equal lines.
 *
 * @example
 * ```ts
 * import { messageLine } from "./message_line.ts";
 * import { equal } from "node:assert/strict";
 * equal(
 *   messageLine({ sender: "driver", protocol: "virtio-msg", channel: "dev1", summary: "PING" }),
 *   "drv→dev virtio-msg   dev1       PING",
 * );
 * ```
 *
 * @param m The parts.
 * @returns The line.
 */
export function messageLine(m: MessageLineParts): string {
  const dir = m.sender === "driver" ? "drv→dev" : m.sender === "device" ? "dev→drv" : "   ?   ";
  return `${dir} ${m.protocol.padEnd(12)} ${m.channel.padEnd(10)} ${m.summary}`;
}
