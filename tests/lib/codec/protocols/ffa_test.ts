import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  DecodeSession,
  describe,
  hexDump,
  layoutFor,
  type Message,
  type MessageInput,
  messageToJson,
  Registry,
  type ValueMap,
  virtioMsg,
} from "../../../../lib/codec/mod.ts";
import type { DecodeContext, Field } from "../../../../lib/codec/types.ts";
import { assertFastAgrees } from "../_agree.ts";
import {
  ffa,
  FFA_ERRORS,
  FFA_FUNCTION_LIST,
  FFA_FUNCTIONS,
  ffaFunctionId,
  VIRTIO_MSG_FFA_DRIVER_UUID,
  VIRTIO_MSG_FFA_UUID,
} from "../../../../lib/codec/protocols/ffa.ts";
import { type CaptureRecord, makeRecord, type MessageKind } from "../../../../lib/record.ts";

const registry = new Registry([virtioMsg, ffa]);
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const hx = (s: string) => new Uint8Array(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));

/** A 144-byte frame from register values (x0..x17). */
function frame(regs: Record<number, bigint | number>): Uint8Array {
  const b = new Uint8Array(144);
  const v = new DataView(b.buffer);
  for (const [i, x] of Object.entries(regs)) v.setBigUint64(Number(i) * 8, BigInt(x), true);
  return b;
}
const reg = (b: Uint8Array, i: number) => new DataView(b.buffer, b.byteOffset).getBigUint64(i * 8, true);

const dec = (b: Uint8Array, kind: MessageKind = "request", request?: Message) =>
  ffa.decodeBytes(b, { registry, recordKind: kind, ...(request ? { request } : {}) });

function reencode(m: Message): Uint8Array {
  const j = messageToJson(m);
  return ffa.encodeMessage({ name: j.name, kind: m.kind, fields: j.fields }, { registry });
}

function roundTrips(b: Uint8Array, kind: MessageKind = "request", request?: Message): Message {
  const m = dec(b, kind, request);
  equal(toHex(reencode(m)), toHex(b), `${m.name} re-encodes`);
  return m;
}

const names = (m: Message) => {
  const out: string[] = [];
  const visit = (fs: Message["fields"]) => {
    for (const f of fs) {
      out.push(f.name);
      if (f.children && !f.nested) visit(f.children);
    }
  };
  visit(m.fields);
  return out;
};

// ---------------------------------------------------------------------------------------------
// Spec-note vectors

Deno.test("ffa decodes the virtio-msg GET_DEVICE_INFO over DIRECT_REQ2 vector (virtio-msg.md §9, ffa.md §4.4)", () => {
  const b = ffa.encodeMessage({
    name: "FFA_MSG_SEND_DIRECT_REQ2",
    fields: {
      sender: 0x8001,
      receiver: 0x8002,
      uuid: VIRTIO_MSG_FFA_UUID,
      payload: { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 1 } },
    },
  }, { registry });
  equal(b.length, 144);
  equal(reg(b, 0), 0xc400008dn);
  equal(reg(b, 1), 0x80018002n);
  equal(reg(b, 2), 0xa14a9824b52860c6n, "x2 = UUID bytes 0..7, LE");
  equal(reg(b, 3), 0xf0ab2261da77e79dn, "x3 = UUID bytes 8..15, LE");
  equal(reg(b, 4), 0x0008000100010200n, "x4 carries the 8-byte request");
  for (let i = 5; i <= 17; i++) equal(reg(b, i), 0n, `x${i}`);
  const m = roundTrips(b);
  equal(m.name, "FFA_MSG_SEND_DIRECT_REQ2");
  equal(m.kind, "request");
  deepEqual(m.issues, []);
  equal(m.values.sender, 0x8001);
  equal(m.values.receiver, 0x8002);
  equal(describe(m).includes("uuid: c66028b5-2498-4aa1-9de7-77da6122abf0  [ffa.direct.uuid]"), true);
  const inner = m.values.payload as unknown as Message;
  equal(inner.protocol, "virtio-msg");
  equal(inner.name, "GET_DEVICE_INFO");
  equal(inner.values.dev_num, 1);
  equal(
    m.summary,
    "FFA_MSG_SEND_DIRECT_REQ2 0x8001→0x8002 uuid=c66028b5-… [virtio-msg GET_DEVICE_INFO dev=1 tok=1]",
  );
  const ns = names(m);
  for (
    const n of [
      "ffa.func",
      "ffa.func.fast",
      "ffa.func.smc64",
      "ffa.func.owner",
      "ffa.func.sve_hint",
      "ffa.func.number",
    ]
  ) {
    ok(ns.includes(n), n);
  }
  ok(
    ns.includes("ffa.direct.sender") && ns.includes("ffa.direct.receiver") &&
      ns.includes("ffa.direct.payload"),
  );
  ok(!ns.some((n) => /_hi$|unused/.test(n)), "zero upper halves and unused registers are not shown");
});

Deno.test("ffa nests the 2026 driver-role UUID too, and not other UUIDs", () => {
  const base = {
    sender: 0x8002,
    receiver: 0x1,
    payload: { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 1 } },
  };
  const d = dec(
    ffa.encodeMessage({
      name: "FFA_MSG_SEND_DIRECT_REQ2",
      fields: { ...base, uuid: VIRTIO_MSG_FFA_DRIVER_UUID },
    }, { registry }),
  );
  equal((d.values.payload as unknown as Message).name, "GET_DEVICE_INFO");
  const other = frame({
    0: 0xc400008d,
    1: 0x80018002,
    2: 0x1122334455667788n,
    4: 0x0008000100010200n,
    17: 5,
  });
  const o = roundTrips(other);
  equal(o.values.payload, undefined);
  equal(o.values.x4, 0x0008000100010200n);
  equal(o.values.x17, 5n);
  equal(o.summary, "FFA_MSG_SEND_DIRECT_REQ2 0x8001→0x8002 uuid=88776655-…");
});

