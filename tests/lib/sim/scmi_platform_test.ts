import { deepEqual, equal, ok } from "node:assert/strict";
import { defaultRegistry } from "../../../lib/codec/protocols/mod.ts";
import type { Message } from "../../../lib/codec/types.ts";
import { makeRecord } from "../../../lib/record.ts";
import type { Channel } from "../../../lib/record.ts";
import { createScmiPlatform } from "../../../lib/sim/scmi_platform.ts";
import type { DeviceModel, SimOutput, SimProfile } from "../../../lib/sim/types.ts";

const registry = defaultRegistry();
const codec = registry.get("scmi")!;

interface Out {
  out: SimOutput;
  msg: Message;
  bytes: Uint8Array;
}

interface SendOptions {
  token?: number;
  agent?: number;
  now?: bigint;
  channel?: Channel;
}

/** Encodes a command, decodes it as the bus would, hands it to the model and decodes what comes back. */
function send(
  model: DeviceModel,
  name: string,
  fields: Record<string, unknown> = {},
  o: SendOptions = {},
): Out[] {
  const bytes = codec.encodeMessage({ name, fields: { "hdr.token": o.token ?? 0, ...fields } }, { registry });
  return sendBytes(model, bytes, o);
}

function sendBytes(model: DeviceModel, bytes: Uint8Array, o: SendOptions = {}): Out[] {
  const channel: Channel = { ...(o.channel ?? {}), ...(o.agent !== undefined ? { src: o.agent } : {}) };
  const record = makeRecord(bytes, { protocol: "scmi", kind: "request", sender: "driver", channel });
  const msg = codec.decode(record, { registry });
  const outs = model.handle(msg, { registry, now: o.now ?? 0n, record, deliver: () => [], options: {} });
  return outs.map((out) => {
    equal(out.protocol, "scmi");
    const b = out.bytes ?? codec.encodeMessage(out.input!, { registry });
    const kind = out.kind ?? "response";
    return { out, bytes: b, msg: codec.decodeBytes(b, { registry, recordKind: kind }) };
  });
}

/** The one synchronous response of a command. */
function call(model: DeviceModel, name: string, fields: Record<string, unknown> = {}, o: SendOptions = {}) {
  const outs = send(model, name, fields, o);
  equal(outs.length, 1, `${name}: expected one response, got ${outs.map((x) => x.msg.summary).join("; ")}`);
  return outs[0]!.msg;
}

const status = (m: Message) => m.values["status"];
const word0 = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(0, true);

const BASE_PROBE: [string, Record<string, unknown>, number][] = [
  ["BASE_PROTOCOL_VERSION", {}, 0x00004000],
  ["BASE_PROTOCOL_ATTRIBUTES", {}, 0x00044001],
  ["BASE_DISCOVER_VENDOR", {}, 0x00084003],
  ["BASE_DISCOVER_SUB_VENDOR", {}, 0x000c4004],
  ["BASE_DISCOVER_IMPLEMENTATION_VERSION", {}, 0x00104005],
  ["BASE_DISCOVER_LIST_PROTOCOLS", { skip: 0 }, 0x00144006],
];

Deno.test("createScmiPlatform() answers the Linux Base probe sequence with echoed headers (notes §1, §6.3)", () => {
  const p = createScmiPlatform(undefined);
  const got = BASE_PROBE.map(([name, fields], token) => send(p, name, fields, { token }));
  got.forEach((outs, i) => {
    equal(outs.length, 1);
    equal(word0(outs[0]!.bytes), BASE_PROBE[i]![2], `${BASE_PROBE[i]![0]}: header echoed verbatim`);
    equal(outs[0]!.msg.kind, "response");
    equal(status(outs[0]!.msg), 0);
  });
  const [ver, attr, vendor, sub, impl, list] = got.map((o) => o[0]!.msg);
  equal(ver!.values["version"], 0x20000);
  equal(attr!.values["num_protocols"], 6);
  equal(attr!.values["num_agents"], 1);
  equal(vendor!.values["vendor_identifier"], "vioscope");
  equal(sub!.values["sub_vendor_identifier"], "sim");
  equal(impl!.values["implementation_version"], 0x10000);
  deepEqual(list!.values["protocols"], [0x11, 0x13, 0x14, 0x15, 0x16, 0x17]);
  equal(list!.values["num_protocols"], 6);
  // 4 hdr + 4 status + 4 count + 6 ids padded to 8 (Linux checks the padding).
  equal(got[5]![0]!.bytes.length, 20);
  deepEqual(list!.issues, []);
});

