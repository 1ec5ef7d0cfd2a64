import { deepEqual, equal } from "node:assert/strict";
import {
  argFromRaw,
  compileFormat,
  isStringType,
  parseTraceEventLine,
  parseTraceEvents,
  qemuTraceFormats,
} from "../../../lib/trace/mod.ts";

Deno.test("parseTraceEventLine() joins string pieces and expands PRIx64 macros", () => {
  const e = parseTraceEventLine(
    'virtio_iommu_map(uint32_t domain_id, uint64_t virt_start, uint64_t virt_end, uint64_t phys_start, uint32_t flags) "domain=%d virt_start=0x%"PRIx64" virt_end=0x%"PRIx64 " phys_start=0x%"PRIx64" flags=%d"',
  )!;
  equal(e.name, "virtio_iommu_map");
  equal(e.args.length, 5);
  deepEqual(e.args[0], { type: "uint32_t", name: "domain_id" });
  equal(e.format, "domain=%d virt_start=0x%llx virt_end=0x%llx phys_start=0x%llx flags=%d");
});

Deno.test("parseTraceEventLine() reads props, void and formats with parentheses", () => {
  const a = parseTraceEventLine('disable vcpu foo_bar(void) "reset!"')!;
  deepEqual(a.props, ["disable", "vcpu"]);
  deepEqual(a.args, []);
  const b = parseTraceEventLine(
    'virtio_pci_notify_write(uint64_t addr, uint64_t val, unsigned int size) "0x%" PRIx64" = 0x%" PRIx64 " (%d)"',
  )!;
  equal(b.format, "0x%llx = 0x%llx (%d)");
  equal(b.args[2]!.type, "unsigned int");
  equal(parseTraceEventLine("# a comment"), undefined);
  equal(parseTraceEventLine("   "), undefined);
});

Deno.test("parseTraceEvents() reads the installed trace-events-all when there is one", () => {
  let text: string;
  try {
    text = Deno.readTextFileSync("/usr/share/qemu/trace-events-all");
  } catch {
    return; // QEMU not installed
  }
  const m = parseTraceEvents(text);
  equal(m.size > 1000, true);
  const builtin = qemuTraceFormats();
  for (const [name, f] of builtin) {
    const sys = m.get(name);
    if (sys) deepEqual(sys, f, name);
  }
});

Deno.test("compileFormat() reads every virtio-iommu line of the real trace", () => {
  const f = qemuTraceFormats();
  const p = (name: string, text: string) => compileFormat(f.get(name)!)(text);
  deepEqual(p("virtio_iommu_attach", "domain=0 endpoint=32"), { domain_id: 0, ep_id: 32 });
  deepEqual(
    p("virtio_iommu_map", "domain=0 virt_start=0xffffe000 virt_end=0xffffffff phys_start=0x26ca000 flags=3"),
    { domain_id: 0, virt_start: 0xffffe000, virt_end: 0xffffffff, phys_start: 0x26ca000, flags: 3 },
  );
  deepEqual(
    p("virtio_iommu_fill_resv_property", "dev= 32, type=1 start=0xfee00000 end=0xfeefffff"),
    { devid: 32, subtype: 1, start: 0xfee00000, end: 0xfeefffff },
  );
  deepEqual(
    p("virtio_iommu_switch_address_space", "Device 00:1f.2 switching address space (iommu enabled=0)"),
    { bus: 0, slot: 0x1f, fn: 2, on: 0 },
  );
  deepEqual(p("virtio_iommu_translate_out", "0xffffe002 -> 0x26cc002 for sid=32"), {
    virt_addr: 0xffffe002,
    phys_addr: 0x26cc002,
    sid: 32,
  });
  deepEqual(p("virtio_iommu_init_iommu_mr", "init virtio-iommu-memory-region-4-32"), {
    iommu_mr: "virtio-iommu-memory-region-4-32",
  });
  deepEqual(p("virtio_iommu_device_reset", "reset!"), {});
  equal(p("virtio_iommu_attach", "domain=x endpoint=32"), undefined);
});

Deno.test("compileFormat() turns %d of unsigned types that printed negative back to unsigned", () => {
  const f = qemuTraceFormats();
  const a = compileFormat(f.get("virtio_iommu_get_config")!)(
    "page_size_mask=0xfffffffffffff000 input range start=0x0 input range end=0xffffffffffffffff domain range start=0 domain range end=-1 probe_size=0x200 bypass=0x1",
  )!;
  equal(a.domain_end, 0xffffffff);
  equal(a.page_size_mask, 0xfffffffffffff000n);
  equal(a.end, 0xffffffffffffffffn);
  const q = compileFormat(f.get("virtio_queue_notify")!)("vdev 0x1 n -1 vq (nil)")!;
  equal(q.n, -1);
  equal(q.vq, "(nil)");
});

Deno.test("argFromRaw() gives what the log backend prints for the same slot", () => {
  equal(argFromRaw("void *", 0n), "(nil)");
  equal(argFromRaw("const void *", 0xabcn), "0xabc");
  equal(argFromRaw("uint32_t", 0xffffffffn), 0xffffffff);
  equal(argFromRaw("int", 0xfffffffen), -2);
  equal(argFromRaw("uint64_t", 0xffffffffffffffffn), 0xffffffffffffffffn);
  equal(argFromRaw("bool", 5n), 1);
  equal(isStringType("const char *"), true);
  equal(isStringType("char*"), true);
  equal(isStringType("void *"), false);
});
