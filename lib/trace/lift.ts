/**
 * Lifting: trace events become capture records through a table of rules, one per event name. A
 * rule says which protocol message an event is (name, kind, sender, field values, channel); the
 * codec then builds the bytes with `encodeMessage`, so no wire layout lives here. Events without a
 * rule — and events whose rule fails — become annotation records, so nothing is dropped.
 *
 * @module
 */
import type { CaptureRecord, Channel, MessageKind, ProtocolTag, RecordSource, Side } from "../record.ts";
import type { RegistryLike } from "../codec/types.ts";
import { jsonArgs, toBigInt, type TraceEvent, type TraceValue } from "./trace_event.ts";

/** What a rule says an event is. */
export interface LiftedMessage {
  /** Protocol of the message. */
  protocol: ProtocolTag;
  /** Message name for `encodeMessage` (ignored when `data` is given). */
  name?: string;
  /** Request, response or event. */
  kind: MessageKind;
  /** Which side sent it. */
  sender: Side;
  /** Field values for `encodeMessage`. */
  fields?: Record<string, unknown>;
  /** Ready-made message bytes (for payloads printed whole, e.g. SCMI `pyld=`). */
  data?: Uint8Array;
  /** Where it travelled. */
  channel?: Channel;
  /** Correlation id. */
  correlationId?: number;
  /** A comment for the record. */
  comment?: string;
}

/** State a rule may use, shared by every rule of one lifter. */
export interface LiftContext {
  /**
   * A stable small number for a device key (a vdev pointer): the first key seen is 0, then 1, ...
   * @param key The key.
   * @returns The number.
   */
  deviceNumber(key: string): number;
  /** Free-form state for rules (virtqueue pointers, open transfers, ...), keyed by the rule's choice. */
  readonly state: Map<string, unknown>;
}

/**
 * A rule: returns the message(s) an event is; or `undefined` to keep the event as an annotation
 * (a rule may first normalise `event.args`, e.g. turn hex text into numbers or add a duration);
 * or throws to report that the event could not be lifted — it is then kept as an annotation with
 * the reason as its comment.
 */
export type LiftRule = (
  event: TraceEvent,
  ctx: LiftContext,
) => LiftedMessage | readonly LiftedMessage[] | undefined;

/** Rules by event name. */
export type LiftTable = Readonly<Record<string, LiftRule>>;

/** Options for {@linkcode Lifter}. */
export interface LifterOptions {
  /** Codecs that build the bytes. */
  registry: RegistryLike;
  /**
   * Dialects for encoding, by protocol.
   * @default {{}}
   */
  dialects?: Readonly<Partial<Record<ProtocolTag, string>>>;
  /**
   * Most distinct device keys numbered; further keys share the last number range (memory bound).
   * @default {65536}
   */
  maxDevices?: number;
}

/** Counts kept by a lifter. */
export interface LiftStats {
  /** Protocol messages made. */
  messages: number;
  /** Annotation records made. */
  annotations: number;
  /** Events whose rule failed (kept as annotations). */
  failed: number;
}

const encoder = new TextEncoder();

/**
 * Makes an annotation record: `data` is UTF-8 JSON `{"event": name, "args": {...}}`.
 *
 * @example
 * ```ts
 * import { annotationRecord } from "./lift.ts";
 * import { equal } from "node:assert/strict";
 * const r = annotationRecord({ name: "virtio_blk_handle_read", args: { sector: 0 } }, 5n);
 * equal(r.annotation, "virtio_blk_handle_read");
 * equal(new TextDecoder().decode(r.data), '{"event":"virtio_blk_handle_read","args":{"sector":0}}');
 * ```
 *
 * @param event The event.
 * @param timestampNs Its timestamp.
 * @param comment A comment, if any.
 * @returns The record.
 */
export function annotationRecord(event: TraceEvent, timestampNs: bigint, comment?: string): CaptureRecord {
  const data = encoder.encode(JSON.stringify({ event: event.name, args: jsonArgs(event.args) }));
  const r: CaptureRecord = {
    timestampNs,
    kind: "event",
    sender: "unknown",
    channel: {},
    data,
    originalLength: data.length,
    annotation: event.name,
  };
  if (comment !== undefined) r.comment = comment;
  return r;
}

