import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { assertFastAgrees } from "../_agree.ts";
import {
  DecodeSession,
  describe,
  hexDump,
  type MessageInput,
  messageToJson,
  Registry,
} from "../../../../lib/codec/mod.ts";
import { virtioIommu } from "../../../../lib/codec/protocols/virtio_iommu.ts";
import type { CaptureRecord, MessageKind } from "../../../../lib/record.ts";
import { messageArb } from "../_arbitrary.ts";

const registry = new Registry([virtioIommu]);
const hx = (s: string) =>
  new Uint8Array(s.replace(/\s+/g, "").match(/../g)?.map((x) => parseInt(x, 16)) ?? []);
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const dec = (b: string | Uint8Array, recordKind: MessageKind = "request", dialect = "current") =>
  virtioIommu.decodeBytes(typeof b === "string" ? hx(b) : b, { registry, recordKind, dialect });
const reencode = (b: Uint8Array, kind: MessageKind, dialect = "current") => {
  const m = dec(b, kind, dialect);
  const j = messageToJson(m);
  return virtioIommu.encodeMessage({ name: j.name, kind: m.kind, fields: j.fields, dialect }, { registry });
};
const fixture = (name: string) =>
  Deno.readFileSync(new URL(`../../../../fixtures/virtio-iommu/${name}`, import.meta.url));
const record = (data: Uint8Array, kind: MessageKind, correlationId?: number): CaptureRecord => ({
  timestampNs: 0n,
  protocol: "virtio-iommu",
  kind,
  sender: kind === "request" ? "driver" : "device",
  channel: { device: 0, queue: kind === "event" ? 1 : 0 },
  data,
  originalLength: data.length,
  ...(correlationId === undefined ? {} : { correlationId }),
});

