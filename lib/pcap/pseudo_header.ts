/**
 * vioscope's 24-byte capture pseudo-header (docs/capture-format.md): protocol, kind, sender,
 * conduit, channel and correlation id in front of every message in a USER0–15 packet.
 *
 * @module
 */
import {
  type CaptureRecord,
  type Channel,
  type Conduit,
  MESSAGE_KINDS,
  type MessageKind,
  PROTOCOL_TAGS,
  type ProtocolTag,
  type Side,
  SIDES,
} from "../record.ts";

/** Length of a version-1 pseudo-header. */
export const PSEUDO_HEADER_LENGTH = 24;

/** Pseudo-header protocol code of annotation records (UTF-8 JSON text). */
export const ANNOTATION_PROTOCOL_CODE = 255;

const CHANNEL_KEYS = ["bus", "device", "src", "dst", "queue"] as const;
/** Conduits by the pseudo-header's conduit bits (byte 5, bits 5:4). */
export const PSEUDO_CONDUITS: readonly (Conduit | undefined)[] = [undefined, "smc", "hvc", undefined];

/** A decoded pseudo-header. */
export interface PseudoHeader {
  /** Protocol, when the code is one of the five known protocols. */
  protocol?: ProtocolTag;
  /** The raw protocol code (0 unknown, 1–5 protocols, 255 annotation). */
  protocolCode: number;
  /** Request, response, event or unknown. */
  kind: MessageKind;
  /** Driver, device or unknown. */
  sender: Side;
  /** SMC or HVC, for FF-A frames. */
  conduit?: Conduit;
  /** Channel members whose `present` bit is set. */
  channel: Channel;
  /** Correlation id, when its `present` bit is set. */
  correlationId?: number;
  /** Bytes from the start of the packet to the message. */
  headerLength: number;
}

/**
 * Tells the protocol code of a protocol tag (1 virtio-msg … 5 virtio-iommu; 0 for none).
 * @param protocol Tag or undefined.
 * @returns The code.
 */
export function protocolCode(protocol: ProtocolTag | undefined): number {
  return protocol === undefined ? 0 : PROTOCOL_TAGS.indexOf(protocol) + 1;
}

/**
 * Builds the pseudo-header for a record (24 bytes, little-endian).
 *
 * @example The SCMI example from docs/capture-format.md
 * ```ts
 * import { encodePseudoHeader } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { deepEqual } from "node:assert/strict";
 * const r = makeRecord(new Uint8Array([0, 4, 1, 16]), {
 *   protocol: "scmi", kind: "request", sender: "driver", channel: { queue: 0 },
 * });
 * deepEqual([...encodePseudoHeader(r).subarray(0, 8)], [0x56, 0x53, 1, 24, 4, 5, 0x10, 0]);
 * ```
 *
 * @param record The record (its `data` is not included).
 * @returns The 24 header bytes.
 * @throws {RangeError} When a channel member is not a u16 or the correlation id not a u32.
 */
export function encodePseudoHeader(record: CaptureRecord): Uint8Array {
  const out = new Uint8Array(PSEUDO_HEADER_LENGTH);
  writePseudoHeader(record, out, 0);
  return out;
}

/**
 * Writes a record's pseudo-header into `out` at `at` (24 bytes).
 * @param record The record.
 * @param out Destination.
 * @param at Offset in `out`.
 * @throws {RangeError} When a channel member is not a u16 or the correlation id not a u32.
 */
