/**
 * Summary lines straight from the bytes: compiles a message layout into a function that checks a
 * clean message and then writes its whole summary — the name and kind, the header's summary items
 * and the body's — into a {@linkcode BytesSink} without building a value map or a Message (what
 * `vioscope decode` prints for most records). Like the compiled decoders of `_compile.ts` it gives
 * up on anything unusual (truncation, reserved bits set, lengths out of range, bytes left over) by
 * returning false before writing anything; the caller then takes the full decoder, which finds the
 * issues. Only plain layouts compile: integers, byte strings and integer arrays, no conditions,
 * custom fields, nested messages, groups or strings. Tests check that the text equals the full
 * decoder's summary on every generated and fuzzed input of every protocol.
 *
 * The generated code writes into the sink's buffer itself: neighbouring literal pieces (the name,
 * ` dev=`, …) are joined when the layout is compiled and stored byte by byte, numbers and
 * hex go through the small helpers below, and room for the whole line is made once. Only rare
 * shapes (values beyond 32 bits, arrays, header values that are not plain integers) go through the
 * sink's own methods. The integer fields between two byte strings are checked against the
 * message's end once, by their total size.
 *
 * @internal @private
 * @module
 */
import type { Endian, Field, IntField, Value } from "./types.ts";
import { INT_SIZE, viewOf } from "./_values.ts";
import { byteRead, GETTER, lengthExpr } from "./_compile.ts";
import { type BytesSink, putBytes, putDecimal, putHex, putHexBytes } from "../sink.ts";

/**
 * A compiled layout: from `off` to `end` of `data`, checks the fields and, when the message is
 * clean, writes its summary and returns true; false means "take the full decoder" (nothing written).
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

/** A header value the summary shows after the name (the protocol's `summaryHeader`). */
export interface HeaderItem {
  /** Key in the header's value map. */
  key: string;
  /** Label (` label=value`). */
  label: string;
  /** Its field, if it is one (a bit range gets a synthetic one). */
  field: Field | undefined;
}

const ENC = new TextEncoder();

/**
 * The name every compiled line writer has, so that V8 can be told to leave them to Maglev:
 * `--v8-flags=--turbo-filter=-vioscopeLineWriter` (in deno.json's tasks and the compiled binary).
 * TurboFan took 10–20 ms per writer and worker on the reference machine, on the same two cores as
 * the decoding, and a worker has about ten of them, each called for a tenth of the records; with
 * them left as Maglev code `vioscope decode` of the 1M mixed capture used about 8 % less CPU (see
 * docs/benchmarks.md). A test checks that the tasks name this function.
 */
export const LINE_WRITER_NAME = "vioscopeLineWriter";

/** A 64-bit value from its halves. */
const big = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) | BigInt(lo);

/** The 32-bit halves of a 64-bit mask. */
function halves(mask: number | bigint): [number, number] {
  const m = BigInt(mask);
  return [Number((m >> 32n) & 0xffffffffn), Number(m & 0xffffffffn)];
}

/**
 * Stores of literal bytes at `o`, then the offset moved past them. (Four bytes at a time through a
 * DataView was faster once TurboFan had compiled a writer, but Maglev calls a builtin for each
 * DataView store, and the writers run as Maglev code for much of a worker's chunks.)
 */
function stores(bytes: ArrayLike<number>): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += `b[o + ${i}] = ${bytes[i]}; `;
  return bytes.length ? `${s}o += ${bytes.length};` : "";
}

/** The write half of a line writer, piece by piece. */
class Writes {
  readonly #lines: string[] = [];
  #bytes: number[] = [];
  /** Most bytes written from one `out.room(MAX)` to the end (an upper bound). */
  #max = 16;
  readonly #long: Uint8Array[];

  /** @param long Where literals too long for single stores go (`B[i]` in the code). */
  constructor(long: Uint8Array[]) {
    this.#long = long;
  }
  /** A literal: joined with its neighbours, written when the next piece of code comes. */
  lit(text: string): void {
    for (const c of ENC.encode(text)) this.#bytes.push(c);
  }
  /** Code that writes at most `max` bytes at `b[o]` (moving `o`). */
  code(code: string, max: number): void {
    this.#flush();
    this.#lines.push(code);
    this.#max += max;
  }
  /** Code (a statement) that writes through the sink's own methods, with the offsets handed over. */
  sink(code: string): string {
    return `{ out.off = o; ${code} out.room(MAX); b = out.buf; o = out.off; }`;
  }
  #flush(): void {
    const n = this.#bytes.length;
    if (n === 0) return;
    this.#max += n;
    if (n <= 32) this.#lines.push(stores(this.#bytes));
    else this.#lines.push(`b.set(B[${this.#long.push(Uint8Array.from(this.#bytes)) - 1}], o); o += ${n};`);
    this.#bytes = [];
  }
  /** The code: room for the line, the writes, the sink's offset updated. */
  done(): string {
    this.#flush();
    return `const MAX = ${this.#max};\nout.room(MAX); let b = out.buf, o = out.off;\n${
      this.#lines.join("\n")
    }\nout.off = o;`;
  }
}

