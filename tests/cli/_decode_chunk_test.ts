/**
 * A decode worker's chunk (`decodeChunk`) written straight from the packets' bytes against the same
 * chunk with every record built first: the same lines, numbering and pairing edges on random
 * captures, and the packet path taken wherever it can be.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { decodeChunk } from "../../cli/_decode_chunk.ts";
import type { ChunkEnv, ChunkResult } from "../../cli/_decode_messages.ts";
import { ffaFrame, mixedRecord } from "../../bench/_mixed.ts";
import { createCaptureWriter } from "../../lib/pcap/mod.ts";
import type { CaptureRecord, Channel, ProtocolTag } from "../../lib/record.ts";
import { cat } from "../lib/pcap/_build.ts";

const ENV: ChunkEnv = { uri: "chunk.pcapng", decodeAs: new Map(), session: {}, allEvents: false };

/** The bytes of a pcapng capture of `records`. */
async function pcapng(records: CaptureRecord[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const w = createCaptureWriter(new WritableStream({ write: (c) => void parts.push(c.slice()) }));
  for (const r of records) await w.write(r);
  await w.close();
  return cat(...parts);
}

/** What a chunk's result says, with its buffers as bytes (comparable with deepEqual). */
function view(r: ChunkResult) {
  return {
    status: r.status,
    error: r.error,
    lines: new TextDecoder().decode(new Uint8Array(r.out, 0, r.outLength)),
    numbered: r.numbered,
    orphans: r.orphans,
    requestKeys: r.requestKeys,
    pending: r.pending,
    maxPending: r.maxPending,
  };
}

/** Both ways over one capture: by packet, and with every record built. */
function bothWays(bytes: Uint8Array, t0: bigint, first = 1, env = ENV) {
  const task = (b: Uint8Array) => ({ id: 1, buffer: b.slice().buffer, length: b.length, first, t0 });
  const fast = decodeChunk(task(bytes), env);
  const slow = decodeChunk(task(bytes), env, false);
  equal(slow.packets, 0, "no packet path when records are built");
  return { fast, slow };
}

const VMSG = Array.from({ length: 36 }, (_, i) => mixedRecord(i)).filter((r) => r.protocol === "virtio-msg")
  .map((r) => r.data);
const T0 = 1_700_000_000_000_000_000n;

const channelArb: fc.Arbitrary<Channel> = fc.record(
  {
    bus: fc.nat(0xffff),
    device: fc.nat(0xffff),
    src: fc.constantFrom(0x8001, 0x8002, 0x8003),
    dst: fc.constantFrom(0x8001, 0x8002),
    queue: fc.nat(3),
  },
  { requiredKeys: [] },
);

/** A record of a random stream: mostly virtio-msg and FF-A frames carrying it, any of them damaged. */
const recordArb = fc.record({
  which: fc.nat(VMSG.length - 1),
  proto: fc.constantFrom<ProtocolTag | "none" | "note">(
    "virtio-msg",
    "virtio-msg",
    "ffa",
    "ffa",
    "ffa",
    "scmi",
    "virtio-iommu",
    "none",
    "note",
  ),
  call: fc.boolean(),
  kind: fc.constantFrom("ok", "ok", "ok", "ok", "ok", "ok", "ok", "unknown", "event", "swap"),
  sender: fc.constantFrom("driver", "device", "unknown"),
  conduit: fc.constantFrom("smc", "smc", "hvc", undefined),
  channel: fc.option(channelArb, { nil: undefined }),
  correlationId: fc.option(fc.nat(3), { nil: undefined, freq: 4 }),
  tweak: fc.oneof(
    { arbitrary: fc.constant("none"), weight: 12 },
    fc.constantFrom("uuid", "busy", "byte", "hi", "truncated", "comment"),
  ),
  at: fc.nat(143),
  value: fc.nat(255),
  dt: fc.oneof(
    { arbitrary: fc.constantFrom(1000n, 0n), weight: 200 },
    { arbitrary: fc.bigInt(-1_000_000_000n, 5_000_000_000n), weight: 10 },
    {
      arbitrary: fc.constantFrom(
        9_007_199_254_740_990n,
        9_007_199_254_740_991n,
        9_007_199_254_740_992n,
        2n ** 60n,
      ),
      weight: 1,
    },
  ),
}).map((o): CaptureRecord & { dt: bigint } => {
  const inner = VMSG[o.which]!;
  let data: Uint8Array;
  if (o.proto === "ffa") {
    data = ffaFrame(inner, o.call);
    if (o.tweak === "uuid") data[16 + (o.at % 16)] = data[16 + (o.at % 16)]! ^ (1 + (o.value % 255));
    if (o.tweak === "busy") data.fill(0, 32);
    if (o.tweak === "hi") data[12 + (o.at % 4)] = 1 + (o.value % 255);
  } else data = inner.slice();
  if (o.tweak === "byte") data[o.at % data.length] = o.value;
  // The record's kind: a virtio-msg message's own (type bit 0, event ids), a frame's by call or return.
  const base = o.proto === "ffa"
    ? (o.call ? "request" : "response")
    : (inner[0]! & 1)
    ? "response"
    : (inner[1]! & 0x40)
    ? "event"
    : "request";
  const kind = o.kind === "ok" ? base : o.kind === "swap" ? (o.call ? "response" : "request") : o.kind;
  const r: CaptureRecord & { dt: bigint } = {
    dt: o.dt,
    timestampNs: 0n,
    kind: kind as CaptureRecord["kind"],
    sender: o.sender as CaptureRecord["sender"],
    channel: o.channel ??
      (o.proto === "ffa"
        ? (o.call ? { src: 0x8001, dst: 0x8002 } : { src: 0x8002, dst: 0x8001 })
        : { device: 1 }),
    data,
    originalLength: o.tweak === "truncated" ? data.length + 4 : data.length,
  };
  if (o.proto === "note") {
    r.annotation = "note";
    r.data = new TextEncoder().encode(JSON.stringify({ event: "note", n: o.value }));
    r.originalLength = r.data.length;
  } else if (o.proto !== "none") r.protocol = o.proto;
  if (o.conduit !== undefined && o.proto === "ffa") r.conduit = o.conduit;
  if (o.correlationId !== undefined) r.correlationId = o.correlationId;
  if (o.tweak === "comment") r.comment = "a comment";
  return r;
});

Deno.test("a chunk written from the packets' bytes equals the chunk with its records built (fast-check)", async () => {
  let packets = 0;
  let total = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(recordArb, { maxLength: 40 }),
      fc.oneof({ arbitrary: fc.constant(0n), weight: 3 }, fc.bigInt(-3_000_000_000n, 3_000_000_000n)),
      fc.boolean(),
      async (records, t0shift, allEvents) => {
        let ts = T0;
        for (const r of records) r.timestampNs = ts = ts + r.dt < 0n ? 0n : ts + r.dt;
        const bytes = await pcapng(records);
        const { fast, slow } = bothWays(bytes, T0 + t0shift, 7, { ...ENV, allEvents });
        deepEqual(view(fast), view(slow));
        packets += fast.packets;
        total += fast.numbered;
      },
    ),
    { numRuns: 300 },
  );
  ok(packets > total / 3, `${packets} of ${total} lines written from the packets`);
  ok(packets < total, "and the rest from records");
});

