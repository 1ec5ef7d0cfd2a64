/**
 * The line path (`DecodeSession.summaryLine`: summaries written straight from the bytes) against
 * decoding: the same text and the same pairing state on every stream, and taken where it should be.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import {
  BytesSink,
  DecodeSession,
  defaultRegistry,
  defineProtocol,
  type Message,
  Registry,
} from "../../../lib/codec/mod.ts";
import type { CaptureRecord } from "../../../lib/record.ts";
import { ffaFrame, mixedRecord } from "../../../bench/_mixed.ts";
import { messageArb } from "./_arbitrary.ts";

const registry = defaultRegistry();
const dec = new TextDecoder();

/** Summaries and pairing steps of a stream, by decoding (`line` false) or by the line path first. */
function run(records: CaptureRecord[], line: boolean, maxPending = 4096, reg: Registry = registry) {
  const s = new DecodeSession(reg, { tree: false, pairing: "needed", summaries: false, maxPending });
  const texts: string[] = [];
  const steps: unknown[] = [];
  const taken: boolean[] = [];
  let written = 0;
  for (const r of records) {
    const out = new BytesSink(8);
    const t = line && s.summaryLine(r, out);
    taken.push(t);
    if (t) written++;
    else {
      equal(out.off, 0, "a declined line leaves nothing behind");
      const m: Message | undefined = s.decode(r);
      if (m) s.summaryTo(out, m);
    }
    texts.push(dec.decode(out.buf.subarray(0, out.off)));
    steps.push(s.lastPairing());
    equal(s.pendingCount, s.pendingRecords().length, "the pending count, kept as requests come and go");
  }
  const pending = s.pendingEntries().map((p) => [p.protocol, p.key, p.request.name, p.record === undefined]);
  return { texts, steps, pending, written, taken };
}

Deno.test("the line path writes the summaries of the mixed benchmark stream, all from the bytes", () => {
  const records = Array.from({ length: 720 }, (_, i) => mixedRecord(i));
  const a = run(records, false);
  const b = run(records, true);
  deepEqual(b.texts, a.texts);
  deepEqual(b.steps, a.steps);
  deepEqual(b.pending, a.pending);
  equal(b.written, records.length, "every record of this stream is clean and takes the line path");
  ok(
    a.texts.some((t) =>
      t.startsWith("FFA_MSG_SEND_DIRECT_RESP2 rsp 0x8002→0x8001 [virtio-msg GET_CONFIG rsp")
    ),
  );
});

/** The virtio-msg messages of the benchmark stream (its records 0, 1, 4, 5, 8, … are bare virtio-msg). */
const VMSG = Array.from({ length: 36 }, (_, i) => mixedRecord(i)).filter((r) => r.protocol === "virtio-msg")
  .map((
    r,
  ) => r.data);

/** A record of a random stream: virtio-msg, or an FF-A frame carrying it, possibly damaged. */
const recordArb = fc.record({
  which: fc.nat(VMSG.length - 1),
  ffa: fc.boolean(),
  call: fc.boolean(),
  caller: fc.constantFrom(0x8001, 0x8003),
  tweak: fc.constantFrom("none", "none", "none", "uuid", "busy", "byte", "hi", "kind", "func"),
  at: fc.nat(143),
  value: fc.nat(255),
}).map((o): CaptureRecord => {
  const inner = VMSG[o.which]!;
  if (!o.ffa) {
    const data = inner.slice();
    if (o.tweak === "byte") data[o.at % data.length] = o.value;
    return {
      timestampNs: 0n,
      protocol: "virtio-msg",
      kind: o.call ? "request" : "response",
      sender: "driver",
      channel: { device: 1 },
      data,
      originalLength: data.length,
    };
  }
  const data = ffaFrame(inner, o.call);
  if (o.tweak === "uuid") data[16 + (o.at % 16)] = data[16 + (o.at % 16)]! ^ (1 + (o.value % 255));
  if (o.tweak === "busy") data.fill(0, 32);
  if (o.tweak === "byte") data[o.at] = o.value;
  if (o.tweak === "hi") data[12 + (o.at % 4)] = 1 + (o.value % 255);
  if (o.tweak === "func") data[0] = o.call ? 0x8e : 0x8d;
  const kind = o.tweak === "kind" ? (o.call ? "response" : "request") : (o.call ? "request" : "response");
  const ends = { src: o.caller, dst: 0x8002 };
  return {
    timestampNs: 0n,
    protocol: "ffa",
    kind,
    sender: o.call ? "driver" : "device",
    channel: kind === "request" ? ends : { src: ends.dst, dst: ends.src },
    conduit: "smc",
    data,
    originalLength: 144,
  };
});

