/**
 * The scripted driver: a JSON scenario (a list of steps — send a message, wait, repeat — and
 * built-in macros for whole conversations) is played against a {@linkcode LoopbackBus}; the driver's
 * requests and the models' answers form a capture. See docs/replay.md for the format.
 *
 * @module
 */
import type { Message } from "../codec/types.ts";
import { rpmbMacFrames } from "../codec/protocols/rpmb.ts";
import {
  type CaptureRecord,
  type Channel,
  type Conduit,
  isProtocolTag,
  makeRecord,
  type MessageKind,
  type ProtocolTag,
} from "../record.ts";
import type { LoopbackBus } from "./bus.ts";
import { bigNumber, DEFAULT_PROFILE, hexBytes } from "./profile.ts";
import { VIRTIO_MSG_FFA_UUID } from "../codec/protocols/ffa.ts";
import type { SimProfile } from "./types.ts";

/** Sends one message. */
export interface SendStep {
  /** Protocol tag. */
  proto: ProtocolTag;
  /** Message name (as the codec names it). */
  name: string;
  /** Field values (short or filter names), as `encode` takes them. */
  fields?: Record<string, unknown>;
  /** Channel of the record. */
  chan?: Channel;
  /** `request` (default) or `event` (a driver notification). */
  kind?: MessageKind;
  /** SMC or HVC (FF-A). */
  conduit?: Conduit;
  /** A comment stored with the record. */
  comment?: string;
}

/** Waits some microseconds. */
export interface WaitStep {
  /** Microseconds. */
  wait: number;
}

/** Repeats steps. */
export interface RepeatStep {
  /** Repetitions. */
  repeat: number;
  /** The steps. */
  steps: ScenarioStep[];
}

/** A built-in conversation; its parameters are the other members. */
export interface MacroStep {
  /** One of {@linkcode MACROS}. */
  macro: string;
  [param: string]: unknown;
}

/** One step. */
export type ScenarioStep = SendStep | WaitStep | RepeatStep | MacroStep;

/** A scenario. */
export interface Scenario {
  /** What it shows. */
  description?: string;
  /** Timestamp of the first message, seconds (default 1700000000). */
  start?: number;
  /** Driver time between an answer and the next request, µs (default 20). */
  "gap_us"?: number;
  /** The steps. */
  steps: ScenarioStep[];
}

/** The built-in macros. */
export const MACROS: readonly string[] = [
  "virtio-msg-ffa-bringup",
  "virtio-msg-bringup",
  "ffa-discovery",
  "scmi-clocks",
  "rpmb",
  "viommu",
];

/**
 * Parses and checks a scenario.
 *
 * @example
 * ```ts
 * import { parseScenario } from "./scenario.ts";
 * import { equal, throws } from "node:assert/strict";
 * equal(parseScenario('{"steps": [{"wait": 5}]}').steps.length, 1);
 * throws(() => parseScenario('{"steps": [{"proto": "nope", "name": "X"}]}'), /steps\[0\]\.proto/);
 * ```
 *
 * @param text JSON text.
 * @param source Where it came from, for messages.
 * @returns The scenario.
 * @throws {TypeError|SyntaxError} Naming the bad step member.
 */
