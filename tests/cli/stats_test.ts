import { deepEqual, equal, match } from "node:assert/strict";
import { createCaptureWriter } from "../../lib/pcap/mod.ts";
import { defaultRegistry, type MessageInput } from "../../lib/codec/mod.ts";
import { type CaptureRecord, makeRecord, type MessageKind, type ProtocolTag } from "../../lib/record.ts";
import { vioscope } from "./_run.ts";
import { percentile, table } from "../../cli/stats.ts";

const registry = defaultRegistry();
const T0 = 1_700_000_000_000_000_000n;

function rec(t: bigint, tag: ProtocolTag, kind: MessageKind, input: MessageInput): CaptureRecord {
  const data = registry.get(tag)!.encodeMessage({ ...input, kind }, { registry });
  return makeRecord(data, {
    protocol: tag,
    kind,
    sender: kind === "request" ? "driver" : "device",
    timestampNs: T0 + t,
    channel: { bus: 0, device: 1 },
  });
}

const clock = (token: number, extra: Record<string, unknown> = {}): MessageInput => ({
  name: "CLOCK_RATE_GET",
  fields: { "hdr.protocol_id": 0x14, "hdr.msg_id": 6, "hdr.token": token, clock_id: 1, ...extra },
});
const info = (token: number): MessageInput => ({ name: "GET_DEVICE_INFO", fields: { dev_num: 1, token } });

/** Three CLOCK_RATE_GET exchanges (10, 40 and 20 µs, one NOT_FOUND), two GET_DEVICE_INFO (5, 7 µs), one lone request. */
const RECORDS: CaptureRecord[] = [
  rec(0n, "scmi", "request", clock(1)),
  rec(1_000n, "virtio-msg", "request", info(1)),
  rec(6_000n, "virtio-msg", "response", info(1)),
  rec(10_000n, "scmi", "response", clock(1, { status: 0, rate: 100n })),
  rec(20_000n, "scmi", "request", clock(2)),
  rec(21_000n, "scmi", "request", clock(3)),
  rec(41_000n, "scmi", "response", clock(3, { status: -4 })),
  rec(60_000n, "scmi", "response", clock(2, { status: 0, rate: 200n })),
  rec(70_000n, "virtio-msg", "request", info(2)),
  rec(77_000n, "virtio-msg", "response", info(2)),
  rec(80_000n, "virtio-msg", "request", info(3)),
];

async function fixture(): Promise<string> {
  const path = await Deno.makeTempFile({ suffix: ".pcapng" });
  const f = await Deno.open(path, { write: true, truncate: true });
  const w = createCaptureWriter(f.writable);
  for (const r of RECORDS) await w.write(r);
  await w.close();
  return path;
}

Deno.test("stats --json gives exact counts, latencies and status values", async () => {
  const path = await fixture();
  try {
    const r = await vioscope(["stats", "--json", path]);
    equal(r.stderr, "");
    equal(r.code, 0);
    const s = JSON.parse(r.stdout);
    equal(s.records, 11);
    equal(s.decoded, 11);
    deepEqual(s.protocols, { scmi: 6, "virtio-msg": 5 });
    deepEqual(s.directions, { request: 6, response: 5 });
    deepEqual(s.messages, [
      { protocol: "scmi", name: "CLOCK_RATE_GET", request: 3, response: 3, event: 0, unknown: 0, total: 6 },
      {
        protocol: "virtio-msg",
        name: "GET_DEVICE_INFO",
        request: 3,
        response: 2,
        event: 0,
        unknown: 0,
        total: 5,
      },
    ]);
    deepEqual(s.latency, [
      {
        protocol: "scmi",
        name: "CLOCK_RATE_GET",
        count: 3,
        minNs: 10000,
        p50Ns: 20000,
        p99Ns: 40000,
        maxNs: 40000,
      },
      {
        protocol: "virtio-msg",
        name: "GET_DEVICE_INFO",
        count: 2,
        minNs: 5000,
        p50Ns: 5000,
        p99Ns: 7000,
        maxNs: 7000,
      },
    ]);
    deepEqual(s.status, [
      { field: "scmi.clock.status", value: "NOT_FOUND", count: 1 },
      { field: "scmi.clock.status", value: "SUCCESS", count: 2 },
    ]);
    deepEqual(s.issues, {});
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("stats -Y counts only the matching messages", async () => {
  const path = await fixture();
  try {
    const r = await vioscope([
      "stats",
      "--json",
      "-Y",
      "scmi.clock.status != SUCCESS || vmsg.token == 2",
      path,
    ]);
    equal(r.code, 0);
    const s = JSON.parse(r.stdout);
    equal(s.records, 3, "the NOT_FOUND response, and both sides of token 2");
    deepEqual(s.protocols, { scmi: 1, "virtio-msg": 2 });
    deepEqual(s.latency.map((l: { name: string; maxNs: number }) => [l.name, l.maxNs]), [
      ["CLOCK_RATE_GET", 20000],
      ["GET_DEVICE_INFO", 7000],
    ]);
    deepEqual(s.status, [{ field: "scmi.clock.status", value: "NOT_FOUND", count: 1 }]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("stats prints aligned tables", async () => {
  const path = await fixture();
  try {
    const r = await vioscope(["stats", path]);
    equal(r.code, 0);
    const lines = r.stdout.split("\n");
    equal(lines[0], "11 records, 11 decoded");
    const at = lines.indexOf("Response time (request → response, µs):");
    deepEqual(lines.slice(at + 1, at + 4), [
      "  PROTOCOL    MESSAGE          COUNT     MIN     P50     P99     MAX",
      "  scmi        CLOCK_RATE_GET       3  10.000  20.000  40.000  40.000",
      "  virtio-msg  GET_DEVICE_INFO      2   5.000   5.000   7.000   7.000",
    ]);
    match(r.stdout, /Status:\n {2}FIELD +VALUE +COUNT\n {2}scmi\.clock\.status +NOT_FOUND +1\n/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("stats exits 2 with the caret line on a bad filter", async () => {
  const r = await vioscope(["stats", "-Y", "scmi.hdr.token == )", "-"], new Uint8Array());
  equal(r.code, 2);
  equal(
    r.stderr,
    'vioscope: error: Cannot parse filter: unexpected ")" at column 19, expected a value\nscmi.hdr.token == )\n                  ^\n',
  );
});

Deno.test("percentile() uses the nearest rank; table() right-aligns numbers", () => {
  const s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  equal(percentile(s, 50), 5);
  equal(percentile(s, 99), 10);
  equal(percentile(s, 0), 1);
  equal(percentile([7], 99), 7);
  deepEqual(table(["A", "N"], [["x", 5], ["long", 12]]), ["A      N", "x      5", "long  12"]);
});
