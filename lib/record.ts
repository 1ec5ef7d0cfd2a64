/**
 * The one record type shared by every reader, writer, codec, the simulator and diff.
 *
 * A {@linkcode CaptureRecord} is one protocol message as it was seen on the wire (or in a trace):
 * an exact nanosecond timestamp, what protocol it belongs to, whether it is a request, a response or
 * an event and which side sent it, the channel it travelled on, and the raw message bytes.
 *
 * @module
 */

/** The protocol tags used everywhere: CLI flags, JSON, docs and the capture pseudo-header. */
export const PROTOCOL_TAGS = ["virtio-msg", "ffa", "rpmb", "scmi", "virtio-iommu"] as const;

/** One of {@linkcode PROTOCOL_TAGS}. */
export type ProtocolTag = typeof PROTOCOL_TAGS[number];

/** Whether a message asks, answers or announces. */
export type MessageKind = "request" | "response" | "event" | "unknown";

/** Which side of the conversation sent a message. */
export type Side = "driver" | "device" | "unknown";

/** The message kinds, in pseudo-header order (index = wire value). */
export const MESSAGE_KINDS: readonly MessageKind[] = ["unknown", "request", "response", "event"];

/** The sides, in pseudo-header order (index = wire value). */
export const SIDES: readonly Side[] = ["unknown", "driver", "device"];

/** The SMCCC conduit an FF-A frame was issued through. */
export type Conduit = "smc" | "hvc";

/**
 * Where a message travelled. Every member is optional; absent means "not known / not applicable".
 * All members are unsigned 16-bit numbers.
 */
export interface Channel {
  /** Bus instance (virtio-msg bus, SCMI channel set, ...). */
  bus?: number;
  /** Device number (virtio-msg dev_num, RPMB target, IOMMU endpoint). */
  device?: number;
  /** Sending endpoint id (FF-A partition id, SCMI agent id). */
  src?: number;
  /** Receiving endpoint id. */
  dst?: number;
  /** Queue index (virtqueue, SCMI a2p/p2a channel). */
  queue?: number;
}

/** Where a record came from, for error messages and for `--verbose` output. */
export interface RecordSource {
  /** File name, `-` for standard input. */
  uri?: string;
  /** Byte offset of the record's container block in the file. */
  offset?: number;
  /** 1-based line number for text inputs. */
  line?: number;
}

/** One message, as every part of vioscope sees it. */
export interface CaptureRecord {
  /** Nanoseconds since the epoch (or since an arbitrary start for monotonic clocks). Exact. */
  timestampNs: bigint;
  /** Protocol of `data`; absent when it is not known (raw capture without `--decode-as`). */
  protocol?: ProtocolTag;
  /** Request, response or event. */
  kind: MessageKind;
  /** Which side sent it. */
  sender: Side;
  /** Where it travelled. */
  channel: Channel;
  /** Pairs a request with its response when the protocol itself cannot (u32). */
  correlationId?: number;
  /** SMC or HVC, for FF-A frames. */
  conduit?: Conduit;
  /** The raw message bytes (a view; never copied by decoders). */
  data: Uint8Array;
  /** Length of the message on the wire when `data` was truncated by a snap length. */
  originalLength: number;
  /** Free-text comment (pcapng opt_comment). */
  comment?: string;
  /** Where the record was read from. */
  source?: RecordSource;
  /**
   * Set on annotation records: trace events that are not protocol messages (QEMU events without a
   * message mapping, `scmi_xfer_begin`, ...). Holds the event name; `data` is UTF-8 JSON
   * `{"event": name, "args": {...}}` and `protocol` is absent. Pseudo-header protocol value 255.
   */
  annotation?: string;
}

/**
 * Builds a record with defaults for everything but the bytes.
 *
 * @example Making a record
 * ```ts
 * import { makeRecord } from "./record.ts";
 * import { equal } from "node:assert/strict";
 * const r = makeRecord(new Uint8Array([1, 2]), { protocol: "scmi", kind: "request" });
 * equal(r.originalLength, 2);
 * equal(r.sender, "unknown");
 * ```
 *
 * @param data The message bytes.
 * @param fields Any other record members.
 * @returns A complete record.
 */
export function makeRecord(data: Uint8Array, fields: Partial<CaptureRecord> = {}): CaptureRecord {
  return {
    timestampNs: 0n,
    kind: "unknown",
    sender: "unknown",
    channel: {},
    originalLength: data.length,
    ...fields,
    data,
  };
}

/** Numeric link types vioscope reads and writes. */
export const LINKTYPE_USER0 = 147;
/** Last of the sixteen private DLT_USER link types. */
export const LINKTYPE_USER15 = 162;
/** vioscope's own encapsulation (see docs/capture-format.md). */
export const LINKTYPE_VIOSCOPE = LINKTYPE_USER0;

/**
 * Formats an integer nanosecond timestamp as `seconds.nnnnnnnnn`, exactly.
 *
 * @example
 * ```ts
 * import { formatTimestamp } from "./record.ts";
 * import { equal } from "node:assert/strict";
 * equal(formatTimestamp(1_500_000_001n), "1.500000001");
 * equal(formatTimestamp(-5n), "-0.000000005");
 * ```
 *
 * @param ns Nanoseconds.
 * @returns The decimal text.
 */
export function formatTimestamp(ns: bigint): string {
  const neg = ns < 0n;
  const abs = neg ? -ns : ns;
  const sec = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, "0");
  return `${neg ? "-" : ""}${sec}.${frac}`;
}

/**
 * Parses `seconds[.fraction]` (up to nine fraction digits) or an integer count of nanoseconds
 * suffixed with `ns`, into integer nanoseconds.
 *
 * @example
 * ```ts
 * import { parseTimestamp } from "./record.ts";
 * import { equal } from "node:assert/strict";
 * equal(parseTimestamp("1.5"), 1_500_000_000n);
 * equal(parseTimestamp("42ns"), 42n);
 * ```
 *
 * @param text The timestamp text.
 * @returns Nanoseconds.
 * @throws {SyntaxError} When the text is not a timestamp.
 */
export function parseTimestamp(text: string): bigint {
  const ns = /^(-?)(\d+)ns$/.exec(text);
  if (ns) return BigInt(ns[1]! + ns[2]!);
  const m = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) throw new SyntaxError(`Cannot parse timestamp: "${text}" is not seconds.fraction`);
  const v = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? "").padEnd(9, "0"));
  return m[1] === "-" ? -v : v;
}

/**
 * Tells whether a string is one of the protocol tags.
 *
 * @param s Any string.
 * @returns True for `virtio-msg`, `ffa`, `rpmb`, `scmi` or `virtio-iommu`.
 */
export function isProtocolTag(s: string): s is ProtocolTag {
  return (PROTOCOL_TAGS as readonly string[]).includes(s);
}
