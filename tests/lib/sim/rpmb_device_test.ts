import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { defaultRegistry } from "../../../lib/codec/protocols/mod.ts";
import { rpmbMac, rpmbMacFrames } from "../../../lib/codec/protocols/rpmb.ts";
import type { Message } from "../../../lib/codec/types.ts";
import { makeRecord } from "../../../lib/record.ts";
import { createRpmbDevice } from "../../../lib/sim/rpmb_device.ts";
import type { DeviceModel } from "../../../lib/sim/types.ts";

const registry = defaultRegistry();
const codec = registry.get("rpmb")!;
const fixture = (name: string) =>
  Deno.readFileSync(new URL(`../../../fixtures/rpmb/${name}`, import.meta.url));

/** The OP-TEE CFG_RPMB_TESTKEY (notes §A2 worked examples). */
const KEY_HEX = "D3EB3EC36E334C9F988CE2C0B85954610D2BCF8664844DF2AB56E6C61BB701E4";
const KEY = Uint8Array.from({ length: 32 }, (_, i) => parseInt(KEY_HEX.slice(i * 2, i * 2 + 2), 16));
const OTHER_KEY = new Uint8Array(32).fill(0x5a);
const NONCE = Uint8Array.from({ length: 16 }, (_, i) => i);

const RESULT = {
  OK: 0,
  GENERAL_FAILURE: 1,
  AUTH_FAILURE: 2,
  COUNT_FAILURE: 3,
  ADDR_FAILURE: 4,
  WRITE_FAILURE: 5,
  NO_AUTH_KEY: 7,
  EXPIRED: 0x80,
};

const options = { rpmbEmmc: true };

/** Hands one frame to the device; decodes every frame it answers. */
function send(dev: DeviceModel, bytes: Uint8Array): Message[] {
  const record = makeRecord(bytes, {
    protocol: "rpmb",
    kind: "request",
    sender: "driver",
    channel: { device: 0 },
  });
  const msg = codec.decode(record, { registry, options });
  const outs = dev.handle(msg, { registry, now: 0n, record, deliver: () => [], options: {} });
  return outs.map((o) => {
    equal(o.protocol, "rpmb");
    equal(o.kind, "response");
    ok(o.bytes, "RPMB responses are built as bytes");
    equal(o.bytes.length, 512);
    return codec.decodeBytes(o.bytes, { registry, recordKind: "response", options });
  });
}

function req(name: string, fields: Record<string, unknown> = {}): Uint8Array {
  return codec.encodeMessage({ name, fields }, { registry, options });
}

/** The N frames of an authenticated write, MAC over all of them in the last (notes §A2). */
function write(
  address: number,
  counter: number,
  blocks: number[],
  key: Uint8Array = KEY,
  blockCount = blocks.length,
): Uint8Array[] {
  const frames = blocks.map((b) =>
    req("DATA_WRITE", {
      data: new Uint8Array(256).fill(b),
      write_counter: counter,
      address,
      block_count: blockCount,
    })
  );
  rpmbMacFrames(frames, key);
  return frames;
}

/** Sends a write's frames (no answer expected) and then RESULT_READ; returns the result frame. */
function writeAndResult(dev: DeviceModel, frames: Uint8Array[]): Message {
  for (const f of frames) deepEqual(send(dev, f), [], "a write frame gets no answer of its own");
  const r = send(dev, req("RESULT_READ", { block_count: 1 }));
  equal(r.length, 1);
  return r[0]!;
}

const programKey = (dev: DeviceModel, key = KEY, blockCount = 1) => {
  deepEqual(send(dev, req("PROGRAM_KEY", { key_mac: key, block_count: blockCount })), []);
  return send(dev, req("RESULT_READ", { block_count: 1 }))[0]!;
};

const counterOf = (dev: DeviceModel) => {
  const [r] = send(dev, req("GET_WRITE_COUNTER", { block_count: 1, nonce: NONCE }));
  return r!.values["write_counter"];
};

const read = (dev: DeviceModel, address: number, n: number) =>
  send(dev, req("DATA_READ", { address, block_count: n, nonce: NONCE }));

const macOk = (frames: Message[], key = KEY) =>
  deepEqual(frames.at(-1)!.values["key_mac"], rpmbMac(frames.map((m) => m.data), key));

