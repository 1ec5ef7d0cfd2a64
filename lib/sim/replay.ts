/**
 * Replay against the simulator: a trace's driver-side requests are sent through a
 * {@linkcode LoopbackBus} and each simulated answer is compared with the captured one (paired to its
 * request with the protocols' pairing keys), field by field. Traces without captured answers are
 * checked for the device accepting every request.
 *
 * @module
 */
import { DecodeSession } from "../codec/session.ts";
import type { Registry } from "../codec/registry.ts";
import type { Message } from "../codec/types.ts";
import type { CaptureRecord, ProtocolTag } from "../record.ts";
import type { LoopbackBus } from "./bus.ts";
import { compareMessages, refusal } from "./compare.ts";

/** One driver-side request and the device-side records captured for it. */
export interface ReplayItem {
  /** Record number in the input (1-based, annotations included). */
  no: number;
  /** The request (or driver event). */
  request: CaptureRecord;
  /** Captured answers: responses paired with it, then device events that followed it. */
  captured: CaptureRecord[];
}

/** A trace prepared for replay. */
export interface ReplayPlan {
  /** Driver-side messages in order. */
  items: ReplayItem[];
  /** True when the trace holds device-side records (compare mode); false: acceptance mode. */
  hasResponses: boolean;
  /**
   * `protocol/kind` and `protocol/kind/name/device` of every device-side record the trace holds
   * (e.g. `virtio-iommu/response` and `virtio-iommu/response/UNMAP/0`).
   * Simulated answers of a kind the trace never captured for that protocol (a QEMU log has status
   * writes but no status responses) are checked for acceptance only, not reported as extra.
   */
  captured: Set<string>;
  /** Records left out (annotations, unknown protocol, device records before any request). */
  skipped: number;
}

/** Decoding settings. */
export interface ReplayDecodeOptions {
  /** Codecs. */
  registry: Registry;
  /** Dialects by protocol. */
  dialects?: Readonly<Partial<Record<ProtocolTag, string>>>;
  /** Protocol options. */
  options?: Readonly<Record<string, unknown>>;
}

/**
 * Whether a record was sent by the driver side (a request or driver event; records of unknown
 * sender count when they are requests).
 * @param r Record.
 * @returns True for driver-side records.
 */
export function isDriverSide(r: CaptureRecord): boolean {
  return r.sender === "driver" || (r.sender === "unknown" && (r.kind === "request" || r.kind === "unknown"));
}

/**
 * Splits a trace into driver-side items with their captured answers.
 *
 * @example
 * ```ts
 * import { planReplay, simRegistry } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const ping = (kind: "request" | "response") => makeRecord(
 *   new Uint8Array([kind === "request" ? 2 : 3, 3, 0, 0, 1, 0, 12, 0, 1, 0, 0, 0]),
 *   { protocol: "virtio-msg", kind, sender: kind === "request" ? "driver" : "device" });
 * const plan = planReplay([ping("request"), ping("response")], { registry: simRegistry() });
 * equal(plan.items.length, 1);
 * equal(plan.items[0]!.captured.length, 1);
 * equal(plan.hasResponses, true);
 * ```
 *
 * @param records The trace, in order.
 * @param decode Codecs, dialects, options.
 * @returns The plan.
 */
export function planReplay(records: readonly CaptureRecord[], decode: ReplayDecodeOptions): ReplayPlan {
  const session = new DecodeSession(decode.registry, {
    ...(decode.dialects ? { dialects: decode.dialects } : {}),
    ...(decode.options ? { options: decode.options } : {}),
    tree: false,
    pairing: "all",
  });
  const items: ReplayItem[] = [];
  const byRequest = new Map<Message, ReplayItem>();
  let skipped = 0;
  let hasResponses = false;
  const captured = new Set<string>();
  records.forEach((r, i) => {
    if (r.annotation !== undefined || !r.protocol) {
      skipped++;
      return;
    }
    const msg = session.decode(r);
    if (isDriverSide(r)) {
      const item: ReplayItem = { no: i + 1, request: r, captured: [] };
      items.push(item);
      if (msg) byRequest.set(msg, item);
      return;
    }
    hasResponses = true;
    captured.add(`${r.protocol}/${r.kind}`);
    if (msg) captured.add(`${r.protocol}/${r.kind}/${msg.name}/${r.channel.device ?? ""}`);
    const paired = msg?.request ? byRequest.get(msg.request) : undefined;
    // An unpaired response is attached to the latest request of its own protocol only; a response
    // whose request the trace does not show (QEMU logs a PROBE's result, not the PROBE) is skipped.
    const last = items[items.length - 1];
    const item = paired ??
      (r.kind === "response" && last?.request.protocol !== r.protocol ? undefined : last);
    if (!item) skipped++;
    else item.captured.push(r);
  });
  return { items, hasResponses, captured, skipped };
}