Deno.test("ffa packs 32-bit UUIDs as in ffa.md §4.4 (PARTITION_INFO_GET w1..w4)", () => {
  const b = frame({ 0: 0x84000068, 1: 0xb52860c6, 2: 0xa14a9824, 3: 0xda77e79d, 4: 0xf0ab2261 });
  const m = roundTrips(b);
  equal(m.name, "FFA_PARTITION_INFO_GET");
  equal(m.values.uuid, VIRTIO_MSG_FFA_UUID);
  deepEqual(m.issues, []);
  equal(m.summary, `FFA_PARTITION_INFO_GET uuid=${VIRTIO_MSG_FFA_UUID}`);
  // OP-TEE's UUID and its manifest words.
  const optee = ffa.encodeMessage(
    {
      name: "FFA_PARTITION_INFO_GET",
      fields: { uuid: "486178e0-e7f8-11e3-bc5e-0002a5d5c51b", "flags.count_only": 1 },
    },
    { registry },
  );
  deepEqual([1, 2, 3, 4].map((i) => reg(optee, i)), [0xe0786148n, 0xe311f8e7n, 0x02005ebcn, 0x1bc5d5a5n]);
  equal(reg(optee, 5), 1n);
  equal(dec(optee).values.uuid, "486178e0-e7f8-11e3-bc5e-0002a5d5c51b");
  equal(dec(frame({ 0: 0x84000068 })).summary, "FFA_PARTITION_INFO_GET uuid=nil");
});

Deno.test("ffa decodes version words (ffa.md §4.2) in calls and paired returns", () => {
  for (const [word, minor] of [[0x10000, 0], [0x10001, 1], [0x10002, 2], [0x10003, 3]] as const) {
    const m = roundTrips(frame({ 0: 0x84000063, 1: word }));
    equal(m.values["version.major"], 1);
    equal(m.values["version.minor"], minor);
    equal(m.summary, `FFA_VERSION 1.${minor}`);
  }
  const call = dec(frame({ 0: 0x84000063, 1: 0x10002 }));
  const ret = roundTrips(frame({ 0: 0x10001 }), "response", call);
  equal(ret.name, "FFA_VERSION");
  equal(ret.kind, "response");
  equal(ret.values["version.major"], 1);
  equal(ret.values["version.minor"], 1);
  equal(ret.values.func, undefined);
  equal(ret.summary, "FFA_VERSION rsp 1.1");
  deepEqual(ret.issues, []);
  const ns = roundTrips(frame({ 0: 0xffffffffn }), "response", call);
  equal(ns.summary, "FFA_VERSION rsp NOT_SUPPORTED");
  deepEqual(ns.issues, []);
  ok(
    dec(frame({ 0: 0x84000063, 1: 0x80010002 })).issues.some((i) => i.field === "ffa.version.mbz"),
    "bit 31 MBZ",
  );
  // An FFA_VERSION return encodes from the JSON of its decode (no ffa.func).
  const enc = ffa.encodeMessage({
    name: "FFA_VERSION",
    kind: "response",
    fields: { "ffa.version.major": 1, "ffa.version.minor": 2 },
  }, {
    registry,
  });
  equal(reg(enc, 0), 0x10002n);
});

Deno.test("ffa names every function id of §2, SMC32 and SMC64, with and without the SVE hint", () => {
  let count = 0;
  for (const f of FFA_FUNCTION_LIST) {
    const ids = [...(f.smc32 ? [0x84000000 + f.number] : []), ...(f.smc64 ? [0xc4000000 + f.number] : [])];
    for (const id of ids) {
      for (const sve of [0, 0x10000]) {
        const m = dec(
          frame({ 0: id + sve }),
          f.name === "FFA_SUCCESS" || f.name === "FFA_ERROR" ? "response" : "request",
        );
        equal(m.name, f.name, hexId(id + sve));
        equal(m.values["func.number"], f.number);
        equal(m.values["func.owner"], 4);
        equal(m.values["func.fast"], 1);
        equal(m.values["func.smc64"], id >= 0xc4000000 ? 1 : 0);
        equal(m.values["func.sve_hint"], sve ? 1 : 0);
        ok(!m.issues.some((i) => i.code !== "reserved-nonzero"), `${f.name}: ${JSON.stringify(m.issues)}`);
        count++;
      }
    }
    equal(ffaFunctionId(f.name, true), f.smc64 ? 0xc4000000 + f.number : 0x84000000 + f.number);
    equal(FFA_FUNCTIONS[ffaFunctionId(f.name)], f.name);
  }
  equal(count, 2 * FFA_FUNCTION_LIST.reduce((n, f) => n + Number(f.smc32) + Number(f.smc64), 0));
  ok(count > 140, `${count} ids`);
  throws(() => ffaFunctionId("FFA_NOPE"), TypeError);
});
const hexId = (n: number) => "0x" + n.toString(16);

Deno.test("ffa decodes every FF-A error code by name (§4.1), masking SMC32 upper halves", () => {
  for (const [code, name] of Object.entries(FFA_ERRORS)) {
    const n = Number(code);
    const clean = frame({ 0: 0x84000060, 2: BigInt(n >>> 0) });
    const m = roundTrips(clean, "response");
    equal(m.values.code, n);
    equal(m.summary, `FFA_ERROR rsp code=${name}`);
    deepEqual(m.issues, []);
    // Upper-half garbage in an SMC32 frame changes nothing but the kept x2_hi.
    const dirty = frame({ 0: 0xdead000084000060n, 2: (0x12345678n << 32n) | BigInt(n >>> 0) });
    const d = roundTrips(dirty, "response");
    equal(d.values.code, n);
    equal(d.values.x2_hi, 0x12345678);
    equal(d.values.x0_hi, 0xdead0000);
    equal(d.summary, m.summary);
    deepEqual(d.issues, [], "upper halves are ignored in SMC32 frames");
  }
  equal(dec(frame({ 0: 0x84000060, 2: 0xffffffe0 }), "response").summary, "FFA_ERROR rsp code=-32");
  // FFA_ERROR_64 may sign-extend the code; that is not flagged.
  const e64 = roundTrips(frame({ 0: 0xc4000060, 2: 0xfffffffffffffffen }), "response");
  equal(e64.values.code, -2);
  deepEqual(e64.issues, []);
});

