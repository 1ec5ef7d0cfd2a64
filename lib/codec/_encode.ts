/**
 * The declaration-driven encoder: the mirror of the decoder's walk.
 *
 * @internal @private
 * @module
 */
import type {
  EncodeContext,
  Endian,
  Field,
  IntField,
  IntType,
  LengthSpec,
  MessageInput,
  ValueMap,
} from "./types.ts";
import { hexToBytes, INT_SIZE, intRange, maskShift, writeInt } from "./_values.ts";

/** A growable byte buffer. */
export class ByteWriter {
  buf = new Uint8Array(64);
  view = new DataView(this.buf.buffer);
  len = 0;
  /**
   * Makes room for n more bytes.
   * @param n Bytes.
   */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.len));
    this.buf = b;
    this.view = new DataView(b.buffer);
  }
  /**
   * Appends bytes.
   * @param b Bytes.
   */
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /**
   * Appends n zero bytes.
   * @param n Count.
   */
  zeros(n: number): void {
    this.reserve(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
  /**
   * Appends an integer.
   * @param type Wire type.
   * @param le Little-endian.
   * @param v Value.
   */
  int(type: IntType, le: boolean, v: number | bigint): void {
    const n = INT_SIZE[type];
    this.reserve(n);
    writeInt(this.view, this.len, type, le, v);
    this.len += n;
  }
  /** @returns The bytes written (a copy). */
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Encoding state. */
export interface EncodeState {
  w: ByteWriter;
  ctx: EncodeContext;
  endian: Endian;
  /** Positions of fields to back-patch with the total length. */
  patches: { off: number; type: IntType; le: boolean; name: string }[];
}

/**
 * Converts a user value to an integer of a field, with a clear error naming the field.
 * @param f Field (for enum names and range).
 * @param v Value: number, bigint, decimal/hex string, enum name, or `A|B` flag names.
 * @param name Filter name for errors.
 * @returns The integer.
 * @throws {RangeError} Out of range.
 * @throws {TypeError} Not an integer.
 */
export function toInt(
  f: {
    type: IntType;
    enum?: Readonly<Record<number, string>>;
    flags?: Readonly<Record<string, number | bigint>>;
  },
  v: unknown,
  name: string,
): number | bigint {
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new TypeError(`Cannot encode field "${name}": ${v} is not an integer`);
    n = BigInt(v);
  } else if (typeof v === "boolean") n = v ? 1n : 0n;
  else if (typeof v === "string") {
    const s = v.trim();
    if (/^-?(0x[0-9a-f]+|\d+)$/i.test(s)) n = s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
    else {
      const found = lookupName(f, s);
      if (found === undefined) {
        throw new TypeError(`Cannot encode field "${name}": "${v}" is not a number or a known name`);
      }
      n = found;
    }
  } else {
    throw new TypeError(`Cannot encode field "${name}": expected an integer, got ${JSON.stringify(v)}`);
  }
  const [lo, hi] = intRange(f.type);
  if (n < lo || n > hi) {
    const bits = INT_SIZE[f.type] * 8;
    throw new RangeError(
      `Cannot encode field "${name}": value ${n} ${n < lo ? "is below the minimum of" : "exceeds"} ${
        f.type[0] === "u" ? `${bits} bits` : `signed ${bits} bits`
      }`,
    );
  }
  return INT_SIZE[f.type] === 8 ? n : Number(n);
}

function lookupName(
  f: { enum?: Readonly<Record<number, string>>; flags?: Readonly<Record<string, number | bigint>> },
  s: string,
): bigint | undefined {
  if (f.enum) {
    for (const [k, n] of Object.entries(f.enum)) if (n === s) return BigInt(k);
  }
  if (f.flags) {
    let acc = 0n;
    for (const part of s.split(/[|,+]/).map((x) => x.trim()).filter(Boolean)) {
      const m = f.flags[part];
      if (m === undefined) return undefined;
      acc |= BigInt(m);
    }
    return acc;
  }
  return undefined;
}

/**
 * Converts a user value to bytes.
 * @param v Uint8Array, hex string or number array.
 * @param name Filter name for errors.
 * @returns Bytes.
 */
export function toBytes(v: unknown, name: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === "string") {
    try {
      if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v)) return hexToBytes(v);
      return hexToBytes(v);
    } catch {
      throw new TypeError(`Cannot encode field "${name}": "${v}" is not hex bytes`);
    }
  }
  if (Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0 && x <= 255)) return new Uint8Array(v);
  throw new TypeError(`Cannot encode field "${name}": expected hex bytes, got ${JSON.stringify(v)}`);
}

