import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { defaultRegistry } from "../../../lib/codec/protocols/mod.ts";
import type { Message } from "../../../lib/codec/types.ts";
import { makeRecord } from "../../../lib/record.ts";
import { createViommuDevice, VIOMMU_ACCESS } from "../../../lib/sim/viommu_device.ts";
import type { ViommuDevice } from "../../../lib/sim/viommu_device.ts";
import type { SimOutput } from "../../../lib/sim/types.ts";

const registry = defaultRegistry();
const codec = registry.get("virtio-iommu")!;
const { READ, WRITE } = VIOMMU_ACCESS;

const S = { OK: 0, UNSUPP: 2, INVAL: 4, RANGE: 5, NOENT: 6 };

interface Reply {
  status: unknown;
  msg: Message;
  bytes: Uint8Array;
  request: Uint8Array;
  out: SimOutput;
}

/** Encodes a request, decodes it as the bus would, runs the device and decodes the completed chain. */
function run(dev: ViommuDevice, name: string, fields: Record<string, unknown>, dialect = "current"): Reply {
  const request = codec.encodeMessage({ name, fields, dialect }, { registry });
  const outs = runBytes(dev, request, dialect);
  equal(outs.length, 1, `${name}: one completion`);
  const out = outs[0]!;
  equal(out.protocol, "virtio-iommu");
  equal(out.kind, "response");
  const bytes = codec.encodeMessage(out.input!, { registry });
  const msg = codec.decodeBytes(bytes, {
    registry,
    recordKind: "response",
    dialects: { "virtio-iommu": dialect },
  });
  equal(msg.name, name);
  // Only the request's own non-zero reserved bytes (echoed in the chain) may be flagged.
  deepEqual(
    msg.issues.filter((i) => i.code !== "reserved-nonzero"),
    [],
    `${name}: the response decodes cleanly`,
  );
  return { status: msg.values["tail.status"], msg, bytes, request, out };
}

function runBytes(dev: ViommuDevice, bytes: Uint8Array, dialect = "current"): SimOutput[] {
  const record = makeRecord(bytes, { protocol: "virtio-iommu", kind: "request", sender: "driver" });
  const msg = codec.decode(record, { registry, dialects: { "virtio-iommu": dialect } });
  return dev.handle(msg, { registry, now: 0n, record, deliver: () => [], options: {} });
}

const attach = (dev: ViommuDevice, domain: number, endpoint: number, flags = 0) =>
  run(dev, "ATTACH", { domain, endpoint, flags }).status;
const detach = (dev: ViommuDevice, domain: number, endpoint: number) =>
  run(dev, "DETACH", { domain, endpoint }).status;
const map = (
  dev: ViommuDevice,
  domain: number,
  start: bigint,
  end: bigint,
  phys = start,
  flags = READ | WRITE,
) => run(dev, "MAP", { domain, virt_start: start, virt_end: end, phys_start: phys, flags }).status;
const unmap = (dev: ViommuDevice, domain: number, start: bigint, end: bigint) =>
  run(dev, "UNMAP", { domain, virt_start: start, virt_end: end }).status;

/** A device with a 1-byte granule, so the spec's unmap examples can use its own small numbers. */
function byteGranule(): ViommuDevice {
  const dev = createViommuDevice({ page_size_mask: "0x1", endpoints: [0], resv_mem: [] });
  equal(attach(dev, 1, 0), S.OK);
  return dev;
}

const mapped = (dev: ViommuDevice, a: bigint) => dev.translate(0, a, READ) !== undefined;

