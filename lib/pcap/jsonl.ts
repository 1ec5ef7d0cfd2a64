/**
 * The JSON Lines form of records (docs/capture-format.md): one object per line with `ts`, `dir`,
 * `from`, `proto`, `chan`, `corr`, `conduit`, `comment`, `orig_len` and `hex`.
 *
 * @module
 */
import {
  type CaptureRecord,
  type Channel,
  formatTimestamp,
  isProtocolTag,
  MESSAGE_KINDS,
  type MessageKind,
  parseTimestamp,
  type Side,
  SIDES,
} from "../record.ts";

/** The JSON object of one record, as written on a line. */
export interface RecordJson {
  /** Timestamp, seconds with nine fraction digits. */
  ts: string;
  /** Message kind. */
  dir: MessageKind;
  /** Sender. */
  from: Side;
  /** Protocol tag, when known. */
  proto?: string;
  /** Event name of an annotation record. */
  event?: string;
  /** Channel members that are known. */
  chan: Channel;
  /** Correlation id. */
  corr?: number;
  /** FF-A conduit. */
  conduit?: string;
  /** Comment. */
  comment?: string;
  /** Original length, when it differs from the bytes in `hex`. */
  "orig_len"?: number;
  /** Message bytes, lower-case hex. */
  hex: string;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const CHANNEL_KEYS = ["bus", "device", "src", "dst", "queue"] as const;

/**
 * Turns bytes into lower-case hex without separators.
 * @param bytes Bytes.
 * @returns Hex text.
 */
function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

/**
 * Parses hex text (even length, no separators) into bytes.
 * @param text Hex text.
 * @returns Bytes.
 * @throws {SyntaxError} When the text is not hex.
 */
function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new SyntaxError(
      `Cannot parse hex: "${text.length > 40 ? text.slice(0, 40) + "…" : text}" is not hex bytes`,
    );
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
  return out;
}

/**
 * The JSON object for a record.
 *
 * @example
 * ```ts
 * import { recordToJson } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const r = makeRecord(new Uint8Array([0, 4, 1, 16]), { timestampNs: 1_700_000_000_000_001_000n, protocol: "scmi" });
 * equal(recordToJson(r).ts, "1700000000.000001000");
 * equal(recordToJson(r).hex, "00040110");
 * ```
 *
 * @param r Record.
 * @returns JSON-able object.
 */
export function recordToJson(r: CaptureRecord): RecordJson {
  const chan: Channel = {};
  for (const k of CHANNEL_KEYS) if (r.channel[k] !== undefined) chan[k] = r.channel[k];
  // Keys in the documented order; `hex` last.
  const o = { ts: formatTimestamp(r.timestampNs), dir: r.kind, from: r.sender } as RecordJson;
  if (r.protocol !== undefined) o.proto = r.protocol;
  if (r.annotation !== undefined) o.event = r.annotation;
  o.chan = chan;
  if (r.correlationId !== undefined) o.corr = r.correlationId;
  if (r.conduit !== undefined) o.conduit = r.conduit;
  if (r.comment !== undefined) o.comment = r.comment;
  if (r.originalLength !== r.data.length) o["orig_len"] = r.originalLength;
  o.hex = toHex(r.data);
  return o;
}

/**
 * One JSON Lines line (without the newline) for a record.
 *
 * @example
 * ```ts
 * import { recordToJsonLine } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const r = makeRecord(new Uint8Array([0, 4, 1, 16]), {
 *   timestampNs: 1_700_000_000_000_001_000n, protocol: "scmi", kind: "request", sender: "driver", channel: { queue: 0 },
 * });
 * equal(
 *   recordToJsonLine(r),
 *   '{"ts":"1700000000.000001000","dir":"request","from":"driver","proto":"scmi","chan":{"queue":0},"hex":"00040110"}',
 * );
 * ```
 *
 * @param r Record.
 * @returns The line.
 */
export function recordToJsonLine(r: CaptureRecord): string {
  return JSON.stringify(recordToJson(r));
}

