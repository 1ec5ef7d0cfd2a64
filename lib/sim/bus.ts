/**
 * The loopback bus: takes driver-side records, decodes them, hands each message to the device model
 * of its protocol and encodes what the model answers into device-side records, with the same codecs
 * that decode captures.
 *
 * @module
 */
import { DecodeSession } from "../codec/session.ts";
import type { Registry } from "../codec/registry.ts";
import type { Message } from "../codec/types.ts";
import { defaultRegistry } from "../codec/protocols/mod.ts";
import { ffa } from "../codec/protocols/ffa.ts";
import type { CaptureRecord, ProtocolTag } from "../record.ts";
import type { DeviceModel, SimContext, SimOutput, SimProfile } from "./types.ts";

/** Options of a {@linkcode LoopbackBus}. */
export interface LoopbackBusOptions {
  /** Codecs (default: every built-in codec, FF-A included). */
  registry?: Registry;
  /** Dialects by protocol, as decode sessions take them. */
  dialects?: Readonly<Partial<Record<ProtocolTag, string>>>;
  /** Protocol options (`rpmbKey`, `vmsgFfaVersion`, ...) for decoding and encoding. */
  options?: Readonly<Record<string, unknown>>;
  /**
   * Also decode the device-side records in the bus's decode session, pairing each answer with its
   * request (`BusResult.answers`), as a decoder of the simulated trace would.
   * @default {false}
   */
  pairAnswers?: boolean;
}

/** One driver-side record and what the bus did with it. */
export interface BusResult {
  /** The decoded request (undefined when the protocol has no codec). */
  request: Message | undefined;
  /** Device-side records, in the order the models produced them. */
  records: CaptureRecord[];
  /** The device-side records decoded and paired (with `pairAnswers`). */
  answers?: (Message | undefined)[];
  /** The protocol of a record no model serves. */
  unrouted?: ProtocolTag;
}

/**
 * The registry the simulator uses: the default registry, plus the FF-A codec when the default does
 * not hold it yet.
 * @returns A registry.
 */
export function simRegistry(): Registry {
  const r = defaultRegistry();
  if (!r.get("ffa")) r.add(ffa);
  return r;
}

/** Routes driver-side records to device models and returns their answers as records. */
export class LoopbackBus {
  /** Codecs. */
  readonly registry: Registry;
  /** Models by protocol. */
  readonly models: Map<ProtocolTag, DeviceModel>;
  #session: DecodeSession;
  #dialects: Readonly<Partial<Record<ProtocolTag, string>>>;
  #options: Readonly<Record<string, unknown>>;
  #pair: boolean;

  /**
   * @param models The device models (one per protocol).
   * @param options Registry, dialects, protocol options.
   */
  constructor(models: Iterable<DeviceModel>, options: LoopbackBusOptions = {}) {
    this.registry = options.registry ?? simRegistry();
    this.models = new Map([...models].map((m) => [m.protocol, m]));
    this.#dialects = options.dialects ?? {};
    this.#options = options.options ?? {};
    this.#pair = options.pairAnswers ?? false;
    this.#session = this.#newSession();
  }