const Z = (n: number) => "00".repeat(n);
// Written out by hand from the offset tables of spec notes §B1 (little-endian).
const MAP_BODY = "01000000 0010000000000000 ff1f000000000000 00a0000000000000 01000000";
const RESV_MSI = "0100 1400 01 000000 0000e0fe00000000 ffffeffe00000000";
const VECTORS: {
  file?: string;
  name: string;
  kind: MessageKind;
  dialect?: string;
  hex: string;
  fields: Record<string, unknown>;
  summary?: string;
}[] = [
  {
    file: "attach_request.bin",
    name: "ATTACH",
    kind: "request",
    hex: "01000000 01000000 08000000 00000000 00000000",
    fields: { "head.type": 1, domain: 1, endpoint: 8, flags: 0 },
    summary: "ATTACH domain=1 endpoint=8 flags=0x00000000",
  },
  {
    file: "attach_response.bin",
    name: "ATTACH",
    kind: "response",
    hex: "01000000 01000000 08000000 00000000 00000000 00000000",
    fields: { domain: 1, endpoint: 8, "tail.status": 0 },
    summary: "ATTACH rsp domain=1 endpoint=8 flags=0x00000000 status=OK",
  },
  {
    name: "ATTACH",
    kind: "request",
    hex: "01000000 02000000 10000000 01000000 00000000",
    fields: { domain: 2, endpoint: 16, flags: 1, "flags.BYPASS": true },
    summary: "ATTACH domain=2 endpoint=16 flags=0x00000001 (BYPASS)",
  },
  {
    name: "DETACH",
    kind: "request",
    hex: "02000000 01000000 08000000" + Z(8),
    fields: { domain: 1, endpoint: 8 },
    summary: "DETACH domain=1 endpoint=8",
  },
  {
    file: "map_request.bin",
    name: "MAP",
    kind: "request",
    hex: "03000000" + MAP_BODY,
    fields: {
      domain: 1,
      virt_start: 0x1000n,
      virt_end: 0x1fffn,
      phys_start: 0xa000n,
      flags: 1,
      "flags.READ": true,
    },
    // The same key=value text as QEMU's virtio_iommu_map trace line (§B3).
    summary: "MAP domain=1 virt_start=0x1000 virt_end=0x1fff phys_start=0xa000 flags=1",
  },
  {
    file: "map_response.bin",
    name: "MAP",
    kind: "response",
    hex: "03000000" + MAP_BODY + "00000000",
    fields: { domain: 1, "tail.status": 0 },
  },
  {
    name: "MAP",
    kind: "response",
    hex: "03000000" + MAP_BODY + "04000000",
    fields: { "tail.status": 4 },
    summary: "MAP rsp domain=1 virt_start=0x1000 virt_end=0x1fff phys_start=0xa000 flags=1 status=INVAL",
  },
  {
    name: "MAP",
    kind: "request",
    hex: "03000000 01000000 0000000801000000 ffff000801000000 0000001000000000 06000000",
    fields: {
      virt_start: 0x108000000n,
      phys_start: 0x10000000n,
      flags: 6,
      "flags.WRITE": true,
      "flags.MMIO": true,
    },
  },
  {
    file: "unmap_response_range.bin",
    name: "UNMAP",
    kind: "response",
    hex: "04000000 01000000 0010000000000000 ff17000000000000 00000000 05000000",
    fields: { domain: 1, virt_start: 0x1000n, virt_end: 0x17ffn, "tail.status": 5 },
    summary: "UNMAP rsp domain=1 virt_start=0x1000 virt_end=0x17ff status=RANGE",
  },
  {
    name: "PROBE",
    kind: "request",
    hex: "05000000 08000000" + Z(64),
    fields: { endpoint: 8 },
    summary: "PROBE endpoint=8",
  },
  {
    file: "probe_response_msi.bin",
    name: "PROBE",
    kind: "response",
    hex: "05000000 08000000" + Z(64) + RESV_MSI + Z(512 - 24) + "00000000",
    fields: {
      endpoint: 8,
      properties: [{
        type: 1,
        length: 20,
        subtype: 1,
        reserved: hx("000000"),
        start: 0xfee00000n,
        end: 0xfeefffffn,
      }],
      "tail.status": 0,
    },
    summary: "PROBE rsp endpoint=8 status=OK",
  },
  {
    name: "PROBE",
    kind: "response",
    hex: "05000000 08000000" + Z(64) + "0100 1400 00 000000 0000000800000000 ffff0f0800000000" + RESV_MSI +
      "0200 0800 00f0ffff00000000" +
      Z(8) + "06000000",
    fields: {
      properties: [
        { type: 1, length: 20, subtype: 0, reserved: hx("000000"), start: 0x8000000n, end: 0x80fffffn },
        { type: 1, length: 20, subtype: 1, reserved: hx("000000"), start: 0xfee00000n, end: 0xfeefffffn },
        { type: 2, length: 8, value: hx("00f0ffff00000000") },
      ],
      unused: hx(Z(8)),
      "tail.status": 6,
    },
  },
  {
    file: "fault_mapping.bin",
    name: "FAULT",
    kind: "event",
    hex: "02000000 02010000 08000000 00000000 0020000000000000",
    fields: {
      reason: 2,
      flags: 0x102,
      "flags.WRITE": true,
      "flags.ADDRESS": true,
      endpoint: 8,
      address: 0x2000n,
    },
    summary: "FAULT evt reason=MAPPING flags=0x00000102 (WRITE|ADDRESS) endpoint=8 address=0x2000",
  },
  {
    name: "FAULT",
    kind: "event",
    dialect: "v0.7",
    hex: "01000000 00000000 08000000 0000000000000000",
    fields: { reason: 1, endpoint: 8, address: 0n, reserved1: undefined },
  },
  {
    name: "ATTACH",
    kind: "request",
    dialect: "v0.7",
    hex: "01000000 01000000 08000000 00000000",
    fields: { domain: 1, endpoint: 8, flags: undefined },
  },
  {
    file: "v07_detach_request.bin",
    name: "DETACH",
    kind: "request",
    dialect: "v0.7",
    hex: "02000000 08000000 00000000",
    fields: { endpoint: 8, domain: undefined },
    summary: "DETACH endpoint=8",
  },
  {
    name: "DETACH",
    kind: "response",
    dialect: "v0.7",
    hex: "02000000 08000000 00000000 06000000",
    fields: { endpoint: 8, "tail.status": 6 },
  },
  {
    file: "v07_map_mmio_request.bin",
    name: "MAP",
    kind: "request",
    dialect: "v0.7",
    hex: "03000000 01000000 0000000800000000 ffff000800000000 0000000800000000 0a000000",
    fields: { flags: 0x0a, "flags.WRITE": true, "flags.MMIO": true, "flags.EXEC": false },
  },
];

