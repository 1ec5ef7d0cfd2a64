import { deepEqual, equal, ok } from "node:assert/strict";
import { BytesSink, DecodeSession, defaultRegistry, type Registry } from "../../../lib/codec/mod.ts";
import { type CaptureRecord, makeRecord } from "../../../lib/record.ts";
import { mixedRecord } from "../../../bench/_mixed.ts";

function version(call: boolean, correlationId: number): CaptureRecord {
  const data = new Uint8Array(144);
  const v = new DataView(data.buffer);
  v.setUint32(0, call ? 0x84000063 : 0x10002, true);
  v.setUint32(8, call ? 0x10002 : 0, true);
  return makeRecord(data, {
    protocol: "ffa",
    kind: call ? "request" : "response",
    channel: { src: 1, dst: 2 },
    correlationId,
    conduit: "smc",
  });
}

Deno.test("DecodeSession.lastPairing() tells requests, paired and unpaired responses apart", () => {
  const s = new DecodeSession(defaultRegistry(), { pairing: "needed", tree: false });
  s.decode(version(true, 1));
  deepEqual(s.lastPairing(), { protocol: "ffa", key: "c1", response: false, paired: false, request: true });
  s.decode(version(false, 1));
  deepEqual(s.lastPairing(), { protocol: "ffa", key: "c1", response: true, paired: true, request: false });
  s.decode(version(false, 2));
  deepEqual(s.lastPairing(), { protocol: "ffa", key: "c2", response: true, paired: false, request: false });
  s.decode(makeRecord(new Uint8Array([0, 4, 1, 16]), { protocol: "scmi", kind: "request" }));
  equal(s.lastPairing(), undefined, "SCMI does not pair in the needed mode");
});

Deno.test("DecodeSession pending requests can be listed, looked up, forgotten and counted", () => {
  const s = new DecodeSession(defaultRegistry(), { pairing: "needed", maxPending: 2 });
  equal(s.maxPending, 2);
  for (const id of [1, 2, 3]) s.decode(version(true, id));
  equal(s.pendingCount, 2, "the oldest was forgotten beyond maxPending");
  deepEqual(s.pendingEntries().map((e) => e.key), ["c2", "c3"]);
  ok(s.pendingRequest("ffa", "c3"));
  equal(s.pendingRequest("ffa", "c1"), undefined);
  ok(s.forgetPending("ffa", "c3"));
  equal(s.forgetPending("ffa", "c3"), false);
  s.decode(version(false, 3));
  equal(s.lastPairing()?.paired, false);
  equal(s.pendingCount, 1);
});

/**
 * Runs `body` with the FF-A codec of `registry` counting its decodes (an own property of the codec,
 * removed afterwards).
 */
function countingFfaDecodes(registry: Registry, body: (decoded: () => number) => void): void {
  const ffa = registry.get("ffa")!;
  const decode = ffa.decode;
  let n = 0;
  ffa.decode = function (...args: Parameters<typeof decode>) {
    n++;
    return decode.apply(this, args);
  };
  try {
    body(() => n);
  } finally {
    delete (ffa as { decode?: unknown }).decode;
  }
}

Deno.test("DecodeSession.pendingRecords() lists what pendingEntries() does, without decoding the requests", () => {
  const registry = defaultRegistry();
  countingFfaDecodes(registry, (decoded) => {
    const s = new DecodeSession(registry, { pairing: "needed", tree: false, summaries: false });
    const sink = new BytesSink();
    // The mixed benchmark stream up to its first FF-A call left waiting for its return.
    const written: CaptureRecord[] = [];
    for (let i = 0; s.pendingCount === 0 || written.length < 8; i++) {
      const r = mixedRecord(i);
      ok(s.summaryLine(r, sink), "written by the line path");
      written.push(r);
    }
    equal(decoded(), 0);
    const listed = s.pendingRecords();
    equal(listed.length, s.pendingCount);
    const last = written.findLast((r) => r.protocol === "ffa" && r.kind === "request")!;
    equal(listed.at(-1)!.record, last, "the request's own record, not a copy");
    equal(listed.at(-1)!.protocol, "ffa");
    equal(decoded(), 0, "pendingRecords decodes nothing");
    const entries = s.pendingEntries();
    equal(decoded(), listed.length, "pendingEntries decodes each request");
    deepEqual(entries.map(({ protocol, key, record, name }) => ({ protocol, key, record, name })), listed);
    ok(listed.every((p, i) => p.name === entries[i]!.request.name), "each with its request's name");
    ok(entries.every((e) => e.request.name.startsWith("FFA_MSG_SEND_DIRECT_REQ")), entries[0]?.request.name);
  });
});

