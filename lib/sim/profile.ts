/**
 * Simulator profiles: the built-in default and JSON loading with checks that name the offending key.
 * The format is documented in docs/sim-profile.md.
 *
 * @module
 */
import { VIRTIO_MSG_FFA_UUID } from "../codec/protocols/ffa.ts";
import type { SimProfile } from "./types.ts";

/** The RPMB key of the default profile (32 bytes, hex): bytes 0x00, 0x01, … 0x1f. */
export const DEFAULT_RPMB_KEY = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/**
 * The built-in profile: a virtio-blk (dev 0) and a virtio-net (dev 1) on the virtio-msg bus, an SPMC
 * (0x8000) with a virtio-msg partition (0x8001) and an OP-TEE partition (0x8002), an SCMI platform
 * with three clocks, an RPMB device of 128 blocks and a virtio-iommu with two endpoints.
 */
export const DEFAULT_PROFILE: Readonly<SimProfile> = Object.freeze({
  virtioMsg: {
    bus_max_msg_size: 104,
    devices: [
      {
        dev_num: 0,
        device_id: 2,
        vendor_id: 0x554d4551,
        // VERSION_1 (32), SIZE_MAX (1), SEG_MAX (2), BLK_SIZE (6), FLUSH (9).
        features: "0x100000246",
        // capacity (u64 2048 sectors), size_max 0x10000, seg_max 126, geometry 0, blk_size 512.
        config: "0008000000000000" + "00000100" + "7e000000" + "00000000" + "00020000",
        max_virtqueues: 1,
        queue_max_size: 256,
      },
      {
        dev_num: 1,
        device_id: 1,
        vendor_id: 0x554d4551,
        // VERSION_1 (32), MAC (5), STATUS (16); a driver asking for GUEST_TSO4 (7) is refused.
        features: "0x100010020",
        config: "525400123456" + "0100",
        max_virtqueues: 2,
        queue_max_size: 256,
        refuse_features: "0x80",
      },
    ],
  },
  ffa: {
    version: "1.2",
    own_id: 0x8000,
    partitions: [
      { id: 0x8001, uuid: VIRTIO_MSG_FFA_UUID, properties: 0x701, exec_contexts: 2, virtio_msg: true },
      { id: 0x8002, uuid: "486178e0-e7f8-11e3-bc5e-0002a5d5c51b", properties: 0x10f, exec_contexts: 2 },
    ],
  },
  scmi: {
    vendor: "vioscope",
    sub_vendor: "sim",
    impl_version: 0x10000,
    agents: [{ id: 1, name: "OSPM" }],
    clocks: [
      { name: "cpu", rates: [400_000_000, 800_000_000, 1_200_000_000], rate: 800_000_000, enabled: true },
      { name: "gpu", rates: [200_000_000, 500_000_000], rate: 200_000_000, enabled: false },
      { name: "uart", rates: [24_000_000], rate: 24_000_000, enabled: true },
    ],
    perf_domains: [{
      name: "little",
      levels: [{ perf: 400, power: 100, latency_us: 50 }, { perf: 800, power: 250, latency_us: 50 }],
    }],
    power_domains: [{ name: "gpu", state: 0 }],
    sensors: [{ name: "soc_temp", value: 45000, unit: 2 }],
    reset_domains: [{ name: "usb", latency_us: 10 }],
    voltage_domains: [{ name: "vdd_cpu", levels_uv: [800_000, 900_000, 1_000_000], level_uv: 900_000 }],
  },
  rpmb: { key: DEFAULT_RPMB_KEY, capacity_blocks: 128, write_counter: 0 },
  virtioIommu: {
    page_size_mask: "0xfffffffffffff000",
    input_range: ["0x0", "0xffffffffffff"],
    domain_range: [1, 255],
    bypass: false,
    endpoints: [1, 2],
    resv_mem: [{ endpoint: 1, start: "0x8000000", end: "0x80fffff", subtype: "msi" }],
  },
} as SimProfile);

const SECTIONS = ["virtioMsg", "ffa", "scmi", "rpmb", "virtioIommu"] as const;

/** A profile problem: names the key and what is wrong with its value. */
export class ProfileError extends TypeError {
  /** The dotted key (`virtioMsg.devices[0].dev_num`). */
  key: string;
  /**
   * @param key The dotted key.
   * @param problem What is wrong.
   * @param source Where the profile came from.
   */
  constructor(key: string, problem: string, source = "profile") {
    super(`Cannot load the simulator profile ${source}: ${key} ${problem}`);
    this.name = "ProfileError";
    this.key = key;
  }
}

type Json = unknown;