/**
 * Computes the value of an int field with bits/flags given separately.
 * @param f Field.
 * @param values Input values (short names; bits as `field.bit`).
 * @param name Filter name.
 * @returns The value, or undefined when nothing was given.
 */
export function composeInt(f: IntField, values: ValueMap, name: string): number | bigint | undefined {
  const direct = values[f.name];
  let base: bigint | undefined = direct === undefined ? undefined : BigInt(toInt(f, direct, name));
  if (f.bits) {
    for (const b of f.bits) {
      const bv = values[`${f.name}.${b.name}`];
      if (bv === undefined) continue;
      const shift = BigInt(maskShift(b.mask));
      const mask = BigInt(b.mask);
      const n = BigInt(toInt({ type: "u64", ...(b.enum ? { enum: b.enum } : {}) }, bv, `${name}.${b.name}`));
      if (((n << shift) & ~mask) !== 0n) {
        throw new RangeError(`Cannot encode field "${name}.${b.name}": value ${n} does not fit its bits`);
      }
      base = ((base ?? 0n) & ~mask) | (n << shift);
    }
  }
  if (f.flags) {
    for (const [flag, mask] of Object.entries(f.flags)) {
      const fv = values[`${f.name}.${flag}`];
      if (fv === undefined) continue;
      const m = BigInt(mask);
      base = fv === true || fv === 1 || fv === "true" ? (base ?? 0n) | m : (base ?? 0n) & ~m;
    }
  }
  if (base === undefined) return undefined;
  return INT_SIZE[f.type] === 8 ? base : Number(base);
}

/**
 * Length in bytes (or count) an input value implies for an auto field.
 * @param target The referenced field.
 * @param v Its input value.
 * @returns Length or element count.
 */
function measured(target: Field | undefined, v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (v instanceof Uint8Array) return v.length;
  if (typeof v === "string") {
    if (target?.kind === "string") return target.length;
    return toBytes(v, target?.name ?? "?").length;
  }
  if (Array.isArray(v)) return v.length;
  return 0;
}

/**
 * Encodes a field list.
 * @param fields Declarations.
 * @param values Input values by short name; updated with auto and default values.
 * @param st State.
 * @param prefix Filter-name prefix for errors.
 */
