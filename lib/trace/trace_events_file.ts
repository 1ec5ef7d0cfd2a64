/**
 * QEMU `trace-events` files: `[props ]name(type arg, ...) "printf format"` per line. The format
 * string is the reference for reading the `log` backend's text back into named, typed arguments,
 * and the argument types tell the `simple` backend's binary layout.
 *
 * @module
 */
import { intValue, type TraceValue } from "./trace_event.ts";

/** One declared argument. */
export interface TraceEventArg {
  /** C type as declared (`uint64_t`, `void *`, `const char *`). */
  type: string;
  /** Argument name. */
  name: string;
}

/** One event declaration. */
export interface TraceEventFormat {
  /** Event name. */
  name: string;
  /** Properties before the name (`disable`, `vcpu`). */
  props: string[];
  /** Declared arguments, in order. */
  args: TraceEventArg[];
  /** The printf format with string pieces joined and `PRIx64`-style macros expanded (`%llx`). */
  format: string;
}

/** How one printf conversion is read back. */
interface Conversion {
  conv: string;
  alt: boolean;
}

/** Reads the text after an event name back into arguments; undefined when it does not match. */
export type ArgsParser = (text: string) => Record<string, TraceValue> | undefined;

const DECL = /^\s*((?:[a-z]+\s+)*)([A-Za-z_]\w*)\(([^)]*)\)\s*(.*)$/;

/**
 * Parses one trace-events line; undefined for comments, blank lines and lines that declare nothing.
 *
 * @example
 * ```ts
 * import { parseTraceEventLine } from "./trace_events_file.ts";
 * import { equal } from "node:assert/strict";
 * const e = parseTraceEventLine('virtio_iommu_unmap(uint32_t domain_id, uint64_t virt_start, uint64_t virt_end) "domain=%d virt_start=0x%"PRIx64" virt_end=0x%"PRIx64')!;
 * equal(e.args[1]!.name, "virt_start");
 * equal(e.format, "domain=%d virt_start=0x%llx virt_end=0x%llx");
 * ```
 *
 * @param line The line.
 * @returns The declaration.
 */
export function parseTraceEventLine(line: string): TraceEventFormat | undefined {
  const t = line.trim();
  if (t === "" || t.startsWith("#")) return undefined;
  const m = DECL.exec(t);
  if (!m) return undefined;
  const props = m[1]!.trim() ? m[1]!.trim().split(/\s+/) : [];
  const args: TraceEventArg[] = [];
  const list = m[3]!.trim();
  if (list !== "" && list !== "void") {
    for (const a of list.split(",")) {
      const am = /^(.*?)([A-Za-z_]\w*)\s*$/.exec(a.trim());
      if (!am) return undefined;
      args.push({ type: am[1]!.trim(), name: am[2]! });
    }
  }
  return { name: m[2]!, props, args, format: joinFormat(m[4]!) };
}

/**
 * Parses a whole trace-events (or trace-events-all) file.
 *
 * @example
 * ```ts
 * import { parseTraceEvents } from "./trace_events_file.ts";
 * import { equal } from "node:assert/strict";
 * const m = parseTraceEvents('# comment\nvirtio_set_status(void *vdev, uint8_t val) "vdev %p val %u"\n');
 * equal(m.get("virtio_set_status")!.args.length, 2);
 * ```
 *
 * @param text File contents.
 * @returns Declarations by name, in file order.
 */
export function parseTraceEvents(text: string): Map<string, TraceEventFormat> {
  const out = new Map<string, TraceEventFormat>();
  for (const line of text.split("\n")) {
    const e = parseTraceEventLine(line);
    if (e) out.set(e.name, e);
  }
  return out;
}

const MACRO = /^PRI([diouxX])(8|16|32|64|PTR|MAX)$/;

/** Joins C string literals and expands `PRIx64`-style macros. */
function joinFormat(src: string): string {
  let out = "";
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\" && i + 1 < src.length) {
          const n = src[i + 1]!;
          out += n === "n" ? "\n" : n === "t" ? "\t" : n;
          i += 2;
        } else out += src[i++]!;
      }
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i))!;
      const mm = MACRO.exec(m[0]);
      if (mm) out += (mm[2] === "64" || mm[2] === "MAX" ? "ll" : mm[2] === "PTR" ? "l" : "") + mm[1]!;
      i += m[0].length;
    } else i++;
  }
  return out;
}

const UNSIGNED = /^(?:unsigned\b|uint\d+_t|size_t|uintptr_t|bool|hwaddr|ram_addr_t|dma_addr_t)/;

function bitsOf(type: string): number {
  const m = /int(\d+)_t/.exec(type);
  if (m) return Number(m[1]);
  if (/\b(long long|size_t|hwaddr|uintptr_t|ram_addr_t|dma_addr_t)\b/.test(type)) return 64;
  if (/\blong\b/.test(type)) return 64;
  if (/\bshort\b/.test(type)) return 16;
  if (/\bchar\b/.test(type) || /\bbool\b/.test(type)) return 8;
  return 32;
}

/**
 * Tells whether an argument type is a C string (the simple backend stores it as length + bytes).
 * @param type Declared type.
 * @returns True for `char *` and `const char *`.
 */
