/**
 * Shared by the pcap and pcapng parsers: per-interface state and packet → record conversion.
 *
 * @internal @private
 * @module
 */
import {
  type CaptureRecord,
  LINKTYPE_USER0,
  LINKTYPE_USER15,
  type ProtocolTag,
  type Side,
} from "../record.ts";
import type { CaptureInfo } from "./capture_info.ts";
import { CaptureSyntaxError } from "./capture_syntax_error.ts";
import {
  ANNOTATION_PROTOCOL_CODE,
  annotationName,
  pseudoHeaderLengthAt,
  pseudoHeaderRecordAt,
} from "./pseudo_header.ts";

/** Largest captured length accepted in one packet (262144 × 4), as Wireshark's limit. */
export const MAX_CAPTURED_LENGTH = 262144 * 4;

/**
 * Where a parser puts the records it reads: an array, or anything else that takes them one by one
 * (`vioscope decode`'s workers write each record's line as it comes).
 */
export interface RecordSink {
  /** Takes one record. */
  push(record: CaptureRecord): unknown;
  /**
   * Offered, when present, each pcapng packet of a USER0–15 interface with nanosecond timestamps
   * (no `--decode-as`, no comment) whose valid pseudo-header names one of the five protocols, before
   * its record is built: returns true when it has handled the packet (no record is built then), false
   * to have the record built and pushed as usual. The packet is only valid during the call (the
   * parser fills the same object for the next packet).
   */
  packet?(p: PacketRef): boolean;
}

const EMPTY = new Uint8Array(0);
/**
 * The empty packet's view, shared: a new `PacketRef` (`keep` makes one per pending call) needs no
 * DataView of its own, and the DataView constructor is a call into C++.
 */
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

/**
 * A packet with a pseudo-header, not yet made a record (see {@linkcode RecordSink.packet}): where
 * its bytes are, its timestamp as two 32-bit halves of nanoseconds, and
 * {@linkcode PacketRef.record}, which builds the record the parser would have built.
 */
export class PacketRef {
  /** The buffer holding the packet. */
  buf: Uint8Array = EMPTY;
  /** A DataView of the whole of `buf`. */
  dv: DataView = EMPTY_VIEW;
  /** Where the packet starts in `buf` (its pseudo-header). */
  at = 0;
  /** Captured length (pseudo-header and message). */
  length = 0;
  /** Length of the pseudo-header (the message starts at `at + headerLength`). */
  headerLength = 0;
  /** Original length. */
  originalLength = 0;
  /** Timestamp, high 32 bits (ns). */
  tsHi = 0;
  /** Timestamp, low 32 bits (ns). */
  tsLo = 0;
  /** Offset of the packet's block in the capture. */
  offset = 0;
  readonly #ctx: ParseContext;

  /** @param ctx The parser's context. */
  constructor(ctx: ParseContext) {
    this.#ctx = ctx;
  }

  /**
   * The packet's record, as the parser builds it (the record's bytes are a view of `buf`; its
   * `info.records` count was taken when the packet was offered).
   * @returns The record.
   */
  record(): CaptureRecord {
    const ts = (BigInt(this.tsHi) << 32n) | BigInt(this.tsLo);
    return userPacketRecord(
      this.#ctx,
      this.buf,
      this.at,
      this.length,
      this.originalLength,
      ts,
      0,
      this.offset,
    );
  }