Deno.test("createScmiPlatform() answers PROTOCOL_MESSAGE_ATTRIBUTES 0 for implemented ids, NOT_FOUND else", () => {
  const p = createScmiPlatform(undefined);
  for (const id of [0, 1, 2, 3, 4, 5, 6, 7, 8]) {
    const m = call(p, "BASE_PROTOCOL_MESSAGE_ATTRIBUTES", { message_id: id });
    equal(status(m), 0, `base msg ${id}`);
    equal(m.values["attributes"], 0);
  }
  for (const id of [0x9, 0xa, 0xb, 0x10]) {
    equal(status(call(p, "BASE_PROTOCOL_MESSAGE_ATTRIBUTES", { message_id: id })), -4, `base msg ${id}`);
  }
  equal(status(call(p, "CLOCK_PROTOCOL_MESSAGE_ATTRIBUTES", { message_id: 0x9 })), 0);
  equal(status(call(p, "CLOCK_PROTOCOL_MESSAGE_ATTRIBUTES", { message_id: 0xb })), -4);
});

Deno.test("createScmiPlatform() pages BASE_DISCOVER_LIST_PROTOCOLS by skip", () => {
  const p = createScmiPlatform(undefined, { listProtocolsMax: 4 });
  const a = call(p, "BASE_DISCOVER_LIST_PROTOCOLS", { skip: 0 });
  deepEqual(a.values["protocols"], [0x11, 0x13, 0x14, 0x15]);
  const b = call(p, "BASE_DISCOVER_LIST_PROTOCOLS", { skip: 4 });
  deepEqual(b.values["protocols"], [0x16, 0x17]);
  const c = call(p, "BASE_DISCOVER_LIST_PROTOCOLS", { skip: 6 });
  equal(status(c), 0);
  equal(c.values["num_protocols"], 0);
  equal(status(call(p, "BASE_DISCOVER_LIST_PROTOCOLS", { skip: 7 })), -2);
});

Deno.test("createScmiPlatform() answers BASE_DISCOVER_AGENT for the platform, agents and the caller", () => {
  const p = createScmiPlatform({ agents: [{ id: 1, name: "linux" }, { id: 2, name: "rtos" }] });
  equal(call(p, "BASE_PROTOCOL_ATTRIBUTES").values["num_agents"], 2);
  const plat = call(p, "BASE_DISCOVER_AGENT", { agent_id: 0 });
  equal(plat.values["agent_id"], 0);
  equal(plat.values["name"], "platform");
  equal(call(p, "BASE_DISCOVER_AGENT", { agent_id: 2 }).values["name"], "rtos");
  const me = call(p, "BASE_DISCOVER_AGENT", { agent_id: 0xffffffff }, { agent: 1 });
  equal(me.values["agent_id"], 1);
  equal(me.values["name"], "linux");
  const none = send(p, "BASE_DISCOVER_AGENT", { agent_id: 3 })[0]!;
  equal(status(none.msg), -4);
  equal(none.bytes.length, 8, "a non-SUCCESS response is header + status only");
});

Deno.test("createScmiPlatform() answers DENIED per agent for a denied protocol and hides it from Base", () => {
  const p = createScmiPlatform({
    agents: [{ id: 1, name: "linux", denied_protocols: [0x14] }, { id: 2, name: "rtos" }],
  });
  equal(status(call(p, "CLOCK_PROTOCOL_VERSION", {}, { agent: 1 })), -3);
  equal(status(call(p, "CLOCK_RATE_GET", { clock_id: 0 }, { agent: 1 })), -3);
  equal(status(call(p, "CLOCK_PROTOCOL_VERSION", {}, { agent: 2 })), 0);
  equal(status(call(p, "CLOCK_RATE_GET", { clock_id: 0 }, { agent: 2 })), 0);
  // Requests without a source are agent 0, which has no restrictions here.
  equal(status(call(p, "CLOCK_PROTOCOL_VERSION")), 0);
  equal(call(p, "BASE_PROTOCOL_ATTRIBUTES", {}, { agent: 1 }).values["num_protocols"], 5);
  deepEqual(
    call(p, "BASE_DISCOVER_LIST_PROTOCOLS", { skip: 0 }, { agent: 1 }).values["protocols"],
    [0x11, 0x13, 0x15, 0x16, 0x17],
  );
  equal(call(p, "BASE_PROTOCOL_ATTRIBUTES", {}, { agent: 2 }).values["num_protocols"], 6);
  // A denied protocol still answers DENIED for messages it does not implement.
  equal(status(call(p, "CLOCK_CONFIG_GET", { clock_id: 0, flags: 0 }, { agent: 1 })), -3);
});