function u(value: unknown, key: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
    throw new TypeError(`"${key}" must be a whole number from 0 to ${max}, not ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Turns a parsed JSON object into a record. Unknown keys are ignored.
 *
 * @param value Parsed JSON.
 * @returns The record.
 * @throws {TypeError} When a key has the wrong type or value (message names the key).
 */
export function jsonToRecord(value: unknown): CaptureRecord {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError("not a JSON object");
  }
  const o = value as Record<string, unknown>;
  if (typeof o["ts"] !== "string") {
    throw new TypeError(`"ts" must be a string of seconds, like "1.000000000"`);
  }
  let ts: bigint;
  try {
    ts = parseTimestamp(o["ts"]);
  } catch {
    throw new TypeError(`"ts" must be seconds.fraction, not "${o["ts"]}"`);
  }
  if (typeof o["hex"] !== "string") throw new TypeError(`"hex" must be a string of hex bytes`);
  let data: Uint8Array;
  try {
    data = fromHex(o["hex"]);
  } catch {
    throw new TypeError(`"hex" must be an even number of hex digits`);
  }
  const dir = o["dir"] ?? "unknown";
  if (typeof dir !== "string" || !(MESSAGE_KINDS as readonly string[]).includes(dir)) {
    throw new TypeError(`"dir" must be one of ${MESSAGE_KINDS.join(", ")}, not ${JSON.stringify(dir)}`);
  }
  const from = o["from"] ?? "unknown";
  if (typeof from !== "string" || !(SIDES as readonly string[]).includes(from)) {
    throw new TypeError(`"from" must be one of ${SIDES.join(", ")}, not ${JSON.stringify(from)}`);
  }
  const r: CaptureRecord = {
    timestampNs: ts,
    kind: dir as MessageKind,
    sender: from as Side,
    channel: {},
    data,
    originalLength: data.length,
  };
  const proto = o["proto"];
  if (proto !== undefined && proto !== null) {
    if (typeof proto !== "string" || !isProtocolTag(proto)) {
      throw new TypeError(`"proto" ${JSON.stringify(proto)} is not a protocol tag`);
    }
    r.protocol = proto;
  }
  if (typeof o["event"] === "string") r.annotation = o["event"];
  const chan = o["chan"];
  if (chan !== undefined && chan !== null) {
    if (typeof chan !== "object" || Array.isArray(chan)) throw new TypeError(`"chan" must be an object`);
    const c = chan as Record<string, unknown>;
    for (const k of CHANNEL_KEYS) if (c[k] !== undefined) r.channel[k] = u(c[k], `chan.${k}`, 0xffff);
  }
  if (o["corr"] !== undefined) r.correlationId = u(o["corr"], "corr", 0xffffffff);
  const conduit = o["conduit"];
  if (conduit !== undefined) {
    if (conduit !== "smc" && conduit !== "hvc") throw new TypeError(`"conduit" must be "smc" or "hvc"`);
    r.conduit = conduit;
  }
  if (o["comment"] !== undefined) {
    if (typeof o["comment"] !== "string") throw new TypeError(`"comment" must be a string`);
    r.comment = o["comment"];
  }
  if (o["orig_len"] !== undefined) {
    r.originalLength = u(o["orig_len"], "orig_len", 0xffffffff);
    if (r.originalLength < data.length) {
      throw new TypeError(`"orig_len" ${r.originalLength} is less than the ${data.length} bytes in "hex"`);
    }
  }
  return r;
}

/**
 * Parses one JSON Lines line into a record.
 *
 * @example
 * ```ts
 * import { parseJsonLine } from "./mod.ts";
 * import { equal } from "node:assert/strict";
 * const r = parseJsonLine('{"ts":"1.5","dir":"request","from":"driver","proto":"scmi","chan":{"queue":0},"hex":"00040110"}');
 * equal(r.timestampNs, 1_500_000_000n);
 * equal(r.channel.queue, 0);
 * equal(r.data.length, 4);
 * ```
 *
 * @param line The line.
 * @returns The record.
 * @throws {SyntaxError} When the line is not JSON.
 * @throws {TypeError} When a key has the wrong type or value.
 */
export function parseJsonLine(line: string): CaptureRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new SyntaxError(`not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return jsonToRecord(value);
}