/**
 * An expression that writes the decimal text of `x` (an integer, 0 ≤ x < 2^32) at `b[o]` and gives
 * the offset after it: one digit stored in place (device numbers, indexes, small counts), anything
 * longer by `NUM`. (Maglev, which compiles the writers, does not inline `NUM`.)
 */
const dec = (x: string): string => `(${x} < 10 ? (b[o] = 48 + ${x}, o + 1) : NUM(b, o, ${x}))`;

/** Decimal text of a 32-bit integer local, signed or not. */
function numCode(x: string, signed: boolean): string {
  return signed
    ? `if (${x} < 0) { b[o++] = 45; o = NUM(b, o, -${x}); } else o = ${dec(x)};`
    : `o = ${dec(x)};`;
}

/**
 * Compiles a layout into a line writer, or returns undefined when the layout has anything the line
 * path does not handle (the caller then always takes the full decoder).
 * @param fields The body layout.
 * @param endian Default byte order.
 * @param dialect Dialect (fields limited to other dialects are left out).
 * @param lead The text before the header items: the message's name and kind (`GET_CONFIG rsp`).
 * @param header The header values the summary shows (read from the header's value map): a body
 *   field of the same name would change them, so such layouts do not compile.
 * @param short How a value is written (for the rare shapes written as text).
 * @param flagText How a flags word is written.
 * @returns The writer, or undefined.
 */
