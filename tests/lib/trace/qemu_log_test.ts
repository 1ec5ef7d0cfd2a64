import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { QemuLogParser, type TraceEvent } from "../../../lib/trace/mod.ts";
import { fixture, readAll } from "./_helpers.ts";

const FORMS = ["tid", "noprefix", "iso"] as const;

Deno.test("QemuLogParser.parseLine() reads the three line forms of QEMU 7.2 trace lines", () => {
  const p = new QemuLogParser();
  const tid = p.parseLine(
    "5475@1795237400.602345:virtio_iommu_map domain=0 virt_start=0xffffe000 virt_end=0xffffffff phys_start=0x26ca000 flags=3",
    7,
  ) as TraceEvent;
  equal(tid.name, "virtio_iommu_map");
  equal(tid.timestampNs, 1795237400602345000n);
  equal(tid.pid, 5475);
  equal(tid.line, 7);
  deepEqual(tid.args, {
    domain_id: 0,
    virt_start: 0xffffe000,
    virt_end: 0xffffffff,
    phys_start: 0x26ca000,
    flags: 3,
  });
  const iso = p.parseLine(
    "2026-11-21T05:03:20.602345Z virtio_iommu_map domain=0 virt_start=0xffffe000 virt_end=0xffffffff phys_start=0x26ca000 flags=3",
    1,
  ) as TraceEvent;
  deepEqual(iso.args, tid.args);
  equal(iso.timestampNs, BigInt(Date.UTC(2026, 10, 21, 5, 3, 20)) * 1_000_000n + 602345000n);
  equal(iso.pid, undefined);
  const bare = p.parseLine(
    "virtio_iommu_map domain=0 virt_start=0xffffe000 virt_end=0xffffffff phys_start=0x26ca000 flags=3",
    1,
  ) as TraceEvent;
  deepEqual(bare.args, tid.args);
  equal(bare.timestampNs, undefined);
});

Deno.test("QemuLogParser.parseLine() tolerates a PROG(THREAD): prefix, CRLF and extra fraction digits", () => {
  const p = new QemuLogParser();
  const a = p.parseLine(
    "2025-07-21T18:43:28.089815Z guest1 qemu-system-aarch64(4321): virtio_iommu_attach domain=1 endpoint=8\r",
    1,
  ) as TraceEvent;
  equal(a.name, "virtio_iommu_attach");
  equal(a.pid, 4321);
  deepEqual(a.args, { domain_id: 1, ep_id: 8 });
  const b = p.parseLine("12@5.123456789:virtio_set_status vdev 0x1 val 3", 1) as TraceEvent;
  equal(b.timestampNs, 5_123456789n);
});

Deno.test("QemuLogParser.parseLine() keeps unknown events with generic arguments and rejects non-trace lines", () => {
  const p = new QemuLogParser();
  const kv = p.parseLine(
    "memory_region_ops_read cpu 0 mr 0x55 addr 0x10 value 0x1 size 4 name io",
    1,
  ) as TraceEvent;
  deepEqual(kv.args, { cpu: "0", mr: "0x55", addr: "0x10", value: "0x1", size: "4", name: "io" });
  const eq = p.parseLine("pci_cfg_write mch 00:00.0 @0x90 <- 0x33333330", 1) as TraceEvent;
  equal(eq.name, "pci_cfg_write");
  equal(eq.args.text, "mch 00:00.0 @0x90 <- 0x33333330");
  equal(typeof p.parseLine("qemu-system-x86_64: terminating on signal 15 from pid 42", 1), "string");
  equal(typeof p.parseLine("Hello world", 1), "string");
  equal(p.parseLine("   ", 1), undefined);
  // A known event whose text does not fit its format is kept, with a note.
  const odd = p.parseLine("virtio_iommu_attach domain=zero endpoint=32", 1) as TraceEvent;
  equal(odd.args.endpoint, "32");
  ok(p.note?.includes("do not match"));
});

Deno.test("TraceReader gives the same messages for the real trace in its three line forms", async () => {
  const got = await Promise.all(
    FORMS.map((f) => readAll(fixture(`qemu/virtio-iommu-blk.${f}.log`), "qemu-log")),
  );
  const [tid, bare, iso] = got.map((g) => g.records);
  equal(tid!.length, 624);
  for (const g of got) equal(g.warnings.length, 0);
  for (let i = 0; i < tid!.length; i++) {
    const a = tid![i]!;
    for (const b of [bare![i]!, iso![i]!]) {
      deepEqual(b.data, a.data);
      equal(b.protocol, a.protocol);
      equal(b.kind, a.kind);
      equal(b.sender, a.sender);
      deepEqual(b.channel, a.channel);
      equal(b.annotation, a.annotation);
    }
    equal(iso![i]!.timestampNs, a.timestampNs);
    // Lines without a time get 1 µs steps from 0.
    equal(bare![i]!.timestampNs, BigInt(i) * 1000n);
  }
});

