/**
 * Cuts a pcap or pcapng file into chunks at block (pcapng) or record (pcap) boundaries, so that
 * each chunk can be parsed on its own: every chunk is preceded by the "preamble" that the reader
 * needs to parse it — the Section Header Block and the Interface Description Blocks of its section
 * (pcapng), or the 24-byte file header (pcap). Only block headers are read here; the chunks are
 * parsed for real by whoever decodes them (the capture reader, which reports any damage the walk
 * stops at). Used by `vioscope decode --threads`.
 *
 * @internal @private
 * @module
 */
import type { ProtocolTag } from "../record.ts";
import { LINKTYPE_USER0, LINKTYPE_USER15 } from "../record.ts";
import { ANNOTATION_PROTOCOL_CODE, pseudoHeaderLengthAt } from "./pseudo_header.ts";
import { MAX_CAPTURED_LENGTH } from "./_packet_record.ts";
import { MAX_BLOCK_LENGTH } from "./_pcapng_parser.ts";

/** A piece of a capture file that parses on its own. */
export interface CaptureChunk {
  /** Discriminant. */
  kind: "chunk";
  /** Byte offset in the file of the chunk's first block or record. */
  offset: number;
  /** The preamble, then the chunk's blocks; only the first `length` bytes count. */
  buffer: ArrayBufferLike;
  /** Bytes used in `buffer`. */
  length: number;
  /** Length of the preamble at the start of `buffer`. */
  preambleLength: number;
  /** Packet blocks (EPB, SPB, PB) or pcap records in the chunk. */
  records: number;
  /** Of those, annotation records (vioscope pseudo-header protocol 255). */
  annotations: number;
}

/**
 * Where cutting stopped before the end of the file: a block or record that is damaged, cut short
 * by the end of the file, or not followed here. The reader must take over from this offset.
 */
export interface CaptureRest {
  /** Discriminant. */
  kind: "rest";
  /** Byte offset in the file. */
  offset: number;
}

/** Options for {@linkcode captureChunks}. */
export interface CaptureChunkOptions {
  /**
   * Bytes read per chunk (a chunk holds a little more or less: whole blocks only).
   * @default {1048576}
   */
  chunkSize?: number;
  /**
   * The `--decode-as` table: packets of these link types are bare messages, never annotations.
   * @default {undefined}
   */
  decodeAs?: ReadonlyMap<number, ProtocolTag>;
  /**
   * Buffers to reuse for the chunks (the caller puts back the buffers of chunks it is done with);
   * a chunk takes one that is large enough, else a new one is made.
   * @default {undefined}
   */
  reuse?: ArrayBufferLike[];
  /**
   * Make new buffers SharedArrayBuffers: chunks handed to workers that way are never transferred, so
   * none of them is ever detached (V8's optimized code then checks no typed-array access for it).
   * @default {false}
   */
  shared?: boolean;
}

/** Something to read bytes from (a `Deno.FsFile`). */
export interface ByteSource {
  /** Reads into `p`; the number of bytes read, or null at the end. */
  read(p: Uint8Array): Promise<number | null>;
}

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2;
const SPB = 3;
const EPB = 6;
const PCAP_HEADER = 24;
const PCAP_RECORD_HEADER = 16;
const EMPTY = new Uint8Array(0);

/** What the walk of one buffer found. */
interface Walk {
  /** End of the last complete block. */
  end: number;
  /** Bytes the next block needs from `end`, when it is incomplete. */
  need: number;
  /** The block at `end` is damaged (or not followed here). */
  damaged: boolean;
  records: number;
  annotations: number;
}

/** How an interface's packets are read: with vioscope's pseudo-header or not. */
interface Link {
  /** A USER0–15 link type not listed in decodeAs: packets may carry the pseudo-header. */
  pseudo: boolean;
  snapLen: number;
}

function isAnnotation(buf: Uint8Array, at: number, caplen: number): boolean {
  return pseudoHeaderLengthAt(buf, at, caplen) !== 0 && buf[at + 4] === ANNOTATION_PROTOCOL_CODE;
}

