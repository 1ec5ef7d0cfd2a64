/**
 * A decode session: decodes a stream of records in order, pairing responses with their requests
 * (per each protocol's declared `pairKey`) and running per-protocol stream trackers.
 *
 * @module
 */
import type { CaptureRecord, ProtocolTag } from "../record.ts";
import type { Registry } from "./registry.ts";
import type { Codec } from "./define_protocol.ts";
import type { SummarySink } from "./sink.ts";
import type { Message, StreamTracker } from "./types.ts";

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

/** A request waiting for its response (see {@linkcode DecodeSession.pendingEntries}). */
export interface PendingRequest {
  /** Protocol of the request. */
  protocol: ProtocolTag;
  /** Its pairing key. */
  key: string;
  /** The decoded request. */
  request: Message;
}

const LOOKED = 1;
const PAIRED = 2;
const REMEMBERED = 4;

/** Decodes records in capture order with pairing and stream state. */
export class DecodeSession {
  /** The registry. */
  readonly registry: Registry;
  #opts: DecodeSessionOptions;
  #pending = new Map<ProtocolTag, Map<string, Message>>();
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
    const early = spec.recordPairKey && (record.kind === "request" || record.kind === "response")
      ? spec.recordPairKey(record)
      : undefined;
    if (early !== undefined) {
      // The key is known before decoding: a response is decoded once, with its request.
      const pend = this.#pendingFor(codec);
      const req = record.kind === "response" ? pend.get(early) : undefined;
      if (req) {
        pend.delete(early);
        msg = codec.decode(record, { ...base, request: req });
        msg.request = req;
      } else msg = codec.decode(record, base);
      if (msg.kind === "request") this.#remember(pend, early, msg);
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
   * @returns The pairing step, or undefined.
   */
  lastPairing(): PairingStep | undefined {
    const key = this.#lastKey;
    if (key === undefined) return undefined;
    const f = this.#lastFlags;
    return {
      protocol: this.#lastTag!,
      key,
      response: (f & LOOKED) !== 0,
      paired: (f & PAIRED) !== 0,
      request: (f & REMEMBERED) !== 0,
    };
  }

  /**
   * The requests waiting for their response, oldest first within each protocol (the order in which
   * they are forgotten beyond `maxPending`).
   * @returns The pending requests.
   */
  pendingEntries(): PendingRequest[] {
    const out: PendingRequest[] = [];
    for (const [protocol, pend] of this.#pending) {
      for (const [key, request] of pend) out.push({ protocol, key, request });
    }
    return out;
  }

  /**
   * The request pending under a pairing key.
   * @param protocol Protocol tag.
   * @param key Pairing key.
   * @returns The request, or undefined.
   */
  pendingRequest(protocol: ProtocolTag, key: string): Message | undefined {
    return this.#pending.get(protocol)?.get(key);
  }

  /**
   * Forgets the request pending under a pairing key, as if its response had been seen.
   * @param protocol Protocol tag.
   * @param key Pairing key.
   * @returns Whether a request was pending.
   */
  forgetPending(protocol: ProtocolTag, key: string): boolean {
    return this.#pending.get(protocol)?.delete(key) ?? false;
  }

  /** Requests waiting for their response, over all protocols. */
  get pendingCount(): number {
    let n = 0;
    for (const pend of this.#pending.values()) n += pend.size;
    return n;
  }

  /** Most requests kept waiting per protocol (the `maxPending` option). */
  get maxPending(): number {
    return this.#opts.maxPending ?? 4096;
  }

  /** Requests waiting for their response, per protocol. */
  #pendingFor(codec: Codec): Map<string, Message> {
    let pend = this.#pending.get(codec.tag);
    if (!pend) this.#pending.set(codec.tag, pend = new Map());
    return pend;
  }

  #remember(pend: Map<string, Message>, key: string, msg: Message): void {
    pend.delete(key);
    pend.set(key, msg);
    if (pend.size > this.maxPending) pend.delete(pend.keys().next().value!);
  }

  #pair(codec: Codec, record: CaptureRecord, msg: Message): Message {
    const spec = codec.spec;
    const base = this.#base;
    if (spec.pairKey && (this.#opts.pairing !== "needed" || spec.responseNeedsRequest)) {
      const key = spec.pairKey(msg);
      if (key !== undefined) {
        const pend = this.#pendingFor(codec);
        if (msg.kind === "request") {
          this.#remember(pend, key, msg);
          this.#step(codec.tag, key, false, false, true);
        } else if (msg.kind === "response") {
          const req = pend.get(key);
          if (req) {
            pend.delete(key);
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
