/**
 * A simulated SCMI platform: the server side of Arm SCMI as Linux probes and drives it over
 * virtio-scmi (Base discovery, Clock, Perf, Power, Sensor, Reset and Voltage domains), with delayed
 * responses, notifications and per-agent protocol permissions. Rules and choices:
 * ../../docs/sim-models.md ("SCMI platform"); byte layouts: the `scmi` codec.
 *
 * @example Asking the default platform for its vendor
 * ```ts
 * import { createScmiPlatform } from "./scmi_platform.ts";
 * import { defaultRegistry } from "../codec/protocols/mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const codec = registry.get("scmi")!;
 * const bytes = codec.encodeMessage({ name: "BASE_DISCOVER_VENDOR" }, { registry });
 * const record = makeRecord(bytes, { protocol: "scmi", kind: "request", sender: "driver" });
 * const msg = codec.decode(record, { registry });
 * const [out] = createScmiPlatform(undefined).handle(msg, {
 *   registry, now: 0n, record, deliver: () => [], options: {},
 * });
 * const rsp = codec.decodeBytes(codec.encodeMessage(out!.input!, { registry }), { registry, recordKind: "response" });
 * equal(rsp.values.vendor_identifier, "vioscope");
 * ```
 *
 * @module
 */
import type { Message } from "../codec/types.ts";
import type { Channel } from "../record.ts";
import type { DeviceModel, SimContext, SimOutput, SimProfile } from "./types.ts";

/** SCMI status codes used by the platform (notes §2). */
const SUCCESS = 0;
const NOT_SUPPORTED = -1;
const INVALID_PARAMETERS = -2;
const DENIED = -3;
const NOT_FOUND = -4;
const OUT_OF_RANGE = -5;
const BUSY = -6;
const PROTOCOL_ERROR = -10;

const BASE = 0x10;
const POWER = 0x11;
const PERF = 0x13;
const CLOCK = 0x14;
const SENSOR = 0x15;
const RESET = 0x16;
const VOLTAGE = 0x17;

/** Versions reported, each at most what Linux drives (notes §3.0), chosen for the layouts modelled. */
const VERSIONS: Readonly<Record<number, number>> = {
  [BASE]: 0x20000,
  [POWER]: 0x30000,
  [PERF]: 0x30000,
  [CLOCK]: 0x20000,
  [SENSOR]: 0x20000,
  [RESET]: 0x30000,
  [VOLTAGE]: 0x20000,
};

/** Largest payload of one reply, status included (Linux VIRTIO_SCMI_MAX_MSG_SIZE, notes §4.1). */
const MAX_PAYLOAD = 128;
/** Most pending asynchronous requests (clock CLOCK_RATE_SET, sensor SENSOR_READING_GET). */
const MAX_ASYNC = 4;
const POWER_ON = 0x00000000;
const POWER_OFF = 0x40000000;
const VOLTAGE_ARCH_OFF = 0x0;
const VOLTAGE_ARCH_ON = 0x7;
const CALLING_AGENT = 0xffffffff;
const UNKNOWN_LATENCY = 0xffffffff;

/** Options of {@linkcode createScmiPlatform}. */
export interface ScmiPlatformOptions {
  /**
   * Most protocol ids in one BASE_DISCOVER_LIST_PROTOCOLS reply (the caller pages with `skip`).
   * @default {8}
   */
  listProtocolsMax?: number;
  /**
   * Delay of a delayed response after its command, in ns.
   * @default {100000n}
   */
  delayNs?: bigint;
  /**
   * Delay of a notification after the command that caused it, in ns.
   * @default {150000n}
   */
  notifyDelayNs?: bigint;
}

interface ClockCfg {
  name: string;
  /** Discrete rates, ascending (Hz). */
  rates?: number[];
  /** A linear range (Hz). */
  range?: { min: number; max: number; step: number };
  rate: number;
  enabled: boolean;
}

interface PerfCfg {
  name: string;
  levels: { perf: number; power: number; latency_us: number }[];
}

interface PlatformCfg {
  vendor: string;
  subVendor: string;
  implVersion: number;
  agents: { id: number; name: string; denied: Set<number> }[];
  clocks: ClockCfg[] | undefined;
  perf: PerfCfg[] | undefined;
  power: { name: string; state: number }[] | undefined;
  sensors: { name: string; value: number; unit: number }[] | undefined;
  resets: { name: string; latency: number }[] | undefined;
  voltages: { name: string; levels: number[]; level: number }[] | undefined;
}

