/**
 * The QEMU `log` trace backend's text, in its three line forms:
 *
 * - `TID@SEC.USEC:name args` (QEMU ≤ 5.2 always; 6.0–10.0 with `-msg timestamp=on`),
 * - `name args` (6.0 and later without `-msg timestamp=on`),
 * - `YYYY-MM-DDTHH:MM:SS.uuuuuuZ name args` (10.1 and later with `-msg timestamp=on`),
 *
 * and, tolerated, a `[GUEST-NAME ]PROG(THREAD):` prefix after the time. Arguments are read back
 * with the event's trace-events format string when it is known, otherwise as `key=value` tokens or
 * `name value` pairs.
 *
 * @module
 */
import { genericArgs } from "./_generic_args.ts";
import type { TraceEvent } from "./trace_event.ts";
import { type ArgsParser, compileFormat, type TraceEventFormat } from "./trace_events_file.ts";
import { qemuTraceFormats } from "./qemu_trace_formats.ts";

/** Options for {@linkcode QemuLogParser}. */
export interface QemuLogParserOptions {
  /**
   * Event declarations (from a trace-events-all file); they extend and override the built-in ones.
   * @default {undefined}
   */
  formats?: ReadonlyMap<string, TraceEventFormat>;
}

const TID = /^(\d+)@(\d+)\.(\d{1,9}):\s*/;
const ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z\s+/;
const PROG = /^(?:\S+\s+)?[\w.+-]+\((\d+)\):\s*/;
const BODY = /^([A-Za-z_]\w*)(?:[ \t]+(.*))?$/s;
/** Event names: subsystem_event, lower case (any identifier after a time prefix, or when declared). */
const NAME = /^[a-z][a-z0-9]*_[a-z0-9_]*$/;

/**
 * Converts an ISO-8601 UTC time with an optional fraction into nanoseconds since the epoch.
 * @param m Match of the ISO prefix.
 * @returns Nanoseconds.
 */
function isoNs(m: RegExpExecArray): bigint {
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return BigInt(ms) * 1_000_000n + BigInt((m[7] ?? "").padEnd(9, "0"));
}

/**
 * Parses QEMU log lines into trace events.
 *
 * @example The three line forms give the same event
 * ```ts
 * import { QemuLogParser } from "./qemu_log.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 * const p = new QemuLogParser();
 * const a = p.parseLine("5475@1795237400.495951:virtio_iommu_attach domain=0 endpoint=32", 1);
 * const b = p.parseLine("virtio_iommu_attach domain=0 endpoint=32", 2);
 * const c = p.parseLine("2026-11-21T05:03:20.495951Z virtio_iommu_attach domain=0 endpoint=32", 3);
 * if (typeof a !== "object" || typeof b !== "object" || typeof c !== "object") throw new Error("parse");
 * deepEqual(a.args, { domain_id: 0, ep_id: 32 });
 * deepEqual(b.args, a.args);
 * deepEqual(c.args, a.args);
 * equal(a.timestampNs, 1795237400495951000n);
 * equal(a.pid, 5475);
 * equal(b.timestampNs, undefined);
 * ```
 */
export class QemuLogParser {
  #formats: Map<string, TraceEventFormat>;
  #parsers = new Map<string, ArgsParser | null>();
  /** Set by the last {@linkcode QemuLogParser.parseLine} when it recovered from a format mismatch. */
  note: string | undefined;

  /**
   * Makes a parser with the built-in declarations plus `options.formats`.
   * @param options Extra event declarations.
   */
  constructor(options: QemuLogParserOptions = {}) {
    this.#formats = qemuTraceFormats();
    for (const [k, v] of options.formats ?? []) this.#formats.set(k, v);
  }

  /**
   * Parses one line (without its newline).
   *
   * @param line The text.
   * @param lineNo 1-based line number, stored in the event.
   * @returns The event; a string saying why the line is not an event; undefined for a blank line.
   */
  parseLine(line: string, lineNo: number): TraceEvent | string | undefined {
    this.note = undefined;
    let s = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (s.trim() === "") return undefined;
    let timestampNs: bigint | undefined;
    let pid: number | undefined;
    let m = TID.exec(s);
    if (m) {
      pid = Number(m[1]);
      timestampNs = BigInt(m[2]!) * 1_000_000_000n + BigInt(m[3]!.padEnd(6, "0").padEnd(9, "0"));
      s = s.slice(m[0].length);
    } else if ((m = ISO.exec(s))) {
      timestampNs = isoNs(m);
      s = s.slice(m[0].length);
    }
    const pm = s.includes("):") ? PROG.exec(s) : null;
    if (pm) {
      pid = Number(pm[1]);
      s = s.slice(pm[0].length);
    }
    const b = BODY.exec(s);
    if (!b || (timestampNs === undefined && !NAME.test(b[1]!) && !this.#formats.has(b[1]!))) {
      return `not a QEMU trace line: ${JSON.stringify(clip(line))}`;
    }
    const name = b[1]!;
    const text = b[2] ?? "";
    const ev: TraceEvent = { name, args: this.#args(name, text), line: lineNo };
    if (timestampNs !== undefined) ev.timestampNs = timestampNs;
    if (pid !== undefined) ev.pid = pid;
    return ev;
  }

  /** Arguments by the event's format, or generic ones. */
  #args(name: string, text: string) {
    let p = this.#parsers.get(name);
    if (p === undefined) {
      const f = this.#formats.get(name);
      p = f ? compileFormat(f) : null;
      this.#parsers.set(name, p);
    }
    if (p) {
      const a = p(text);
      if (a) return a;
      this.note = `arguments of ${name} do not match its trace-events format; kept as text`;
    }
    return genericArgs(text);
  }
}

function clip(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + "..." : s;
}