export function isStringType(type: string): boolean {
  return /^(?:const\s+)?char\s*\*$/.test(type.trim());
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s*");
}

/**
 * Turns a raw 64-bit slot of the simple backend into the value the log backend would print for
 * the same argument: pointers as `0x…` text (`(nil)` for 0), integers truncated to their declared
 * width and sign.
 *
 * @example
 * ```ts
 * import { argFromRaw } from "./trace_events_file.ts";
 * import { equal } from "node:assert/strict";
 * equal(argFromRaw("void *", 0x55f0n), "0x55f0");
 * equal(argFromRaw("int", 0xffffffffn), -1);
 * equal(argFromRaw("uint8_t", 0x1ffn), 0xff);
 * ```
 *
 * @param type Declared C type.
 * @param raw The 64-bit slot, unsigned.
 * @returns The value.
 */
export function argFromRaw(type: string, raw: bigint): TraceValue {
  const t = type.trim();
  if (t.includes("*")) return raw === 0n ? "(nil)" : "0x" + raw.toString(16);
  const bits = bitsOf(t);
  if (/^bool\b/.test(t)) return raw === 0n ? 0 : 1;
  return intValue(UNSIGNED.test(t) ? BigInt.asUintN(bits, raw) : BigInt.asIntN(bits, raw));
}

/**
 * Compiles an event's printf format into a parser of the printed text. Each conversion is matched
 * to the next declared argument; `%d` of an unsigned type that printed negative (IDs ≥ 2^31) is
 * turned back into the unsigned value; `%p` stays text (`0x55f0…` or `(nil)`).
 *
 * @example Reading a real QEMU line
 * ```ts
 * import { compileFormat, parseTraceEventLine } from "./trace_events_file.ts";
 * import { deepEqual } from "node:assert/strict";
 * const e = parseTraceEventLine('virtio_queue_notify(void *vdev, int n, void *vq) "vdev %p n %d vq %p"')!;
 * deepEqual(compileFormat(e)("vdev 0x55f3f7a9cb70 n 0 vq 0x55f3f7aa7c80"), {
 *   vdev: "0x55f3f7a9cb70", n: 0, vq: "0x55f3f7aa7c80",
 * });
 * ```
 *
 * @param event The declaration.
 * @returns The parser.
 */
export function compileFormat(event: TraceEventFormat): ArgsParser {
  const fmt = event.format;
  const convs: Conversion[] = [];
  let re = "^\\s*";
  let lit = "";
  const spec = /%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|z|j|t|L|q)?([diouxXcspfFeEgGaA%])/y;
  let i = 0;
  while (i < fmt.length) {
    if (fmt[i] !== "%") {
      lit += fmt[i++]!;
      continue;
    }
    spec.lastIndex = i;
    const m = spec.exec(fmt);
    if (!m) {
      lit += fmt[i++]!;
      continue;
    }
    i = spec.lastIndex;
    const conv = m[5]!;
    if (conv === "%") {
      lit += "%";
      continue;
    }
    re += escape(lit);
    lit = "";
    const alt = m[1]!.includes("#");
    const last = i >= fmt.length;
    re += "\\s*(" + pattern(conv, alt, last) + ")";
    convs.push({ conv, alt });
  }
  re += escape(lit) + "\\s*$";
  const rx = new RegExp(re, "s");
  const args = event.args;
  const names = convs.map((_, k) => args[k]?.name ?? `arg${k}`);
  const types = convs.map((_, k) => args[k]?.type ?? "");
  return (text: string) => {
    const m = rx.exec(text);
    if (!m) return undefined;
    const out: Record<string, TraceValue> = {};
    for (let k = 0; k < convs.length; k++) {
      out[names[k]!] = convert(m[k + 1]!, convs[k]!, types[k]!);
    }
    return out;
  };
}

function pattern(conv: string, alt: boolean, last: boolean): string {
  switch (conv) {
    case "d":
    case "i":
      return "[-+]?\\d+";
    case "u":
      return "\\d+";
    case "x":
    case "X":
      return alt ? "0[xX][0-9a-fA-F]+|0" : "[0-9a-fA-F]+";
    case "o":
      return "[0-7]+";
    case "c":
      return ".";
    case "p":
      return "0x[0-9a-fA-F]+|\\(nil\\)|0";
    case "s":
      return last ? ".*" : ".*?";
    default:
      return "[-+]?(?:\\d+\\.?\\d*(?:[eE][-+]?\\d+)?|inf|nan|-?inf)";
  }
}

function convert(s: string, c: Conversion, type: string): TraceValue {
  switch (c.conv) {
    case "d":
    case "i": {
      let v = BigInt(s);
      if (v < 0n && UNSIGNED.test(type.trim())) v += 1n << BigInt(bitsOf(type));
      return intValue(v);
    }
    case "u":
      return intValue(BigInt(s));
    case "x":
    case "X":
      return intValue(BigInt(/^0[xX]/.test(s) ? s : "0x" + s));
    case "o":
      return intValue(BigInt("0o" + s));
    case "c":
    case "s":
    case "p":
      return s;
    default:
      return Number(s);
  }
}