Deno.test("the line path agrees with decoding on random, damaged and unpaired FF-A / virtio-msg streams", () => {
  let written = 0;
  let total = 0;
  fc.assert(
    fc.property(fc.array(recordArb, { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (records, max) => {
      const a = run(records, false, max);
      const b = run(records, true, max);
      deepEqual(b.texts, a.texts);
      deepEqual(b.steps, a.steps);
      deepEqual(b.pending, a.pending);
      written += b.written;
      total += records.length;
    }),
    { numRuns: 400 },
  );
  ok(written > total / 3, `the line path wrote ${written} of ${total} summaries`);
  ok(written < total, "and declined the damaged ones");
});

Deno.test("the line path declines a message with any non-zero padding byte, wherever it lies in its buffer", () => {
  // FF-A carriers pad the nested message to 112 bytes; the padding check reads aligned words of the
  // record's buffer, so every padding byte is tried at every alignment of the record in its buffer.
  let declined = 0;
  for (const inner of VMSG) {
    for (let shift = 0; shift < 8; shift++) {
      const frame = ffaFrame(inner, true);
      const records: CaptureRecord[] = [];
      for (let at = 32 + inner.length; at <= 144; at++) {
        const buf = new Uint8Array(144 + 16);
        const data = buf.subarray(shift, shift + 144);
        data.set(frame);
        if (at < 144) data[at] = 0x40;
        records.push({
          timestampNs: 0n,
          protocol: "ffa",
          kind: "request",
          sender: "driver",
          channel: { src: 0x8001 + at, dst: 0x8002 },
          conduit: "smc",
          data,
          originalLength: 144,
        });
      }
      const a = run(records, false);
      const b = run(records, true);
      deepEqual(b.texts, a.texts);
      equal(b.written, 1, "only the frame with clean padding takes the line path");
      declined += records.length - b.written;
    }
  }
  ok(declined > 8 * 100 * VMSG.length / 2);
});

Deno.test("the line path agrees with decoding on streams of every virtio-msg message, bus and transport ids mixed", () => {
  // Bus and transport messages share ids (GET_DEVICES and GET_DEVICE_INFO are both 0x02): the line
  // path's table of writers must tell them, and the kinds, apart in one session.
  const vmsg = registry.get("virtio-msg")!;
  const header = fc.record({ dev_num: fc.integer({ min: 0, max: 0xffff }), token: fc.nat(0xffff) });
  const small = fc.record({ dev_num: fc.nat(12), token: fc.nat(12) });
  const input = fc.oneof(messageArb(vmsg, "rfc3", header), messageArb(vmsg, "rfc3", small));
  let written = 0;
  let bus = 0;
  fc.assert(
    fc.property(fc.array(input, { minLength: 1, maxLength: 30 }), (inputs) => {
      const records = inputs.map((m): CaptureRecord => {
        const data = vmsg.encodeMessage(m, { registry });
        if (data[0]! & 2) bus++;
        return {
          timestampNs: 0n,
          protocol: "virtio-msg",
          kind: m.kind ?? "request",
          sender: "driver",
          channel: {},
          data,
          originalLength: data.length,
        };
      });
      const a = run(records, false);
      const b = run(records, true);
      deepEqual(b.texts, a.texts);
      // Each message takes the line path in the stream exactly when it does on its own, with a codec
      // of its own (the line path's tables belong to the codec, not the session).
      deepEqual(
        b.taken,
        records.map((r) => run([r], true, 4096, new Registry([defineProtocol(vmsg.spec)])).taken[0]),
      );
      written += b.written;
    }),
    { numRuns: 150 },
  );
  ok(written > 500, `the line path wrote ${written} summaries`);
  ok(bus > 150, `${bus} bus messages`);
});
