import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { assertFastAgrees } from "../_agree.ts";
import { describe, hexDump, messageToJson, Registry, virtioMsg } from "../../../../lib/codec/mod.ts";
import { messageArb } from "../_arbitrary.ts";

const registry = new Registry([virtioMsg]);
const hx = (s: string) => new Uint8Array(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");
const dec = (s: string | Uint8Array, dialect = "rfc3", options = {}) =>
  virtioMsg.decodeBytes(typeof s === "string" ? hx(s) : s, { registry, dialect, options });
const reencode = (b: Uint8Array, dialect = "rfc3") => {
  const m = dec(b, dialect);
  const j = messageToJson(m);
  return virtioMsg.encodeMessage({ name: j.name, kind: m.kind, fields: j.fields, dialect }, { registry });
};

// virtio-msg.md §9: sample frames derived from the RFC3 layouts (dev_num 1, token 1).
const VECTORS: [string, string, string, Record<string, unknown>][] = [
  ["GET_DEVICE_INFO", "request", "00 02 01 00 01 00 08 00", { dev_num: 1, token: 1, msg_size: 8 }],
  [
    "GET_DEVICE_INFO",
    "response",
    "01 02 01 00 01 00 20 00 01 00 00 00 51 45 4d 55 40 00 00 00 0c 00 00 00 02 00 00 00 00 00 00 00",
    { device_id: 1, vendor_id: 0x554d4551, num_feature_bits: 64, config_size: 12, max_virtqueues: 2 },
  ],
  ["GET_DEVICE_FEATURES", "request", "00 03 01 00 01 00 10 00 00 00 00 00 02 00 00 00", {
    block_index: 0,
    num_blocks: 2,
  }],
  [
    "GET_DEVICE_FEATURES",
    "response",
    "01 03 01 00 01 00 18 00 00 00 00 00 02 00 00 00 20 00 01 00 01 00 00 00",
    { features: [(1 << 5) | (1 << 16), 1] },
  ],
  ["SET_DEVICE_STATUS", "request", "00 08 01 00 01 00 0c 00 0b 00 00 00", {
    status: 0x0b,
    "status.ACKNOWLEDGE": true,
    "status.DRIVER": true,
    "status.FEATURES_OK": true,
    "status.DRIVER_OK": false,
  }],
  ["GET_CONFIG", "request", "00 05 01 00 01 00 10 00 00 00 00 00 06 00 00 00", { offset: 0, length: 6 }],
  [
    "SET_VQUEUE",
    "request",
    "00 0a 01 00 01 00 30 00 00 00 00 00 00 00 00 00 00 01 00 00 00 00 00 00 00 00 00 40 00 00 00 00 00 10 00 40 00 00 00 00 00 20 00 40 00 00 00 00",
    { index: 0, size: 256, desc_addr: 0x40000000n, driver_addr: 0x40001000n, device_addr: 0x40002000n },
  ],
  ["EVENT_AVAIL", "event", "00 41 01 00 00 00 10 00 00 00 00 00 00 00 00 00", { vq_index: 0, token: 0 }],
  ["EVENT_USED", "event", "00 42 01 00 00 00 0c 00 01 00 00 00", { vq_index: 1 }],
  ["GET_DEVICES", "request", "02 02 00 00 01 00 0c 00 00 00 10 00", { offset: 0, count: 16 }],
  ["GET_DEVICES", "response", "03 02 00 00 01 00 10 00 00 00 10 00 00 00 25 00", {
    next_offset: 0,
    devices: [0, 2, 5],
  }],
  ["PING", "request", "02 03 00 00 01 00 0c 00 ef be ad de", { data: 0xdeadbeef }],
  ["EVENT_DEVICE", "event", "02 40 00 00 00 00 0c 00 03 00 01 00", { device_number: 3, device_bus_state: 1 }],
];

for (const [name, kind, bytes, fields] of VECTORS) {
  Deno.test(`virtioMsg decodes the spec-note ${name} ${kind} vector and re-encodes it`, () => {
    const m = dec(bytes);
    equal(m.name, name);
    equal(m.kind, kind);
    deepEqual(m.issues, []);
    for (const [k, v] of Object.entries(fields)) deepEqual(m.values[k], v, k);
    equal(toHex(reencode(hx(bytes))), bytes);
  });
}

Deno.test("virtioMsg summary names the message, device, token and key fields", () => {
  equal(dec("00 02 01 00 01 00 08 00").summary, "GET_DEVICE_INFO dev=1 tok=1");
  equal(
    dec("01 02 01 00 01 00 20 00 01 00 00 00 51 45 4d 55 40 00 00 00 0c 00 00 00 02 00 00 00 00 00 00 00")
      .summary,
    "GET_DEVICE_INFO rsp dev=1 tok=1 device=net vendor=0x554d4551 features=64 config=12 vqs=2",
  );
  equal(
    dec("03 02 00 00 01 00 10 00 00 00 10 00 00 00 25 00").summary,
    "GET_DEVICES rsp dev=0 tok=1 off=0 count=16 next=0 devices=[0,2,5]",
  );
  match(
    dec("00 08 01 00 01 00 0c 00 0b 00 00 00").summary,
    /status=0x0000000b \(ACKNOWLEDGE\|DRIVER\|FEATURES_OK\)/,
  );
});

Deno.test("virtioMsg encodes a hand-written subset with derived lengths", () => {
  const b = virtioMsg.encodeMessage(
    { name: "GET_CONFIG", fields: { dev_num: 1, token: 1, offset: 0, length: 6 } },
    { registry },
  );
  equal(toHex(b), "00 05 01 00 01 00 10 00 00 00 00 00 06 00 00 00");
  const r = virtioMsg.encodeMessage(
    { name: "GET_CONFIG", kind: "response", fields: { dev_num: 1, token: 1, generation: 3, data: "0102" } },
    { registry },
  );
  equal(toHex(r), "01 05 01 00 01 00 16 00 03 00 00 00 00 00 00 00 02 00 00 00 01 02");
  const dev = virtioMsg.encodeMessage(
    { name: "GET_DEVICES", kind: "response", fields: { token: 1, count: 16, devices: [0, 2, 5] } },
    { registry },
  );
  equal(toHex(dev), "03 02 00 00 01 00 10 00 00 00 10 00 00 00 25 00");
  const st = virtioMsg.encodeMessage(
    { name: "SET_DEVICE_STATUS", fields: { dev_num: 1, token: 1, status: "ACKNOWLEDGE|DRIVER|FEATURES_OK" } },
    { registry },
  );
  equal(toHex(st), "00 08 01 00 01 00 0c 00 0b 00 00 00");
});

Deno.test("virtioMsg rfc2 dialect uses the 6-byte header and unaligned vqueue fields", () => {
  const m = dec("00 02 01 00 06 00", "rfc2");
  equal(m.name, "GET_DEVICE_INFO");
  equal(m.values.token, undefined);
  equal(m.values.msg_size, 6);
  deepEqual(m.issues, []);
  const sv = virtioMsg.encodeMessage({
    name: "SET_VQUEUE",
    dialect: "rfc2",
    fields: { dev_num: 1, index: 0, size: 256, desc_addr: 0x1000, driver_addr: 0x2000, device_addr: 0x3000 },
  }, { registry });
  equal(sv.length, 6 + 36);
  const back = dec(sv, "rfc2");
  equal(back.values.desc_addr, 0x1000n);
  equal(new DataView(sv.buffer).getBigUint64(6 + 12, true), 0x1000n);
});

Deno.test("virtioMsg decodes the FF-A bus VERSION variants by option", () => {
  const v2025 = "02 80 00 00 01 00 1a 00 00 00 01 00 01 00 00 00 00 00 00 00 03 00 00 00 ff 00";
  const a = dec(v2025);
  equal(a.name, "FFA_VERSION");
  equal(a.values.version, 0x10000);
  equal(a.values.area_num, 0xff);
  equal(a.values["bus_features.DIRECT_RX"], true);
  deepEqual(a.issues, []);
  const b = dec("02 80 00 00 01 00 10 00 00 00 01 00 01 00 00 00", "rfc3", { vmsgFfaVersion: "v2026" });
  equal(b.values.bus_version, 0x10000);
  equal(b.values.transport_revision, 1);
  deepEqual(b.issues, []);
  const c = dec("02 80 00 00 01 00 14 00 00 00 01 00 01 00 00 00 02 00 01 00", "rfc3", {
    vmsgFfaVersion: "v2026-proto",
  });
  equal(c.values.ffa_version, 0x10002);
  deepEqual(c.issues, []);
});

Deno.test("virtioMsg reports truncation at every byte and never throws", () => {
  const full = hx(VECTORS[6]![2]);
  for (let n = 0; n < full.length; n++) {
    const m = dec(full.subarray(0, n));
    ok(m.truncated, `prefix ${n}`);
    ok(m.issues.some((i) => i.code === "truncated"), `prefix ${n}`);
    describe(m);
    hexDump(m);
  }
});

Deno.test("virtioMsg keeps the payload of an unknown message id", () => {
  const m = dec("00 33 01 00 01 00 0c 00 aa bb cc dd");
  match(m.name, /^UNKNOWN\(type\.bus=0x0,msg_id=0x33\)$/);
  deepEqual(m.values.payload, hx("aa bb cc dd"));
  ok(m.issues.some((i) => i.code === "unknown-message"));
  equal(toHex(reencode(hx("00 33 01 00 01 00 0c 00 aa bb cc dd"))), "00 33 01 00 01 00 0c 00 aa bb cc dd");
});

Deno.test("virtioMsg treats bytes past msg_size as padding (FF-A carriers pad to 112 bytes)", () => {
  const padded = new Uint8Array(112);
  padded.set(hx("00 02 01 00 01 00 08 00"));
  const m = dec(padded);
  equal(m.name, "GET_DEVICE_INFO");
  equal(m.tail?.length, 104);
  deepEqual(m.issues, []);
  padded[50] = 1;
  ok(dec(padded).issues.some((i) => i.code === "reserved-nonzero"));
});

Deno.test("virtioMsg flags a msg_size larger than the bytes and a short msg_size", () => {
  ok(dec("00 02 01 00 01 00 20 00").issues.some((i) => i.code === "truncated"));
  ok(dec("00 02 01 00 01 00 04 00").issues.some((i) => i.code === "bad-value"));
});

Deno.test("virtioMsg encode errors name the field", () => {
  throws(
    () => virtioMsg.encodeMessage({ name: "GET_DEVICE_INFO", fields: { dev_num: 70000 } }, { registry }),
    (e: Error) => e instanceof RangeError && /vmsg\.dev_num.*70000 exceeds 16 bits/.test(e.message),
  );
  throws(
    () => virtioMsg.encodeMessage({ name: "SET_DEVICE_STATUS", fields: { status: "BOGUS" } }, { registry }),
    (e: Error) => e instanceof TypeError && /vmsg\.status\.status/.test(e.message),
  );
  throws(() => virtioMsg.encodeMessage({ name: "NO_SUCH_MESSAGE" }, { registry }), /unknown message name/);
});

Deno.test("virtioMsg round-trips generated valid messages of every kind (fast-check)", () => {
  for (const dialect of ["rfc3", "rfc2"]) {
    const header = fc.record({
      dev_num: fc.integer({ min: 0, max: 0xffff }),
      ...(dialect === "rfc3" ? { token: fc.integer({ min: 0, max: 0xffff }) } : {}),
    });
    fc.assert(
      fc.property(messageArb(virtioMsg, dialect, header), (input) => {
        const b1 = virtioMsg.encodeMessage(input, { registry });
        const m = dec(b1, dialect);
        assertFastAgrees(virtioMsg, b1, { registry, dialect });
        equal(m.name, input.name);
        equal(m.kind, input.kind);
        deepEqual(m.issues, [], `${input.name}: ${JSON.stringify(m.issues)}`);
        const j = messageToJson(m);
        const b2 = virtioMsg.encodeMessage({ name: j.name, kind: m.kind, fields: j.fields, dialect }, {
          registry,
        });
        deepEqual(b2, b1);
      }),
      { numRuns: 3000 },
    );
  }
});

Deno.test("virtioMsg survives 100,000 random and mutated inputs", () => {
  const valid = VECTORS.map((v) => hx(v[2]));
  const mutated = fc.tuple(
    fc.constantFrom(...valid),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
    fc.nat(64),
  )
    .map(([b, flips, cut]) => {
      const c = b.slice(0, Math.max(0, b.length - (cut % (b.length + 1)) + (cut % 3)));
      for (const [i, v] of flips) if (c.length) c[i % c.length] = v;
      return c;
    });
  const input = fc.oneof(fc.uint8Array({ maxLength: 80 }), mutated);
  fc.assert(
    fc.property(input, fc.constantFrom("rfc3", "rfc2"), (b, dialect) => {
      const m = dec(b, dialect);
      ok(typeof m.name === "string");
      assertFastAgrees(virtioMsg, b, { registry, dialect });
      messageToJson(m);
      describe(m);
    }),
    { numRuns: 100_000 },
  );
});
