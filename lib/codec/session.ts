/**
 * A decode session: decodes a stream of records in order, pairing responses with their requests
 * (per each protocol's declared `pairKey`) and running per-protocol stream trackers.
 *
 * @module
 */
import type { CaptureRecord, ProtocolTag } from "../record.ts";
import type { Registry } from "./registry.ts";
import type { Codec } from "./define_protocol.ts";
import type { BytesSink, SummarySink } from "./sink.ts";
import type { DecodeContext, Message, PairedRequest, RecordHead, StreamTracker } from "./types.ts";
import { PendingTable } from "./_pending.ts";

/** Options of a {@linkcode DecodeSession}. */
export interface DecodeSessionOptions {
  /** Dialects by protocol (`{ "virtio-msg": "rfc2" }`). */
  dialects?: Readonly<Partial<Record<ProtocolTag, string>>>;
  /** Protocol options (`rpmbKey`, `rpmbEmmc`, `vmsgFfaVersion`, ...). */
  options?: Readonly<Record<string, unknown>>;
  /**
   * Build field trees (needed for `-V`, `-x`, JSON); false is faster for summary lines.
   * @default {true}
   */
  tree?: boolean;
  /**
   * Most requests kept waiting for a response per protocol; the oldest are forgotten beyond it, so
   * memory stays flat on endless streams.
   * @default {4096}
   */
  maxPending?: number;
  /**
   * Pair every response with its request (`all`, sets `msg.request`), or only where a protocol needs
   * the request to decode the response (`needed`: FF-A returns), which is faster.
   * @default {"all"}
   */
  pairing?: "all" | "needed";
  /**
   * Compute `msg.summary` while decoding (default true). False leaves it empty; write it with
   * {@linkcode DecodeSession.summaryTo} (faster when the summary goes straight to output bytes).
   * @default {true}
   */
  summaries?: boolean;
}

/**
 * How the message of the last {@linkcode DecodeSession.decode} call took part in request/response
 * pairing (see {@linkcode DecodeSession.lastPairing}).
 */
export interface PairingStep {
  /** Protocol of the message. */
  protocol: ProtocolTag;
  /** Its pairing key. */
  key: string;
  /** It was a response that looked for its pending request. */
  response: boolean;
  /** It was a response that found its request (and was decoded with it). */
  paired: boolean;
  /** It was a request, now pending under `key`. */
  request: boolean;
}

/** Builds a record on demand (see {@linkcode DecodeSession.summaryLineAt}). */
export interface RecordBuilder {
  /** The record. */
  record(): CaptureRecord;
  /**
   * A builder of the same record that stays valid after the call it was passed to (the bytes it
   * refers to must stay valid until the record is built: see {@linkcode DecodeSession.summaryLineAt}).
   */
  keep(): RecordBuilder;
}

/** A request waiting for its response, undecoded (see {@linkcode DecodeSession.pendingRecords}). */
export interface PendingRecord {
  /** Protocol of the request. */
  protocol: ProtocolTag;
  /** Its pairing key. */
  key: string;
  /** The request's record. */
  record: CaptureRecord;
  /** Its message name. */
  name: string;
}

/** A request waiting for its response (see {@linkcode DecodeSession.pendingEntries}). */
export interface PendingRequest extends PendingRecord {
  /** The decoded request. */
  request: Message;
}

/** What `DecodeSession.summaryLine` keeps per protocol. */
interface LineState {
  codec: Codec;
  /** The decode context, reused (its record kind set per record). */
  ctx: DecodeContext;
  /** The protocol's pending requests. */
  pending: PendingTable<Pending>;
  /** Pairs by the decoded message (not by the record): such records need `decode`. */
  pairsDecoded: boolean;
}

/** A request waiting for its response. */
interface Pending extends PairedRequest {
  message: Message | undefined;
}

/**
 * A request the line path wrote without its record: the record is built when it is asked for (a
 * call is mostly answered before that, and then no record is ever built). Built anew each time, not
 * kept in a field: the first write of such a field, at a worker's first chunk end, changed the
 * field's constness and threw away the optimized code that relied on it.
 */
