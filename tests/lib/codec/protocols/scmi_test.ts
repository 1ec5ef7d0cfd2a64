import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { assertFastAgrees } from "../_agree.ts";
import {
  DecodeSession,
  describe,
  hexDump,
  layoutFor,
  messageToJson,
  Registry,
} from "../../../../lib/codec/mod.ts";
import type { Field, Message, MessageInput } from "../../../../lib/codec/mod.ts";
import {
  scmi,
  SCMI_COMMANDS,
  SCMI_NOTIFICATIONS,
  SCMI_PROTOCOLS,
  SCMI_STATUS,
} from "../../../../lib/codec/protocols/scmi.ts";
import { makeRecord } from "../../../../lib/record.ts";
import type { MessageKind } from "../../../../lib/record.ts";
import { messageArb } from "../_arbitrary.ts";

const registry = new Registry([scmi]);
const hx = (s: string) => {
  const t = s.replace(/\s+/g, "");
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return out;
};
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const dec = (s: string | Uint8Array, recordKind: MessageKind = "unknown") =>
  scmi.decodeBytes(typeof s === "string" ? hx(s) : s, { registry, recordKind });
const reencode = (m: Message) => {
  const j = messageToJson(m);
  return scmi.encodeMessage({ name: j.name, kind: m.kind, fields: j.fields }, { registry });
};
/** Header word per specs/scmi.md §1: msg_id | type << 8 | proto << 10 | token << 18, as LE hex. */
const hdr = (proto: number, msg: number, type = 0, token = 0) => {
  const v = (msg | (type << 8) | (proto << 10) | (token << 18)) >>> 0;
  return toHex(new Uint8Array(new Uint32Array([v]).buffer));
};
const name64 = (s: string) => toHex(new TextEncoder().encode(s)).padEnd(128, "0");
const name16 = (s: string) => toHex(new TextEncoder().encode(s)).padEnd(32, "0");

/** Compares decoded values; objects inside lists are compared on the keys the expectation lists. */
function check(m: Message, fields: Record<string, unknown>) {
  const pick = (got: unknown, want: unknown): unknown => {
    if (Array.isArray(want) && Array.isArray(got)) return got.map((g, i) => pick(g, want[i]));
    if (want && typeof want === "object" && !(want instanceof Uint8Array) && got && typeof got === "object") {
      return Object.fromEntries(Object.keys(want).map((k) => [k, (got as Record<string, unknown>)[k]]));
    }
    return got;
  };
  for (const [k, v] of Object.entries(fields)) deepEqual(pick(m.values[k], v), v, `${m.name}: ${k}`);
}

// ---------------------------------------------------------------------------------------------
// Real Linux trace lines (specs/scmi.md §5), bytes kept in fixtures/scmi/*.hex.

interface Fixture {
  file: string;
  kind: MessageKind;
  hex: string;
}