export function compileLine(
  fields: readonly Field[],
  endian: Endian,
  dialect: string,
  lead: string,
  header: readonly HeaderItem[],
  short: ShortText,
  flagText: FlagText,
): LineWriter | undefined {
  const check: string[] = [];
  const F: (Field | undefined)[] = [];
  const B: Uint8Array[] = [];
  const E: Record<number, Uint8Array>[] = [];
  const EQ: string[] = [];
  const w = new Writes(B);
  const local = new Map<string, string>();
  const seen = new Set<string>();
  w.lit(lead);
  for (const it of header) {
    const f = it.field;
    if (f?.kind === "nested") return undefined;
    const i = F.push(f) - 1;
    const eq = ` ${it.label}=`;
    EQ.push(eq);
    const k = JSON.stringify(it.key);
    const viaSink = w.sink(`out.text(EQ[${i}]); out.text(SHORT(F[${i}], v));`);
    const int = f?.kind === "int" && !f.enum && !f.flags;
    const u32 = `typeof v === "number" && (v >>> 0) === v`;
    const eqBytes = ENC.encode(eq);
    if (int && !f.hex) {
      w.code(
        `{ const v = h[${k}]; if (${u32}) { ${stores(eqBytes)} o = ${
          dec("v")
        }; } else if (v !== undefined) ${viaSink} }`,
        eqBytes.length + 10,
      );
    } else if (int) {
      w.code(
        `{ const v = h[${k}]; if (${u32}) { ${
          stores(eqBytes)
        } o = HEX(b, o, v); } else if (v !== undefined) ${viaSink} }`,
        eqBytes.length + 10,
      );
    } else w.code(`{ const v = h[${k}]; if (v !== undefined) ${viaSink} }`, 0);
  }
  const headerKeys = header.map((i) => i.key);
  // One length check for each run of integer fields (their sizes are fixed): its place in `check`
  // and the run's size so far.
  let run: { at: number; size: number } | undefined;
  const need = (size: number): void => {
    if (run) run.size += size;
    else run = { at: check.push("") - 1, size };
    check[run.at] = `if (off + ${run.size} > end) return false;`;
  };
  for (const f of fields) {
    if (f.dialects && !f.dialects.includes(dialect)) continue;
    if (f.when || seen.has(f.name) || headerKeys.includes(f.name)) return undefined;
    seen.add(f.name);
    const i = F.push(f) - 1;
    const x = `x${i}`;
    const label = typeof f.summary === "string" ? f.summary : f.name;
    const eq = ` ${label}=`;
    EQ.push(eq);
    switch (f.kind) {
      case "int": {
        const size = INT_SIZE[f.type];
        const le = (f.endian ?? endian) === "le";
        need(size);
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
          w.lit(eq);
          if (f.type === "i64" || f.enum || f.flags) {
            const v = f.type === "i64" ? `BigInt.asIntN(64, BIG(${x}hi, ${x}lo))` : `BIG(${x}hi, ${x}lo)`;
            w.code(w.sink(`out.text(SHORT(F[${i}], ${v}));`), 0);
          } else if (f.hex) {
            w.code(
              `if (${x}hi === 0) o = HEX(b, o, ${x}lo); else ${
                w.sink(`out.text("0x" + BIG(${x}hi, ${x}lo).toString(16));`)
              }`,
              10,
            );
          } else {
            w.code(
              `if (${x}hi === 0) o = ${dec(`${x}lo`)}; else ${
                w.sink(`out.text(String(BIG(${x}hi, ${x}lo)));`)
              }`,
              10,
            );
          }
        } else {
          const signed = f.type[0] === "i";
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
          w.lit(eq);
          if (f.enum) {
            const table: Record<number, Uint8Array> = Object.create(null);
            let longest = 11;
            for (const [k, s] of Object.entries(f.enum)) {
              table[Number(k)] = ENC.encode(s);
              longest = Math.max(longest, table[Number(k)]!.length);
            }
            const e = E.push(table) - 1;
            w.code(
              `{ const s = E[${e}][${x}]; if (s !== undefined) o = PUT(b, o, s); else { ${
                numCode(x, signed)
              } } }`,
              longest,
            );
          } else if (f.flags) {
            // Flag words repeat (device status): their text's bytes are cached per value.
            w.code(
              `{ const s = FLAG(${i}, ${x}); out.off = o; out.room(s.length + MAX); b = out.buf; o = PUT(b, o, s); }`,
              0,
            );
          } else if (f.hex && signed) {
            w.code(`if (${x} >= 0) o = HEX(b, o, ${x}); else ${w.sink(`out.hex(${x}, 0);`)}`, 10);
          } else if (f.hex) w.code(`o = HEX(b, o, ${x});`, 10);
          else w.code(numCode(x, signed), 11);
        }
        break;
      }
      case "bytes": {
        run = undefined;
        check.push(`const ${x} = ${lengthExpr(f.length, "end - off", "h", local)}, ${x}at = off;`);
        check.push(`if (!(${x} >= 0) || off + ${x} > end) return false;`);
        if (f.reserved) check.push(`for (let j = 0; j < ${x}; j++) if (data[off + j] !== 0) return false;`);
        check.push(`off += ${x};`);
        if (!f.summary) break;
        w.lit(eq);
        // Up to 16 bytes in hex, else their count (`24B`).
        w.code(
          `if (${x} > 16) { o = NUM(b, o, ${x}); b[o++] = 66; } else o = HEXB(b, o, data, ${x}at, ${x});`,
          32,
        );
        break;
      }
      case "array": {
        run = undefined;
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
        w.lit(eq);
        w.code(
          w.sink(
            `const a = new Array(${x}); const view = VIEW(data); for (let j = 0; j < ${x}; j++) a[j] = view.${
              GETTER[f.element]
            }(${x}at + j * ${size}${size === 1 ? "" : `, ${le}`}); out.text(SHORT(F[${i}], a));`,
          ),
          0,
        );
        break;
      }
      default:
        return undefined;
    }
  }
  const flags = F.map(() => new Map<number, Uint8Array>());
  const flag = (i: number, v: number): Uint8Array => {
    const cache = flags[i]!;
    let s = cache.get(v);
    if (s === undefined) {
      if (cache.size >= 256) cache.clear();
      cache.set(v, s = ENC.encode(flagText(F[i] as IntField, v)));
    }
    return s;
  };
  const body =
    `"use strict"; return function ${LINE_WRITER_NAME}(data, off, end, out, h) {\n${check.join("\n")}\n` +
    `if (off !== end) return false;\n${w.done()}\nreturn true;\n};`;
  return new Function(
    "F",
    "B",
    "E",
    "EQ",
    "SHORT",
    "FLAG",
    "BIG",
    "VIEW",
    "NUM",
    "HEX",
    "HEXB",
    "PUT",
    body,
  )(F, B, E, EQ, short, flag, big, viewOf, putDecimal, putHex, putHexBytes, putBytes) as LineWriter;
}