for (const v of VECTORS) {
  const d = v.dialect ?? "current";
  Deno.test(`virtioIommu decodes the ${d} ${v.name} ${v.kind} vector and re-encodes it`, () => {
    const b = hx(v.hex);
    if (v.file) deepEqual(fixture(v.file), b, `fixture ${v.file}`);
    const m = dec(b, v.kind, d);
    equal(m.name, v.name);
    equal(m.kind, v.kind);
    deepEqual(m.issues, []);
    for (const [k, want] of Object.entries(v.fields)) deepEqual(m.values[k], want, k);
    if (v.summary) equal(m.summary, v.summary);
    equal(toHex(reencode(b, v.kind, d)), toHex(b));
  });
}

Deno.test("virtioIommu MAP flag bit 2 is MMIO in the current spec and EXEC in v0.7", () => {
  const b = hx("03000000" + "01000000" + Z(24) + "04000000");
  const cur = dec(b);
  equal(cur.values["flags.MMIO"], true);
  equal(cur.fields.find((f) => f.name === "viommu.map.flags")!.display, "0x00000004 (MMIO)");
  const old = dec(b, "request", "v0.7");
  equal(old.values["flags.EXEC"], true);
  equal(old.values["flags.MMIO"], false);
  equal(old.fields.find((f) => f.name === "viommu.map.flags")!.display, "0x00000004 (EXEC)");
  const enc07 = virtioIommu.encodeMessage({ name: "MAP", dialect: "v0.7", fields: { flags: "MMIO" } }, {
    registry,
  });
  equal(toHex(enc07.subarray(32)), "08000000");
  const encCur = virtioIommu.encodeMessage({ name: "MAP", fields: { flags: "MMIO" } }, { registry });
  equal(toHex(encCur.subarray(32)), "04000000");
});

Deno.test("virtioIommu status names every code, NOMEM included", () => {
  const names = ["OK", "IOERR", "UNSUPP", "DEVERR", "INVAL", "RANGE", "NOENT", "FAULT", "NOMEM"];
  names.forEach((n, i) => {
    const m = dec(
      hx("04000000 01000000" + Z(16) + Z(4) + i.toString(16).padStart(2, "0") + "000000"),
      "response",
    );
    match(m.summary, new RegExp(`status=${n}$`));
  });
  match(dec(hx("04000000" + Z(24) + "09000000"), "response").summary, /status=9$/);
});

Deno.test("virtioIommu request records may carry the posted writable area", () => {
  const b = hx("03000000" + MAP_BODY + "00000000");
  const m = dec(b);
  equal(m.name, "MAP");
  deepEqual(m.issues, []);
  deepEqual(m.values.writable, hx("00000000"));
  deepEqual(reencode(b, "request"), b);
});

Deno.test("virtioIommu decode session pairs a response with its request", () => {
  const s = new DecodeSession(registry);
  const req = s.decode(record(fixture("map_request.bin"), "request"))!;
  s.decode(record(fixture("attach_request.bin"), "request"));
  const unrelated = s.decode(record(hx("03000000 02000000" + Z(24) + "01000000 00000000"), "response"))!;
  equal(unrelated.request, undefined);
  const rsp = s.decode(record(fixture("map_response.bin"), "response"))!;
  equal(rsp.request, req);
  const att = s.decode(record(fixture("attach_response.bin"), "response"))!;
  equal(att.request?.name, "ATTACH");
  // A correlation id wins over the field key.
  const s2 = new DecodeSession(registry);
  const r1 = s2.decode(record(fixture("map_request.bin"), "request", 7))!;
  equal(s2.decode(record(fixture("map_response.bin"), "response", 8))!.request, undefined);
  s2.decode(record(fixture("map_request.bin"), "request", 9));
  equal(s2.decode(record(hx("03000000" + MAP_BODY + "00000000"), "response", 7))!.request, r1);
  // Events never pair.
  equal(s.decode(record(fixture("fault_mapping.bin"), "event"))!.request, undefined);
});