Deno.test("createViommuDevice() follows every unmap example of the spec (notes §B2)", () => {
  type Range = [bigint, bigint];
  const cases: { maps: Range[]; unmap: Range; status: number; left: Range[] }[] = [
    { maps: [], unmap: [0n, 4n], status: S.OK, left: [] },
    { maps: [[0n, 9n]], unmap: [0n, 9n], status: S.OK, left: [] },
    { maps: [[0n, 4n], [5n, 9n]], unmap: [0n, 9n], status: S.OK, left: [] },
    { maps: [[0n, 9n]], unmap: [0n, 4n], status: S.RANGE, left: [[0n, 9n]] },
    { maps: [[0n, 4n], [5n, 9n]], unmap: [0n, 4n], status: S.OK, left: [[5n, 9n]] },
    { maps: [[0n, 4n]], unmap: [0n, 9n], status: S.OK, left: [] },
    { maps: [[0n, 4n], [10n, 14n]], unmap: [0n, 14n], status: S.OK, left: [] },
  ];
  for (const c of cases) {
    const dev = byteGranule();
    for (const [a, b] of c.maps) equal(map(dev, 1, a, b, a + 0x100n), S.OK);
    const label = `maps ${c.maps.map((m) => `(${m.join(",")})`).join("+") || "none"}, unmap(${
      c.unmap.join(",")
    })`;
    equal(unmap(dev, 1, ...c.unmap), c.status, label);
    for (let a = 0n; a < 16n; a++) {
      const want = c.left.some(([s, e]) => s <= a && a <= e);
      equal(mapped(dev, a), want, `${label}: address ${a} ${want ? "still mapped" : "unmapped"}`);
    }
    // What was removed can be mapped again; what is left still overlaps.
    for (const [a, b] of c.maps) {
      const kept = c.left.some(([s, e]) => s === a && e === b);
      equal(map(dev, 1, a, b), kept ? S.INVAL : S.OK, `${label}: remap (${a},${b})`);
    }
  }
});

Deno.test("createViommuDevice() removes nothing when one mapping of an UNMAP would be split", () => {
  const dev = byteGranule();
  equal(map(dev, 1, 0n, 4n), S.OK);
  equal(map(dev, 1, 5n, 14n), S.OK);
  equal(unmap(dev, 1, 0n, 9n), S.RANGE);
  ok(mapped(dev, 0n), "the whole mapping [0,4] survives (atomic, unlike QEMU)");
  ok(mapped(dev, 12n));
  equal(unmap(dev, 1, 3n, 14n), S.RANGE, "splitting the start of a mapping is refused too");
  equal(unmap(dev, 1, 0n, 14n), S.OK);
  ok(!mapped(dev, 0n) && !mapped(dev, 12n));
});

Deno.test("createViommuDevice() completes a request with the chain: head + body + tail", () => {
  const dev = createViommuDevice(undefined);
  equal(attach(dev, 1, 0), S.OK);
  const r = run(dev, "MAP", {
    domain: 1,
    virt_start: 0x1000n,
    virt_end: 0x1fffn,
    phys_start: 0xa000n,
    flags: 1,
  });
  equal(r.request.length, 36);
  equal(r.bytes.length, 40);
  deepEqual(r.bytes.subarray(0, 36), r.request, "the readable part is the request");
  deepEqual(r.bytes.subarray(36), new Uint8Array([0, 0, 0, 0]), "status OK, reserved zero");
  equal(r.msg.values["phys_start"], 0xa000n);
  const bad = run(dev, "MAP", {
    domain: 1,
    virt_start: 0x1000n,
    virt_end: 0x1fffn,
    phys_start: 0xa000n,
    flags: 1,
  });
  deepEqual(bad.bytes.subarray(36), new Uint8Array([S.INVAL, 0, 0, 0]));
  equal(dev.translate(0, 0x1234n, READ), 0xa234n);
});

Deno.test("createViommuDevice() checks MAP alignment to the granule and the input range", () => {
  const dev = createViommuDevice({ endpoints: [0], input_range: ["0x1000", "0xffffff"], resv_mem: [] });
  equal(attach(dev, 1, 0), S.OK);
  equal(map(dev, 1, 0x1001n, 0x1fffn), S.RANGE, "virt_start unaligned");
  equal(map(dev, 1, 0x1000n, 0x1ffen), S.RANGE, "virt_end + 1 unaligned");
  equal(map(dev, 1, 0x1000n, 0x1fffn, 0x2800n), S.RANGE, "phys_start unaligned");
  equal(map(dev, 1, 0x0n, 0xfffn), S.RANGE, "below the input range");
  equal(map(dev, 1, 0xfff000n, 0x1000fffn), S.RANGE, "beyond the input range");
  equal(map(dev, 1, 0x3000n, 0x1fffn), S.INVAL, "virt_end before virt_start");
  equal(map(dev, 1, 0x1000n, 0x1fffn, 0x2000n), S.OK);
  equal(map(dev, 1, 0xfff000n, 0xffffffn), S.OK, "up to the inclusive end");
  // 64 KiB pages: the granule is the lowest set bit of page_size_mask.
  const big = createViommuDevice({ page_size_mask: "0xffffffffffff0000", endpoints: [0], resv_mem: [] });
  equal(attach(big, 1, 0), S.OK);
  equal(map(big, 1, 0x1000n, 0x1fffn), S.RANGE);
  equal(map(big, 1, 0x10000n, 0x1ffffn), S.OK);
});

