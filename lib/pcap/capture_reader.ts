/**
 * Streaming capture reader: pcap, pcapng or JSON Lines from any byte stream, detected from the
 * first bytes, in constant memory and without seeking.
 *
 * @module
 */
import type { CaptureRecord, ProtocolTag } from "../record.ts";
import type { CaptureInfo } from "./capture_info.ts";
import { captureError, type ContainerParser, type ParseContext, type RecordSink } from "./_packet_record.ts";
export type { PacketRef, RecordSink } from "./_packet_record.ts";
import { JsonlParser } from "./_jsonl_parser.ts";
import { PcapParser } from "./_pcap_parser.ts";
import { PcapngParser } from "./_pcapng_parser.ts";

/** Options for {@linkcode CaptureReader}. */
export interface ReadCaptureOptions {
  /**
   * The input's name, used in error messages and in each record's `source`.
   * @default {undefined}
   */
  uri?: string;
  /**
   * Link types whose packets are bare messages of a protocol, without vioscope's pseudo-header
   * (`--decode-as USER0=scmi` gives `new Map([[147, "scmi"]])`). The sender then comes from the
   * pcapng epb_flags direction: outbound = driver, inbound = device.
   * @default {undefined}
   */
  decodeAs?: ReadonlyMap<number, ProtocolTag>;
}

const EMPTY: Uint8Array = new Uint8Array(0);