Deno.test("ffa flags non-zero upper halves of 32-bit arguments in SMC64 frames and non-zero unused registers", () => {
  const ok64 = dec(frame({ 0: 0xc400006f, 1: 0x80018002, 3: 1, 7: 7 }));
  deepEqual(ok64.issues, []);
  equal(ok64.values.x3, 1n);
  const bad = dec(frame({ 0: 0xc400006f, 1: (1n << 32n) | 0x80018002n }));
  ok(bad.issues.some((i) => i.code === "reserved-nonzero" && i.field === "ffa.direct.x1_hi"));
  equal(bad.values.sender, 0x8001);
  // ID_GET uses no register: anything non-zero is listed and flagged.
  const id = roundTrips(frame({ 0: 0x84000069, 3: 5, 12: 9 }));
  deepEqual(id.values.unused, { x3: 5n, x12: 9n });
  deepEqual(id.issues.map((i) => i.message), ["x3 should be zero"], "x8..x17 are not part of an SMC32 call");
  ok(names(id).includes("ffa.id.unused"));
  ok(!names(dec(frame({ 0: 0x84000069 }))).includes("ffa.id.unused"), "all-zero unused registers are hidden");
  // In an SMC32 frame only the low half of an unused x1..x7 matters.
  deepEqual(dec(frame({ 0: 0x84000069, 3: 5n << 32n })).issues, []);
  // SMC64: any non-zero unused register.
  ok(dec(frame({ 0: 0xc4000066, 12: 1 })).issues.some((i) => i.message === "x12 should be zero"));
});

Deno.test("ffa SMC32 vs SMC64 variants of one function share the name and filter names", () => {
  const a = roundTrips(frame({ 0: 0x84000073, 1: 0x100, 2: 0x100, 3: 0xffffffff_00001000n, 4: 0 }));
  const b = roundTrips(frame({ 0: 0xc4000073, 1: 0x100, 2: 0x100, 3: 0x8_0000_1000n, 4: 0 }));
  equal(a.name, "FFA_MEM_SHARE");
  equal(b.name, "FFA_MEM_SHARE");
  equal(a.values.buffer_addr, 0x1000, "SMC32: masked to 32 bits");
  equal(a.values.x3_hi, 0xffffffff);
  equal(b.values.buffer_addr, 0x800001000n, "SMC64: full 64 bits");
  equal(a.values["func.smc64"], 0);
  equal(b.values["func.smc64"], 1);
  equal(a.summary, "FFA_MEM_SHARE len=256 frag=256");
});

// ---------------------------------------------------------------------------------------------
// Pairing and return layouts

function session(frames: [MessageKind, Uint8Array, Partial<CaptureRecord>?][]): Message[] {
  const s = new DecodeSession(registry);
  return frames.map(([kind, data, extra]) =>
    s.decode(makeRecord(data, { protocol: "ffa", kind, conduit: "smc", channel: { src: 1 }, ...extra }))!
  );
}

Deno.test("ffa decodes returns with the layout of the paired call (DecodeSession)", () => {
  const ms = session([
    ["request", frame({ 0: 0x84000063, 1: 0x10002 })],
    ["response", frame({ 0: 0x10001 })],
    ["request", frame({ 0: 0x84000069 })],
    ["response", frame({ 0: 0x84000061, 2: 0x8001 })],
    ["request", frame({ 0: 0x84000064, 1: 0x84000066 })],
    ["response", frame({ 0: 0x84000061, 2: 0x00100001 })],
    ["request", frame({ 0: 0xc4000073, 1: 0x100, 2: 0x100 })],
    ["response", frame({ 0: 0x84000061, 2: 0x5678, 3: 0x1234 })],
    ["request", frame({ 0: 0x84000064, 1: 0x2 })],
    ["response", frame({ 0: 0x84000061, 2: 8 })],
    ["request", frame({ 0: 0x84000064, 1: 0x84000074 })],
    ["response", frame({ 0: 0x84000061, 2: 0x7 })],
    ["request", frame({ 0: 0x84000064, 1: 0xc400008d })],
    ["response", frame({ 0: 0x84000060, 2: 0xffffffff })],
    ["request", frame({ 0: 0x84000085 })],
    ["response", frame({ 0: 0x84000061, 2: 0x8000 })],
    ["request", frame({ 0: 0x84000068 })],
    ["response", frame({ 0: 0x84000061, 2: 3, 3: 24 })],
    ["request", frame({ 0: 0x84000066, 1: 0x1000, 2: 0x2000, 3: 1 })],
    ["response", frame({ 0: 0x84000061 })],
    ["request", frame({ 0: 0x84000088, 1: 0x4000, 2: 0 })],
    ["response", frame({ 0: 0x84000061, 2: 0x5, 3: 3 })],
    ["request", frame({ 0: 0x84000082, 1: 0x00000001, 2: 0xf })],
    ["response", frame({ 0: 0x84000061, 2: 1, 6: 1 })],
  ]);
  const got = ms.map((m) => m.summary);
  const want = [
    "FFA_VERSION 1.2",
    "FFA_VERSION rsp 1.1",
    "FFA_ID_GET",
    "FFA_SUCCESS rsp (FFA_ID_GET) id=0x8001",
    "FFA_FEATURES feature=FFA_RXTX_MAP",
    "FFA_SUCCESS rsp (FFA_FEATURES) props=0x100001",
    "FFA_MEM_SHARE len=256 frag=256",
    "FFA_SUCCESS rsp (FFA_MEM_SHARE) handle=0x123400005678",
    "FFA_FEATURES feature=SRI",
    "FFA_SUCCESS rsp (FFA_FEATURES) irq=8",
    "FFA_FEATURES feature=FFA_MEM_RETRIEVE_REQ",
    "FFA_SUCCESS rsp (FFA_FEATURES) props=0x7",
    "FFA_FEATURES feature=FFA_MSG_SEND_DIRECT_REQ2",
    "FFA_ERROR rsp (FFA_FEATURES) code=NOT_SUPPORTED",
    "FFA_SPM_ID_GET",
    "FFA_SUCCESS rsp (FFA_SPM_ID_GET) id=0x8000",
    "FFA_PARTITION_INFO_GET uuid=nil",
    "FFA_SUCCESS rsp (FFA_PARTITION_INFO_GET) count=3 size=24",
    "FFA_RXTX_MAP tx=0x1000 rx=0x2000 pages=1",
    "FFA_SUCCESS rsp (FFA_RXTX_MAP)",
    "FFA_MEM_PERM_GET va=0x4000 pages=0",
    "FFA_SUCCESS rsp (FFA_MEM_PERM_GET) perm=0x5 pages=3",
    "FFA_NOTIFICATION_GET want=0xf",
    "FFA_SUCCESS rsp (FFA_NOTIFICATION_GET)",
  ];
  deepEqual(got.map((g, k) => g === want[k] ? "" : `${g} != ${want[k]}`).filter(Boolean), []);
  for (const m of ms) deepEqual(m.issues, [], m.summary);
  const rx = ms[5]!;
  equal(rx.values.queried, 0x84000066);
  equal(rx.values["properties.min_buffer"], 1);
  equal(rx.values["properties.max_pages"], 0x10);
  equal(ms[7]!.values.handle_lo, 0x5678);
  equal(ms[11]!.values["properties.ns_bit"], 1);
  equal(ms[11]!.values["properties.hyp_retrieval"], 1);
  equal(ms[21]!.values["permissions.data"], 1);
  equal(ms[21]!.values["permissions.xn"], 1);
  equal(ms[23]!.values.sp_bitmap_lo, 1);
  equal(ms[23]!.values["spm_bitmap.rx_buffer_full"], 1);
  ok(ms[3]!.request === ms[2]);
  // Every paired return re-encodes from its JSON.
  for (const m of ms) equal(toHex(reencode(m)), toHex(m.data), m.summary);
  // FFA_RXTX_MAP's success has no results: w2 is MBZ there.
  const plain = session([
    ["request", frame({ 0: 0x84000066, 1: 0x1000, 2: 0x2000, 3: 1 })],
    ["response", frame({ 0: 0x84000061, 2: 1 })],
  ])[1]!;
  ok(plain.issues.some((i) => i.code === "reserved-nonzero"));
});

