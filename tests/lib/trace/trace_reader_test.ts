import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import {
  QemuLogParser,
  qemuTraceFormats,
  type TraceEvent,
  type TraceFormat,
} from "../../../lib/trace/mod.ts";
import { chunked, encodeSimple, fixture, readAll } from "./_helpers.ts";

const VALID: Record<Exclude<TraceFormat, "qemu-simple">, string[]> = {
  "qemu-log": [
    "5475@1795237400.495951:virtio_iommu_attach domain=0 endpoint=32",
    "virtio_iommu_map domain=0 virt_start=0xffffe000 virt_end=0xffffffff phys_start=0x26ca000 flags=3",
    "2025-07-21T18:43:28.089815Z virtio_set_status vdev 0x55f3f79c5000 val 15",
  ],
  ftrace: [
    "     cpufreq-set-276     [000] .....   139.905724: scmi_msg_dump: pt=13 t=CMND msg_id=07 seq=0091 s=0 pyld=000000008066ab13",
    "     kworker/0:1-41    [000]  52.118400112: scmi_xfer_begin:      pt=10 msg_id=00 seq=0000 transfer_id=0 poll=0 inflight=1",
  ],
  hexdump: ["000000 00 40 00 00 01 02", "0000  00 40 00 00   .@..", "O 0000 01 02 03"],
};