function loadFixture(file: string): Fixture {
  const text = Deno.readTextFileSync(new URL(`../../../../fixtures/scmi/${file}`, import.meta.url));
  let kind: MessageKind = "unknown";
  let hex = "";
  for (const line of text.split("\n")) {
    const k = line.match(/^#\s*kind:\s*(\w+)/);
    if (k) kind = k[1] as MessageKind;
    else if (!line.startsWith("#")) hex += line.replace(/\s+/g, "");
  }
  return { file, kind, hex };
}

const TRACE: [string, string, Record<string, unknown>][] = [
  ["perf_level_set_cmnd_seq0091.hex", "PERF_LEVEL_SET", {
    "hdr": 0x02444c07,
    "hdr.protocol_id": 0x13,
    "hdr.msg_id": 0x07,
    "hdr.type": 0,
    "hdr.token": 0x91,
    domain_id: 0,
    performance_level: 330000000,
  }],
  ["perf_level_set_resp_seq0091.hex", "PERF_LEVEL_SET", {
    "hdr.protocol_id": 0x13,
    "hdr.msg_id": 0x07,
    "hdr.token": 145,
    status: 0,
  }],
  ["perf_level_set_cmnd_seq0092.hex", "PERF_LEVEL_SET", {
    "hdr.token": 0x92,
    domain_id: 0,
    performance_level: 0x13ab6680,
  }],
  ["sensor_reading_get_cmnd_sync.hex", "SENSOR_READING_GET", {
    "hdr": 0x00005406,
    "hdr.protocol_id": 0x15,
    "hdr.token": 0,
    sensor_id: 1,
    flags: 0,
    "flags.async": 0,
  }],
  ["sensor_reading_get_resp_821.hex", "SENSOR_READING_GET", { status: 0, value: 821n }],
  ["sensor_reading_get_cmnd_async.hex", "SENSOR_READING_GET", { sensor_id: 1, "flags.async": 1 }],
  ["sensor_reading_get_resp_not_supported.hex", "SENSOR_READING_GET", { status: -1, value: undefined }],
  ["sensor_update_notification.hex", "SENSOR_UPDATE", {
    "hdr": 0x00005701,
    "hdr.type": 3,
    agent_id: 0,
    sensor_id: 1,
    readings: [{ value: 821n, timestamp: 0n }],
  }],
];

for (const [file, name, fields] of TRACE) {
  Deno.test(`scmi decodes the trace fixture ${file}`, () => {
    const fx = loadFixture(file);
    const m = dec(fx.hex, fx.kind);
    equal(m.name, name);
    equal(m.kind, fx.kind);
    deepEqual(m.issues, []);
    check(m, fields);
    equal(toHex(reencode(m)), fx.hex);
  });
}

Deno.test("scmi trace fixtures carry the exact payload bytes of their trace lines", () => {
  for (const [file] of TRACE) {
    const text = Deno.readTextFileSync(new URL(`../../../../fixtures/scmi/${file}`, import.meta.url));
    const line = text.match(/^# trace: .*$/m)?.[0];
    if (!line) continue;
    const fx = loadFixture(file);
    const pyld = line.match(/pyld=([0-9a-f]*)/)![1]!;
    const seq = parseInt(line.match(/seq=([0-9A-F]{4})/)![1]!, 16);
    const pt = parseInt(line.match(/pt=([0-9A-F]{2})/)![1]!, 16);
    const s = Number(line.match(/ s=(-?\d+)/)![1]);
    const m = dec(fx.hex, fx.kind);
    equal(m.values["hdr.token"], seq, file);
    equal(m.values["hdr.protocol_id"], pt, file);
    // Commands: parameters after the header; responses: return values after header and status.
    const after = m.kind === "response" ? 8 : 4;
    equal(toHex(m.data.subarray(after)), pyld, file);
    if (m.kind === "response") equal(m.values.status, s, file);
  }
});

Deno.test("scmi summaries of the traced PERF_LEVEL_SET and SENSOR_READING_GET", () => {
  equal(
    dec(loadFixture("perf_level_set_cmnd_seq0091.hex").hex).summary,
    "PERF_LEVEL_SET proto=PERF tok=145 domain=0 level=330000000",
  );
  equal(
    dec(loadFixture("perf_level_set_resp_seq0091.hex").hex, "response").summary,
    "PERF_LEVEL_SET rsp proto=PERF tok=145 status=SUCCESS",
  );
  equal(
    dec(loadFixture("sensor_reading_get_resp_821.hex").hex, "response").summary,
    "SENSOR_READING_GET rsp proto=SENSOR tok=0 status=SUCCESS value=821",
  );
  equal(
    dec(loadFixture("sensor_reading_get_resp_not_supported.hex").hex, "response").summary,
    "SENSOR_READING_GET rsp proto=SENSOR tok=0 status=NOT_SUPPORTED",
  );
});

// ---------------------------------------------------------------------------------------------
// Header worked examples (specs/scmi.md §1).

Deno.test("scmi header worked examples", () => {
  const cases: [number, string, number][] = [
    [0x00005406, "SENSOR_READING_GET", 0],
    [0x02444c07, "PERF_LEVEL_SET", 0x91],
    [0x00004000, "BASE_PROTOCOL_VERSION", 0],
    [0x00044001, "BASE_PROTOCOL_ATTRIBUTES", 1],
    [0x00084003, "BASE_DISCOVER_VENDOR", 2],
    [0x000c4004, "BASE_DISCOVER_SUB_VENDOR", 3],
    [0x00104005, "BASE_DISCOVER_IMPLEMENTATION_VERSION", 4],
    [0x00144006, "BASE_DISCOVER_LIST_PROTOCOLS", 5],
  ];
  for (const [word, name, token] of cases) {
    const b = new Uint8Array(new Uint32Array([word]).buffer);
    const m = dec(
      name === "BASE_DISCOVER_LIST_PROTOCOLS" ? toHex(b) + "00000000" : toHex(b).padEnd(8, "0") +
        (name === "SENSOR_READING_GET"
          ? "0000000000000000"
          : name === "PERF_LEVEL_SET"
          ? "0000000000000000"
          : ""),
    );
    equal(m.name, name);
    equal(m.values["hdr.token"], token);
    equal(m.kind, "request");
    equal(hdr(Number(m.values["hdr.protocol_id"]), Number(m.values["hdr.msg_id"]), 0, token), toHex(b));
  }
  const n = dec("01570000 00000000 01000000");
  equal(n.name, "SENSOR_UPDATE");
  equal(n.kind, "event");
  deepEqual(n.values.readings, []);
});

Deno.test("scmi tables name every protocol and status", () => {
  equal(SCMI_PROTOCOLS[0x10], "BASE");
  equal(SCMI_PROTOCOLS[0x19], "PINCTRL");
  equal(SCMI_PROTOCOLS[0x1b], "TELEMETRY");
  equal(SCMI_PROTOCOLS[0x80], "VENDOR_0x80");
  equal(SCMI_PROTOCOLS[0xff], "VENDOR_0xff");
  equal(SCMI_PROTOCOLS[0x1a], undefined);
  deepEqual(
    [0, -1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11].map((s) => SCMI_STATUS[s]),
    [
      "SUCCESS",
      "NOT_SUPPORTED",
      "INVALID_PARAMETERS",
      "DENIED",
      "NOT_FOUND",
      "OUT_OF_RANGE",
      "BUSY",
      "COMMS_ERROR",
      "GENERIC_ERROR",
      "HARDWARE_ERROR",
      "PROTOCOL_ERROR",
      "IN_USE",
    ],
  );
  equal(SCMI_COMMANDS[0x14]![0x5], "CLOCK_RATE_SET");
  equal(SCMI_COMMANDS[0x14]![0x0], "CLOCK_PROTOCOL_VERSION");
  equal(SCMI_COMMANDS[0x90]![0x1], "VENDOR_PROTOCOL_ATTRIBUTES");
  equal(SCMI_NOTIFICATIONS[0x15]![0x1], "SENSOR_UPDATE");
  equal(SCMI_NOTIFICATIONS[0x13]![0x0], "PERFORMANCE_LIMITS_CHANGED");
  // Common commands exist in every protocol, vendor ones included.
  for (const id of [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1b, 0x80, 0xff]) {
    const m = dec(hdr(id, 0, 0, 7) + "00000000 00000300", "response");
    match(m.name, /_PROTOCOL_VERSION$/);
    equal(m.values.version, 0x30000);
    equal(m.values["version.major"], 3);
    deepEqual(m.issues, []);
  }
});

// ---------------------------------------------------------------------------------------------
// Derived vectors (computed from the layouts in specs/scmi.md §3): Base and Clock in full, plus
// samples of the other protocols, delayed responses and notifications.

const B = 0x10, CL = 0x14, T = 5;
const VECTORS: [string, MessageKind, string, Record<string, unknown>][] = [
  // Base (§3.1)
  ["BASE_PROTOCOL_VERSION", "request", hdr(B, 0), {}],
  ["BASE_PROTOCOL_VERSION", "response", hdr(B, 0) + "00000000 00000200", {
    version: 0x20000,
    "version.major": 2,
  }],
  ["BASE_PROTOCOL_ATTRIBUTES", "response", hdr(B, 1, 0, 1) + "00000000 02010000", {
    num_protocols: 2,
    num_agents: 1,
  }],
  ["BASE_PROTOCOL_MESSAGE_ATTRIBUTES", "request", hdr(B, 2) + "06000000", { message_id: 6 }],
  ["BASE_PROTOCOL_MESSAGE_ATTRIBUTES", "response", hdr(B, 2) + "00000000 00000000", { attributes: 0 }],
  ["BASE_PROTOCOL_MESSAGE_ATTRIBUTES", "response", hdr(B, 2) + "fcffffff", {
    status: -4,
    attributes: undefined,
  }],
  ["BASE_DISCOVER_VENDOR", "request", hdr(B, 3, 0, 2), {}],
  ["BASE_DISCOVER_VENDOR", "response", hdr(B, 3, 0, 2) + "00000000" + name16("rust-vmm"), {
    vendor_identifier: "rust-vmm",
  }],
  ["BASE_DISCOVER_SUB_VENDOR", "response", hdr(B, 4, 0, 3) + "00000000" + name16("SCMI-VIRTIO-BE"), {
    sub_vendor_identifier: "SCMI-VIRTIO-BE",
  }],
  ["BASE_DISCOVER_SUB_VENDOR", "response", hdr(B, 4, 0, 3) + "ffffffff", { status: -1 }],
  ["BASE_DISCOVER_IMPLEMENTATION_VERSION", "response", hdr(B, 5, 0, 4) + "00000000 01000000", {
    implementation_version: 1,
  }],
  ["BASE_DISCOVER_LIST_PROTOCOLS", "request", hdr(B, 6, 0, 5) + "00000000", { skip: 0 }],
  ["BASE_DISCOVER_LIST_PROTOCOLS", "response", hdr(B, 6, 0, 5) + "00000000 02000000 14150000", {
    num_protocols: 2,
    protocols: [0x14, 0x15],
  }],
  ["BASE_DISCOVER_LIST_PROTOCOLS", "response", hdr(B, 6, 0, 5) + "00000000 05000000 11131415 16000000", {
    protocols: [0x11, 0x13, 0x14, 0x15, 0x16],
  }],
  ["BASE_DISCOVER_LIST_PROTOCOLS", "response", hdr(B, 6, 0, 5) + "00000000 00000000", { protocols: [] }],
  ["BASE_DISCOVER_AGENT", "request", hdr(B, 7) + "00000000", { agent_id: 0 }],
  ["BASE_DISCOVER_AGENT", "request", hdr(B, 7) + "ffffffff", { agent_id: 0xffffffff }],
  ["BASE_DISCOVER_AGENT", "response", hdr(B, 7) + "00000000 01000000" + name16("OSPM"), {
    agent_id: 1,
    name: "OSPM",
  }],
  ["BASE_DISCOVER_AGENT", "response", hdr(B, 7) + "00000000" + name16("platform"), {
    agent_id: undefined,
    name: "platform",
  }],
  ["BASE_NOTIFY_ERRORS", "request", hdr(B, 8) + "01000000", { notify_enable: 1, "notify_enable.enable": 1 }],
  ["BASE_NOTIFY_ERRORS", "response", hdr(B, 8) + "00000000", { status: 0 }],
  ["BASE_SET_DEVICE_PERMISSIONS", "request", hdr(B, 9) + "01000000 02000000 01000000", {
    agent_id: 1,
    device_id: 2,
    "flags.allow": 1,
  }],
  ["BASE_SET_PROTOCOL_PERMISSIONS", "request", hdr(B, 0xa) + "01000000 02000000 14000000 00000000", {
    protocol_id: 0x14,
    "flags.allow": 0,
  }],
  ["BASE_RESET_AGENT_CONFIGURATION", "request", hdr(B, 0xb) + "01000000 01000000", {
    "flags.reset_permissions": 1,
  }],
  ["BASE_NEGOTIATE_PROTOCOL_VERSION", "request", hdr(B, 0x10) + "01000200", { version: 0x20001 }],
  ["BASE_ERROR_EVENT", "event", hdr(B, 0, 3) + "01000000 02000080 0740000000000000 0550000000000000", {
    agent_id: 1,
    error_status: 0x80000002,
    "error_status.count": 2,
    "error_status.fatal": 1,
    reports: [0x4007n, 0x5005n],
  }],
  // Clock (§3.2)
  ["CLOCK_PROTOCOL_ATTRIBUTES", "response", hdr(CL, 1, 0, T) + "00000000 04000100", {
    num_clocks: 4,
    max_async_req: 1,
  }],
  ["CLOCK_PROTOCOL_MESSAGE_ATTRIBUTES", "request", hdr(CL, 2, 0, T) + "09000000", { message_id: 9 }],
  ["CLOCK_ATTRIBUTES", "request", hdr(CL, 3, 0, T) + "03000000", { clock_id: 3 }],
  ["CLOCK_ATTRIBUTES", "response", hdr(CL, 3, 0, T) + "00000000 01000020" + name16("uart") + "0a000000", {
    attributes: 0x20000001,
    name: "uart",
    clock_enable_latency: 10,
  }],
  ["CLOCK_ATTRIBUTES", "response", hdr(CL, 3, 0, T) + "00000000 00000000" + name16("v1clk"), {
    name: "v1clk",
    clock_enable_latency: undefined,
  }],
  ["CLOCK_DESCRIBE_RATES", "request", hdr(CL, 4, 0, T) + "03000000 02000000", { clock_id: 3, rate_index: 2 }],
  [
    "CLOCK_DESCRIBE_RATES",
    "response",
    hdr(CL, 4, 0, T) + "00000000 02000100 00e1f505 00000000 00c2eb0b 00000000",
    {
      "num_rates_flags.returned": 2,
      "num_rates_flags.format": 0,
      "num_rates_flags.remaining": 1,
      rates: [100000000n, 200000000n],
    },
  ],
  [
    "CLOCK_DESCRIBE_RATES",
    "response",
    hdr(CL, 4, 0, T) + "00000000 03100000 00e1f505 00000000 00c2eb0b 00000000 0065cd1d 00000000",
    { "num_rates_flags.format": 1, rates: [100000000n, 200000000n, 500000000n] },
  ],
  ["CLOCK_RATE_SET", "request", hdr(CL, 5, 0, T) + "00000000 03000000 00c2eb0b 00000000", {
    flags: 0,
    clock_id: 3,
    rate: 200000000n,
  }],
  ["CLOCK_RATE_SET", "request", hdr(CL, 5, 0, T) + "05000000 03000000 00c2eb0b 01000000", {
    "flags.async": 1,
    "flags.round_up": 1,
    rate: 0x10bebc200n,
  }],
  ["CLOCK_RATE_SET", "response", hdr(CL, 5, 0, T) + "00000000", { status: 0 }],
  ["CLOCK_RATE_SET_COMPLETE", "response", hdr(CL, 5, 2, T) + "00000000 03000000 00c2eb0b 00000000", {
    "hdr.type": 2,
    clock_id: 3,
    rate: 200000000n,
  }],
  ["CLOCK_RATE_SET_COMPLETE", "response", hdr(CL, 5, 2, T) + "f8ffffff", { status: -8, clock_id: undefined }],
  ["CLOCK_RATE_GET", "request", hdr(CL, 6, 0, T) + "03000000", { clock_id: 3 }],
  ["CLOCK_RATE_GET", "response", hdr(CL, 6, 0, T) + "00000000 00c2eb0b 01000000", { rate: 4494967296n }],
  ["CLOCK_CONFIG_SET", "request", hdr(CL, 7, 0, T) + "03000000 01000000", {
    "attributes.state": 1,
    oem_config_val: undefined,
  }],
  ["CLOCK_CONFIG_SET", "request", hdr(CL, 7, 0, T) + "03000000 03002a00 78563412", {
    "attributes.state": 3,
    "attributes.oem_config_type": 0x2a,
    oem_config_val: 0x12345678,
  }],
  ["CLOCK_NAME_GET", "request", hdr(CL, 8, 0, T) + "03000000", { clock_id: 3 }],
  [
    "CLOCK_NAME_GET",
    "response",
    hdr(CL, 8, 0, T) + "00000000 00000000" + name64("a_rather_long_clock_name_beyond_16"),
    {
      name: "a_rather_long_clock_name_beyond_16",
    },
  ],
  ["CLOCK_RATE_NOTIFY", "request", hdr(CL, 9, 0, T) + "03000000 01000000", { clock_id: 3, notify_enable: 1 }],
  ["CLOCK_RATE_CHANGE_REQUESTED_NOTIFY", "request", hdr(CL, 0xa, 0, T) + "03000000 00000000", {
    notify_enable: 0,
  }],
  ["CLOCK_CONFIG_GET", "request", hdr(CL, 0xb, 0, T) + "03000000 00000000", { clock_id: 3 }],
  ["CLOCK_CONFIG_GET", "response", hdr(CL, 0xb, 0, T) + "00000000 00000000 01000000 00000000", {
    "config.enabled": 1,
  }],
  ["CLOCK_POSSIBLE_PARENTS_GET", "request", hdr(CL, 0xc, 0, T) + "03000000 00000000", { skip_parents: 0 }],
  ["CLOCK_POSSIBLE_PARENTS_GET", "response", hdr(CL, 0xc, 0, T) + "00000000 02000001 01000000 02000000", {
    "num_parent_flags.returned": 2,
    "num_parent_flags.remaining": 1,
    parents: [1, 2],
  }],
  ["CLOCK_PARENT_SET", "request", hdr(CL, 0xd, 0, T) + "03000000 01000000", { parent_id: 1 }],
  ["CLOCK_PARENT_GET", "response", hdr(CL, 0xe, 0, T) + "00000000 01000000", { parent_id: 1 }],
  ["CLOCK_GET_PERMISSIONS", "response", hdr(CL, 0xf, 0, T) + "00000000 000000e0", {
    permissions: 0xe0000000,
  }],
  ["CLOCK_RATE_CHANGED", "event", hdr(CL, 0, 3) + "00000000 03000000 00c2eb0b 00000000", {
    clock_id: 3,
    rate: 200000000n,
  }],
  ["CLOCK_RATE_CHANGE_REQUESTED", "event", hdr(CL, 1, 3) + "00000000 03000000 0065cd1d 00000000", {
    rate: 500000000n,
  }],
  // Performance (§3.3)
  ["PERF_PROTOCOL_ATTRIBUTES", "response", hdr(0x13, 1) + "00000000 0200 0100 00100000 00000000 00010000", {
    num_domains: 2,
    flags: 1,
    stats_addr: 0x1000n,
    stats_size: 0x100,
  }],
  [
    "PERF_DOMAIN_ATTRIBUTES",
    "response",
    hdr(0x13, 3) + "00000000 000000c0 e8030000 40420f00 e8030000" + name16("cpu0"),
    {
      flags: 0xc0000000,
      "rate_limit.rate_limit_us": 1000,
      sustained_freq_khz: 1000000,
      name: "cpu0",
    },
  ],
  ["PERF_DESCRIBE_LEVELS", "response", hdr(0x13, 4) + "00000000 01000000 e8030000 64000000 0a000000", {
    num_returned: 1,
    levels: [{ perf_level: 1000, power: 100, transition_latency_us: 10, reserved: 0 }],
  }],
  [
    "PERF_DESCRIBE_LEVELS",
    "response",
    hdr(0x13, 4) + "00000000 01000000 e8030000 64000000 0a000000 40420f00 00000000",
    {
      levels: [{
        perf_level: 1000,
        power: 100,
        transition_latency_us: 10,
        reserved: 0,
        indicative_freq: 1000000,
        level_index: 0,
      }],
    },
  ],
  ["PERF_LIMITS_GET", "response", hdr(0x13, 6) + "00000000 e8030000 64000000", {
    range_max: 1000,
    range_min: 100,
  }],
  [
    "PERF_DESCRIBE_FASTCHANNEL",
    "response",
    hdr(0x13, 0xb) +
    "00000000 03000000 00000000 0010000000000000 04000000 0020000000000000 ffffffff00000000 0000000000000000",
    {
      "attr.doorbell": 1,
      chan_addr: 0x1000n,
      chan_size: 4,
      db_addr: 0x2000n,
      db_set_mask: 0xffffffffn,
    },
  ],
  ["PERFORMANCE_LEVEL_CHANGED", "event", hdr(0x13, 1, 3) + "00000000 01000000 e8030000", {
    domain_id: 1,
    performance_level: 1000,
  }],
  // Power (§3.4)
  ["POWER_STATE_SET", "request", hdr(0x11, 4) + "00000000 02000000 00000040", {
    domain_id: 2,
    power_state: 0x40000000,
    "power_state.type": 1,
  }],
  ["POWER_STATE_SET_COMPLETE", "response", hdr(0x11, 4, 2) + "00000000 02000000 00000000", {
    domain_id: 2,
    power_state: 0,
  }],
  ["POWER_STATE_CHANGED", "event", hdr(0x11, 0, 3) + "00000000 02000000 00000040", {
    power_state: 0x40000000,
  }],
  // System (§3.5)
  ["SYSTEM_POWER_STATE_SET", "request", hdr(0x12, 3) + "01000000 02000000", {
    "flags.graceful": 1,
    system_state: 2,
  }],
  ["SYSTEM_POWER_STATE_NOTIFIER", "event", hdr(0x12, 0, 3) + "00000000 01000000 00000000", {
    system_state: 0,
    timeout: undefined,
  }],
  ["SYSTEM_POWER_STATE_NOTIFIER", "event", hdr(0x12, 0, 3) + "00000000 01000000 04000000 e8030000", {
    system_state: 4,
    timeout: 1000,
  }],
  // Sensor (§3.6)
  ["SENSOR_PROTOCOL_ATTRIBUTES", "response", hdr(0x15, 1) + "00000000 0100 0000 00000000 00000000 00000000", {
    num_sensors: 1,
  }],
  [
    "SENSOR_DESCRIPTION_GET",
    "response",
    hdr(0x15, 3) + "00000000 0100 0000 01000000 00000000 02000000" + name16("soc_temp"),
    {
      descriptors: [{ id: 1, attributes_low: 0, attributes_high: 2, name: "soc_temp" }],
    },
  ],
  [
    "SENSOR_DESCRIPTION_GET",
    "response",
    hdr(0x15, 3) + "00000000 0100 0000 01000000 00010000 02000000" + name16("ext") +
    "05000000 01000000 ceffffffffffffff 6400000000000000",
    {
      descriptors: [{
        id: 1,
        attributes_low: 0x100,
        attributes_high: 2,
        name: "ext",
        power: 5,
        resolution: 1,
        min_range: -50n,
        max_range: 100n,
      }],
    },
  ],
  ["SENSOR_READING_GET", "response", hdr(0x15, 6) + "00000000 3503000000000000 1000000000000000", {
    value: undefined,
    readings: [{ value: 821n, timestamp: 16n }],
  }],
  ["SENSOR_READING_GET", "response", hdr(0x15, 6) + "00000000", { readings: [] }],
  ["SENSOR_READING_COMPLETE", "response", hdr(0x15, 6, 2) + "00000000 01000000 3503000000000000", {
    sensor_id: 1,
    value: 821n,
  }],
  ["SENSOR_CONFIG_SET", "request", hdr(0x15, 0xa) + "01000000 03000100", {
    "sensor_config.enabled": 1,
    "sensor_config.timestamp": 1,
    "sensor_config.update_secs": 1,
  }],
  [
    "SENSOR_LIST_UPDATE_INTERVALS",
    "response",
    hdr(0x15, 8) + "00000000 03100000 01000000 0a000000 01000000",
    {
      "num_intervals_flags.segmented": 1,
      intervals: [1, 10, 1],
    },
  ],
  ["SENSOR_TRIP_POINT_EVENT", "event", hdr(0x15, 0, 3) + "00000000 01000000 01000000", {
    sensor_id: 1,
    trip_point_desc: 1,
  }],
  // Reset (§3.7)
  ["RESET_DOMAIN_ATTRIBUTES", "response", hdr(0x16, 3) + "00000000 00000080 ffffffff" + name16("gpu_rst"), {
    latency_us: 0xffffffff,
    name: "gpu_rst",
  }],
  ["RESET", "request", hdr(0x16, 4) + "05000000 05000000 00000000", {
    domain_id: 5,
    flags: 5,
    reset_state: 0,
  }],
  ["RESET_COMPLETE", "response", hdr(0x16, 4, 2) + "00000000 05000000", { domain_id: 5 }],
  ["RESET_ISSUED", "event", hdr(0x16, 0, 3) + "00000000 05000000 00000000", { domain_id: 5 }],
  // Voltage (§3.8)
  ["VOLTAGE_DESCRIBE_LEVELS", "response", hdr(0x17, 4) + "00000000 03100000 a0bb0d00 40420f00 50c30000", {
    "flags.returned": 3,
    "flags.segmented": 1,
    levels: [900000, 1000000, 50000],
  }],
  ["VOLTAGE_CONFIG_SET", "request", hdr(0x17, 5) + "01000000 07000000", { "config.mode": 7 }],
  ["VOLTAGE_LEVEL_SET", "request", hdr(0x17, 7) + "01000000 01000000 a0bb0d00", {
    "flags.async": 1,
    voltage_level: 900000,
  }],
  ["VOLTAGE_LEVEL_SET_COMPLETE", "response", hdr(0x17, 7, 2) + "00000000 01000000 6044f2ff", {
    voltage_level: -900000,
  }],
  // Powercap (§3.9)
  ["POWERCAP_CAP_SET", "request", hdr(0x18, 5) + "01000000 02000000 e8030000", {
    "flags.async": 1,
    power_cap: 1000,
  }],
  ["POWERCAP_CAP_SET_COMPLETE", "response", hdr(0x18, 5, 2) + "00000000 01000000 e8030000", {
    power_cap: 1000,
  }],
  ["POWERCAP_MEASUREMENTS_GET", "response", hdr(0x18, 9) + "00000000 f4010000 10000000", {
    power: 500,
    pai: 16,
  }],
  ["POWERCAP_MEASUREMENTS_NOTIFY", "request", hdr(0x18, 0xb) + "01000000 01000000 64000000 c8000000", {
    power_thresh_low: 100,
    power_thresh_high: 200,
  }],
  ["POWERCAP_CAP_CHANGED", "event", hdr(0x18, 0, 3) + "00000000 01000000 e8030000 10000000", {
    power_cap: 1000,
    pai: 16,
    cpli: undefined,
  }],
  // Pinctrl (§3.10)
  ["PINCTRL_PROTOCOL_ATTRIBUTES", "response", hdr(0x19, 1) + "00000000 20000400 03000000", {
    "attributes_low.num_pins": 32,
    "attributes_low.num_groups": 4,
    "attributes_high.num_functions": 3,
  }],
  ["PINCTRL_ATTRIBUTES", "request", hdr(0x19, 3) + "02000000 01000000", { identifier: 2, "flags.type": 1 }],
  ["PINCTRL_LIST_ASSOCIATIONS", "response", hdr(0x19, 4) + "00000000 03000000 0100 0200 0300 0000", {
    ids: [1, 2, 3],
    pad: 0,
  }],
  ["PINCTRL_LIST_ASSOCIATIONS", "response", hdr(0x19, 4) + "00000000 02000000 0100 0200", {
    ids: [1, 2],
    pad: undefined,
  }],
  [
    "PINCTRL_SETTINGS_CONFIGURE",
    "request",
    hdr(0x19, 6) + "07000000 ffffffff 09000000 04000000 01000000 0a000000 05000000",
    {
      function_id: 0xffffffff,
      "attributes.type": 1,
      "attributes.num_configs": 2,
      configs: [{ type: 4, "type.config_type": 4, value: 1 }, { type: 10, "type.config_type": 10, value: 5 }],
    },
  ],
  ["PINCTRL_SETTINGS_GET", "response", hdr(0x19, 5) + "00000000 ffffffff 01000000 04000000 01000000", {
    function_selected: 0xffffffff,
    configs: [{ type: 4, "type.config_type": 4, value: 1 }],
  }],
  // Vendor protocol common commands.
  ["VENDOR_PROTOCOL_ATTRIBUTES", "response", hdr(0x81, 1) + "00000000 01020304", {
    "hdr.protocol_id": 0x81,
    attributes: hx("01020304"),
  }],
];

for (const [name, kind, bytes, fields] of VECTORS) {
  Deno.test(`scmi decodes and re-encodes ${name} ${kind} ${bytes.replace(/\s+/g, "").slice(0, 24)}`, () => {
    const m = dec(bytes, kind);
    equal(m.name, name);
    equal(m.kind, kind);
    deepEqual(m.issues, [], JSON.stringify(m.issues));
    check(m, fields);
    equal(toHex(reencode(m)), bytes.replace(/\s+/g, ""));
    describe(m);
    hexDump(m);
    // The values-only decode (compiled fast path where the layout allows) agrees.
    const quick = scmi.decodeBytes(hx(bytes), { registry, recordKind: kind }, false);
    equal(quick.summary, m.summary);
    // (flag booleans are only filled in with the tree, by design)
    const noFlags = (v: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x !== "boolean"));
    deepEqual(noFlags(quick.values), noFlags(m.values));
  });
}

Deno.test("scmi summaries of key messages", () => {
  equal(
    dec(hdr(CL, 5, 0, 5) + "00000000 03000000 00c2eb0b 00000000").summary,
    "CLOCK_RATE_SET proto=CLOCK tok=5 id=3 rate=200000000",
  );
  equal(
    dec(hdr(CL, 5, 0, 5) + "00000000", "response").summary,
    "CLOCK_RATE_SET rsp proto=CLOCK tok=5 status=SUCCESS",
  );
  equal(
    dec(hdr(CL, 5, 2, 5) + "00000000 03000000 00c2eb0b 00000000").summary,
    "CLOCK_RATE_SET_COMPLETE rsp proto=CLOCK tok=5 status=SUCCESS id=3 rate=200000000",
  );
  equal(
    dec(hdr(CL, 0, 3) + "00000000 03000000 00c2eb0b 00000000").summary,
    "CLOCK_RATE_CHANGED evt proto=CLOCK tok=0 agent=0 id=3 rate=200000000",
  );
  equal(
    dec(hdr(B, 3, 0, 2) + "00000000" + name16("rust-vmm"), "response").summary,
    "BASE_DISCOVER_VENDOR rsp proto=BASE tok=2 status=SUCCESS vendor=rust-vmm",
  );
  equal(
    dec(hdr(B, 4, 0, 3) + "ffffffff", "response").summary,
    "BASE_DISCOVER_SUB_VENDOR rsp proto=BASE tok=3 status=NOT_SUPPORTED",
  );
  equal(
    dec(hdr(B, 2) + "05000000").summary,
    "BASE_PROTOCOL_MESSAGE_ATTRIBUTES proto=BASE tok=0 msg=BASE_DISCOVER_IMPLEMENTATION_VERSION",
  );
  equal(dec(hdr(0x80, 0, 0, 1)).summary, "VENDOR_PROTOCOL_VERSION proto=VENDOR_0x80 tok=1");
});

Deno.test("scmi type 0 kind comes from the record; 2 and 3 from the header", () => {
  const cmd = hdr(CL, 6, 0, 9) + "03000000";
  equal(dec(cmd).kind, "request");
  equal(dec(cmd, "request").kind, "request");
  const r = dec(hdr(CL, 6, 0, 9) + "00000000 00c2eb0b 00000000", "response");
  equal(r.kind, "response");
  equal(r.values.rate, 200000000n);
  equal(dec(hdr(CL, 5, 2, 9) + "00000000 03000000 00c2eb0b 00000000", "request").kind, "response");
  equal(dec(hdr(CL, 0, 3) + "00000000 03000000 00c2eb0b 00000000", "response").kind, "event");
});

Deno.test("scmi notifications use their own id space per protocol", () => {
  // msg_id 0 is CLOCK_PROTOCOL_VERSION as a command and CLOCK_RATE_CHANGED as a notification.
  equal(dec(hdr(CL, 0)).name, "CLOCK_PROTOCOL_VERSION");
  equal(dec(hdr(CL, 0, 3) + "00000000 03000000 00c2eb0b 00000000").name, "CLOCK_RATE_CHANGED");
  equal(dec(hdr(0x13, 0, 3) + "00000000 01000000 e8030000 64000000").name, "PERFORMANCE_LIMITS_CHANGED");
  equal(dec(hdr(0x15, 1, 3) + "00000000 01000000").name, "SENSOR_UPDATE");
});

Deno.test("scmi error responses decode just the status, without a truncation issue", () => {
  for (const [proto, msg] of [[CL, 3], [CL, 4], [CL, 6], [B, 6], [0x13, 4], [0x15, 3], [0x19, 5]] as const) {
    for (const s of [-1, -2, -3, -4, -10, -11]) {
      const st = toHex(new Uint8Array(new Int32Array([s]).buffer));
      const m = dec(hdr(proto, msg) + st, "response");
      equal(m.values.status, s);
      deepEqual(m.issues, []);
      equal(m.truncated, false);
      match(m.summary, new RegExp(`status=${SCMI_STATUS[s]}$`));
    }
  }
  // A SUCCESS response without its payload is truncated.
  const t = dec(hdr(CL, 6) + "00000000", "response");
  ok(t.truncated);
  ok(t.issues.some((i) => i.code === "truncated"));
});

Deno.test("scmi flags a LIST_PROTOCOLS reply without word padding (Qualcomm RFC) and non-zero padding", () => {
  const unpadded = dec(hdr(B, 6) + "00000000 02000000 1415", "response");
  deepEqual(unpadded.values.protocols, [0x14, 0x15]);
  ok(unpadded.issues.some((i) => i.code === "length-mismatch" && i.field === "scmi.base.protocols"));
  equal(unpadded.truncated, false);
  const dirty = dec(hdr(B, 6) + "00000000 02000000 14150100", "response");
  ok(dirty.issues.some((i) => i.code === "reserved-nonzero"));
  const short = dec(hdr(B, 6) + "00000000 05000000 1113", "response");
  ok(short.truncated);
});

Deno.test("scmi encodes hand-written messages with names and combined 64-bit values", () => {
  const b = scmi.encodeMessage(
    { name: "CLOCK_RATE_SET", fields: { "hdr.token": 5, clock_id: 3, rate: 200000000n } },
    { registry },
  );
  equal(toHex(b), hdr(CL, 5, 0, 5) + "00000000" + "03000000" + "00c2eb0b00000000");
  const r = scmi.encodeMessage(
    {
      name: "CLOCK_RATE_SET_COMPLETE",
      fields: { "hdr.token": 5, clock_id: 3, "scmi.clock.rate": "0x10bebc200" },
    },
    { registry },
  );
  equal(toHex(r), hdr(CL, 5, 2, 5) + "00000000" + "03000000" + "00c2eb0b01000000");
  const l = scmi.encodeMessage(
    {
      name: "BASE_DISCOVER_LIST_PROTOCOLS",
      kind: "response",
      fields: { protocols: ["CLOCK", "SENSOR", 0x13] },
    },
    { registry },
  );
  equal(toHex(l), hdr(B, 6) + "00000000" + "03000000" + "14151300");
  const e = scmi.encodeMessage(
    { name: "CLOCK_RATE_GET", kind: "response", fields: { status: "NOT_FOUND", rate: 5 } },
    { registry },
  );
  equal(toHex(e), hdr(CL, 6) + "fcffffff");
  const v = scmi.encodeMessage({
    name: "VENDOR_PROTOCOL_VERSION",
    fields: { "hdr.protocol_id": "VENDOR_0x82" },
  }, { registry });
  equal(toHex(v), hdr(0x82, 0));
  const n = scmi.encodeMessage({
    name: "SENSOR_UPDATE",
    fields: { sensor_id: 2, readings: [{ value: -5, timestamp: 7 }] },
  }, {
    registry,
  });
  equal(
    toHex(n),
    hdr(0x15, 1, 3) + "00000000 02000000 fbffffffffffffff 0700000000000000".replace(/\s+/g, ""),
  );
});

Deno.test("scmi keeps the payload of unknown ids, protocols and types", () => {
  const cases: [string, RegExp][] = [
    [hdr(CL, 0x33) + "aabbccdd", /^UNKNOWN\(proto=CLOCK,msg_id=0x33\)$/],
    [hdr(0x1a, 0x3) + "aabbccdd", /^UNKNOWN\(proto=0x1a,msg_id=0x03\)$/],
    [hdr(CL, 0x7, 3) + "aabbccdd", /^UNKNOWN\(NOTIFICATION,proto=CLOCK,msg_id=0x07\)$/],
    [hdr(CL, 0x6, 2) + "aabbccdd", /^UNKNOWN\(DELAYED_RESPONSE,proto=CLOCK,msg_id=0x06\)$/],
    [hdr(CL, 0x6, 1) + "aabbccdd", /^UNKNOWN\(RESERVED_TYPE,proto=CLOCK,msg_id=0x06\)$/],
  ];
  for (const [bytes, name] of cases) {
    const m = dec(bytes);
    match(m.name, name);
    deepEqual(m.values.payload, hx("aabbccdd"));
    ok(m.issues.some((i) => i.code === "unknown-message"));
    equal(toHex(reencode(m)), bytes);
  }
  const rsv = dec(toHex(new Uint8Array(new Uint32Array([0x10005406]).buffer)) + "0100000000000000");
  equal(rsv.name, "SENSOR_READING_GET");
  ok(rsv.issues.some((i) => i.code === "reserved-nonzero" && i.field === "scmi.hdr.reserved"));
});

Deno.test("scmi reports truncation at every byte and never throws", () => {
  const full: [string, MessageKind][] = [
    [hdr(CL, 5, 0, 5) + "00000000 03000000 00c2eb0b 00000000", "request"],
    [hdr(CL, 6, 0, 5) + "00000000 00c2eb0b 00000000", "response"],
    [hdr(B, 3) + "00000000" + name16("rust-vmm"), "response"],
    [hdr(B, 6) + "00000000 04000000 11131415", "response"],
    [hdr(CL, 4) + "00000000 02000100 00e1f505 00000000 00c2eb0b 00000000", "response"],
    [hdr(CL, 0, 3) + "00000000 03000000 00c2eb0b 00000000", "event"],
    [hdr(0x13, 4) + "00000000 01000000 e8030000 64000000 0a000000", "response"],
  ];
  for (const [bytes, kind] of full) {
    const b = hx(bytes);
    deepEqual(dec(b, kind).issues, []);
    for (let n = 0; n < b.length; n++) {
      const m = dec(b.subarray(0, n), kind);
      ok(m.truncated, `${bytes} prefix ${n}`);
      ok(m.issues.some((i) => i.code === "truncated"), `${bytes} prefix ${n}`);
      describe(m);
      hexDump(m);
      messageToJson(m);
    }
  }
});

Deno.test("scmi encode errors name the field", () => {
  throws(
    () => scmi.encodeMessage({ name: "CLOCK_RATE_SET", fields: { clock_id: 2 ** 32 } }, { registry }),
    (e: Error) => e instanceof RangeError && /"scmi\.clock\.clock_id"/.test(e.message),
  );
  throws(
    () => scmi.encodeMessage({ name: "CLOCK_RATE_SET", fields: { "hdr.token": 1024 } }, { registry }),
    (e: Error) => e instanceof RangeError && /"scmi\.hdr\.token"/.test(e.message),
  );
  throws(
    () => scmi.encodeMessage({ name: "CLOCK_RATE_SET", fields: { rate: -1 } }, { registry }),
    (e: Error) => e instanceof RangeError && /"scmi\.clock\.rate"/.test(e.message),
  );
  throws(
    () =>
      scmi.encodeMessage({ name: "BASE_DISCOVER_VENDOR", kind: "response", fields: { status: "BOGUS" } }, {
        registry,
      }),
    (e: Error) => e instanceof TypeError && /"scmi\.base\.status"/.test(e.message),
  );
  throws(
    () =>
      scmi.encodeMessage({
        name: "BASE_DISCOVER_LIST_PROTOCOLS",
        kind: "response",
        fields: { protocols: ["NOPE"] },
      }, {
        registry,
      }),
    (e: Error) => e instanceof RangeError && /"scmi\.base\.protocols"/.test(e.message),
  );
  throws(
    () =>
      scmi.encodeMessage({
        name: "BASE_DISCOVER_VENDOR",
        kind: "response",
        fields: { vendor_identifier: "x".repeat(17) },
      }, {
        registry,
      }),
    (e: Error) => e instanceof RangeError && /"scmi\.base\.vendor_identifier"/.test(e.message),
  );
  throws(
    () => scmi.encodeMessage({ name: "CLOCK_RATE_CHANGED", kind: "response" }, { registry }),
    /no response layout/,
  );
});

Deno.test("scmi pairs a response with its command by protocol, message and token", () => {
  const session = new DecodeSession(registry);
  const req = session.decode(
    makeRecord(hx(hdr(CL, 6, 0, 7) + "03000000"), { protocol: "scmi", kind: "request" }),
  )!;
  const other = session.decode(
    makeRecord(hx(hdr(CL, 6, 0, 8) + "04000000"), { protocol: "scmi", kind: "request" }),
  )!;
  const rsp = session.decode(
    makeRecord(hx(hdr(CL, 6, 0, 7) + "00000000 00c2eb0b 00000000"), { protocol: "scmi", kind: "response" }),
  )!;
  equal(rsp.name, "CLOCK_RATE_GET");
  equal(rsp.request, req);
  equal(rsp.request?.values.clock_id, 3);
  const rsp2 = session.decode(
    makeRecord(hx(hdr(CL, 6, 0, 8) + "fcffffff"), { protocol: "scmi", kind: "response" }),
  )!;
  equal(rsp2.request, other);
  equal(scmi.spec.pairKey!(req), scmi.spec.pairKey!(rsp));
  equal(scmi.spec.pairKey!(dec(hdr(CL, 0, 3) + "00000000 03000000 00c2eb0b 00000000")), undefined);
});

// ---------------------------------------------------------------------------------------------
// Property tests.

/** Makes generated inputs consistent: counts held in bit ranges follow their lists, mostly SUCCESS. */
function fixup(input: MessageInput, protocols: number[], ok: number): MessageInput {
  const fields: Record<string, unknown> = { ...input.fields };
  const body = scmi.body(input.name!)!;
  const layout = layoutFor(body, input.kind!) ?? [];
  const visit = (fs: readonly Field[], vals: Record<string, unknown>) => {
    for (const f of fs) {
      const count = f.kind === "array" ? f.count : f.kind === "group" ? f.count : undefined;
      if (count && typeof count === "object" && count.field.includes(".")) {
        const v = vals[f.name];
        vals[count.field] = Array.isArray(v) ? v.length : 0;
      }
    }
  };
  visit(layout, fields);
  if (layout.some((f) => f.name === "protocols")) fields["protocols"] = protocols;
  if (input.kind === "response" && ok < 8) fields["status"] = 0;
  return { ...input, fields };
}

Deno.test("scmi round-trips generated valid messages of every kind (fast-check)", () => {
  const header = fc.record({ "hdr.token": fc.integer({ min: 0, max: 1023 }) });
  const arb = fc.tuple(
    messageArb(scmi, "scmi", header),
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 9 }),
    fc.nat(9),
  )
    .map(([i, p, s]) => fixup(i, p, s));
  fc.assert(
    fc.property(arb, (input) => {
      const b1 = scmi.encodeMessage(input, { registry });
      const m = dec(b1, input.kind);
      assertFastAgrees(scmi, b1, { registry, recordKind: input.kind! });
      equal(m.name, input.name);
      equal(m.kind, input.kind);
      deepEqual(m.issues, [], `${input.name}: ${JSON.stringify(m.issues)}`);
      equal(m.values["hdr.token"], input.fields!["hdr.token"]);
      const j = messageToJson(m);
      const b2 = scmi.encodeMessage({ name: j.name, kind: m.kind, fields: j.fields }, { registry });
      deepEqual(b2, b1);
    }),
    { numRuns: 8000 },
  );
});