export function parseScenario(text: string, source = "scenario"): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `Cannot load the scenario ${source}: not JSON (${e instanceof Error ? e.message : e})`,
    );
  }
  const fail = (key: string, problem: string): never => {
    throw new TypeError(`Cannot load the scenario ${source}: ${key} ${problem}`);
  };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail("(top level)", "must be an object");
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!["description", "start", "gap_us", "steps", "$schema", "comment"].includes(k)) {
      fail(k, "is not a scenario key (description, start, gap_us, steps)");
    }
  }
  if (o["start"] !== undefined && (typeof o["start"] !== "number" || o["start"] < 0)) {
    fail("start", "must be seconds ≥ 0");
  }
  if (o["gap_us"] !== undefined && (typeof o["gap_us"] !== "number" || o["gap_us"] < 0)) {
    fail("gap_us", "must be microseconds ≥ 0");
  }
  const checkSteps = (v: unknown, key: string): ScenarioStep[] => {
    if (!Array.isArray(v)) return fail(key, "must be an array of steps");
    v.forEach((s, i) => {
      const k = `${key}[${i}]`;
      if (typeof s !== "object" || s === null || Array.isArray(s)) return fail(k, "must be an object");
      const st = s as Record<string, unknown>;
      if ("wait" in st) {
        if (typeof st["wait"] !== "number" || st["wait"] < 0) fail(`${k}.wait`, "must be microseconds ≥ 0");
      } else if ("repeat" in st) {
        if (!Number.isInteger(st["repeat"]) || (st["repeat"] as number) < 0) {
          fail(`${k}.repeat`, "must be a count ≥ 0");
        }
        checkSteps(st["steps"], `${k}.steps`);
      } else if ("macro" in st) {
        if (!MACROS.includes(String(st["macro"]))) fail(`${k}.macro`, `must be one of ${MACROS.join(", ")}`);
      } else if ("proto" in st) {
        if (typeof st["proto"] !== "string" || !isProtocolTag(st["proto"])) {
          fail(
            `${k}.proto`,
            `must be a protocol tag (virtio-msg, ffa, rpmb, scmi, virtio-iommu), not ${
              JSON.stringify(st["proto"])
            }`,
          );
        }
        if (typeof st["name"] !== "string") fail(`${k}.name`, "must be a message name");
        if (st["fields"] !== undefined && (typeof st["fields"] !== "object" || st["fields"] === null)) {
          fail(`${k}.fields`, "must be an object");
        }
        if (st["chan"] !== undefined && (typeof st["chan"] !== "object" || st["chan"] === null)) {
          fail(`${k}.chan`, 'must be an object like {"device": 1}');
        }
        if (st["kind"] !== undefined && st["kind"] !== "request" && st["kind"] !== "event") {
          fail(`${k}.kind`, `must be "request" or "event"`);
        }
      } else fail(k, "must have one of proto, wait, repeat, macro");
    });
    return v as ScenarioStep[];
  };
  return { ...o, steps: checkSteps(o["steps"], "steps") } as Scenario;
}

/** What a send returned. */
export interface Exchange {
  /** The request record. */
  request: CaptureRecord;
  /** The answers. */
  answers: CaptureRecord[];
  /** The decoded answers (paired with the request). */
  messages: (Message | undefined)[];
}

/** Options of a {@linkcode ScriptedDriver}. */
export interface ScriptedDriverOptions {
  /** The profile the bus was built from (macros read devices, partitions, keys from it). */
  profile?: SimProfile;
  /** Timestamp of the first message, ns. */
  startNs?: bigint;
  /**
   * Driver time between an answer and the next request, ns.
   * @default {20000n}
   */
  gapNs?: bigint;
}

/** Plays steps against a bus and collects the records. */
export class ScriptedDriver {
  /** The bus. */
  readonly bus: LoopbackBus;
  /** The profile. */
  readonly profile: SimProfile;
  /** Every record so far (requests and answers, in time order per exchange). */
  readonly records: CaptureRecord[] = [];
  /** The driver's clock, ns. */
  now: bigint;
  #gap: bigint;
  #vmsgTokens = new Map<number, number>();
  #scmiToken = 0;

  /**
   * @param bus A bus built with `pairAnswers: true`.
   * @param options Profile, start time, gap.
   */
  constructor(bus: LoopbackBus, options: ScriptedDriverOptions = {}) {
    this.bus = bus;
    this.profile = options.profile ?? DEFAULT_PROFILE;
    this.now = options.startNs ?? 1_700_000_000_000_000_000n;
    this.#gap = options.gapNs ?? 20_000n;
  }

