/**
 * The device side of a virtio-msg bus (virtio-msg.md §5–6): bus messages (GET_DEVICES, PING, the
 * FF-A bus messages) and, per device, the transport: device info, feature blocks, the status state
 * machine, config space with a generation count, virtqueues and notifications. Responses echo
 * `type|1`, `msg_id`, `dev_num` and `token`.
 *
 * @module
 */
import type { Message, MessageInput, ValueMap } from "../codec/types.ts";
import { bigNumber, DEFAULT_PROFILE, hexBytes } from "./profile.ts";
import type { DeviceModel, SimContext, SimOutput, SimProfile } from "./types.ts";

/** virtio status bits. */
export const STATUS = {
  ACKNOWLEDGE: 1,
  DRIVER: 2,
  DRIVER_OK: 4,
  FEATURES_OK: 8,
  NEEDS_RESET: 0x40,
  FAILED: 0x80,
};

/** Delay of a response after its request, ns. */
export const VMSG_RESPONSE_DELAY_NS = 2_000n;
/** Delay of an EVENT_USED after the EVENT_AVAIL that caused it, ns. */
export const VMSG_USED_DELAY_NS = 15_000n;

type DeviceConfig = NonNullable<SimProfile["virtioMsg"]>["devices"][number];

interface Vqueue {
  size: number;
  desc: bigint;
  driver: bigint;
  device: bigint;
  ready: boolean;
}

/** One virtio device behind the bus: its state and its answers to transport messages. */
export class VirtioMsgDevice {
  /** The profile entry. */
  readonly config: DeviceConfig;
  /** Device feature bits. */
  readonly features: bigint;
  /** Feature bits that make FEATURES_OK fail when the driver sets them. */
  readonly refused: bigint;
  /** Device status (u32). */
  status = 0;
  /** Driver feature bits as written. */
  driverFeatures = 0n;
  /** Config generation. */
  generation = 0;
  /** Config space. */
  space: Uint8Array;
  /** Virtqueues by index. */
  vqs = new Map<number, Vqueue>();
  /** Whether the driver ever configured a queue with SET_VQUEUE (see EVENT_AVAIL). */
  sawSetVqueue = false;
  #initialSpace: Uint8Array;

  /** @param config The profile entry. */
  constructor(config: DeviceConfig) {
    this.config = config;
    const f = config.features;
    this.features = Array.isArray(f)
      ? f.reduce((a, b, i) => a | (BigInt(b >>> 0) << BigInt(32 * i)), 0n)
      : bigNumber(f);
    this.refused = bigNumber(config.refuse_features);
    this.#initialSpace = hexBytes(config.config);
    this.space = this.#initialSpace.slice();
  }

  /** Number of 32-bit feature blocks the device reports (at least 2). */
  get featureBlocks(): number {
    return Math.max(2, Math.ceil(this.features.toString(2).length / 32));
  }

  /** Power-on state (the generation keeps counting, as the spec allows). */
  powerOn(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    this.vqs.clear();
    this.space = this.#initialSpace.slice();
    this.generation = 0;
  }

  /** A driver reset (status 0): clears negotiated features, queues and status. */
  reset(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    this.vqs.clear();
  }