/** The default platform: vendor "vioscope", clocks, perf, power, sensors, reset and voltage domains. */
function defaultConfig(): PlatformCfg {
  return {
    vendor: "vioscope",
    subVendor: "sim",
    implVersion: 0x00010000,
    agents: [{ id: 1, name: "OSPM", denied: new Set() }],
    clocks: [
      { name: "cpu_clk", rates: [400_000_000, 800_000_000, 1_200_000_000], rate: 800_000_000, enabled: true },
      { name: "bus_clk", rates: [100_000_000, 200_000_000], rate: 200_000_000, enabled: true },
      { name: "uart_clk", rates: [24_000_000, 48_000_000], rate: 24_000_000, enabled: false },
      {
        name: "pll_clk",
        range: { min: 100_000_000, max: 1_000_000_000, step: 100_000_000 },
        rate: 500_000_000,
        enabled: true,
      },
    ],
    perf: [
      {
        name: "cpu_perf",
        levels: [
          { perf: 200, power: 100, latency_us: 50 },
          { perf: 400, power: 250, latency_us: 50 },
          { perf: 800, power: 600, latency_us: 100 },
        ],
      },
      {
        name: "gpu_perf",
        levels: [
          { perf: 100, power: 300, latency_us: 200 },
          { perf: 300, power: 900, latency_us: 200 },
        ],
      },
    ],
    power: [{ name: "gpu_pd", state: POWER_ON }, { name: "video_pd", state: POWER_OFF }],
    sensors: [{ name: "soc_temp", value: 45, unit: 2 }, { name: "vdd_core", value: 900, unit: 5 }],
    resets: [{ name: "usb_reset", latency: 10 }],
    voltages: [{ name: "vdd_io", levels: [1_800_000, 3_300_000], level: 3_300_000 }],
  };
}

function configOf(p: SimProfile["scmi"] | undefined): PlatformCfg {
  const d = defaultConfig();
  if (!p) return d;
  const clocks = p.clocks?.map((c): ClockCfg => {
    const rates = [...c.rates].sort((a, b) => a - b);
    if (rates.length === 0) {
      throw new RangeError(`Cannot create the SCMI platform: clock "${c.name}" has no rates`);
    }
    return { name: c.name, rates, rate: c.rate, enabled: c.enabled ?? true };
  });
  const perf = p.perf_domains?.map((d): PerfCfg => {
    if (d.levels.length === 0) {
      throw new RangeError(`Cannot create the SCMI platform: perf domain "${d.name}" has no levels`);
    }
    return { name: d.name, levels: [...d.levels].sort((a, b) => a.perf - b.perf) };
  });
  const voltages = p.voltage_domains?.map((v) => {
    if (v.levels_uv.length === 0) {
      throw new RangeError(`Cannot create the SCMI platform: voltage domain "${v.name}" has no levels`);
    }
    return { name: v.name, levels: [...v.levels_uv].sort((a, b) => a - b), level: v.level_uv };
  });
  return {
    vendor: p.vendor ?? d.vendor,
    subVendor: p.sub_vendor ?? d.subVendor,
    implVersion: p.impl_version ?? d.implVersion,
    agents: p.agents?.map((a) => ({ id: a.id, name: a.name, denied: new Set(a.denied_protocols ?? []) })) ??
      d.agents,
    clocks: clocks ?? d.clocks,
    perf: perf ?? d.perf,
    power: p.power_domains?.map((x) => ({ name: x.name, state: x.state ?? POWER_ON })) ?? d.power,
    sensors: p.sensors?.map((s) => ({ name: s.name, value: s.value, unit: s.unit ?? 0 })) ?? d.sensors,
    resets: p.reset_domains?.map((r) => ({ name: r.name, latency: r.latency_us ?? UNKNOWN_LATENCY })) ??
      d.resets,
    voltages: voltages ?? d.voltages,
  };
}

/** Mutable state of the platform (what reset() restores). */
interface State {
  clocks: { rate: number; enabled: boolean }[];
  perf: { level: number; max: number; min: number }[];
  power: number[];
  sensors: { value: number; config: number }[];
  resets: boolean[];
  voltages: { level: number; config: number }[];
  /** `${protocol}/${notification id}/${resource}` → agents that enabled it. */
  subscriptions: Map<string, Set<number>>;
  /** Agents that enabled BASE_ERROR_EVENT. */
  errorNotify: Set<number>;
  /** Completion times of pending asynchronous requests, per protocol. */
  pending: Map<number, bigint[]>;
}