Deno.test("createViommuDevice() refuses overlapping mappings, unknown flags and RESV_MEM overlap", () => {
  const dev = createViommuDevice(undefined);
  equal(attach(dev, 1, 0), S.OK);
  equal(map(dev, 1, 0x1000n, 0x2fffn), S.OK);
  equal(map(dev, 1, 0x2000n, 0x3fffn), S.INVAL, "overlaps the end");
  equal(map(dev, 1, 0x0n, 0x1fffn), S.INVAL, "overlaps the start");
  equal(map(dev, 1, 0x3000n, 0x3fffn), S.OK, "adjacent is fine");
  equal(map(dev, 1, 0x8000n, 0x8fffn, 0x8000n, 0x100), S.INVAL, "unknown flag bit");
  equal(map(dev, 1, 0x8000n, 0x8fffn, 0x8000n, 4), S.OK, "MMIO (bit 2) is known");
  equal(map(dev, 1, 0xfee00000n, 0xfee00fffn), S.INVAL, "inside the MSI region of endpoint 0");
  equal(map(dev, 2, 0x10000n, 0x10fffn), S.NOENT, "no such domain");
  // v0.7: MMIO is bit 3 and EXEC bit 2.
  const v07 = run(dev, "MAP", {
    domain: 1,
    virt_start: 0x20000n,
    virt_end: 0x20fffn,
    phys_start: 0x20000n,
    flags: 8,
  }, "v0.7");
  equal(v07.status, S.OK);
});

Deno.test("createViommuDevice() attaches: NOENT, reserved, flags, domain range, moves endpoints", () => {
  const dev = createViommuDevice(undefined);
  equal(attach(dev, 1, 8), S.NOENT, "endpoints are 0..7");
  equal(
    run(dev, "ATTACH", { domain: 1, endpoint: 0, reserved: new Uint8Array([0, 1, 0, 0]) }).status,
    S.INVAL,
  );
  equal(attach(dev, 1, 0, 2), S.INVAL, "unknown flag");
  equal(attach(dev, 0, 0), S.RANGE, "domain 0 is outside 1..65535");
  equal(attach(dev, 65536, 0), S.RANGE);
  equal(attach(dev, 1, 0), S.OK);
  equal(attach(dev, 1, 0), S.OK, "attaching again to the same domain");
  equal(map(dev, 1, 0x1000n, 0x1fffn, 0x5000n), S.OK);
  equal(attach(dev, 2, 0), S.OK, "moves the endpoint");
  equal(map(dev, 1, 0x1000n, 0x1fffn), S.NOENT, "domain 1 lost its last endpoint and ceased to exist");
  equal(dev.translate(0, 0x1000n, READ), undefined, "domain 2 has no mapping");
  equal(map(dev, 2, 0x1000n, 0x1fffn, 0x9000n), S.OK);
  equal(dev.translate(0, 0x1000n, READ), 0x9000n);
});

Deno.test("createViommuDevice() keeps a shared domain until its last endpoint detaches", () => {
  const dev = createViommuDevice(undefined);
  equal(attach(dev, 5, 0), S.OK);
  equal(attach(dev, 5, 1), S.OK);
  equal(map(dev, 5, 0x4000n, 0x4fffn, 0x8000n), S.OK);
  equal(dev.translate(1, 0x4000n, WRITE), 0x8000n);
  equal(detach(dev, 5, 0), S.OK);
  equal(dev.translate(1, 0x4000n, READ), 0x8000n, "endpoint 1 still sees the mapping");
  equal(dev.translate(0, 0x4000n, READ), undefined, "endpoint 0 no longer does");
  equal(detach(dev, 5, 1), S.OK);
  equal(attach(dev, 5, 1), S.OK);
  equal(dev.translate(1, 0x4000n, READ), undefined, "a new domain 5 starts empty");
});