export function encodeFields(
  fields: readonly Field[],
  values: ValueMap,
  st: EncodeState,
  prefix: string,
): void {
  // Fill auto lengths/counts first, from the values they describe.
  for (const f of fields) {
    if (f.kind !== "int" || !f.auto || f.auto === "total_length") continue;
    if (values[f.name] !== undefined) continue;
    const a = f.auto;
    if ("lengthOf" in a) {
      const target = fields.find((x) => x.name === a.lengthOf);
      const len = measured(target, values[a.lengthOf]);
      values[f.name] = Math.max(0, (len - (a.add ?? 0)) / (a.scale ?? 1));
    } else {
      const target = fields.find((x) => x.name === a.countOf);
      values[f.name] = measured(target, values[a.countOf]);
    }
  }
  for (const f of fields) {
    if (f.dialects && !f.dialects.includes(st.ctx.dialect)) continue;
    if (f.when && !f.when(values, { ...st.ctx, recordKind: st.ctx.kind, depth: 0 } as never)) continue;
    const name = prefix + f.name;
    const le = ((f as { endian?: Endian }).endian ?? st.endian) === "le";
    switch (f.kind) {
      case "int": {
        let v = composeInt(f, values, name);
        if (v === undefined && f.auto === "total_length") {
          st.patches.push({ off: st.w.len, type: f.type, le, name });
          v = 0;
        }
        if (v === undefined) v = f.default ?? 0;
        values[f.name] = v;
        st.w.int(f.type, le, v);
        break;
      }
      case "bytes": {
        const v = values[f.name];
        let b = v === undefined ? new Uint8Array(0) : toBytes(v, name);
        const want = fixedLength(f.length, values);
        if (want !== undefined) {
          if (b.length > want) {
            throw new RangeError(
              `Cannot encode field "${name}": ${b.length} bytes given, the field holds ${want}`,
            );
          }
          if (b.length < want) {
            const p = new Uint8Array(want);
            p.set(b);
            b = p;
          }
        }
        values[f.name] = b;
        st.w.bytes(b);
        break;
      }
      case "string": {
        const v = values[f.name];
        const b = new TextEncoder().encode(v === undefined ? "" : String(v));
        if (b.length > f.length) {
          throw new RangeError(
            `Cannot encode field "${name}": ${b.length} bytes given, the field holds ${f.length}`,
          );
        }
        st.w.bytes(b);
        st.w.zeros(f.length - b.length);
        break;
      }
      case "array": {
        const v = values[f.name];
        const arr = v === undefined ? [] : v;
        if (!Array.isArray(arr)) throw new TypeError(`Cannot encode field "${name}": expected an array`);
        const want = fixedLength(f.count, values);
        if (want !== undefined && arr.length > want) {
          throw new RangeError(
            `Cannot encode field "${name}": ${arr.length} elements given, the field holds ${want}`,
          );
        }
        for (const x of arr) st.w.int(f.element, le, toInt({ type: f.element }, x, name));
        if (want !== undefined) { for (let i = arr.length; i < want; i++) st.w.int(f.element, le, 0); }
        break;
      }
      case "group": {
        const v = values[f.name];
        if (f.count === undefined) {
          const sub: ValueMap =
            (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array))
              ? { ...(v as ValueMap) }
              : {};
          encodeFields(f.fields, sub, st, name + ".");
          break;
        }
        const items = Array.isArray(v) ? v : [];
        for (const item of items) {
          encodeFields(f.fields, { ...(item as unknown as ValueMap) }, st, name + ".");
        }
        break;
      }
      case "nested": {
        const v = values[f.name];
        let b: Uint8Array;
        if (v === undefined) b = new Uint8Array(0);
        else if (v instanceof Uint8Array || typeof v === "string") b = toBytes(v, name);
        else {
          const inner = v as unknown as MessageInput & { proto?: string };
          const codec = st.ctx.registry.get(f.protocol);
          if (!codec) throw new TypeError(`Cannot encode field "${name}": no codec for ${f.protocol}`);
          b = codec.encodeMessage(inner, {
            registry: st.ctx.registry,
            dialects: st.ctx.dialects,
            options: st.ctx.options,
            ...(inner.kind ? { kind: inner.kind } : {}),
          });
        }
        const want = fixedLength(f.length, values);
        if (want !== undefined) {
          if (b.length > want) {
            throw new RangeError(
              `Cannot encode field "${name}": inner message is ${b.length} bytes, room for ${want}`,
            );
          }
          st.w.bytes(b);
          st.w.zeros(want - b.length);
        } else st.w.bytes(b);
        break;
      }
      case "custom": {
        st.w.bytes(f.encode(values[f.name], values, st.ctx));
        break;
      }
    }
  }
}

/**
 * A length known before encoding (a number, or a field already set), else undefined.
 * @param spec Length spec.
 * @param values Values.
 * @returns Length.
 */
function fixedLength(spec: LengthSpec, values: ValueMap): number | undefined {
  if (typeof spec === "number") return spec;
  if (spec === "rest") return undefined;
  const v = values[spec.field];
  if (typeof v !== "number" && typeof v !== "bigint") return undefined;
  return Number(v) * (spec.scale ?? 1) + (spec.add ?? 0);
}