class Checker {
  constructor(readonly source: string) {}
  fail(key: string, problem: string): never {
    throw new ProfileError(key, problem, this.source);
  }
  object(v: Json, key: string): Record<string, Json> {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(key, "must be an object");
    return v as Record<string, Json>;
  }
  array(v: Json, key: string): Json[] {
    if (!Array.isArray(v)) this.fail(key, "must be an array");
    return v;
  }
  int(v: Json, key: string, min: number, max: number): number {
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(key, `must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
    }
    return v;
  }
  bool(v: Json, key: string): boolean {
    if (typeof v !== "boolean") this.fail(key, `must be true or false, not ${JSON.stringify(v)}`);
    return v;
  }
  string(v: Json, key: string): string {
    if (typeof v !== "string") this.fail(key, `must be a string, not ${JSON.stringify(v)}`);
    return v;
  }
  hexNumber(v: Json, key: string): string {
    const s = this.string(v, key);
    if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) {
      this.fail(key, `must be a number as text ("0x…" or decimal), not "${s}"`);
    }
    return s;
  }
  hexBytes(v: Json, key: string, length?: number): string {
    const s = this.string(v, key).replace(/^0x/i, "");
    if (!/^([0-9a-f]{2})*$/i.test(s)) this.fail(key, `must be hex bytes, not "${s}"`);
    if (length !== undefined && s.length !== length * 2) {
      this.fail(key, `must be ${length} bytes of hex, not ${s.length / 2}`);
    }
    return s;
  }
  uuid(v: Json, key: string): string {
    const s = this.string(v, key);
    if (!/^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s)) {
      this.fail(key, `must be a UUID like "${VIRTIO_MSG_FFA_UUID}", not "${s}"`);
    }
    return s;
  }
  known(o: Record<string, Json>, key: string, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) {
        this.fail(key ? `${key}.${k}` : k, `is not a profile key (expected one of ${allowed.join(", ")})`);
      }
    }
  }
}

const U16 = 0xffff;
const U32 = 0xffffffff;

function checkVirtioMsg(c: Checker, v: Json): NonNullable<SimProfile["virtioMsg"]> {
  const o = c.object(v, "virtioMsg");
  c.known(o, "virtioMsg", ["devices", "bus_max_msg_size"]);
  const devs = c.array(o["devices"], "virtioMsg.devices");
  const seen = new Set<number>();
  const devices = devs.map((d, i) => {
    const k = `virtioMsg.devices[${i}]`;
    const x = c.object(d, k);
    c.known(x, k, [
      "dev_num",
      "device_id",
      "vendor_id",
      "features",
      "config",
      "max_virtqueues",
      "queue_max_size",
      "refuse_features",
    ]);
    const devNum = c.int(x["dev_num"], `${k}.dev_num`, 0, U16);
    if (seen.has(devNum)) c.fail(`${k}.dev_num`, `repeats device number ${devNum}`);
    seen.add(devNum);
    const f = x["features"];
    const features = Array.isArray(f)
      ? f.map((b, j) => c.int(b, `${k}.features[${j}]`, 0, U32))
      : c.hexNumber(f, `${k}.features`);
    const out: NonNullable<SimProfile["virtioMsg"]>["devices"][number] = {
      "dev_num": devNum,
      "device_id": c.int(x["device_id"], `${k}.device_id`, 0, U32),
      features,
      config: c.hexBytes(x["config"] ?? "", `${k}.config`),
    };
    if (x["vendor_id"] !== undefined) out.vendor_id = c.int(x["vendor_id"], `${k}.vendor_id`, 0, U32);
    if (x["max_virtqueues"] !== undefined) {
      out.max_virtqueues = c.int(x["max_virtqueues"], `${k}.max_virtqueues`, 0, U16);
    }
    if (x["queue_max_size"] !== undefined) {
      out.queue_max_size = c.int(x["queue_max_size"], `${k}.queue_max_size`, 1, 32768);
    }
    if (x["refuse_features"] !== undefined) {
      out.refuse_features = c.hexNumber(x["refuse_features"], `${k}.refuse_features`);
    }
    return out;
  });
  const r: NonNullable<SimProfile["virtioMsg"]> = { devices };
  if (o["bus_max_msg_size"] !== undefined) {
    r.bus_max_msg_size = c.int(o["bus_max_msg_size"], "virtioMsg.bus_max_msg_size", 44, 4096);
  }
  return r;
}

function checkFfa(c: Checker, v: Json): NonNullable<SimProfile["ffa"]> {
  const o = c.object(v, "ffa");
  c.known(o, "ffa", ["version", "own_id", "partitions"]);
  const parts = c.array(o["partitions"], "ffa.partitions").map((p, i) => {
    const k = `ffa.partitions[${i}]`;
    const x = c.object(p, k);
    c.known(x, k, ["id", "uuid", "properties", "exec_contexts", "virtio_msg"]);
    const out: NonNullable<SimProfile["ffa"]>["partitions"][number] = {
      id: c.int(x["id"], `${k}.id`, 1, U16),
      uuid: c.uuid(x["uuid"], `${k}.uuid`),
    };
    if (x["properties"] !== undefined) out.properties = c.int(x["properties"], `${k}.properties`, 0, U32);
    if (x["exec_contexts"] !== undefined) {
      out.exec_contexts = c.int(x["exec_contexts"], `${k}.exec_contexts`, 1, U16);
    }
    if (x["virtio_msg"] !== undefined) out.virtio_msg = c.bool(x["virtio_msg"], `${k}.virtio_msg`);
    return out;
  });
  const r: NonNullable<SimProfile["ffa"]> = { partitions: parts };
  if (o["version"] !== undefined) {
    const s = c.string(o["version"], "ffa.version");
    if (!/^1\.\d+$/.test(s)) c.fail("ffa.version", `must be "1.0" … "1.3", not "${s}"`);
    r.version = s;
  }
  if (o["own_id"] !== undefined) r.own_id = c.int(o["own_id"], "ffa.own_id", 0, U16);
  return r;
}

function checkScmi(c: Checker, v: Json): NonNullable<SimProfile["scmi"]> {
  const o = c.object(v, "scmi");
  c.known(o, "scmi", [
    "vendor",
    "sub_vendor",
    "impl_version",
    "agents",
    "clocks",
    "perf_domains",
    "power_domains",
    "sensors",
    "reset_domains",
    "voltage_domains",
  ]);
  for (const k of ["vendor", "sub_vendor"]) if (o[k] !== undefined) c.string(o[k], `scmi.${k}`);
  if (o["impl_version"] !== undefined) c.int(o["impl_version"], "scmi.impl_version", 0, U32);
  const list = (key: string, check: (x: Record<string, Json>, k: string) => void) => {
    if (o[key] === undefined) return;
    c.array(o[key], `scmi.${key}`).forEach((e, i) =>
      check(c.object(e, `scmi.${key}[${i}]`), `scmi.${key}[${i}]`)
    );
  };
  list("agents", (x, k) => {
    c.int(x["id"], `${k}.id`, 0, 255);
    c.string(x["name"], `${k}.name`);
  });
  list("clocks", (x, k) => {
    c.string(x["name"], `${k}.name`);
    const rates = c.array(x["rates"], `${k}.rates`);
    if (rates.length === 0) c.fail(`${k}.rates`, "must list at least one rate");
    rates.forEach((r, j) => c.int(r, `${k}.rates[${j}]`, 0, Number.MAX_SAFE_INTEGER));
    c.int(x["rate"], `${k}.rate`, 0, Number.MAX_SAFE_INTEGER);
    if (x["enabled"] !== undefined) c.bool(x["enabled"], `${k}.enabled`);
  });
  list("perf_domains", (x, k) => {
    c.string(x["name"], `${k}.name`);
    c.array(x["levels"], `${k}.levels`);
  });
  for (const key of ["power_domains", "sensors", "reset_domains", "voltage_domains"]) {
    list(key, (x, k) => void c.string(x["name"], `${k}.name`));
  }
  return o as NonNullable<SimProfile["scmi"]>;
}

function checkRpmb(c: Checker, v: Json): NonNullable<SimProfile["rpmb"]> {
  const o = c.object(v, "rpmb");
  c.known(o, "rpmb", ["key", "capacity_blocks", "write_counter", "emmc"]);
  const r: NonNullable<SimProfile["rpmb"]> = {};
  if (o["key"] !== undefined) r.key = c.hexBytes(o["key"], "rpmb.key", 32);
  if (o["capacity_blocks"] !== undefined) {
    r.capacity_blocks = c.int(o["capacity_blocks"], "rpmb.capacity_blocks", 1, 0x10000);
  }
  if (o["write_counter"] !== undefined) {
    r.write_counter = c.int(o["write_counter"], "rpmb.write_counter", 0, U32);
  }
  if (o["emmc"] !== undefined) r.emmc = c.bool(o["emmc"], "rpmb.emmc");
  return r;
}

function checkViommu(c: Checker, v: Json): NonNullable<SimProfile["virtioIommu"]> {
  const o = c.object(v, "virtioIommu");
  c.known(o, "virtioIommu", [
    "page_size_mask",
    "input_range",
    "domain_range",
    "bypass",
    "endpoints",
    "resv_mem",
  ]);
  const eps: number[] | "any" = o["endpoints"] === "any"
    ? "any"
    : c.array(o["endpoints"], "virtioIommu.endpoints").map((e, i) =>
      c.int(e, `virtioIommu.endpoints[${i}]`, 0, U32)
    );
  const r: NonNullable<SimProfile["virtioIommu"]> = { endpoints: eps };
  if (o["page_size_mask"] !== undefined) {
    r.page_size_mask = c.hexNumber(o["page_size_mask"], "virtioIommu.page_size_mask");
  }
  if (o["input_range"] !== undefined) {
    const a = c.array(o["input_range"], "virtioIommu.input_range");
    if (a.length !== 2) c.fail("virtioIommu.input_range", "must be [start, end]");
    r.input_range = [
      c.hexNumber(a[0], "virtioIommu.input_range[0]"),
      c.hexNumber(a[1], "virtioIommu.input_range[1]"),
    ];
  }
  if (o["domain_range"] !== undefined) {
    const a = c.array(o["domain_range"], "virtioIommu.domain_range");
    if (a.length !== 2) c.fail("virtioIommu.domain_range", "must be [first, last]");
    r.domain_range = [
      c.int(a[0], "virtioIommu.domain_range[0]", 0, U32),
      c.int(a[1], "virtioIommu.domain_range[1]", 0, U32),
    ];
  }
  if (o["bypass"] !== undefined) r.bypass = c.bool(o["bypass"], "virtioIommu.bypass");
  if (o["resv_mem"] !== undefined) {
    r.resv_mem = c.array(o["resv_mem"], "virtioIommu.resv_mem").map((e, i) => {
      const k = `virtioIommu.resv_mem[${i}]`;
      const x = c.object(e, k);
      const subtype = c.string(x["subtype"], `${k}.subtype`);
      if (subtype !== "reserved" && subtype !== "msi") c.fail(`${k}.subtype`, `must be "reserved" or "msi"`);
      return {
        endpoint: x["endpoint"] === "any" ? "any" as const : c.int(x["endpoint"], `${k}.endpoint`, 0, U32),
        start: c.hexNumber(x["start"], `${k}.start`),
        end: c.hexNumber(x["end"], `${k}.end`),
        subtype,
      };
    });
  }
  return r;
}

/** Options of {@linkcode parseProfile}. */
export interface ParseProfileOptions {
  /**
   * Where the text came from, for error messages.
   * @default {"profile"}
   */
  source?: string;
}

/**
 * Parses and checks a JSON profile. Each top-level section present replaces the default's; a
 * section set to `null` removes that device model; an absent section keeps the default.
 *
 * @example Replacing the RPMB section and removing SCMI
 * ```ts
 * import { parseProfile } from "./profile.ts";
 * import { equal } from "node:assert/strict";
 * const p = parseProfile('{"rpmb": {"capacity_blocks": 16}, "scmi": null}');
 * equal(p.rpmb?.capacity_blocks, 16);
 * equal(p.scmi, undefined);
 * equal(p.virtioMsg?.devices.length, 2);
 * ```
 *
 * @param text JSON text.
 * @param options Source name for messages.
 * @returns The resolved profile.
 * @throws {ProfileError} Naming the first bad key.
 */
export function parseProfile(text: string, options: ParseProfileOptions = {}): SimProfile {
  const source = options.source ?? "profile";
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(
      `Cannot load the simulator profile ${source}: not JSON (${e instanceof Error ? e.message : e})`,
    );
  }
  return resolveProfile(raw, { source });
}

/**
 * Checks a profile object (already parsed) and fills in absent sections from the default.
 *
 * @param raw The object.
 * @param options Source name for messages.
 * @returns The resolved profile.
 * @throws {ProfileError} Naming the first bad key.
 */
export function resolveProfile(raw: unknown, options: ParseProfileOptions = {}): SimProfile {
  const c = new Checker(options.source ?? "profile");
  const o = c.object(raw, "(top level)");
  c.known(o, "", [...SECTIONS, "$schema", "comment"]);
  const out: SimProfile = {};
  const pick = <K extends typeof SECTIONS[number]>(k: K, check: (c: Checker, v: Json) => SimProfile[K]) => {
    if (!(k in o)) {
      if (DEFAULT_PROFILE[k] !== undefined) out[k] = structuredClone(DEFAULT_PROFILE[k]);
    } else if (o[k] !== null) out[k] = check(c, o[k]);
  };
  pick("virtioMsg", checkVirtioMsg);
  pick("ffa", checkFfa);
  pick("scmi", checkScmi);
  pick("rpmb", checkRpmb);
  pick("virtioIommu", checkViommu);
  return out;
}

/**
 * Parses a number given as text (`"0x…"` or decimal) or as a number, as a bigint.
 * @param v Text or number.
 * @returns The value.
 */
export function bigNumber(v: string | number | undefined): bigint {
  if (v === undefined) return 0n;
  return BigInt(v);
}

/**
 * Decodes hex text into bytes.
 * @param hex Hex text (an optional `0x` prefix, whitespace ignored).
 * @returns Bytes.
 */
export function hexBytes(hex: string): Uint8Array {
  const s = hex.replace(/^0x/i, "").replace(/\s+/g, "");
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
