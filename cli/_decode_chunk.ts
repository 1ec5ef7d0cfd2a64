/**
 * Decodes one chunk of a capture (see `lib/pcap/_capture_chunks.ts`) to summary lines on its own, as a
 * worker of `vioscope decode` does, and reports what the merge needs to make the result equal to
 * decoding the whole file in order: the pairing "edges" of the chunk (responses that found no
 * request in it, the keys that saw a request, the requests still pending at its end).
 *
 * @internal @private
 * @module
 */
import { DecodeSession, defaultRegistry, type PairingStep, type Registry } from "../lib/codec/mod.ts";
import { ByteSink } from "../lib/format.ts";
import { readCaptureBytes } from "../lib/pcap/mod.ts";
import type { CaptureRecord, ProtocolTag } from "../lib/record.ts";
import {
  type ChunkEnv,
  type ChunkResult,
  type ChunkTask,
  emptyResult,
  type OrphanLine,
} from "./_decode_messages.ts";
import { recordLineTo } from "./_summary_line.ts";

let registry: Registry | undefined;
/** The protocols of the registry with a stream tracker. */
let trackedProtocols: ProtocolTag[] = [];

/**
 * A copy of a record with its own bytes (the chunk's buffer goes back to the main thread). Built
 * without `data` first and `data` added last: writing a copied record's `data` again would make
 * that field of the readers' records mutable for V8 and throw away the line path's optimized code.
 */
function detached(r: CaptureRecord): CaptureRecord {
  const { data, ...rest } = r;
  return { ...rest, data: data.slice() };
}

/**
 * The pairing edges of one chunk, gathered record by record: which keys saw a request, and the
 * first unpaired response per key when it came before any request with that key.
 */
class Edges {
  /** Per protocol: pairing keys that saw a request, keys whose unpaired response was reported. */
  readonly #requested = new Map<ProtocolTag, Set<string>>();
  readonly #orphaned = new Map<ProtocolTag, Set<string>>();
  /** The last protocol's sets (records run in streaks of one protocol). */
  #protocol: ProtocolTag | undefined;
  #req: Set<string> = new Set();
  readonly orphans: OrphanLine[] = [];
  maxPending = 0;

  /** Notes one record's pairing step; `start`/`end` span its line. */
  note(
    step: PairingStep,
    session: DecodeSession,
    no: number,
    start: number,
    end: number,
    r: CaptureRecord,
  ): void {
    const protocol = step.protocol;
    if (protocol !== this.#protocol) {
      this.#protocol = protocol;
      this.#req = setOf(this.#requested, protocol);
    }
    const req = this.#req;
    const key = step.key;
    if (step.response && !step.paired && !req.has(key)) this.#orphan(protocol, key, no, start, end, r);
    if (step.request) {
      req.add(key);
      const n = session.pendingCount;
      if (n > this.maxPending) this.maxPending = n;
    }
  }

  /**
   * The keys that saw a request, per protocol. (Listed at the chunk's end, not as they came: the first
   * push of each chunk's new array met another map than the optimized code of the loop knew.)
   */
  requestKeys(): [ProtocolTag, string][] {
    const keys: [ProtocolTag, string][] = [];
    for (const [protocol, set] of this.#requested) for (const key of set) keys.push([protocol, key]);
    return keys;
  }

  #orphan(
    protocol: ProtocolTag,
    key: string,
    no: number,
    start: number,
    end: number,
    r: CaptureRecord,
  ): void {
    const orph = setOf(this.#orphaned, protocol);
    if (orph.has(key)) return;
    orph.add(key);
    this.orphans.push({ protocol, key, no, start, end, record: detached(r) });
  }
}

/**
 * Whether `p` is in the short list `list` (a loop the JIT inlines: mixed captures switch protocol
 * at almost every record, and `includes` was a builtin call each time).
 */
function isOneOf(p: ProtocolTag, list: readonly ProtocolTag[]): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === p) return true;
  return false;
}