function initialState(cfg: PlatformCfg): State {
  return {
    clocks: (cfg.clocks ?? []).map((c) => ({ rate: c.rate, enabled: c.enabled })),
    perf: (cfg.perf ?? []).map((d) => {
      const top = d.levels[d.levels.length - 1]!.perf;
      return { level: top, max: top, min: d.levels[0]!.perf };
    }),
    power: (cfg.power ?? []).map((p) => p.state),
    sensors: (cfg.sensors ?? []).map((s) => ({ value: s.value, config: 1 })),
    resets: (cfg.resets ?? []).map(() => false),
    voltages: (cfg.voltages ?? []).map((v) => ({ level: v.level, config: VOLTAGE_ARCH_ON })),
    subscriptions: new Map(),
    errorNotify: new Set(),
    pending: new Map(),
  };
}

/** What a handler decided: a status, return values (SUCCESS only) and later messages. */
interface Result {
  status: number;
  fields?: Record<string, unknown>;
  later?: SimOutput[];
}

/** One request as the handlers see it. */
interface Req {
  msg: Message;
  v: Message["values"];
  agent: number;
  token: number;
  ctx: SimContext;
}

type Handler = (r: Req) => Result;

const ok = (fields: Record<string, unknown> = {}, later: SimOutput[] = []): Result => ({
  status: SUCCESS,
  fields,
  later,
});
const fail = (status: number): Result => ({ status });

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : 0);

/** A name cut to fit a 16-byte NUL-terminated field. */
function shortName(s: string): string {
  return cutUtf8(s, 15);
}

/** A name cut to fit a 64-byte NUL-terminated field. */
function longName(s: string): string {
  return cutUtf8(s, 63);
}

function cutUtf8(s: string, max: number): string {
  const enc = new TextEncoder();
  let out = s;
  while (enc.encode(out).length > max) out = out.slice(0, -1);
  return out;
}

const needsExtendedName = (s: string) => new TextEncoder().encode(s).length > 15;

/** The SCMI platform model. */
class ScmiPlatform implements DeviceModel {
  readonly protocol = "scmi" as const;
  #cfg: PlatformCfg;
  #opts: Required<ScmiPlatformOptions>;
  #st: State;
  /** protocol id → message id → handler (the implemented commands). */
  #handlers = new Map<number, Map<number, Handler>>();