export function writePseudoHeader(record: CaptureRecord, out: Uint8Array, at: number): void {
  out[at] = 0x56;
  out[at + 1] = 0x53;
  out[at + 2] = 1;
  out[at + 3] = PSEUDO_HEADER_LENGTH;
  out[at + 4] = record.annotation !== undefined ? ANNOTATION_PROTOCOL_CODE : protocolCode(record.protocol);
  const kind = MESSAGE_KINDS.indexOf(record.kind);
  const sender = SIDES.indexOf(record.sender);
  const conduit = record.conduit === "smc" ? 1 : record.conduit === "hvc" ? 2 : 0;
  out[at + 5] = (kind < 0 ? 0 : kind) | ((sender < 0 ? 0 : sender) << 2) | (conduit << 4);
  let present = 0;
  const ch = record.channel;
  for (let i = 0; i < 5; i++) {
    const key = CHANNEL_KEYS[i]!;
    const v = ch[key];
    let w = 0;
    if (v !== undefined) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffff) {
        throw new RangeError(`Cannot encode the pseudo-header: channel ${key} ${v} is not a 16-bit number`);
      }
      present |= 1 << i;
      w = v;
    }
    out[at + 8 + 2 * i] = w & 0xff;
    out[at + 9 + 2 * i] = w >>> 8;
  }
  out[at + 18] = 0;
  out[at + 19] = 0;
  let corr = 0;
  if (record.correlationId !== undefined) {
    const c = record.correlationId;
    if (!Number.isInteger(c) || c < 0 || c > 0xffffffff) {
      throw new RangeError(`Cannot encode the pseudo-header: correlation id ${c} is not a 32-bit number`);
    }
    present |= 1 << 5;
    corr = c;
  }
  out[at + 6] = present;
  out[at + 7] = 0;
  out[at + 20] = corr & 0xff;
  out[at + 21] = (corr >>> 8) & 0xff;
  out[at + 22] = (corr >>> 16) & 0xff;
  out[at + 23] = corr >>> 24;
}

/**
 * Tells whether a packet starts with a valid version-1 pseudo-header and returns its length.
 * @param packet Packet bytes.
 * @returns The header length, or 0 when the packet has no valid pseudo-header.
 */
export function pseudoHeaderLength(packet: Uint8Array): number {
  return pseudoHeaderLengthAt(packet, 0, packet.length);
}

/**
 * Like {@linkcode pseudoHeaderLength} for a packet inside a larger buffer.
 * @param buf Buffer.
 * @param at Offset of the packet.
 * @param length Packet length.
 * @returns The header length, or 0 when the packet has no valid pseudo-header.
 */
export function pseudoHeaderLengthAt(buf: Uint8Array, at: number, length: number): number {
  if (length < PSEUDO_HEADER_LENGTH || buf[at] !== 0x56 || buf[at + 1] !== 0x53 || buf[at + 2] !== 1) {
    return 0;
  }
  const hl = buf[at + 3]!;
  return hl >= PSEUDO_HEADER_LENGTH && hl <= length ? hl : 0;
}

/**
 * Reads the pseudo-header at the start of a packet.
 *
 * @example
 * ```ts
 * import { decodePseudoHeader } from "./mod.ts";
 * import { equal } from "node:assert/strict";
 * const packet = new Uint8Array(28);
 * packet.set([0x56, 0x53, 1, 24, 4, 5, 0x10, 0]);
 * const h = decodePseudoHeader(packet)!;
 * equal(h.protocol, "scmi");
 * equal(h.sender, "driver");
 * equal(h.channel.queue, 0);
 * equal(decodePseudoHeader(new Uint8Array(4)), undefined);
 * ```
 *
 * @param packet Packet bytes (header and message).
 * @returns The header, or undefined when the magic, version or length is wrong.
 */
export function decodePseudoHeader(packet: Uint8Array): PseudoHeader | undefined {
  const hl = pseudoHeaderLength(packet);
  if (hl === 0) return undefined;
  const code = packet[4]!;
  const h: PseudoHeader = {
    protocolCode: code,
    kind: "unknown",
    sender: "unknown",
    channel: {},
    headerLength: hl,
  };
  applyPseudoHeader(packet, h);
  return h;
}

/**
 * Copies a (validated) pseudo-header's fields onto a record-like object. Used by the readers to
 * fill records without an intermediate object.
 * @param packet Packet starting with a valid pseudo-header.
 * @param target Record (or header) to fill: protocol, kind, sender, conduit, channel, correlationId.
 */
export function applyPseudoHeader(
  packet: Uint8Array,
  target: Pick<CaptureRecord, "kind" | "sender" | "channel" | "protocol" | "conduit" | "correlationId">,
): void {
  applyPseudoHeaderAt(packet, 0, target);
}

/**
 * Like {@linkcode applyPseudoHeader} for a packet inside a larger buffer.
 * @param b Buffer.
 * @param at Offset of the packet (its valid pseudo-header) in `b`.
 * @param target Record (or header) to fill.
 */