Deno.test("scmi survives 100,000 random and mutated inputs", () => {
  const valid = [...VECTORS.map((v) => hx(v[2])), ...TRACE.map(([f]) => hx(loadFixture(f).hex))];
  const mutated = fc.tuple(
    fc.constantFrom(...valid),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
    fc.nat(64),
  )
    .map(([b, flips, cut]) => {
      const c = new Uint8Array(Math.max(0, b.length - (cut % (b.length + 1)) + (cut % 5) * 4));
      c.set(b.subarray(0, Math.min(b.length, c.length)));
      for (const [i, v] of flips) if (c.length) c[i % c.length] = v;
      return c;
    });
  const header = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.uint8Array({ maxLength: 120 }))
    .map(([h, rest]) => {
      const c = new Uint8Array(4 + rest.length);
      new DataView(c.buffer).setUint32(0, h, true);
      c.set(rest, 4);
      return c;
    });
  const input = fc.oneof(fc.uint8Array({ maxLength: 100 }), mutated, header);
  fc.assert(
    fc.property(input, fc.constantFrom<MessageKind>("request", "response", "event", "unknown"), (b, kind) => {
      const m = dec(b, kind);
      ok(typeof m.name === "string");
      assertFastAgrees(scmi, b, { registry, recordKind: kind });
      messageToJson(m);
      describe(m);
    }),
    { numRuns: 100_000 },
  );
});