class LaterRequest implements Pending {
  readonly name: string;
  message: Message | undefined = undefined;
  readonly #builder: RecordBuilder;

  constructor(name: string, builder: RecordBuilder) {
    this.name = name;
    this.#builder = builder;
  }

  get record(): CaptureRecord {
    return this.#builder.record();
  }
}

/** The pairing key a protocol gives a request or response from its record alone, if it does. */
function recordKey(spec: Codec["spec"], record: RecordHead): string | undefined {
  return spec.recordPairKey && (record.kind === "request" || record.kind === "response")
    ? spec.recordPairKey(record)
    : undefined;
}

const LOOKED = 1;
const PAIRED = 2;
const REMEMBERED = 4;

/** Decodes records in capture order with pairing and stream state. */
export class DecodeSession {
  /** The registry. */
  readonly registry: Registry;
  #opts: DecodeSessionOptions;
  /** Requests waiting for their response; those written by `summaryLine` are decoded only when needed. */
  #pending = new Map<ProtocolTag, PendingTable<Pending>>();
  #trackers = new Map<ProtocolTag, StreamTracker | null>();
  #lastTag: ProtocolTag | undefined;
  #lastKey: string | undefined;
  #lastFlags = 0;
  #base: {
    registry: Registry;
    dialects: Readonly<Partial<Record<ProtocolTag, string>>>;
    options: Readonly<Record<string, unknown>>;
    tree: boolean;
    summary: boolean;
  };

  /**
   * @param registry Codecs.
   * @param options Dialects, options, tree.
   */
  constructor(registry: Registry, options: DecodeSessionOptions = {}) {
    this.registry = registry;
    this.#opts = options;
    this.#base = {
      registry,
      dialects: options.dialects ?? {},
      options: options.options ?? {},
      tree: options.tree ?? true,
      summary: options.summaries ?? true,
    };
  }

  /**
   * Forgets every pending request and all stream state: the session then decodes as a new one with
   * the same registry and options would. (`vioscope decode`'s workers start each chunk so: a new
   * session per chunk met its first records with code optimized for the last session's arrays, and
   * threw that code away.)
   */
  reset(): void {
    for (const pend of this.#pending.values()) pend.clear();
    this.#pendingTotal = 0;
    this.#trackers.clear();
    this.#lastTag = undefined;
    this.#lastKey = undefined;
    this.#lastFlags = 0;
  }

  /**
   * Writes a message's summary into a sink: `msg.summary` when it was computed, else the codec
   * writes it (see the `summaries` option).
   * @param out The sink.
   * @param msg A message this session decoded.
   */
  summaryTo(out: SummarySink, msg: Message): void {
    if (msg.summary || this.#base.summary) out.text(msg.summary);
    else this.registry.get(msg.protocol)!.summarizeTo(out, msg, undefined, this.registry);
  }

  /**
   * Decodes one record; undefined when its protocol is unknown or has no codec.
   * @param record The record.
   * @returns The message.
   */
  decode(record: CaptureRecord): Message | undefined {
    this.#lastKey = undefined;
    if (!record.protocol) return undefined;
    const codec = this.registry.get(record.protocol);
    if (!codec) return undefined;
    const base = this.#base;
    const spec = codec.spec;
    let msg: Message;
    const early = recordKey(spec, record);
    if (early !== undefined) {
      // The key is known before decoding: a response is decoded once, with its request.
      const pend = this.#pendingFor(codec);
      const entry = record.kind === "response" ? pend.get(early) : undefined;
      const req = entry ? this.#message(codec, entry) : undefined;
      if (req) {
        this.#forget(pend, early);
        msg = codec.decode(record, { ...base, request: req });
        msg.request = req;
      } else msg = codec.decode(record, base);
      if (msg.kind === "request") this.#remember(pend, early, { record, name: msg.name, message: msg });
      this.#step(codec.tag, early, record.kind === "response", req !== undefined, msg.kind === "request");
    } else {
      msg = codec.decode(record, base);
      msg = this.#pair(codec, record, msg);
    }
    let tracker = this.#trackers.get(codec.tag);
    if (tracker === undefined) {
      tracker = spec.tracker ? spec.tracker(this.#opts.options ?? {}) : null;
      this.#trackers.set(codec.tag, tracker);
    }
    if (tracker) {
      tracker.observe(msg);
      if (this.#base.summary) msg.summary = codec.summarize(msg);
    }
    return msg;
  }

  /**
   * Writes a record's summary (what {@linkcode summaryTo} writes after {@linkcode decode}) straight
   * from its bytes, when its codec can (a clean message of a layout the line path handles), keeping
   * the pairing state as `decode` would. Returns false, with nothing written, when the record needs
   * `decode`.
   * @param record The record.
   * @param out The sink (`vioscope decode`'s output bytes).
   * @returns Whether the summary was written.
   */
  summaryLine(record: CaptureRecord, out: BytesSink): boolean {
    const data = record.data;
    return this.#lineAt(record, data, 0, data.length, out, record, undefined);
  }

  /**
   * Like {@linkcode summaryLine} for a record that has not been built (`vioscope decode`'s workers
   * write lines straight from the capture's bytes): `head` has the record's protocol, kind and
   * pairing fields, its message is `data[start, stop)`, and `builder` builds the record when it is
   * needed. A request left waiting for its response keeps `builder.keep()`, and its record is built
   * when first asked for (decoding its response the long way, `pendingRecords`): the bytes must stay
   * valid until then, or until the request is answered or forgotten.
   * @param head The record's protocol, kind, conduit, channel and correlation id.
   * @param data Bytes holding the message.
   * @param start Where the message starts.
   * @param stop Where it ends.
   * @param out The sink.
   * @param builder Builds the record.
   * @returns Whether the summary was written.
   */
  summaryLineAt(
    head: RecordHead,
    data: Uint8Array,
    start: number,
    stop: number,
    out: BytesSink,
    builder: RecordBuilder,
  ): boolean {
    return this.#lineAt(head, data, start, stop, out, undefined, builder);
  }

  #lineAt(
    head: RecordHead,
    data: Uint8Array,
    start: number,
    stop: number,
    out: BytesSink,
    record: CaptureRecord | undefined,
    builder: RecordBuilder | undefined,
  ): boolean {
    this.#lastKey = undefined;
    const tag = head.protocol;
    if (!tag) return false;
    let line = this.#line;
    if (tag !== this.#lineTag) {
      // A handful of protocols, switching often (mixed captures): a search of a short array, as a
      // loop the JIT inlines (`indexOf` was a builtin call at almost every record).
      const tags = this.#lineTags;
      let i = 0;
      while (i < tags.length && tags[i] !== tag) i++;
      if (i < tags.length) line = this.#lineStates[i]!;
      else {
        line = this.#lineState(tag);
        this.#lineTags.push(tag);
        this.#lineStates.push(line);
      }
      this.#lineTag = tag;
      this.#line = line;
    }
    if (line === null) return false;
    const { codec, ctx } = line;
    const kind = head.kind;
    ctx.recordKind = kind;
    const at = out.off;
    const early = recordKey(codec.spec, head);
    if (early !== undefined) {
      const pend = line.pending;
      const entry = kind === "response" ? pend.get(early) : undefined;
      const name = codec.summaryLine(data, ctx, out, entry, start, stop);
      if (name === undefined) {
        out.off = at;
        return false;
      }
      if (entry) this.#forget(pend, early);
      if (kind === "request") {
        this.#remember(
          pend,
          early,
          record ? { record, name, message: undefined } : new LaterRequest(name, builder!.keep()),
        );
      }
      this.#step(tag, early, kind === "response", entry !== undefined, kind === "request");
      return true;
    }
    if (line.pairsDecoded) return false;
    if (codec.summaryLine(data, ctx, out, undefined, start, stop) !== undefined) return true;
    out.off = at;
    return false;
  }

  /** Per protocol: what `summaryLine` needs, or null when the protocol never takes the line path. */
  #lineTags: ProtocolTag[] = [];
  #lineStates: (LineState | null)[] = [];
  /** The protocol of the last `summaryLine` call and its entry (captures run in streaks). */
  #lineTag: ProtocolTag | undefined;
  #line: LineState | null = null;

  #lineState(tag: ProtocolTag): LineState | null {
    const codec = this.registry.get(tag);
    const base = this.#base;
    if (!codec || codec.spec.tracker || base.summary) return null;
    return {
      codec,
      ctx: {
        dialect: base.dialects[tag] || codec.defaultDialect,
        dialects: base.dialects,
        recordKind: "unknown",
        registry: base.registry,
        options: base.options,
        depth: 0,
        tree: false,
        summary: false,
      },
      pending: this.#pendingFor(codec),
      pairsDecoded: this.#pairsDecoded(codec.spec),
    };
  }

  #step(tag: ProtocolTag, key: string, response: boolean, paired: boolean, request: boolean): void {
    this.#lastTag = tag;
    this.#lastKey = key;
    this.#lastFlags = (response ? LOOKED : 0) | (paired ? PAIRED : 0) | (request ? REMEMBERED : 0);
  }

  /**
   * How the message of the last {@linkcode DecodeSession.decode} call took part in pairing: its key,
   * whether it was a response that looked for (and found) its request, or a request now pending.
   * Undefined when it took no part (no codec, no key, or a protocol that does not pair in this
   * session's `pairing` mode).
   *
   * @example An FF-A call and its return
   * ```ts
   * import { DecodeSession, defaultRegistry } from "../../mod.ts";
   * import { makeRecord } from "../record.ts";
   * import { equal } from "node:assert/strict";
   * const s = new DecodeSession(defaultRegistry(), { pairing: "needed" });
   * const frame = new Uint8Array(144);
   * new DataView(frame.buffer).setUint32(0, 0x84000063, true); // FFA_VERSION
   * const chan = { src: 1, dst: 2 };
   * s.decode(makeRecord(frame, { protocol: "ffa", kind: "request", channel: chan, conduit: "smc" }));
   * equal(s.lastPairing()?.request, true);
   * s.decode(makeRecord(frame, { protocol: "ffa", kind: "response", channel: { src: 2, dst: 1 }, conduit: "smc" }));
   * equal(s.lastPairing()?.paired, true);
   * ```
   *
   * @param into An object to fill in and return instead of a new one (no allocation per record).
   * @returns The pairing step, or undefined.
   */
  lastPairing(into?: PairingStep): PairingStep | undefined {
    const key = this.#lastKey;
    if (key === undefined) return undefined;
    const f = this.#lastFlags;
    const step = into ?? {} as PairingStep;
    step.protocol = this.#lastTag!;
    step.key = key;
    step.response = (f & LOOKED) !== 0;
    step.paired = (f & PAIRED) !== 0;
    step.request = (f & REMEMBERED) !== 0;
    return step;
  }

  /**
   * The requests waiting for their response, oldest first within each protocol (the order in which
   * they are forgotten beyond `maxPending`).
   * @returns The pending requests.
   */
  pendingEntries(): PendingRequest[] {
    return this.pendingRecords().map((p) => ({ ...p, request: this.pendingRequest(p.protocol, p.key)! }));
  }

  /**
   * Like {@linkcode pendingEntries} without decoding the requests: those `summaryLine` wrote stay
   * undecoded (a decode worker hands on only the records; decoding them there was wasted work, and
   * the first decode of each kind of message deoptimized the line path's code).
   * @returns The pending requests' records, in the same order.
   */
  pendingRecords(): PendingRecord[] {
    const out: PendingRecord[] = [];
    for (const [protocol, pend] of this.#pending) {
      for (const [key, e] of pend) out.push({ protocol, key, record: e.record, name: e.name });
    }
    return out;
  }

  /**
   * Adds a request waiting for its response without decoding it, as the line path leaves a request
   * it wrote: it is decoded only when needed (its response decoded the long way, or
   * {@linkcode pendingEntries}). `vioscope decode` hands on so the requests a worker's session left
   * pending (decoding them all on the main thread was cold work, mostly wasted).
   * @param p The request, as {@linkcode pendingRecords} of another session with the same options lists it.
   */
  addPending(p: PendingRecord): void {
    const codec = this.registry.get(p.protocol);
    if (codec) {
      this.#remember(this.#pendingFor(codec), p.key, { record: p.record, name: p.name, message: undefined });
    }
  }

  /**
   * The request pending under a pairing key.
   * @param protocol Protocol tag.
   * @param key Pairing key.
   * @returns The request, or undefined.
   */
  pendingRequest(protocol: ProtocolTag, key: string): Message | undefined {
    const e = this.#pending.get(protocol)?.get(key);
    return e ? this.#message(this.registry.get(protocol)!, e) : undefined;
  }

  /**
   * Whether a request is pending under a pairing key.
   * @param protocol Protocol tag.
   * @param key Pairing key.
   * @returns True when one is.
   */
  hasPending(protocol: ProtocolTag, key: string): boolean {
    return this.#pending.get(protocol)?.has(key) ?? false;
  }

  /** A pending request's message, decoded now if it was only written as a summary line. */
  #message(codec: Codec, e: Pending): Message {
    return e.message ??= codec.decode(e.record, this.#base);
  }

  /**
   * Forgets the request pending under a pairing key, as if its response had been seen.
   * @param protocol Protocol tag.
   * @param key Pairing key.
   * @returns Whether a request was pending.
   */
  forgetPending(protocol: ProtocolTag, key: string): boolean {
    const pend = this.#pending.get(protocol);
    return pend !== undefined && this.#forget(pend, key);
  }

  /** Requests waiting for their response, over all protocols. */
  get pendingCount(): number {
    return this.#pendingTotal;
  }
  /** Their number, kept as they come and go (read for every request by `vioscope decode`'s workers). */
  #pendingTotal = 0;

  /** Most requests kept waiting per protocol (the `maxPending` option). */
  get maxPending(): number {
    return this.#opts.maxPending ?? 4096;
  }

  /** Requests waiting for their response, per protocol. */
  #pendingFor(codec: Codec): PendingTable<Pending> {
    let pend = this.#pending.get(codec.tag);
    if (!pend) this.#pending.set(codec.tag, pend = new PendingTable());
    return pend;
  }

  #remember(pend: PendingTable<Pending>, key: string, e: Pending): void {
    this.#forget(pend, key);
    pend.add(key, e);
    this.#pendingTotal++;
    if (pend.size > this.maxPending) this.#forget(pend, pend.oldestKey()!);
  }

  /** Forgets a pending request, keeping the count; returns whether one was pending. */
  #forget(pend: PendingTable<Pending>, key: string): boolean {
    if (!pend.delete(key)) return false;
    this.#pendingTotal--;
    return true;
  }

  /** Whether this session pairs the protocol's messages by their decoded key (`pairKey`). */
  #pairsDecoded(spec: Codec["spec"]): boolean {
    return !!spec.pairKey && (this.#opts.pairing !== "needed" || !!spec.responseNeedsRequest);
  }

  #pair(codec: Codec, record: CaptureRecord, msg: Message): Message {
    const spec = codec.spec;
    const base = this.#base;
    if (this.#pairsDecoded(spec)) {
      const key = spec.pairKey!(msg);
      if (key !== undefined) {
        const pend = this.#pendingFor(codec);
        if (msg.kind === "request") {
          this.#remember(pend, key, { record, name: msg.name, message: msg });
          this.#step(codec.tag, key, false, false, true);
        } else if (msg.kind === "response") {
          const entry = pend.get(key);
          const req = entry ? this.#message(codec, entry) : undefined;
          if (req) {
            this.#forget(pend, key);
            if (spec.responseNeedsRequest) msg = codec.decode(record, { ...base, request: req });
            msg.request = req;
          }
          this.#step(codec.tag, key, true, req !== undefined, false);
        }
      }
    }
    return msg;
  }
}
