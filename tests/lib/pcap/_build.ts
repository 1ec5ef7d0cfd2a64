/**
 * Test helpers: hand-built pcap / pcapng bytes and a read-everything helper.
 *
 * @module
 */
import { type CaptureInfo, CaptureReader, type ReadCaptureOptions } from "../../../lib/pcap/mod.ts";
import type { CaptureRecord } from "../../../lib/record.ts";

/** Concatenates byte arrays. */
export function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** u16 in the given byte order. */
export function u16(v: number, le = true): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, v, le);
  return b;
}
/** u32 in the given byte order. */
export function u32(v: number, le = true): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, le);
  return b;
}
/** i64 in the given byte order. */
export function i64(v: bigint, le = true): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, v, le);
  return b;
}
/** Zero padding to a multiple of 4. */
export function pad4(b: Uint8Array): Uint8Array {
  return cat(b, new Uint8Array((4 - (b.length % 4)) % 4));
}
/** UTF-8 bytes. */
export function utf8(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** One pcapng option. */
export function opt(code: number, value: Uint8Array, le = true): Uint8Array {
  return cat(u16(code, le), u16(value.length, le), pad4(value));
}
/** The end-of-options option. */
export function endOpt(le = true): Uint8Array {
  return cat(u16(0, le), u16(0, le));
}
/** A pcapng block with the given body (padded). */
export function block(type: number, body: Uint8Array, le = true): Uint8Array {
  const b = pad4(body);
  const len = 12 + b.length;
  return cat(u32(type, le), u32(len, le), b, u32(len, le));
}
/** A Section Header Block. */
export function shb(le = true, options: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  return block(
    0x0a0d0d0a,
    cat(u32(0x1a2b3c4d, le), u16(major, le), u16(0, le), i64(-1n, le), options),
    le,
  );
}
/** An Interface Description Block. */
export function idb(linkType: number, snapLen: number, le = true, options: Uint8Array = new Uint8Array(0)) {
  return block(1, cat(u16(linkType, le), u16(0, le), u32(snapLen, le), options), le);
}
/** An Enhanced Packet Block; the timestamp is a 64-bit count of if_tsresol units. */
export function epb(
  ifId: number,
  ts: bigint,
  data: Uint8Array,
  le = true,
  options: Uint8Array = new Uint8Array(0),
  origLen = data.length,
): Uint8Array {
  return block(
    6,
    cat(
      u32(ifId, le),
      u32(Number(ts >> 32n), le),
      u32(Number(ts & 0xffffffffn), le),
      u32(data.length, le),
      u32(origLen, le),
      pad4(data),
      options,
    ),
    le,
  );
}
/** An obsolete Packet Block (type 2). */
export function pb(
  ifId: number,
  ts: bigint,
  data: Uint8Array,
  le = true,
  options: Uint8Array = new Uint8Array(0),
) {
  return block(
    2,
    cat(
      u16(ifId, le),
      u16(0, le),
      u32(Number(ts >> 32n), le),
      u32(Number(ts & 0xffffffffn), le),
      u32(data.length, le),
      u32(data.length, le),
      pad4(data),
      options,
    ),
    le,
  );
}
/** A Simple Packet Block. */
export function spb(data: Uint8Array, le = true, origLen = data.length): Uint8Array {
  return block(3, cat(u32(origLen, le), pad4(data)), le);
}
/** A classic pcap file header. */
export function pcapHeader(le: boolean, nanos: boolean, snapLen: number, linkWord: number): Uint8Array {
  return cat(
    u32(nanos ? 0xa1b23c4d : 0xa1b2c3d4, le),
    u16(2, le),
    u16(4, le),
    u32(0),
    u32(0),
    u32(snapLen, le),
    u32(linkWord, le),
  );
}
/** A classic pcap record. */
export function pcapRecord(le: boolean, sec: number, frac: number, data: Uint8Array, origLen = data.length) {
  return cat(u32(sec, le), u32(frac, le), u32(data.length, le), u32(origLen, le), data);
}

/** The pseudo-header example of docs/capture-format.md followed by the SCMI message. */
export const SCMI_EXAMPLE = new Uint8Array([
  0x56,
  0x53,
  0x01,
  0x18,
  0x04,
  0x05,
  0x10,
  0x00,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0x00,
  0x04,
  0x01,
  0x10,
]);

/** Feeds bytes in chunks of `chunk` bytes (whole when 0). */
export function streamOf(bytes: Uint8Array, chunk = 0): ReadableStream<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (chunk <= 0) parts.push(bytes.slice());
  else for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.slice(i, i + chunk));
  return ReadableStream.from(parts);
}

/** Everything a read gave: records, the error (if any) and the info. */
export interface ReadResult {
  records: CaptureRecord[];
  error: unknown;
  info: CaptureInfo;
}

/** Reads bytes completely, catching the error. */
export async function readAll(
  bytes: Uint8Array,
  options: ReadCaptureOptions = {},
  chunk = 0,
): Promise<ReadResult> {
  const reader = new CaptureReader(streamOf(bytes, chunk), options);
  const records: CaptureRecord[] = [];
  let error: unknown;
  try {
    for await (const b of reader.batches()) records.push(...b);
  } catch (e) {
    error = e;
  }
  return { records, error, info: reader.info };
}

/** Reads bytes completely and fails on any error. */
export async function readOk(bytes: Uint8Array, options: ReadCaptureOptions = {}, chunk = 0) {
  const r = await readAll(bytes, options, chunk);
  if (r.error) throw r.error;
  return r;
}

/** Collects what a capture writer writes. */
export function collector(): { stream: WritableStream<Uint8Array>; bytes: () => Uint8Array } {
  const chunks: Uint8Array[] = [];
  return {
    stream: new WritableStream({ write: (c) => void chunks.push(c.slice()) }),
    bytes: () => cat(...chunks),
  };
}