/** Block-walking state of one file. */
class Cutter {
  /** The bytes every chunk after the current position needs in front of it. */
  preamble: Uint8Array = EMPTY;
  #format: "pcap" | "pcapng" | undefined;
  #decodeAs: ReadonlyMap<number, ProtocolTag> | undefined;
  // pcapng
  #le = true;
  #section = false;
  #skip = false;
  #links: Link[] = [];
  // pcap
  #link: Link | undefined;
  #maxCaplen = MAX_CAPTURED_LENGTH;

  constructor(decodeAs: ReadonlyMap<number, ProtocolTag> | undefined) {
    this.#decodeAs = decodeAs;
  }

  #linkOf(linkType: number, snapLen: number): Link {
    return {
      pseudo: linkType >= LINKTYPE_USER0 && linkType <= LINKTYPE_USER15 && !this.#decodeAs?.has(linkType),
      snapLen,
    };
  }

  /** Walks the complete blocks of `buf` from `pos`. */
  walk(buf: Uint8Array, pos: number): Walk {
    const w: Walk = { end: pos, need: 0, damaged: false, records: 0, annotations: 0 };
    if (this.#format === undefined) {
      if (buf.length - pos < 4) {
        w.need = 4;
        return w;
      }
      const magic = (buf[pos]! << 24 | buf[pos + 1]! << 16 | buf[pos + 2]! << 8 | buf[pos + 3]!) >>> 0;
      if (magic === SHB) this.#format = "pcapng";
      else if (magic === 0xd4c3b2a1 || magic === 0xa1b2c3d4 || magic === 0x4d3cb2a1 || magic === 0xa1b23c4d) {
        this.#format = "pcap";
      } else {
        w.damaged = true;
        return w;
      }
    }
    if (this.#format === "pcapng") this.#walkPcapng(buf, w);
    else this.#walkPcap(buf, w);
    return w;
  }

  #walkPcapng(buf: Uint8Array, w: Walk): void {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = buf.length;
    let pos = w.end;
    while (true) {
      const left = n - pos;
      if (left < 12) {
        w.need = 12;
        break;
      }
      const type = dv.getUint32(pos, this.#le);
      let le = this.#le;
      if (type === SHB) {
        const magic = dv.getUint32(pos + 8, true);
        if (magic === 0x1a2b3c4d) le = true;
        else if (magic === 0x4d3c2b1a) le = false;
        else {
          w.damaged = true;
          break;
        }
      } else if (!this.#section) {
        w.damaged = true;
        break;
      }
      const len = dv.getUint32(pos + 4, le);
      const min = type === SHB ? 28 : type === EPB || type === PB ? 32 : type === IDB ? 20 : 16;
      if (len < min || len % 4 !== 0 || len > MAX_BLOCK_LENGTH) {
        w.damaged = true;
        break;
      }
      if (left < len) {
        w.need = len;
        break;
      }
      if (type === SHB) {
        this.#le = le;
        this.#section = true;
        this.#skip = dv.getUint16(pos + 12, le) !== 1;
        this.#links = [];
        this.preamble = buf.slice(pos, pos + len);
      } else if (type === IDB) {
        this.#links.push(this.#linkOf(dv.getUint16(pos + 8, le), dv.getUint32(pos + 12, le)));
        const p = new Uint8Array(this.preamble.length + len);
        p.set(this.preamble);
        p.set(buf.subarray(pos, pos + len), this.preamble.length);
        this.preamble = p;
      } else if ((type === EPB || type === PB || type === SPB) && !this.#skip) {
        w.records++;
        let link: Link | undefined;
        let at: number;
        let caplen: number;
        if (type === SPB) {
          link = this.#links[0];
          at = pos + 12;
          caplen = Math.min(dv.getUint32(pos + 8, le), len - 16);
          if (link && link.snapLen !== 0 && caplen > link.snapLen) caplen = link.snapLen;
        } else {
          link = this.#links[type === EPB ? dv.getUint32(pos + 8, le) : dv.getUint16(pos + 8, le)];
          at = pos + 28;
          caplen = dv.getUint32(pos + 20, le);
          if (caplen > len - 32) link = undefined; // damaged: the reader will say so
        }
        if (link?.pseudo && isAnnotation(buf, at, caplen)) w.annotations++;
      }
      pos += len;
    }
    w.end = pos;
  }

  #walkPcap(buf: Uint8Array, w: Walk): void {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = buf.length;
    let pos = w.end;
    if (this.#link === undefined) {
      if (n - pos < PCAP_HEADER) {
        w.need = PCAP_HEADER;
        return;
      }
      const magic = dv.getUint32(pos, true);
      this.#le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
      if (dv.getUint16(pos + 4, this.#le) !== 2) {
        w.damaged = true;
        return;
      }
      const snapLen = dv.getUint32(pos + 16, this.#le);
      this.#link = this.#linkOf(dv.getUint32(pos + 20, this.#le) & 0xffff, snapLen);
      this.#maxCaplen = snapLen !== 0 && snapLen < MAX_CAPTURED_LENGTH ? snapLen : MAX_CAPTURED_LENGTH;
      this.preamble = buf.slice(pos, pos + PCAP_HEADER);
      pos += PCAP_HEADER;
    }
    const link = this.#link;
    while (true) {
      const left = n - pos;
      if (left < PCAP_RECORD_HEADER) {
        w.need = PCAP_RECORD_HEADER;
        break;
      }
      const caplen = dv.getUint32(pos + 8, this.#le);
      if (caplen > this.#maxCaplen) {
        w.damaged = true;
        break;
      }
      const len = PCAP_RECORD_HEADER + caplen;
      if (left < len) {
        w.need = len;
        break;
      }
      w.records++;
      if (link.pseudo && isAnnotation(buf, pos + PCAP_RECORD_HEADER, caplen)) w.annotations++;
      pos += len;
    }
    w.end = pos;
  }
}

/**
 * A buffer of `size` bytes: a reused one when one is large enough, else a new one (shared or not)
 * with some slack.
 */
function buffer(size: number, reuse: ArrayBufferLike[] | undefined, shared: boolean): Uint8Array {
  while (reuse && reuse.length > 0) {
    const b = reuse.pop()!;
    if (b.byteLength >= size && !(b instanceof ArrayBuffer && b.detached)) return new Uint8Array(b, 0, size);
  }
  const n = size + (size >> 4);
  return new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n), 0, size);
}

