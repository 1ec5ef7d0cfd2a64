import { deepEqual, equal, ok } from "node:assert/strict";
import { CaptureReader } from "../../lib/pcap/mod.ts";
import type { CaptureRecord } from "../../lib/record.ts";
import { vioscope } from "./_run.ts";

const DEMO = new URL("../../fixtures/pcap/five_protocols.pcapng", import.meta.url).pathname;
const RAW = new URL("../../fixtures/pcap/scmi_text2pcap.pcapng", import.meta.url).pathname;

async function records(bytes: Uint8Array): Promise<{ records: CaptureRecord[]; format: string | undefined }> {
  const reader = new CaptureReader(ReadableStream.from([bytes]));
  const records: CaptureRecord[] = [];
  for await (const r of reader) records.push(r);
  return { records, format: reader.info.format };
}

function key(r: CaptureRecord, comment = true) {
  return [r.timestampNs, r.protocol, r.kind, r.sender, { ...r.channel }, r.correlationId, r.conduit, [
    ...r.data,
  ], comment ? r.comment : undefined];
}

Deno.test("vioscope convert goes pcapng → pcap → jsonl → pcapng keeping the records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const original = (await records(await Deno.readFile(DEMO))).records;
    let r = await vioscope(["convert", DEMO, "-w", `${dir}/a.pcap`]);
    equal(r.code, 0, r.stderr);
    const a = await records(await Deno.readFile(`${dir}/a.pcap`));
    equal(a.format, "pcap");
    deepEqual(a.records.map((x) => key(x, false)), original.map((x) => key(x, false)));
    r = await vioscope(["convert", DEMO, "-w", `${dir}/b.txt`, "--format", "jsonl"]);
    equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(`${dir}/b.txt`);
    equal(text.split("\n").length, 11);
    ok(
      text.startsWith(
        '{"ts":"1700000000.000000000","dir":"request","from":"driver","proto":"virtio-msg","chan":{"bus":0,"device":1},',
      ),
    );
    r = await vioscope(["convert", `${dir}/b.txt`, "-w", `${dir}/c.pcapng`]);
    equal(r.code, 0, r.stderr);
    const c = await records(await Deno.readFile(`${dir}/c.pcapng`));
    equal(c.format, "pcapng");
    deepEqual(c.records.map((x) => key(x)), original.map((x) => key(x)));
    deepEqual(await Deno.readFile(`${dir}/c.pcapng`), await Deno.readFile(DEMO), "same bytes as the fixture");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vioscope convert --decode-as writes vioscope's encapsulation for a raw capture, stdin to stdout", async () => {
  const r = await vioscope(["convert", "--decode-as", "147=scmi", "-", "-w", "-"], await Deno.readFile(RAW));
  equal(r.code, 0, r.stderr);
  const out = await records(r.bytes);
  equal(out.format, "pcapng");
  deepEqual(out.records.map((x) => [x.protocol, x.sender, x.timestampNs, x.data.length]), [
    ["scmi", "driver", 1_704_164_645_123_456_789n, 4],
    ["scmi", "device", 1_704_164_645_123_460_000n, 12],
  ]);
});

Deno.test("vioscope convert writes every complete record of a damaged input, then exits 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bytes = await Deno.readFile(DEMO);
    await Deno.writeFile(`${dir}/cut.pcapng`, bytes.subarray(0, bytes.length - 30));
    const r = await vioscope(["convert", `${dir}/cut.pcapng`, "-w", `${dir}/out.pcapng`]);
    equal(r.code, 2);
    ok(
      /error: Cannot read capture ".*cut\.pcapng": truncated Enhanced Packet Block/.test(r.stderr),
      r.stderr,
    );
    equal((await records(await Deno.readFile(`${dir}/out.pcapng`))).records.length, 9);
    await Deno.writeTextFile(
      `${dir}/bad.jsonl`,
      '{"ts":"1","hex":"00"}\n{"ts":"2","hex":"00","dir":"sideways"}\n',
    );
    const j = await vioscope(["convert", `${dir}/bad.jsonl`, "-w", `${dir}/j.pcapng`]);
    equal(j.code, 2);
    ok(/Cannot read ".*bad\.jsonl": line 2: "dir" must be one of/.test(j.stderr), j.stderr);
    equal((await records(await Deno.readFile(`${dir}/j.pcapng`))).records.length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vioscope convert needs -w", async () => {
  const r = await vioscope(["convert", DEMO]);
  equal(r.code, 2);
  ok(/required option '-w, --write <output>'/.test(r.stderr), r.stderr);
});