Deno.test("createScmiPlatform() answers NOT_SUPPORTED to unknown protocols and messages", () => {
  const p = createScmiPlatform(undefined);
  // Protocol 0x1a: no such protocol at all (the codec names it UNKNOWN).
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setUint32(0, (0x3 | (0x1a << 10) | (7 << 18)) >>> 0, true);
  const [u] = sendBytes(p, raw);
  equal(u!.bytes.length, 8);
  equal(word0(u!.bytes), word0(raw));
  equal(new DataView(u!.bytes.buffer).getInt32(4, true), -1);
  // System power (0x12) is a known protocol the platform does not implement.
  equal(status(call(p, "SYSTEM_PROTOCOL_VERSION")), -1);
  // Clock v3 commands are not implemented by the v2 clock protocol.
  equal(status(call(p, "CLOCK_CONFIG_GET", { clock_id: 0, flags: 0 })), -1);
  equal(status(call(p, "PERF_DESCRIBE_FASTCHANNEL", { domain_id: 0, message_id: 7 })), -1);
  // An unknown message id of an implemented protocol.
  new DataView(raw.buffer).setUint32(0, (0x3f | (0x14 << 10)) >>> 0, true);
  const [v] = sendBytes(p, raw);
  equal(new DataView(v!.bytes.buffer).getInt32(4, true), -1);
  // A profile list that is empty removes the protocol.
  const q = createScmiPlatform({ clocks: [] });
  equal(status(call(q, "CLOCK_PROTOCOL_VERSION")), -1);
  deepEqual(call(q, "BASE_DISCOVER_LIST_PROTOCOLS", { skip: 0 }).values["protocols"], [
    0x11,
    0x13,
    0x15,
    0x16,
    0x17,
  ]);
});

Deno.test("createScmiPlatform() ignores messages that are not commands", () => {
  const p = createScmiPlatform(undefined);
  const bytes = codec.encodeMessage({
    name: "BASE_PROTOCOL_VERSION",
    kind: "response",
    fields: { status: 0 },
  }, {
    registry,
  });
  const record = makeRecord(bytes, { protocol: "scmi", kind: "response", sender: "device" });
  const msg = codec.decode(record, { registry });
  deepEqual(p.handle(msg, { registry, now: 0n, record, deliver: () => [], options: {} }), []);
});

Deno.test("createScmiPlatform() echoes the PERF_LEVEL_SET header of the notes' worked example", () => {
  const p = createScmiPlatform(undefined);
  const [r] = send(p, "PERF_LEVEL_SET", { domain_id: 0, performance_level: 400 }, { token: 0x91 });
  equal(word0(r!.bytes), 0x02444c07);
  equal(r!.bytes.length, 8);
  equal(status(r!.msg), 0);
});