/** A difference between the simulated and the captured exchange. */
export interface Divergence {
  /** Record number of the request in the input. */
  no: number;
  /** Loop number (0-based). */
  loop: number;
  /** The request's summary. */
  request: string;
  /** What kind of difference. */
  type: "field" | "missing" | "extra" | "refused";
  /** Filter name of the differing field (`field`). */
  field?: string;
  /** Captured value, or the missing message's summary. */
  captured?: string;
  /** Simulated value, or the extra message's summary. */
  simulated?: string;
  /** One line of text. */
  text: string;
}

/** What one step produced. */
export interface ReplayStep {
  /** The request as sent (with the replay timestamp). */
  request: CaptureRecord;
  /** The decoded request. */
  message: Message | undefined;
  /** Simulated device-side records this request caused. */
  simulated: CaptureRecord[];
  /** Those records decoded (paired with their requests). */
  answers: (Message | undefined)[];
  /** Divergences found by now (for this or an earlier request: answers are settled a few steps late). */
  divergences: Divergence[];
}

/** Options of a {@linkcode Replayer}. */
export interface ReplayerOptions extends ReplayDecodeOptions {
  /** Filter names or prefixes not compared (`vmsg.token`). */
  ignore?: readonly string[];
  /**
   * Requests an answer may trail its request by (answers are compared once this many later requests
   * have been sent, or at the end).
   * @default {4}
   */
  window?: number;
}

interface Pending {
  index: number;
  loop: number;
  request: Message | undefined;
  summary: string;
  sim: CaptureRecord[];
  unrouted?: ProtocolTag;
}

/** Totals of a replay. */
export interface ReplayTotals {
  /** Requests sent. */
  sent: number;
  /** Answers compared or checked. */
  compared: number;
  /** Divergences found. */
  divergences: number;
}

/**
 * Sends plan items through a bus (built with `pairAnswers: true`) and compares the answers: the
 * simulated answers are paired with their requests exactly like the captured ones, so an answer
 * that follows a later request (an RPMB result after RESULT_READ) is compared with the right one.
 */
export class Replayer {
  /** The bus. */
  readonly bus: LoopbackBus;
  /** The plan. */
  readonly plan: ReplayPlan;
  /** Running totals. */
  readonly totals: ReplayTotals = { sent: 0, compared: 0, divergences: 0 };
  #opts: ReplayerOptions;
  #ignore: readonly string[];
  #pending: Pending[] = [];
  #byMessage = new Map<Message, Pending>();
  #loop = 0;

  /**
   * @param bus The loopback bus (with its models; `pairAnswers: true`).
   * @param plan The prepared trace.
   * @param options Codecs, the ignore list, the pairing window.
   */
  constructor(bus: LoopbackBus, plan: ReplayPlan, options: ReplayerOptions) {
    this.bus = bus;
    this.plan = plan;
    this.#opts = options;
    this.#ignore = options.ignore ?? [];
  }