/** Garbage: any text without a newline, that no parser takes for a line of its format. */
const garbage = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.string({ unit: fc.constantFrom(..."!@%^&*()[]{}<>~`'\"|\\/?.,;: -+=ZQXjk\t"), maxLength: 80 }),
).map((s) => s.replace(/[\n\r]/g, " ")).filter((s) =>
  s.trim() === "" || /^\s*[!@%^&*()[\]{}<>~`'"|\\/?.,;:+=-]/.test(s)
);

Deno.test("fast-check: garbage lines never stop a run, and every valid line still gives its record", async () => {
  for (const [format, valid] of Object.entries(VALID) as [Exclude<TraceFormat, "qemu-simple">, string[]][]) {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(...valid).map((v) => ({ v })), garbage.map((g) => ({ g }))), {
          maxLength: 40,
        }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 5 }),
        async (lines, sizes) => {
          // Hex dumps: a blank line after each valid message keeps messages apart.
          const text = lines.map((l) => ("v" in l ? l.v + (format === "hexdump" ? "\n" : "") : l.g)).join(
            "\n",
          );
          const { records, warnings, reader } = await readAll(
            chunked(new TextEncoder().encode(text), sizes),
            format,
          );
          const nValid = lines.filter((l) => "v" in l).length;
          equal(records.length, nValid, JSON.stringify({ text, warnings }));
          equal(reader.stats.skipped, warnings.filter((w) => w.skipped).length);
          for (const w of warnings) ok(w.line! >= 1 && w.line! <= reader.stats.lines, JSON.stringify(w));
        },
      ),
      { numRuns: 40 },
    );
  }
});

Deno.test("fast-check: random bytes in any text format never throw", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 600 }),
      fc.constantFrom<TraceFormat>("qemu-log", "ftrace", "hexdump"),
      fc.integer({ min: 1, max: 50 }),
      async (bytes, format, size) => {
        const { reader } = await readAll(chunked(bytes, [size]), format);
        ok(reader.stats.lines >= 0);
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("fast-check: chunk boundaries do not change the records of the real trace", async () => {
  const bytes = new TextEncoder().encode(fixture("qemu/virtio-iommu-blk.tid.log"));
  const { records: ref } = await readAll(bytes, "qemu-log");
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 9000 }), { minLength: 1, maxLength: 6 }),
      async (sizes) => {
        const { records } = await readAll(chunked(bytes, sizes), "qemu-log");
        equal(records.length, ref.length);
        for (let i = 0; i < ref.length; i++) {
          deepEqual(records[i]!.data, ref[i]!.data);
          equal(records[i]!.timestampNs, ref[i]!.timestampNs);
        }
      },
    ),
    { numRuns: 15 },
  );
});

const hex = (v: bigint) => v.toString(16);
const u32 = fc.integer({ min: 0, max: 0x7fffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const body = fc.oneof(
  fc.record({ a: u32, b: u32 }).map(({ a, b }) => `virtio_iommu_attach domain=${a} endpoint=${b}`),
  fc.record({ a: u32, s: u64, e: u64, p: u64, f: fc.integer({ min: 0, max: 7 }) }).map(({ a, s, e, p, f }) =>
    `virtio_iommu_map domain=${a} virt_start=0x${hex(s)} virt_end=0x${hex(e)} phys_start=0x${
      hex(p)
    } flags=${f}`
  ),
  fc.record({ a: u32, s: u64, e: u64 }).map(({ a, s, e }) =>
    `virtio_iommu_unmap_done domain=${a} virt_start=0x${hex(s)} virt_end=0x${hex(e)}`
  ),
  fc.record({ v: fc.bigInt({ min: 1n, max: 0xfffffffffn }), val: fc.integer({ min: 0, max: 255 }) }).map((
    { v, val },
  ) => `virtio_set_status vdev 0x${hex(v)} val ${val}`),
  fc.record({ v: fc.bigInt({ min: 1n, max: 0xfffffffffn }), n: fc.integer({ min: 0, max: 64 }) }).map((
    { v, n },
  ) => `virtio_queue_notify vdev 0x${hex(v)} n ${n} vq 0x${hex(v * 16n + BigInt(n))}`),
);

Deno.test("fast-check: QEMU log, ftrace trace markers and simple binary give the same messages", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(body, fc.integer({ min: 0, max: 99999 }), fc.integer({ min: 0, max: 999999 })), {
        minLength: 1,
        maxLength: 15,
      }),
      async (items) => {
        const log = items.map(([b, s, u]) => `77@${s}.${String(u).padStart(6, "0")}:${b}`).join("\n");
        const marker = items.map(([b, s, u]) =>
          `qemu-system-x86-77 [001] ..... ${s}.${String(u).padStart(6, "0")}: tracing_mark_write: ${b}`
        ).join("\n");
        const p = new QemuLogParser();
        const events = log.split("\n").map((l, i) => p.parseLine(l, i + 1) as TraceEvent);
        const simple = encodeSimple(events, qemuTraceFormats());
        const got = [
          await readAll(log, "qemu-log"),
          await readAll(marker, "ftrace"),
          await readAll(simple, "qemu-simple"),
        ];
        for (const g of got) {
          deepEqual(g.warnings, []);
          equal(g.records.length, items.length);
        }
        for (let i = 0; i < items.length; i++) {
          const ref = got[0]!.records[i]!;
          equal(ref.annotation, undefined);
          for (const g of got.slice(1)) {
            deepEqual(g.records[i]!.data, ref.data);
            deepEqual(g.records[i]!.channel, ref.channel);
            equal(g.records[i]!.timestampNs, ref.timestampNs);
          }
        }
      },
    ),
    { numRuns: 50 },
  );
});

Deno.test("TraceReader skips over-long lines with a warning and keeps going", async () => {
  const text = "virtio_set_status vdev 0x1 val 1\n" + "x".repeat(5000) +
    "\nvirtio_set_status vdev 0x1 val 3\n";
  const { records, warnings, reader } = await readAll(
    chunked(new TextEncoder().encode(text), [100]),
    "qemu-log",
    {
      maxLineLength: 1000,
    },
  );
  equal(records.length, 2);
  equal(warnings.length, 1);
  equal(warnings[0]!.line, 2);
  ok(warnings[0]!.reason.includes("longer than 1000"));
  equal(reader.stats.lines, 3);
});

Deno.test("TraceReader counts lines, events, messages, annotations and skips", async () => {
  const { reader } = await readAll(fixture("qemu/virtio-iommu-blk.tid.log") + "junk!\n", "qemu-log");
  const s = reader.stats;
  deepEqual(
    [s.lines, s.events, s.records, s.messages, s.annotations, s.skipped],
    [625, 624, 624, 217, 407, 1],
  );
  deepEqual([...s.skippedByReason.keys()], ["not a QEMU trace line"]);
});
