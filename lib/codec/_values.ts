/**
 * Value helpers shared by the decoder, encoder and describe: integer widths, display, JSON and
 * conversion of user-given values.
 *
 * @internal @private
 * @module
 */
import type { BitSpec, IntType, Value } from "./types.ts";

/** Byte size of each integer type. */
export const INT_SIZE: Readonly<Record<IntType, number>> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  u64: 8,
  i64: 8,
};

/**
 * Reads an integer.
 * @param view Data view.
 * @param off Offset.
 * @param type Wire type.
 * @param le Little-endian.
 * @returns The value.
 */
export function readInt(view: DataView, off: number, type: IntType, le: boolean): number | bigint {
  switch (type) {
    case "u8":
      return view.getUint8(off);
    case "i8":
      return view.getInt8(off);
    case "u16":
      return view.getUint16(off, le);
    case "i16":
      return view.getInt16(off, le);
    case "u32":
      return view.getUint32(off, le);
    case "i32":
      return view.getInt32(off, le);
    case "u64":
      return view.getBigUint64(off, le);
    case "i64":
      return view.getBigInt64(off, le);
  }
}

/**
 * Writes an integer.
 * @param view Data view.
 * @param off Offset.
 * @param type Wire type.
 * @param le Little-endian.
 * @param v The value (already range-checked).
 */
export function writeInt(view: DataView, off: number, type: IntType, le: boolean, v: number | bigint): void {
  switch (type) {
    case "u8":
      view.setUint8(off, Number(v));
      return;
    case "i8":
      view.setInt8(off, Number(v));
      return;
    case "u16":
      view.setUint16(off, Number(v), le);
      return;
    case "i16":
      view.setInt16(off, Number(v), le);
      return;
    case "u32":
      view.setUint32(off, Number(v), le);
      return;
    case "i32":
      view.setInt32(off, Number(v), le);
      return;
    case "u64":
      view.setBigUint64(off, BigInt(v), le);
      return;
    case "i64":
      view.setBigInt64(off, BigInt(v), le);
      return;
  }
}

import { hex } from "../sink.ts";

/** `0x…` text of an integer (see lib/sink.ts). */
export { hex };

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * Bytes to lower-case hex without separators.
 * @param b Bytes.
 * @returns Hex text.
 */
export function bytesToHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
}

/**
 * Hex text (spaces, colons and a 0x prefix allowed) to bytes.
 * @param text Hex text.
 * @returns Bytes.
 * @throws {SyntaxError} On odd length or a non-hex digit.
 */
export function hexToBytes(text: string): Uint8Array {
  const s = text.replace(/^0x/i, "").replace(/[\s:_-]/g, "");
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
    throw new SyntaxError(`Cannot parse hex bytes: "${text.length > 40 ? text.slice(0, 40) + "…" : text}"`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/**
 * Shift of the lowest set bit of a mask.
 * @param mask Bit mask.
 * @returns Shift.
 */
export function maskShift(mask: number | bigint): number {
  const m = BigInt(mask);
  if (m === 0n) return 0;
  let s = 0;
  while (((m >> BigInt(s)) & 1n) === 0n) s++;
  return s;
}

/**
 * Extracts a bit range.
 * @param v Container value.
 * @param spec The bits.
 * @returns The value of the bits, as number when it fits 53 bits.
 */
export function extractBits(v: number | bigint, spec: BitSpec): number | bigint {
  if (typeof v === "number" && typeof spec.mask === "number" && spec.mask <= 0x7fffffff && v <= 0xffffffff) {
    return ((v & spec.mask) >>> 0) >>> maskShift(spec.mask);
  }
  const r = (BigInt(v) & BigInt(spec.mask)) >> BigInt(maskShift(spec.mask));
  return r <= 0x1fffffffffffffn ? Number(r) : r;
}

/**
 * Range of an integer type.
 * @param type Wire type.
 * @returns [min, max] as bigint.
 */
export function intRange(type: IntType): [bigint, bigint] {
  const bits = BigInt(INT_SIZE[type] * 8);
  return type[0] === "u" ? [0n, (1n << bits) - 1n] : [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n];
}

/**
 * Converts a decoded value to plain JSON.
 * @param v Value.
 * @returns JSON-able value (bigint → `0x…` string, bytes → hex string).
 */
export function toJsonValue(v: Value | undefined): unknown {
  if (v === undefined) return null;
  if (typeof v === "bigint") return hex(v);
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return (v as unknown[]).map((x) => toJsonValue(x as Value));
  if (typeof v === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = toJsonValue(x);
    return o;
  }
  return v;
}

let lastData: Uint8Array | undefined;
let lastView: DataView | undefined;
let prevData: Uint8Array | undefined;
let prevView: DataView | undefined;

/**
 * A DataView over exactly `data`, cached for the two most recent arrays (a message and the message
 * nested in it): creating a DataView costs far more than reading a field, and one message is usually
 * read by several steps in a row.
 * @param data Bytes.
 * @returns The view (offset 0 = `data[0]`).
 */
export function viewOf(data: Uint8Array): DataView {
  if (data === lastData) return lastView!;
  if (data === prevData) {
    prevData = lastData;
    lastData = data;
    const v = prevView!;
    prevView = lastView;
    lastView = v;
    return v;
  }
  prevData = lastData;
  prevView = lastView;
  lastView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  lastData = data;
  return lastView;
}
