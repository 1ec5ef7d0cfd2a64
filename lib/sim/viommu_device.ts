/**
 * A simulated virtio-iommu (device 23): domains, endpoints, mappings with the spec's alignment,
 * range, overlap and unmap rules, RESV_MEM properties through PROBE, bypass (global and per
 * domain), and fault reports. Rules: `shared/specs/rpmb-iommu.md` §B1–B2; choices:
 * ../../docs/sim-models.md ("virtio-iommu device").
 *
 * A response is the whole completed chain (head + body + [PROBE properties] + tail), encoded by the
 * `virtio-iommu` codec from the request's own fields plus `tail.status`
 * (docs/protocols/virtio-iommu.md).
 *
 * @example Attaching an endpoint and mapping a page
 * ```ts
 * import { createViommuDevice } from "./viommu_device.ts";
 * import { defaultRegistry } from "../codec/protocols/mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const codec = registry.get("virtio-iommu")!;
 * const iommu = createViommuDevice(undefined);
 * const run = (name: string, fields: Record<string, unknown>) => {
 *   const record = makeRecord(codec.encodeMessage({ name, fields }, { registry }), {
 *     protocol: "virtio-iommu", kind: "request", sender: "driver",
 *   });
 *   const [out] = iommu.handle(codec.decode(record, { registry }), {
 *     registry, now: 0n, record, deliver: () => [], options: {},
 *   });
 *   const bytes = codec.encodeMessage(out!.input!, { registry });
 *   return codec.decodeBytes(bytes, { registry, recordKind: "response" }).values["tail.status"];
 * };
 * equal(run("ATTACH", { domain: 1, endpoint: 0 }), 0);
 * equal(run("MAP", { domain: 1, virt_start: 0x1000n, virt_end: 0x1fffn, phys_start: 0x8000n, flags: 3 }), 0);
 * equal(iommu.translate(0, 0x1234n, 1), 0x8234n);
 * ```
 *
 * @module
 */
import type { Message } from "../codec/types.ts";
import type { DeviceModel, SimContext, SimOutput, SimProfile } from "./types.ts";

/** Status codes (tail.status), notes §B1. */
const S_OK = 0;
const S_UNSUPP = 2;
const S_INVAL = 4;
const S_RANGE = 5;
const S_NOENT = 6;

/** Fault reasons and flags, notes §B1. */
const R_UNKNOWN = 0;
const R_DOMAIN = 1;
const R_MAPPING = 2;
const F_READ = 1 << 0;
const F_WRITE = 1 << 1;
const F_ADDRESS = 1 << 8;

const ATTACH_F_BYPASS = 1 << 0;
const MAP_FLAGS_CURRENT = 0x7; // READ | WRITE | MMIO
const MAP_FLAGS_V07 = 0xf; // READ | WRITE | EXEC | MMIO
const U64_MAX = (1n << 64n) - 1n;
/** Size of the PROBE properties area (QEMU's probe_size, notes §B1). */
const PROBE_SIZE = 512;
const RESV_MEM_SIZE = 24;

/** Access flags of {@linkcode ViommuDevice.translate} and {@linkcode ViommuDevice.fault}. */
export const VIOMMU_ACCESS: Readonly<{ READ: number; WRITE: number }> = { READ: F_READ, WRITE: F_WRITE };

/** The virtio-iommu model: a device model plus the translation an endpoint's DMA would see. */
export interface ViommuDevice extends DeviceModel {
  /**
   * Translates one access of an endpoint (the QEMU rules of notes §B2 "Faults").
   * @param endpoint Endpoint id.
   * @param address I/O virtual address.
   * @param flags Access: READ 1, WRITE 2 ({@linkcode VIOMMU_ACCESS}).
   * @returns The physical address, or undefined when the access faults.
   */
  translate(endpoint: number, address: bigint, flags: number): bigint | undefined;
  /**
   * The fault report (eventq, queue 1) an access would raise: reason UNKNOWN, DOMAIN or MAPPING with
   * the access flags and ADDRESS. The replay core never calls it; tests and scenarios may.
   * @param endpoint Endpoint id.
   * @param address I/O virtual address.
   * @param flags Access: READ 1, WRITE 2.
   * @returns The FAULT event, or undefined when the access is allowed (nothing to report).
   */
  fault(endpoint: number, address: bigint, flags: number): SimOutput | undefined;
}