Deno.test("createViommuDevice() detaches: NOENT for unknown endpoints, INVAL when not attached there", () => {
  const dev = createViommuDevice(undefined);
  equal(detach(dev, 1, 9), S.NOENT);
  equal(detach(dev, 1, 0), S.INVAL, "not attached at all");
  equal(attach(dev, 1, 0), S.OK);
  equal(detach(dev, 2, 0), S.INVAL, "attached to another domain");
  equal(
    run(dev, "DETACH", { domain: 1, endpoint: 0, reserved: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]) }).status,
    S.INVAL,
  );
  equal(detach(dev, 1, 0), S.OK);
  equal(detach(dev, 1, 0), S.INVAL, "already detached");
  // v0.7 DETACH has no domain: it detaches from whatever domain the endpoint is in.
  equal(attach(dev, 3, 2), S.OK);
  equal(run(dev, "DETACH", { endpoint: 2 }, "v0.7").status, S.OK);
  equal(run(dev, "DETACH", { endpoint: 2 }, "v0.7").status, S.INVAL);
});

Deno.test("createViommuDevice() models bypass domains and the global bypass", () => {
  const dev = createViommuDevice(undefined);
  equal(attach(dev, 7, 0, 1), S.OK, "ATTACH_F_BYPASS creates a bypass domain");
  equal(dev.translate(0, 0x1234n, WRITE), 0x1234n, "identity");
  equal(map(dev, 7, 0x1000n, 0x1fffn), S.INVAL, "no MAP on a bypass domain");
  equal(unmap(dev, 7, 0x1000n, 0x1fffn), S.INVAL, "no UNMAP either");
  equal(attach(dev, 7, 1, 0), S.INVAL, "a translated attach to a bypass domain");
  equal(attach(dev, 8, 1, 0), S.OK);
  equal(attach(dev, 8, 2, 1), S.INVAL, "a bypass attach to a translated domain");
  // Unattached endpoints: no access without the global bypass, identity with it.
  equal(dev.translate(3, 0x1000n, READ), undefined);
  const open = createViommuDevice({ endpoints: [0, 1], bypass: true });
  equal(open.translate(1, 0x1000n, READ), 0x1000n);
  equal(open.fault(1, 0x1000n, READ), undefined);
  equal(open.translate(9, 0x1000n, READ), 0x1000n, "even an unknown endpoint bypasses");
  equal(attach(open, 1, 1), S.OK);
  equal(open.translate(1, 0x1000n, READ), undefined, "an attached endpoint translates");
});

Deno.test("createViommuDevice() answers PROBE with the endpoint's RESV_MEM properties", () => {
  const dev = createViommuDevice(undefined);
  const r = run(dev, "PROBE", { endpoint: 3 });
  equal(r.status, S.OK);
  equal(r.bytes.length, 72 + 512 + 4, "head + body + probe_size + tail");
  deepEqual(r.msg.values["properties"], [{
    type: 1,
    length: 20,
    subtype: 1,
    reserved: new Uint8Array(3),
    start: 0xfee00000n,
    end: 0xfeefffffn,
  }]);
  equal((r.msg.values["unused"] as Uint8Array).length, 512 - 24);
  equal(run(dev, "PROBE", { endpoint: 8 }).status, S.NOENT);
  // A posted writable area too small for probe_size: INVAL, nothing written.
  const small = run(dev, "PROBE", { endpoint: 3, writable: new Uint8Array(64 + 4) });
  equal(small.status, S.INVAL);
  deepEqual(small.msg.values["properties"], []);
  equal(small.bytes.length, 72 + 64 + 4);
  const full = run(dev, "PROBE", { endpoint: 3, writable: new Uint8Array(512 + 4) });
  equal(full.status, S.OK);
  const custom = createViommuDevice({
    endpoints: [4],
    resv_mem: [
      { endpoint: 4, start: "0x8000000", end: "0x80fffff", subtype: "msi" },
      { endpoint: 4, start: "0x0", end: "0xfff", subtype: "reserved" },
    ],
  });
  const c = run(custom, "PROBE", { endpoint: 4 });
  const props = c.msg.values["properties"] as unknown as Record<string, unknown>[];
  deepEqual(props.map((p) => [p["subtype"], p["start"], p["end"]]), [[1, 0x8000000n, 0x80fffffn], [
    0,
    0n,
    0xfffn,
  ]]);
  const none = run(createViommuDevice({ endpoints: [0], resv_mem: [] }), "PROBE", { endpoint: 0 });
  deepEqual(none.msg.values["properties"], []);
  equal((none.msg.values["unused"] as Uint8Array).length, 512);
});