  /**
   * Replays one item. A new loop (a loop number different from the last step's) settles every
   * pending answer and resets the models.
   * @param index Item index.
   * @param loop Loop number.
   * @param at Timestamp to give the request (default: the captured one).
   * @returns The simulated records and the divergences settled by now.
   */
  step(index: number, loop = 0, at?: bigint): ReplayStep {
    const divergences: Divergence[] = [];
    if (loop !== this.#loop) {
      divergences.push(...this.finish());
      this.bus.reset();
      this.#loop = loop;
    }
    const item = this.plan.items[index]!;
    const request = at === undefined || at === item.request.timestampNs
      ? item.request
      : { ...item.request, timestampNs: at };
    const res = this.bus.send(request);
    this.totals.sent++;
    const p: Pending = {
      index,
      loop,
      request: res.request,
      summary: res.request?.summary ?? `${request.protocol} ${request.data.length} bytes`,
      sim: [],
    };
    if (res.unrouted) p.unrouted = res.unrouted;
    this.#pending.push(p);
    if (res.request) this.#byMessage.set(res.request, p);
    res.records.forEach((r, i) => {
      const paired = res.answers?.[i]?.request;
      const owner = (paired && this.#byMessage.get(paired)) ?? p;
      owner.sim.push(r);
    });
    const window = this.#opts.window ?? 4;
    while (this.#pending.length > window) divergences.push(...this.#settle(this.#pending.shift()!));
    return { request, message: res.request, simulated: res.records, answers: res.answers ?? [], divergences };
  }

  /**
   * Settles every pending request (call at the end of the run).
   * @returns The divergences found.
   */
  finish(): Divergence[] {
    const out: Divergence[] = [];
    while (this.#pending.length) out.push(...this.#settle(this.#pending.shift()!));
    this.#byMessage.clear();
    return out;
  }

  #settle(p: Pending): Divergence[] {
    if (p.request) this.#byMessage.delete(p.request);
    const item = this.plan.items[p.index]!;
    const sim = p.sim;
    const divergences: Divergence[] = [];
    const div = (d: Omit<Divergence, "no" | "loop" | "request" | "text">) => {
      const where = `#${item.no}${p.loop ? ` (loop ${p.loop + 1})` : ""} ${p.summary}`;
      const text = d.type === "field"
        ? `${where}: ${d.field}: ${d.captured} → ${d.simulated}`
        : d.type === "missing"
        ? `${where}: missing ${d.captured}`
        : d.type === "extra"
        ? `${where}: extra ${d.simulated}`
        : `${where}: refused: ${d.simulated}`;
      divergences.push({ no: item.no, loop: p.loop, request: p.summary, ...d, text });
    };
    this.totals.compared += sim.length;
    if (p.unrouted) div({ type: "refused", simulated: `no ${p.unrouted} model in the profile` });
    else if (!this.plan.hasResponses) {
      let answered = false;
      for (const s of sim) {
        if (s.kind !== "response") continue;
        answered = true;
        const m = this.#decode(s, p.request);
        const why = m && p.request ? refusal(m, p.request) : undefined;
        if (why) div({ type: "refused", simulated: why });
      }
      if (!answered && p.request?.kind === "request" && !deferredAnswer(p.request)) {
        div({ type: "refused", simulated: "no answer" });
      }
    } else {
      // Answers of a kind (or message) this trace never captures — a QEMU log traces status writes
      // but no status responses, and MAPs but no MAP completions — are only checked for acceptance.
      let comparable = sim.filter((r) => this.plan.captured.has(`${r.protocol}/${r.kind}`));
      if (!sameBytes(item.captured, comparable)) {
        comparable = comparable.filter((r) => {
          const name = this.#decode(r, p.request)?.name;
          return name === undefined ||
            this.plan.captured.has(`${r.protocol}/${r.kind}/${name}/${r.channel.device ?? ""}`);
        });
      }
      for (const s of sim) {
        if (s.kind !== "response" || comparable.includes(s)) continue;
        const m = this.#decode(s, p.request);
        const why = m && p.request ? refusal(m, p.request) : undefined;
        if (why) div({ type: "refused", simulated: why });
      }
      if (!sameBytes(item.captured, comparable)) this.#compare(item.captured, comparable, p.request, div);
    }
    this.totals.divergences += divergences.length;
    return divergences;
  }

  #compare(
    cap: readonly CaptureRecord[],
    sim: readonly CaptureRecord[],
    request: Message | undefined,
    div: (d: Omit<Divergence, "no" | "loop" | "request" | "text">) => void,
  ): void {
    // Decode both sides with their field trees and match answers by protocol, kind and name.
    const capMsgs = cap.map((r) => this.#decode(r, request));
    const simMsgs = sim.map((r) => this.#decode(r, request));
    const used = new Array<boolean>(cap.length).fill(false);
    const label = (r: CaptureRecord, m: Message | undefined) =>
      `${r.kind} ${m?.summary ?? `${r.data.length} bytes`}`;
    sim.forEach((s, si) => {
      const sm = simMsgs[si];
      const free = (c: CaptureRecord, k: number) =>
        !used[k] && c.protocol === s.protocol && c.kind === s.kind;
      let ci = cap.findIndex((c, k) => free(c, k) && capMsgs[k]?.name === sm?.name);
      if (ci < 0) ci = cap.findIndex(free);
      if (ci < 0) {
        div({ type: "extra", simulated: label(s, sm) });
        return;
      }
      used[ci] = true;
      const cm = capMsgs[ci];
      if (!cm || !sm) {
        if (!equalBytes(cap[ci]!.data, s.data)) {
          div({ type: "field", field: "data", captured: "(bytes)", simulated: "(other bytes)" });
        }
        return;
      }
      for (const d of compareMessages(cm, sm, this.#ignore)) div({ type: "field", ...d });
    });
    cap.forEach((c, k) => {
      if (!used[k]) div({ type: "missing", captured: label(c, capMsgs[k]) });
    });
  }

  #decode(r: CaptureRecord, request: Message | undefined): Message | undefined {
    const codec = r.protocol ? this.#opts.registry.get(r.protocol) : undefined;
    if (!codec) return undefined;
    return codec.decode(r, {
      registry: this.#opts.registry,
      ...(this.#opts.dialects ? { dialects: this.#opts.dialects } : {}),
      ...(this.#opts.options ? { options: this.#opts.options } : {}),
      ...(request && request.protocol === r.protocol ? { request } : {}),
    });
  }
}

/** Requests whose answer comes only after a later request (RPMB writes: after RESULT_READ). */
function deferredAnswer(m: Message): boolean {
  return m.protocol === "rpmb" && ["PROGRAM_KEY", "DATA_WRITE", "AUTH_CONFIG_WRITE"].includes(m.name);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameBytes(cap: readonly CaptureRecord[], sim: readonly CaptureRecord[]): boolean {
  if (cap.length !== sim.length) return false;
  for (let i = 0; i < cap.length; i++) {
    const c = cap[i]!;
    const s = sim[i]!;
    if (c.protocol !== s.protocol || c.kind !== s.kind || !equalBytes(c.data, s.data)) return false;
  }
  return true;
}