interface Mapping {
  start: bigint;
  end: bigint;
  phys: bigint;
  flags: number;
}

interface Domain {
  bypass: boolean;
  endpoints: Set<number>;
  /** Sorted by start, never overlapping. */
  mappings: Mapping[];
}

interface Resv {
  subtype: number;
  start: bigint;
  end: bigint;
}

interface Config {
  pageSizeMask: bigint;
  granule: bigint;
  inputStart: bigint;
  inputEnd: bigint;
  domainStart: number;
  domainEnd: number;
  bypass: boolean;
  /** Known endpoints; null = any endpoint (as QEMU, which serves every device behind it). */
  endpoints: Set<number> | null;
  /** RESV_MEM regions by endpoint; key -1 holds the regions of every endpoint. */
  resv: Map<number, Resv[]>;
}

const hasEndpoint = (c: Config, ep: number): boolean => c.endpoints === null || c.endpoints.has(ep);
const resvOf = (c: Config, ep: number): Resv[] => c.resv.get(ep) ?? c.resv.get(-1) ?? [];

function big(s: string, what: string): bigint {
  try {
    const v = BigInt(s.trim());
    if (v < 0n || v > U64_MAX) throw new RangeError();
    return v;
  } catch {
    throw new RangeError(`Cannot create the virtio-iommu device: ${what} "${s}" is not a u64`);
  }
}

function configOf(p: SimProfile["virtioIommu"] | undefined): Config {
  const pageSizeMask = big(p?.page_size_mask ?? "0xfffffffffffff000", "page_size_mask");
  if (pageSizeMask === 0n) {
    throw new RangeError("Cannot create the virtio-iommu device: page_size_mask has no bit set");
  }
  const inputStart = big(p?.input_range?.[0] ?? "0", "input_range start");
  const inputEnd = big(p?.input_range?.[1] ?? U64_MAX.toString(), "input_range end");
  const [domainStart, domainEnd] = p?.domain_range ?? [1, 65535];
  const endpoints = p?.endpoints === "any" ? null : new Set(p?.endpoints ?? [0, 1, 2, 3, 4, 5, 6, 7]);
  const resv = new Map<number, Resv[]>();
  const list: { endpoint: number | "any"; start: string; end: string; subtype: "reserved" | "msi" }[] =
    p?.resv_mem ??
      (endpoints ? [...endpoints] : ["any" as const]).map((endpoint) => ({
        endpoint,
        start: "0xfee00000",
        end: "0xfeefffff",
        subtype: "msi" as const,
      }));
  for (const item of list) {
    const r = { ...item, endpoint: item.endpoint === "any" ? -1 : item.endpoint };
    if (r.endpoint !== -1 && endpoints && !endpoints.has(r.endpoint)) {
      throw new RangeError(
        `Cannot create the virtio-iommu device: RESV_MEM names unknown endpoint ${r.endpoint}`,
      );
    }
    const e: Resv = {
      subtype: r.subtype === "msi" ? 1 : 0,
      start: big(r.start, "RESV_MEM start"),
      end: big(r.end, "RESV_MEM end"),
    };
    const mine = resv.get(r.endpoint) ?? [];
    if (e.end < e.start) {
      throw new RangeError(
        `Cannot create the virtio-iommu device: a RESV_MEM region of endpoint ${r.endpoint} ends before it starts`,
      );
    }
    if (e.subtype === 1 && mine.some((x) => x.subtype === 1)) {
      throw new RangeError(
        `Cannot create the virtio-iommu device: endpoint ${r.endpoint} has two MSI regions`,
      );
    }
    if (mine.some((x) => x.start <= e.end && e.start <= x.end)) {
      throw new RangeError(
        `Cannot create the virtio-iommu device: RESV_MEM regions of endpoint ${r.endpoint} overlap`,
      );
    }
    mine.push(e);
    resv.set(r.endpoint, mine);
  }
  return {
    pageSizeMask,
    granule: pageSizeMask & -pageSizeMask,
    inputStart,
    inputEnd,
    domainStart,
    domainEnd,
    bypass: p?.bypass ?? false,
    endpoints,
    resv,
  };
}

