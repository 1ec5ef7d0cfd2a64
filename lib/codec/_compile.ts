/**
 * Fast path for well-formed messages: compiles a field list into a specialised JavaScript function
 * (the technique protobufjs and avsc use), so decoding a clean message touches each field once with
 * monomorphic code. The function returns -1 on anything unusual (truncation, reserved bits set,
 * lengths out of range, a custom field or nested message reporting an issue); the caller then runs
 * the generic walker, which produces the issues. Every field kind compiles except groups: a layout
 * with a group always takes the walker. Conditional fields call their predicate; custom fields call
 * their decoder; nested messages decode without a field tree.
 *
 * @internal @private
 * @module
 */
import type { CodecLike, DecodeContext, Endian, Field, IntType, LengthSpec, Message } from "./types.ts";
import { INT_SIZE, maskShift, viewOf } from "./_values.ts";

/**
 * JavaScript that reads an integer at `off` (or the offset expression `at`) from `data` (a
 * Uint8Array): byte arithmetic up to 32 bits (no DataView needed), a cached DataView for 64-bit values.
 * @param type Wire type.
 * @param le Little-endian.
 * @param at Offset expression.
 * @returns Expression text.
 */
export function byteRead(type: IntType, le: boolean, at = "off"): string {
  const b = (i: number) => `data[${at} + ${i}]`;
  switch (type) {
    case "u8":
      return b(0);
    case "i8":
      return `((${b(0)} << 24) >> 24)`;
    case "u16":
      return le ? `(${b(0)} | (${b(1)} << 8))` : `((${b(0)} << 8) | ${b(1)})`;
    case "i16":
      return le ? `(((${b(0)} | (${b(1)} << 8)) << 16) >> 16)` : `(((${b(0)} << 8 | ${b(1)}) << 16) >> 16)`;
    case "u32":
    case "i32": {
      const e = le
        ? `(${b(0)} | (${b(1)} << 8) | (${b(2)} << 16) | (${b(3)} << 24))`
        : `((${b(0)} << 24) | (${b(1)} << 16) | (${b(2)} << 8) | ${b(3)})`;
      return type === "u32" ? `(${e} >>> 0)` : `(${e} | 0)`;
    }
    case "u64":
      return `VIEW(data).getBigUint64(${at}, ${le})`;
    case "i64":
      return `VIEW(data).getBigInt64(${at}, ${le})`;
  }
}

/** A compiled layout: returns the new offset, or -1 to ask for the generic walker. */
export type CompiledLayout = (
  data: Uint8Array,
  off: number,
  end: number,
  values: Record<string, unknown>,
  ctx: DecodeContext,
) => number;

/** Decodes a nested message on the fast path (no field tree), with the paired inner request. */
function nest(codec: CodecLike, area: Uint8Array, ctx: DecodeContext, name: string): Message {
  const inner: DecodeContext = {
    registry: ctx.registry,
    dialects: ctx.dialects,
    dialect: ctx.dialects[codec.tag] || codec.defaultDialect || "",
    recordKind: ctx.recordKind,
    options: ctx.options,
    depth: ctx.depth + 1,
    tree: false,
  };
  if (ctx.summary === false) inner.summary = false;
  const req = ctx.request?.values[name] as unknown as Message | undefined;
  if (req && typeof req === "object" && "protocol" in req) inner.request = req;
  if (codec.decodeWith && inner.dialect) return codec.decodeWith(area, inner, false);
  return codec.decodeBytes(area, inner, false);
}

/** DataView getter of each wire type. */
export const GETTER: Record<IntType, string> = {
  u8: "getUint8",
  i8: "getInt8",
  u16: "getUint16",
  i16: "getInt16",
  u32: "getUint32",
  i32: "getInt32",
  u64: "getBigUint64",
  i64: "getBigInt64",
};

/**
 * Compiles a field list, or returns undefined when it has fields the fast path does not handle.
 * @param fields Declarations.
 * @param endian Default byte order.
 * @param dialect Dialect (fields limited to other dialects are left out).
 * @returns The function, or undefined.
 */