Deno.test("createScmiPlatform() describes clocks: attributes, discrete lists, ranges, pagination", () => {
  const p = createScmiPlatform(undefined);
  const attr = call(p, "CLOCK_PROTOCOL_ATTRIBUTES");
  equal(attr.values["num_clocks"], 4);
  equal(attr.values["max_async_req"], 4);
  const a0 = call(p, "CLOCK_ATTRIBUTES", { clock_id: 0 });
  equal(a0.values["name"], "cpu_clk");
  equal(a0.values["attributes.enabled"], true);
  equal(a0.values["attributes.rate_changed_notify"], true);
  equal(call(p, "CLOCK_ATTRIBUTES", { clock_id: 2 }).values["attributes.enabled"], false);
  equal(status(call(p, "CLOCK_ATTRIBUTES", { clock_id: 4 })), -4);
  const d0 = call(p, "CLOCK_DESCRIBE_RATES", { clock_id: 0, rate_index: 0 });
  equal(d0.values["num_rates_flags.format"], 0);
  equal(d0.values["num_rates_flags.returned"], 3);
  equal(d0.values["num_rates_flags.remaining"], 0);
  deepEqual(d0.values["rates"], [400_000_000n, 800_000_000n, 1_200_000_000n]);
  // Linux asks the last index to learn the maximum (lazy enumeration).
  deepEqual(call(p, "CLOCK_DESCRIBE_RATES", { clock_id: 0, rate_index: 2 }).values["rates"], [
    1_200_000_000n,
  ]);
  equal(status(call(p, "CLOCK_DESCRIBE_RATES", { clock_id: 0, rate_index: 3 })), -5);
  equal(status(call(p, "CLOCK_DESCRIBE_RATES", { clock_id: 9, rate_index: 0 })), -4);
  const range = call(p, "CLOCK_DESCRIBE_RATES", { clock_id: 3, rate_index: 0 });
  equal(range.values["num_rates_flags.format"], 1);
  equal(range.values["num_rates_flags.returned"], 3);
  equal(range.values["num_rates_flags.remaining"], 0);
  deepEqual(range.values["rates"], [100_000_000n, 1_000_000_000n, 100_000_000n]);

  const many = createScmiPlatform({
    clocks: [{ name: "many", rates: Array.from({ length: 20 }, (_, i) => (20 - i) * 1000), rate: 1000 }],
  });
  const r0 = call(many, "CLOCK_DESCRIBE_RATES", { clock_id: 0, rate_index: 0 });
  equal(r0.values["num_rates_flags.returned"], 15);
  equal(r0.values["num_rates_flags.remaining"], 5);
  equal((r0.values["rates"] as bigint[])[0], 1000n, "discrete rates are ascending");
  ok(r0.data.length <= 8 + 128, "a reply stays within 128 payload bytes");
  const r1 = call(many, "CLOCK_DESCRIBE_RATES", { clock_id: 0, rate_index: 15 });
  equal(r1.values["num_rates_flags.returned"], 5);
  equal(r1.values["num_rates_flags.remaining"], 0);
  deepEqual(r1.values["rates"], [16000n, 17000n, 18000n, 19000n, 20000n]);
});

Deno.test("createScmiPlatform() sets clock rates with rounding, range checks and enable/disable", () => {
  const p = createScmiPlatform(undefined);
  const set = (rate: number, flags = 0, clock_id = 0) => call(p, "CLOCK_RATE_SET", { flags, clock_id, rate });
  const get = (clock_id = 0) => call(p, "CLOCK_RATE_GET", { clock_id }).values["rate"];
  equal(status(set(1_200_000_000)), 0);
  equal(get(), 1_200_000_000n);
  equal(status(set(500_000_000)), 0, "round down by default");
  equal(get(), 400_000_000n);
  set(500_000_000, 4);
  equal(get(), 800_000_000n, "round up");
  set(500_000_000, 8);
  equal(get(), 400_000_000n, "round auto picks the nearest");
  set(700_000_000, 8);
  equal(get(), 800_000_000n);
  equal(status(set(2_000_000_000)), -5);
  equal(status(set(1)), -5);
  equal(get(), 800_000_000n, "a refused set changes nothing");
  equal(status(set(450_000_000, 4, 3)), 0);
  equal(get(3), 500_000_000n, "a range clock rounds to its step");
  equal(status(set(100_000_000, 0, 7)), -4);
  equal(status(set(400_000_000, 0x10)), -2, "reserved flag bits");

  equal(status(call(p, "CLOCK_CONFIG_SET", { clock_id: 0, attributes: 0 })), 0);
  equal(call(p, "CLOCK_ATTRIBUTES", { clock_id: 0 }).values["attributes.enabled"], false);
  equal(status(call(p, "CLOCK_CONFIG_SET", { clock_id: 0, attributes: 1 })), 0);
  equal(call(p, "CLOCK_ATTRIBUTES", { clock_id: 0 }).values["attributes.enabled"], true);
  equal(status(call(p, "CLOCK_CONFIG_SET", { clock_id: 0, attributes: 2 })), -2);
  equal(status(call(p, "CLOCK_CONFIG_SET", { clock_id: 5, attributes: 1 })), -4);
});