  #newSession(): DecodeSession {
    return new DecodeSession(this.registry, {
      dialects: this.#dialects,
      options: this.#options,
      tree: false,
      pairing: this.#pair ? "all" : "needed",
    });
  }

  /** Puts every model back in its power-on state. */
  reset(): void {
    for (const m of this.models.values()) m.reset();
    this.#session = this.#newSession();
  }

  /**
   * Sends one driver-side record through the bus.
   *
   * @example
   * ```ts
   * import { LoopbackBus, createVirtioMsgBus } from "./mod.ts";
   * import { makeRecord } from "../record.ts";
   * import { equal } from "node:assert/strict";
   * const bus = new LoopbackBus([createVirtioMsgBus()]);
   * const req = makeRecord(new Uint8Array([2, 3, 0, 0, 1, 0, 12, 0, 0xef, 0xbe, 0xad, 0xde]), {
   *   protocol: "virtio-msg", kind: "request", sender: "driver", timestampNs: 1000n,
   * });
   * const [rsp] = bus.send(req).records;
   * equal(rsp?.data[0], 3); // type | response
   * equal(rsp?.sender, "device");
   * equal(rsp?.timestampNs, 3000n);
   * ```
   *
   * @param record The record (its protocol must be set).
   * @returns The decoded request and the device-side records.
   */
  send(record: CaptureRecord): BusResult {
    const msg = this.#session.decode(record);
    if (!msg || !record.protocol) return { request: msg, records: [] };
    const model = this.models.get(record.protocol);
    if (!model) return { request: msg, records: [], unrouted: record.protocol };
    const ctx = this.#context(record);
    const records = model.handle(msg, ctx).map((o) => this.#toRecord(o, record));
    if (!this.#pair) return { request: msg, records };
    return { request: msg, records, answers: records.map((r) => this.#session.decode(r)) };
  }

  #context(record: CaptureRecord): SimContext {
    return {
      registry: this.registry,
      now: record.timestampNs,
      record,
      options: this.#options,
      deliver: (protocol: ProtocolTag, msg: Message, inner: CaptureRecord): SimOutput[] => {
        const m = this.models.get(protocol);
        if (!m) return [];
        return m.handle(msg, { ...this.#context(inner), now: record.timestampNs });
      },
    };
  }

  #cache = new Map<string, Uint8Array>();

  /** Encodes a model's message, memoised: the same description always encodes to the same bytes. */
  #encode(o: SimOutput): Uint8Array {
    const input = o.input ?? {};
    const key = cacheKey(o.protocol, input);
    let data = key === undefined ? undefined : this.#cache.get(key);
    if (data) return data;
    const codec = this.registry.get(o.protocol);
    if (!codec) throw new TypeError(`Cannot encode a simulated ${o.protocol} message: no codec`);
    data = codec.encodeMessage(input, {
      registry: this.registry,
      dialects: this.#dialects,
      options: this.#options,
    });
    if (key !== undefined) {
      if (this.#cache.size >= 8192) this.#cache.clear();
      this.#cache.set(key, data);
    }
    return data;
  }

  #toRecord(o: SimOutput, req: CaptureRecord): CaptureRecord {
    const data = o.bytes ?? this.#encode(o);
    const r: CaptureRecord = {
      timestampNs: req.timestampNs + (o.delayNs ?? 0n),
      protocol: o.protocol,
      kind: o.kind ?? o.input?.kind ?? "response",
      sender: o.sender ?? "device",
      channel: o.channel ?? req.channel,
      originalLength: data.length,
      data,
    };
    const conduit = o.conduit ?? (o.protocol === "ffa" ? req.conduit : undefined);
    if (conduit) r.conduit = conduit;
    const corr = o.correlationId ?? req.correlationId;
    if (corr !== undefined) r.correlationId = corr;
    return r;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function valueKey(v: unknown): string | undefined {
  switch (typeof v) {
    case "number":
      return "n" + v;
    case "bigint":
      return "b" + v;
    case "string":
      return "s" + JSON.stringify(v);
    case "boolean":
      return v ? "t" : "f";
    case "undefined":
      return "u";
    case "object": {
      if (v === null) return "z";
      if (v instanceof Uint8Array) {
        let s = "x";
        for (let i = 0; i < v.length; i++) s += HEX[v[i]!];
        return s;
      }
      let s = Array.isArray(v) ? "[" : "{";
      for (const [k, x] of Object.entries(v)) {
        const e = valueKey(x);
        if (e === undefined) return undefined;
        s += k + ":" + e + ",";
      }
      return s + "}";
    }
    default:
      return undefined;
  }
}

/** A memo key for a message description (undefined when a value cannot be keyed). */
function cacheKey(protocol: string, input: NonNullable<SimOutput["input"]>): string | undefined {
  const f = valueKey(input.fields ?? {});
  return f === undefined
    ? undefined
    : `${protocol}|${input.name ?? ""}|${input.kind ?? ""}|${input.dialect ?? ""}|${f}`;
}

/**
 * Builds a bus from device models (see {@linkcode createModels} in ./models.ts for a profile's).
 * @param models The models.
 * @param options Registry, dialects, options.
 * @returns The bus.
 */
export function createLoopbackBus(
  models: Iterable<DeviceModel>,
  options: LoopbackBusOptions = {},
): LoopbackBus {
  return new LoopbackBus(models, options);
}

/**
 * The protocol options a profile implies for decoding and encoding (the RPMB key).
 * @param profile The profile.
 * @returns Options (`rpmbKey` as bytes when the profile has a key).
 */
export function profileOptions(profile: SimProfile): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const key = profile.rpmb?.key;
  if (key) {
    const s = key.replace(/^0x/i, "");
    o["rpmbKey"] = new Uint8Array(s.match(/../g)!.map((x) => parseInt(x, 16)));
  }
  if (profile.rpmb?.emmc) o["rpmbEmmc"] = true;
  return o;
}
