/**
 * `deno bench`: decoding to summary lines (what `vioscope decode` prints) on a mixed virtio-msg /
 * FF-A batch held in memory, and the same with the full field tree (what `-V` and `--jsonl` need).
 * The whole-file figure (reading + decoding + formatting) comes from bench/decode_throughput.ts.
 *
 * Run: npx -y deno@2.9.6 task bench
 *
 * @module
 */
import { DecodeSession, defaultRegistry } from "../lib/codec/mod.ts";
import { summaryLine } from "../lib/format.ts";
import type { CaptureRecord } from "../lib/record.ts";

const registry = defaultRegistry();
const vmsg = registry.get("virtio-msg")!;
const enc = (name: string, kind: "request" | "response" | "event", fields: Record<string, unknown>) =>
  vmsg.encodeMessage({ name, kind, fields }, { registry });
const inner: [Uint8Array, "request" | "response" | "event"][] = [
  [enc("GET_DEVICE_INFO", "request", { dev_num: 1, token: 1 }), "request"],
  [
    enc("GET_DEVICE_INFO", "response", { dev_num: 1, token: 1, device_id: 2, num_feature_bits: 64 }),
    "response",
  ],
  [enc("SET_DEVICE_STATUS", "request", { dev_num: 1, token: 2, status: 0x0b }), "request"],
  [enc("SET_DEVICE_STATUS", "response", { dev_num: 1, token: 2, status: 0x0b }), "response"],
  [enc("EVENT_AVAIL", "event", { dev_num: 1, vq_index: 0 }), "event"],
];
const UUID = "c66028b524984aa19de777da6122abf0".match(/../g)!.map((h) => parseInt(h, 16));
const records: CaptureRecord[] = [];
for (let i = 0; i < 1000; i++) {
  const [bytes, kind] = inner[i % inner.length]!;
  const ts = BigInt(i) * 1000n;
  if ((i >> 1) % 2 === 1) {
    const f = new Uint8Array(144);
    const v = new DataView(f.buffer);
    const call = kind !== "response";
    v.setBigUint64(0, call ? 0xc400008dn : 0xc400008en, true);
    v.setUint32(8, call ? (0x8001 << 16) | 0x8002 : (0x8002 << 16) | 0x8001, true);
    if (call) f.set(UUID, 16);
    f.set(bytes, 32);
    records.push({
      timestampNs: ts,
      protocol: "ffa",
      kind: call ? "request" : "response",
      sender: call ? "driver" : "device",
      channel: { src: 0x8001, dst: 0x8002 },
      conduit: "smc",
      data: f,
      originalLength: 144,
    });
  } else {
    records.push({
      timestampNs: ts,
      protocol: "virtio-msg",
      kind,
      sender: kind === "request" ? "driver" : "device",
      channel: { device: 1 },
      data: bytes,
      originalLength: bytes.length,
    });
  }
}

Deno.bench("decode 1000 mixed virtio-msg/FF-A messages to summary lines", { group: "decode" }, () => {
  const s = new DecodeSession(registry, { tree: false, pairing: "needed" });
  let n = 0;
  for (const r of records) n += summaryLine(1, r, 0n, s.decode(r)!.summary).length;
  if (n === 0) throw new Error("nothing decoded");
});

Deno.bench("decode 1000 mixed messages with the full field tree", { group: "decode" }, () => {
  const s = new DecodeSession(registry, { tree: true });
  for (const r of records) s.decode(r);
});