Deno.test("createRpmbDevice() refuses everything but PROGRAM_KEY before a key exists", () => {
  const dev = createRpmbDevice(undefined);
  const [c] = send(dev, req("GET_WRITE_COUNTER", { block_count: 1, nonce: NONCE }));
  equal(c!.name, "RESP_GET_COUNTER");
  equal(c!.values["result"], RESULT.NO_AUTH_KEY);
  deepEqual(c!.values["nonce"], NONCE);
  deepEqual(c!.values["key_mac"], new Uint8Array(32), "no key, no MAC");
  const r = read(dev, 0, 1);
  equal(r.length, 1);
  equal(r[0]!.values["result"], RESULT.NO_AUTH_KEY);
  const w = writeAndResult(dev, write(0, 0, [0xaa], OTHER_KEY));
  equal(w.name, "RESP_DATA_WRITE");
  equal(w.values["result"], RESULT.NO_AUTH_KEY);
});

Deno.test("createRpmbDevice() programs the key once; a second PROGRAM_KEY is GENERAL_FAILURE", () => {
  const dev = createRpmbDevice(undefined);
  const first = programKey(dev);
  equal(first.name, "RESP_PROGRAM_KEY");
  equal(first.values["result"], RESULT.OK);
  const again = programKey(dev, OTHER_KEY);
  equal(again.values["result"], RESULT.GENERAL_FAILURE);
  // The first key is still the one in use.
  const [c] = send(dev, req("GET_WRITE_COUNTER", { block_count: 1, nonce: NONCE }));
  macOk([c!], KEY);
  // virtio: PROGRAM_KEY with block_count ≠ 1 is GENERAL_FAILURE (and programs nothing).
  const dev2 = createRpmbDevice(undefined);
  equal(programKey(dev2, KEY, 0).values["result"], RESULT.GENERAL_FAILURE);
  equal(programKey(dev2, KEY, 1).values["result"], RESULT.OK);
});

Deno.test("createRpmbDevice() answers GET_WRITE_COUNTER byte for byte as worked example 1", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  const record = makeRecord(req("GET_WRITE_COUNTER", { block_count: 1, nonce: NONCE }), {
    protocol: "rpmb",
    kind: "request",
  });
  const out = dev.handle(codec.decode(record, { registry }), {
    registry,
    now: 0n,
    record,
    deliver: () => [],
    options: {},
  });
  deepEqual(out[0]!.bytes, fixture("ex1_resp_get_counter.bin"));
  equal(
    send(dev, req("GET_WRITE_COUNTER", { block_count: 2, nonce: NONCE }))[0]!.values["result"],
    RESULT.GENERAL_FAILURE,
  );
});

Deno.test("createRpmbDevice() performs worked example 2 and answers worked example 4 exactly", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  deepEqual(send(dev, fixture("ex2_data_write_1block.bin")), []);
  const record = makeRecord(req("RESULT_READ", { block_count: 1 }), { protocol: "rpmb", kind: "request" });
  const out = dev.handle(codec.decode(record, { registry }), {
    registry,
    now: 0n,
    record,
    deliver: () => [],
    options: {},
  });
  deepEqual(out[0]!.bytes, fixture("ex4_resp_data_write.bin"));
  equal(counterOf(dev), 1);
  const r = read(dev, 0, 1);
  equal(r.length, 1);
  deepEqual(r[0]!.values["data"], new Uint8Array(256).fill(0xaa));
  deepEqual(r[0]!.values["nonce"], NONCE);
  macOk(r);
});

Deno.test("createRpmbDevice() refuses a replayed authenticated write", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  const captured = write(7, 0, [0x42]);
  equal(writeAndResult(dev, captured).values["result"], RESULT.OK);
  equal(writeAndResult(dev, write(7, 1, [0x43])).values["result"], RESULT.OK);
  equal(counterOf(dev), 2);
  // The attacker replays the first write as captured: valid MAC, stale counter.
  const replay = writeAndResult(dev, captured);
  equal(replay.values["result"], RESULT.COUNT_FAILURE);
  equal(replay.values["write_counter"], 2, "the counter does not move");
  deepEqual(read(dev, 7, 1)[0]!.values["data"], new Uint8Array(256).fill(0x43), "nothing written");
  // Bumping the counter in the replayed frame breaks the MAC instead.
  const bumped = captured[0]!.slice();
  new DataView(bumped.buffer).setUint32(500, 2);
  equal(writeAndResult(dev, [bumped]).values["result"], RESULT.AUTH_FAILURE);
  equal(counterOf(dev), 2);
});

