/**
 * The trace event: one line of a QEMU log or ftrace text, or one record of a QEMU simple-backend
 * file, parsed into a name and named arguments before it is lifted into a capture record.
 *
 * @module
 */

/**
 * An argument value. Integers are `number` when they fit in 2^53 and `bigint` otherwise;
 * pointers (`%p`), strings and arguments whose type is not known stay as the text that was printed.
 */
export type TraceValue = number | bigint | string;

/** One trace event. */
export interface TraceEvent {
  /** Event name (`virtio_set_status`, `scmi_msg_dump`, ...). */
  name: string;
  /** Arguments by name, in the order they were printed. */
  args: Record<string, TraceValue>;
  /** Timestamp in nanoseconds; absent when the line carried none (the reader then makes one up). */
  timestampNs?: bigint;
  /** Thread id (QEMU log prefix), process id (simple backend, ftrace). */
  pid?: number;
  /** CPU number (ftrace). */
  cpu?: number;
  /** Task name (ftrace). */
  comm?: string;
  /** 1-based line number of text inputs. */
  line?: number;
  /** Byte offset of the record in binary inputs. */
  offset?: number;
}

/**
 * Converts an integer text into a number, or a bigint when it does not fit in 2^53.
 *
 * @example
 * ```ts
 * import { intValue } from "./trace_event.ts";
 * import { equal } from "node:assert/strict";
 * equal(intValue(12n), 12);
 * equal(intValue(2n ** 60n), 2n ** 60n);
 * ```
 *
 * @param v A bigint.
 * @returns The same value as a number when it is safe.
 */
export function intValue(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * Reads a trace value as an unsigned or signed integer: numbers and bigints as they are, text as
 * decimal, or hex with a `0x` prefix (`(nil)` is 0).
 *
 * @example
 * ```ts
 * import { toBigInt } from "./trace_event.ts";
 * import { equal } from "node:assert/strict";
 * equal(toBigInt("0x10"), 16n);
 * equal(toBigInt(-3), -3n);
 * ```
 *
 * @param v The value.
 * @returns The integer.
 * @throws {SyntaxError} When the value is not an integer.
 */
export function toBigInt(v: TraceValue | undefined): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new SyntaxError(`Cannot read an integer: ${v} has a fraction`);
    return BigInt(v);
  }
  if (v === undefined) throw new SyntaxError("Cannot read an integer: the argument is missing");
  const s = v.trim();
  if (/^-?0[xX][0-9a-fA-F]+$/.test(s)) {
    return s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
  }
  if (/^[-+]?\d+$/.test(s)) return BigInt(s);
  if (s === "(nil)") return 0n;
  throw new SyntaxError(`Cannot read an integer: "${s}" is not a number`);
}

/**
 * Makes an event's arguments JSON-safe: bigints that fit become numbers, larger ones decimal text.
 *
 * @example
 * ```ts
 * import { jsonArgs } from "./trace_event.ts";
 * import { deepEqual } from "node:assert/strict";
 * deepEqual(jsonArgs({ a: 1n, b: "x", c: 2n ** 64n }), { a: 1, b: "x", c: "18446744073709551616" });
 * ```
 *
 * @param args Arguments.
 * @returns A plain object.
 */
export function jsonArgs(args: Readonly<Record<string, TraceValue>>): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(args)) {
    if (typeof v === "bigint") {
      const n = intValue(v);
      out[k] = typeof n === "number" ? n : v.toString();
    } else out[k] = v;
  }
  return out;
}