function concat(head: Uint8Array, parts: Uint8Array[], extra: number): Uint8Array {
  const out = new Uint8Array(head.length + extra);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;

/**
 * Reads a stream in chunks; for byte streams (files) it reads into fresh buffers that grow to
 * 1 MiB while reads fill them, which makes fewer, larger chunks than the default 64 KiB.
 */
class ChunkReader {
  #byob: ReadableStreamBYOBReader | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #size = MIN_CHUNK;
  constructor(stream: ReadableStream<Uint8Array>) {
    try {
      this.#byob = stream.getReader({ mode: "byob" });
    } catch {
      this.#reader = stream.getReader();
    }
  }
  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#reader) return await this.#reader.read();
    const size = this.#size;
    const p = this.#next ?? this.#byob!.read(new Uint8Array(size));
    this.#next = undefined;
    const r = await p;
    if (r.value !== undefined) {
      if (r.value.length === size && size < MAX_CHUNK) this.#size = size * 2;
      else if (r.value.length < size / 4 && size > MIN_CHUNK) this.#size = size / 2;
    }
    if (!r.done) {
      // The next read starts now, so the file is read while this chunk is decoded. (Its failure is
      // reported by the read() that takes it; if none does, the reader is cancelled anyway.)
      const next = this.#byob!.read(new Uint8Array(this.#size));
      next.catch(() => {});
      this.#next = next;
    }
    return r as ReadableStreamReadResult<Uint8Array>;
  }
  #next: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  releaseLock(): void {
    (this.#reader ?? this.#byob)!.releaseLock();
  }
  cancel(): Promise<void> {
    return (this.#reader ?? this.#byob)!.cancel();
  }
}

/**
 * Detects the format from the first bytes.
 * @returns The parser, or undefined when more bytes are needed.
 */
function detect(
  buf: Uint8Array,
  base: number,
  final: boolean,
  ctx: ParseContext,
): ContainerParser | undefined {
  let i = 0;
  // "\n\r" starts a pcapng Section Header Block, not blank text.
  if (!(buf[0] === 0x0a && buf[1] === 0x0d)) { while (i < buf.length && isSpace(buf[i]!)) i++; }
  if (i < buf.length && buf[i] === 0x7b) {
    ctx.info.format = "jsonl";
    return new JsonlParser(ctx);
  }
  if (i === buf.length && !final) return undefined;
  if (buf.length >= 4 && i < buf.length) {
    const magic = (buf[0]! << 24 | buf[1]! << 16 | buf[2]! << 8 | buf[3]!) >>> 0;
    if (magic === 0x0a0d0d0a) {
      ctx.info.format = "pcapng";
      return new PcapngParser(ctx);
    }
    if (
      magic === 0xd4c3b2a1 || magic === 0xa1b2c3d4 || magic === 0x4d3cb2a1 || magic === 0xa1b23c4d
    ) {
      ctx.info.format = "pcap";
      return new PcapParser(ctx);
    }
    const hex = [...buf.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw captureError(ctx, `not a pcap, pcapng or JSON Lines file (first bytes ${hex})`, base);
  }
  if (!final || i === buf.length) return undefined;
  throw captureError(ctx, `the input is too short to be a capture (${buf.length} bytes)`, base);
}

/**
 * Reads a whole capture held in memory at once, without streams (what the capture reader yields
 * for the same bytes, in one array): for pieces of a file that hold whole blocks, such as the
 * chunks `vioscope decode` hands to its worker threads.
 *
 * @example
 * ```ts
 * import { createCaptureWriter, readCaptureBytes } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const chunks: Uint8Array[] = [];
 * const w = createCaptureWriter(new WritableStream({ write: (c) => void chunks.push(c) }));
 * await w.write(makeRecord(new Uint8Array([0, 4, 1, 16]), { protocol: "scmi", timestampNs: 5n }));
 * await w.close();
 * const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
 * let at = 0;
 * for (const c of chunks) {
 *   bytes.set(c, at);
 *   at += c.length;
 * }
 * const records: unknown[] = [];
 * const info = readCaptureBytes(bytes, records as never[]);
 * equal(records.length, 1);
 * equal(info.format, "pcapng");
 * ```
 *
 * @param bytes The capture.
 * @param out Receives the records (every complete one, also when the bytes are damaged): an array,
 *   or a {@linkcode RecordSink} that handles each record as it is read.
 * @param options Name and `decodeAs` table.
 * @returns Container facts.
 * @throws {CaptureSyntaxError} After pushing every complete record, when the bytes are damaged.
 */
export function readCaptureBytes(
  bytes: Uint8Array,
  out: RecordSink,
  options: ReadCaptureOptions = {},
): CaptureInfo {
  const info: CaptureInfo = {
    format: undefined,
    sections: 0,
    interfaces: [],
    records: 0,
    unknownProtocol: 0,
  };
  const ctx: ParseContext = { uri: options.uri, decodeAs: options.decodeAs, info };
  const parser = detect(bytes, 0, true, ctx);
  if (parser === undefined) return info;
  const used = parser.parse(bytes, 0, out);
  parser.end(bytes.subarray(used), used, out);
  return info;
}

/**
 * Reads records from a pcap, pcapng or JSON Lines byte stream (file or pipe; chunks of any size).
 *
 * - Classic pcap: µs and ns magics, both byte orders; FCS bits in the link-type word are ignored.
 * - pcapng: several sections each with its own byte order, if_tsresol (10^-n and 2^-n),
 *   if_tsoffset, EPB, SPB (timestamp 0) and the obsolete Packet Block; epb_flags direction and
 *   opt_comment; unknown blocks and options are skipped.
 * - JSON Lines as in docs/capture-format.md, when the first non-blank byte is `{`.
 *
 * Packets of link type USER0–USER15 that start with vioscope's pseudo-header become records with
 * its protocol, kind, sender, channel, correlation id and conduit; link types listed in
 * `decodeAs` are bare messages of that protocol; anything else gives records with no protocol
 * (counted in `info.unknownProtocol`).
 *
 * **Lifetime of `data`.** A record's `data` is a `subarray` view into the chunk the stream
 * delivered (or into a buffer joining the chunks a block straddled). Buffers are never reused, so
 * the view stays valid for as long as the record is kept — but keeping it keeps that whole chunk
 * (typically 64 KiB) alive; copy with `data.slice()` to keep a few records from a large file.
 *
 * An empty (or blank) input gives no records and leaves `info.format` undefined.
 *
 * **Damage.** Every complete record before the damage is yielded, then a
 * `CaptureSyntaxError` is thrown giving the byte offset (or line) and the reason.
 * Length fields are checked against limits before anything is buffered for them.
 *
 * @example Reading a capture from bytes
 * ```ts
 * import { CaptureReader, createCaptureWriter } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const chunks: Uint8Array[] = [];
 * const w = createCaptureWriter(new WritableStream({ write: (c) => void chunks.push(c) }));
 * await w.write(makeRecord(new Uint8Array([0, 4, 1, 16]), { protocol: "scmi", timestampNs: 5n }));
 * await w.close();
 * const reader = new CaptureReader(ReadableStream.from(chunks));
 * const records = [];
 * for await (const r of reader) records.push(r);
 * equal(records.length, 1);
 * equal(records[0]!.protocol, "scmi");
 * equal(records[0]!.timestampNs, 5n);
 * equal(reader.info.format, "pcapng");
 * ```
 */
export class CaptureReader {
  /** Container facts, filled in as the input is read. */
  readonly info: CaptureInfo;
  #stream: ReadableStream<Uint8Array>;
  #ctx: ParseContext;
  #started = false;

  /**
   * @param stream The bytes.
   * @param options Name and `decodeAs` table.
   */
  constructor(stream: ReadableStream<Uint8Array>, options: ReadCaptureOptions = {}) {
    this.#stream = stream;
    this.info = { format: undefined, sections: 0, interfaces: [], records: 0, unknownProtocol: 0 };
    this.#ctx = { uri: options.uri, decodeAs: options.decodeAs, info: this.info };
  }

  /**
   * Reads the input, yielding the complete records of each chunk as one array.
   *
   * @returns Batches of records (never empty).
   * @throws {CaptureSyntaxError} After the last complete record, when the input is damaged.
   */
  async *batches(): AsyncGenerator<CaptureRecord[], void, undefined> {
    if (this.#started) throw new TypeError("Cannot read the capture: it is already being read");
    this.#started = true;
    const reader = new ChunkReader(this.#stream);
    let finished = false;
    let buf: Uint8Array = EMPTY;
    let base = 0;
    let extra: Uint8Array[] = [];
    let extraLen = 0;
    let parser: ContainerParser | undefined;
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value === undefined || value.length === 0) continue;
        if (buf.length === 0 && extraLen === 0) buf = value;
        else {
          extra.push(value);
          extraLen += value.length;
          if (parser === undefined) {
            if (buf.length + extraLen < 4 && value.indexOf(0x7b) < 0) continue;
          } else if (parser.wantsNewline ? value.indexOf(10) < 0 : buf.length + extraLen < parser.need) {
            continue;
          }
          buf = concat(buf, extra, extraLen);
          extra = [];
          extraLen = 0;
        }
        if (parser === undefined) {
          parser = detect(buf, base, false, this.#ctx);
          if (parser === undefined) continue;
        }
        if (!parser.wantsNewline && buf.length < parser.need) continue;
        const out: CaptureRecord[] = [];
        let used: number;
        try {
          used = parser.parse(buf, base, out);
        } catch (e) {
          if (out.length > 0) yield out;
          throw e;
        }
        if (used > 0) {
          buf = used === buf.length ? EMPTY : buf.subarray(used);
          base += used;
        }
        if (out.length > 0) yield out;
      }
      finished = true;
      if (extraLen > 0) buf = concat(buf, extra, extraLen);
      parser ??= detect(buf, base, true, this.#ctx);
      if (parser === undefined) return; // empty (or blank) input: no records
      const out: CaptureRecord[] = [];
      try {
        const used = parser.parse(buf, base, out);
        parser.end(buf.subarray(used), base + used, out);
      } catch (e) {
        if (out.length > 0) yield out;
        throw e;
      }
      if (out.length > 0) yield out;
    } finally {
      if (finished) reader.releaseLock();
      else await reader.cancel().catch(() => {});
    }
  }

  /**
   * Reads the input record by record.
   * @returns The records.
   * @throws {CaptureSyntaxError} After the last complete record, when the input is damaged.
   */
  [Symbol.asyncIterator](): AsyncIterator<CaptureRecord> {
    const batches = this.batches();
    let batch: CaptureRecord[] = [];
    let i = 0;
    return {
      next: async (): Promise<IteratorResult<CaptureRecord>> => {
        while (i >= batch.length) {
          const b = await batches.next();
          if (b.done) return { value: undefined, done: true };
          batch = b.value;
          i = 0;
        }
        return { value: batch[i++]!, done: false };
      },
      return: async (): Promise<IteratorResult<CaptureRecord>> => {
        await batches.return();
        return { value: undefined, done: true };
      },
    };
  }
}