Deno.test("createRpmbDevice() writes and reads multi-block operations (worked example 3)", () => {
  const dev = createRpmbDevice({ key: KEY_HEX, write_counter: 5 });
  const frames = [
    fixture("ex3_data_write_2frames.bin").subarray(0, 512),
    fixture("ex3_data_write_2frames.bin")
      .subarray(512),
  ];
  const res = writeAndResult(dev, frames);
  equal(res.values["result"], RESULT.OK);
  equal(res.values["write_counter"], 6, "once per request, not per block");
  equal(res.values["address"], 4);
  macOk([res]);
  const r = read(dev, 4, 2);
  equal(r.length, 2, "a read of N blocks returns N frames");
  deepEqual(r[0]!.values["data"], new Uint8Array(256).fill(0x11));
  deepEqual(r[1]!.values["data"], new Uint8Array(256).fill(0x22));
  for (const f of r) {
    equal(f.name, "RESP_DATA_READ");
    equal(f.values["address"], 4, "every frame carries the start address");
    equal(f.values["block_count"], 2);
    deepEqual(f.values["nonce"], NONCE);
    equal(f.values["result"], RESULT.OK);
  }
  deepEqual(r[0]!.values["key_mac"], new Uint8Array(32), "only the last frame carries the MAC");
  macOk(r);
});

Deno.test("createRpmbDevice() rejects a multi-frame write whose MAC covers only the last frame", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  const frames = write(0, 0, [0x11, 0x22]);
  frames[1]!.set(rpmbMac([frames[1]!], KEY), 196);
  equal(writeAndResult(dev, frames).values["result"], RESULT.AUTH_FAILURE);
  equal(counterOf(dev), 0);
});

Deno.test("createRpmbDevice() fails a write cut short by another frame and writes nothing", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  const frames = write(0, 0, [0x11, 0x22]);
  deepEqual(send(dev, frames[0]!), []);
  const r = send(dev, req("RESULT_READ", { block_count: 1 }))[0]!;
  equal(r.values["result"], RESULT.GENERAL_FAILURE);
  equal(counterOf(dev), 0);
  deepEqual(read(dev, 0, 1)[0]!.values["data"], new Uint8Array(256));
});

Deno.test("createRpmbDevice() checks a write in the notes' order: key, count, expiry, address, MAC, counter", () => {
  // No key wins over a zero block_count.
  equal(
    writeAndResult(createRpmbDevice(undefined), write(0, 0, [1], KEY, 0)).values["result"],
    RESULT.NO_AUTH_KEY,
  );
  // block_count 0 wins over a bad address.
  equal(
    writeAndResult(createRpmbDevice({ key: KEY_HEX }), write(9999, 0, [1], KEY, 0)).values["result"],
    RESULT.GENERAL_FAILURE,
  );
  // Expiry wins over a bad address and a bad MAC.
  const expired = createRpmbDevice({ key: KEY_HEX, write_counter: 0xffffffff });
  equal(
    writeAndResult(expired, write(9999, 0, [1], OTHER_KEY)).values["result"],
    RESULT.WRITE_FAILURE | RESULT.EXPIRED,
  );
  // A bad address wins over a bad MAC and a bad counter.
  equal(
    writeAndResult(createRpmbDevice({ key: KEY_HEX }), write(512, 3, [1], OTHER_KEY)).values["result"],
    RESULT.ADDR_FAILURE,
  );
  // A bad MAC wins over a bad counter.
  equal(
    writeAndResult(createRpmbDevice({ key: KEY_HEX }), write(0, 3, [1], OTHER_KEY)).values["result"],
    RESULT.AUTH_FAILURE,
  );
  // A good MAC with a bad counter.
  equal(
    writeAndResult(createRpmbDevice({ key: KEY_HEX }), write(0, 3, [1])).values["result"],
    RESULT.COUNT_FAILURE,
  );
});

Deno.test("createRpmbDevice() checks address + block_count against the capacity", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  equal(writeAndResult(dev, write(511, 0, [9])).values["result"], RESULT.OK);
  equal(writeAndResult(dev, write(511, 1, [9, 9])).values["result"], RESULT.ADDR_FAILURE);
  equal(read(dev, 512, 1)[0]!.values["result"], RESULT.ADDR_FAILURE);
  equal(read(dev, 511, 2)[0]!.values["result"], RESULT.ADDR_FAILURE);
  const ok2 = read(dev, 510, 2);
  equal(ok2.length, 2);
  deepEqual(ok2[1]!.values["data"], new Uint8Array(256).fill(9));
  const zero = read(dev, 0, 0);
  equal(zero.length, 1);
  equal(zero[0]!.values["result"], RESULT.GENERAL_FAILURE);
  const small = createRpmbDevice({ key: KEY_HEX, capacity_blocks: 4 });
  equal(writeAndResult(small, write(3, 0, [1])).values["result"], RESULT.OK);
  equal(writeAndResult(small, write(4, 1, [1])).values["result"], RESULT.ADDR_FAILURE);
});

