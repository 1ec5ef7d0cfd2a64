import { deepEqual, equal } from "node:assert/strict";
import { createVirtioMsgBus, LoopbackBus } from "../../../lib/sim/mod.ts";
import { Driver } from "./_helpers.ts";

function driver() {
  return new Driver(new LoopbackBus([createVirtioMsgBus()]));
}
const v = (d: Driver, name: string, fields: Record<string, unknown>) =>
  d.send("virtio-msg", name, fields).msgs;

Deno.test("virtio-msg responses echo type|1, msg_id, dev_num and token", () => {
  const d = driver();
  const [r] = v(d, "GET_DEVICE_INFO", { dev_num: 1, token: 0x1234 });
  equal(r!.data[0], 0x01);
  equal(r!.data[1], 0x02);
  equal(r!.values["dev_num"], 1);
  equal(r!.values["token"], 0x1234);
  equal(r!.values["device_id"], 1);
  equal(r!.values["num_feature_bits"], 64);
  equal(r!.values["config_size"], 8);
  const [p] = v(d, "PING", { token: 9, data: 0xdeadbeef });
  equal(p!.data[0], 0x03);
  equal(p!.values["token"], 9);
  equal(p!.values["data"], 0xdeadbeef);
});

Deno.test("GET_DEVICES reports the profile's devices in the bitmap window", () => {
  const [r] = v(driver(), "GET_DEVICES", { offset: 0, count: 16, token: 1 });
  deepEqual(r!.values["devices"], [0, 1]);
  equal(r!.values["next_offset"], 0);
});

Deno.test("status 0 resets negotiated features and queues; the generation keeps counting", () => {
  const d = driver();
  v(d, "SET_DEVICE_STATUS", { dev_num: 0, token: 1, status: 3 });
  v(d, "SET_DRIVER_FEATURES", { dev_num: 0, token: 1, block_index: 0, features: [0x246, 1] });
  equal(v(d, "SET_DEVICE_STATUS", { dev_num: 0, token: 1, status: 0xb })[0]!.values["status"], 0xb);
  v(d, "SET_VQUEUE", {
    dev_num: 0,
    token: 1,
    index: 0,
    size: 128,
    desc_addr: 0x1000n,
    driver_addr: 0x2000n,
    device_addr: 0x3000n,
  });
  equal(v(d, "GET_VQUEUE", { dev_num: 0, token: 1, index: 0 })[0]!.values["cur_size"], 128);
  v(d, "SET_CONFIG", { dev_num: 0, token: 1, generation: 0, offset: 8, data: new Uint8Array([1, 0, 0, 0]) });
  equal(v(d, "SET_DEVICE_STATUS", { dev_num: 0, token: 1, status: 0 })[0]!.values["status"], 0);
  equal(v(d, "GET_DEVICE_STATUS", { dev_num: 0, token: 1 })[0]!.values["status"], 0);
  equal(v(d, "GET_VQUEUE", { dev_num: 0, token: 1, index: 0 })[0]!.values["cur_size"], 0);
  equal(v(d, "GET_CONFIG", { dev_num: 0, token: 1, offset: 0, length: 0 })[0]!.values["generation"], 1);
  // Features were cleared by the reset: FEATURES_OK with nothing negotiated is acceptable again.
  v(d, "SET_DEVICE_STATUS", { dev_num: 0, token: 1, status: 3 });
  equal(v(d, "SET_DEVICE_STATUS", { dev_num: 0, token: 1, status: 0xb })[0]!.values["status"], 0xb);
});

Deno.test("FEATURES_OK is refused for a refused bit or a bit the device does not offer", () => {
  const d = driver();
  v(d, "SET_DEVICE_STATUS", { dev_num: 1, token: 1, status: 3 });
  v(d, "SET_DRIVER_FEATURES", { dev_num: 1, token: 1, block_index: 0, features: [0xa0, 1] }); // bit 7 refused
  equal(v(d, "SET_DEVICE_STATUS", { dev_num: 1, token: 1, status: 0xb })[0]!.values["status"], 0x3);
  equal(v(d, "GET_DEVICE_STATUS", { dev_num: 1, token: 1 })[0]!.values["status"], 0x3);
  v(d, "SET_DRIVER_FEATURES", { dev_num: 1, token: 1, block_index: 0, features: [0x20, 3] }); // bit 33 not offered
  equal(v(d, "SET_DEVICE_STATUS", { dev_num: 1, token: 1, status: 0xb })[0]!.values["status"], 0x3);
  v(d, "SET_DRIVER_FEATURES", { dev_num: 1, token: 1, block_index: 0, features: [0x10020, 1] });
  equal(v(d, "SET_DEVICE_STATUS", { dev_num: 1, token: 1, status: 0xb })[0]!.values["status"], 0xb);
});

Deno.test("a SET_CONFIG with a stale generation is rejected with length 0", () => {
  const d = driver();
  const data = new Uint8Array([0xaa, 0xbb]);
  const ok = v(d, "SET_CONFIG", { dev_num: 1, token: 1, generation: 0, offset: 0, data })[0]!;
  equal(ok.values["length"], 2);
  equal(ok.values["generation"], 1);
  const stale = v(d, "SET_CONFIG", {
    dev_num: 1,
    token: 1,
    generation: 0,
    offset: 0,
    data: new Uint8Array([1, 2]),
  })[0]!;
  equal(stale.values["length"], 0);
  equal(stale.values["generation"], 1);
  const read = v(d, "GET_CONFIG", { dev_num: 1, token: 1, offset: 0, length: 2 })[0]!;
  deepEqual([...(read.values["data"] as Uint8Array)], [0xaa, 0xbb]);
});

Deno.test("EVENT_AVAIL gets EVENT_CONFIG before DRIVER_OK and EVENT_USED after", () => {
  const d = driver();
  const early = d.send("virtio-msg", "EVENT_AVAIL", { dev_num: 0, vq_index: 0 }, {}, "event").msgs;
  equal(early[0]!.name, "EVENT_CONFIG");
  equal(early[0]!.kind, "event");
  v(d, "SET_VQUEUE", {
    dev_num: 0,
    token: 1,
    index: 0,
    size: 64,
    desc_addr: 0n,
    driver_addr: 0n,
    device_addr: 0n,
  });
  v(d, "SET_DEVICE_STATUS", { dev_num: 0, token: 1, status: 0xf });
  const used = d.send("virtio-msg", "EVENT_AVAIL", { dev_num: 0, vq_index: 0 }, {}, "event");
  equal(used.msgs[0]!.name, "EVENT_USED");
  equal(used.msgs[0]!.values["vq_index"], 0);
  equal(used.records[0]!.timestampNs > 0n, true);
  // An inactive queue: no EVENT_USED.
  equal(d.send("virtio-msg", "EVENT_AVAIL", { dev_num: 0, vq_index: 3 }, {}, "event").msgs.length, 0);
});

Deno.test("GET_VQUEUE of a missing queue answers max_size 0; unknown devices get no reply", () => {
  const d = driver();
  equal(v(d, "GET_VQUEUE", { dev_num: 0, token: 1, index: 7 })[0]!.values["max_size"], 0);
  equal(v(d, "GET_VQUEUE", { dev_num: 0, token: 1, index: 0 })[0]!.values["max_size"], 256);
  equal(v(d, "GET_DEVICE_INFO", { dev_num: 42, token: 1 }).length, 0);
});
