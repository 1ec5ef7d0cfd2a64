/**
 * Capture writers: pcapng (default), classic pcap (ns, little-endian) or JSON Lines, buffered and
 * written out as whole records.
 *
 * @module
 */
import { type CaptureRecord, LINKTYPE_VIOSCOPE } from "../record.ts";
import { recordToJsonLine } from "./jsonl.ts";
import { PSEUDO_HEADER_LENGTH, writePseudoHeader } from "./pseudo_header.ts";

/** The formats {@linkcode createCaptureWriter} writes. */
export type CaptureFormat = "pcap" | "pcapng" | "jsonl";

/** Options for {@linkcode createCaptureWriter}. */
export interface CaptureWriterOptions {
  /**
   * Output format.
   * @default {"pcapng"}
   */
  format?: CaptureFormat;
  /**
   * LINKTYPE of the interface (pcapng IDB) or file (pcap).
   * @default {147}
   */
  linkType?: number;
  /**
   * Write bare messages without vioscope's pseudo-header (protocol, kind and channel are lost;
   * pcapng keeps the sender in epb_flags).
   * @default {false}
   */
  raw?: boolean;
  /**
   * The pcapng shb_userappl text.
   * @default {"vioscope"}
   */
  application?: string;
}

/** Writes records to a stream. */
export interface CaptureWriter {
  /**
   * Encodes a record into the buffer (written out when the buffer grows past 256 KiB).
   * @param record The record.
   * @throws {RangeError} When the record cannot be represented (negative timestamp, channel
   *   value out of range, message longer than the pcap snap length).
   */
  write(record: CaptureRecord): Promise<void>;
  /** Writes out every buffered record (whole records only). */
  flush(): Promise<void>;
  /** Flushes, then closes the stream. */
  close(): Promise<void>;
}

const FLUSH_AT = 256 * 1024;
/** Snap length written in pcap file headers. */
export const PCAP_SNAPLEN = 262144;
const encoder = new TextEncoder();
const TWO32 = 0x1_0000_0000n;

class Sink {
  buf = new Uint8Array(FLUSH_AT + 4096);
  dv = new DataView(this.buf.buffer);
  len = 0;
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }
  u16(v: number): void {
    this.dv.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number): void {
    this.dv.setUint32(this.len, v, true);
    this.len += 4;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  pad(): void {
    while (this.len % 4 !== 0) this.buf[this.len++] = 0;
  }
  /** Adds a pcapng option (code, length, value padded). */
  option(code: number, value: Uint8Array): void {
    this.u16(code);
    this.u16(value.length);
    this.bytes(value);
    this.pad();
  }
  /** Hands out the buffered bytes and starts a fresh buffer. */
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.buf = new Uint8Array(FLUSH_AT + 4096);
    this.dv = new DataView(this.buf.buffer);
    this.len = 0;
    return out;
  }
}

function checkTimestamp(ts: bigint): void {
  if (ts < 0n) throw new RangeError(`Cannot write record: timestamp ${ts} ns is before 1970`);
}

class BufferedWriter implements CaptureWriter {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #sink = new Sink();
  #format: CaptureFormat;
  #linkType: number;
  #raw: boolean;
  #application: string;
  #started = false;

  constructor(stream: WritableStream<Uint8Array>, options: CaptureWriterOptions) {
    this.#writer = stream.getWriter();
    this.#format = options.format ?? "pcapng";
    this.#linkType = options.linkType ?? LINKTYPE_VIOSCOPE;
    this.#raw = options.raw ?? false;
    this.#application = options.application ?? "vioscope";
    if (this.#format !== "pcap" && this.#format !== "pcapng" && this.#format !== "jsonl") {
      throw new TypeError(`Cannot write captures: unknown format "${this.#format}"`);
    }
  }