Deno.test("createRpmbDevice() stops at counter 0xFFFFFFFF and flags every later result", () => {
  const dev = createRpmbDevice({ key: KEY_HEX, write_counter: 0xfffffffe });
  const last = writeAndResult(dev, write(0, 0xfffffffe, [5]));
  equal(
    last.values["result"],
    RESULT.OK | RESULT.EXPIRED,
    "the write that reaches the end succeeds, flagged",
  );
  equal(last.values["write_counter"], 0xffffffff);
  const refused = writeAndResult(dev, write(1, 0xffffffff, [6]));
  equal(refused.values["result"], RESULT.WRITE_FAILURE | RESULT.EXPIRED);
  equal(refused.values["result.write_counter_expired"], 1);
  deepEqual(read(dev, 1, 1)[0]!.values["data"], new Uint8Array(256), "the refused write wrote nothing");
  equal(read(dev, 0, 1)[0]!.values["result"], RESULT.EXPIRED, "reads still work, flagged");
  const [c] = send(dev, req("GET_WRITE_COUNTER", { block_count: 1, nonce: NONCE }));
  equal(c!.values["result"], RESULT.EXPIRED);
  equal(c!.values["write_counter"], 0xffffffff);
});

Deno.test("createRpmbDevice() answers RESULT_READ with block_count ≠ 1 with GENERAL_FAILURE", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  deepEqual(send(dev, write(0, 0, [1])[0]!), []);
  const r = send(dev, req("RESULT_READ", { block_count: 0 }))[0]!;
  equal(r.name, "RESP_DATA_WRITE");
  equal(r.values["result"], RESULT.GENERAL_FAILURE);
  equal(send(dev, req("RESULT_READ", { block_count: 1 }))[0]!.values["result"], RESULT.OK);
  // Nothing done yet: RESULT_READ has no result to return.
  equal(
    send(createRpmbDevice({ key: KEY_HEX }), req("RESULT_READ", { block_count: 1 }))[0]!.values["result"],
    RESULT.GENERAL_FAILURE,
  );
});

Deno.test("createRpmbDevice() answers the eMMC probe draft only when the profile enables it", () => {
  const probe = req("EMMC_CMD", { "stuff.emmc_cmd_resp": new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0]) });
  const dev = createRpmbDevice({ emmc: true, capacity_blocks: 1024 });
  const [r] = send(dev, probe);
  equal(r!.name, "RESP_EMMC_CMD");
  equal(r!.values["result"], 0x40);
  deepEqual(r!.values["stuff.emmc_cmd_resp"], new Uint8Array([0, 0, 9, 0, 0, 0, 0, 0]));
  const extCsd = r!.values["data"] as Uint8Array;
  equal(extCsd[168], 2, "RPMB_SIZE_MULT in 128 KiB units");
  equal(extCsd[222], 1, "REL_WR_SEC_C");
  const [plain] = send(createRpmbDevice(undefined), probe);
  equal(plain!.values["req_resp"], 0x4000);
  equal(plain!.values["result"], RESULT.GENERAL_FAILURE);
});

Deno.test("createRpmbDevice() ignores responses and short frames", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  const rsp = codec.encodeMessage({ name: "RESP_GET_COUNTER", fields: {} }, { registry });
  const record = makeRecord(rsp, { protocol: "rpmb", kind: "response" });
  deepEqual(
    dev.handle(codec.decode(record, { registry }), {
      registry,
      now: 0n,
      record,
      deliver: () => [],
      options: {},
    }),
    [],
  );
  const short = makeRecord(new Uint8Array(100), { protocol: "rpmb", kind: "request" });
  deepEqual(
    dev.handle(codec.decode(short, { registry }), {
      registry,
      now: 0n,
      record: short,
      deliver: () => [],
      options: {},
    }),
    [],
  );
});

Deno.test("createRpmbDevice() reset() restores the profile's power-on state", () => {
  const dev = createRpmbDevice({ key: KEY_HEX });
  equal(writeAndResult(dev, write(0, 0, [3])).values["result"], RESULT.OK);
  dev.reset();
  equal(counterOf(dev), 0);
  deepEqual(read(dev, 0, 1)[0]!.values["data"], new Uint8Array(256));
  const blank = createRpmbDevice(undefined);
  programKey(blank);
  blank.reset();
  equal(send(blank, req("GET_WRITE_COUNTER", { block_count: 1 }))[0]!.values["result"], RESULT.NO_AUTH_KEY);
});

Deno.test("createRpmbDevice() rejects impossible profiles", () => {
  throws(() => createRpmbDevice({ key: "abcd" }), RangeError);
  throws(() => createRpmbDevice({ capacity_blocks: 0 }), RangeError);
  throws(() => createRpmbDevice({ capacity_blocks: 70000 }), RangeError);
  throws(() => createRpmbDevice({ write_counter: -1 }), RangeError);
});
