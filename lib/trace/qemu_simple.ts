/**
 * QEMU `simple` trace backend files (log version 4, host byte order): a 24-byte header, then
 * records each led by a u64 type — 0 maps an event id to its name, 1 is an event
 * (`u64 id, u64 timestamp_ns, u32 length, u32 pid, args`; each argument a u64, strings `u32 len`
 * + bytes). Argument names and types come from the trace-events file QEMU was built with.
 *
 * @module
 */
import { argFromRaw, isStringType, type TraceEventFormat } from "./trace_events_file.ts";
import type { TraceEvent, TraceValue } from "./trace_event.ts";
import { qemuTraceFormats } from "./qemu_trace_formats.ts";

/** Options for {@linkcode QemuSimpleParser}. */
export interface QemuSimpleParserOptions {
  /**
   * Event declarations (from `--events trace-events-all`); they extend the built-in ones.
   * @default {undefined}
   */
  formats?: ReadonlyMap<string, TraceEventFormat>;
}

const HEADER_ID = 0xffffffffffffffffn;
const MAGIC = 0xf2b177cb0aa429b4n;
const DROPPED_ID = 0xfffffffffffffffen;
const MAX_RECORD = 1 << 20;
const EMPTY = new Uint8Array(0);
const decoder = new TextDecoder();

/**
 * Tells whether bytes start like a simple-backend trace file.
 * @param head The first bytes (at least 16 to say yes).
 * @returns True when the header id and the magic are there, in either byte order.
 */
export function isQemuSimpleHeader(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const v = new DataView(head.buffer, head.byteOffset, 16);
  if (v.getBigUint64(0, true) !== HEADER_ID) return false;
  return v.getBigUint64(8, true) === MAGIC || v.getBigUint64(8, false) === MAGIC;
}

/** A warning from the binary parser. */
export interface SimpleNote {
  /** Byte offset of the record. */
  offset: number;
  /** What happened. */
  reason: string;
}

/**
 * Streaming parser of simple-backend files: push chunks, get events.
 *
 * @example A one-event file
 * ```ts
 * import { QemuSimpleParser } from "./qemu_simple.ts";
 * import { equal } from "node:assert/strict";
 * const b = new DataView(new ArrayBuffer(24 + 8 + 8 + 4 + 17 + 8 + 24 + 16));
 * let o = 0;
 * const u64 = (v: bigint) => { b.setBigUint64(o, v, true); o += 8; };
 * const u32 = (v: number) => { b.setUint32(o, v, true); o += 4; };
 * u64(0xffffffffffffffffn); u64(0xf2b177cb0aa429b4n); u64(4n);
 * u64(0n); u64(7n); u32(17); for (const c of "virtio_set_status") b.setUint8(o++, c.charCodeAt(0));
 * u64(1n); u64(7n); u64(1000n); u32(24 + 16); u32(42); u64(0x55f0n); u64(15n);
 * const p = new QemuSimpleParser();
 * const [e] = p.push(new Uint8Array(b.buffer));
 * equal(e!.name, "virtio_set_status");
 * equal(e!.args.vdev, "0x55f0");
 * equal(e!.args.val, 15);
 * equal(e!.timestampNs, 1000n);
 * ```
 */
export class QemuSimpleParser {
  #formats: Map<string, TraceEventFormat>;
  #names = new Map<bigint, string>();
  #buf: Uint8Array = EMPTY;
  #base = 0;
  #le: boolean | undefined;
  /** Warnings since the last push (dropped events, unknown ids, size mismatches). */
  notes: SimpleNote[] = [];

  /**
   * Makes a parser with the built-in declarations plus `options.formats`.
   * @param options Event declarations.
   */
  constructor(options: QemuSimpleParserOptions = {}) {
    this.#formats = qemuTraceFormats();
    for (const [k, v] of options.formats ?? []) this.#formats.set(k, v);
  }

