/**
 * The mixed virtio-msg / FF-A record stream shared by the decode benchmarks: virtio-msg transport
 * messages, and every other pair of them carried in FF-A FFA_MSG_SEND_DIRECT_REQ2/RESP2 frames
 * (x4–x17), as virtio-msg-ffa does.
 *
 * @module
 */
import { defaultRegistry } from "../lib/codec/mod.ts";
import type { CaptureRecord } from "../lib/record.ts";

type Kind = "request" | "response" | "event";

const registry = defaultRegistry();
const vmsg = registry.get("virtio-msg")!;
const enc = (name: string, kind: Kind, fields: Record<string, unknown>) =>
  vmsg.encodeMessage({ name, kind, fields }, { registry });

const VMSG: [Uint8Array, Kind][] = [
  [enc("GET_DEVICE_INFO", "request", { dev_num: 1, token: 1 }), "request"],
  [
    enc("GET_DEVICE_INFO", "response", {
      dev_num: 1,
      token: 1,
      device_id: 2,
      vendor_id: 0x554d4551,
      num_feature_bits: 64,
      config_size: 60,
      max_virtqueues: 1,
    }),
    "response",
  ],
  [enc("SET_DEVICE_STATUS", "request", { dev_num: 1, token: 2, status: 0x0b }), "request"],
  [enc("SET_DEVICE_STATUS", "response", { dev_num: 1, token: 2, status: 0x0b }), "response"],
  [enc("GET_CONFIG", "request", { dev_num: 1, token: 3, offset: 0, length: 8 }), "request"],
  [
    enc("GET_CONFIG", "response", { dev_num: 1, token: 3, generation: 1, data: "0000100000000000" }),
    "response",
  ],
  [
    enc("SET_VQUEUE", "request", {
      dev_num: 1,
      token: 4,
      index: 0,
      size: 256,
      desc_addr: 0x40000000,
      driver_addr: 0x40001000,
      device_addr: 0x40002000,
    }),
    "request",
  ],
  [enc("EVENT_AVAIL", "event", { dev_num: 1, vq_index: 0 }), "event"],
  [enc("EVENT_USED", "event", { dev_num: 1, vq_index: 0 }), "event"],
];

const UUID = "c66028b524984aa19de777da6122abf0".match(/../g)!.map((h) => parseInt(h, 16));

/**
 * An FF-A DIRECT_REQ2 (call) or DIRECT_RESP2 (return) frame carrying a virtio-msg message.
 * @param inner The virtio-msg message.
 * @param call Call (REQ2 to the virtio-msg UUID) or return (RESP2).
 * @returns 144 bytes.
 */
export function ffaFrame(inner: Uint8Array, call: boolean): Uint8Array {
  const f = new Uint8Array(144);
  const v = new DataView(f.buffer);
  v.setBigUint64(0, call ? 0xc400008dn : 0xc400008en, true);
  v.setUint32(8, call ? (0x8001 << 16) | 0x8002 : (0x8002 << 16) | 0x8001, true);
  if (call) f.set(UUID, 16);
  f.set(inner, 32);
  return f;
}

/**
 * Record `i` of the mixed stream (1 µs apart from `t0`).
 * @param i Index.
 * @param t0 First timestamp, ns.
 * @returns The record.
 */
export function mixedRecord(i: number, t0 = 1_700_000_000_000_000_000n): CaptureRecord {
  const [bytes, kind] = VMSG[i % VMSG.length]!;
  const timestampNs = t0 + BigInt(i) * 1000n;
  if ((i >> 1) % 2 === 1) {
    const call = kind !== "response";
    return {
      timestampNs,
      protocol: "ffa",
      kind: call ? "request" : "response",
      sender: call ? "driver" : "device",
      channel: call ? { src: 0x8001, dst: 0x8002 } : { src: 0x8002, dst: 0x8001 },
      conduit: "smc",
      data: ffaFrame(bytes, call),
      originalLength: 144,
    };
  }
  return {
    timestampNs,
    protocol: "virtio-msg",
    kind,
    sender: kind === "request" ? "driver" : "device",
    channel: { device: 1 },
    data: bytes,
    originalLength: bytes.length,
  };
}
