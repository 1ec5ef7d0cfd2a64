import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import fc from "fast-check";
import { type CaptureFormat, createCaptureWriter } from "../../../lib/pcap/mod.ts";
import { type CaptureRecord, makeRecord } from "../../../lib/record.ts";
import { essentials, recordArb } from "./_arbitrary.ts";
import { collector, readOk, SCMI_EXAMPLE } from "./_build.ts";

async function writeAll(records: CaptureRecord[], format: CaptureFormat, raw = false): Promise<Uint8Array> {
  const c = collector();
  const w = createCaptureWriter(c.stream, { format, raw });
  for (const r of records) await w.write(r);
  await w.close();
  return c.bytes();
}

const SCMI = makeRecord(new Uint8Array([0x00, 0x04, 0x01, 0x10]), {
  timestampNs: 1_700_000_000_000_001_000n,
  protocol: "scmi",
  kind: "request",
  sender: "driver",
  channel: { queue: 0 },
  comment: "hi",
});

Deno.test("createCaptureWriter() writes pcapng with SHB, IDB and an EPB carrying flags and comment", async () => {
  const b = await writeAll([SCMI], "pcapng");
  const dv = new DataView(b.buffer);
  equal(dv.getUint32(0, true), 0x0a0d0d0a);
  equal(dv.getUint32(8, true), 0x1a2b3c4d);
  const shbLen = dv.getUint32(4, true);
  ok(new TextDecoder().decode(b.subarray(0, shbLen)).includes("vioscope"));
  const idbAt = shbLen;
  equal(dv.getUint32(idbAt, true), 1);
  equal(dv.getUint16(idbAt + 8, true), 147);
  const epbAt = idbAt + dv.getUint32(idbAt + 4, true);
  equal(dv.getUint32(epbAt, true), 6);
  const caplen = dv.getUint32(epbAt + 20, true);
  equal(caplen, 28);
  deepEqual([...b.subarray(epbAt + 28, epbAt + 28 + caplen)], [...SCMI_EXAMPLE]);
  // epb_flags option: code 2, length 4, value 2 (outbound)
  const optAt = epbAt + 28 + 28;
  deepEqual([dv.getUint16(optAt, true), dv.getUint16(optAt + 2, true), dv.getUint32(optAt + 4, true)], [
    2,
    4,
    2,
  ]);
  const { records, info } = await readOk(b);
  equal(info.interfaces[0]!.tsResolution, "ns");
  equal(info.interfaces[0]!.name, "vioscope");
  deepEqual(essentials(records[0]!), essentials(SCMI));
});

Deno.test("createCaptureWriter() writes pcap with the ns magic, little-endian, snap length 262144", async () => {
  const b = await writeAll([SCMI], "pcap");
  const dv = new DataView(b.buffer);
  equal(dv.getUint32(0, true), 0xa1b23c4d);
  equal(dv.getUint32(16, true), 262144);
  equal(dv.getUint32(20, true), 147);
  equal(dv.getUint32(24, true), 1_700_000_000);
  equal(dv.getUint32(28, true), 1000);
  equal(b.length, 24 + 16 + 28);
  const { records } = await readOk(b);
  deepEqual(essentials(records[0]!, false), essentials(SCMI, false));
  equal(records[0]!.comment, undefined);
});

Deno.test("createCaptureWriter() with raw writes bare messages and keeps the sender in epb_flags", async () => {
  const b = await writeAll([SCMI], "pcapng", true);
  const { records } = await readOk(b, { decodeAs: new Map([[147, "scmi"]]) });
  deepEqual([...records[0]!.data], [0x00, 0x04, 0x01, 0x10]);
  equal(records[0]!.sender, "driver");
  equal(records[0]!.protocol, "scmi");
});

Deno.test("createCaptureWriter() rejects records it cannot represent", async () => {
  const c = collector();
  const w = createCaptureWriter(c.stream, { format: "pcap" });
  await rejects(() => w.write(makeRecord(new Uint8Array(1), { timestampNs: -1n })), RangeError);
  await rejects(() => w.write(makeRecord(new Uint8Array(1), { channel: { queue: 70000 } })), /queue 70000/);
  await rejects(() => w.write(makeRecord(new Uint8Array(300000))), /exceed the pcap snap length 262144/);
  await w.write(SCMI);
  await w.close();
  equal((await readOk(c.bytes())).records.length, 1, "a rejected record leaves nothing behind");
});

Deno.test("createCaptureWriter() writes a valid empty capture", async () => {
  for (const format of ["pcap", "pcapng"] as const) {
    const { records, info } = await readOk(await writeAll([], format));
    equal(records.length, 0);
    equal(info.format, format);
  }
});

for (const format of ["pcapng", "pcap", "jsonl"] as const) {
  Deno.test(`read → write → read keeps every record (${format}, property)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { maxLength: 30 }), async (records) => {
        const first = await writeAll(records, format);
        const back = (await readOk(first, {}, 7)).records;
        deepEqual(
          back.map((r) => essentials(r, format !== "pcap")),
          records.map((r) => essentials(r, format !== "pcap")),
        );
        const second = await writeAll(back, format);
        deepEqual(second, first, "writing what was read gives the same bytes");
      }),
      { numRuns: 60 },
    );
  });
}

Deno.test("createCaptureWriter() flushes whole records only", async () => {
  const chunks: Uint8Array[] = [];
  const w = createCaptureWriter(new WritableStream({ write: (c) => void chunks.push(c.slice()) }), {
    format: "pcap",
  });
  const big = makeRecord(new Uint8Array(100_000), { timestampNs: 1n });
  for (let i = 0; i < 10; i++) await w.write(big);
  await w.close();
  ok(chunks.length > 1);
  for (const c of chunks.slice(1)) equal((c.length) % (16 + 24 + 100_000), 0);
});