export function compileLayout(
  fields: readonly Field[],
  endian: Endian,
  dialect: string,
): CompiledLayout | undefined {
  const lines: string[] = [];
  const F: Field[] = [];
  // Each distinct predicate is evaluated once per message, at its first use (see Field.when).
  const P: ((v: unknown, ctx: DecodeContext) => boolean)[] = [];
  const pred = (p: (v: never, ctx: DecodeContext) => boolean): string => {
    let j = P.indexOf(p as (v: unknown, ctx: DecodeContext) => boolean);
    if (j < 0) j = P.push(p as (v: unknown, ctx: DecodeContext) => boolean) - 1;
    return `(p${j} === 2 ? (p${j} = P[${j}](v, ctx) ? 1 : 0) : p${j})`;
  };
  for (const f of fields) {
    if (f.dialects && !f.dialects.includes(dialect)) continue;
    const i = F.push(f) - 1;
    const key = JSON.stringify(f.name);
    if (f.when) lines.push(`if (${(f.whenAll ?? [f.when]).map(pred).join(" && ")}) {`);
    switch (f.kind) {
      case "int": {
        const size = INT_SIZE[f.type];
        const le = (f.endian ?? endian) === "le";
        lines.push(`if (off + ${size} > end) return -1;`);
        const read = byteRead(f.type, le);
        lines.push(`{ const x = ${read}; v[${key}] = x;`);
        if (f.reserved) lines.push(size === 8 ? `if (x !== 0n) return -1;` : `if (x !== 0) return -1;`);
        for (const b of f.bits ?? []) {
          const bk = JSON.stringify(`${f.name}.${b.name}`);
          const shift = maskShift(b.mask);
          if (size === 8 || typeof b.mask === "bigint" || b.mask > 0xffffffff) {
            lines.push(
              `{ const r = (BigInt(x) & ${
                BigInt(b.mask)
              }n) >> ${shift}n; v[${bk}] = r <= 0x1fffffffffffffn ? Number(r) : r; }`,
            );
          } else {
            lines.push(`v[${bk}] = ((x & ${b.mask}) >>> 0) >>> ${shift};`);
          }
          if (b.reserved) lines.push(`if (v[${bk}] != 0) return -1;`);
        }
        lines.push(`off += ${size}; }`);
        break;
      }
      case "bytes": {
        lines.push(
          `{ const n = ${lengthExpr(f.length, "end - off")}; if (!(n >= 0) || off + n > end) return -1;`,
        );
        lines.push(`const b = data.subarray(off, off + n); v[${key}] = b; off += n;`);
        if (f.reserved) lines.push(`for (let j = 0; j < b.length; j++) if (b[j] !== 0) return -1;`);
        lines.push(`}`);
        break;
      }
      case "array": {
        const size = INT_SIZE[f.element];
        const le = (f.endian ?? endian) === "le";
        lines.push(
          `{ const n = ${
            lengthExpr(f.count, `Math.floor((end - off) / ${size})`)
          }; if (!(n >= 0) || off + n * ${size} > end) return -1;`,
        );
        lines.push(
          `const a = new Array(n); const view = VIEW(data); for (let i = 0; i < n; i++) a[i] = view.${
            GETTER[f.element]
          }(off + i * ${size}${size === 1 ? "" : `, ${le}`}); v[${key}] = a; off += n * ${size}; }`,
        );
        break;
      }
      case "string": {
        lines.push(`if (off + ${f.length} > end) return -1;`);
        lines.push(
          `{ const raw = data.subarray(off, off + ${f.length}); const z = raw.indexOf(0); v[${key}] = DEC.decode(z < 0 ? raw : raw.subarray(0, z)); off += ${f.length}; }`,
        );
        break;
      }
      case "custom": {
        lines.push(
          `{ const r = F[${i}].decode(VIEW(data), off, end, ctx, v); if (r.issues && r.issues.length) return -1; v[${key}] = r.value; off = r.end; }`,
        );
        break;
      }
      case "nested": {
        lines.push(
          `{ const n = ${lengthExpr(f.length, "end - off")}; if (!(n >= 0) || off + n > end) return -1;`,
        );
        lines.push(
          `const area = data.subarray(off, off + n); const codec = ctx.registry.get(${
            JSON.stringify(f.protocol)
          });`,
        );
        lines.push(
          `if (codec && ctx.depth < 4 && (!F[${i}].nestWhen || F[${i}].nestWhen(v, ctx))) { const inner = NEST(codec, area, ctx, ${key}); if (inner.issues.length) return -1; v[${key}] = inner; } else v[${key}] = area;`,
        );
        lines.push(`off += n; }`);
        break;
      }
      default:
        return undefined;
    }
    if (f.when) lines.push(`}`);
  }
  lines.push("return off;");
  const locals = P.length ? `let ${P.map((_, j) => `p${j} = 2`).join(", ")};\n` : "";
  const body = `"use strict"; return function (data, off, end, v, ctx) {\n${locals}${lines.join("\n")}\n};`;
  return new Function("DEC", "F", "NEST", "VIEW", "P", body)(
    new TextDecoder(),
    F,
    nest,
    viewOf,
    P,
  ) as CompiledLayout;
}

/**
 * JavaScript for a length or count (see `LengthSpec`): a constant, the rest of the message, or a
 * field's value scaled.
 * @param spec The length.
 * @param rest Expression for "the rest".
 * @param map Name of the value map holding earlier fields.
 * @param local Expressions for fields held in locals instead (the line writers).
 * @returns Expression text.
 */
export function lengthExpr(
  spec: LengthSpec,
  rest: string,
  map = "v",
  local?: ReadonlyMap<string, string>,
): string {
  if (typeof spec === "number") return String(spec);
  if (spec === "rest") return rest;
  const ref = `${map}[${JSON.stringify(spec.field)}]`;
  const value = local?.get(spec.field) ?? `(typeof ${ref} === "bigint" ? Number(${ref}) : ${ref})`;
  return `(${value} * ${spec.scale ?? 1} + ${spec.add ?? 0})`;
}
