/**
 * Reads a trace (QEMU log text, QEMU simple binary, ftrace text or a hex dump) from a byte stream
 * as batches of capture records, in constant memory: events are lifted into protocol messages by a
 * rule table, everything else becomes annotation records, and lines that cannot be read are
 * counted and reported, never fatal.
 *
 * @module
 */
import type { CaptureRecord, ProtocolTag, RecordSource } from "../record.ts";
import type { RegistryLike } from "../codec/types.ts";
import { defaultRegistry } from "../codec/protocols/mod.ts";
import type { TraceFormat } from "./detect.ts";
import { FtraceParser } from "./ftrace.ts";
import { HexdumpParser } from "./hexdump.ts";
import { Lifter, type LiftTable } from "./lift.ts";
import { defaultLifts } from "./default_lifts.ts";
import { QemuLogParser } from "./qemu_log.ts";
import { QemuSimpleParser } from "./qemu_simple.ts";
import type { TraceEvent } from "./trace_event.ts";
import type { TraceEventFormat } from "./trace_events_file.ts";

/** Options for {@linkcode TraceReader}. */
export interface TraceReaderOptions {
  /** The input format (see `sniffStream` to detect it). */
  format: TraceFormat;
  /**
   * The input's name, for each record's `source`.
   * @default {undefined}
   */
  uri?: string;
  /**
   * Codecs that build message bytes.
   * @default {defaultRegistry()}
   */
  registry?: RegistryLike;
  /**
   * Rules that lift events into messages.
   * @default {defaultLifts()}
   */
  lifts?: LiftTable;
  /**
   * QEMU trace-events declarations (from `--events trace-events-all`), extending the built-in ones.
   * @default {undefined}
   */
  formats?: ReadonlyMap<string, TraceEventFormat>;
  /**
   * Protocol of hex dump messages (`--proto`); absent leaves them of unknown protocol.
   * @default {undefined}
   */
  protocol?: ProtocolTag;
  /**
   * Dialects used to encode lifted messages.
   * @default {{}}
   */
  dialects?: Readonly<Partial<Record<ProtocolTag, string>>>;
  /**
   * Called for every line skipped and every event kept with a problem, in input order.
   * @default {undefined}
   */
  onWarning?: (warning: TraceWarning) => void;
  /**
   * Longest line kept, in bytes; longer lines are skipped with a warning (memory stays bounded).
   * @default {1048576}
   */
  maxLineLength?: number;
}

/** A problem with one line or record. */
export interface TraceWarning {
  /** 1-based line number (text inputs). */
  line?: number;
  /** Byte offset (binary inputs). */
  offset?: number;
  /** What is wrong. */
  reason: string;
  /** True when the line gave no record at all. */
  skipped: boolean;
}

/** Counts of a trace read. */
export interface TraceStats {
  /** Text lines read (0 for binary input). */
  lines: number;
  /** Events parsed. */
  events: number;
  /** Records made (messages + annotations). */
  records: number;
  /** Protocol messages among them. */
  messages: number;
  /** Annotation records among them. */
  annotations: number;
  /** Lines or records that gave nothing. */
  skipped: number;
  /** Warnings reported (skips included). */
  warnings: number;
  /** Skips by reason (the reason's text up to its first colon). */
  skippedByReason: Map<string, number>;
}

/**
 * Reads trace records.
 *
 * @example A QEMU log piped in
 * ```ts
 * import { TraceReader } from "./mod.ts";
 * import { equal } from "node:assert/strict";
 * const text = "5475@1795237400.495951:virtio_iommu_attach domain=0 endpoint=32\n" +
 *   "garbage that is not a trace line!\n" +
 *   "5475@1795237400.496000:virtio_blk_data_plane_start dataplane 0x55f3f7ad1520\n";
 * const reader = new TraceReader(ReadableStream.from([new TextEncoder().encode(text)]), { format: "qemu-log" });
 * const records = [];
 * for await (const batch of reader.batches()) records.push(...batch);
 * equal(records.length, 2);
 * equal(records[0]!.protocol, "virtio-iommu");
 * equal(records[0]!.timestampNs, 1795237400495951000n);
 * equal(records[1]!.annotation, "virtio_blk_data_plane_start");
 * equal(reader.stats.skipped, 1);
 * ```
 */
export class TraceReader {
  /** Counts, updated as the input is read. */
  readonly stats: TraceStats = {
    lines: 0,
    events: 0,
    records: 0,
    messages: 0,
    annotations: 0,
    skipped: 0,
    warnings: 0,
    skippedByReason: new Map(),
  };
  #stream: ReadableStream<Uint8Array>;
  #opts: TraceReaderOptions;
  #lifter: Lifter;
  #lastTs = -1000n;

