import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { DecodeSession, defaultRegistry, type Message } from "../../../lib/codec/mod.ts";
import {
  diffMessages,
  type DiffOptions,
  formatDuration,
  MessageFlattener,
  TraceDiffer,
} from "../../../lib/diff/mod.ts";
import { CaptureReader } from "../../../lib/pcap/mod.ts";
import { makeRecord, type MessageKind } from "../../../lib/record.ts";
import { lcsLength } from "./_lcs.ts";

const registry = defaultRegistry();
const vmsg = registry.get("virtio-msg")!;
const FIXTURES = new URL("../../../fixtures/diff/", import.meta.url);

async function load(name: string, pairing: "all" | "needed" = "needed"): Promise<Message[]> {
  const file = await Deno.open(new URL(name, FIXTURES));
  const session = new DecodeSession(registry, { tree: false, pairing });
  const out: Message[] = [];
  for await (const batch of new CaptureReader(file.readable, { uri: name }).batches()) {
    for (const r of batch) out.push(session.decode(r)!);
  }
  return out;
}

async function fixtureDiff(name: string, options: DiffOptions = {}) {
  const pairing = options.timing ? "all" : "needed";
  return diffMessages(await load("base.pcapng", pairing), await load(name, pairing), {
    registry,
    ...options,
  });
}

Deno.test("diffMessages() reports an inserted request/response pair as two inserts", async () => {
  const r = await fixtureDiff("insert.pcapng");
  deepEqual(r.edits, [{ op: "insert", a: 10, b: 10 }, { op: "insert", a: 10, b: 11 }]);
  deepEqual(r.stats().rows, [{
    protocol: "virtio-msg",
    name: "GET_CONFIG",
    inserted: 2,
    deleted: 0,
    changed: 0,
  }]);
  equal(r.info("b", 10).summary, "GET_CONFIG dev=1 tok=99 off=8 len=4");
});

Deno.test("diffMessages() reports a removed event as one delete", async () => {
  const r = await fixtureDiff("delete.pcapng");
  deepEqual(r.edits, [{ op: "delete", a: 15, b: 15 }]);
  equal(r.info("a", 15).name, "EVENT_USED");
});

Deno.test("diffMessages() pairs messages with different field values as changes", async () => {
  const r = await fixtureDiff("change.pcapng");
  deepEqual(r.edits, [
    { op: "change", a: 6, b: 6, changes: [{ field: "vmsg.status.status", a: "11", b: "15" }] },
    { op: "change", a: 7, b: 7, changes: [{ field: "vmsg.status.status", a: "11", b: "15" }] },
    {
      op: "change",
      a: 9,
      b: 9,
      changes: [{ field: "vmsg.config.data", a: "0000100000000000", b: "0000200000000000" }],
    },
  ]);
});

Deno.test("diffMessages() reports two swapped messages as one delete and one insert", async () => {
  const r = await fixtureDiff("reorder.pcapng");
  deepEqual(r.edits, [{ op: "delete", a: 14, b: 14 }, { op: "insert", a: 16, b: 15 }]);
  equal(r.info("a", 14).name, "EVENT_AVAIL");
  equal(r.info("b", 15).name, "EVENT_AVAIL");
});

Deno.test("diffMessages() does not cascade renumbered tokens when *.token is ignored", async () => {
  const noisy = await fixtureDiff("shifted.pcapng");
  equal(noisy.stats().changed, 6);
  const r = await fixtureDiff("shifted.pcapng", { ignore: ["*.token"] });
  deepEqual(r.edits, [{ op: "insert", a: 10, b: 10 }, { op: "insert", a: 10, b: 11 }]);
});

Deno.test("diffMessages() ignores timestamps unless timing is asked for", async () => {
  equal((await fixtureDiff("timing.pcapng")).identical, true);
  const r = await fixtureDiff("timing.pcapng", { timing: { toleranceNs: 1_000_000 } });
  deepEqual(r.edits, [{
    op: "change",
    a: 9,
    b: 9,
    changes: [
      { field: "frame.latency", a: "100.000us", b: "5.100ms" },
      { field: "frame.time_delta", a: "100.000us", b: "5.100ms" },
    ],
  }]);
  // The message after the late one starts 100 us later relative to it: no gap change.
  equal((await fixtureDiff("timing.pcapng", { timing: { toleranceNs: 10_000_000 } })).identical, true);
  equal((await fixtureDiff("timing.pcapng", { timing: { tolerancePercent: 5000 } })).identical, true);
  const onlyGap = await fixtureDiff("timing.pcapng", {
    timing: { toleranceNs: 1000 },
    ignore: ["frame.latency"],
  });
  deepEqual(onlyGap.edits.map((e) => e.op === "change" ? e.changes.map((c) => c.field) : []), [[
    "frame.time_delta",
  ]]);
});