  /**
   * Sends one message and advances the clock past its answers.
   * @param step What to send.
   * @returns The exchange.
   */
  send(step: SendStep): Exchange {
    const codec = this.bus.registry.get(step.proto);
    if (!codec) throw new TypeError(`Cannot send ${step.proto} ${step.name}: no codec`);
    const kind = step.kind ?? "request";
    const fields: Record<string, unknown> = { ...step.fields };
    if (step.proto === "virtio-msg" && kind === "request" && fields["token"] === undefined) {
      const dev = Number(fields["dev_num"] ?? 0);
      const t = (this.#vmsgTokens.get(dev) ?? 0) % 0xffff + 1;
      this.#vmsgTokens.set(dev, t);
      fields["token"] = t;
    }
    if (step.proto === "scmi" && fields["hdr.token"] === undefined && fields["token"] === undefined) {
      fields["hdr.token"] = this.#scmiToken;
      this.#scmiToken = (this.#scmiToken + 1) % 1024;
    }
    let data: Uint8Array;
    try {
      data = codec.encodeMessage({ name: step.name, kind, fields }, {
        registry: this.bus.registry,
        options: this.#options(),
      });
    } catch (e) {
      throw new TypeError(`Cannot send ${step.proto} ${step.name}: ${e instanceof Error ? e.message : e}`);
    }
    const request = makeRecord(data, {
      timestampNs: this.now,
      protocol: step.proto,
      kind,
      sender: "driver",
      channel: { ...step.chan },
      ...(step.conduit ? { conduit: step.conduit } : {}),
      ...(step.comment ? { comment: step.comment } : {}),
    });
    const res = this.bus.send(request);
    const order = res.records.map((_r, i) => i).sort((a, b) =>
      Number(res.records[a]!.timestampNs - res.records[b]!.timestampNs) || a - b
    );
    const answers = order.map((i) => res.records[i]!);
    this.records.push(request, ...answers);
    let last = this.now;
    for (const a of answers) if (a.timestampNs > last) last = a.timestampNs;
    this.now = last + this.#gap;
    return { request, answers, messages: order.map((i) => res.answers?.[i]) };
  }

  /**
   * Waits.
   * @param us Microseconds.
   */
  wait(us: number): void {
    this.now += BigInt(Math.round(us * 1000));
  }

  /**
   * Runs steps.
   * @param steps The steps.
   */
  run(steps: readonly ScenarioStep[]): void {
    for (const s of steps) {
      if ("macro" in s) this.macro(s as MacroStep);
      else if ("wait" in s) this.wait((s as WaitStep).wait);
      else if ("repeat" in s) {
        const r = s as RepeatStep;
        for (let i = 0; i < r.repeat; i++) this.run(r.steps);
      } else this.send(s as SendStep);
    }
  }

  /**
   * Runs a built-in macro.
   * @param step The macro step with its parameters.
   */
  macro(step: MacroStep): void {
    switch (step.macro) {
      case "virtio-msg-ffa-bringup":
        return virtioMsgFfaBringup(this, step);
      case "virtio-msg-bringup":
        return virtioMsgBringup(this, step);
      case "ffa-discovery":
        return ffaDiscovery(this, step);
      case "scmi-clocks":
        return scmiClocks(this, step);
      case "rpmb":
        return rpmbMacro(this, step);
      case "viommu":
        return viommuMacro(this, step);
      default:
        throw new TypeError(`Cannot run macro "${step.macro}": unknown (one of ${MACROS.join(", ")})`);
    }
  }

  #options(): Record<string, unknown> {
    const key = this.profile.rpmb?.key;
    return key ? { rpmbKey: hexBytes(key) } : {};
  }
}

/**
 * Plays a scenario against a bus.
 *
 * @example
 * ```ts
 * import { LoopbackBus, createVirtioMsgBus, runScenario } from "./mod.ts";
 * import { equal } from "node:assert/strict";
 * const bus = new LoopbackBus([createVirtioMsgBus()], { pairAnswers: true });
 * const records = runScenario({ steps: [{ proto: "virtio-msg", name: "PING", fields: { data: 1 } }] }, bus);
 * equal(records.length, 2);
 * equal(records[1]!.sender, "device");
 * ```
 *
 * @param scenario The scenario.
 * @param bus A bus built with `pairAnswers: true`.
 * @param profile The profile of the bus.
 * @returns The records (requests and answers).
 */
export function runScenario(
  scenario: Scenario,
  bus: LoopbackBus,
  profile: SimProfile = DEFAULT_PROFILE,
): CaptureRecord[] {
  const d = new ScriptedDriver(bus, {
    profile,
    startNs: BigInt(Math.round((scenario.start ?? 1_700_000_000) * 1e6)) * 1000n,
    gapNs: BigInt(Math.round((scenario.gap_us ?? 20) * 1000)),
  });
  d.run(scenario.steps);
  return d.records;
}

// ---------------------------------------------------------------------------------------------
// Macros

function num(v: unknown, dflt: number): number {
  return typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : dflt;
}

function numList(v: unknown, dflt: number[]): number[] {
  return Array.isArray(v) ? v.map((x) => num(x, 0)) : typeof v === "number" ? [v] : dflt;
}

/** A transport for virtio-msg messages: plain records or FF-A direct requests. */
type VmsgSend = (name: string, fields: Record<string, unknown>, kind?: MessageKind) => Message | undefined;

