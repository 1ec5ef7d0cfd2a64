/**
 * What the main thread and the workers of parallel `vioscope decode` send each other (see
 * `_decode_chunk.ts` and `_decode_pool.ts`). Only types and one constructor: the main thread loads
 * this without the codecs.
 *
 * @internal @private
 * @module
 */
import type { DecodeSessionOptions } from "../lib/codec/mod.ts";
import type { CaptureRecord, ProtocolTag } from "../lib/record.ts";

/** What every chunk of one run is decoded with. */
export interface ChunkEnv {
  /** The input's name (as the sequential reader is given it). */
  uri: string;
  /** The `--decode-as` table. */
  decodeAs: ReadonlyMap<number, ProtocolTag>;
  /** Dialects and protocol options (from `sessionOptions`). */
  session: Pick<DecodeSessionOptions, "dialects" | "options">;
  /** `--all-events`: annotation records are numbered and printed. */
  allEvents: boolean;
}

/** One chunk to decode. */
export interface ChunkTask {
  /** Task id, echoed in the result. */
  id: number;
  /** The preamble and the chunk (`length` bytes used). */
  buffer: ArrayBuffer;
  /** Bytes used in `buffer`. */
  length: number;
  /** Number of the chunk's first numbered record, assumed. */
  first: number;
  /** Timestamp of the capture's first numbered record. */
  t0: bigint;
  /** A buffer to write the lines into (the output of an earlier chunk, handed back), if any. */
  spare?: ArrayBuffer;
}

/** A response that found no request in its chunk, before any request with its key there. */
export interface OrphanLine {
  /** Protocol. */
  protocol: ProtocolTag;
  /** Pairing key. */
  key: string;
  /** Its record number. */
  no: number;
  /** Its line: from byte `start` to `end` of the output. */
  start: number;
  /** End of its line (exclusive). */
  end: number;
  /** The record (its own copy of the bytes). */
  record: CaptureRecord;
}

/** A request still waiting for its response at the end of the chunk. */
export interface PendingRecord {
  /** Protocol. */
  protocol: ProtocolTag;
  /** Pairing key. */
  key: string;
  /** The request's record (its own copy of the bytes). */
  record: CaptureRecord;
}

/** What decoding a chunk gives. */
export interface ChunkResult {
  /** The task's id. */
  id: number;
  /**
   * `ok`; `tracker` when the chunk holds a record of a protocol with a stream tracker (decoding
   * stopped there: only the merge may decode those, in order); `error` when parsing or decoding
   * threw.
   */
  status: "ok" | "tracker" | "error";
  /** The error message, for `error`. */
  error?: string;
  /** The task's buffer, handed back. */
  input: ArrayBuffer;
  /** The summary lines (`outLength` bytes used). */
  out: ArrayBuffer;
  /** Bytes used in `out`. */
  outLength: number;
  /** Records numbered (and printed). */
  numbered: number;
  /** For each pairing key: the first response that found no request, if it came before any request. */
  orphans: OrphanLine[];
  /** Pairing keys that saw a request in the chunk, as `[protocol, key]`. */
  requestKeys: [ProtocolTag, string][];
  /** Requests pending at the end of the chunk, oldest first. */
  pending: PendingRecord[];
  /** Most requests pending at once in the chunk. */
  maxPending: number;
  /** Lines written straight from the packets' bytes, without building their records. */
  packets: number;
}

/**
 * A result with nothing decoded yet (status `ok`).
 * @param id The task's id.
 * @param input The task's buffer, handed back.
 * @param out The buffer for the lines.
 * @returns The result.
 */
export function emptyResult(id: number, input: ArrayBuffer, out: ArrayBuffer): ChunkResult {
  return {
    id,
    status: "ok",
    input,
    out,
    outLength: 0,
    numbered: 0,
    orphans: [],
    requestKeys: [],
    pending: [],
    maxPending: 0,
    packets: 0,
  };
}

/**
 * Gives up, for this thread, V8's assumption that no ArrayBuffer is ever detached. The first
 * transfer of a chunk's buffers (`postMessage` with a transfer list) gives it up anyway, and V8 then
 * throws away all optimized code that relied on it: in a worker, that was about 30 functions of the
 * line path, right after its first chunk, each optimized again later. Giving it up before any code
 * is optimized costs nothing. (Shrinking a resizable buffer gives it up, as a transfer does.)
 */
export function expectDetachedBuffers(): void {
  new ArrayBuffer(8, { maxByteLength: 8 }).resize(0);
}