  /**
   * Answers a transport message.
   * @param msg The request (or driver event).
   * @returns What the device sends: [kind, name, fields, delay] tuples.
   */
  handle(msg: Message): { kind: "response" | "event"; name: string; fields: ValueMap; delayNs: bigint }[] {
    const v = msg.values;
    const rsp = (
      fields: ValueMap,
    ) => [{ kind: "response" as const, name: msg.name, fields, delayNs: VMSG_RESPONSE_DELAY_NS }];
    switch (msg.name) {
      case "GET_DEVICE_INFO":
        return rsp({
          device_id: this.config.device_id,
          vendor_id: this.config.vendor_id ?? 0,
          num_feature_bits: this.featureBlocks * 32,
          config_size: this.space.length,
          max_virtqueues: this.config.max_virtqueues ?? 1,
          admin_vq_start: 0,
          admin_vq_count: 0,
        });
      case "GET_DEVICE_FEATURES": {
        const first = Number(v["block_index"] ?? 0);
        const n = Math.min(Number(v["num_blocks"] ?? 0), 24);
        const features: number[] = [];
        for (let i = 0; i < n; i++) {
          features.push(Number((this.features >> BigInt(32 * (first + i))) & 0xffffffffn));
        }
        return rsp({ block_index: first, num_blocks: n, features });
      }
      case "SET_DRIVER_FEATURES": {
        if (!(this.status & STATUS.FEATURES_OK)) {
          const first = Number(v["block_index"] ?? 0);
          const blocks = (v["features"] as number[] | undefined) ?? [];
          blocks.forEach((b, i) => {
            const shift = BigInt(32 * (first + i));
            this.driverFeatures = (this.driverFeatures & ~(0xffffffffn << shift)) |
              (BigInt(b >>> 0) << shift);
          });
        }
        return rsp({});
      }
      case "GET_DEVICE_STATUS":
        return rsp({ status: this.status });
      case "SET_DEVICE_STATUS": {
        const s = Number(v["status"] ?? 0) >>> 0;
        if (s === 0) this.reset();
        else if ((s & STATUS.FEATURES_OK) && !(this.status & STATUS.FEATURES_OK) && !this.acceptable()) {
          this.status = (s & ~STATUS.FEATURES_OK) >>> 0;
        } else this.status = s;
        return rsp({ status: this.status });
      }
      case "GET_CONFIG": {
        const off = Number(v["offset"] ?? 0);
        const len = Number(v["length"] ?? 0);
        const ok = off + len <= this.space.length;
        const data = ok ? this.space.slice(off, off + len) : new Uint8Array(0);
        return rsp({ generation: this.generation, offset: off, length: data.length, data });
      }
      case "SET_CONFIG": {
        const off = Number(v["offset"] ?? 0);
        const data = v["data"] instanceof Uint8Array ? v["data"] : new Uint8Array(0);
        const stale = Number(v["generation"] ?? 0) !== this.generation;
        if (stale || off + data.length > this.space.length) {
          return rsp({ generation: this.generation, offset: off, length: 0 });
        }
        this.space.set(data, off);
        if (data.length) this.generation = (this.generation + 1) >>> 0;
        return rsp({ generation: this.generation, offset: off, length: data.length });
      }
      case "GET_VQUEUE": {
        const i = Number(v["index"] ?? 0);
        if (i >= (this.config.max_virtqueues ?? 1)) {
          return rsp({ index: i, max_size: 0, cur_size: 0, desc_addr: 0n, driver_addr: 0n, device_addr: 0n });
        }
        const q = this.vqs.get(i);
        return rsp({
          index: i,
          max_size: this.config.queue_max_size ?? 256,
          cur_size: q?.size ?? 0,
          desc_addr: q?.desc ?? 0n,
          driver_addr: q?.driver ?? 0n,
          device_addr: q?.device ?? 0n,
        });
      }
      case "SET_VQUEUE": {
        this.sawSetVqueue = true;
        const i = Number(v["index"] ?? 0);
        const size = Number(v["size"] ?? 0);
        if (
          i < (this.config.max_virtqueues ?? 1) && size > 0 && size <= (this.config.queue_max_size ?? 256)
        ) {
          this.vqs.set(i, {
            size,
            desc: BigInt(v["desc_addr"] as bigint ?? 0n),
            driver: BigInt(v["driver_addr"] as bigint ?? 0n),
            device: BigInt(v["device_addr"] as bigint ?? 0n),
            ready: true,
          });
        }
        return rsp({});
      }
      case "RESET_VQUEUE":
        this.vqs.delete(Number(v["index"] ?? 0));
        return rsp({});
      case "GET_SHM":
        return rsp({ index: Number(v["index"] ?? 0), length: 0, address: 0 });
      case "EVENT_AVAIL": {
        if (!(this.status & STATUS.DRIVER_OK)) {
          // QEMU: a notification before DRIVER_OK is answered with a config event carrying the status.
          return [{
            kind: "event",
            name: "EVENT_CONFIG",
            fields: {
              device_status: this.status,
              generation: this.generation,
              offset: 0,
              data: new Uint8Array(0),
            },
            delayNs: VMSG_RESPONSE_DELAY_NS,
          }];
        }
        const q = Number(v["vq_index"] ?? 0);
        // A trace that never shows SET_VQUEUE (a QEMU log of a virtio-pci device: queues are set up
        // through PCI registers QEMU does not trace) gets its queues treated as configured out of band.
        const outOfBand = !this.sawSetVqueue && q < (this.config.max_virtqueues ?? 1);
        if (!this.vqs.get(q)?.ready && !outOfBand) return [];
        return [{ kind: "event", name: "EVENT_USED", fields: { vq_index: q }, delayNs: VMSG_USED_DELAY_NS }];
      }
      default:
        return [];
    }
  }

  /** Driver features are a subset of the device's and set none of the refused bits. */
  acceptable(): boolean {
    return (this.driverFeatures & ~this.features) === 0n && (this.driverFeatures & this.refused) === 0n;
  }
}

/** The virtio-msg bus model: bus messages plus the devices of the profile. */
export class VirtioMsgBusModel implements DeviceModel {
  /** Protocol served. */
  readonly protocol = "virtio-msg" as const;
  /** Devices by number. */
  readonly devices: Map<number, VirtioMsgDevice>;
  /** Largest message the bus carries. */
  readonly maxMsgSize: number;
  /** FF-A shared areas by id. */
  areas = new Map<number, bigint>();

  /** @param profile The virtio-msg section of a profile. */
  constructor(profile: SimProfile["virtioMsg"] = DEFAULT_PROFILE.virtioMsg) {
    this.devices = new Map((profile?.devices ?? []).map((d) => [d.dev_num, new VirtioMsgDevice(d)]));
    this.maxMsgSize = profile?.bus_max_msg_size ?? 104;
  }