/**
 * Reads a pcap or pcapng file and cuts it into chunks of whole blocks (records), each with the
 * preamble it needs in front; at most one chunk's bytes are held here at a time. Ends with a
 * {@linkcode CaptureRest} when it stops before the end of the file (damage, a block cut short by
 * the end of the file, or anything it does not follow): whoever reads the file must take over there
 * to report it as the capture reader does.
 *
 * @param file The file, positioned at its start.
 * @param options Chunk size and the `--decode-as` table.
 * @returns The chunks, then possibly where cutting stopped.
 */
export async function* captureChunks(
  file: ByteSource,
  options: CaptureChunkOptions = {},
): AsyncGenerator<CaptureChunk | CaptureRest, void, undefined> {
  const chunkSize = Math.max(1, options.chunkSize ?? 1024 * 1024);
  const cutter = new Cutter(options.decodeAs);
  let offset = 0;
  let carry: Uint8Array = EMPTY;
  let need = 0;
  let eof = false;
  while (true) {
    const pre = cutter.preamble;
    const buf = buffer(
      pre.length + Math.max(carry.length + chunkSize, need),
      options.reuse,
      options.shared ?? false,
    );
    buf.set(pre);
    buf.set(carry, pre.length);
    let filled = pre.length + carry.length;
    while (filled < buf.length && !eof) {
      const n = await file.read(buf.subarray(filled));
      if (n === null) eof = true;
      else filled += n;
    }
    const view = buf.subarray(0, filled);
    const w = cutter.walk(view, pre.length);
    // Taken before the chunk is handed out: its buffer may be transferred (detached) at once.
    carry = view.slice(w.end);
    need = w.need;
    const start = offset;
    offset += w.end - pre.length;
    if (w.end > pre.length) {
      yield {
        kind: "chunk",
        offset: start,
        buffer: buf.buffer,
        length: w.end,
        preambleLength: pre.length,
        records: w.records,
        annotations: w.annotations,
      };
    }
    if (w.damaged || (eof && carry.length > 0)) {
      yield { kind: "rest", offset };
      return;
    }
    if (eof) return;
  }
}
