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
import { ByteSink, columnBytes } from "../lib/format.ts";
import { channelAt, type PacketRef, PSEUDO_CONDUITS, readCaptureBytes } from "../lib/pcap/mod.ts";
import {
  type CaptureRecord,
  type Channel,
  type Conduit,
  MESSAGE_KINDS,
  type MessageKind,
  PROTOCOL_TAGS,
  type ProtocolTag,
  SIDES,
} from "../lib/record.ts";
import {
  type ChunkEnv,
  type ChunkResult,
  type ChunkTask,
  emptyResult,
  type OrphanLine,
} from "./_decode_messages.ts";
import { recordLineTo } from "./_summary_line.ts";

let registry: Registry | undefined;
/**
 * The session of the last chunk and the options it was made with: the next chunk with the same
 * options starts from it, reset (see `DecodeSession.reset`).
 */
let lastSession: { options: ChunkEnv["session"]; session: DecodeSession } | undefined;
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

  /**
   * Notes one record's pairing step; true when it is a response without its request in this chunk
   * so far (then call {@linkcode orphan} with its record).
   */
  note(step: PairingStep, session: DecodeSession): boolean {
    const protocol = step.protocol;
    if (protocol !== this.#protocol) {
      this.#protocol = protocol;
      this.#req = setOf(this.#requested, protocol);
    }
    const req = this.#req;
    const key = step.key;
    if (step.response && !step.paired && !req.has(key)) return true;
    if (step.request) {
      req.add(key);
      const n = session.pendingCount;
      if (n > this.maxPending) this.maxPending = n;
    }
    return false;
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

  /**
   * Reports a response without its request (the first per key): its line spans `start`–`end`.
   * @param step Its pairing step.
   * @param no Its record number.
   * @param start Where its line starts in the chunk's output.
   * @param end Where it ends.
   * @param r Its record.
   */
  orphan(step: PairingStep, no: number, start: number, end: number, r: CaptureRecord): void {
    const { protocol, key } = step;
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
  /** Lines written by {@linkcode packet}. */
  packets = 0;
  /** The protocol of the last record, and whether it has a stream tracker. */
  #protocol: ProtocolTag | undefined;
  #trackedProtocol = false;
  /** `t0` as two 32-bit halves (see {@linkcode packet}). */
  readonly #t0Hi: number;
  readonly #t0Lo: number;
  /** The record head of the packet being written, filled again for each. */
  readonly #head: {
    protocol: ProtocolTag;
    kind: MessageKind;
    conduit: Conduit | undefined;
    channel: Channel;
    correlationId: number | undefined;
  } = {
    protocol: "virtio-msg",
    kind: "unknown",
    conduit: undefined,
    channel: {},
    correlationId: undefined,
  };
  /** Shared by the chunks of a run (see {@linkcode columns}). */
  readonly #columns = columns;

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
    this.#t0Hi = Number(t0 >> 32n);
    this.#t0Lo = Number(t0 & 0xffffffffn);
    this.#allEvents = allEvents;
  }

  push(r: CaptureRecord): void {
    if (this.tracked || (r.annotation !== undefined && !this.#allEvents)) return;
    if (this.#stops(r.protocol)) return;
    const no = ++this.no;
    const start = this.#sink.off;
    recordLineTo(this.#sink, this.#session, no, r, this.#t0);
    this.#noteEdges(no, start, r, undefined);
  }

  /**
   * Writes the line of a packet straight from the chunk's bytes, without building its record, when
   * its codec's line path takes the message (see `DecodeSession.summaryLineAt`); the same bytes as
   * {@linkcode push} of its record. False, with nothing written or changed, hands the packet back
   * to the parser, which builds its record and pushes it.
   */
  packet(p: PacketRef): boolean {
    if (this.tracked) return true;
    const b = p.buf;
    const at = p.at;
    const code = b[at + 4]!;
    const protocol = PROTOCOL_TAGS[code - 1]!;
    if (this.#stops(protocol)) return true;
    // The time column as a double: exact below 2^53 ns (`summaryPrefixNs`), else the record's path.
    const ns = (p.tsHi - this.#t0Hi) * 4294967296 + (p.tsLo - this.#t0Lo);
    if (!(ns >= 0 && ns < Number.MAX_SAFE_INTEGER)) return false;
    const dv = p.dv;
    const d = b[at + 5]!;
    const present = b[at + 6]!;
    const head = this.#head;
    head.protocol = protocol;
    head.kind = MESSAGE_KINDS[d & 3]!;
    head.conduit = PSEUDO_CONDUITS[(d >>> 4) & 3];
    const entry = this.#columns.get(code | ((d & 0x0c) << 8) | ((present & 31) << 16), b, dv, at);
    head.channel = entry.channel;
    head.correlationId = present & 32 ? dv.getUint32(at + 20, true) : undefined;
    const sink = this.#sink;
    const start = sink.off;
    const no = this.no + 1;
    sink.summaryPrefixNs(no, ns, entry.columns);
    if (!this.#session.summaryLineAt(head, b, at + p.headerLength, at + p.length, sink, p)) {
      sink.off = start;
      return false;
    }
    sink.newline();
    this.no = no;
    this.packets++;
    this.#noteEdges(no, start, undefined, p);
    return true;
  }

  /**
   * Whether the chunk stops at a record of `protocol`: one with a stream tracker (only the merge may
   * decode those, in order). Sets `tracked`.
   */
  #stops(protocol: ProtocolTag | undefined): boolean {
    if (protocol !== this.#protocol) {
      this.#protocol = protocol;
      this.#trackedProtocol = protocol !== undefined && isOneOf(protocol, this.#tracked);
    }
    if (this.#trackedProtocol) this.tracked = true;
    return this.#trackedProtocol;
  }

  /**
   * Notes the pairing step of the line just written (from `start`) in the chunk's edges; the record
   * is `r`, or built from `p` when an orphan needs it.
   */
  #noteEdges(no: number, start: number, r: CaptureRecord | undefined, p: PacketRef | undefined): void {
    const step = this.#step;
    if (this.#session.lastPairing(step) !== undefined && this.#edges.note(step, this.#session)) {
      this.#edges.orphan(step, no, start, this.#sink.off, r ?? p!.record());
    }
  }
}

/** The channel and columns of one kind of pseudo-header (protocol, sender, channel ids). */
interface ColumnEntry {
  /** Protocol code, sender bits and present bits (see `ChunkColumns.get`). */
  kind: number;
  /** The pseudo-header's channel ids, as written (present or not; all small integers). */
  bus: number;
  device: number;
  src: number;
  dst: number;
  queue: number;
  /** The record's channel (shared: only read). */
  channel: Channel;
  /** Direction, protocol and channel columns. */
  columns: Uint8Array;
}

/**
 * The channel and columns of the last few kinds of pseudo-header, found by comparing its fields (a
 * capture has a handful of channels; records alternate between them).
 */
class ChunkColumns {
  readonly #entries: ColumnEntry[] = [];
  #next = 0;
  #last: ColumnEntry | undefined;

  /**
   * The entry of the pseudo-header at `at`.
   * @param kind Its protocol code, sender bits (`byte5 & 0x0c`, shifted by 8) and present bits (by 16).
   * @param b The buffer.
   * @param dv A DataView of all of `b`.
   * @param at Where the pseudo-header starts.
   * @returns The entry.
   */
  get(kind: number, b: Uint8Array, dv: DataView, at: number): ColumnEntry {
    // Five 16-bit ids (31-bit small integers everywhere: no field ever holds a heap number).
    const bus = dv.getUint16(at + 8, true);
    const device = dv.getUint16(at + 10, true);
    const src = dv.getUint16(at + 12, true);
    const dst = dv.getUint16(at + 14, true);
    const queue = dv.getUint16(at + 16, true);
    const last = this.#last;
    if (
      last !== undefined && last.kind === kind && last.bus === bus && last.device === device &&
      last.src === src && last.dst === dst && last.queue === queue
    ) return last;
    const entries = this.#entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (
        e.kind === kind && e.bus === bus && e.device === device && e.src === src && e.dst === dst &&
        e.queue === queue
      ) return this.#last = e;
    }
    const channel = channelAt(b, at, kind >>> 16);
    const sender = SIDES[(kind >>> 10) & 3] ?? "unknown";
    const e: ColumnEntry = {
      kind,
      bus,
      device,
      src,
      dst,
      queue,
      channel,
      columns: columnBytes(channel, sender, PROTOCOL_TAGS[(kind & 0xff) - 1]),
    };
    if (entries.length < 16) entries.push(e);
    else entries[this.#next++ & 15] = e;
    return this.#last = e;
  }
}

/**
 * The column cache of this thread, shared by its chunks: an entry depends only on the pseudo-header's
 * fields. (A new cache per chunk also met the first push into a new array in code optimized for
 * the last chunk's, and threw that code away.)
 */
const columns = new ChunkColumns();

/**
 * Decodes a chunk with a session of its own (new, or the last chunk's reset), writing the summary
 * lines exactly as `vioscope decode` does, numbered from `task.first` with `task.t0`.
 * @param task The chunk.
 * @param env Options of the run.
 * @param byPacket Write lines straight from the packets' bytes where the line path can (the
 *   default); false builds every record first (the same result: what the tests compare with).
 * @returns The lines and the pairing edges.
 */
export function decodeChunk(task: ChunkTask, env: ChunkEnv, byPacket = true): ChunkResult {
  if (registry === undefined) {
    registry = defaultRegistry();
    trackedProtocols = registry.codecs().filter((c) => c.spec.tracker).map((c) => c.tag);
  }
  // The last chunk's session, reset, when the options are the same (as in a worker's run).
  let session: DecodeSession;
  if (lastSession !== undefined && lastSession.options === env.session) {
    session = lastSession.session;
    session.reset();
  } else {
    session = new DecodeSession(registry, {
      ...env.session,
      tree: false,
      pairing: "needed",
      summaries: false,
    });
    lastSession = { options: env.session, session };
  }
  const sink = new ByteSink(0);
  // The lines go into the spare buffer, else a new one of the task's kind (shared in a run: see
  // `_decode_messages.ts`), with room for the usual chunk's lines (a little longer than its bytes).
  const size = Math.max(65536, task.length + (task.length >> 2));
  sink.buf = new Uint8Array(
    task.spare ??
      (task.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(size) : new ArrayBuffer(size)),
  );
  const result = emptyResult(task.id, task.buffer, sink.buf.buffer);
  const failed = (e: unknown): ChunkResult => {
    result.status = "error";
    result.error = e instanceof Error ? e.message : String(e);
    return result;
  };
  const edges = new Edges();
  const lines = new ChunkLines(trackedProtocols, session, sink, edges, task.first, task.t0, env.allEvents);
  try {
    readCaptureBytes(
      new Uint8Array(task.buffer, 0, task.length),
      byPacket ? lines : { push: (r) => lines.push(r) },
      {
        uri: env.uri,
        decodeAs: env.decodeAs,
      },
    );
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
    result.pending.push({ protocol: p.protocol, key: p.key, name: p.name, record: detached(p.record) });
  }
  result.numbered = lines.no - (task.first - 1);
  result.packets = lines.packets;
  result.out = sink.buf.buffer;
  result.outLength = sink.off;
  return result;
}
