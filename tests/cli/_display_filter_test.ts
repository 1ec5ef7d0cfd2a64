import { deepEqual, equal } from "node:assert/strict";
import { createCaptureWriter } from "../../lib/pcap/mod.ts";
import { defaultRegistry, type MessageInput } from "../../lib/codec/mod.ts";
import { makeRecord, type MessageKind, type ProtocolTag } from "../../lib/record.ts";
import { vioscope } from "./_run.ts";

const registry = defaultRegistry();
const INPUTS: [ProtocolTag, MessageKind, MessageInput][] = [
  ["virtio-msg", "request", { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 1 } }],
  ["virtio-msg", "response", { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 1, device_id: 1 } }],
  ["scmi", "request", {
    name: "CLOCK_RATE_GET",
    fields: { "hdr.protocol_id": 0x14, "hdr.msg_id": 6, clock_id: 0 },
  }],
  ["scmi", "response", {
    name: "CLOCK_RATE_GET",
    fields: { "hdr.protocol_id": 0x14, "hdr.msg_id": 6, status: -4 },
  }],
  ["virtio-iommu", "request", { name: "ATTACH", fields: { domain: 1, endpoint: 8 } }],
];

async function fixture(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".pcapng" });
  const f = await Deno.open(path, { write: true, truncate: true });
  const w = createCaptureWriter(f.writable);
  for (const [i, [tag, kind, input]] of INPUTS.entries()) {
    const data = registry.get(tag)!.encodeMessage({ ...input, kind }, { registry });
    await w.write(makeRecord(data, { protocol: tag, kind, timestampNs: BigInt(i) * 1000n }));
  }
  await w.close();
  return path;
}

Deno.test("decode -Y prints only matching messages, keeping their record numbers", async () => {
  const path = await fixture();
  try {
    const r = await vioscope([
      "decode",
      "-Y",
      "vmsg.device_info.device_id == net || scmi.clock.status == NOT_FOUND || viommu",
      path,
    ]);
    equal(r.code, 0);
    deepEqual(r.stdout.trimEnd().split("\n").map((l) => l.trim().split(/\s+/)[0]), ["2", "4", "5"]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("decode --display-filter --json stays a valid JSON array when the first records are skipped", async () => {
  const path = await fixture();
  try {
    const r = await vioscope(["decode", "--json", "--display-filter", "frame.number >= 4", path]);
    equal(r.code, 0);
    deepEqual(JSON.parse(r.stdout).map((o: { no: number }) => o.no), [4, 5]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("decode -Y exits 2 naming an unknown field with a suggestion", async () => {
  const r = await vioscope(["decode", "-Y", "vmsg.dev_nun == 1", "-"], new Uint8Array());
  equal(r.code, 2);
  equal(r.stdout, "");
  equal(
    r.stderr,
    'vioscope: error: Cannot compile filter: unknown field "vmsg.dev_nun" at column 1 (did you mean "vmsg.dev_num"?)\n' +
      "vmsg.dev_nun == 1\n^\n",
  );
});