/**
 * The one-line text of an annotation record: `name key=value ...` (what `decode --all-events`
 * prints).
 *
 * @example
 * ```ts
 * import { annotationRecord, annotationText } from "./lift.ts";
 * import { equal } from "node:assert/strict";
 * const r = annotationRecord({ name: "scmi_xfer_end", args: { seq: 145, status: 0 } }, 0n);
 * equal(annotationText(r), "scmi_xfer_end seq=145 status=0");
 * ```
 *
 * @param record An annotation record.
 * @returns The text.
 */
export function annotationText(record: CaptureRecord): string {
  const name = record.annotation ?? "annotation";
  try {
    const j = JSON.parse(new TextDecoder().decode(record.data)) as { args?: Record<string, unknown> };
    const args = Object.entries(j.args ?? {}).map(([k, v]) =>
      `${k}=${typeof v === "string" && /\s/.test(v) ? JSON.stringify(v) : String(v)}`
    );
    return args.length ? `${name} ${args.join(" ")}` : name;
  } catch {
    return `${name} ${new TextDecoder().decode(record.data)}`;
  }
}

/**
 * Turns events into records with a rule table. Identical messages (same protocol, name, kind and
 * plain field values) are encoded once and share their `data` bytes: treat them as read-only.
 *
 * @example Lifting with a one-rule table
 * ```ts
 * import { Lifter } from "./lift.ts";
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { equal } from "node:assert/strict";
 * const lifter = new Lifter({
 *   virtio_set_status: (e, ctx) => ({
 *     protocol: "virtio-msg", name: "SET_DEVICE_STATUS", kind: "request", sender: "driver",
 *     fields: { dev_num: ctx.deviceNumber(String(e.args.vdev)), status: e.args.val },
 *   }),
 * }, { registry: defaultRegistry() });
 * const [r] = lifter.lift({ name: "virtio_set_status", args: { vdev: "0x55f0", val: 15 } }, 1n);
 * equal(r!.protocol, "virtio-msg");
 * equal(r!.data[1], 0x08);
 * const [a] = lifter.lift({ name: "virtio_blk_handle_read", args: {} }, 2n);
 * equal(a!.annotation, "virtio_blk_handle_read");
 * ```
 */
export class Lifter {
  /** Counts so far. */
  readonly stats: LiftStats = { messages: 0, annotations: 0, failed: 0 };
  /** Reason of the last failed rule, cleared by each {@linkcode Lifter.lift}. */
  failure: string | undefined;
  #table: LiftTable;
  #registry: RegistryLike;
  #dialects: Readonly<Partial<Record<ProtocolTag, string>>>;
  #devices = new Map<string, number>();
  /** Bytes of recently encoded messages by their inputs (repeated events are common). */
  #cache = new Map<string, Uint8Array>();
  #maxDevices: number;
  #ctx: LiftContext;

