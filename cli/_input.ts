/**
 * Opens any input vioscope reads (`-` = stdin) as batches of records: captures (pcap, pcapng,
 * JSON Lines) and traces (QEMU log text, QEMU simple binary, ftrace text, hex dumps), detected from
 * the first bytes unless `--from` says. Trace problems are warned about on standard error
 * (rate-limited) and summarised when the input ends.
 *
 * @module
 */
import { CaptureReader } from "../lib/pcap/mod.ts";
import type { CaptureInfo } from "../lib/pcap/mod.ts";
import type { CaptureRecord, ProtocolTag } from "../lib/record.ts";
import {
  type InputFormat,
  isTraceFormat,
  parseTraceEvents,
  sniffStream,
  TRACE_FORMATS,
  type TraceEventFormat,
  TraceReader,
  type TraceStats,
  type TraceWarning,
} from "../lib/trace/mod.ts";
import { type Command, Option } from "commander";
import { isProtocolTag, PROTOCOL_TAGS } from "../lib/record.ts";
import { addDecodeAsOption, parseDecodeAs } from "./_options.ts";

const INPUT_FORMATS = ["pcap", "pcapng", "jsonl", ...TRACE_FORMATS] as const;
import { openInput, UserError, warn } from "./_io.ts";

/** Options for {@linkcode readInput}. */
export interface InputOptions {
  /** `--decode-as` table. */
  decodeAs?: ReadonlyMap<number, ProtocolTag>;
  /** `--from`: the input format, instead of detecting it. */
  from?: InputFormat;
  /** `--events`: a QEMU trace-events(-all) file declaring the events of the trace. */
  events?: string;
  /** `--proto`: the protocol of hex dump messages. */
  proto?: ProtocolTag;
  /** Print no warnings and no summary (the caller reads `stats`). */
  quiet?: boolean;
}

/** What {@linkcode readInput} returns. */
export interface Input {
  /** Container facts (for traces: only the record counts are filled in). */
  reader: { readonly info: CaptureInfo };
  /** The input format. */
  format: InputFormat;
  /** Counts of a trace input (lines, events, skipped lines), live. */
  stats?: TraceStats;
  /** The records, in batches. */
  batches: AsyncIterable<CaptureRecord[]>;
}

/**
 * Prints trace warnings on standard error: the first ten in full, then at most one a second
 * (saying how many were held back), and a closing summary of what was skipped.
 */
export class WarningPrinter {
  #uri: string;
  #shown = 0;
  #held = 0;
  #hidden = 0;
  #last = 0;
  /** @param uri Input name for the messages. */
  constructor(uri: string) {
    this.#uri = uri === "-" ? "<stdin>" : uri;
  }
  /**
   * Reports one warning.
   * @param w The warning.
   */
  report(w: TraceWarning): void {
    const now = Date.now();
    if (this.#shown >= 10 && now - this.#last < 1000) {
      this.#held++;
      this.#hidden++;
      return;
    }
    const where = w.line !== undefined
      ? `line ${w.line}`
      : w.offset !== undefined
      ? `byte ${w.offset}`
      : "end";
    const more = this.#held ? ` (${this.#held} more warnings not shown)` : "";
    warn(`${this.#uri}:${where}: ${w.skipped ? "skipped: " : ""}${w.reason}${more}`);
    this.#shown++;
    this.#held = 0;
    this.#last = now;
  }
  /**
   * Prints the closing summary when anything was skipped or warned about.
   * @param stats The reader's counts.
   */
  summary(stats: TraceStats): void {
    if (stats.warnings === 0) return;
    const held = this.#hidden ? ` (${this.#hidden} not shown)` : "";
    const reasons = [...stats.skippedByReason].map(([k, n]) => `${n} ${k}`).join(", ");
    const unit = stats.lines > 0 ? "lines" : "records";
    const total = stats.lines > 0 ? ` of ${stats.lines}` : "";
    warn(
      `${this.#uri}: skipped ${stats.skipped}${total} ${unit}${reasons ? ` (${reasons})` : ""}; ` +
        `${stats.warnings} warnings${held}`,
    );
  }
}

/**
 * Reads a QEMU trace-events file.
 * @param path File path.
 * @returns Declarations by event name.
 */