Deno.test("virtioIommu PROBE properties: bad lengths and reserved type bits are issues, not exceptions", () => {
  const overrun = dec(hx("05000000 08000000" + Z(64) + "0100 4000 01000000" + Z(8) + "00000000"), "response");
  equal(overrun.name, "PROBE");
  ok(overrun.issues.some((i) => i.code === "bad-value" && /overruns/.test(i.message)));
  equal(overrun.values["tail.status"], 0);
  const short = dec(hx("05000000 08000000" + Z(64) + "0100 0400 01000000" + "00000000"), "response");
  ok(short.issues.some((i) => i.code === "bad-value" && /below 20/.test(i.message)));
  const resv = dec(hx("05000000 08000000" + Z(64) + "0110 0000" + "00000000"), "response");
  ok(resv.issues.some((i) => i.code === "reserved-nonzero"));
  const j = messageToJson(resv);
  deepEqual(reencode(resv.data, "response"), resv.data);
  equal((j.fields["viommu.probe.properties"] as { type_reserved: number }[])[0]!.type_reserved, 1);
  const dirty = dec(hx("05000000 08000000" + Z(64) + "0000 0000 ff000000" + "00000000"), "response");
  ok(dirty.issues.some((i) => i.code === "reserved-nonzero" && i.field === "viommu.probe.unused"));
  match(
    describe(dec(fixture("probe_response_msi.bin"), "response")),
    /properties: 1: RESV_MEM MSI 0xfee00000-0xfeefffff/,
  );
});

Deno.test("virtioIommu reports truncation at every byte and never throws", () => {
  const cases: [string, MessageKind, string][] = [
    ["map_response.bin", "response", "current"],
    ["fault_mapping.bin", "event", "current"],
    ["attach_request.bin", "request", "current"],
    ["v07_detach_request.bin", "request", "v0.7"],
  ];
  for (const [file, kind, dialect] of cases) {
    const full = fixture(file);
    for (let n = 0; n < full.length; n++) {
      // A request record may end right after the readable part: its last byte is the end.
      const m = dec(full.subarray(0, n), kind, dialect);
      ok(m.truncated, `${file} prefix ${n}`);
      ok(m.issues.some((i) => i.code === "truncated"), `${file} prefix ${n}`);
      describe(m);
      hexDump(m);
      messageToJson(m);
    }
  }
  // A PROBE response cut anywhere never throws (the tail is found from the end).
  const probe = fixture("probe_response_msi.bin");
  for (let n = 0; n < 120; n++) {
    const m = dec(probe.subarray(0, n), "response");
    // 76 bytes is a complete response with a zero-size properties area.
    if (n < 76) ok(m.issues.some((i) => i.code === "truncated"), `probe prefix ${n}`);
    else ok(!m.truncated, `probe prefix ${n}`);
  }
});

Deno.test("virtioIommu keeps the payload of an unknown or draft request type", () => {
  const b = hx("06000000 01000000 02000000");
  const m = dec(b);
  equal(m.name, "UNKNOWN(head.type=0x06, draft ATTACH_TABLE)");
  deepEqual(m.values.payload, hx("01000000 02000000"));
  ok(m.issues.some((i) => i.code === "unknown-message"));
  equal(toHex(reencode(b, "request")), toHex(b));
  equal(dec(hx("2a000000 ff")).name, "UNKNOWN(head.type=0x2a)");
  ok(
    dec(hx("03010000" + MAP_BODY)).issues.some((i) =>
      i.code === "reserved-nonzero" && i.field === "viommu.head.reserved"
    ),
  );
});