function vmsgAnswer(ex: Exchange, viaFfa: boolean): Message | undefined {
  for (const m of ex.messages) {
    if (!m) continue;
    if (!viaFfa && m.protocol === "virtio-msg" && m.kind === "response") return m;
    if (viaFfa && m.name === "FFA_MSG_SEND_DIRECT_RESP2") {
      const p = m.values["payload"] as unknown as Message | undefined;
      if (p && typeof p === "object" && "values" in p) return p;
    }
  }
  return undefined;
}

function ffaSender(
  d: ScriptedDriver,
  step: MacroStep,
): { send: VmsgSend; caller: number; partition: number } {
  const caller = num(step["caller"], 1);
  const part = d.profile.ffa?.partitions.find((p) => p.virtio_msg || p.uuid === VIRTIO_MSG_FFA_UUID);
  const partition = num(step["partition"], part?.id ?? 0x8001);
  const uuid = part?.uuid ?? VIRTIO_MSG_FFA_UUID;
  const conduit = (step["conduit"] === "hvc" ? "hvc" : "smc") as Conduit;
  const bus = num(step["bus"], 0);
  const send: VmsgSend = (name, fields, kind = "request") => {
    const ex = d.send({
      proto: "ffa",
      name: "FFA_MSG_SEND_DIRECT_REQ2",
      fields: {
        sender: caller,
        receiver: partition,
        uuid,
        payload: {
          proto: "virtio-msg",
          name,
          kind,
          fields: { token: kind === "request" ? 1 : 0, ...fields },
        },
      },
      chan: { bus, src: caller, dst: partition },
      conduit,
    });
    return vmsgAnswer(ex, true);
  };
  return { send, caller, partition };
}

/** The Linux bring-up of one device (virtio-msg.md §5.1), then `kicks` notifications per queue. */
function bringUpDevice(
  d: ScriptedDriver,
  send: VmsgSend,
  dev: number,
  opts: { kicks: number; area: number; maxMsg: number; features?: bigint },
): void {
  const info = send("GET_DEVICE_INFO", { dev_num: dev });
  const blocks = Math.max(1, Math.ceil(num(info?.values["num_feature_bits"], 64) / 32));
  const configSize = num(info?.values["config_size"], 0);
  const vqs = num(info?.values["max_virtqueues"], 1);
  send("SET_DEVICE_STATUS", { dev_num: dev, status: 0 });
  send("SET_DEVICE_STATUS", { dev_num: dev, status: 1 });
  send("SET_DEVICE_STATUS", { dev_num: dev, status: 3 });
  const feat = send("GET_DEVICE_FEATURES", { dev_num: dev, block_index: 0, num_blocks: blocks });
  const offered = ((feat?.values["features"] as number[] | undefined) ?? []).reduce(
    (a, b, i) => a | (BigInt(b >>> 0) << BigInt(32 * i)),
    0n,
  );
  const cfg = d.profile.virtioMsg?.devices.find((x) => x.dev_num === dev);
  const wanted = opts.features ?? (offered & ~bigNumber(cfg?.refuse_features));
  const driverBlocks = Array.from(
    { length: blocks },
    (_, i) => Number((wanted >> BigInt(32 * i)) & 0xffffffffn),
  );
  send("SET_DRIVER_FEATURES", { dev_num: dev, block_index: 0, features: driverBlocks });
  const st = send("SET_DEVICE_STATUS", { dev_num: dev, status: 0xb });
  send("GET_DEVICE_STATUS", { dev_num: dev });
  if (!(num(st?.values["status"], 0) & 8)) {
    send("SET_DEVICE_STATUS", { dev_num: dev, status: 0x83 }); // FAILED: features refused.
    return;
  }
  const gen = send("GET_CONFIG", { dev_num: dev, offset: 0, length: 0 });
  const chunk = Math.max(4, opts.maxMsg - 8 - 12);
  for (let off = 0; off < configSize; off += chunk) {
    send("GET_CONFIG", { dev_num: dev, offset: off, length: Math.min(chunk, configSize - off) });
  }
  void gen;
  const active: number[] = [];
  for (let q = 0; q < vqs; q++) {
    const vq = send("GET_VQUEUE", { dev_num: dev, index: q });
    const size = num(vq?.values["max_size"], 0);
    if (size === 0) continue;
    const base = (BigInt(opts.area) << 48n) | BigInt(0x10000 * (dev * 8 + q));
    const driverAddr = base + BigInt(16 * size);
    const deviceAddr = (driverAddr + BigInt(6 + 2 * size) + 4095n) & ~4095n;
    send("SET_VQUEUE", {
      dev_num: dev,
      index: q,
      size,
      desc_addr: base,
      driver_addr: driverAddr,
      device_addr: deviceAddr,
    });
    active.push(q);
  }
  send("SET_DEVICE_STATUS", { dev_num: dev, status: 0xf });
  for (let k = 0; k < opts.kicks; k++) {
    for (const q of active) {
      send("EVENT_AVAIL", { dev_num: dev, vq_index: q, next_offset_wrap: 0 }, "event");
      d.wait(50);
    }
  }
}