export async function readEventsFile(path: string): Promise<Map<string, TraceEventFormat>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UserError(`Cannot read the trace-events file "${path}": ${e instanceof Error ? e.message : e}`);
  }
  const m = parseTraceEvents(text);
  if (m.size === 0) throw new UserError(`Cannot use "${path}" as a trace-events file: it declares no events`);
  return m;
}

/**
 * Reads records in batches. For captures, every complete record before damage is yielded; then the
 * damage is thrown as a {@linkcode UserError} naming the file, the byte offset or line, and the
 * reason. For traces, unreadable lines are skipped with a warning and the run goes on.
 *
 * @param path File or `-`.
 * @param options Decode-as table, trace format and options.
 * @returns Batches of records, the format, and the container facts or trace counts.
 */
export async function readInput(path: string, options: InputOptions = {}): Promise<Input> {
  const raw = await openInput(path);
  const { format, stream } = await sniffStream(raw, options.from);
  if (!isTraceFormat(format)) {
    const reader = new CaptureReader(stream, {
      uri: path,
      ...(options.decodeAs ? { decodeAs: options.decodeAs } : {}),
    });
    return { reader, format, batches: captureBatches(reader, path) };
  }
  const formats = options.events ? await readEventsFile(options.events) : undefined;
  const printer = options.quiet ? undefined : new WarningPrinter(path);
  const trace = new TraceReader(stream, {
    format,
    uri: path,
    ...(formats ? { formats } : {}),
    ...(options.proto ? { protocol: options.proto } : {}),
    ...(printer ? { onWarning: (w: TraceWarning) => printer.report(w) } : {}),
  });
  const info: CaptureInfo = {
    format,
    sections: 0,
    interfaces: [],
    records: 0,
    unknownProtocol: 0,
  };
  async function* batches(): AsyncIterable<CaptureRecord[]> {
    try {
      for await (const b of trace.batches()) {
        info.records += b.length;
        for (const r of b) if (!r.protocol) info.unknownProtocol++;
        yield b;
      }
    } catch (e) {
      throw asUserError(e, path);
    } finally {
      printer?.summary(trace.stats);
    }
  }
  return { reader: { info }, format, stats: trace.stats, batches: batches() };
}

async function* captureBatches(reader: CaptureReader, path: string): AsyncIterable<CaptureRecord[]> {
  try {
    for await (const b of reader.batches()) yield b;
  } catch (e) {
    throw asUserError(e, path);
  }
}

function asUserError(e: unknown, path: string): UserError {
  if (e instanceof UserError) return e;
  if (e instanceof SyntaxError || e instanceof RangeError) return new UserError(e.message);
  return new UserError(`Cannot read "${path}": ${e instanceof Error ? e.message : String(e)}`);
}

/** Raw input option values as commander parses them. */
export interface InputOptionValues {
  decodeAs?: string[];
  from?: string;
  events?: string;
  proto?: string;
}

/**
 * Adds the input options every reading command accepts: `--decode-as`, `--from`, `--events`, `--proto`.
 * @param cmd The command.
 * @returns The same command.
 */
export function addInputOptions(cmd: Command): Command {
  addDecodeAsOption(cmd);
  return cmd
    .addOption(
      new Option("--from <format>", "input format instead of detecting it").choices([...INPUT_FORMATS]),
    )
    .option("--events <file>", "QEMU trace-events(-all) file declaring the events of a trace")
    .option("--proto <protocol>", `protocol of hex dump messages (${PROTOCOL_TAGS.join(", ")})`);
}

/**
 * Turns input option values into {@linkcode InputOptions}.
 * @param o Option values.
 * @returns Options for {@linkcode readInput}.
 */
export function inputOptions(o: InputOptionValues): InputOptions {
  const r: InputOptions = { decodeAs: parseDecodeAs(o.decodeAs ?? []) };
  if (o.from) r.from = o.from as InputFormat;
  if (o.events) r.events = o.events;
  if (o.proto !== undefined) {
    if (!isProtocolTag(o.proto)) {
      throw new UserError(
        `Cannot use --proto "${o.proto}": unknown protocol (one of ${PROTOCOL_TAGS.join(", ")})`,
      );
    }
    r.proto = o.proto;
  }
  return r;
}