Deno.test("ffa returns without a paired call decode generically; other channels do not pair", () => {
  const ms = session([
    ["request", frame({ 0: 0x84000069 })],
    ["response", frame({ 0: 0x84000061, 2: 0x8001, 7: 9 }), { channel: { src: 2 } }],
    ["response", frame({ 0: 0x84000061, 2: 0x8001 }), { conduit: "hvc" }],
    ["response", frame({ 0: 0x84000061, 2: 0x8001 }), { channel: { src: 0x8000, dst: 1 } }],
  ]);
  equal(ms[1]!.summary, "FFA_SUCCESS rsp x2=0x8001 x7=0x9");
  equal(ms[1]!.values.x2, 0x8001);
  equal(ms[2]!.summary, "FFA_SUCCESS rsp x2=0x8001");
  // A return recorded as sent by the callee to the caller (src/dst swapped) pairs with the call.
  equal(ms[3]!.summary, "FFA_SUCCESS rsp (FFA_ID_GET) id=0x8001");
  // A return answers the latest call on its channel.
  const latest = session([
    ["request", frame({ 0: 0x84000069 })],
    ["request", frame({ 0: 0x84000085 })],
    ["response", frame({ 0: 0x84000061, 2: 0x8000 })],
  ]);
  equal(latest[2]!.values.answers, "FFA_SPM_ID_GET");
  // Correlation ids pair across channels.
  const corr = session([
    ["request", frame({ 0: 0x84000069 }), { correlationId: 7 }],
    ["response", frame({ 0: 0x84000061, 2: 1 }), { correlationId: 7, channel: { src: 9 } }],
  ]);
  equal(corr[1]!.values.answers, "FFA_ID_GET");
});

Deno.test("ffa nests DIRECT_RESP2 by pairing, by the header heuristic, and reports the busy sentinel", () => {
  const req = ffa.encodeMessage({
    name: "FFA_MSG_SEND_DIRECT_REQ2",
    fields: {
      sender: 1,
      receiver: 0x8001,
      uuid: VIRTIO_MSG_FFA_UUID,
      payload: { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 1 } },
    },
  }, { registry });
  const rspMsg = hx(
    "01 02 01 00 01 00 20 00 01 00 00 00 51 45 4d 55 40 00 00 00 0c 00 00 00 02 00 00 00 00 00 00 00",
  );
  const resp = new Uint8Array(144);
  new DataView(resp.buffer).setBigUint64(0, 0xc400008en, true);
  new DataView(resp.buffer).setBigUint64(8, 0x80010001n, true);
  resp.set(rspMsg, 32);
  const [, paired] = session([["request", req], ["response", resp]]);
  equal(
    paired!.summary,
    "FFA_MSG_SEND_DIRECT_RESP2 rsp 0x8001→0x0001 [virtio-msg GET_DEVICE_INFO rsp dev=1 tok=1 device=net vendor=0x554d4551 features=64 config=12 vqs=2]",
  );
  const inner = paired!.values.payload as unknown as Message;
  equal(inner.kind, "response");
  deepEqual(paired!.issues, []);
  equal(toHex(reencode(paired!)), toHex(resp));
  // Unpaired: the bytes look like a virtio-msg response.
  const lone = roundTrips(resp, "response");
  equal((lone.values.payload as unknown as Message).name, "GET_DEVICE_INFO");
  // Unpaired garbage stays registers.
  const junk = resp.slice();
  junk[32 + 100] = 1;
  const j = roundTrips(junk, "response");
  equal(j.values.payload, undefined);
  equal(j.values.x4, reg(resp, 4));
  // All-zero payload after a virtio-msg REQ2: the 2026 busy sentinel.
  const busy = frame({ 0: 0xc400008e, 1: 0x80010001 });
  const [, b] = session([["request", req], ["response", busy]]);
  equal(b!.summary, "FFA_MSG_SEND_DIRECT_RESP2 rsp 0x8001→0x0001 [virtio-msg busy]");
  equal(toHex(reencode(b!)), toHex(busy));
  // A REQ2 to another UUID: its RESP2 is not nested even if it looks like virtio-msg.
  const other = frame({ 0: 0xc400008d, 1: 0x00018001, 2: 1 });
  const [, o] = session([["request", other], ["response", resp]]);
  equal(o!.values.payload, undefined);
  // x2/x3 of RESP2 are MBZ.
  const r2 = resp.slice();
  r2[16] = 1;
  ok(dec(r2, "response").issues.some((i) => i.field === "ffa.direct.unused_x2"));
});