  constructor(profile: SimProfile["scmi"] | undefined, options: ScmiPlatformOptions) {
    this.#cfg = configOf(profile);
    this.#opts = {
      listProtocolsMax: Math.max(1, options.listProtocolsMax ?? 8),
      delayNs: options.delayNs ?? 100_000n,
      notifyDelayNs: options.notifyDelayNs ?? 150_000n,
    };
    this.#st = initialState(this.#cfg);
    this.#install();
  }

  reset(): void {
    this.#st = initialState(this.#cfg);
  }

  handle(msg: Message, ctx: SimContext): SimOutput[] {
    if (msg.kind !== "request") return [];
    const v = msg.values;
    if (typeof v["hdr"] !== "number") return [];
    const proto = num(v["hdr.protocol_id"]);
    const id = num(v["hdr.msg_id"]);
    const agent = ctx.record.channel.src ?? 0;
    const req: Req = { msg, v, agent, token: num(v["hdr.token"]), ctx };
    const table = this.#handlers.get(proto);
    let res: Result;
    if (!table) res = fail(NOT_SUPPORTED);
    else if (proto !== BASE && this.#denied(agent, proto)) res = fail(DENIED);
    else {
      const h = table.get(id);
      if (!h || num(v["hdr.type"]) !== 0 || msg.issues.some((i) => i.code === "unknown-message")) {
        res = fail(NOT_SUPPORTED);
      } else if (msg.truncated) res = fail(PROTOCOL_ERROR);
      else res = h(req);
    }
    return [this.#reply(msg, res), ...(res.status === SUCCESS ? res.later ?? [] : [])];
  }

  /** The synchronous response: the request header verbatim, the status, values only on SUCCESS. */
  #reply(msg: Message, res: Result): SimOutput {
    const hdr = msg.values["hdr"] as number;
    if (!msg.name.startsWith("UNKNOWN") && !msg.name.startsWith("MALFORMED")) {
      return {
        protocol: "scmi",
        kind: "response",
        input: {
          name: msg.name,
          kind: "response",
          fields: { hdr, status: res.status, ...(res.status === SUCCESS ? res.fields : {}) },
        },
      };
    }
    const bytes = new Uint8Array(8);
    const dv = new DataView(bytes.buffer);
    dv.setUint32(0, hdr, true);
    dv.setInt32(4, res.status, true);
    return { protocol: "scmi", kind: "response", bytes };
  }

  #denied(agent: number, proto: number): boolean {
    return this.#cfg.agents.find((a) => a.id === agent)?.denied.has(proto) ?? false;
  }

  /** Non-Base protocols the platform implements, ascending. */
  #implemented(): number[] {
    return [...this.#handlers.keys()].filter((p) => p !== BASE).sort((a, b) => a - b);
  }

  /** Protocols an agent may use (what Base reports to it). */
  #visible(agent: number): number[] {
    return this.#implemented().filter((p) => !this.#denied(agent, p));
  }

  /** P2A channel: the eventq (queue 1) when the request came on a numbered virtqueue. */
  #p2a(ctx: SimContext, agent?: number): Channel {
    const ch: Channel = { ...ctx.record.channel };
    if (ch.queue !== undefined) ch.queue = 1;
    if (agent !== undefined) ch.src = agent;
    return ch;
  }

  /** A delayed response (type 2, same message id and token). */
  #delayed(r: Req, name: string, fields: Record<string, unknown>): SimOutput {
    return {
      protocol: "scmi",
      kind: "response",
      delayNs: this.#opts.delayNs,
      channel: this.#p2a(r.ctx),
      input: { name, kind: "response", fields: { "hdr.token": r.token, status: SUCCESS, ...fields } },
    };
  }

  /** Notifications to every agent that enabled `proto/notif/resource`, in agent order. */
  #notify(
    r: Req,
    proto: number,
    notif: number,
    resource: number,
    name: string,
    fields: Record<string, unknown>,
  ) {
    const subs = this.#st.subscriptions.get(`${proto}/${notif}/${resource}`);
    if (!subs) return [];
    return [...subs].sort((a, b) => a - b).map((agent): SimOutput => ({
      protocol: "scmi",
      kind: "event",
      sender: "device",
      delayNs: this.#opts.notifyDelayNs,
      channel: this.#p2a(r.ctx, agent),
      input: { name, kind: "event", fields: { "hdr.token": 0, agent_id: r.agent, ...fields } },
    }));
  }

  /** A *_NOTIFY command: bit 0 enables, the other bits are reserved. */
  #subscribe(r: Req, proto: number, notif: number, resource: number): Result {
    const word = num(r.v["notify_enable"]);
    if (word & ~1) return fail(INVALID_PARAMETERS);
    const key = `${proto}/${notif}/${resource}`;
    let set = this.#st.subscriptions.get(key);
    if (!set) this.#st.subscriptions.set(key, set = new Set());
    if (word & 1) set.add(r.agent);
    else set.delete(r.agent);
    return ok();
  }

  /** Admits an asynchronous request unless `max` are still pending at `now`. */
  #admitAsync(proto: number, now: bigint): boolean {
    const list = (this.#st.pending.get(proto) ?? []).filter((t) => t > now);
    if (list.length >= MAX_ASYNC) {
      this.#st.pending.set(proto, list);
      return false;
    }
    list.push(now + this.#opts.delayNs);
    this.#st.pending.set(proto, list);
    return true;
  }

  #add(proto: number, handlers: Record<number, Handler>, attributes: (r: Req) => Record<string, unknown>) {
    const m = new Map<number, Handler>();
    m.set(0x0, () => ok({ version: VERSIONS[proto]! }));
    m.set(0x1, (r) => ok(attributes(r)));
    m.set(0x2, (r) => (m.has(num(r.v["message_id"])) ? ok({ attributes: 0 }) : fail(NOT_FOUND)));
    for (const [id, h] of Object.entries(handlers)) m.set(Number(id), h);
    this.#handlers.set(proto, m);
  }

  #install(): void {
    const c = this.#cfg;
    this.#installBase();
    if (c.clocks?.length) this.#installClock(c.clocks);
    if (c.perf?.length) this.#installPerf(c.perf);
    if (c.power?.length) this.#installPower(c.power);
    if (c.sensors?.length) this.#installSensor(c.sensors);
    if (c.resets?.length) this.#installReset(c.resets);
    if (c.voltages?.length) this.#installVoltage(c.voltages);
  }

  // ---------------------------------------------------------------------------------------------
  // Base (0x10), notes §3.1 and §6.3

  #installBase(): void {
    const c = this.#cfg;
    const agentName = (id: number): string | undefined =>
      id === 0 ? "platform" : c.agents.find((a) => a.id === id)?.name;
    this.#add(BASE, {
      0x3: () => ok({ vendor_identifier: shortName(c.vendor) }),
      0x4: () => ok({ sub_vendor_identifier: shortName(c.subVendor) }),
      0x5: () => ok({ implementation_version: c.implVersion >>> 0 }),
      0x6: (r) => {
        const list = this.#visible(r.agent);
        const skip = num(r.v["skip"]);
        if (skip > list.length) return fail(INVALID_PARAMETERS);
        return ok({ protocols: list.slice(skip, skip + this.#opts.listProtocolsMax) });
      },
      0x7: (r) => {
        const asked = num(r.v["agent_id"]);
        const id = asked === CALLING_AGENT ? r.agent : asked;
        const name = agentName(id);
        return name === undefined ? fail(NOT_FOUND) : ok({ agent_id: id, name: shortName(name) });
      },
      0x8: (r) => {
        const word = num(r.v["notify_enable"]);
        if (word & ~1) return fail(INVALID_PARAMETERS);
        if (word & 1) this.#st.errorNotify.add(r.agent);
        else this.#st.errorNotify.delete(r.agent);
        return ok();
      },
      // PROTOCOL_ATTRIBUTES counts the protocols the calling agent sees (Linux then lists that many).
    }, (r) => ({ num_protocols: this.#visible(r.agent).length, num_agents: c.agents.length }));
  }

  // ---------------------------------------------------------------------------------------------
  // Clock (0x14), notes §3.2

  #installClock(clocks: ClockCfg[]): void {
    const st = () => this.#st.clocks;
    const find = (r: Req) => {
      const id = num(r.v["clock_id"]);
      return id < clocks.length ? { id, cfg: clocks[id]!, s: st()[id]! } : undefined;
    };
    const perReply = Math.floor((MAX_PAYLOAD - 8) / 8);
    this.#add(CLOCK, {
      0x3: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const attributes = (k.s.enabled ? 1 : 0) | (needsExtendedName(k.cfg.name) ? 1 << 29 : 0) |
          (1 << 31);
        return ok({ attributes: attributes >>> 0, name: shortName(k.cfg.name), clock_enable_latency: 0 });
      },
      0x4: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const index = num(r.v["rate_index"]);
        if (k.cfg.range) {
          // A range is one triplet, remaining 0 (notes §3.2); only index 0 exists.
          if (index !== 0) return fail(OUT_OF_RANGE);
          const { min, max, step } = k.cfg.range;
          return ok({
            "num_rates_flags.returned": 3,
            "num_rates_flags.format": 1,
            "num_rates_flags.remaining": 0,
            rates: [min, max, step],
          });
        }
        const rates = k.cfg.rates!;
        if (index >= rates.length) return fail(OUT_OF_RANGE);
        const part = rates.slice(index, index + perReply);
        return ok({
          "num_rates_flags.returned": part.length,
          "num_rates_flags.format": 0,
          "num_rates_flags.remaining": rates.length - index - part.length,
          rates: part,
        });
      },
      0x5: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const flags = num(r.v["flags"]);
        if (flags & ~0xf) return fail(INVALID_PARAMETERS);
        const rate = roundRate(k.cfg, Number(r.v["rate"] ?? 0n), flags);
        if (rate === undefined) return fail(OUT_OF_RANGE);
        const async = (flags & 1) !== 0;
        if (async && !this.#admitAsync(CLOCK, r.ctx.now)) return fail(BUSY);
        const changed = k.s.rate !== rate;
        k.s.rate = rate;
        const later: SimOutput[] = [];
        if (async && !(flags & 2)) {
          later.push(this.#delayed(r, "CLOCK_RATE_SET_COMPLETE", { clock_id: k.id, rate }));
        }
        if (changed) {
          later.push(...this.#notify(r, CLOCK, 0x0, k.id, "CLOCK_RATE_CHANGED", { clock_id: k.id, rate }));
        }
        return ok({}, later);
      },
      0x6: (r) => {
        const k = find(r);
        return k ? ok({ rate: k.s.rate }) : fail(NOT_FOUND);
      },
      0x7: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        // Clock v2: bit 0 enables; every other attribute bit is reserved.
        const attr = num(r.v["attributes"]);
        if (attr & ~1) return fail(INVALID_PARAMETERS);
        k.s.enabled = (attr & 1) !== 0;
        return ok();
      },
      0x8: (r) => {
        const k = find(r);
        return k ? ok({ flags: 0, name: longName(k.cfg.name) }) : fail(NOT_FOUND);
      },
      0x9: (r) => (find(r) ? this.#subscribe(r, CLOCK, 0x0, num(r.v["clock_id"])) : fail(NOT_FOUND)),
    }, () => ({ num_clocks: clocks.length, max_async_req: MAX_ASYNC }));
  }

  // ---------------------------------------------------------------------------------------------
  // Perf (0x13), notes §3.3

  #installPerf(domains: PerfCfg[]): void {
    const find = (r: Req) => {
      const id = num(r.v["domain_id"]);
      return id < domains.length ? { id, cfg: domains[id]!, s: this.#st.perf[id]! } : undefined;
    };
    const perReply = Math.floor((MAX_PAYLOAD - 8) / 12);
    this.#add(PERF, {
      0x3: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const top = k.cfg.levels[k.cfg.levels.length - 1]!.perf;
        const flags = (1 << 31) | (1 << 30) | (1 << 29) | (1 << 28) |
          (needsExtendedName(k.cfg.name) ? 1 << 26 : 0);
        return ok({
          flags: flags >>> 0,
          rate_limit: 0,
          sustained_freq_khz: top * 1000,
          sustained_perf_level: top,
          name: shortName(k.cfg.name),
        });
      },
      0x4: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const index = num(r.v["level_index"]);
        if (index >= k.cfg.levels.length) return fail(OUT_OF_RANGE);
        const part = k.cfg.levels.slice(index, index + perReply);
        return ok({
          num_remaining: k.cfg.levels.length - index - part.length,
          levels: part.map((l) => ({
            perf_level: l.perf,
            power: l.power,
            transition_latency_us: l.latency_us,
          })),
        });
      },
      0x5: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const max = num(r.v["range_max"]);
        const min = num(r.v["range_min"]);
        const lv = k.cfg.levels;
        if (min > max) return fail(INVALID_PARAMETERS);
        if (min < lv[0]!.perf || max > lv[lv.length - 1]!.perf) return fail(OUT_OF_RANGE);
        const inside = lv.filter((l) => l.perf >= min && l.perf <= max);
        if (inside.length === 0) return fail(INVALID_PARAMETERS);
        k.s.max = max;
        k.s.min = min;
        const later = this.#notify(r, PERF, 0x0, k.id, "PERFORMANCE_LIMITS_CHANGED", {
          domain_id: k.id,
          range_max: max,
          range_min: min,
        });
        const clamped = k.s.level > max
          ? inside[inside.length - 1]!.perf
          : k.s.level < min
          ? inside[0]!.perf
          : k.s.level;
        if (clamped !== k.s.level) {
          k.s.level = clamped;
          later.push(...this.#levelChanged(r, k.id, clamped));
        }
        return ok({}, later);
      },
      0x6: (r) => {
        const k = find(r);
        return k ? ok({ range_max: k.s.max, range_min: k.s.min }) : fail(NOT_FOUND);
      },
      0x7: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const level = num(r.v["performance_level"]);
        if (level < k.s.min || level > k.s.max) return fail(OUT_OF_RANGE);
        if (!k.cfg.levels.some((l) => l.perf === level)) return fail(INVALID_PARAMETERS);
        const changed = k.s.level !== level;
        k.s.level = level;
        return ok({}, changed ? this.#levelChanged(r, k.id, level) : []);
      },
      0x8: (r) => {
        const k = find(r);
        return k ? ok({ performance_level: k.s.level }) : fail(NOT_FOUND);
      },
      0x9: (r) => (find(r) ? this.#subscribe(r, PERF, 0x0, num(r.v["domain_id"])) : fail(NOT_FOUND)),
      0xa: (r) => (find(r) ? this.#subscribe(r, PERF, 0x1, num(r.v["domain_id"])) : fail(NOT_FOUND)),
      0xc: (r) => {
        const k = find(r);
        return k ? ok({ flags: 0, name: longName(k.cfg.name) }) : fail(NOT_FOUND);
      },
    }, () => ({ num_domains: domains.length, flags: 1, stats_addr: 0, stats_size: 0 }));
  }

  #levelChanged(r: Req, domain: number, level: number): SimOutput[] {
    return this.#notify(r, PERF, 0x1, domain, "PERFORMANCE_LEVEL_CHANGED", {
      domain_id: domain,
      performance_level: level,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Power (0x11), notes §3.4

  #installPower(domains: { name: string; state: number }[]): void {
    const find = (r: Req) => {
      const id = num(r.v["domain_id"]);
      return id < domains.length ? { id, cfg: domains[id]! } : undefined;
    };
    this.#add(POWER, {
      0x3: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const attributes = (1 << 31) | (1 << 30) | (1 << 29) | (needsExtendedName(k.cfg.name) ? 1 << 27 : 0);
        return ok({ attributes: attributes >>> 0, name: shortName(k.cfg.name) });
      },
      0x4: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const flags = num(r.v["flags"]);
        const state = num(r.v["power_state"]);
        if (flags & ~1) return fail(INVALID_PARAMETERS);
        if (state !== POWER_ON && state !== POWER_OFF) return fail(INVALID_PARAMETERS);
        const changed = this.#st.power[k.id] !== state;
        this.#st.power[k.id] = state;
        const later: SimOutput[] = [];
        if (flags & 1) {
          later.push(this.#delayed(r, "POWER_STATE_SET_COMPLETE", { domain_id: k.id, power_state: state }));
        }
        if (changed) {
          later.push(
            ...this.#notify(r, POWER, 0x0, k.id, "POWER_STATE_CHANGED", {
              domain_id: k.id,
              power_state: state,
            }),
          );
        }
        return ok({}, later);
      },
      0x5: (r) => {
        const k = find(r);
        return k ? ok({ power_state: this.#st.power[k.id]! }) : fail(NOT_FOUND);
      },
      0x6: (r) => (find(r) ? this.#subscribe(r, POWER, 0x0, num(r.v["domain_id"])) : fail(NOT_FOUND)),
      0x8: (r) => {
        const k = find(r);
        return k ? ok({ flags: 0, name: longName(k.cfg.name) }) : fail(NOT_FOUND);
      },
    }, () => ({ num_domains: domains.length, stats_addr: 0, stats_size: 0 }));
  }

  // ---------------------------------------------------------------------------------------------
  // Sensor (0x15), notes §3.6

  #installSensor(sensors: { name: string; value: number; unit: number }[]): void {
    const find = (r: Req) => {
      const id = num(r.v["sensor_id"]);
      return id < sensors.length ? { id, cfg: sensors[id]!, s: this.#st.sensors[id]! } : undefined;
    };
    const perReply = Math.floor((MAX_PAYLOAD - 8) / 28);
    this.#add(
      SENSOR,
      {
        0x3: (r) => {
          const index = num(r.v["desc_index"]);
          if (index >= sensors.length) return fail(OUT_OF_RANGE);
          const part = sensors.slice(index, index + perReply);
          return ok({
            num_remaining: sensors.length - index - part.length,
            descriptors: part.map((s, i) => ({
              id: index + i,
              attributes_low: (1 << 31) >>> 0,
              attributes_high: s.unit & 0xff,
              name: shortName(s.name),
            })),
          });
        },
        0x6: (r) => {
          const k = find(r);
          if (!k) return fail(NOT_FOUND);
          const flags = num(r.v["flags"]);
          if (flags & ~1) return fail(INVALID_PARAMETERS);
          const value = BigInt(Math.round(k.s.value));
          if (!(flags & 1)) return ok({ value });
          if (!this.#admitAsync(SENSOR, r.ctx.now)) return fail(BUSY);
          return ok({}, [this.#delayed(r, "SENSOR_READING_COMPLETE", { sensor_id: k.id, value })]);
        },
        0x9: (r) => {
          const k = find(r);
          return k ? ok({ sensor_config: k.s.config }) : fail(NOT_FOUND);
        },
        0xa: (r) => {
          const k = find(r);
          if (!k) return fail(NOT_FOUND);
          k.s.config = num(r.v["sensor_config"]);
          return ok();
        },
      },
      () => ({
        num_sensors: sensors.length,
        max_pending_async: MAX_ASYNC,
        sensor_reg_addr: 0,
        sensor_reg_len: 0,
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Reset (0x16), notes §3.7

  #installReset(domains: { name: string; latency: number }[]): void {
    const find = (r: Req) => {
      const id = num(r.v["domain_id"]);
      return id < domains.length ? { id, cfg: domains[id]! } : undefined;
    };
    this.#add(RESET, {
      0x3: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const attributes = (1 << 31) | (1 << 30) | (needsExtendedName(k.cfg.name) ? 1 << 29 : 0);
        return ok({
          attributes: attributes >>> 0,
          latency_us: k.cfg.latency >>> 0,
          name: shortName(k.cfg.name),
        });
      },
      0x4: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const flags = num(r.v["flags"]);
        const state = num(r.v["reset_state"]);
        if (flags & ~7) return fail(INVALID_PARAMETERS);
        // Only the architectural cold reset (0) is modelled.
        if (state !== 0) return fail(INVALID_PARAMETERS);
        if (flags & 1) this.#st.resets[k.id] = false; // autonomous: assert and release
        else this.#st.resets[k.id] = (flags & 2) !== 0; // explicit assert, or deassert
        const later: SimOutput[] = [];
        if (flags & 4) later.push(this.#delayed(r, "RESET_COMPLETE", { domain_id: k.id }));
        if (flags & 3) {
          later.push(
            ...this.#notify(r, RESET, 0x0, k.id, "RESET_ISSUED", { domain_id: k.id, reset_state: state }),
          );
        }
        return ok({}, later);
      },
      0x5: (r) => (find(r) ? this.#subscribe(r, RESET, 0x0, num(r.v["domain_id"])) : fail(NOT_FOUND)),
      0x6: (r) => {
        const k = find(r);
        return k ? ok({ flags: 0, name: longName(k.cfg.name) }) : fail(NOT_FOUND);
      },
    }, () => ({ "attributes.num_domains": domains.length }));
  }

  // ---------------------------------------------------------------------------------------------
  // Voltage (0x17), notes §3.8

  #installVoltage(domains: { name: string; levels: number[]; level: number }[]): void {
    const find = (r: Req) => {
      const id = num(r.v["domain_id"]);
      return id < domains.length ? { id, cfg: domains[id]!, s: this.#st.voltages[id]! } : undefined;
    };
    const perReply = Math.floor((MAX_PAYLOAD - 8) / 4);
    this.#add(VOLTAGE, {
      0x3: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const attributes = (1 << 31) | (needsExtendedName(k.cfg.name) ? 1 << 30 : 0);
        return ok({ attributes: attributes >>> 0, name: shortName(k.cfg.name) });
      },
      0x4: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const index = num(r.v["level_index"]);
        if (index >= k.cfg.levels.length) return fail(OUT_OF_RANGE);
        const part = k.cfg.levels.slice(index, index + perReply);
        return ok({
          "flags.returned": part.length,
          "flags.segmented": 0,
          "flags.remaining": k.cfg.levels.length - index - part.length,
          levels: part,
        });
      },
      0x5: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const config = num(r.v["config"]);
        if (config !== VOLTAGE_ARCH_OFF && config !== VOLTAGE_ARCH_ON) return fail(INVALID_PARAMETERS);
        k.s.config = config;
        return ok();
      },
      0x6: (r) => {
        const k = find(r);
        return k ? ok({ config: k.s.config }) : fail(NOT_FOUND);
      },
      0x7: (r) => {
        const k = find(r);
        if (!k) return fail(NOT_FOUND);
        const flags = num(r.v["flags"]);
        const level = num(r.v["voltage_level"]);
        const lv = k.cfg.levels;
        if (flags & ~1) return fail(INVALID_PARAMETERS);
        if (level < lv[0]! || level > lv[lv.length - 1]!) return fail(OUT_OF_RANGE);
        if (!lv.includes(level)) return fail(INVALID_PARAMETERS);
        k.s.level = level;
        return ok(
          {},
          flags & 1
            ? [this.#delayed(r, "VOLTAGE_LEVEL_SET_COMPLETE", { domain_id: k.id, voltage_level: level })]
            : [],
        );
      },
      0x8: (r) => {
        const k = find(r);
        return k ? ok({ voltage_level: k.s.level }) : fail(NOT_FOUND);
      },
      0x9: (r) => {
        const k = find(r);
        return k ? ok({ flags: 0, name: longName(k.cfg.name) }) : fail(NOT_FOUND);
      },
    }, () => ({ "attributes.num_domains": domains.length }));
  }
}