Deno.test("DecodeSession.reset() makes the session decode as a new one", () => {
  const registry = defaultRegistry();
  const options = { pairing: "needed", tree: false, summaries: false } as const;
  /** Summary lines and pairing steps of the mixed stream's records `from`–`to`, with pending counts. */
  const run = (s: DecodeSession, from: number, to: number) => {
    const sink = new BytesSink();
    const steps = [];
    for (let i = from; i < to; i++) {
      const r = mixedRecord(i);
      // Odd records by the line path, even ones decoded in full: both keep the pairing state.
      if (i % 2 === 1) ok(s.summaryLine(r, sink));
      else s.summaryTo(sink, s.decode(r)!);
      steps.push({ step: s.lastPairing(), pending: s.pendingCount });
    }
    return { lines: new TextDecoder().decode(sink.buf.subarray(0, sink.off)), steps };
  };
  const used = new DecodeSession(registry, options);
  // Stop where an FF-A call waits for its return.
  let n = 0;
  while (used.pendingCount === 0 || n < 20) {
    run(used, n, n + 1);
    ok(++n < 1000, "the stream leaves a call waiting");
  }
  ok(used.lastPairing() !== undefined);
  used.reset();
  equal(used.pendingCount, 0);
  deepEqual(used.pendingRecords(), []);
  equal(used.lastPairing(), undefined);
  // Responses to the requests left waiting come first: a new session finds no request for them.
  deepEqual(run(used, n, n + 60), run(new DecodeSession(registry, options), n, n + 60));
});

Deno.test("DecodeSession.addPending() hands on another session's pending requests, decoded only when needed", () => {
  const registry = defaultRegistry();
  const options = { pairing: "needed", tree: false, summaries: false } as const;
  countingFfaDecodes(registry, (decoded) => {
    const lines = (s: DecodeSession, from: number, to: number) => {
      const sink = new BytesSink();
      for (let i = from; i < to; i++) ok(s.summaryLine(mixedRecord(i), sink), `record ${i} by the line path`);
      return new TextDecoder().decode(sink.buf.subarray(0, sink.off));
    };
    // The mixed stream up to an FF-A call left waiting for its return, in one session.
    const first = new DecodeSession(registry, options);
    let n = 0;
    while (first.pendingCount === 0 || n < 10) {
      lines(first, n, n + 1);
      ok(++n < 1000, "the stream leaves a call waiting");
    }
    const pending = first.pendingRecords();
    ok(pending.some((p) => p.protocol === "ffa"), "an FF-A call waits");
    // Another session that only gets those requests goes on exactly as the first one does.
    const second = new DecodeSession(registry, options);
    for (const p of pending) second.addPending(p);
    equal(second.pendingCount, first.pendingCount);
    deepEqual(second.pendingRecords(), pending);
    const before = decoded();
    equal(lines(second, n, n + 40), lines(first, n, n + 40));
    equal(decoded(), before, "the return was written without decoding its call");
    equal(second.pendingCount, first.pendingCount);
    // Asked for, a handed-on request is decoded as the first session decodes it.
    deepEqual(
      second.pendingEntries().map((e) => e.request.name),
      first.pendingEntries().map((e) => e.request.name),
    );
  });
});
