/**
 * Summary lines straight from the bytes: compiles a body layout into a function that checks a clean
 * message and writes its summary fields into a {@linkcode BytesSink} without building a value map or
 * a Message (what `vioscope decode` prints for most records). Like the compiled decoders of
 * `_compile.ts` it gives up on anything unusual (truncation, reserved bits set, lengths out of
 * range, bytes left over) by returning false; the caller then takes the full decoder, which finds
 * the issues. Only plain layouts compile: integers, byte strings and integer arrays, no conditions,
 * custom fields, nested messages, groups or strings. Tests check that the text equals the full
 * decoder's summary on every generated and fuzzed input of every protocol.
 *
 * @internal @private
 * @module
 */
import type { Endian, Field, IntField, Value } from "./types.ts";
import { INT_SIZE, viewOf } from "./_values.ts";
import { byteRead, GETTER, lengthExpr } from "./_compile.ts";
import { type BytesSink, type Lit, lit } from "../sink.ts";

/**
 * A compiled body: from `off` to `end` of `data`, checks the fields and writes their summary items;
 * false means "take the full decoder" (what it wrote must then be dropped by the caller).
 */
export type LineWriter = (
  data: Uint8Array,
  off: number,
  end: number,
  out: BytesSink,
  header: Readonly<Record<string, unknown>>,
) => boolean;

/** The summary text of one value, as the full summary writes it (`short` of define_protocol). */
export type ShortText = (f: Field | undefined, v: Value) => string;
/** The display text of an integer with flag names (`displayInt` of _decode). */
export type FlagText = (f: IntField, v: number | bigint) => string;

const BYTES_SUFFIX = lit("B");

/** A 64-bit value from its halves. */
const big = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

/** The 32-bit halves of a 64-bit mask. */
function halves(mask: number | bigint): [number, number] {
  const m = BigInt(mask);
  return [Number((m >> 32n) & 0xffffffffn), Number(m & 0xffffffffn)];
}

/**
 * Compiles a body layout into a line writer, or returns undefined when the layout has anything the
 * line path does not handle (the caller then always takes the full decoder).
 * @param fields The body layout.
 * @param endian Default byte order.
 * @param dialect Dialect (fields limited to other dialects are left out).
 * @param headerKeys Header values the summary prints: a body field of the same name would change
 *   them, so such layouts do not compile.
 * @param short How a value is written (for the rare shapes written as text).
 * @param flagText How a flags word is written.
 * @returns The writer, or undefined.
 */