Deno.test("ffa decodes PARTITION_INFO_GET_REGS and NOTIFICATION_INFO_GET results", () => {
  const call = ffa.encodeMessage({ name: "FFA_PARTITION_INFO_GET_REGS", fields: { start_index: 0 } }, {
    registry,
  });
  const props = (1 << 0) | (1 << 1) | (1 << 8) | (1 << 9);
  const uuidLo = 0xa14a9824b52860c6n;
  const uuidHi = 0xf0ab2261da77e79dn;
  const ok24 = frame({
    0: 0xc4000061,
    2: (24n << 48n) | (0x22n << 32n) | (1n << 16n) | 1n,
    3: (BigInt(props) << 32n) | (4n << 16n) | 0x8001n,
    4: uuidLo,
    5: uuidHi,
    6: (BigInt(props) << 32n) | (1n << 16n) | 0x8002n,
  });
  const [c, r] = session([["request", call], ["response", ok24]]);
  equal(c!.summary, "FFA_PARTITION_INFO_GET_REGS uuid=nil start=0");
  equal(
    r!.summary,
    "FFA_SUCCESS rsp (FFA_PARTITION_INFO_GET_REGS) last=1 current=1 size=24 partitions=[0x8001,0x8002]",
  );
  deepEqual(r!.issues, []);
  const parts = r!.values.partitions as unknown as ValueMap[];
  equal(parts.length, 2);
  equal(parts[0]!.id, 0x8001);
  equal(parts[0]!.exec_ctx_count, 4);
  equal(parts[0]!["properties.recv_direct_req2"], 1);
  equal(toHex(parts[0]!.uuid as Uint8Array), VIRTIO_MSG_FFA_UUID.replaceAll("-", ""));
  equal(toHex(reencode(r!)), toHex(ok24));
  // v1.3 48-byte descriptors: 6 registers per entry.
  const wide = frame({
    0: 0xc4000061,
    2: (48n << 48n) | 0n,
    3: (BigInt(props) << 32n) | (1n << 16n) | 0x8003n,
    4: uuidLo,
    5: uuidHi,
    8: 0x10003n,
  });
  const [, w] = session([["request", call], ["response", wide]]);
  const wp = (w!.values.partitions as unknown as ValueMap[])[0]!;
  equal(wp.id, 0x8003);
  equal(wp["version.minor"], 3);
  deepEqual(w!.issues, []);
  equal(toHex(reencode(w!)), toHex(wide));

  const info = frame({
    0: 0xc4000061,
    2: (1n << 12n) | (0n << 14n) | (2n << 7n) | 1n,
    3: (0x0001n << 32n) | (0x0000n << 16n) | 0x8001n,
  });
  const [, n] = session([["request", frame({ 0: 0xc4000083 })], ["response", info]]);
  equal(n!.values.lists, "0x8001(vcpu 0) 0x0001(global)");
  equal(n!.values["info.more"], 1);
  equal(n!.values["info.list_count"], 2);
  equal(n!.summary, "FFA_SUCCESS rsp (FFA_NOTIFICATION_INFO_GET) 0x8001(vcpu 0) 0x0001(global)");
  equal(toHex(reencode(n!)), toHex(info));
});

Deno.test("ffa decodes direct framework messages and partition payloads", () => {
  const psci = roundTrips(frame({ 0: 0x8400006f, 1: 0xffff8000, 2: 0x80000000, 3: 0x84000002 }));
  equal(psci.summary, "FFA_MSG_SEND_DIRECT_REQ 0xffff→0x8000 fwk=PSCI_REQ psci=CPU_OFF");
  equal(psci.values["flags.framework"], 1);
  const vmc = roundTrips(
    frame({ 0: 0x8400006f, 1: 0x00008001, 2: 0x80000004, 3: 0xffffffff, 4: 0xffffffff, 5: 3 }),
  );
  equal(
    vmc.summary,
    "FFA_MSG_SEND_DIRECT_REQ 0x0000→0x8001 fwk=VM_CREATED_REQ vm=0x3 handle=0xffffffffffffffff",
  );
  const vr = roundTrips(frame({ 0: 0x84000070, 1: 0x80010000, 2: 0x80000005, 3: 0xfffffffa }), "response");
  equal(vr.summary, "FFA_MSG_SEND_DIRECT_RESP rsp 0x8001→0x0000 fwk=VM_CREATED_RESP status=DENIED");
  const ver = roundTrips(frame({ 0: 0x8400006f, 1: 0xffff8000, 2: 0x80000008, 3: 0x10002 }));
  equal(ver.summary, "FFA_MSG_SEND_DIRECT_REQ 0xffff→0x8000 fwk=VERSION_REQ 1.2");
  const part = roundTrips(frame({ 0: 0xc400006f, 1: 0x00018001, 3: 0x1111, 7: 0x7777 }));
  equal(part.values.x3, 0x1111n);
  equal(part.values.x7, 0x7777n);
  equal(part.summary, "FFA_MSG_SEND_DIRECT_REQ 0x0001→0x8001");
  ok(dec(frame({ 0: 0x8400006f, 2: 0x4 })).issues.some((i) => i.field === "ffa.direct.flags.type"));
});

Deno.test("ffa summaries of the other calls", () => {
  const s = (regs: Record<number, bigint | number>, kind: MessageKind = "request") =>
    roundTrips(frame(regs), kind).summary;
  equal(s({ 0: 0x8400006d, 1: 0x80010002 }), "FFA_RUN target=0x8001:2");
  equal(s({ 0: 0x84000062, 1: 0x80010000, 2: 5 }, "response"), "FFA_INTERRUPT rsp target=0x8001:0 irq=5");
  equal(s({ 0: 0x8400006c, 1: 0x80010000, 2: 1000 }, "response"), "FFA_YIELD rsp target=0x8001:0");
  equal(s({ 0: 0x8400006b, 2: 1 }), "FFA_MSG_WAIT");
  equal(s({ 0: 0x84000086, 2: 2 }), "FFA_MSG_SEND2 (payload in TX buffer)");
  equal(s({ 0: 0x84000077, 1: 0x10, 2: 0, 3: 1 }), "FFA_MEM_RECLAIM handle=0x10");
  equal(s({ 0: 0x8400007a, 1: 0x10, 2: 0, 3: 4096 }, "response"), "FFA_MEM_FRAG_RX rsp off=4096 handle=0x10");
  equal(s({ 0: 0x84000075, 1: 200, 2: 200 }, "response"), "FFA_MEM_RETRIEVE_RESP rsp len=200 frag=200");
  equal(s({ 0: 0x84000081, 1: 0x80010001, 2: 2, 3: 1 }), "FFA_NOTIFICATION_SET 0x8001→0x0001");
  equal(s({ 0: 0x8400008a, 1: 5, 2: 0x6c6c6568, 3: 0x6f }), 'FFA_CONSOLE_LOG len=5 "hello"');
  equal(s({ 0: 0x84000090, 2: 3 }), "FFA_ABORT code=0x3");
  equal(s({ 0: 0xffffffffffffffffn }, "response"), "SMCCC_NOT_SUPPORTED rsp");
  equal(s({ 0: 0xc4000094, 1: 1, 9: 2 }), "FFA_NOTIFICATION_BIND2 x1=0x1");
  // Console text encodes from the text alone, in both conventions.
  const log = ffa.encodeMessage({ name: "FFA_CONSOLE_LOG", fields: { text: "hello" } }, { registry });
  equal(reg(log, 1), 5n);
  equal(reg(log, 2), 0x6c6c6568n);
  const log64 = ffa.encodeMessage(
    { name: "FFA_CONSOLE_LOG", fields: { func: 0xc400008a, text: "hi there" } },
    { registry },
  );
  equal(dec(log64).values.text, "hi there");
});