Deno.test("diffMessages() compares undecoded records by their bytes", () => {
  const raw = (hex: number[], kind: MessageKind = "request") => ({
    record: makeRecord(new Uint8Array(hex), { kind, sender: "driver" }),
  });
  const r = diffMessages([raw([1, 2]), raw([3])], [raw([1, 2]), raw([4])], { registry });
  deepEqual(r.edits, [{ op: "change", a: 1, b: 1, changes: [{ field: "raw", a: "03", b: "04" }] }]);
  equal(r.info("a", 0).summary, "2 bytes (unknown protocol)");
});

Deno.test("TraceDiffer accepts the two traces interleaved", () => {
  const d = new TraceDiffer({ registry });
  const ping = (data: number) =>
    vmsg.decodeBytes(vmsg.encodeMessage({ name: "PING", fields: { data } }, { registry }), { registry });
  d.add("b", ping(1));
  d.add("a", ping(1));
  d.add("a", ping(2));
  const r = d.finish();
  deepEqual(r.edits, [{ op: "delete", a: 1, b: 1 }]);
  equal(r.lengthA, 2);
  equal(r.lengthB, 1);
});

Deno.test("MessageFlattener gives the filter names messageToJson gives", async () => {
  const session = new DecodeSession(registry, { tree: true });
  const flat = new MessageFlattener(registry);
  const file = await Deno.open(new URL("base.pcapng", FIXTURES));
  for await (const batch of new CaptureReader(file.readable).batches()) {
    for (const rec of batch) {
      const m = session.decode(rec)!;
      const names = flat.flatten(m).names.filter((n) => !n.endsWith(".padding"));
      const json: string[] = [];
      const walk = (fs: Message["fields"]) => {
        for (const f of fs) {
          if (!json.includes(f.name)) json.push(f.name);
          if (f.children && f.children.every((c) => c.bit)) walk(f.children);
        }
      };
      walk(m.fields);
      deepEqual(names, json, m.name);
    }
  }
});

Deno.test("formatDuration() picks a unit", () => {
  deepEqual([850, 12_500, 3_250_000, 1e9].map(formatDuration), ["850ns", "12.500us", "3.250ms", "1.000000s"]);
});

// Property tests over random conversations from a small alphabet of messages.
const ALPHABET: [string, MessageKind, Record<string, unknown>][] = [
  ["PING", "request", { data: 1 }],
  ["PING", "request", { data: 2 }],
  ["PING", "response", { data: 1 }],
  ["GET_CONFIG", "request", { dev_num: 1, offset: 0, length: 4 }],
  ["GET_CONFIG", "request", { dev_num: 1, offset: 4, length: 4 }],
  ["EVENT_USED", "event", { dev_num: 1, vq_index: 0 }],
  ["EVENT_USED", "event", { dev_num: 1, vq_index: 1 }],
];
const MESSAGES = ALPHABET.map(([name, kind, fields]) => {
  const data = vmsg.encodeMessage({ name, kind, fields }, { registry });
  return vmsg.decode(makeRecord(data, { protocol: "virtio-msg", kind, channel: { device: 1 } }), {
    registry,
  });
});
const trace = fc.array(fc.integer({ min: 0, max: ALPHABET.length - 1 }), { maxLength: 30 });

Deno.test("diffMessages() of a trace with itself is empty", () => {
  fc.assert(fc.property(trace, (a) => {
    const r = diffMessages(a.map((i) => MESSAGES[i]!), a.map((i) => MESSAGES[i]!), { registry });
    ok(r.identical);
    deepEqual(r.edits, []);
  }));
});

Deno.test("diffMessages() edits replayed on A give B, with a minimal number of edits", () => {
  fc.assert(
    fc.property(trace, trace, (a, b) => {
      const r = diffMessages(a.map((i) => MESSAGES[i]!), b.map((i) => MESSAGES[i]!), { registry });
      const out: number[] = [];
      let i = 0, j = 0, edits = 0;
      for (const e of r.entries) {
        equal(e.a, i);
        equal(e.b, j);
        if (e.op === "equal") {
          for (let k = 0; k < e.length; k++) {
            equal(a[i + k], b[j + k]);
            out.push(a[i + k]!);
          }
          i += e.length;
          j += e.length;
        } else if (e.op === "delete") {
          i++;
          edits++;
        } else if (e.op === "insert") {
          out.push(b[j++]!);
          edits++;
        } else {
          ok(e.changes.length > 0);
          equal(MESSAGES[a[i]!]!.name, MESSAGES[b[j]!]!.name);
          out.push(b[j]!);
          i++;
          j++;
          edits += 2;
        }
      }
      deepEqual(out, b);
      equal(edits, a.length + b.length - 2 * lcsLength(a, b));
    }),
    { numRuns: 1000 },
  );
});