Deno.test("createScmiPlatform() gives long names the extended-name bit and NAME_GET", () => {
  const long = "a_very_long_clock_name_for_tests";
  const p = createScmiPlatform({ clocks: [{ name: long, rates: [1, 2], rate: 1 }] });
  const a = call(p, "CLOCK_ATTRIBUTES", { clock_id: 0 });
  equal(a.values["attributes.extended_name"], true);
  equal(a.values["name"], long.slice(0, 15));
  equal(call(p, "CLOCK_NAME_GET", { clock_id: 0 }).values["name"], long);
  equal(call(p, "CLOCK_NAME_GET", { clock_id: 0 }).values["flags"], 0);
  const short = call(createScmiPlatform(undefined), "CLOCK_ATTRIBUTES", { clock_id: 0 });
  equal(short.values["attributes.extended_name"], false);
});

Deno.test("createScmiPlatform() sends the async CLOCK_RATE_SET response first, then the delayed response", () => {
  const p = createScmiPlatform(undefined);
  const outs = send(p, "CLOCK_RATE_SET", { flags: 1, clock_id: 1, rate: 100_000_000 }, {
    token: 9,
    channel: { queue: 0 },
  });
  equal(outs.length, 2);
  const [imm, dly] = outs;
  equal(imm!.msg.name, "CLOCK_RATE_SET");
  equal(imm!.msg.values["hdr.type"], 0);
  equal(imm!.bytes.length, 8, "the immediate response is status only");
  equal(imm!.out.delayNs ?? 0n, 0n);
  equal(dly!.msg.name, "CLOCK_RATE_SET_COMPLETE");
  equal(dly!.msg.values["hdr.type"], 2);
  equal(dly!.msg.values["hdr.msg_id"], 5);
  equal(dly!.msg.values["hdr.token"], 9);
  equal(dly!.msg.values["clock_id"], 1);
  equal(dly!.msg.values["rate"], 100_000_000n);
  equal(dly!.out.kind, "response");
  ok((dly!.out.delayNs ?? 0n) > 0n, "the delayed response comes later");
  equal(dly!.out.channel?.queue, 1, "delayed responses travel on the eventq");
  // Bit 1: the agent does not want the delayed response.
  const quiet = send(p, "CLOCK_RATE_SET", { flags: 3, clock_id: 1, rate: 200_000_000 });
  equal(quiet.length, 1);
  equal(call(p, "CLOCK_RATE_GET", { clock_id: 1 }).values["rate"], 200_000_000n);
});

Deno.test("createScmiPlatform() answers BUSY when too many async rate sets are pending", () => {
  const p = createScmiPlatform(undefined);
  for (let i = 0; i < 4; i++) {
    equal(send(p, "CLOCK_RATE_SET", { flags: 1, clock_id: 0, rate: 400_000_000 }, { now: 0n }).length, 2);
  }
  const busy = send(p, "CLOCK_RATE_SET", { flags: 1, clock_id: 0, rate: 400_000_000 }, { now: 10n });
  equal(busy.length, 1);
  equal(status(busy[0]!.msg), -6);
  // Once the earlier ones completed, a new one is accepted.
  equal(
    send(p, "CLOCK_RATE_SET", { flags: 1, clock_id: 0, rate: 400_000_000 }, { now: 1_000_000n }).length,
    2,
  );
});