  /** Power-on state of the bus and every device. */
  reset(): void {
    this.areas.clear();
    for (const d of this.devices.values()) d.powerOn();
  }

  /**
   * Handles one driver-side message.
   * @param msg The decoded message.
   * @param _ctx Simulation context.
   * @returns Responses and events.
   */
  handle(msg: Message, _ctx: SimContext): SimOutput[] {
    if (msg.issues.some((i) => i.code === "truncated" || i.code === "unknown-message")) return [];
    const v = msg.values;
    const out = (kind: "response" | "event", name: string, fields: ValueMap, delayNs: bigint): SimOutput => {
      const f: ValueMap = { ...fields, "dev_num": v["dev_num"] };
      if (kind === "response") f["token"] = v["token"];
      else f["token"] = 0;
      const input: MessageInput = { name, kind, fields: f, dialect: msg.dialect };
      return { protocol: "virtio-msg", input, kind, delayNs };
    };
    if (v["type.bus"]) {
      if (msg.kind !== "request") return [];
      const r = (fields: ValueMap) => [out("response", msg.name, fields, VMSG_RESPONSE_DELAY_NS)];
      switch (msg.name) {
        case "GET_DEVICES": {
          const off = Number(v["offset"] ?? 0);
          const count = Number(v["count"] ?? 0);
          const devs = [...this.devices.keys()].filter((d) => d >= off && d < off + Math.ceil(count / 8) * 8)
            .sort(
              (a, b) => a - b,
            );
          const last = Math.max(-1, ...this.devices.keys());
          const next = last >= off + count ? off + count : 0;
          return r({ offset: off, count, next_offset: next, devices: devs });
        }
        case "PING":
          return r({ data: v["data"] ?? 0 });
        case "FFA_VERSION":
          return r({
            version: v["version"] ?? 1,
            vmsg_revision: 1,
            vmsg_features: 0,
            bus_version: v["bus_version"] ?? 0x10000,
            transport_revision: 1,
            transport_features: 0,
            ffa_version: v["ffa_version"] ?? 0x10002,
            feature_bits: 0,
            bus_features: 0x3,
            area_num: 0xff,
            max_areas: 0xff,
          });
        case "FFA_AREA_SHARE": {
          const id = Number(v["area_id"] ?? 0);
          const taken = this.areas.has(id);
          if (!taken) this.areas.set(id, BigInt(v["mem_handle"] as bigint ?? 0n));
          return r({ area_id: id, result: taken ? 1 : 0 });
        }
        case "FFA_AREA_UNSHARE": {
          const id = Number(v["area_id"] ?? 0);
          return r({ area_id: id, result: this.areas.delete(id) ? 0 : 1 });
        }
        case "FFA_RESET": {
          for (const d of this.devices.values()) d.reset();
          this.areas.clear();
          // After a bus reset every device is announced again.
          return [
            ...r({ result: 0 }),
            ...[...this.devices.keys()].map((d) => ({
              ...out("event", "EVENT_DEVICE", { device_number: d, device_bus_state: 1 }, VMSG_USED_DELAY_NS),
              input: {
                name: "EVENT_DEVICE",
                kind: "event" as const,
                fields: { dev_num: 0, token: 0, device_number: d, device_bus_state: 1 },
                dialect: msg.dialect,
              },
            })),
          ];
        }
        case "FFA_EVENT_POLL":
          return r({});
        case "FFA_EVENT_CONFIGURE":
          return r({ result: Number(v["method"] ?? 0) <= 1 ? 0 : 1 });
        default:
          return [
            out("response", "FFA_ERROR", { original_msg_id: v["msg_id"] ?? 0 }, VMSG_RESPONSE_DELAY_NS),
          ];
      }
    }
    const dev = this.devices.get(Number(v["dev_num"]));
    if (!dev) return []; // Unknown device: discarded without a reply (virtio-msg.md §5.8).
    return dev.handle(msg).map((o) => out(o.kind, o.name, o.fields, o.delayNs));
  }
}

/**
 * Creates the virtio-msg bus model of a profile.
 *
 * @example A PING is echoed with the response bit, msg_id, dev_num and token
 * ```ts
 * import { createVirtioMsgBus } from "./virtio_msg_device.ts";
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const codec = registry.get("virtio-msg")!;
 * const ping = codec.decodeBytes(codec.encodeMessage({ name: "PING", fields: { token: 7, data: 5 } }, { registry }), { registry });
 * const [r] = createVirtioMsgBus().handle(ping, {} as never);
 * equal(r?.input?.fields?.["token"], 7);
 * equal(r?.input?.fields?.["data"], 5);
 * ```
 *
 * @param profile The virtio-msg section of a profile (default: the built-in one).
 * @returns The model.
 */
export function createVirtioMsgBus(profile?: SimProfile["virtioMsg"]): VirtioMsgBusModel {
  return new VirtioMsgBusModel(profile ?? DEFAULT_PROFILE.virtioMsg);
}