Deno.test("a chunk decoded after another with the same options equals the chunk decoded first (fast-check)", async () => {
  const streamArb = fc.array(recordArb, { maxLength: 30 }).map((records) => {
    let ts = T0;
    for (const r of records) r.timestampNs = ts = ts + r.dt < 0n ? 0n : ts + r.dt;
    return records;
  });
  let pendingBefore = 0;
  await fc.assert(
    fc.asyncProperty(streamArb, streamArb, fc.boolean(), async (before, records, byPacket) => {
      const task = (b: Uint8Array) => ({
        id: 1,
        buffer: b.slice().buffer,
        length: b.length,
        first: 3,
        t0: T0,
      });
      const bytes = await pcapng(records);
      // A session of its own (new options object) against the one the chunk before left behind.
      const alone = decodeChunk(task(bytes), { ...ENV, session: {} }, byPacket);
      const shared = { ...ENV, session: {} };
      const first = decodeChunk(task(await pcapng(before)), shared, byPacket);
      pendingBefore += first.pending.length;
      const after = decodeChunk(task(bytes), shared, byPacket);
      deepEqual(view(after), view(alone));
    }),
    { numRuns: 200 },
  );
  ok(pendingBefore > 20, `the chunks before left ${pendingBefore} requests pending`);
});

Deno.test("the mixed benchmark stream is written from the packets' bytes, all of it", async () => {
  const records = Array.from({ length: 900 }, (_, i) => mixedRecord(i, T0));
  const { fast, slow } = bothWays(await pcapng(records), T0);
  deepEqual(view(fast), view(slow));
  equal(fast.numbered, 900);
  equal(fast.packets, 900);
  ok(view(fast).lines.includes("FFA_MSG_SEND_DIRECT_RESP2 rsp 0x8002→0x8001 [virtio-msg GET_CONFIG rsp"));
});

Deno.test("a packet whose time column is past the doubles' range is written from its record, the same", async () => {
  const r = mixedRecord(0, T0 + 2n ** 53n);
  const { fast, slow } = bothWays(await pcapng([r]), T0);
  deepEqual(view(fast), view(slow));
  equal(fast.packets, 0);
  ok(view(fast).lines.startsWith("     1 9007199.254740 drv→dev virtio-msg"), view(fast).lines);
});
