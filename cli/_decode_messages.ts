/**
 * What the main thread and the workers of parallel `vioscope decode` send each other (see
 * `_decode_chunk.ts` and `_decode_pool.ts`). Only types and one constructor: the main thread loads
 * this without the codecs.
 *
 * The chunks and the lines travel in SharedArrayBuffers, and nothing is transferred: none of the
 * run's buffers is ever detached. Once V8 has given up its assumption that no buffer is detached (a
 * buffer in a `postMessage` transfer list, or a resizable one shrunk, does it), its optimized code
 * checks every typed-array access for it; in one isolate, decoding the 1M-message benchmark file
 * took about 0.8 billion instructions more that way (docs/benchmarks.md). (Deno's `postMessage`
 * detaches the buffer it serializes a message into, and `ArrayBuffer.prototype.transfer` detaches
 * its buffer: neither gives the assumption up in Deno 2.9.6. `_decode_worker.ts` does the latter at
 * its start, so that the former throws away no optimized code.)
 *
 * @internal @private
 * @module
 */
import type { DecodeSessionOptions, PendingRecord } from "../lib/codec/mod.ts";
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
  /** The preamble and the chunk (`length` bytes used): a SharedArrayBuffer in a run (never transferred). */
  buffer: ArrayBufferLike;
  /** Bytes used in `buffer`. */
  length: number;
  /** Number of the chunk's first numbered record, assumed. */
  first: number;
  /** Timestamp of the capture's first numbered record. */
  t0: bigint;
  /** A buffer to write the lines into (the output of an earlier chunk, handed back), if any. */
  spare?: ArrayBufferLike;
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
  input: ArrayBufferLike;
  /** The summary lines (`outLength` bytes used): a SharedArrayBuffer when the task's buffer is one. */
  out: ArrayBufferLike;
  /** Bytes used in `out`. */
  outLength: number;
  /** Records numbered (and printed). */
  numbered: number;
  /** For each pairing key: the first response that found no request, if it came before any request. */
  orphans: OrphanLine[];
  /** Pairing keys that saw a request in the chunk, as `[protocol, key]`. */
  requestKeys: [ProtocolTag, string][];
  /**
   * Requests pending at the end of the chunk, oldest first, as the session lists them (each record
   * with its own copy of the bytes), for `DecodeSession.addPending` of the merge.
   */
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
export function emptyResult(id: number, input: ArrayBufferLike, out: ArrayBufferLike): ChunkResult {
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