const num = (v: unknown): number => (typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : 0);
const u64 = (v: unknown): bigint => (typeof v === "bigint" ? v : BigInt(num(v)));
const nonZero = (v: unknown): boolean => v instanceof Uint8Array ? v.some((b) => b !== 0) : num(v) !== 0;

/** The virtio-iommu device model. */
class Viommu implements ViommuDevice {
  readonly protocol = "virtio-iommu" as const;
  #cfg: Config;
  #domains = new Map<number, Domain>();
  /** endpoint → domain id. */
  #attached = new Map<number, number>();

  constructor(profile: SimProfile["virtioIommu"] | undefined) {
    this.#cfg = configOf(profile);
  }

  reset(): void {
    this.#domains.clear();
    this.#attached.clear();
  }

  handle(msg: Message, _ctx: SimContext): SimOutput[] {
    if (msg.kind !== "request" || msg.truncated) return [];
    const v = msg.values;
    const v07 = msg.dialect === "v0.7";
    switch (msg.name) {
      case "ATTACH":
        return [this.#reply(msg, this.#attach(v, v07))];
      case "DETACH":
        return [this.#reply(msg, this.#detach(v, v07))];
      case "MAP":
        return [this.#reply(msg, this.#map(v, v07))];
      case "UNMAP":
        return [this.#reply(msg, this.#unmap(v))];
      case "PROBE":
        return this.#probe(msg);
      default:
        // Unknown type: the device does not write and completes with used length 0 (notes §B2).
        return [];
    }
  }

  /** The completed chain: the request's readable part, `extra` (PROBE) and the tail. */
  #reply(msg: Message, status: number, extra: Record<string, unknown> = {}): SimOutput {
    const fields: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(msg.values)) {
      if (k === "head.reserved" || (!k.includes(".") && !SKIP.has(k))) fields[k] = val;
    }
    return {
      protocol: "virtio-iommu",
      kind: "response",
      input: {
        name: msg.name,
        kind: "response",
        dialect: msg.dialect,
        fields: { ...fields, ...extra, "tail.status": status },
      },
    };
  }

  #detachEndpoint(endpoint: number): void {
    const id = this.#attached.get(endpoint);
    if (id === undefined) return;
    this.#attached.delete(endpoint);
    const d = this.#domains.get(id)!;
    d.endpoints.delete(endpoint);
    // The last endpoint gone, the domain and its mappings cease to exist.
    if (d.endpoints.size === 0) this.#domains.delete(id);
  }

  /** ATTACH: reserved, flags, endpoint, domain range, bypass type; moves an attached endpoint. */
  #attach(v: Message["values"], v07: boolean): number {
    if (nonZero(v["reserved"])) return S_INVAL;
    const flags = v07 ? 0 : num(v["flags"]);
    if (flags & ~ATTACH_F_BYPASS) return S_INVAL;
    const endpoint = num(v["endpoint"]);
    const id = num(v["domain"]);
    if (!hasEndpoint(this.#cfg, endpoint)) return S_NOENT;
    if (id < this.#cfg.domainStart || id > this.#cfg.domainEnd) return S_RANGE;
    const bypass = (flags & ATTACH_F_BYPASS) !== 0;
    const existing = this.#domains.get(id);
    if (existing && existing.bypass !== bypass) return S_INVAL;
    if (this.#attached.get(endpoint) === id) return S_OK;
    this.#detachEndpoint(endpoint);
    let d = this.#domains.get(id);
    if (!d) this.#domains.set(id, d = { bypass, endpoints: new Set(), mappings: [] });
    d.endpoints.add(endpoint);
    this.#attached.set(endpoint, id);
    return S_OK;
  }

  /** DETACH: reserved, endpoint, then the endpoint must be attached to that domain. */
  #detach(v: Message["values"], v07: boolean): number {
    if (nonZero(v["reserved"])) return S_INVAL;
    const endpoint = num(v["endpoint"]);
    if (!hasEndpoint(this.#cfg, endpoint)) return S_NOENT;
    const cur = this.#attached.get(endpoint);
    if (cur === undefined || (!v07 && cur !== num(v["domain"]))) return S_INVAL;
    this.#detachEndpoint(endpoint);
    return S_OK;
  }

  /** MAP: flags, domain, bypass, order, input range, alignment, overlap, RESV_MEM (notes §B2). */
  #map(v: Message["values"], v07: boolean): number {
    const flags = num(v["flags"]);
    if (flags & ~(v07 ? MAP_FLAGS_V07 : MAP_FLAGS_CURRENT)) return S_INVAL;
    const d = this.#domains.get(num(v["domain"]));
    if (!d) return S_NOENT;
    if (d.bypass) return S_INVAL;
    const start = u64(v["virt_start"]);
    const end = u64(v["virt_end"]);
    const phys = u64(v["phys_start"]);
    if (end < start) return S_INVAL;
    if (start < this.#cfg.inputStart || end > this.#cfg.inputEnd) return S_RANGE;
    if (phys + (end - start) > U64_MAX) return S_RANGE;
    const g = this.#cfg.granule;
    if (start % g !== 0n || phys % g !== 0n || (end + 1n) % g !== 0n) return S_RANGE;
    if (d.mappings.some((m) => m.start <= end && start <= m.end)) return S_INVAL;
    for (const ep of d.endpoints) {
      if (resvOf(this.#cfg, ep).some((r) => r.start <= end && start <= r.end)) return S_INVAL;
    }
    d.mappings.push({ start, end, phys, flags });
    d.mappings.sort((a, b) => (a.start < b.start ? -1 : 1));
    return S_OK;
  }

  /**
   * UNMAP: removes every mapping inside [virt_start, virt_end]; a mapping that would be split makes
   * the whole request fail with RANGE and nothing is removed (atomic, unlike QEMU).
   */
  #unmap(v: Message["values"]): number {
    const d = this.#domains.get(num(v["domain"]));
    if (!d) return S_NOENT;
    if (d.bypass) return S_INVAL;
    if (nonZero(v["reserved"])) return S_INVAL;
    const start = u64(v["virt_start"]);
    const end = u64(v["virt_end"]);
    if (end < start) return S_INVAL;
    if (start < this.#cfg.inputStart || end > this.#cfg.inputEnd) return S_RANGE;
    const hit = d.mappings.filter((m) => m.start <= end && start <= m.end);
    if (hit.some((m) => m.start < start || m.end > end)) return S_RANGE;
    d.mappings = d.mappings.filter((m) => !hit.includes(m));
    return S_OK;
  }

  /**
   * PROBE: unknown endpoint → NOENT; a posted properties area smaller than probe_size → INVAL with
   * nothing written; else the endpoint's RESV_MEM properties, zero-filled to probe_size.
   */
  #probe(msg: Message): SimOutput[] {
    const w = msg.values["writable"];
    const posted = w instanceof Uint8Array && w.length > 0 ? w.length : undefined;
    if (posted !== undefined && posted < 4) return [];
    const area = posted !== undefined ? posted - 4 : PROBE_SIZE;
    const empty = { properties: [], unused: area };
    const endpoint = num(msg.values["endpoint"]);
    if (!hasEndpoint(this.#cfg, endpoint)) return [this.#reply(msg, S_NOENT, empty)];
    if (area < PROBE_SIZE) return [this.#reply(msg, S_INVAL, empty)];
    const resv = resvOf(this.#cfg, endpoint);
    if (resv.length * RESV_MEM_SIZE > PROBE_SIZE) return [this.#reply(msg, S_UNSUPP, empty)];
    const properties = resv.map((r) => ({ type: 1, subtype: r.subtype, start: r.start, end: r.end }));
    return [this.#reply(msg, S_OK, { properties, unused: area - resv.length * RESV_MEM_SIZE })];
  }

  /** Translation per the QEMU order: endpoint, RESV_MEM, domain, bypass, mapping, permission. */
  #access(
    endpoint: number,
    address: bigint,
    flags: number,
  ): { pa: bigint } | { reason: number; flags: number } {
    const rw = flags & (F_READ | F_WRITE);
    if (!hasEndpoint(this.#cfg, endpoint)) {
      return this.#cfg.bypass ? { pa: address } : { reason: R_UNKNOWN, flags: F_ADDRESS };
    }
    const r = resvOf(this.#cfg, endpoint).find((x) => x.start <= address && address <= x.end);
    if (r) return r.subtype === 1 ? { pa: address } : { reason: R_MAPPING, flags: rw | F_ADDRESS };
    const id = this.#attached.get(endpoint);
    if (id === undefined) {
      return this.#cfg.bypass ? { pa: address } : { reason: R_DOMAIN, flags: F_ADDRESS };
    }
    const d = this.#domains.get(id)!;
    if (d.bypass) return { pa: address };
    const m = d.mappings.find((x) => x.start <= address && address <= x.end);
    if (!m) return { reason: R_MAPPING, flags: rw | F_ADDRESS };
    // A write needs WRITE; a read needs READ (QEMU faults a read of a write-only mapping).
    if ((rw & F_WRITE && !(m.flags & F_WRITE)) || (rw & F_READ && !(m.flags & F_READ))) {
      return { reason: R_MAPPING, flags: rw | F_ADDRESS };
    }
    return { pa: address - m.start + m.phys };
  }

  translate(endpoint: number, address: bigint, flags: number): bigint | undefined {
    const a = this.#access(endpoint, address, flags);
    return "pa" in a ? a.pa : undefined;
  }

  fault(endpoint: number, address: bigint, flags: number): SimOutput | undefined {
    const a = this.#access(endpoint, address, flags);
    if ("pa" in a) return undefined;
    return {
      protocol: "virtio-iommu",
      kind: "event",
      sender: "device",
      channel: { queue: 1 },
      input: {
        name: "FAULT",
        kind: "event",
        fields: { reason: a.reason, flags: a.flags, endpoint, address },
      },
    };
  }
}

/** Decoded values that are not part of the readable request (never echoed into the response). */
const SKIP = new Set(["writable", "padding", "trailing", "payload"]);

/**
 * Creates a simulated virtio-iommu. Defaults: page_size_mask 0xfffffffffffff000 (4 KiB granule),
 * input range 0..2^64-1, domains 1..65535, endpoints 0..7, no global bypass, and one MSI RESV_MEM
 * region 0xfee00000–0xfeefffff for every endpoint.
 *
 * @example
 * ```ts
 * import { createViommuDevice } from "./viommu_device.ts";
 * import { equal } from "node:assert/strict";
 * const iommu = createViommuDevice({ endpoints: [8], bypass: true, resv_mem: [] });
 * equal(iommu.translate(8, 0x1000n, 1), 0x1000n); // unattached + bypass: identity
 * ```
 *
 * @param profile The `virtioIommu` section of the simulator profile (absent keys take the defaults;
 *   `resv_mem: []` means no reserved regions).
 * @returns The device model, with `translate()` and `fault()`.
 * @throws {RangeError} When a profile value is not a u64, the page size mask is 0, or RESV_MEM
 *   regions name unknown endpoints, overlap, or give an endpoint two MSI regions.
 */
export function createViommuDevice(profile: SimProfile["virtioIommu"] | undefined): ViommuDevice {
  return new Viommu(profile);
}