Deno.test("createScmiPlatform() notifies rate changes only to agents that enabled them", () => {
  const p = createScmiPlatform({ agents: [{ id: 1, name: "a" }, { id: 2, name: "b" }] });
  const set = (rate: number, agent: number, flags = 0) =>
    send(p, "CLOCK_RATE_SET", { flags, clock_id: 1, rate }, { agent, token: 3 });
  equal(set(100_000_000, 1).length, 1, "no subscriber, no notification");
  equal(status(call(p, "CLOCK_RATE_NOTIFY", { clock_id: 1, notify_enable: 1 }, { agent: 2 })), 0);
  equal(status(call(p, "CLOCK_RATE_NOTIFY", { clock_id: 1, notify_enable: 2 }, { agent: 2 })), -2);
  equal(status(call(p, "CLOCK_RATE_NOTIFY", { clock_id: 8, notify_enable: 1 }, { agent: 2 })), -4);
  const outs = set(200_000_000, 1);
  equal(outs.length, 2);
  const ev = outs[1]!;
  equal(ev.msg.name, "CLOCK_RATE_CHANGED");
  equal(ev.msg.kind, "event");
  equal(ev.msg.values["hdr.type"], 3);
  equal(ev.msg.values["agent_id"], 1, "the agent that caused the change");
  equal(ev.msg.values["clock_id"], 1);
  equal(ev.msg.values["rate"], 200_000_000n);
  equal(ev.out.channel?.src, 2, "sent to the subscriber");
  equal(set(200_000_000, 1).length, 1, "no change, no notification");
  // Async with a subscriber: response, delayed response, notification, in time order.
  const three = set(100_000_000, 1, 1);
  deepEqual(three.map((o) => o.msg.name), [
    "CLOCK_RATE_SET",
    "CLOCK_RATE_SET_COMPLETE",
    "CLOCK_RATE_CHANGED",
  ]);
  const times = three.map((o) => o.out.delayNs ?? 0n);
  ok(times[0]! < times[1]! && times[1]! < times[2]!);
  equal(status(call(p, "CLOCK_RATE_NOTIFY", { clock_id: 1, notify_enable: 0 }, { agent: 2 })), 0);
  equal(set(200_000_000, 1).length, 1, "disabled again");
});

Deno.test("createScmiPlatform() models perf domains: levels, limits, level set and notifications", () => {
  const p = createScmiPlatform(undefined);
  equal(call(p, "PERF_PROTOCOL_ATTRIBUTES").values["num_domains"], 2);
  const a = call(p, "PERF_DOMAIN_ATTRIBUTES", { domain_id: 0 });
  equal(a.values["name"], "cpu_perf");
  equal(a.values["flags.set_level"], true);
  equal(a.values["flags.fastchannels"], false);
  equal(a.values["sustained_perf_level"], 800);
  const l = call(p, "PERF_DESCRIBE_LEVELS", { domain_id: 0, level_index: 0 });
  equal(l.values["num_returned"], 3);
  equal(l.values["num_remaining"], 0);
  deepEqual((l.values["levels"] as unknown as Record<string, unknown>[]).map((x) => x["perf_level"]), [
    200,
    400,
    800,
  ]);
  equal(status(call(p, "PERF_DESCRIBE_LEVELS", { domain_id: 0, level_index: 3 })), -5);
  equal(status(call(p, "PERF_DESCRIBE_LEVELS", { domain_id: 2, level_index: 0 })), -4);
  equal(call(p, "PERF_LEVEL_GET", { domain_id: 0 }).values["performance_level"], 800);
  equal(status(call(p, "PERF_LEVEL_SET", { domain_id: 0, performance_level: 300 })), -2, "not a level");
  equal(status(call(p, "PERF_LEVEL_SET", { domain_id: 0, performance_level: 900 })), -5, "above the limits");
  equal(status(call(p, "PERF_NOTIFY_LEVEL", { domain_id: 0, notify_enable: 1 })), 0);
  equal(status(call(p, "PERF_NOTIFY_LIMITS", { domain_id: 0, notify_enable: 1 })), 0);
  const set = send(p, "PERF_LEVEL_SET", { domain_id: 0, performance_level: 400 });
  deepEqual(set.map((o) => o.msg.name), ["PERF_LEVEL_SET", "PERFORMANCE_LEVEL_CHANGED"]);
  equal(set[1]!.msg.values["performance_level"], 400);
  equal(status(call(p, "PERF_LIMITS_SET", { domain_id: 0, range_max: 200, range_min: 400 })), -2);
  equal(status(call(p, "PERF_LIMITS_SET", { domain_id: 0, range_max: 1000, range_min: 200 })), -5);
  // Lowering the max below the current level clamps it (and says so).
  const lim = send(p, "PERF_LIMITS_SET", { domain_id: 0, range_max: 200, range_min: 200 });
  deepEqual(lim.map((o) => o.msg.name), [
    "PERF_LIMITS_SET",
    "PERFORMANCE_LIMITS_CHANGED",
    "PERFORMANCE_LEVEL_CHANGED",
  ]);
  const g = call(p, "PERF_LIMITS_GET", { domain_id: 0 });
  equal(g.values["range_max"], 200);
  equal(g.values["range_min"], 200);
  equal(call(p, "PERF_LEVEL_GET", { domain_id: 0 }).values["performance_level"], 200);
  equal(status(call(p, "PERF_LEVEL_SET", { domain_id: 0, performance_level: 400 })), -5);
});

