// deno-lint-ignore-file no-console -- a benchmark script reports on stdout.
/**
 * Writes a mixed virtio-msg / FF-A capture for the decode benchmark: virtio-msg transport messages
 * (requests and responses) and FF-A FFA_MSG_SEND_DIRECT_REQ2/RESP2 frames carrying virtio-msg
 * messages in x4–x17, as virtio-msg-ffa does.
 *
 * Usage: npx -y deno@2.9.6 run --allow-write bench/gen_mixed.ts [COUNT] [OUT]
 * (defaults: 1000000, bench/out/mixed_1m.pcapng)
 *
 * @module
 */
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import { defaultRegistry } from "../lib/codec/mod.ts";
import type { CaptureRecord } from "../lib/record.ts";

const count = Number(Deno.args[0] ?? 1_000_000);
const out = Deno.args[1] ?? "bench/out/mixed_1m.pcapng";
await Deno.mkdir(new URL(".", new URL(out, `file://${Deno.cwd()}/`)).pathname, { recursive: true });

const registry = defaultRegistry();
const vmsg = registry.get("virtio-msg")!;
const enc = (name: string, kind: "request" | "response" | "event", fields: Record<string, unknown>) =>
  vmsg.encodeMessage({ name, kind, fields }, { registry });

const VMSG: [Uint8Array, "request" | "response" | "event"][] = [
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

/** An FF-A DIRECT_REQ2 (call) or DIRECT_RESP2 (return) frame carrying a virtio-msg message. */
function ffaFrame(inner: Uint8Array, call: boolean): Uint8Array {
  const f = new Uint8Array(144);
  const v = new DataView(f.buffer);
  v.setBigUint64(0, call ? 0xc400008dn : 0xc400008en, true);
  v.setUint32(8, call ? (0x8001 << 16) | 0x8002 : (0x8002 << 16) | 0x8001, true);
  if (call) f.set(UUID, 16);
  f.set(inner, 32);
  return f;
}

const writer = createCaptureWriter(
  (await Deno.open(out, { write: true, create: true, truncate: true })).writable,
);
let ts = 1_700_000_000_000_000_000n;
for (let i = 0; i < count; i++) {
  const [bytes, kind] = VMSG[i % VMSG.length]!;
  ts += 1000n;
  const viaFfa = (i >> 1) % 2 === 1;
  const rec: CaptureRecord = viaFfa
    ? {
      timestampNs: ts,
      protocol: "ffa",
      kind: kind === "response" ? "response" : "request",
      sender: kind === "response" ? "device" : "driver",
      channel: { src: 0x8001, dst: 0x8002 },
      conduit: "smc",
      data: ffaFrame(bytes, kind !== "response"),
      originalLength: 144,
    }
    : {
      timestampNs: ts,
      protocol: "virtio-msg",
      kind,
      sender: kind === "request" ? "driver" : "device",
      channel: { device: 1 },
      data: bytes,
      originalLength: bytes.length,
    };
  await writer.write(rec);
}
await writer.close();
console.log(`wrote ${count} records to ${out}`);
