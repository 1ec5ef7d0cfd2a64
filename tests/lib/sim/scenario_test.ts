import { deepEqual, equal, throws } from "node:assert/strict";
import type { Message } from "../../../lib/codec/mod.ts";
import { DecodeSession } from "../../../lib/codec/mod.ts";
import {
  createModels,
  DEFAULT_PROFILE,
  LoopbackBus,
  parseScenario,
  profileOptions,
  runScenario,
} from "../../../lib/sim/mod.ts";

Deno.test("parseScenario() names the bad step member", () => {
  throws(
    () => parseScenario('{"steps": [{"wait": -1}]}', "s.json"),
    /Cannot load the scenario s\.json: steps\[0\]\.wait must be microseconds/,
  );
  throws(
    () => parseScenario('{"steps": [{"repeat": 2, "steps": [{"macro": "x"}]}]}'),
    /steps\[0\]\.steps\[0\]\.macro must be one of/,
  );
  throws(() => parseScenario('{"steps": [{"proto": "scmi"}]}'), /steps\[0\]\.name must be a message name/);
  throws(() => parseScenario('{"steps": [{}]}'), /steps\[0\] must have one of proto, wait, repeat, macro/);
  throws(() => parseScenario('{"stepz": []}'), /stepz is not a scenario key/);
});

Deno.test("the virtio-msg-ffa bring-up follows the Linux order inside FFA_MSG_SEND_DIRECT_REQ2", () => {
  const bus = new LoopbackBus(createModels(), {
    pairAnswers: true,
    options: profileOptions(DEFAULT_PROFILE),
  });
  const records = runScenario({ steps: [{ macro: "virtio-msg-ffa-bringup", devices: [0], kicks: 1 }] }, bus);
  const s = new DecodeSession(bus.registry);
  const inner: string[] = [];
  const ffa: string[] = [];
  for (const r of records) {
    const m = s.decode(r)!;
    if (r.sender !== "driver") continue;
    const p = m.values["payload"] as unknown as Message | undefined;
    if (m.name === "FFA_MSG_SEND_DIRECT_REQ2" && p) {
      inner.push(p.name + (p.values["status"] !== undefined ? `(${p.values["status"]})` : ""));
    } else ffa.push(m.name);
  }
  deepEqual(ffa, [
    "FFA_VERSION",
    "FFA_ID_GET",
    "FFA_FEATURES",
    "FFA_RXTX_MAP",
    "FFA_PARTITION_INFO_GET",
    "FFA_RX_RELEASE",
    "FFA_FEATURES",
    "FFA_MEM_SHARE",
  ]);
  deepEqual(inner, [
    "FFA_VERSION",
    "GET_DEVICES",
    "FFA_AREA_SHARE",
    "GET_DEVICE_INFO",
    "SET_DEVICE_STATUS(0)",
    "SET_DEVICE_STATUS(1)",
    "SET_DEVICE_STATUS(3)",
    "GET_DEVICE_FEATURES",
    "SET_DRIVER_FEATURES",
    "SET_DEVICE_STATUS(11)",
    "GET_DEVICE_STATUS",
    "GET_CONFIG",
    "GET_CONFIG",
    "GET_VQUEUE",
    "SET_VQUEUE",
    "SET_DEVICE_STATUS(15)",
    "EVENT_AVAIL",
  ]);
  // Every call has its return, and times only move forward.
  equal(
    records.filter((r) => r.sender === "device").length,
    records.filter((r) => r.sender === "driver").length,
  );
  for (let i = 1; i < records.length; i++) {
    equal(records[i]!.timestampNs >= records[i - 1]!.timestampNs, true);
  }
});
