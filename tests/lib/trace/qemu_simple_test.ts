import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  isQemuSimpleHeader,
  parseTraceEvents,
  QemuLogParser,
  QemuSimpleParser,
  qemuTraceFormats,
  type TraceEvent,
} from "../../../lib/trace/mod.ts";
import { chunked, encodeSimple, fixture, readAll } from "./_helpers.ts";

/** The real trace's events, as the log backend printed them. */
function realEvents(): TraceEvent[] {
  const p = new QemuLogParser();
  return fixture("qemu/virtio-iommu-blk.tid.log").split("\n").map((l, i) => p.parseLine(l, i + 1))
    .filter((e): e is TraceEvent => typeof e === "object");
}

Deno.test("QemuSimpleParser reads a simple-backend file of the real events like the log backend's text", async () => {
  const events = realEvents();
  const formats = qemuTraceFormats();
  for (const le of [true, false]) {
    const bin = encodeSimple(events, formats, { littleEndian: le });
    ok(isQemuSimpleHeader(bin));
    for (const sizes of [[bin.length], [1], [7, 13, 4096]]) {
      const { records: a, warnings } = await readAll(chunked(bin, sizes), "qemu-simple");
      deepEqual(warnings, []);
      const { records: b } = await readAll(fixture("qemu/virtio-iommu-blk.tid.log"), "qemu-log");
      equal(a.length, b.length);
      for (let i = 0; i < a.length; i++) {
        deepEqual(a[i]!.data, b[i]!.data, `record ${i}`);
        equal(a[i]!.timestampNs, b[i]!.timestampNs);
        equal(a[i]!.annotation, b[i]!.annotation);
      }
      for (const r of [a[0]!, a.at(-1)!]) {
        equal(new DataView(bin.buffer).getBigUint64(r.source!.offset!, le), 1n, "offset of an event record");
      }
    }
  }
});

Deno.test("QemuSimpleParser reports dropped events, unknown ids, undeclared events and cut files", () => {
  const formats = parseTraceEvents(
    'virtio_set_status(void *vdev, uint8_t val) "vdev %p val %u"\nmy_event(const char *name, int v) "name %s v %d"\nother_event(uint64_t x) "x %lx"\n',
  );
  const events: TraceEvent[] = [
    { name: "my_event", args: { name: "hello", v: -5 }, timestampNs: 10n },
    { name: "virtio_set_status", args: { vdev: "0x10", val: 3 }, timestampNs: 11n },
    { name: "other_event", args: { x: 1 }, timestampNs: 12n },
  ];
  const bin = encodeSimple(events, formats, { unmapped: ["other_event"] });
  // A dropped record after the others.
  const drop = new DataView(new ArrayBuffer(40));
  drop.setBigUint64(0, 1n, true);
  drop.setBigUint64(8, 0xfffffffffffffffen, true);
  drop.setBigUint64(16, 13n, true);
  drop.setUint32(24, 32, true);
  drop.setUint32(28, 1, true);
  drop.setBigUint64(32, 7n, true);
  const all = new Uint8Array([...bin, ...new Uint8Array(drop.buffer), 1, 0, 0]);
  const p = new QemuSimpleParser({ formats });
  const got = p.push(all);
  deepEqual(got.map((e) => e.name), ["my_event", "virtio_set_status", "event_5", "dropped"]);
  deepEqual(got[0]!.args, { name: "hello", v: -5 });
  equal(got[2]!.args.raw, "0100000000000000");
  equal(got[3]!.args.num_events_dropped, 7);
  deepEqual(p.notes.map((n) => n.reason.split(" ")[0]), ["event", "QEMU"]);
  ok(p.end()?.includes("incomplete record"));
  // Without the declaration of my_event, its bytes are kept raw.
  const q = new QemuSimpleParser();
  const [e] = q.push(bin);
  equal(e!.name, "my_event");
  ok(typeof e!.args.raw === "string");
  ok(q.notes[0]!.reason.includes("--events"));
});

Deno.test("QemuSimpleParser refuses other versions and broken framing", () => {
  const head = new DataView(new ArrayBuffer(24));
  head.setBigUint64(0, 0xffffffffffffffffn, true);
  head.setBigUint64(8, 0xf2b177cb0aa429b4n, true);
  head.setBigUint64(16, 3n, true);
  throws(() => new QemuSimpleParser().push(new Uint8Array(head.buffer)), /version 3 is not supported/);
  head.setBigUint64(16, 4n, true);
  const bad = new Uint8Array([...new Uint8Array(head.buffer), 9, 0, 0, 0, 0, 0, 0, 0]);
  throws(() => new QemuSimpleParser().push(bad), /Cannot read QEMU simple trace at byte 24: record type 9/);
});