  /**
   * A copy that stays valid when the parser moves on to the next packet (its bytes must stay: the
   * buffer is the parser's input).
   * @returns The copy.
   */
  keep(): PacketRef {
    const k = new PacketRef(this.#ctx);
    k.buf = this.buf;
    k.dv = this.dv;
    k.at = this.at;
    k.length = this.length;
    k.headerLength = this.headerLength;
    k.originalLength = this.originalLength;
    k.tsHi = this.tsHi;
    k.tsLo = this.tsLo;
    k.offset = this.offset;
    return k;
  }
}

/** What every parser shares: names, options and the live info. */
export interface ParseContext {
  uri: string | undefined;
  decodeAs: ReadonlyMap<number, ProtocolTag> | undefined;
  info: CaptureInfo;
}

/** Per-interface state the parsers keep. */
export interface InterfaceState {
  linkType: number;
  snapLen: number;
  /** Protocol of bare messages (from decodeAs), if any. */
  bare: ProtocolTag | undefined;
  /** Whether the link type is USER0–15 (pseudo-header possible). */
  user: boolean;
}

/**
 * Makes interface state for a link type.
 * @param ctx Parse context.
 * @param linkType LINKTYPE.
 * @param snapLen Snap length.
 * @returns State.
 */
export function interfaceState(ctx: ParseContext, linkType: number, snapLen: number): InterfaceState {
  return {
    linkType,
    snapLen,
    bare: ctx.decodeAs?.get(linkType),
    user: linkType >= LINKTYPE_USER0 && linkType <= LINKTYPE_USER15,
  };
}

const SENDER_BY_DIRECTION: readonly Side[] = ["unknown", "device", "driver", "unknown"];

/**
 * Turns one packet into a record: pseudo-header, bare `decodeAs` protocol, or unknown.
 * @param ctx Parse context (counts records).
 * @param iface Interface of the packet.
 * @param buf The buffer holding the packet.
 * @param start Offset of the packet in `buf`.
 * @param caplen Captured length.
 * @param origLen Original length of the packet.
 * @param ts Timestamp in ns.
 * @param direction epb_flags bits 1:0 (1 inbound, 2 outbound), 0 when unknown.
 * @param offset Absolute offset of the block or record.
 * @returns The record.
 */
export function packetRecord(
  ctx: ParseContext,
  iface: InterfaceState,
  buf: Uint8Array,
  start: number,
  caplen: number,
  origLen: number,
  ts: bigint,
  direction: number,
  offset: number,
): CaptureRecord {
  ctx.info.records++;
  return iface.bare === undefined && iface.user
    ? userPacketRecord(ctx, buf, start, caplen, origLen, ts, direction, offset)
    : plainRecord(ctx, iface.bare, buf, start, caplen, origLen, ts, direction, offset);
}

/** The record of a packet on a USER0–15 interface without `--decode-as` (see `packetRecord`). */
function userPacketRecord(
  ctx: ParseContext,
  buf: Uint8Array,
  start: number,
  caplen: number,
  origLen: number,
  ts: bigint,
  direction: number,
  offset: number,
): CaptureRecord {
  const hl = pseudoHeaderLengthAt(buf, start, caplen);
  if (hl === 0) return plainRecord(ctx, undefined, buf, start, caplen, origLen, ts, direction, offset);
  const source = ctx.uri === undefined ? { offset } : { uri: ctx.uri, offset };
  if (origLen < caplen) origLen = caplen;
  const data = new Uint8Array(buf.buffer, buf.byteOffset + start + hl, caplen - hl);
  const r = pseudoHeaderRecordAt(buf, start, ts, data, origLen - hl, source);
  if (buf[start + 4] === ANNOTATION_PROTOCOL_CODE) r.annotation = annotationName(r.data);
  else if (r.protocol === undefined) ctx.info.unknownProtocol++;
  return r;
}

/**
 * The record of a packet without a pseudo-header: of the `--decode-as` protocol, or of none (then
 * counted as unknown).
 */
function plainRecord(
  ctx: ParseContext,
  protocol: ProtocolTag | undefined,
  buf: Uint8Array,
  start: number,
  caplen: number,
  origLen: number,
  ts: bigint,
  direction: number,
  offset: number,
): CaptureRecord {
  const source = ctx.uri === undefined ? { offset } : { uri: ctx.uri, offset };
  if (origLen < caplen) origLen = caplen;
  const sender = SENDER_BY_DIRECTION[direction & 3]!;
  const data = new Uint8Array(buf.buffer, buf.byteOffset + start, caplen);
  if (protocol !== undefined) {
    return {
      timestampNs: ts,
      protocol,
      kind: "unknown",
      sender,
      channel: {},
      data,
      originalLength: origLen,
      source,
    };
  }
  ctx.info.unknownProtocol++;
  return { timestampNs: ts, kind: "unknown", sender, channel: {}, data, originalLength: origLen, source };
}

/**
 * Builds a capture syntax error with the standard message.
 * @param ctx Parse context.
 * @param what What is wrong, with where.
 * @param offset Absolute offset.
 * @returns The error.
 */
export function captureError(ctx: ParseContext, what: string, offset: number): CaptureSyntaxError {
  const name = ctx.uri === undefined ? "capture" : `capture "${ctx.uri}"`;
  return new CaptureSyntaxError(
    `Cannot read ${name}: ${what}`,
    ctx.uri === undefined ? { offset } : { offset, uri: ctx.uri },
  );
}

/** The parser interface the reader drives. */
export interface ContainerParser {
  /**
   * Parses every complete unit in `buf`, pushing records to `out`.
   * @returns Bytes consumed; `need` then tells how many bytes (from the new start) the next unit needs.
   */
  parse(buf: Uint8Array, base: number, out: RecordSink): number;
  /** Bytes needed from the current start before parsing can progress (≥ 1). */
  need: number;
  /** True when the parser waits for a newline rather than a byte count (JSON Lines). */
  wantsNewline: boolean;
  /** End of input with `buf` unconsumed: push what is complete, or throw the truncation error. */
  end(buf: Uint8Array, base: number, out: RecordSink): void;
}