export function compileLine(
  fields: readonly Field[],
  endian: Endian,
  dialect: string,
  headerKeys: readonly string[],
  short: ShortText,
  flagText: FlagText,
): LineWriter | undefined {
  const check: string[] = [];
  const write: string[] = [];
  const F: Field[] = [];
  const L: Lit[] = [];
  const E: Record<number, Lit>[] = [];
  const local = new Map<string, string>();
  const seen = new Set<string>();
  const litOf = (l: Lit) => `L[${L.push(l) - 1}]`;
  for (const f of fields) {
    if (f.dialects && !f.dialects.includes(dialect)) continue;
    if (f.when || seen.has(f.name) || headerKeys.includes(f.name)) return undefined;
    seen.add(f.name);
    const i = F.push(f) - 1;
    const x = `x${i}`;
    const label = typeof f.summary === "string" ? f.summary : f.name;
    const eq = f.summary ? litOf(lit(` ${label}=`)) : "";
    switch (f.kind) {
      case "int": {
        const size = INT_SIZE[f.type];
        const le = (f.endian ?? endian) === "le";
        check.push(`if (off + ${size} > end) return false;`);
        if (size === 8) {
          const lo = le ? "off" : "off + 4";
          const hi = le ? "off + 4" : "off";
          check.push(`const ${x}lo = ${byteRead("u32", le, lo)}, ${x}hi = ${byteRead("u32", le, hi)};`);
          local.set(f.name, `(${x}hi * 4294967296 + ${x}lo)`);
          if (f.reserved) check.push(`if ((${x}lo | ${x}hi) !== 0) return false;`);
          for (const b of f.bits ?? []) {
            if (!b.reserved) continue;
            const [mh, ml] = halves(b.mask);
            check.push(`if (((${x}hi & ${mh}) | (${x}lo & ${ml})) !== 0) return false;`);
          }
          check.push(`off += 8;`);
          if (!f.summary) break;
          write.push(`out.lit(${eq});`);
          if (f.type === "i64" || f.enum || f.flags) {
            const v = f.type === "i64" ? `BigInt.asIntN(64, BIG(${x}hi, ${x}lo))` : `BIG(${x}hi, ${x}lo)`;
            write.push(`out.text(SHORT(F[${i}], ${v}));`);
          } else if (f.hex) {
            write.push(
              `if (${x}hi === 0) out.hex(${x}lo, 0); else out.text("0x" + BIG(${x}hi, ${x}lo).toString(16));`,
            );
          } else write.push(`if (${x}hi === 0) out.num(${x}lo); else out.text(String(BIG(${x}hi, ${x}lo)));`);
        } else {
          check.push(`const ${x} = ${byteRead(f.type, le)};`);
          local.set(f.name, x);
          if (f.reserved) check.push(`if (${x} !== 0) return false;`);
          for (const b of f.bits ?? []) {
            if (!b.reserved) continue;
            const [, ml] = halves(b.mask);
            check.push(`if ((${x} & ${ml}) !== 0) return false;`);
          }
          check.push(`off += ${size};`);
          if (!f.summary) break;
          write.push(`out.lit(${eq});`);
          if (f.enum) {
            const table: Record<number, Lit> = Object.create(null);
            for (const [k, s] of Object.entries(f.enum)) table[Number(k)] = lit(s);
            const e = E.push(table) - 1;
            write.push(`{ const s = E[${e}][${x}]; if (s !== undefined) out.lit(s); else out.num(${x}); }`);
          } else if (f.flags) write.push(`out.text(FLAGS(F[${i}], ${x}));`);
          else if (f.hex) write.push(`out.hex(${x}, 0);`);
          else write.push(`out.num(${x});`);
        }
        break;
      }
      case "bytes": {
        check.push(`const ${x} = ${lengthExpr(f.length, "end - off", "h", local)}, ${x}at = off;`);
        check.push(`if (!(${x} >= 0) || off + ${x} > end) return false;`);
        if (f.reserved) check.push(`for (let j = 0; j < ${x}; j++) if (data[off + j] !== 0) return false;`);
        check.push(`off += ${x};`);
        if (!f.summary) break;
        write.push(`out.lit(${eq});`);
        write.push(
          `if (${x} > 16) { out.num(${x}); out.lit(${
            litOf(BYTES_SUFFIX)
          }); } else out.hexBytes(data, ${x}at, ${x});`,
        );
        break;
      }
      case "array": {
        const size = INT_SIZE[f.element];
        const le = (f.endian ?? endian) === "le";
        check.push(
          `const ${x} = ${
            lengthExpr(f.count, `Math.floor((end - off) / ${size})`, "h", local)
          }, ${x}at = off;`,
        );
        check.push(`if (!(${x} >= 0) || off + ${x} * ${size} > end) return false;`);
        check.push(`off += ${x} * ${size};`);
        if (!f.summary) break;
        write.push(`out.lit(${eq});`);
        write.push(
          `{ const a = new Array(${x}); const view = VIEW(data); for (let j = 0; j < ${x}; j++) a[j] = view.${
            GETTER[f.element]
          }(${x}at + j * ${size}${size === 1 ? "" : `, ${le}`}); out.text(SHORT(F[${i}], a)); }`,
        );
        break;
      }
      default:
        return undefined;
    }
  }
  const body = `"use strict"; return function (data, off, end, out, h) {\n${check.join("\n")}\n` +
    `if (off !== end) return false;\n${write.join("\n")}\nreturn true;\n};`;
  return new Function("F", "L", "E", "SHORT", "FLAGS", "BIG", "VIEW", body)(
    F,
    L,
    E,
    short,
    flagText,
    big,
    viewOf,
  ) as LineWriter;
}