// ---------------------------------------------------------------------------------------------
// Malformed input

Deno.test("ffa reports truncation at every byte and trailing bytes, never throwing", () => {
  const frames = [
    ffa.encodeMessage({
      name: "FFA_MSG_SEND_DIRECT_REQ2",
      fields: {
        sender: 1,
        receiver: 2,
        uuid: VIRTIO_MSG_FFA_UUID,
        payload: { name: "GET_DEVICE_INFO", fields: { dev_num: 1 } },
      },
    }, { registry }),
    frame({ 0: 0x84000068, 1: 0xb52860c6, 2: 0xa14a9824, 3: 0xda77e79d, 4: 0xf0ab2261 }),
    frame({ 0: 0x8400008a, 1: 5, 2: 0x6c6c6568, 3: 0x6f }),
    frame({ 0: 0x84000060, 2: 0xfffffffe }),
  ];
  const idCall = dec(frame({ 0: 0x84000069 }));
  for (const full of frames) {
    for (let n = 0; n < 144; n++) {
      const m = dec(full.subarray(0, n), n % 2 ? "response" : "request", n % 3 ? undefined : idCall);
      ok(m.truncated, `prefix ${n}`);
      ok(m.issues.some((i) => i.code === "truncated"), `prefix ${n}: ${JSON.stringify(m.issues)}`);
      describe(m);
      hexDump(m);
      messageToJson(m);
    }
    const longer = new Uint8Array(150);
    longer.set(full);
    longer[149] = 1;
    const m = dec(longer);
    ok(m.issues.some((i) => i.code === "length-mismatch" && i.field === "ffa.trailing"));
    deepEqual(m.values.trailing, longer.subarray(144));
    equal(toHex(reencode(m)), toHex(longer));
  }
});

Deno.test("ffa decodes an unknown function id as UNKNOWN, keeping the registers", () => {
  const b = frame({ 0: 0x84000091, 1: 0x11, 2: 0x22n | (0xabn << 32n), 7: 0x77, 9: 0x99 });
  const m = roundTrips(b);
  equal(m.name, "UNKNOWN");
  ok(m.issues.some((i) => i.code === "unknown-message"));
  equal(m.values.x1, 0x11);
  equal(m.values.x2, 0x22);
  equal(m.values.x2_hi, 0xab);
  equal(m.values.x7, 0x77);
  deepEqual(m.values.unused, { x9: 0x99n });
  equal(m.summary, "UNKNOWN func=0x84000091 x1=0x11 x2=0x22 x7=0x77");
  const w64 = roundTrips(frame({ 0: 0xc4001234, 3: 1n << 40n }));
  equal(w64.values.x3, 1n << 40n);
  equal(roundTrips(frame({ 0: 0x04000063 })).name, "UNKNOWN", "yielding-call bit pattern is not an FF-A id");
});

Deno.test("ffa encode errors name the field", () => {
  throws(
    () => ffa.encodeMessage({ name: "FFA_MSG_SEND_DIRECT_REQ2", fields: { sender: 0x10000 } }, { registry }),
    (e: Error) => e instanceof RangeError && /ffa\.direct\.sender/.test(e.message),
  );
  throws(
    () => ffa.encodeMessage({ name: "FFA_ERROR", fields: { code: "NO_SUCH_CODE" } }, { registry }),
    (e: Error) => e instanceof TypeError && /ffa\.error\.code/.test(e.message),
  );
  throws(
    () => ffa.encodeMessage({ name: "FFA_RUN", fields: { unused: { x1: "0x1" } } }, { registry }),
    /Cannot encode field "ffa\.run\.unused": x1 is not one of x2\.\.x17/,
  );
  throws(
    () => ffa.encodeMessage({ name: "FFA_ID_GET", fields: { unused: { x20: 1 } } }, { registry }),
    /Cannot encode field "ffa\.id\.unused": x20 is not one of x1\.\.x17/,
  );
  throws(
    () =>
      ffa.encodeMessage({ name: "FFA_MEM_SHARE", fields: { x3_hi: 1n << 32n, func: 0x84000073 } }, {
        registry,
      }),
    /Cannot encode field "ffa\.mem\.x3_hi"/,
  );
  throws(
    () => ffa.encodeMessage({ name: "FFA_PARTITION_INFO_GET", fields: { uuid: "not-a-uuid" } }, { registry }),
    /Cannot encode field "ffa\.partition_info\.uuid"/,
  );
  throws(
    () => ffa.encodeMessage({ name: "FFA_CONSOLE_LOG", fields: { text: "x".repeat(30) } }, { registry }),
    /Cannot encode field "ffa\.console\.text"/,
  );
  throws(() => ffa.encodeMessage({ name: "FFA_NO_SUCH_CALL" }, { registry }), /unknown message name/);
});

Deno.test("ffa field catalogue has the documented filter names", () => {
  const cat = new Set(ffa.fieldCatalog().map((f) => f.name));
  for (
    const n of [
      "ffa.func",
      "ffa.func.fast",
      "ffa.func.smc64",
      "ffa.func.owner",
      "ffa.func.sve_hint",
      "ffa.func.number",
      "ffa.x0_hi",
      "ffa.version",
      "ffa.version.major",
      "ffa.version.minor",
      "ffa.direct.sender",
      "ffa.direct.receiver",
      "ffa.direct.uuid",
      "ffa.direct.payload",
      "ffa.direct.flags.framework",
      "ffa.error.code",
      "ffa.success.answers",
      "ffa.success.id",
      "ffa.success.partitions.properties.recv_direct_req2",
      "ffa.mem.buffer_addr",
      "ffa.notification.bitmap_lo",
      "ffa.console.text",
    ]
  ) ok(cat.has(n), n);
});

// ---------------------------------------------------------------------------------------------
// Generated valid frames (fast-check)