Deno.test("createViommuDevice() fault() reports UNKNOWN, DOMAIN and MAPPING faults as QEMU does", () => {
  const dev = createViommuDevice({
    endpoints: [0, 1],
    resv_mem: [
      { endpoint: 0, start: "0xfee00000", end: "0xfeefffff", subtype: "msi" },
      { endpoint: 0, start: "0x100000", end: "0x1fffff", subtype: "reserved" },
    ],
  });
  const decode = (o: SimOutput | undefined) => {
    ok(o, "a fault");
    equal(o.kind, "event");
    equal(o.channel?.queue, 1, "fault reports travel on the eventq");
    const bytes = codec.encodeMessage(o.input!, { registry });
    equal(bytes.length, 24);
    const m = codec.decodeBytes(bytes, { registry, recordKind: "event" });
    equal(m.name, "FAULT");
    return m.values;
  };
  const unknown = decode(dev.fault(9, 0x1000n, READ));
  equal(unknown["reason"], 0);
  equal(unknown["flags"], 0x100);
  equal(unknown["endpoint"], 9);
  equal(unknown["address"], 0x1000n);
  equal(decode(dev.fault(1, 0x1000n, READ))["reason"], 1, "unattached: DOMAIN");
  equal(attach(dev, 1, 0), S.OK);
  equal(map(dev, 1, 0x4000n, 0x4fffn, 0x4000n, READ), S.OK);
  equal(map(dev, 1, 0x6000n, 0x6fffn, 0x6000n, WRITE), S.OK);
  const none = decode(dev.fault(0, 0x5000n, READ));
  equal(none["reason"], 2);
  equal(none["flags"], READ | 0x100);
  const ro = decode(dev.fault(0, 0x4000n, WRITE));
  equal(ro["reason"], 2, "a write to a read-only mapping");
  equal(ro["flags"], WRITE | 0x100);
  equal(decode(dev.fault(0, 0x6000n, READ))["reason"], 2, "a read of a write-only mapping");
  equal(dev.fault(0, 0x4800n, READ), undefined, "allowed: nothing to report");
  equal(dev.fault(0, 0xfee00040n, WRITE), undefined, "MSI doorbells pass through");
  equal(decode(dev.fault(0, 0x100000n, READ))["reason"], 2, "RESERVED regions fault");
});

Deno.test("createViommuDevice() drops unknown types and short requests without completing them", () => {
  const dev = createViommuDevice(undefined);
  deepEqual(runBytes(dev, new Uint8Array([6, 0, 0, 0, 1, 0, 0, 0])), [], "draft ATTACH_TABLE");
  deepEqual(runBytes(dev, new Uint8Array([3, 0, 0, 0, 1, 0])), [], "a truncated MAP");
  const rsp = makeRecord(new Uint8Array(24), { protocol: "virtio-iommu", kind: "response" });
  deepEqual(
    dev.handle(codec.decode(rsp, { registry }), {
      registry,
      now: 0n,
      record: rsp,
      deliver: () => [],
      options: {},
    }),
    [],
  );
});

Deno.test("createViommuDevice() reset() detaches every endpoint", () => {
  const dev = createViommuDevice(undefined);
  equal(attach(dev, 1, 0), S.OK);
  equal(map(dev, 1, 0x1000n, 0x1fffn), S.OK);
  dev.reset();
  equal(dev.translate(0, 0x1000n, READ), undefined);
  equal(map(dev, 1, 0x1000n, 0x1fffn), S.NOENT);
});

Deno.test("createViommuDevice() rejects impossible profiles", () => {
  throws(() => createViommuDevice({ endpoints: [0], page_size_mask: "0" }), RangeError);
  throws(() => createViommuDevice({ endpoints: [0], page_size_mask: "banana" }), RangeError);
  throws(
    () =>
      createViommuDevice({
        endpoints: [0],
        resv_mem: [{ endpoint: 1, start: "0", end: "1", subtype: "msi" }],
      }),
    RangeError,
  );
  throws(() =>
    createViommuDevice({
      endpoints: [0],
      resv_mem: [
        { endpoint: 0, start: "0x0", end: "0xfff", subtype: "msi" },
        { endpoint: 0, start: "0x10000", end: "0x10fff", subtype: "msi" },
      ],
    }), RangeError);
  throws(() =>
    createViommuDevice({
      endpoints: [0],
      resv_mem: [
        { endpoint: 0, start: "0x0", end: "0xfff", subtype: "reserved" },
        { endpoint: 0, start: "0x800", end: "0x1fff", subtype: "msi" },
      ],
    }), RangeError);
});