  /**
   * Makes a lifter with its own device numbering and rule state.
   * @param table Rules by event name.
   * @param options Registry and dialects.
   */
  constructor(table: LiftTable, options: LifterOptions) {
    this.#table = table;
    this.#registry = options.registry;
    this.#dialects = options.dialects ?? {};
    this.#maxDevices = options.maxDevices ?? 65536;
    const devices = this.#devices;
    const max = this.#maxDevices;
    this.#ctx = {
      deviceNumber(key: string): number {
        let n = devices.get(key);
        if (n === undefined) {
          n = devices.size < max ? devices.size : max - 1;
          if (devices.size < max) devices.set(key, n);
        }
        return n;
      },
      state: new Map(),
    };
  }

  /**
   * Lifts one event.
   * @param event The event.
   * @param timestampNs Its timestamp (the reader's, synthetic when the line had none).
   * @param source Where it was read.
   * @returns One or more records (an annotation when no rule applies).
   */
  lift(event: TraceEvent, timestampNs: bigint, source?: RecordSource): CaptureRecord[] {
    this.failure = undefined;
    const rule = Object.hasOwn(this.#table, event.name) ? this.#table[event.name] : undefined;
    let out: CaptureRecord[];
    if (!rule) {
      out = [annotationRecord(event, timestampNs)];
      this.stats.annotations++;
    } else {
      try {
        const lifted = rule(event, this.#ctx);
        if (lifted === undefined) {
          out = [annotationRecord(event, timestampNs)];
          this.stats.annotations++;
        } else {
          const list = Array.isArray(lifted) ? lifted as readonly LiftedMessage[] : [lifted as LiftedMessage];
          out = list.map((m) => this.#record(m, timestampNs));
          this.stats.messages += out.length;
        }
      } catch (e) {
        this.failure = `Cannot lift ${event.name}: ${e instanceof Error ? e.message : String(e)}`;
        out = [annotationRecord(event, timestampNs, this.failure)];
        this.stats.failed++;
        this.stats.annotations++;
      }
    }
    if (source) { for (const r of out) r.source = source; }
    return out;
  }

  #record(m: LiftedMessage, timestampNs: bigint): CaptureRecord {
    let data = m.data;
    if (!data) {
      const key = cacheKey(m);
      data = key === undefined ? undefined : this.#cache.get(key);
      if (!data) {
        const codec = this.#registry.get(m.protocol);
        if (!codec) throw new TypeError(`no codec for ${m.protocol} is registered`);
        data = codec.encodeMessage(
          { ...(m.name ? { name: m.name } : {}), kind: m.kind, fields: m.fields ?? {} },
          { registry: this.#registry, dialects: this.#dialects, kind: m.kind },
        );
        if (key !== undefined) {
          if (this.#cache.size >= 1024) this.#cache.delete(this.#cache.keys().next().value!);
          this.#cache.set(key, data);
        }
      }
    }
    const r: CaptureRecord = {
      timestampNs,
      protocol: m.protocol,
      kind: m.kind,
      sender: m.sender,
      channel: m.channel ?? {},
      data,
      originalLength: data.length,
    };
    if (m.correlationId !== undefined) r.correlationId = m.correlationId;
    if (m.comment !== undefined) r.comment = m.comment;
    return r;
  }
}

/** A cache key for messages whose fields are all plain numbers, bigints or strings. */
function cacheKey(m: LiftedMessage): string | undefined {
  let key = `${m.protocol}|${m.name ?? ""}|${m.kind}`;
  for (const k in m.fields) {
    const v = m.fields[k];
    const t = typeof v;
    if (t !== "number" && t !== "bigint" && t !== "string") return undefined;
    key += `|${k}=${v as number}`;
  }
  return key;
}

/**
 * Reads an argument as a number (throws when it is missing or not an integer); for rules.
 *
 * @example
 * ```ts
 * import { argNumber } from "./lift.ts";
 * import { equal } from "node:assert/strict";
 * equal(argNumber({ name: "e", args: { n: "0x10" } }, "n"), 16);
 * ```
 *
 * @param event The event.
 * @param names Argument names to try, in order (formats of different versions name them differently).
 * @returns The value.
 * @throws {SyntaxError} When no such argument holds an integer.
 */
export function argNumber(event: TraceEvent, ...names: string[]): number {
  const v = argBigInt(event, ...names);
  if (v > 9007199254740991n || v < -9007199254740991n) {
    throw new RangeError(`Cannot read argument ${names[0]}: ${v} is too large`);
  }
  return Number(v);
}

/**
 * Reads an argument as a bigint; for rules.
 *
 * @example
 * ```ts
 * import { argBigInt } from "./lift.ts";
 * import { equal } from "node:assert/strict";
 * equal(argBigInt({ name: "e", args: { protocol_id: 19 } }, "pt", "protocol_id"), 19n);
 * ```
 *
 * @param event The event.
 * @param names Argument names to try, in order.
 * @returns The value.
 * @throws {SyntaxError} When no such argument holds an integer.
 */
export function argBigInt(event: TraceEvent, ...names: string[]): bigint {
  for (const n of names) {
    const v: TraceValue | undefined = event.args[n];
    if (v !== undefined) return toBigInt(v);
  }
  throw new SyntaxError(`Cannot read argument ${names.join(" or ")}: it is missing`);
}