/** Renders an event line in one of the three forms. */
function render(form: (typeof FORMS)[number], sec: number, usec: number, body: string): string {
  const u = String(usec).padStart(6, "0");
  if (form === "tid") return `4242@${sec}.${u}:${body}`;
  if (form === "iso") return `${new Date(sec * 1000).toISOString().slice(0, 19)}.${u}Z ${body}`;
  return body;
}

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const hex = (v: number | bigint) => v.toString(16);
/** Signed printing of a uint32 with %d, as QEMU does. */
const d = (v: number) => String(v | 0);

const bodies = fc.oneof(
  fc.record({ dom: u32, ep: u32 }).map(({ dom, ep }) =>
    `virtio_iommu_attach domain=${d(dom)} endpoint=${d(ep)}`
  ),
  fc.record({ dom: u32, ep: u32 }).map(({ dom, ep }) =>
    `virtio_iommu_detach domain=${d(dom)} endpoint=${d(ep)}`
  ),
  fc.record({ dom: u32, s: u64, e: u64, p: u64, f: fc.integer({ min: 0, max: 7 }) }).map((
    { dom, s, e, p, f },
  ) =>
    `virtio_iommu_map domain=${d(dom)} virt_start=0x${hex(s)} virt_end=0x${hex(e)} phys_start=0x${
      hex(p)
    } flags=${f}`
  ),
  fc.record({ dom: u32, s: u64, e: u64 }).map(({ dom, s, e }) =>
    `virtio_iommu_unmap domain=${d(dom)} virt_start=0x${hex(s)} virt_end=0x${hex(e)}`
  ),
  fc.record({ dom: u32, s: u64, e: u64 }).map(({ dom, s, e }) =>
    `virtio_iommu_unmap_done domain=${d(dom)} virt_start=0x${hex(s)} virt_end=0x${hex(e)}`
  ),
  fc.record({ dev: u32, t: fc.integer({ min: 0, max: 255 }), s: u64, e: u64 }).map(({ dev, t, s, e }) =>
    `virtio_iommu_fill_resv_property dev= ${d(dev)}, type=${t} start=0x${hex(s)} end=0x${hex(e)}`
  ),
  fc.record({ r: fc.integer({ min: 0, max: 255 }), f: u32, ep: u32, a: u64 }).map(({ r, f, ep, a }) =>
    `virtio_iommu_report_fault FAULT reason=${r} flags=${d(f)} endpoint=${d(ep)} address =0x${hex(a)}`
  ),
  fc.record({ v: fc.bigInt({ min: 1n, max: 0xffffffffffffn }), val: fc.integer({ min: 0, max: 255 }) }).map((
    { v, val },
  ) => `virtio_set_status vdev 0x${hex(v)} val ${val}`),
  fc.record({ v: fc.bigInt({ min: 1n, max: 0xffffffffffffn }), n: fc.integer({ min: 0, max: 1023 }) }).map((
    { v, n },
  ) => `virtio_queue_notify vdev 0x${hex(v)} n ${n} vq 0x${hex(v + 0x1000n + BigInt(n) * 0x88n)}`),
);

Deno.test("fast-check: generated lines in every form parse to the same message bytes", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(bodies, fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 999999 })), {
        minLength: 1,
        maxLength: 20,
      }),
      async (lines) => {
        const out = await Promise.all(
          FORMS.map((form) =>
            readAll(lines.map(([b, s, u]) => render(form, s, u, b)).join("\n") + "\n", "qemu-log")
          ),
        );
        for (const o of out) {
          equal(o.warnings.length, 0, JSON.stringify(o.warnings));
          equal(o.records.length, lines.length);
        }
        for (let i = 0; i < lines.length; i++) {
          const ref = out[0]!.records[i]!;
          equal(ref.annotation, undefined, ref.comment);
          equal(ref.timestampNs, BigInt(lines[i]![1]) * 1_000_000_000n + BigInt(lines[i]![2]) * 1000n);
          for (const o of out.slice(1)) {
            deepEqual(o.records[i]!.data, ref.data);
            deepEqual(o.records[i]!.channel, ref.channel);
          }
          equal(out[2]!.records[i]!.timestampNs, ref.timestampNs);
        }
      },
    ),
    { numRuns: 60 },
  );
});