Deno.test("createScmiPlatform() models power domains with sync and async state changes", () => {
  const p = createScmiPlatform(undefined);
  equal(call(p, "POWER_PROTOCOL_ATTRIBUTES").values["num_domains"], 2);
  equal(call(p, "POWER_DOMAIN_ATTRIBUTES", { domain_id: 1 }).values["name"], "video_pd");
  equal(call(p, "POWER_STATE_GET", { domain_id: 1 }).values["power_state"], 0x40000000);
  equal(status(call(p, "POWER_STATE_SET", { flags: 0, domain_id: 1, power_state: 0 })), 0);
  equal(call(p, "POWER_STATE_GET", { domain_id: 1 }).values["power_state"], 0);
  equal(status(call(p, "POWER_STATE_SET", { flags: 0, domain_id: 1, power_state: 5 })), -2);
  equal(status(call(p, "POWER_STATE_SET", { flags: 0, domain_id: 2, power_state: 0 })), -4);
  equal(status(call(p, "POWER_STATE_NOTIFY", { domain_id: 0, notify_enable: 1 })), 0);
  const outs = send(p, "POWER_STATE_SET", { flags: 1, domain_id: 0, power_state: 0x40000000 }, { token: 4 });
  deepEqual(outs.map((o) => o.msg.name), [
    "POWER_STATE_SET",
    "POWER_STATE_SET_COMPLETE",
    "POWER_STATE_CHANGED",
  ]);
  equal(outs[1]!.msg.values["hdr.token"], 4);
  equal(outs[1]!.msg.values["power_state"], 0x40000000);
  equal(outs[2]!.msg.values["domain_id"], 0);
});

Deno.test("createScmiPlatform() reads sensors synchronously and asynchronously", () => {
  const p = createScmiPlatform(undefined);
  equal(call(p, "SENSOR_PROTOCOL_ATTRIBUTES").values["num_sensors"], 2);
  const d = call(p, "SENSOR_DESCRIPTION_GET", { desc_index: 0 });
  equal(d.values["num_returned"], 2);
  const descs = d.values["descriptors"] as unknown as Record<string, unknown>[];
  equal(descs[0]!["name"], "soc_temp");
  equal(descs[0]!["attributes_high.unit"], 2);
  equal(descs[1]!["id"], 1);
  equal(status(call(p, "SENSOR_DESCRIPTION_GET", { desc_index: 2 })), -5);
  const r = send(p, "SENSOR_READING_GET", { sensor_id: 0, flags: 0 });
  equal(r[0]!.bytes.length, 16, "a v2 reading: header, status, value_low/high");
  equal(r[0]!.msg.values["value"], 45n);
  const a = send(p, "SENSOR_READING_GET", { sensor_id: 1, flags: 1 }, { token: 12 });
  deepEqual(a.map((o) => o.msg.name), ["SENSOR_READING_GET", "SENSOR_READING_COMPLETE"]);
  equal(a[1]!.msg.values["sensor_id"], 1);
  equal(a[1]!.msg.values["value"], 900n);
  equal(a[1]!.msg.values["hdr.token"], 12);
  equal(status(call(p, "SENSOR_READING_GET", { sensor_id: 2, flags: 0 })), -4);
  equal(status(call(p, "SENSOR_CONFIG_SET", { sensor_id: 0, sensor_config: 0 })), 0);
  equal(call(p, "SENSOR_CONFIG_GET", { sensor_id: 0 }).values["sensor_config"], 0);
});

Deno.test("createScmiPlatform() resets domains with RESET_COMPLETE and RESET_ISSUED", () => {
  const p = createScmiPlatform(undefined);
  equal(call(p, "RESET_PROTOCOL_ATTRIBUTES").values["attributes.num_domains"], 1);
  const a = call(p, "RESET_DOMAIN_ATTRIBUTES", { domain_id: 0 });
  equal(a.values["name"], "usb_reset");
  equal(a.values["latency_us"], 10);
  equal(a.values["attributes.async"], true);
  equal(status(call(p, "RESET", { domain_id: 0, flags: 1, reset_state: 1 })), -2);
  equal(status(call(p, "RESET", { domain_id: 1, flags: 1, reset_state: 0 })), -4);
  equal(status(call(p, "RESET_NOTIFY", { domain_id: 0, notify_enable: 1 })), 0);
  const outs = send(p, "RESET", { domain_id: 0, flags: 5, reset_state: 0 }, { token: 77 });
  deepEqual(outs.map((o) => o.msg.name), ["RESET", "RESET_COMPLETE", "RESET_ISSUED"]);
  equal(outs[1]!.msg.values["domain_id"], 0);
  equal(outs[1]!.msg.values["hdr.token"], 77);
});