function devicesOf(d: ScriptedDriver, step: MacroStep): number[] {
  return numList(
    step["devices"] ?? step["dev_num"],
    (d.profile.virtioMsg?.devices ?? []).map((x) => x.dev_num),
  );
}

function virtioMsgFfaBringup(d: ScriptedDriver, step: MacroStep): void {
  const { send, caller } = ffaSender(d, step);
  const own = d.profile.ffa?.own_id ?? 0x8000;
  const ffa = (name: string, fields: Record<string, unknown> = {}) =>
    d.send({
      proto: "ffa",
      name,
      fields,
      chan: { bus: num(step["bus"], 0), src: caller, dst: own },
      conduit: "smc",
    });
  ffa("FFA_VERSION", { version: 0x10002 });
  ffa("FFA_ID_GET");
  ffa("FFA_FEATURES", { feature: 0x84000066 });
  ffa("FFA_RXTX_MAP", { func: 0xc4000066, tx_addr: 0x88000000n, rx_addr: 0x88001000n, page_count: 1 });
  ffa("FFA_PARTITION_INFO_GET", { uuid: VIRTIO_MSG_FFA_UUID });
  ffa("FFA_RX_RELEASE");
  ffa("FFA_FEATURES", { feature: 0xc400008d });
  send("FFA_VERSION", { version: 1, vmsg_revision: 1, vmsg_features: 0, bus_features: 3, area_num: 1 });
  send("GET_DEVICES", { offset: 0, count: 0xff });
  let area = 0;
  if (step["share"] !== false) {
    const ex = ffa("FFA_MEM_SHARE", { func: 0xc4000073, total_length: 80, fragment_length: 80 });
    const m = ex.messages[0];
    const handle = (BigInt(num(m?.values["handle_hi"], 0) >>> 0) << 32n) |
      BigInt(num(m?.values["handle_lo"], 0) >>> 0);
    area = 1;
    send("FFA_AREA_SHARE", { area_id: area, mem_handle: handle, tag: 0n, page_count: 1024, attrs: 4 });
  }
  const maxMsg = d.profile.virtioMsg?.bus_max_msg_size ?? 104;
  for (const dev of devicesOf(d, step)) {
    bringUpDevice(d, send, dev, { kicks: num(step["kicks"], 1), area, maxMsg });
  }
}

function virtioMsgBringup(d: ScriptedDriver, step: MacroStep): void {
  const bus = num(step["bus"], 0);
  const send: VmsgSend = (name, fields, kind = "request") =>
    vmsgAnswer(
      d.send({ proto: "virtio-msg", name, fields, kind, chan: { bus, device: num(fields["dev_num"], 0) } }),
      false,
    );
  send("GET_DEVICES", { offset: 0, count: 32 });
  send("PING", { data: 1 });
  const maxMsg = d.profile.virtioMsg?.bus_max_msg_size ?? 104;
  for (const dev of devicesOf(d, step)) {
    bringUpDevice(d, send, dev, { kicks: num(step["kicks"], 1), area: 0, maxMsg });
  }
}