  /**
   * Makes a reader; nothing is read until {@linkcode TraceReader.batches} is iterated.
   * @param stream The bytes.
   * @param options Format, rules and callbacks.
   */
  constructor(stream: ReadableStream<Uint8Array>, options: TraceReaderOptions) {
    this.#stream = stream;
    this.#opts = options;
    this.#lifter = new Lifter(options.lifts ?? defaultLifts(), {
      registry: options.registry ?? defaultRegistry(),
      ...(options.dialects ? { dialects: options.dialects } : {}),
    });
  }

  /** Reads every record. */
  async *[Symbol.asyncIterator](): AsyncIterator<CaptureRecord> {
    for await (const b of this.batches()) yield* b;
  }

  /**
   * Reads the input, yielding the records of each chunk as one array (never an empty one).
   * @returns Batches of records.
   * @throws {SyntaxError} Only for a simple-backend file whose header or framing is broken.
   */
  async *batches(): AsyncGenerator<CaptureRecord[]> {
    if (this.#opts.format === "qemu-simple") {
      yield* this.#binary();
      return;
    }
    const parse = this.#lineParser();
    const max = this.#opts.maxLineLength ?? 1 << 20;
    let carry = "";
    let dropping = false;
    const text = new TextDecoder();
    for await (const chunk of this.#stream) {
      const out: CaptureRecord[] = [];
      let s = text.decode(chunk, { stream: true });
      if (dropping) {
        // The rest of an over-long line, already counted and reported.
        const nl = s.indexOf("\n");
        if (nl < 0) continue;
        s = s.slice(nl + 1);
        dropping = false;
      }
      const lines = (carry + s).split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        this.stats.lines++;
        parse(line, this.stats.lines, out);
      }
      if (carry.length > max) {
        this.stats.lines++;
        this.#warn({
          line: this.stats.lines,
          reason: `line longer than ${max} bytes: skipped`,
          skipped: true,
        });
        carry = "";
        dropping = true;
      }
      if (out.length) yield this.#count(out);
    }
    const out: CaptureRecord[] = [];
    carry += text.decode();
    if (carry !== "" && !dropping) {
      this.stats.lines++;
      parse(carry, this.stats.lines, out);
    }
    parse(undefined, this.stats.lines, out);
    if (out.length) yield this.#count(out);
  }

  /** A function that turns one line into records (undefined line = end of input). */
  #lineParser(): (line: string | undefined, no: number, out: CaptureRecord[]) => void {
    const uri = this.#opts.uri;
    const src = (line: number): RecordSource => (uri === undefined ? { line } : { uri, line });
    switch (this.#opts.format) {
      case "hexdump": {
        const p = new HexdumpParser();
        const proto = this.#opts.protocol;
        return (line, no, out) => {
          const packets = line === undefined ? p.end() : p.pushLine(line, no);
          if (p.skip) this.#warn({ line: no, reason: p.skip, skipped: true });
          for (const pk of packets) {
            const r: CaptureRecord = {
              timestampNs: this.#ts(undefined),
              kind: "unknown",
              sender: pk.direction === "O" ? "driver" : pk.direction === "I" ? "device" : "unknown",
              channel: {},
              data: pk.data,
              originalLength: pk.data.length,
              source: src(pk.line),
            };
            if (proto) r.protocol = proto;
            this.stats.events++;
            out.push(r);
          }
        };
      }
      case "ftrace": {
        const qemu = new QemuLogParser(this.#opts.formats ? { formats: this.#opts.formats } : {});
        const p = new FtraceParser({ qemu });
        return (line, no, out) => {
          if (line === undefined) return;
          this.#event(p.parseLine(line, no), p.note, no, src(no), out);
        };
      }
      default: {
        const p = new QemuLogParser(this.#opts.formats ? { formats: this.#opts.formats } : {});
        return (line, no, out) => {
          if (line === undefined) return;
          this.#event(p.parseLine(line, no), p.note, no, src(no), out);
        };
      }
    }
  }

  #event(
    ev: TraceEvent | string | undefined,
    note: string | undefined,
    no: number,
    source: RecordSource,
    out: CaptureRecord[],
  ): void {
    if (ev === undefined) return;
    if (typeof ev === "string") {
      this.#warn({ line: no, reason: ev, skipped: true });
      return;
    }
    this.stats.events++;
    if (note) this.#warn({ line: no, reason: note, skipped: false });
    const recs = this.#lifter.lift(ev, this.#ts(ev.timestampNs), source);
    if (this.#lifter.failure) this.#warn({ line: no, reason: this.#lifter.failure, skipped: false });
    for (const r of recs) out.push(r);
  }

  async *#binary(): AsyncGenerator<CaptureRecord[]> {
    const p = new QemuSimpleParser(this.#opts.formats ? { formats: this.#opts.formats } : {});
    const uri = this.#opts.uri;
    for await (const chunk of this.#stream) {
      const events = p.push(chunk);
      for (const n of p.notes) this.#warn({ offset: n.offset, reason: n.reason, skipped: false });
      const out: CaptureRecord[] = [];
      for (const ev of events) {
        this.stats.events++;
        const source: RecordSource = uri === undefined ? {} : { uri };
        if (ev.offset !== undefined) source.offset = ev.offset;
        const recs = this.#lifter.lift(ev, this.#ts(ev.timestampNs), source);
        if (this.#lifter.failure) {
          this.#warn({
            ...(ev.offset !== undefined ? { offset: ev.offset } : {}),
            reason: this.#lifter.failure,
            skipped: false,
          });
        }
        for (const r of recs) out.push(r);
      }
      if (out.length) yield this.#count(out);
    }
    const end = p.end();
    if (end) this.#warn({ reason: end, skipped: true });
  }

  /** The record timestamp: the event's, or 1 µs after the previous one when it has none. */
  #ts(ts: bigint | undefined): bigint {
    const t = ts ?? this.#lastTs + 1000n;
    this.#lastTs = t;
    return t;
  }

  #count(out: CaptureRecord[]): CaptureRecord[] {
    this.stats.records += out.length;
    this.stats.messages = this.#lifter.stats.messages +
      (this.#opts.format === "hexdump" ? this.stats.records : 0);
    this.stats.annotations = this.#lifter.stats.annotations;
    return out;
  }

  #warn(w: TraceWarning): void {
    this.stats.warnings++;
    if (w.skipped) {
      this.stats.skipped++;
      const key = w.reason.split(":")[0]!;
      const m = this.stats.skippedByReason;
      if (m.size < 64 || m.has(key)) m.set(key, (m.get(key) ?? 0) + 1);
    }
    this.#opts.onWarning?.(w);
  }
}
