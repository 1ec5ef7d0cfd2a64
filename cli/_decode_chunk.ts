/**
 * Decodes one chunk of a capture (see `lib/pcap/_capture_chunks.ts`) to summary lines on its own, as a
 * worker of `vioscope decode` does, and reports what the merge needs to make the result equal to
 * decoding the whole file in order: the pairing "edges" of the chunk (responses that found no
 * request in it, the keys that saw a request, the requests still pending at its end).
 *
 * @internal @private
 * @module
 */
import {
  DecodeSession,
  type DecodeSessionOptions,
  defaultRegistry,
  type PairingStep,
  type Registry,
} from "../lib/codec/mod.ts";
import { ByteSink } from "../lib/format.ts";
import { readCaptureBytes } from "../lib/pcap/mod.ts";
import type { CaptureRecord, ProtocolTag } from "../lib/record.ts";
import { recordLineTo } from "./_summary_line.ts";

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
  };
}

let registry: Registry | undefined;

function detached(r: CaptureRecord): CaptureRecord {
  return { ...r, data: r.data.slice() };
}

/**
 * Decodes a chunk with a fresh session, writing the summary lines exactly as `vioscope decode`
 * does, numbered from `task.first` with `task.t0`.
 * @param task The chunk.
 * @param env Options of the run.
 * @returns The lines and the pairing edges.
 */
export function decodeChunk(task: ChunkTask, env: ChunkEnv): ChunkResult {
  registry ??= defaultRegistry();
  const reg = registry;
  const session = new DecodeSession(reg, {
    ...env.session,
    tree: false,
    pairing: "needed",
    summaries: false,
  });
  const sink = new ByteSink(task.spare ? 0 : Math.max(65536, task.length));
  if (task.spare) sink.buf = new Uint8Array(task.spare);
  const result = emptyResult(task.id, task.buffer, sink.buf.buffer as ArrayBuffer);
  /** Per protocol: pairing keys that saw a request, keys whose unpaired response was reported. */
  const requested = new Map<ProtocolTag, Set<string>>();
  const orphaned = new Map<ProtocolTag, Set<string>>();
  const keys = (m: Map<ProtocolTag, Set<string>>, p: ProtocolTag) => {
    let k = m.get(p);
    if (!k) m.set(p, k = new Set());
    return k;
  };
  const step = {} as PairingStep;
  let no = task.first - 1;
  const t0 = task.t0;
  const failed = (e: unknown): ChunkResult => {
    result.status = "error";
    result.error = e instanceof Error ? e.message : String(e);
    return result;
  };
  const batch: CaptureRecord[] = [];
  try {
    readCaptureBytes(new Uint8Array(task.buffer, 0, task.length), batch, {
      uri: env.uri,
      decodeAs: env.decodeAs,
    });
  } catch (e) {
    // Damage: the merge has the capture reader decode from the chunk's start and report it.
    return failed(e);
  }
  /** The protocol of the last record, and whether it has a stream tracker. */
  let protocol: ProtocolTag | undefined;
  let tracked = false;
  try {
    for (const r of batch) {
      if (r.annotation !== undefined && !env.allEvents) continue;
      if (r.protocol !== protocol) {
        protocol = r.protocol;
        tracked = protocol !== undefined && !!reg.get(protocol)?.spec.tracker;
      }
      if (tracked) {
        result.status = "tracker";
        return result;
      }
      no++;
      const start = sink.off;
      recordLineTo(sink, session, no, r, t0);
      if (session.lastPairing(step) === undefined) continue;
      const req = keys(requested, step.protocol);
      if (step.response && !step.paired && !req.has(step.key)) {
        const orph = keys(orphaned, step.protocol);
        if (!orph.has(step.key)) {
          orph.add(step.key);
          result.orphans.push({
            protocol: step.protocol,
            key: step.key,
            no,
            start,
            end: sink.off,
            record: detached(r),
          });
        }
      }
      if (step.request) {
        if (!req.has(step.key)) {
          req.add(step.key);
          result.requestKeys.push([step.protocol, step.key]);
        }
        const n = session.pendingCount;
        if (n > result.maxPending) result.maxPending = n;
      }
    }
  } catch (e) {
    return failed(e);
  }
  for (const p of session.pendingEntries()) {
    result.pending.push({ protocol: p.protocol, key: p.key, record: detached(p.record) });
  }
  result.numbered = no - (task.first - 1);
  result.out = sink.buf.buffer as ArrayBuffer;
  result.outLength = sink.off;
  return result;
}