Deno.test("virtioIommu encode errors name the field", () => {
  const e = (input: MessageInput) => () => virtioIommu.encodeMessage(input, { registry });
  throws(
    e({ name: "ATTACH", fields: { domain: 2 ** 32 } }),
    (x: Error) => x instanceof RangeError && /"viommu\.attach\.domain".*exceeds 32 bits/.test(x.message),
  );
  throws(
    e({ name: "MAP", fields: { flags: "READ|EXEC" } }),
    (x: Error) => x instanceof TypeError && /"viommu\.map\.flags"/.test(x.message),
  );
  throws(
    e({ name: "MAP", kind: "response", fields: { "tail.status": "BROKEN" } }),
    (x: Error) => x instanceof TypeError && /"viommu\.map\.tail\.status"/.test(x.message),
  );
  throws(
    e({ name: "PROBE", kind: "response", fields: { properties: [{ type: 0x1000 }] } }),
    (x: Error) => x instanceof RangeError && /"viommu\.probe\.properties\[0\]\.type"/.test(x.message),
  );
  throws(
    e({
      name: "PROBE",
      kind: "response",
      fields: { properties: [{ type: 1, start: 0, end: 1, length: 4 }] },
    }),
    (x: Error) => x instanceof RangeError && /"viommu\.probe\.properties\[0\]\.length"/.test(x.message),
  );
  throws(e({ name: "FAULT", fields: { reason: "BOGUS" } }), /"viommu\.fault\.reason"/);
  throws(e({ name: "PROBE", kind: "response", fields: { unused: -1 } }), /"viommu\.probe\.unused"/);
});

const propArb = fc.oneof(
  fc.record({
    type: fc.constant(1),
    subtype: fc.nat(255),
    start: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    end: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  }),
  fc.record({ type: fc.integer({ min: 2, max: 0xfff }), value: fc.uint8Array({ maxLength: 24 }) }),
);

Deno.test("virtioIommu round-trips generated valid messages of every kind and dialect (fast-check)", () => {
  for (const dialect of ["current", "v0.7"]) {
    const probe = fc.record({
      name: fc.constant("PROBE"),
      kind: fc.constant<MessageKind>("response"),
      dialect: fc.constant(dialect),
      fields: fc.record({
        endpoint: fc.nat(0xffffffff),
        properties: fc.array(propArb, { maxLength: 4 }),
        unused: fc.nat(64),
        "tail.status": fc.nat(8),
      }),
    });
    fc.assert(
      fc.property(fc.oneof(messageArb(virtioIommu, dialect, fc.constant({})), probe), (input) => {
        const b1 = virtioIommu.encodeMessage(input, { registry });
        const kind = input.kind!;
        const m = dec(b1, kind, dialect);
        assertFastAgrees(virtioIommu, b1, { registry, recordKind: kind, dialect });
        equal(m.name, input.name);
        equal(m.kind, kind);
        deepEqual(m.issues, [], `${input.name}: ${JSON.stringify(m.issues)}`);
        for (const [k, v] of Object.entries(input.fields ?? {})) {
          if (["flags", "properties", "unused", "domain"].includes(k)) continue;
          deepEqual(m.values[k], v, k);
        }
        deepEqual(reencode(b1, kind, dialect), b1);
      }),
      { numRuns: 3000 },
    );
  }
});

Deno.test("virtioIommu survives 100,000 random and mutated inputs", () => {
  const valid = VECTORS.map((v) => hx(v.hex));
  const mutated = fc.tuple(
    fc.constantFrom(...valid),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
    fc.nat(64),
  ).map(([b, flips, cut]) => {
    const c = b.slice(0, Math.max(0, b.length - (cut % (b.length + 1)) + (cut % 3)));
    for (const [i, v] of flips) if (c.length) c[i % c.length] = v;
    return c;
  });
  const input = fc.oneof(fc.uint8Array({ maxLength: 120 }), mutated);
  const kinds: MessageKind[] = ["request", "response", "event", "unknown"];
  fc.assert(
    fc.property(input, fc.constantFrom(...kinds), fc.constantFrom("current", "v0.7"), (b, kind, dialect) => {
      const m = dec(b, kind, dialect);
      ok(typeof m.name === "string");
      assertFastAgrees(virtioIommu, b, { registry, recordKind: kind, dialect });
      messageToJson(m);
      describe(m);
    }),
    { numRuns: 100_000 },
  );
});