  #header(): void {
    this.#started = true;
    const s = this.#sink;
    if (this.#format === "pcap") {
      s.u32(0xa1b23c4d);
      s.u16(2);
      s.u16(4);
      s.u32(0);
      s.u32(0);
      s.u32(PCAP_SNAPLEN);
      s.u32(this.#linkType);
    } else if (this.#format === "pcapng") {
      const appl = encoder.encode(this.#application);
      const shbLen = 28 + 4 + ((appl.length + 3) & ~3) + 4;
      s.ensure(shbLen + 64);
      s.u32(0x0a0d0d0a);
      s.u32(shbLen);
      s.u32(0x1a2b3c4d);
      s.u16(1);
      s.u16(0);
      s.u32(0xffffffff);
      s.u32(0xffffffff);
      s.option(4, appl);
      s.u32(0);
      s.u32(shbLen);
      const name = encoder.encode("vioscope");
      const idbLen = 20 + 4 + 4 + (4 + ((name.length + 3) & ~3)) + 4;
      s.u32(1);
      s.u32(idbLen);
      s.u16(this.#linkType);
      s.u16(0);
      s.u32(0);
      s.option(9, new Uint8Array([9]));
      s.option(2, name);
      s.u32(0);
      s.u32(idbLen);
    }
  }

  write(r: CaptureRecord): Promise<void> {
    try {
      this.#encode(r);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#sink.len >= FLUSH_AT ? this.flush() : Promise.resolve();
  }

  #encode(r: CaptureRecord): void {
    if (!this.#started) this.#header();
    const s = this.#sink;
    if (this.#format === "jsonl") {
      const line = encoder.encode(recordToJsonLine(r) + "\n");
      s.ensure(line.length);
      s.bytes(line);
    } else {
      checkTimestamp(r.timestampNs);
      const hl = this.#raw ? 0 : PSEUDO_HEADER_LENGTH;
      const caplen = hl + r.data.length;
      const origLen = hl + Math.max(r.originalLength, r.data.length);
      if (this.#format === "pcap") {
        if (caplen > PCAP_SNAPLEN) {
          throw new RangeError(
            `Cannot write record: ${caplen} bytes exceed the pcap snap length ${PCAP_SNAPLEN}`,
          );
        }
        const sec = r.timestampNs / 1_000_000_000n;
        if (sec >= TWO32) {
          throw new RangeError(`Cannot write record: timestamp ${r.timestampNs} ns is after 2106`);
        }
        s.ensure(16 + caplen);
        const start = s.len;
        s.u32(Number(sec));
        s.u32(Number(r.timestampNs % 1_000_000_000n));
        this.#packet(r, hl, caplen, origLen, start);
      } else {
        const comment = r.comment === undefined ? undefined : encoder.encode(r.comment);
        const flags = r.sender === "driver" ? 2 : r.sender === "device" ? 1 : 0;
        let optLen = 0;
        if (flags) optLen += 8;
        if (comment) optLen += 4 + ((comment.length + 3) & ~3);
        if (comment && comment.length > 0xffff) {
          throw new RangeError(`Cannot write record: comment of ${comment.length} bytes exceeds 65535`);
        }
        if (optLen) optLen += 4;
        const len = 32 + ((caplen + 3) & ~3) + optLen;
        s.ensure(len);
        const start = s.len;
        s.u32(6);
        s.u32(len);
        s.u32(0);
        s.u32(Number(r.timestampNs >> 32n));
        s.u32(Number(r.timestampNs & 0xffffffffn));
        this.#packet(r, hl, caplen, origLen, start);
        s.pad();
        if (flags) {
          s.u16(2);
          s.u16(4);
          s.u32(flags);
        }
        if (comment) s.option(1, comment);
        if (optLen) s.u32(0);
        s.u32(len);
      }
    }
  }

  /**
   * Writes the lengths and the packet (pseudo-header + message) shared by pcap records and EPBs; a
   * pseudo-header that cannot be written rolls the record back to `start`.
   */
  #packet(r: CaptureRecord, hl: number, caplen: number, origLen: number, start: number): void {
    const s = this.#sink;
    s.u32(caplen);
    s.u32(origLen > 0xffffffff ? 0xffffffff : origLen);
    try {
      if (hl) writePseudoHeader(r, s.buf, s.len);
    } catch (e) {
      s.len = start;
      throw e;
    }
    s.len += hl;
    s.bytes(r.data);
  }

  async flush(): Promise<void> {
    if (!this.#started) this.#header();
    if (this.#sink.len === 0) return;
    await this.#writer.write(this.#sink.take());
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#writer.close();
  }
}

/**
 * Creates a writer of pcapng (SHB with shb_userappl, one IDB with if_tsresol 9 and if_name
 * "vioscope", EPBs with the pseudo-header, epb_flags direction and opt_comment), classic pcap
 * (ns magic, little-endian, snap length 262144; comments are lost) or JSON Lines.
 *
 * Reading what it wrote gives back every record's bytes, ns timestamp, kind, sender, channel,
 * correlation id, conduit and comment (except the comment for pcap, and everything but bytes,
 * timestamp and sender with `raw`).
 *
 * @example Writing pcapng to memory
 * ```ts
 * import { createCaptureWriter } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const chunks: Uint8Array[] = [];
 * const w = createCaptureWriter(new WritableStream({ write: (c) => void chunks.push(c) }));
 * await w.write(makeRecord(new Uint8Array([0, 4, 1, 16]), { protocol: "scmi", sender: "driver" }));
 * await w.close();
 * equal(chunks[0]![0], 0x0a); // Section Header Block
 * ```
 *
 * @param stream Where to write.
 * @param options Format, link type, raw mode and application name.
 * @returns The writer.
 */
export function createCaptureWriter(
  stream: WritableStream<Uint8Array>,
  options: CaptureWriterOptions = {},
): CaptureWriter {
  return new BufferedWriter(stream, options);
}