  /**
   * Feeds bytes.
   * @param chunk The next bytes of the file.
   * @returns Events completed by them.
   * @throws {SyntaxError} When the header is wrong or a record is impossible.
   */
  push(chunk: Uint8Array): TraceEvent[] {
    this.notes = [];
    let buf: Uint8Array;
    if (this.#buf.length === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.#buf.length + chunk.length);
      buf.set(this.#buf);
      buf.set(chunk, this.#buf.length);
    }
    const out: TraceEvent[] = [];
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let at = 0;
    if (this.#le === undefined) {
      if (buf.length < 24) {
        this.#buf = buf.slice();
        return out;
      }
      if (!isQemuSimpleHeader(buf)) {
        throw this.#error("the file does not start with the simple-trace header", 0);
      }
      this.#le = view.getBigUint64(8, true) === MAGIC;
      const version = view.getBigUint64(16, this.#le);
      if (version !== 4n) {
        throw this.#error(`log version ${version} is not supported (only version 4 is)`, 16);
      }
      at = 24;
    }
    const le = this.#le;
    while (true) {
      const start = at;
      if (buf.length - at < 8) break;
      const type = view.getBigUint64(at, le);
      if (type === 0n) {
        if (buf.length - at < 20) break;
        const id = view.getBigUint64(at + 8, le);
        const len = view.getUint32(at + 16, le);
        if (len > 4096) throw this.#error(`an event name of ${len} bytes is impossible`, start);
        if (buf.length - at < 20 + len) break;
        this.#names.set(id, decoder.decode(buf.subarray(at + 20, at + 20 + len)));
        at += 20 + len;
        continue;
      }
      if (type !== 1n) throw this.#error(`record type ${type} is unknown`, start);
      if (buf.length - at < 32) break;
      const id = view.getBigUint64(at + 8, le);
      const ts = view.getBigUint64(at + 16, le);
      const length = view.getUint32(at + 24, le);
      const pid = view.getUint32(at + 28, le);
      if (length < 24 || length > MAX_RECORD) {
        throw this.#error(`an event record of ${length} bytes is impossible`, start);
      }
      if (buf.length - at < 8 + length) break;
      const argsAt = at + 32;
      const argsEnd = at + 8 + length;
      at = argsEnd;
      const offset = this.#base + start;
      if (id === DROPPED_ID) {
        const n = length >= 32 ? view.getBigUint64(argsAt, le) : 0n;
        this.notes.push({ offset, reason: `QEMU dropped ${n} events (trace buffer full)` });
        out.push({ name: "dropped", args: { num_events_dropped: Number(n) }, timestampNs: ts, pid, offset });
        continue;
      }
      const name = this.#names.get(id);
      if (name === undefined) {
        this.notes.push({ offset, reason: `event id ${id} has no mapping record; kept as raw bytes` });
        out.push({
          name: `event_${id}`,
          args: { raw: hex(buf.subarray(argsAt, argsEnd)) },
          timestampNs: ts,
          pid,
          offset,
        });
        continue;
      }
      const fmt = this.#formats.get(name);
      const args = fmt ? readArgs(fmt, view, argsAt, argsEnd, le) : undefined;
      if (args === undefined) {
        this.notes.push({
          offset,
          reason: fmt
            ? `the arguments of ${name} do not fit its trace-events declaration; kept as raw bytes`
            : `${name} is not declared (pass its trace-events-all with --events); kept as raw bytes`,
        });
      }
      out.push({
        name,
        args: args ?? { raw: hex(buf.subarray(argsAt, argsEnd)) },
        timestampNs: ts,
        pid,
        offset,
      });
    }
    this.#base += at;
    this.#buf = at < buf.length ? buf.slice(at) : EMPTY;
    return out;
  }

  /**
   * Ends the input.
   * @returns A reason when bytes of an incomplete record were left over (the file was cut).
   */
  end(): string | undefined {
    if (this.#le === undefined && this.#buf.length > 0) return "the file is shorter than its 24-byte header";
    return this.#buf.length > 0 ? `the last ${this.#buf.length} bytes are an incomplete record` : undefined;
  }

  #error(reason: string, at: number): SyntaxError {
    return new SyntaxError(`Cannot read QEMU simple trace at byte ${this.#base + at}: ${reason}`);
  }
}

function readArgs(
  fmt: TraceEventFormat,
  view: DataView,
  at: number,
  end: number,
  le: boolean,
): Record<string, TraceValue> | undefined {
  const out: Record<string, TraceValue> = {};
  for (const a of fmt.args) {
    if (isStringType(a.type)) {
      if (end - at < 4) return undefined;
      const n = view.getUint32(at, le);
      if (end - at - 4 < n) return undefined;
      out[a.name] = decoder.decode(new Uint8Array(view.buffer, view.byteOffset + at + 4, n));
      at += 4 + n;
    } else {
      if (end - at < 8) return undefined;
      out[a.name] = argFromRaw(a.type, view.getBigUint64(at, le));
      at += 8;
    }
  }
  return at === end ? out : undefined;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}