function ffaDiscovery(d: ScriptedDriver, step: MacroStep): void {
  const caller = num(step["caller"], 1);
  const own = d.profile.ffa?.own_id ?? 0x8000;
  const bus = num(step["bus"], 0);
  const ffa = (name: string, fields: Record<string, unknown> = {}, dst = own) =>
    d.send({ proto: "ffa", name, fields, chan: { bus, src: caller, dst }, conduit: "smc" });
  ffa("FFA_VERSION", { version: 0x10001 });
  ffa("FFA_ID_GET");
  ffa("FFA_SPM_ID_GET");
  ffa("FFA_FEATURES", { feature: 0x84000066 });
  ffa("FFA_FEATURES", { feature: 2 });
  ffa("FFA_RXTX_MAP", { func: 0xc4000066, tx_addr: 0x88000000n, rx_addr: 0x88001000n, page_count: 1 });
  ffa("FFA_PARTITION_INFO_GET", { uuid: "00000000-0000-0000-0000-000000000000", flags: 1 });
  ffa("FFA_PARTITION_INFO_GET", { uuid: "00000000-0000-0000-0000-000000000000" });
  ffa("FFA_RX_RELEASE");
  ffa("FFA_PARTITION_INFO_GET_REGS", { uuid: new Uint8Array(16), start_index: 0 });
  for (const p of d.profile.ffa?.partitions ?? []) {
    if (p.virtio_msg) continue;
    ffa(
      "FFA_MSG_SEND_DIRECT_REQ",
      { func: 0xc400006f, sender: caller, receiver: p.id, x3: 0x1234n, x4: 7n },
      p.id,
    );
  }
  const share = ffa("FFA_MEM_SHARE", { func: 0xc4000073, total_length: 4096 + 80, fragment_length: 4096 });
  const m = share.messages[0];
  const lo = num(m?.values["handle_lo"], 0);
  const hi = num(m?.values["handle_hi"], 0);
  ffa("FFA_MEM_FRAG_TX", { handle_lo: lo, handle_hi: hi, fragment_length: 80 });
  ffa("FFA_NOTIFICATION_BIND", { sender: caller, receiver: caller, flags: 0, bitmap_lo: 0x4 });
  ffa("FFA_NOTIFICATION_SET", { sender: caller, receiver: caller, flags: 0, bitmap_lo: 0x4 });
  ffa("FFA_NOTIFICATION_INFO_GET", { func: 0xc4000083 });
  ffa("FFA_NOTIFICATION_GET", { receiver: caller, vcpu: 0, flags: 0xf });
  ffa("FFA_MEM_RECLAIM", { handle_lo: lo, handle_hi: hi, flags: 0 });
  ffa("FFA_RXTX_UNMAP");
}

function scmiClocks(d: ScriptedDriver, step: MacroStep): void {
  const chan: Channel = { queue: 0, ...(step["chan"] as Channel | undefined) };
  const ex = (name: string, fields: Record<string, unknown> = {}) =>
    d.send({ proto: "scmi", name, fields, chan });
  const val = (e: Exchange, k: string) => e.messages.find((m) => m?.kind === "response")?.values[k];
  if (step["base"] !== false) {
    ex("BASE_PROTOCOL_VERSION");
    ex("BASE_PROTOCOL_ATTRIBUTES");
    ex("BASE_PROTOCOL_MESSAGE_ATTRIBUTES", { message_id: 8 });
    ex("BASE_DISCOVER_VENDOR");
    ex("BASE_DISCOVER_SUB_VENDOR");
    ex("BASE_DISCOVER_IMPLEMENTATION_VERSION");
    ex("BASE_DISCOVER_LIST_PROTOCOLS", { skip: 0 });
  }
  ex("CLOCK_PROTOCOL_VERSION");
  const attrs = ex("CLOCK_PROTOCOL_ATTRIBUTES");
  const n = num(val(attrs, "num_clocks"), d.profile.scmi?.clocks?.length ?? 0);
  for (let c = 0; c < n; c++) {
    ex("CLOCK_ATTRIBUTES", { clock_id: c });
    ex("CLOCK_DESCRIBE_RATES", { clock_id: c, rate_index: 0 });
    ex("CLOCK_RATE_GET", { clock_id: c });
  }
  const sets = Array.isArray(step["set_rate"]) ? step["set_rate"] as { clock: number; rate: number }[] : [];
  for (const s of sets) {
    ex("CLOCK_RATE_SET", { flags: 0, clock_id: num(s.clock, 0), rate: BigInt(num(s.rate, 0)) });
    ex("CLOCK_RATE_GET", { clock_id: num(s.clock, 0) });
  }
  for (const c of numList(step["enable"], [])) ex("CLOCK_CONFIG_SET", { clock_id: c, attributes: 1 });
  for (const c of numList(step["disable"], [])) ex("CLOCK_CONFIG_SET", { clock_id: c, attributes: 0 });
}