Deno.test("createScmiPlatform() models voltage domains: levels, config and level set", () => {
  const p = createScmiPlatform(undefined);
  const d = call(p, "VOLTAGE_DESCRIBE_LEVELS", { domain_id: 0, level_index: 0 });
  equal(d.values["flags.returned"], 2);
  equal(d.values["flags.remaining"], 0);
  deepEqual(d.values["levels"], [1_800_000, 3_300_000]);
  equal(status(call(p, "VOLTAGE_DESCRIBE_LEVELS", { domain_id: 0, level_index: 2 })), -5);
  equal(status(call(p, "VOLTAGE_LEVEL_SET", { domain_id: 0, flags: 0, voltage_level: 1_800_000 })), 0);
  equal(call(p, "VOLTAGE_LEVEL_GET", { domain_id: 0 }).values["voltage_level"], 1_800_000);
  equal(status(call(p, "VOLTAGE_LEVEL_SET", { domain_id: 0, flags: 0, voltage_level: 2_500_000 })), -2);
  equal(status(call(p, "VOLTAGE_LEVEL_SET", { domain_id: 0, flags: 0, voltage_level: 5_000_000 })), -5);
  const a = send(p, "VOLTAGE_LEVEL_SET", { domain_id: 0, flags: 1, voltage_level: 3_300_000 });
  deepEqual(a.map((o) => o.msg.name), ["VOLTAGE_LEVEL_SET", "VOLTAGE_LEVEL_SET_COMPLETE"]);
  equal(a[1]!.msg.values["voltage_level"], 3_300_000);
  equal(status(call(p, "VOLTAGE_CONFIG_SET", { domain_id: 0, config: 0 })), 0);
  equal(call(p, "VOLTAGE_CONFIG_GET", { domain_id: 0 }).values["config"], 0);
  equal(status(call(p, "VOLTAGE_CONFIG_SET", { domain_id: 0, config: 3 })), -2);
  equal(status(call(p, "VOLTAGE_CONFIG_GET", { domain_id: 1 })), -4);
});

Deno.test("createScmiPlatform() reset() restores the power-on state and drops subscriptions", () => {
  const p = createScmiPlatform(undefined);
  call(p, "CLOCK_RATE_SET", { flags: 0, clock_id: 0, rate: 400_000_000 });
  call(p, "CLOCK_RATE_NOTIFY", { clock_id: 0, notify_enable: 1 });
  p.reset();
  equal(call(p, "CLOCK_RATE_GET", { clock_id: 0 }).values["rate"], 800_000_000n);
  equal(send(p, "CLOCK_RATE_SET", { flags: 0, clock_id: 0, rate: 400_000_000 }).length, 1);
});

Deno.test("createScmiPlatform() takes vendor strings and resources from the profile", () => {
  const profile: SimProfile["scmi"] = {
    vendor: "acme-platform-vendor",
    "sub_vendor": "lab",
    "impl_version": 7,
    sensors: [{ name: "t", value: -5, unit: 2 }],
  };
  const p = createScmiPlatform(profile);
  equal(call(p, "BASE_DISCOVER_VENDOR").values["vendor_identifier"], "acme-platform-v");
  equal(call(p, "BASE_DISCOVER_SUB_VENDOR").values["sub_vendor_identifier"], "lab");
  equal(call(p, "BASE_DISCOVER_IMPLEMENTATION_VERSION").values["implementation_version"], 7);
  equal(call(p, "SENSOR_READING_GET", { sensor_id: 0, flags: 0 }).values["value"], -5n);
  equal(call(p, "SENSOR_PROTOCOL_ATTRIBUTES").values["num_sensors"], 1);
  equal(call(p, "CLOCK_PROTOCOL_ATTRIBUTES").values["num_clocks"], 4, "absent keys keep the defaults");
});