const VMSG_REQS = [
  "00 02 01 00 01 00 08 00",
  "00 03 01 00 01 00 10 00 00 00 00 00 02 00 00 00",
  "00 08 01 00 01 00 0c 00 0b 00 00 00",
  "02 03 00 00 01 00 0c 00 ef be ad de",
].map(hx);
const VMSG_RSPS = [
  "01 02 01 00 01 00 20 00 01 00 00 00 51 45 4d 55 40 00 00 00 0c 00 00 00 02 00 00 00 00 00 00 00",
  "03 02 00 00 01 00 10 00 00 00 10 00 00 00 25 00",
].map(hx);
const CALL_NAMES = FFA_FUNCTION_LIST.map((f) => f.name).filter((n) =>
  n !== "FFA_SUCCESS" && n !== "FFA_ERROR"
);
const FEATURE_QUERIES = [
  0x84000066,
  0xc4000066,
  0x84000073,
  0xc4000071,
  0x84000074,
  1,
  2,
  3,
  4,
  0x84000069,
  0x8400008d,
];

type Gen = fc.GeneratorValue;

function randInt(g: Gen, type: string): number | bigint {
  switch (type) {
    case "u8":
      return g(fc.integer, { min: 0, max: 0xff });
    case "u16":
      return g(fc.integer, { min: 0, max: 0xffff });
    case "u32":
      return g(fc.integer, { min: 0, max: 0xffffffff });
    case "i32":
      return g(fc.integer, { min: -0x80000000, max: 0x7fffffff });
    default:
      return g(fc.bigInt, { min: 0n, max: (1n << 64n) - 1n });
  }
}

/** Fills `values` like the encoder walks `fields`, choosing valid random values. */
function fill(
  g: Gen,
  fields: readonly Field[],
  values: ValueMap,
  ctx: DecodeContext,
  fixed: Record<string, unknown>,
) {
  for (const f of fields) {
    if (f.name in fixed) {
      values[f.name] = fixed[f.name] as never;
      continue;
    }
    if (f.when && !f.when(values, ctx)) continue;
    switch (f.kind) {
      case "int": {
        if (f.reserved || f.auto) break;
        let v = randInt(g, f.type);
        const keep = (f.bits ?? []).filter((b) => b.reserved).reduce(
          (m, b) => m & ~BigInt(b.mask),
          (1n << 64n) - 1n,
        );
        if (f.type === "i32") {
          values[f.name] = v;
          break;
        }
        v = BigInt(v) & keep;
        values[f.name] = f.type === "u64" ? v : Number(v);
        break;
      }
      case "bytes":
        if (!f.reserved && typeof f.length === "number") {
          values[f.name] = g(fc.uint8Array, { minLength: f.length, maxLength: f.length });
        }
        break;
      case "array":
        values[f.name] = g(fc.array, fc.integer({ min: 0, max: 0xffff }), {
          minLength: f.count as number,
          maxLength: f.count as number,
        });
        break;
      case "group": {
        const n = Number(values["entry_count"] ?? 0);
        values[f.name] = Array.from({ length: n }, () => {
          const item: ValueMap = {};
          fill(g, f.fields, item, ctx, {});
          return item;
        }) as never;
        break;
      }
      case "custom":
        if (/^x\d+_hi$/.test(f.name)) {
          // SMC32 upper halves may hold anything (and must survive the round trip); SMC64 ones are MBZ.
          const wide = ((Number(values["func"] ?? 0) >>> 30) & 1) === 1 && f.name !== "x0_hi";
          values[f.name] = wide ? 0 : g(fc.integer, { min: 0, max: 0xffffffff });
        }
        break;
      default:
        break;
    }
  }
}

interface Case {
  input: MessageInput;
  kind: MessageKind;
  request?: Message;
  generated: ValueMap;
}

function genCase(g: Gen): Case {
  const body = g(fc.constantFrom, ...ffa.spec.bodies.filter((b) => b.name !== "UNKNOWN"));
  const kinds = (["request", "response"] as MessageKind[]).filter((k) =>
    layoutFor(body, k) && (k === "response" || body.request)
  );
  const kind = g(fc.constantFrom, ...kinds);
  const alts = body.select.func as readonly number[] | number;
  let func = Array.isArray(alts) ? g(fc.constantFrom, ...alts) : alts as number;
  const ctx = {
    kind,
    recordKind: kind,
    dialect: "v1.3",
    dialects: {},
    options: {},
    registry,
    depth: 0,
  } as unknown as DecodeContext;
  const fixed: Record<string, unknown> = {};
  let request: Message | undefined;
  const call = (name: string, fields: Record<string, unknown> = {}) =>
    dec(ffa.encodeMessage({ name, fields }, { registry }), "request");
  if (body.name === "FFA_SUCCESS" || body.name === "FFA_ERROR") {
    const answers = g(fc.constantFrom, "", ...CALL_NAMES);
    if (answers) {
      let callFields: Record<string, unknown> = {};
      if (answers === "FFA_FEATURES") {
        fixed.queried = g(fc.constantFrom, ...FEATURE_QUERIES);
        callFields = { feature: fixed.queried };
      }
      if (answers === "FFA_PARTITION_INFO_GET_REGS") {
        const size = g(fc.constantFrom, 24, 48);
        const n = g(fc.integer, { min: 0, max: size === 24 ? 5 : 2 });
        const start = g(fc.integer, { min: 0, max: 100 });
        if (n === 0 && start === 0) return genCase(g);
        Object.assign(fixed, { desc_size: size, current_index: start + n - 1, entry_count: n });
        func = (func | 0x40000000) >>> 0; // its results come in FFA_SUCCESS_64
        callFields = { start_index: start };
      }
      request = call(answers, callFields);
      fixed.answers = answers;
    }
  }
  if (body.name === "FFA_VERSION" && kind === "response") request = call("FFA_VERSION");
  if (body.name === "FFA_MSG_SEND_DIRECT_REQ" || body.name === "FFA_MSG_SEND_DIRECT_RESP") {
    const fw = g(fc.boolean);
    fixed.flags = fw ? (0x80000000 | g(fc.integer, { min: 0, max: 15 })) >>> 0 : 0;
  }
  if (body.name === "FFA_MSG_SEND_DIRECT_REQ2" && g(fc.boolean)) {
    fixed.uuid = hx(
      g(fc.constantFrom, VIRTIO_MSG_FFA_UUID, VIRTIO_MSG_FFA_DRIVER_UUID).replaceAll("-", "").match(/../g)!
        .join(" "),
    );
    const p = g(fc.constantFrom, ...VMSG_REQS);
    fixed.payload = p;
  }
  if (body.name === "FFA_MSG_SEND_DIRECT_RESP2" && g(fc.boolean)) {
    fixed.payload = g(fc.constantFrom, ...VMSG_RSPS);
    if (g(fc.boolean)) {
      request = dec(ffa.encodeMessage({
        name: "FFA_MSG_SEND_DIRECT_REQ2",
        fields: { uuid: VIRTIO_MSG_FFA_UUID, payload: VMSG_REQS[0]! },
      }, { registry }));
    }
  }
  const versionRsp = body.name === "FFA_VERSION" && kind === "response";
  const values: ValueMap = { func };
  fill(g, ffa.header(""), values, ctx, versionRsp ? {} : { func });
  if (values.version !== undefined) values.version = Number(values.version) & 0x7fffffff;
  const layout = layoutFor(body, kind)!;
  fill(g, layout, values, ctx, fixed);
  // The return of FFA_VERSION has no function id: w0 is the version (the encoder selects by name).
  if (versionRsp) delete values.func;
  if (typeof values.count === "number" && body.name === "FFA_CONSOLE_LOG") values.count &= 0x7f;
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    if (k === "payload" && v instanceof Uint8Array) fields[k] = v;
    else fields[k] = v;
  }
  return {
    input: { name: body.name, kind, fields },
    kind,
    ...(request ? { request } : {}),
    generated: values,
  };
}