function rpmbMacro(d: ScriptedDriver, step: MacroStep): void {
  const chan: Channel = { device: 0, ...(step["chan"] as Channel | undefined) };
  // The profile's key is already programmed; a device without one is programmed with `key`.
  const profileKey = d.profile.rpmb?.key;
  const key = hexBytes(typeof step["key"] === "string" ? step["key"] : profileKey ?? "00".repeat(32));
  const ex = (name: string, fields: Record<string, unknown> = {}) =>
    d.send({ proto: "rpmb", name, fields, chan });
  let nonceSeed = num(step["nonce_seed"], 1);
  const nonce = () => new Uint8Array(16).map((_, i) => (nonceSeed * 31 + i * 7) & 0xff);
  if (step["program_key"] ?? (profileKey === undefined)) {
    ex("PROGRAM_KEY", { block_count: 1, key_mac: key });
    ex("RESULT_READ", { block_count: 1 });
  }
  const counterOf = (e: Exchange) =>
    num(e.messages.find((m) => m?.kind === "response")?.values["write_counter"], 0);
  let counter = counterOf(ex("GET_WRITE_COUNTER", { nonce: nonce(), block_count: 1 }));
  nonceSeed++;
  const writes = Array.isArray(step["writes"])
    ? step["writes"] as Record<string, unknown>[]
    : [{ address: 0, fill: 0xa5 }];
  for (const w of writes) {
    const address = num(w["address"], 0);
    const blocks = Math.max(1, num(w["blocks"], 1));
    const fill = num(w["fill"], 0x5a);
    const frames = Array.from({ length: blocks }, (_, i) =>
      d.bus.registry.get("rpmb")!.encodeMessage({
        name: "DATA_WRITE",
        fields: {
          address,
          block_count: blocks,
          write_counter: counter,
          data: new Uint8Array(256).fill((fill + i) & 0xff),
          key_mac: new Uint8Array(32),
        },
      }, { registry: d.bus.registry }));
    const mac = rpmbMacFrames(frames, key);
    frames.forEach((f, i) => {
      const fields: Record<string, unknown> = {
        address,
        "block_count": blocks,
        "write_counter": counter,
        data: f.subarray(228, 484),
        "key_mac": i === blocks - 1 ? mac : new Uint8Array(32),
      };
      ex("DATA_WRITE", fields);
    });
    const res = ex("RESULT_READ", { block_count: 1 });
    counter = counterOf(res) || counter + 1;
  }
  const reads = Array.isArray(step["reads"])
    ? step["reads"] as Record<string, unknown>[]
    : [{ address: 0, blocks: 1 }];
  for (const r of reads) {
    ex("DATA_READ", { address: num(r["address"], 0), block_count: num(r["blocks"], 1), nonce: nonce() });
    nonceSeed++;
  }
}

function viommuMacro(d: ScriptedDriver, step: MacroStep): void {
  const chan: Channel = { device: 0, queue: 0, ...(step["chan"] as Channel | undefined) };
  const ex = (name: string, fields: Record<string, unknown>) =>
    d.send({ proto: "virtio-iommu", name, fields, chan });
  const eps = d.profile.virtioIommu?.endpoints;
  const endpoint = num(step["endpoint"], Array.isArray(eps) ? eps[0] ?? 1 : 1);
  const domain = num(step["domain"], 1);
  if (step["probe"] !== false) ex("PROBE", { endpoint });
  ex("ATTACH", { domain, endpoint, flags: 0 });
  const maps = Array.isArray(step["maps"])
    ? step["maps"] as Record<string, unknown>[]
    : [{ virt: 0x100000, phys: 0x40000000, size: 0x10000 }];
  for (const m of maps) {
    const virt = BigInt(num(m["virt"], 0));
    const size = BigInt(num(m["size"], 0x1000));
    ex("MAP", {
      domain,
      virt_start: virt,
      virt_end: virt + size - 1n,
      phys_start: BigInt(num(m["phys"], 0)),
      flags: num(m["flags"], 3),
    });
  }
  if (step["unmap"] !== false) {
    for (const m of maps) {
      const virt = BigInt(num(m["virt"], 0));
      const size = BigInt(num(m["size"], 0x1000));
      ex("UNMAP", { domain, virt_start: virt, virt_end: virt + size - 1n });
    }
  }
  if (step["detach"] !== false) ex("DETACH", { domain, endpoint });
}