/**
 * The rate a CLOCK_RATE_SET leads to: outside [min, max] → undefined (OUT_OF_RANGE); otherwise the
 * supported rate picked by the flags (bit 3 round auto = nearest, else bit 2 round up, else down).
 */
function roundRate(c: ClockCfg, want: number, flags: number): number | undefined {
  const auto = (flags & 8) !== 0;
  const up = (flags & 4) !== 0;
  if (c.range) {
    const { min, max, step } = c.range;
    if (want < min || want > max) return undefined;
    const k = (want - min) / step;
    const i = auto ? Math.round(k) : up ? Math.ceil(k) : Math.floor(k);
    return Math.min(max, min + i * step);
  }
  const rates = c.rates!;
  if (want < rates[0]! || want > rates[rates.length - 1]!) return undefined;
  if (rates.includes(want)) return want;
  const below = rates.filter((x) => x <= want).pop()!;
  const above = rates.find((x) => x >= want)!;
  if (auto) return want - below <= above - want ? below : above;
  return up ? above : below;
}

/**
 * Creates a simulated SCMI platform. Profile keys that are absent take the default platform's
 * resources; an empty list removes that protocol. Unknown protocols and messages answer
 * NOT_SUPPORTED, protocols denied to the calling agent (`record.channel.src`, default 0) DENIED.
 *
 * @example
 * ```ts
 * import { createScmiPlatform } from "./scmi_platform.ts";
 * import { equal } from "node:assert/strict";
 * const platform = createScmiPlatform({ vendor: "acme", clocks: [] });
 * equal(platform.protocol, "scmi");
 * ```
 *
 * @param profile The `scmi` section of the simulator profile (undefined = the default platform).
 * @param options Paging and delays.
 * @returns The device model.
 * @throws {RangeError} When a profile clock, perf domain or voltage domain has no rates/levels.
 */
export function createScmiPlatform(
  profile: SimProfile["scmi"] | undefined,
  options: ScmiPlatformOptions = {},
): DeviceModel {
  return new ScmiPlatform(profile, options);
}