export function applyPseudoHeaderAt(
  b: Uint8Array,
  at: number,
  target: Pick<CaptureRecord, "kind" | "sender" | "channel" | "protocol" | "conduit" | "correlationId">,
): void {
  const code = b[at + 4]!;
  if (code >= 1 && code <= 5) target.protocol = PROTOCOL_TAGS[code - 1]!;
  const d = b[at + 5]!;
  target.kind = MESSAGE_KINDS[d & 3]!;
  target.sender = SIDES[(d >>> 2) & 3] ?? "unknown";
  const conduit = PSEUDO_CONDUITS[(d >>> 4) & 3];
  if (conduit !== undefined) target.conduit = conduit;
  const present = b[at + 6]!;
  if (present !== 0) {
    target.channel = channelAt(b, at, present);
    if (present & 32) target.correlationId = correlationAt(b, at);
  }
}

/**
 * The channel of the pseudo-header at `at`: the members whose `present` bit is set.
 * @param b Buffer.
 * @param at Offset of the pseudo-header.
 * @param present Its present bits (byte 6).
 * @returns The channel.
 */
export function channelAt(b: Uint8Array, at: number, present: number): Channel {
  const ch: Channel = {};
  if (present & 1) ch.bus = b[at + 8]! | (b[at + 9]! << 8);
  if (present & 2) ch.device = b[at + 10]! | (b[at + 11]! << 8);
  if (present & 4) ch.src = b[at + 12]! | (b[at + 13]! << 8);
  if (present & 8) ch.dst = b[at + 14]! | (b[at + 15]! << 8);
  if (present & 16) ch.queue = b[at + 16]! | (b[at + 17]! << 8);
  return ch;
}

const correlationAt = (b: Uint8Array, at: number) =>
  (b[at + 20]! | (b[at + 21]! << 8) | (b[at + 22]! << 16) | (b[at + 23]! << 24)) >>> 0;

/**
 * A record from a packet with a (valid) pseudo-header: what {@linkcode applyPseudoHeaderAt} fills in,
 * built as one object (the readers' hot path: no properties added one by one).
 * @param b Buffer.
 * @param at Offset of the packet in `b`.
 * @param timestampNs Timestamp.
 * @param data The message bytes (after the pseudo-header).
 * @param originalLength Original length of the message.
 * @param source Where the record came from.
 * @returns The record (without `annotation`).
 */
export function pseudoHeaderRecordAt(
  b: Uint8Array,
  at: number,
  timestampNs: bigint,
  data: Uint8Array,
  originalLength: number,
  source: NonNullable<CaptureRecord["source"]>,
): CaptureRecord {
  const code = b[at + 4]!;
  const d = b[at + 5]!;
  const kind = MESSAGE_KINDS[d & 3]!;
  const sender = SIDES[(d >>> 2) & 3] ?? "unknown";
  const conduit = PSEUDO_CONDUITS[(d >>> 4) & 3];
  const present = b[at + 6]!;
  const channel = present === 0 ? {} : channelAt(b, at, present);
  let r: CaptureRecord;
  if (code >= 1 && code <= 5) {
    const protocol = PROTOCOL_TAGS[code - 1]!;
    r = conduit === undefined
      ? { timestampNs, protocol, kind, sender, channel, data, originalLength, source }
      : { timestampNs, protocol, kind, sender, conduit, channel, data, originalLength, source };
  } else {
    r = conduit === undefined
      ? { timestampNs, kind, sender, channel, data, originalLength, source }
      : { timestampNs, kind, sender, conduit, channel, data, originalLength, source };
  }
  if (present & 32) r.correlationId = correlationAt(b, at);
  return r;
}

/**
 * The event name of an annotation record's JSON text (`{"event": …}`), or `"annotation"` when the
 * text is not such JSON.
 * @param data UTF-8 JSON bytes.
 * @returns The name.
 */
export function annotationName(data: Uint8Array): string {
  try {
    const o = JSON.parse(new TextDecoder().decode(data));
    return typeof o?.event === "string" ? o.event : "annotation";
  } catch {
    return "annotation";
  }
}