Deno.test("ffa round-trips generated valid frames of every function, kind and convention (fast-check)", () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(fc.gen(), (g) => {
      const c = genCase(g);
      const b1 = ffa.encodeMessage(c.input, { registry });
      equal(b1.length, 144);
      const m = dec(b1, c.kind, c.request);
      assertFastAgrees(ffa, b1, {
        registry,
        recordKind: c.kind,
        ...(c.request ? { request: c.request } : {}),
      });
      equal(m.name, c.input.name);
      equal(m.kind, c.kind);
      deepEqual(m.issues, [], `${c.input.name} ${c.kind}: ${JSON.stringify(m.issues)} ${toHex(b1)}`);
      for (const [k, v] of Object.entries(c.generated)) {
        if (v === undefined || k === "payload" || k === "partitions") continue;
        const got = m.values[k];
        if (v instanceof Uint8Array) equal(toHex(got as Uint8Array), toHex(v), k);
        else if (Array.isArray(v)) deepEqual(got, v, k);
        else equal(String(got), String(v), `${c.input.name}: ${k}`);
      }
      if (c.generated.payload !== undefined) {
        equal((m.values.payload as unknown as Message)?.protocol, "virtio-msg");
      }
      equal(toHex(reencode(m)), toHex(b1), `${c.input.name} ${c.kind} JSON round trip`);
      seen.add(`${c.input.name}/${c.kind}`);
    }),
    { numRuns: 3000 },
  );
  ok(seen.size > 90, `${seen.size} body/kind pairs exercised`);
});

Deno.test("ffa survives 100,000 random and mutated inputs", () => {
  const valid = [
    frame({ 0: 0x84000063, 1: 0x10002 }),
    frame({ 0: 0x84000061, 2: 0x8001 }),
    frame({ 0: 0xc4000061, 2: (24n << 48n) | 1n, 3: 0x8001 }),
    frame({ 0: 0xc4000061, 2: (1n << 12n) | (1n << 7n), 3: 0x8001 }),
    frame({ 0: 0x84000060, 2: 0xffffffff }),
    frame({ 0: 0x8400008a, 1: 5, 2: 0x6c6c6568 }),
    frame({ 0: 0x8400006f, 1: 0xffff8000, 2: 0x80000008, 3: 0x10002 }),
    ffa.encodeMessage({
      name: "FFA_MSG_SEND_DIRECT_REQ2",
      fields: {
        uuid: VIRTIO_MSG_FFA_UUID,
        payload: { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 1 } },
      },
    }, { registry }),
    ...VMSG_RSPS.map((p) => {
      const b = frame({ 0: 0xc400008e });
      b.set(p, 32);
      return b;
    }),
  ];
  const requests = [
    undefined,
    dec(frame({ 0: 0x84000063, 1: 0x10002 })),
    dec(frame({ 0: 0x84000064, 1: 0x84000066 })),
    dec(frame({ 0: 0xc400008b })),
    dec(frame({ 0: 0xc4000083 })),
    dec(valid[7]!),
  ];
  const mutated = fc.tuple(
    fc.constantFrom(...valid),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }),
    fc.nat(160),
  )
    .map(([b, flips, cut]) => {
      const c = new Uint8Array(cut % 3 === 0 ? 144 : cut);
      c.set(b.subarray(0, Math.min(c.length, 144)));
      for (const [i, v] of flips) if (c.length) c[i % c.length] = v;
      return c;
    });
  const input = fc.oneof(fc.uint8Array({ maxLength: 160 }), mutated);
  fc.assert(
    fc.property(
      input,
      fc.constantFrom<MessageKind>("request", "response", "unknown", "event"),
      fc.nat(requests.length - 1),
      fc.boolean(),
      (b, kind, ri, tree) => {
        const ctx = { registry, recordKind: kind, ...(requests[ri] ? { request: requests[ri] } : {}) };
        const m = ffa.decodeBytes(b, ctx, tree);
        ok(typeof m.name === "string" && typeof m.summary === "string");
        if (tree) assertFastAgrees(ffa, b, ctx);
        messageToJson(m);
        describe(m);
      },
    ),
    { numRuns: 100_000 },
  );
});

Deno.test("ffa fixtures decode to their names and re-encode exactly", async () => {
  const text = await Deno.readTextFile(new URL("../../../../fixtures/ffa/frames.txt", import.meta.url));
  const s = new DecodeSession(registry);
  let n = 0;
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#")) continue;
    const [kind, name, hex] = line.trim().split(/\s+/) as [MessageKind, string, string];
    const data = hx(hex.match(/../g)!.join(" "));
    const m = s.decode(makeRecord(data, { protocol: "ffa", kind, conduit: "smc", channel: { src: 1 } }))!;
    equal(m.name, name, line);
    deepEqual(m.issues, [], line);
    equal(toHex(reencode(m)), hex);
    n++;
  }
  ok(n >= 10);
  match(text, /FFA_MSG_SEND_DIRECT_REQ2/);
});
