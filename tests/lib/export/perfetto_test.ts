import { deepEqual, equal, ok } from "node:assert/strict";
import { CaptureReader, defaultRegistry, makeRecord, perfettoJson, perfettoTs } from "../../../mod.ts";
import type { CaptureRecord } from "../../../mod.ts";
import { checkTrace, type TraceEvent } from "./_trace_check.ts";

const DEMO = new URL("../../../fixtures/demo/demo.pcapng", import.meta.url);
const DIFF = new URL("../../../fixtures/diff/base.pcapng", import.meta.url);

async function collect(
  batches: AsyncIterable<CaptureRecord[]> | Iterable<CaptureRecord[]>,
  maxPending?: number,
) {
  let text = "";
  let chunks = 0;
  for await (
    const c of perfettoJson(
      batches,
      defaultRegistry(),
      maxPending ? { maxPending, chunkEvents: 4 } : { chunkEvents: 4 },
    )
  ) {
    text += c;
    chunks++;
  }
  return { text, chunks };
}

async function read(url: URL): Promise<CaptureRecord[][]> {
  const r = new CaptureReader(ReadableStream.from([await Deno.readFile(url)]));
  const out: CaptureRecord[][] = [];
  for await (const b of r.batches()) out.push(b);
  return out;
}

const vmsg = (type: number, id: number, token: number, ts: bigint, dev = 1) =>
  makeRecord(new Uint8Array([type, id, dev, 0, token, 0, 8, 0]), {
    protocol: "virtio-msg",
    kind: type & 1 ? "response" : id & 0x40 ? "event" : "request",
    sender: type & 1 ? "device" : "driver",
    channel: { bus: 0, device: dev },
    timestampNs: ts,
  });

Deno.test("perfettoTs() prints exact microseconds with three decimals", () => {
  equal(perfettoTs(0n), "0.000");
  equal(perfettoTs(1_700_000_000_123_456_789n), "1700000000123456.789");
  equal(perfettoTs(999n), "0.999");
  equal(perfettoTs(-1_001n), "-1.001");
});

Deno.test("perfettoJson() turns the demo capture into a trace that follows the format rules", async () => {
  const batches = await read(DEMO);
  const { text, chunks } = await collect(batches);
  ok(chunks > 1, "the trace is written in chunks");
  deepEqual(checkTrace(text), []);
  const doc = JSON.parse(text);
  equal(doc.displayTimeUnit, "ns");
  const events: TraceEvent[] = doc.traceEvents;
  const procs = events.filter((e) => e.name === "process_name").map((e) => e.args!["name"]);
  const protocols = new Set(batches.flat().map((r) => r.protocol ?? "unknown protocol"));
  for (const p of protocols) ok(procs.includes(p), `no process ${p}`);
  ok(events.filter((e) => e.ph === "b").length > 10);
});

Deno.test("perfettoJson() puts the decoded fields in the slice args and links the response", async () => {
  const events: TraceEvent[] = JSON.parse((await collect(await read(DIFF))).text).traceEvents;
  const b = events.find((e) => e.ph === "b" && e.name === "GET_DEVICE_INFO")!;
  const fields = (b.args!["request"] as { fields: Record<string, unknown> }).fields;
  equal(fields["vmsg.msg_id"], 2);
  equal(fields["vmsg.dev_num"], 1);
  const e = events.find((x) => x.ph === "e" && x.id === b.id)!;
  equal(e.ts! - b.ts!, 100, "the response came 100 µs later");
  const rsp = (e.args!["response"] as { fields: Record<string, unknown> }).fields;
  equal(rsp["vmsg.device_info.device_id"], 2);
  ok(events.some((x) => x.ph === "n" && x.bind_id === b.bind_id && x.flow_in), "flow to the response");
  equal(events.find((x) => x.name === "thread_name" && x.tid === b.tid)!.args!["name"], "dev1");
});

Deno.test("perfettoJson() keeps nanoseconds exact in the ts text", async () => {
  const recs = [vmsg(0, 2, 1, 5_000_000_000n), vmsg(1, 2, 1, 5_000_001_234n)];
  const { text } = await collect([recs]);
  ok(text.includes(`"ts":1.234,"ph":"e"`), text);
  ok(text.includes(`"start":"5.000000000"`));
});

Deno.test("perfettoJson() writes overlapping requests as separate async slices", async () => {
  const recs = [
    vmsg(0, 2, 1, 0n),
    vmsg(0, 2, 2, 10n),
    vmsg(1, 2, 1, 20n),
    vmsg(1, 2, 2, 30n),
  ];
  const { text } = await collect([recs]);
  deepEqual(checkTrace(text), []);
  const ev: TraceEvent[] = JSON.parse(text).traceEvents;
  const begins = ev.filter((e) => e.ph === "b");
  equal(begins.length, 2);
  ok(begins[0]!.id !== begins[1]!.id);
  deepEqual(begins.map((e) => e.ts), [0, 0.01]);
});

Deno.test("perfettoJson() writes events, unanswered requests and unknown records as instants", async () => {
  const recs = [
    vmsg(0, 2, 1, 0n),
    vmsg(0, 0x42, 0, 100n),
    makeRecord(new Uint8Array([1, 2, 3]), { timestampNs: 200n }),
  ];
  const { text } = await collect([recs]);
  deepEqual(checkTrace(text), []);
  const ev: TraceEvent[] = JSON.parse(text).traceEvents;
  const instants = ev.filter((e) => e.ph === "i").map((e) => e.name);
  ok(instants.some((n) => n!.startsWith("EVENT_")), instants.join());
  ok(instants.includes("unknown message"));
  deepEqual(ev.filter((e) => e.ph === "b").map((e) => e.name), ["GET_DEVICE_INFO (no response)"]);
});

Deno.test("perfettoJson() keeps memory flat: old pending requests become instants", async () => {
  const recs: CaptureRecord[] = [];
  for (let i = 0; i < 50; i++) recs.push(vmsg(0, 2, i, BigInt(i * 10)));
  recs.push(vmsg(1, 2, 49, 1000n));
  const { text } = await collect([recs], 8);
  deepEqual(checkTrace(text), []);
  const ev: TraceEvent[] = JSON.parse(text).traceEvents;
  equal(ev.filter((e) => e.ph === "b" && /no response/.test(e.name!)).length, 49);
  equal(ev.filter((e) => e.ph === "b" && e.bind_id !== undefined).length, 1);
});

Deno.test("perfettoJson() streams a long capture in many chunks", async () => {
  async function* gen() {
    for (let b = 0; b < 20; b++) {
      const batch: CaptureRecord[] = [];
      for (let i = 0; i < 100; i++) {
        const n = b * 100 + i;
        batch.push(
          vmsg(0, 2, n & 0xffff, BigInt(n) * 1000n),
          vmsg(1, 2, n & 0xffff, BigInt(n) * 1000n + 500n),
        );
      }
      yield batch;
    }
  }
  let chunks = 0;
  let text = "";
  for await (const c of perfettoJson(gen(), defaultRegistry())) {
    chunks++;
    text += c;
  }
  ok(chunks >= 20, `only ${chunks} chunks`);
  deepEqual(checkTrace(text), []);
  equal(JSON.parse(text).traceEvents.filter((e: TraceEvent) => e.ph === "b").length, 2000);
});

Deno.test("perfettoJson() pairs the diff fixture's requests and responses", async () => {
  const { text } = await collect(await read(DIFF));
  deepEqual(checkTrace(text), []);
  const ev: TraceEvent[] = JSON.parse(text).traceEvents;
  ok(ev.filter((e) => e.ph === "b").length >= 7);
});
