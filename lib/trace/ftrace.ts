/**
 * Linux ftrace text, as `/sys/kernel/tracing/trace`, `trace_pipe` and `trace-cmd report` print it:
 * `<comm>-<pid> [(<tgid>)] [<cpu>] [<flags>] <sec>.<frac>: <event>: <fields>`. Header lines
 * (`# tracer: nop`, `cpus=4`, `CPU 0 is empty`) carry nothing; `tracing_mark_write:` lines written
 * by QEMU's `ftrace` trace backend are read as the QEMU events they carry.
 *
 * @module
 */
import { genericArgs } from "./_generic_args.ts";
import { QemuLogParser } from "./qemu_log.ts";
import type { TraceEvent } from "./trace_event.ts";

/** Options for {@linkcode FtraceParser}. */
export interface FtraceParserOptions {
  /**
   * Parser for QEMU events carried in `tracing_mark_write:` lines.
   * @default {new QemuLogParser()}
   */
  qemu?: QemuLogParser;
}

const LINE =
  /^\s*(.+?)-(\d+)\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[(\d+)\]\s+(?:([.a-zA-Z0-9]{4,5})\s+)?(\d+)\.(\d{1,9}):\s+([\w:.-]+?):\s*(.*)$/s;
const HEADER = /^\s*(?:#|cpus=\d+|version\s*=|CPU\s*\d+ is empty|trace-cmd:)/;
const LOST = /^\s*CPU:?\s*(\d+)\s*\[LOST (\d+) EVENTS\]/;
const MARK = /^tracing_mark_write:\s*/;

/**
 * Parses ftrace lines into trace events.
 *
 * @example A gen-B SCMI dump line
 * ```ts
 * import { FtraceParser } from "./ftrace.ts";
 * import { equal } from "node:assert/strict";
 * const p = new FtraceParser();
 * const e = p.parseLine("cpufreq-set-274 [001] ..... 100.242906: scmi_msg_dump: pt=13 t=CMND msg_id=07 seq=0092 s=0 pyld=000000008066ab13", 1);
 * if (typeof e !== "object") throw new Error("parse");
 * equal(e.name, "scmi_msg_dump");
 * equal(e.args.pyld, "000000008066ab13");
 * equal(e.timestampNs, 100_242_906_000n);
 * equal(e.comm, "cpufreq-set");
 * equal(e.cpu, 1);
 * ```
 */
export class FtraceParser {
  #qemu: QemuLogParser;
  /** Set by the last {@linkcode FtraceParser.parseLine} when it recovered from a format mismatch. */
  note: string | undefined;

  /**
   * Makes a parser.
   * @param options QEMU parser for marker lines.
   */
  constructor(options: FtraceParserOptions = {}) {
    this.#qemu = options.qemu ?? new QemuLogParser();
  }

  /**
   * Parses one line (without its newline).
   *
   * @param line The text.
   * @param lineNo 1-based line number, stored in the event.
   * @returns The event; a string saying why the line is not an event; undefined for blank and
   *   header lines.
   */
  parseLine(line: string, lineNo: number): TraceEvent | string | undefined {
    this.note = undefined;
    const s = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (s.trim() === "" || HEADER.test(s)) return undefined;
    const m = LINE.exec(s);
    if (!m) {
      const lost = LOST.exec(s);
      if (lost) return `the kernel lost ${lost[2]} events on CPU ${lost[1]}`;
      return `not an ftrace event line: ${JSON.stringify(s.length > 80 ? s.slice(0, 77) + "..." : s)}`;
    }
    const timestampNs = BigInt(m[5]!) * 1_000_000_000n + BigInt(m[6]!.padEnd(9, "0"));
    let name = m[7]!;
    let rest = m[8]!;
    if (name === "print" && MARK.test(rest)) {
      rest = rest.replace(MARK, "");
      name = "tracing_mark_write";
    }
    let ev: TraceEvent;
    if (name === "tracing_mark_write") {
      const q = this.#qemu.parseLine(rest, lineNo);
      if (typeof q === "object") {
        ev = q;
        this.note = this.#qemu.note;
      } else ev = { name, args: { text: rest.trim() }, line: lineNo };
    } else ev = { name, args: genericArgs(rest), line: lineNo };
    ev.timestampNs = timestampNs;
    ev.pid = Number(m[2]);
    ev.cpu = Number(m[3]);
    ev.comm = m[1]!.trim();
    return ev;
  }
}