function setOf(m: Map<ProtocolTag, Set<string>>, p: ProtocolTag): Set<string> {
  let k = m.get(p);
  if (!k) m.set(p, k = new Set());
  return k;
}

/**
 * The reader's record sink for a chunk: writes each record's line as soon as the record is read, so
 * that no record outlives its line. (Read into an array first, a chunk's thousands of records lived
 * until its end: they survived the young generation's collections, which copied them each time,
 * and the heap learned to allocate them in the old generation.)
 */
class ChunkLines {
  /** The protocols with a stream tracker. */
  readonly #tracked: ProtocolTag[];
  readonly #session: DecodeSession;
  readonly #sink: ByteSink;
  readonly #edges: Edges;
  readonly #t0: bigint;
  readonly #allEvents: boolean;
  readonly #step: PairingStep = {
    protocol: "virtio-msg",
    key: "",
    response: false,
    paired: false,
    request: false,
  };
  /** Number of the last record written. */
  no: number;
  /** A record of a protocol with a stream tracker came (only the merge may decode those, in order). */
  tracked = false;
  /** The protocol of the last record, and whether it has a stream tracker. */
  #protocol: ProtocolTag | undefined;
  #trackedProtocol = false;

  constructor(
    tracked: ProtocolTag[],
    session: DecodeSession,
    sink: ByteSink,
    edges: Edges,
    first: number,
    t0: bigint,
    allEvents: boolean,
  ) {
    this.#tracked = tracked;
    this.#session = session;
    this.#sink = sink;
    this.#edges = edges;
    this.no = first - 1;
    this.#t0 = t0;
    this.#allEvents = allEvents;
  }

  push(r: CaptureRecord): void {
    if (this.tracked || (r.annotation !== undefined && !this.#allEvents)) return;
    if (r.protocol !== this.#protocol) {
      this.#protocol = r.protocol;
      this.#trackedProtocol = r.protocol !== undefined && isOneOf(r.protocol, this.#tracked);
    }
    if (this.#trackedProtocol) {
      this.tracked = true;
      return;
    }
    const no = ++this.no;
    const sink = this.#sink;
    const session = this.#session;
    const start = sink.off;
    recordLineTo(sink, session, no, r, this.#t0);
    const step = this.#step;
    if (session.lastPairing(step) !== undefined) this.#edges.note(step, session, no, start, sink.off, r);
  }
}

/**
 * Decodes a chunk with a fresh session, writing the summary lines exactly as `vioscope decode`
 * does, numbered from `task.first` with `task.t0`.
 * @param task The chunk.
 * @param env Options of the run.
 * @returns The lines and the pairing edges.
 */
export function decodeChunk(task: ChunkTask, env: ChunkEnv): ChunkResult {
  if (registry === undefined) {
    registry = defaultRegistry();
    trackedProtocols = registry.codecs().filter((c) => c.spec.tracker).map((c) => c.tag);
  }
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
  const failed = (e: unknown): ChunkResult => {
    result.status = "error";
    result.error = e instanceof Error ? e.message : String(e);
    return result;
  };
  const edges = new Edges();
  const lines = new ChunkLines(trackedProtocols, session, sink, edges, task.first, task.t0, env.allEvents);
  try {
    readCaptureBytes(new Uint8Array(task.buffer, 0, task.length), lines, {
      uri: env.uri,
      decodeAs: env.decodeAs,
    });
  } catch (e) {
    // Damage (the merge has the capture reader decode from the chunk's start and report it), or
    // decoding threw.
    return failed(e);
  }
  if (lines.tracked) {
    result.status = "tracker";
    return result;
  }
  result.orphans = edges.orphans;
  result.requestKeys = edges.requestKeys();
  result.maxPending = edges.maxPending;
  const pending = session.pendingRecords();
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i]!;
    result.pending.push({ protocol: p.protocol, key: p.key, record: detached(p.record) });
  }
  result.numbered = lines.no - (task.first - 1);
  result.out = sink.buf.buffer as ArrayBuffer;
  result.outLength = sink.off;
  return result;
}
