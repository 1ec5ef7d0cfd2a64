/**
 * Arm SCMI (System Control and Management Interface) messages as carried by virtio-scmi and the
 * shared-memory transports: the 32-bit header, the status word of responses, and the payloads of
 * every standard protocol. Declared once; see ../../../docs/protocols/scmi.md.
 *
 * One header word `hdr` (message id, type, protocol id, token) selects the body together with the
 * message type: type 0 is a command or its synchronous response (which one comes from the capture
 * record's kind; unknown is read as a command), type 2 a delayed response, type 3 a notification
 * (notification ids are a separate space per protocol). Responses start with an int32 status; when
 * it is not SUCCESS only the status is decoded. Adjacent `_low`/`_high` 32-bit words are declared as
 * one little-endian u64 (`scmi.clock.rate`), which is the same bytes on the wire.
 *
 * Version-dependent layouts (CLOCK_ATTRIBUTES latency, CLOCK_CONFIG_SET v3, BASE_DISCOVER_AGENT v2,
 * SENSOR_READING_GET v2/v3, PERF_DESCRIBE_LEVELS v4, SYSTEM notifier timeout, ...) are told apart
 * by the payload length, as a captured message carries no protocol version.
 *
 * @module
 */
import { defineProtocol } from "../define_protocol.ts";
import { array, bytes, custom, i32, i64, reserved, str, u16, u32, u64, u8 } from "../fields.ts";
import type { BitSpec, BodySpec, DecodeContext, DecodeIssue, Field, Message, ValueMap } from "../types.ts";

/** Protocol ids (SCMI `scmi_std_protocol`; vendor ids 0x80–0xFF are `VENDOR_0x..`). */
export const SCMI_PROTOCOLS: Readonly<Record<number, string>> = (() => {
  const t: Record<number, string> = {
    0x10: "BASE",
    0x11: "POWER",
    0x12: "SYSTEM",
    0x13: "PERF",
    0x14: "CLOCK",
    0x15: "SENSOR",
    0x16: "RESET",
    0x17: "VOLTAGE",
    0x18: "POWERCAP",
    0x19: "PINCTRL",
    0x1b: "TELEMETRY",
  };
  for (let id = 0x80; id <= 0xff; id++) t[id] = `VENDOR_0x${id.toString(16)}`;
  return t;
})();

/** Status codes (int32, first word of every response and delayed response). */
export const SCMI_STATUS: Readonly<Record<number, string>> = {
  0: "SUCCESS",
  [-1]: "NOT_SUPPORTED",
  [-2]: "INVALID_PARAMETERS",
  [-3]: "DENIED",
  [-4]: "NOT_FOUND",
  [-5]: "OUT_OF_RANGE",
  [-6]: "BUSY",
  [-7]: "COMMS_ERROR",
  [-8]: "GENERIC_ERROR",
  [-9]: "HARDWARE_ERROR",
  [-10]: "PROTOCOL_ERROR",
  [-11]: "IN_USE",
  [-12]: "PARTIAL",
};

/** Header message types (bits 9:8). */
export const SCMI_MESSAGE_TYPES: Readonly<Record<number, string>> = {
  0: "COMMAND",
  1: "RESERVED",
  2: "DELAYED_RESPONSE",
  3: "NOTIFICATION",
};

/** Sensor unit/type codes (sensor attributes_high bits 7:0). */
export const SCMI_SENSOR_UNITS: Readonly<Record<number, string>> = (() => {
  const names = (
    "NONE UNSPEC TEMPERATURE_C TEMPERATURE_F TEMPERATURE_K VOLTAGE CURRENT POWER ENERGY CHARGE " +
    "VOLTAMPERE NITS LUMENS LUX CANDELAS KPA PSI NEWTON CFM RPM HERTZ SECS MINS HOURS DAYS WEEKS " +
    "MILS INCHES FEET CUBIC_INCHES CUBIC_FEET METERS CUBIC_CM CUBIC_METERS LITERS FLUID_OUNCES " +
    "RADIANS STERADIANS REVOLUTIONS CYCLES GRAVITIES OUNCES POUNDS FOOT_POUNDS OUNCE_INCHES GAUSS " +
    "GILBERTS HENRIES FARADS OHMS SIEMENS MOLES BECQUERELS PPM DECIBELS DBA DBC GRAYS SIEVERTS " +
    "COLOR_TEMP_K BITS BYTES WORDS DWORDS QWORDS PERCENTAGE PASCALS COUNTS GRAMS NEWTON_METERS HITS " +
    "MISSES RETRIES OVERRUNS UNDERRUNS COLLISIONS PACKETS MESSAGES CHARACTERS ERRORS CORRECTED_ERRS " +
    "UNCORRECTABLE_ERRS SQ_METERS RADIANS_SEC BEATS_MINUTE METERS_SEC_SQUARED METERS_SEC " +
    "CUBIC_METERS_MIN MM_MERCURY RADIANS_SEC_SQUARED"
  ).split(" ");
  const t: Record<number, string> = {};
  names.forEach((n, i) => (t[i] = n));
  t[0xff] = "OEM_UNIT";
  return t;
})();

/** Header field masks. */
const MSG_ID = 0xff;
const MSG_TYPE = 0x300;
const PROTOCOL_ID = 0x3fc00;
const TOKEN = 0xffc0000;

/** Decoded-only value: bytes after the header (set by `classify`), used to tell layout versions apart. */
const PLEN = "payload_length";

/** True when the response status is SUCCESS (or not given, when encoding). */
function statusOk(v: ValueMap): boolean {
  const s = v["status"];
  if (s === undefined) return true;
  if (typeof s === "number" || typeof s === "bigint") return Number(s) === 0;
  if (typeof s === "string") return s.trim() === "SUCCESS" || (s.trim() !== "" && Number(s) === 0);
  return false;
}

/** Adds a condition to a field (keeping its own). */
function withWhen(f: Field, pred: (v: ValueMap, ctx: DecodeContext) => boolean): Field {
  const own = f.when;
  return { ...f, when: own ? (v, c) => own(v, c) && pred(v, c) : pred };
}

/**
 * An optional trailing field of a later protocol version: decoded when the payload (bytes after the
 * header, status included) reaches `end` bytes; encoded when a value is given.
 */
function since(end: number, f: Field): Field {
  return withWhen(f, (v) => {
    const n = v[PLEN];
    return typeof n === "number" ? n >= end : v[f.name] !== undefined;
  });
}

const status = (): Field =>
  i32("status", { enum: SCMI_STATUS, summary: true, doc: "SCMI status (0 = SUCCESS)" });

/** A response layout: status, then the return values only when the status is SUCCESS. */
function rsp(...fields: Field[]): Field[] {
  return [status(), ...fields.map((f) => withWhen(f, statusOk))];
}

const version = (): Field =>
  u32("version", {
    hex: true,
    summary: true,
    doc: "protocol version: major in bits 31:16, minor in 15:0",
    bits: [
      { name: "major", mask: 0xffff0000, label: "major" },
      { name: "minor", mask: 0x0000ffff, label: "minor" },
    ],
  });

const notifyEnable = (): Field =>
  u32("notify_enable", {
    summary: "enable",
    bits: [{ name: "enable", mask: 1, label: "notify enable (bit 0)" }],
  });

const extendedName =
  (): Field[] => [u32("flags", { hex: true }), str("name", 64, { summary: true, doc: "extended name" })];

const idField = (name: string, label = "id"): Field => u32(name, { summary: label });

/** Returned/remaining counters of a multi-part reply. */
function countBits(returned: number, remaining: number, extra: BitSpec[] = []): BitSpec[] {
  return [
    { name: "returned", mask: returned, label: "returned in this reply" },
    ...extra,
    { name: "remaining", mask: remaining, label: "remaining after this reply" },
  ];
}

const fastchannelResponse = (): Field[] => [
  u32("attr", {
    hex: true,
    bits: [
      { name: "doorbell", mask: 0x1, label: "doorbell supported" },
      {
        name: "doorbell_width",
        mask: 0x6,
        enum: { 0: "8", 1: "16", 2: "32", 3: "64" },
        label: "doorbell width",
      },
    ],
  }),
  u32("rate_limit", { doc: "rate limit (us)" }),
  u64("chan_addr", { hex: true, summary: "addr", doc: "chan_addr_low/high" }),
  u32("chan_size", { summary: "size" }),
  u64("db_addr", { hex: true, doc: "db_addr_low/high" }),
  u64("db_set_mask", { hex: true, doc: "db_set_lmask/hmask" }),
  u64("db_preserve_mask", { hex: true, doc: "db_preserve_lmask/hmask" }),
];

/** One sensor reading (SCMI v3 per-axis form): value_low/high and timestamp_low/high. */
const reading = (): Field[] => [i64("value", { doc: "value_low/high (signed)" }), u64("timestamp")];

const readings = (): Field => ({
  kind: "group",
  name: "readings",
  fields: reading(),
  count: "rest",
  doc: "per-axis readings (SCMI v3): {value, timestamp}",
});

/** BASE_DISCOVER_LIST_PROTOCOLS: protocol ids as bytes, zero padded to a word boundary. */
const protocolList = custom({
  name: "protocols",
  type: "u8[] (protocol ids)",
  summary: true,
  doc: "implemented protocol ids, one byte each (first in the lowest byte), padded to 4 bytes",
  decode(view, offset, end, _ctx, values) {
    const n = Number(values["num_protocols"] ?? 0);
    const have = Math.min(n, Math.max(0, end - offset));
    const ids: number[] = [];
    for (let i = 0; i < have; i++) ids.push(view.getUint8(offset + i));
    const display = ids.length
      ? ids.map((id) => SCMI_PROTOCOLS[id] ?? `0x${id.toString(16)}`).join(",")
      : "(none)";
    const field = "scmi.base.protocols";
    if (have < n) {
      return {
        value: ids,
        end: offset + have,
        display,
        issues: [{
          code: "truncated",
          field,
          offset: offset + have,
          message: `${field}: ${n} protocol ids declared, ${have} present`,
        }],
      };
    }
    const padded = offset + Math.ceil(n / 4) * 4;
    const padEnd = Math.min(padded, end);
    const issues: DecodeIssue[] = [];
    if (padEnd < padded) {
      issues.push({
        code: "length-mismatch",
        field,
        offset: padEnd,
        message: `${field}: list not padded to a 4-byte boundary (Linux rejects this reply)`,
      });
    }
    for (let i = offset + n; i < padEnd; i++) {
      if (view.getUint8(i) !== 0) {
        issues.push({ code: "reserved-nonzero", field, offset: i, message: `${field}: padding is not zero` });
        break;
      }
    }
    return issues.length
      ? { value: ids, end: padEnd, display, issues }
      : { value: ids, end: padEnd, display };
  },
  encode(value) {
    const list = value === undefined ? [] : value;
    if (!Array.isArray(list)) {
      throw new TypeError(`Cannot encode field "scmi.base.protocols": expected an array of protocol ids`);
    }
    const out = new Uint8Array(Math.ceil(list.length / 4) * 4);
    (list as unknown[]).forEach((x, i) => {
      let id: number | undefined;
      if (typeof x === "number" || typeof x === "bigint") id = Number(x);
      else if (typeof x === "string") {
        const s = x.trim();
        id = /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : protocolByName(s);
      }
      if (id === undefined || !Number.isInteger(id) || id < 0 || id > 0xff) {
        throw new RangeError(
          `Cannot encode field "scmi.base.protocols": ${
            JSON.stringify(String(x))
          } is not a protocol id (0..255)`,
        );
      }
      out[i] = id;
    });
    return out;
  },
});

function protocolByName(name: string): number | undefined {
  for (const [k, v] of Object.entries(SCMI_PROTOCOLS)) if (v === name) return Number(k);
  return undefined;
}

// ------------------------------------------------------------------------------------------------
// Declaration helpers: one protocol = commands (+ delayed responses) + notifications.

interface Cmd {
  id: number;
  name: string;
  request?: Field[];
  /** Return values after the status (status-gated automatically). */
  response?: Field[];
  /** Delayed response (type 2, same message id): its name and fields after the status. */
  delayed?: { name: string; fields: Field[] };
  doc?: string;
}

interface Notif {
  id: number;
  name: string;
  fields: Field[];
  doc?: string;
}

interface ProtocolDecl {
  ids: number | number[];
  /** Message-name prefix of the common commands (`CLOCK` → `CLOCK_PROTOCOL_VERSION`). */
  short: string;
  prefix: string;
  /** PROTOCOL_ATTRIBUTES return values. */
  attributes: Field[];
  commands: Cmd[];
  notifications?: Notif[];
  /** PROTOCOL_MESSAGE_ATTRIBUTES has the FastChannel bit (perf, powercap). */
  fastchannel?: boolean;
}

const COMMANDS: Record<number, Readonly<Record<number, string>>> = {};
const NOTIFICATIONS: Record<number, Readonly<Record<number, string>>> = {};
/** Command names per protocol id (message_id → name), common commands included. */
export const SCMI_COMMANDS: Readonly<Record<number, Readonly<Record<number, string>>>> = COMMANDS;
/** Notification names per protocol id (notification id → name). */
export const SCMI_NOTIFICATIONS: Readonly<Record<number, Readonly<Record<number, string>>>> = NOTIFICATIONS;

function declare(p: ProtocolDecl): BodySpec[] {
  const names: Record<number, string> = {
    0x0: `${p.short}_PROTOCOL_VERSION`,
    0x1: `${p.short}_PROTOCOL_ATTRIBUTES`,
    0x2: `${p.short}_PROTOCOL_MESSAGE_ATTRIBUTES`,
    0x10: `${p.short}_NEGOTIATE_PROTOCOL_VERSION`,
  };
  for (const c of p.commands) names[c.id] = c.name;
  const notifs: Record<number, string> = {};
  for (const n of p.notifications ?? []) notifs[n.id] = n.name;
  for (const id of Array.isArray(p.ids) ? p.ids : [p.ids]) {
    COMMANDS[id] = names;
    NOTIFICATIONS[id] = notifs;
  }
  const common: Cmd[] = [
    { id: 0x0, name: names[0x0]!, request: [], response: [version()] },
    { id: 0x1, name: names[0x1]!, request: [], response: p.attributes },
    {
      id: 0x2,
      name: names[0x2]!,
      request: [u32("message_id", { enum: names, hex: true, summary: "msg" })],
      response: [
        u32("attributes", {
          hex: true,
          summary: true,
          ...(p.fastchannel
            ? { bits: [{ name: "fastchannel", mask: 1, label: "FastChannel available" }] }
            : {}),
        }),
      ],
    },
    {
      id: 0x10,
      name: names[0x10]!,
      request: [version()],
      response: [],
      doc: "sent by Linux only when the platform reports a newer version than it supports",
    },
  ];
  const bodies: BodySpec[] = [];
  for (const c of [...common, ...p.commands]) {
    bodies.push({
      name: c.name,
      select: { "hdr.type": 0, "hdr.protocol_id": p.ids, "hdr.msg_id": c.id },
      prefix: p.prefix,
      request: c.request ?? [],
      response: rsp(...(c.response ?? [])),
      ...(c.doc ? { doc: c.doc } : {}),
    });
    if (c.delayed) {
      bodies.push({
        name: c.delayed.name,
        select: { "hdr.type": 2, "hdr.protocol_id": p.ids, "hdr.msg_id": c.id },
        prefix: p.prefix,
        response: rsp(...c.delayed.fields),
        doc: `delayed response of ${c.name}`,
      });
    }
  }
  for (const n of p.notifications ?? []) {
    bodies.push({
      name: n.name,
      select: { "hdr.type": 3, "hdr.protocol_id": p.ids, "hdr.msg_id": n.id },
      prefix: p.prefix,
      event: n.fields,
      ...(n.doc ? { doc: n.doc } : {}),
    });
  }
  return bodies;
}

// ------------------------------------------------------------------------------------------------
// 0x10 Base

const BASE = declare({
  ids: 0x10,
  short: "BASE",
  prefix: "base",
  attributes: [
    u8("num_protocols", { summary: "protocols", doc: "protocols implemented, Base excluded (bits 7:0)" }),
    u8("num_agents", { summary: "agents", doc: "number of agents (bits 15:8)" }),
    reserved("reserved", "u16"),
  ],
  commands: [
    {
      id: 0x3,
      name: "BASE_DISCOVER_VENDOR",
      request: [],
      response: [str("vendor_identifier", 16, { summary: "vendor" })],
    },
    {
      id: 0x4,
      name: "BASE_DISCOVER_SUB_VENDOR",
      request: [],
      response: [str("sub_vendor_identifier", 16, { summary: "sub_vendor" })],
    },
    {
      id: 0x5,
      name: "BASE_DISCOVER_IMPLEMENTATION_VERSION",
      request: [],
      response: [u32("implementation_version", { hex: true, summary: "impl" })],
    },
    {
      id: 0x6,
      name: "BASE_DISCOVER_LIST_PROTOCOLS",
      request: [u32("skip", { summary: true, doc: "protocols already received" })],
      response: [
        u32("num_protocols", { summary: "n", auto: { countOf: "protocols" }, doc: "ids in this reply" }),
        protocolList,
      ],
    },
    {
      id: 0x7,
      name: "BASE_DISCOVER_AGENT",
      request: [
        u32("agent_id", { summary: "agent", enum: { 0xffffffff: "CALLING_AGENT" }, doc: "0 = platform" }),
      ],
      response: [
        since(24, u32("agent_id", { summary: "agent", doc: "Base v2 (absent in v1 replies)" })),
        str("name", 16, { summary: true }),
      ],
      doc: "v1 replies carry only the name; v2 prepends agent_id (told apart by length)",
    },
    { id: 0x8, name: "BASE_NOTIFY_ERRORS", request: [notifyEnable()] },
    {
      id: 0x9,
      name: "BASE_SET_DEVICE_PERMISSIONS",
      request: [
        idField("agent_id", "agent"),
        idField("device_id", "device"),
        u32("flags", { hex: true, bits: [{ name: "allow", mask: 1 }] }),
      ],
    },
    {
      id: 0xa,
      name: "BASE_SET_PROTOCOL_PERMISSIONS",
      request: [
        idField("agent_id", "agent"),
        idField("device_id", "device"),
        u32("protocol_id", { hex: true, enum: SCMI_PROTOCOLS, summary: "protocol" }),
        u32("flags", { hex: true, bits: [{ name: "allow", mask: 1 }] }),
      ],
    },
    {
      id: 0xb,
      name: "BASE_RESET_AGENT_CONFIGURATION",
      request: [
        idField("agent_id", "agent"),
        u32("flags", { hex: true, bits: [{ name: "reset_permissions", mask: 1 }] }),
      ],
    },
  ],
  notifications: [{
    id: 0x0,
    name: "BASE_ERROR_EVENT",
    fields: [
      idField("agent_id", "agent"),
      u32("error_status", {
        hex: true,
        summary: "error",
        bits: [
          { name: "count", mask: 0x3ff, label: "number of message reports" },
          { name: "fatal", mask: 0x80000000, label: "fatal error" },
        ],
      }),
      array("reports", "u64", { field: "error_status.count" }, {
        hex: true,
        doc: "message reports (u64 each)",
      }),
    ],
  }],
});

// 0x11 Power domain management

const powerState = (): Field =>
  u32("power_state", {
    hex: true,
    summary: "state",
    doc: "bit 30 type (0 on/context preserved, 1 off/context lost), bits 27:0 state id",
    bits: [
      { name: "type", mask: 0x40000000, enum: { 0: "ON", 1: "OFF" }, label: "state type" },
      { name: "state_id", mask: 0x0fffffff, hex: true, label: "state id" },
    ],
  });

const POWER = declare({
  ids: 0x11,
  short: "POWER",
  prefix: "power",
  attributes: [
    u16("num_domains", { summary: "domains" }),
    reserved("reserved", "u16"),
    u64("stats_addr", { hex: true, doc: "stats_addr_low/high" }),
    u32("stats_size"),
  ],
  commands: [
    {
      id: 0x3,
      name: "POWER_DOMAIN_ATTRIBUTES",
      request: [idField("domain_id", "domain")],
      response: [
        u32("attributes", {
          hex: true,
          flags: {
            state_change_notify: 1 << 31 >>> 0,
            async: 1 << 30,
            sync: 1 << 29,
            extended_name: 1 << 27,
          },
        }),
        str("name", 16, { summary: true }),
      ],
    },
    {
      id: 0x4,
      name: "POWER_STATE_SET",
      request: [
        u32("flags", { hex: true, bits: [{ name: "async", mask: 1 }] }),
        idField("domain_id", "domain"),
        powerState(),
      ],
      delayed: { name: "POWER_STATE_SET_COMPLETE", fields: [idField("domain_id", "domain"), powerState()] },
    },
    { id: 0x5, name: "POWER_STATE_GET", request: [idField("domain_id", "domain")], response: [powerState()] },
    { id: 0x6, name: "POWER_STATE_NOTIFY", request: [idField("domain_id", "domain"), notifyEnable()] },
    {
      id: 0x7,
      name: "POWER_STATE_CHANGE_REQUESTED_NOTIFY",
      request: [idField("domain_id", "domain"), notifyEnable()],
    },
    {
      id: 0x8,
      name: "POWER_DOMAIN_NAME_GET",
      request: [idField("domain_id", "domain")],
      response: extendedName(),
    },
  ],
  notifications: [
    {
      id: 0x0,
      name: "POWER_STATE_CHANGED",
      fields: [idField("agent_id", "agent"), idField("domain_id", "domain"), powerState()],
    },
    {
      id: 0x1,
      name: "POWER_STATE_CHANGE_REQUESTED",
      fields: [idField("agent_id", "agent"), idField("domain_id", "domain"), powerState()],
    },
  ],
});

// 0x12 System power management

const SYSTEM_STATES = {
  0: "SHUTDOWN",
  1: "COLD_RESET",
  2: "WARM_RESET",
  3: "POWER_UP",
  4: "SUSPEND",
} as const;

const SYSTEM = declare({
  ids: 0x12,
  short: "SYSTEM",
  prefix: "system",
  attributes: [u32("attributes", { hex: true, summary: true })],
  commands: [
    {
      id: 0x3,
      name: "SYSTEM_POWER_STATE_SET",
      request: [
        u32("flags", { hex: true, bits: [{ name: "graceful", mask: 1 }] }),
        u32("system_state", { enum: SYSTEM_STATES, summary: "state" }),
      ],
    },
    {
      id: 0x4,
      name: "SYSTEM_POWER_STATE_GET",
      request: [],
      response: [u32("system_state", { enum: SYSTEM_STATES, summary: "state" })],
    },
    { id: 0x5, name: "SYSTEM_POWER_STATE_NOTIFY", request: [notifyEnable()] },
  ],
  notifications: [{
    id: 0x0,
    name: "SYSTEM_POWER_STATE_NOTIFIER",
    fields: [
      idField("agent_id", "agent"),
      u32("flags", { hex: true, bits: [{ name: "graceful", mask: 1 }] }),
      u32("system_state", { enum: SYSTEM_STATES, summary: "state" }),
      since(16, u32("timeout", { summary: true, doc: "v2 only (absent in v1 notifications)" })),
    ],
  }],
});

// 0x13 Performance domain management

const perfOpp = (): Field[] => [
  u32("perf_level"),
  u32("power"),
  u16("transition_latency_us"),
  reserved("reserved", "u16"),
];

/** PERF_DESCRIBE_LEVELS entries are 20 bytes (v4: + indicative_freq, level_index) instead of 12. */
function perfV4(v: ValueMap): boolean {
  const len = v[PLEN];
  const n = Number(v["num_returned"] ?? 0);
  if (typeof len === "number") return n > 0 && len - 8 >= 20 * n;
  const list = v["levels"];
  return Array.isArray(list) &&
    list.some((x) => typeof x === "object" && x !== null && "indicative_freq" in x);
}

const PERF = declare({
  ids: 0x13,
  short: "PERF",
  prefix: "perf",
  fastchannel: true,
  attributes: [
    u16("num_domains", { summary: "domains" }),
    u16("flags", { hex: true, flags: { power_mw: 1, power_uw: 2 } }),
    u64("stats_addr", { hex: true, doc: "stats_addr_low/high" }),
    u32("stats_size"),
  ],
  commands: [
    {
      id: 0x3,
      name: "PERF_DOMAIN_ATTRIBUTES",
      request: [idField("domain_id", "domain")],
      response: [
        u32("flags", {
          hex: true,
          flags: {
            set_limits: 1 << 31 >>> 0,
            set_level: 1 << 30,
            limits_notify: 1 << 29,
            level_notify: 1 << 28,
            fastchannels: 1 << 27,
            extended_name: 1 << 26,
            level_indexing: 1 << 25,
          },
        }),
        u32("rate_limit", { bits: [{ name: "rate_limit_us", mask: 0xfffff }] }),
        u32("sustained_freq_khz", { summary: "khz" }),
        u32("sustained_perf_level", { summary: "level" }),
        str("name", 16, { summary: true }),
      ],
    },
    {
      id: 0x4,
      name: "PERF_DESCRIBE_LEVELS",
      request: [idField("domain_id", "domain"), u32("level_index", { summary: "index" })],
      response: [
        u16("num_returned", { summary: "returned", auto: { countOf: "levels" } }),
        u16("num_remaining", { summary: "remaining" }),
        withWhen(
          { kind: "group", name: "levels", fields: perfOpp(), count: { field: "num_returned" } },
          (v) => !perfV4(v),
        ),
        withWhen(
          {
            kind: "group",
            name: "levels",
            fields: [...perfOpp(), u32("indicative_freq"), u32("level_index")],
            count: { field: "num_returned" },
            doc: "v4 entries add indicative_freq and level_index",
          },
          perfV4,
        ),
      ],
    },
    {
      id: 0x5,
      name: "PERF_LIMITS_SET",
      request: [
        idField("domain_id", "domain"),
        u32("range_max", { summary: "max" }),
        u32("range_min", { summary: "min" }),
      ],
    },
    {
      id: 0x6,
      name: "PERF_LIMITS_GET",
      request: [idField("domain_id", "domain")],
      response: [u32("range_max", { summary: "max" }), u32("range_min", { summary: "min" })],
    },
    {
      id: 0x7,
      name: "PERF_LEVEL_SET",
      request: [idField("domain_id", "domain"), u32("performance_level", { summary: "level" })],
    },
    {
      id: 0x8,
      name: "PERF_LEVEL_GET",
      request: [idField("domain_id", "domain")],
      response: [u32("performance_level", { summary: "level" })],
    },
    { id: 0x9, name: "PERF_NOTIFY_LIMITS", request: [idField("domain_id", "domain"), notifyEnable()] },
    { id: 0xa, name: "PERF_NOTIFY_LEVEL", request: [idField("domain_id", "domain"), notifyEnable()] },
    {
      id: 0xb,
      name: "PERF_DESCRIBE_FASTCHANNEL",
      request: [idField("domain_id", "domain"), u32("message_id", { hex: true, summary: "msg" })],
      response: fastchannelResponse(),
    },
    {
      id: 0xc,
      name: "PERF_DOMAIN_NAME_GET",
      request: [idField("domain_id", "domain")],
      response: extendedName(),
    },
  ],
  notifications: [
    {
      id: 0x0,
      name: "PERFORMANCE_LIMITS_CHANGED",
      fields: [
        idField("agent_id", "agent"),
        idField("domain_id", "domain"),
        u32("range_max", { summary: "max" }),
        u32("range_min", { summary: "min" }),
      ],
    },
    {
      id: 0x1,
      name: "PERFORMANCE_LEVEL_CHANGED",
      fields: [
        idField("agent_id", "agent"),
        idField("domain_id", "domain"),
        u32("performance_level", { summary: "level" }),
      ],
    },
  ],
});

// 0x14 Clock management

const rate = (): Field => u64("rate", { summary: true, doc: "rate in Hz (rate_low/rate_high)" });

const CLOCK = declare({
  ids: 0x14,
  short: "CLOCK",
  prefix: "clock",
  attributes: [
    u16("num_clocks", { summary: "clocks" }),
    u8("max_async_req", { summary: "max_async", doc: "max pending async CLOCK_RATE_SET" }),
    reserved("reserved", "u8"),
  ],
  commands: [
    {
      id: 0x3,
      name: "CLOCK_ATTRIBUTES",
      request: [idField("clock_id")],
      response: [
        u32("attributes", {
          hex: true,
          flags: {
            enabled: 1 << 0,
            get_permissions: 1 << 1,
            extended_config: 1 << 27,
            parent_clock: 1 << 28,
            extended_name: 1 << 29,
            rate_change_requested_notify: 1 << 30,
            rate_changed_notify: 1 << 31 >>> 0,
          },
        }),
        str("name", 16, { summary: true }),
        since(28, u32("clock_enable_latency", { doc: "us; v2+ (absent in v1 replies)" })),
      ],
    },
    {
      id: 0x4,
      name: "CLOCK_DESCRIBE_RATES",
      request: [idField("clock_id"), u32("rate_index", { summary: "index" })],
      response: [
        u32("num_rates_flags", {
          hex: true,
          bits: countBits(0xfff, 0xffff0000, [
            { name: "format", mask: 0x1000, enum: { 0: "DISCRETE", 1: "RANGE" }, label: "rate format" },
          ]),
        }),
        array("rates", "u64", { field: "num_rates_flags.returned" }, {
          doc: "discrete rates in Hz, or the triplet min,max,step when format = RANGE",
        }),
      ],
    },
    {
      id: 0x5,
      name: "CLOCK_RATE_SET",
      request: [
        u32("flags", {
          hex: true,
          bits: [
            { name: "async", mask: 0x1 },
            { name: "ignore_delayed_response", mask: 0x2 },
            { name: "round_up", mask: 0x4 },
            { name: "round_auto", mask: 0x8 },
          ],
        }),
        idField("clock_id"),
        rate(),
      ],
      delayed: { name: "CLOCK_RATE_SET_COMPLETE", fields: [idField("clock_id"), rate()] },
    },
    { id: 0x6, name: "CLOCK_RATE_GET", request: [idField("clock_id")], response: [rate()] },
    {
      id: 0x7,
      name: "CLOCK_CONFIG_SET",
      request: [
        idField("clock_id"),
        u32("attributes", {
          hex: true,
          bits: [
            {
              name: "state",
              mask: 0x3,
              enum: { 0: "DISABLE", 1: "ENABLE", 2: "RESERVED", 3: "KEEP" },
              label: "state (v1/v2: bit 0 enable)",
            },
            { name: "oem_config_type", mask: 0xff0000, label: "OEM config type (v3)" },
          ],
        }),
        since(12, u32("oem_config_val", { hex: true, doc: "v3 only (8-byte v1/v2 requests lack it)" })),
      ],
    },
    { id: 0x8, name: "CLOCK_NAME_GET", request: [idField("clock_id")], response: extendedName() },
    { id: 0x9, name: "CLOCK_RATE_NOTIFY", request: [idField("clock_id"), notifyEnable()] },
    { id: 0xa, name: "CLOCK_RATE_CHANGE_REQUESTED_NOTIFY", request: [idField("clock_id"), notifyEnable()] },
    {
      id: 0xb,
      name: "CLOCK_CONFIG_GET",
      request: [
        idField("clock_id"),
        u32("flags", { hex: true, bits: [{ name: "oem_config_type", mask: 0xff }] }),
      ],
      response: [
        u32("attributes", { hex: true }),
        u32("config", { hex: true, bits: [{ name: "enabled", mask: 1 }] }),
        u32("oem_config_val", { hex: true }),
      ],
    },
    {
      id: 0xc,
      name: "CLOCK_POSSIBLE_PARENTS_GET",
      request: [idField("clock_id"), u32("skip_parents", { summary: "skip" })],
      response: [
        u32("num_parent_flags", { hex: true, bits: countBits(0xff, 0xff000000) }),
        array("parents", "u32", { field: "num_parent_flags.returned" }, { summary: true }),
      ],
    },
    {
      id: 0xd,
      name: "CLOCK_PARENT_SET",
      request: [idField("clock_id"), u32("parent_id", { summary: "parent" })],
    },
    {
      id: 0xe,
      name: "CLOCK_PARENT_GET",
      request: [idField("clock_id")],
      response: [u32("parent_id", { summary: "parent" })],
    },
    {
      id: 0xf,
      name: "CLOCK_GET_PERMISSIONS",
      request: [idField("clock_id")],
      response: [
        u32("permissions", {
          hex: true,
          summary: true,
          flags: { state_control: 1 << 31 >>> 0, parent_control: 1 << 30, rate_control: 1 << 29 },
        }),
      ],
    },
  ],
  notifications: [
    {
      id: 0x0,
      name: "CLOCK_RATE_CHANGED",
      fields: [idField("agent_id", "agent"), idField("clock_id"), rate()],
    },
    {
      id: 0x1,
      name: "CLOCK_RATE_CHANGE_REQUESTED",
      fields: [idField("agent_id", "agent"), idField("clock_id"), rate()],
    },
  ],
});

// 0x15 Sensor management

const sensorAttrLow = (): Field =>
  u32("attributes_low", {
    hex: true,
    bits: [
      { name: "num_trip_points", mask: 0xff, label: "number of trip points" },
      { name: "extended_attrs", mask: 0x100, label: "extended attributes present" },
      { name: "timestamp", mask: 0x200, label: "timestamp supported" },
      { name: "timestamp_exp", mask: 0x7c00, label: "timestamp exponent (5-bit signed)" },
      { name: "continuous_update_notify", mask: 0x40000000 },
      { name: "async_read", mask: 0x80000000 },
    ],
  });

const sensorAttrHigh = (): Field =>
  u32("attributes_high", {
    hex: true,
    bits: [
      { name: "unit", mask: 0xff, enum: SCMI_SENSOR_UNITS, label: "sensor type/unit" },
      { name: "has_axes", mask: 0x100, label: "multi-axis" },
      { name: "scale", mask: 0xf800, label: "scale (5-bit signed power of ten)" },
      { name: "axis_count", mask: 0x3f0000, label: "number of axes" },
      { name: "update_scale", mask: 0x7c00000, label: "update interval scale (v2)" },
      { name: "update_base", mask: 0xf8000000, label: "update interval base (v2)" },
    ],
  });

const bit = (v: ValueMap, name: string, mask: number) => (Number(v[name] ?? 0) & mask) !== 0;
const extAttrs = (v: ValueMap) => bit(v, "attributes_low", 0x100);
const scalar = (v: ValueMap) =>
  !bit(v, "attributes_high", 0x100) || (Number(v["attributes_high"] ?? 0) & 0x3f0000) === 0;

const rangeFields = (): Field[] => [
  u32("resolution", {
    hex: true,
    bits: [{ name: "value", mask: 0x7ffffff }, { name: "exponent", mask: 0xf8000000 }],
  }),
  i64("min_range", { doc: "min_range_low/high" }),
  i64("max_range", { doc: "max_range_low/high" }),
];

const sensorDescriptor = (): Field[] => [
  u32("id"),
  sensorAttrLow(),
  sensorAttrHigh(),
  str("name", 16),
  withWhen(u32("power", { doc: "extended attributes only" }), extAttrs),
  ...rangeFields().map((f) => withWhen(f, (v) => extAttrs(v) && scalar(v))),
];

const axisDescriptor = (): Field[] => [
  u32("id"),
  u32("attributes_low", {
    hex: true,
    bits: [{ name: "extended_attrs", mask: 0x100 }, { name: "extended_name", mask: 0x200 }],
  }),
  u32("attributes_high", {
    hex: true,
    bits: [{ name: "unit", mask: 0xff, enum: SCMI_SENSOR_UNITS }, { name: "scale", mask: 0xf800 }],
  }),
  str("name", 16),
  ...rangeFields().map((f) => withWhen(f, extAttrs)),
];

const sensorConfig = (): Field =>
  u32("sensor_config", {
    hex: true,
    summary: "config",
    bits: [
      { name: "enabled", mask: 0x1 },
      { name: "timestamp", mask: 0x2 },
      { name: "round", mask: 0x600, label: "rounding (bits 10:9)" },
      { name: "update_exp", mask: 0xf800, label: "update interval exponent (5-bit signed)" },
      { name: "update_secs", mask: 0xffff0000, label: "update interval seconds" },
    ],
  });

/** SENSOR_READING_GET replies: v1/v2 carry one 64-bit value (8 bytes), v3 per-axis {value, timestamp}. */
const v2Reading = (at: number) => (v: ValueMap) => {
  const len = v[PLEN];
  return typeof len === "number" ? len === at : v["value"] !== undefined;
};

const SENSOR = declare({
  ids: 0x15,
  short: "SENSOR",
  prefix: "sensor",
  attributes: [
    u16("num_sensors", { summary: "sensors" }),
    u8("max_pending_async", { summary: "max_async" }),
    reserved("reserved", "u8"),
    u64("sensor_reg_addr", { hex: true, doc: "sensor_reg_addr_low/high" }),
    u32("sensor_reg_len"),
  ],
  commands: [
    {
      id: 0x3,
      name: "SENSOR_DESCRIPTION_GET",
      request: [u32("desc_index", { summary: "index" })],
      response: [
        u16("num_returned", { summary: "returned", auto: { countOf: "descriptors" } }),
        u16("num_remaining", { summary: "remaining" }),
        { kind: "group", name: "descriptors", fields: sensorDescriptor(), count: { field: "num_returned" } },
      ],
    },
    {
      id: 0x4,
      name: "SENSOR_TRIP_POINT_NOTIFY",
      request: [
        idField("sensor_id", "sensor"),
        u32("event_control", { hex: true, bits: [{ name: "notify_all", mask: 1 }] }),
      ],
    },
    {
      id: 0x5,
      name: "SENSOR_TRIP_POINT_CONFIG",
      request: [
        idField("sensor_id", "sensor"),
        u32("trip_point_ev_ctrl", {
          hex: true,
          bits: [
            {
              name: "direction",
              mask: 0x3,
              enum: { 0: "DISABLED", 1: "POSITIVE", 2: "NEGATIVE", 3: "BOTH" },
            },
            { name: "trip_id", mask: 0xff0 },
          ],
        }),
        i64("value", { summary: true, doc: "value_low/high" }),
      ],
    },
    {
      id: 0x6,
      name: "SENSOR_READING_GET",
      request: [
        idField("sensor_id", "sensor"),
        u32("flags", { hex: true, bits: [{ name: "async", mask: 1 }] }),
      ],
      response: [
        withWhen(i64("value", { summary: true, doc: "v1/v2 reading (value_low/high)" }), v2Reading(12)),
        withWhen(readings(), (v) => !v2Reading(12)(v)),
      ],
      delayed: {
        name: "SENSOR_READING_COMPLETE",
        fields: [
          idField("sensor_id", "sensor"),
          withWhen(i64("value", { summary: true, doc: "v1/v2 reading (value_low/high)" }), v2Reading(16)),
          withWhen(readings(), (v) => !v2Reading(16)(v)),
        ],
      },
      doc: "sync reply: one 64-bit value (v1/v2, 8 bytes) or per-axis readings (v3); async: status only",
    },
    {
      id: 0x7,
      name: "SENSOR_AXIS_DESCRIPTION_GET",
      request: [idField("sensor_id", "sensor"), u32("axis_desc_index", { summary: "index" })],
      response: [
        u32("num_axis_flags", { hex: true, bits: countBits(0x3f, 0xfc000000) }),
        {
          kind: "group",
          name: "axes",
          fields: axisDescriptor(),
          count: { field: "num_axis_flags.returned" },
        },
      ],
    },
    {
      id: 0x8,
      name: "SENSOR_LIST_UPDATE_INTERVALS",
      request: [idField("sensor_id", "sensor"), u32("index", { summary: true })],
      response: [
        u32("num_intervals_flags", {
          hex: true,
          bits: countBits(0xfff, 0xffff0000, [{
            name: "segmented",
            mask: 0x1000,
            label: "triplet min,max,step",
          }]),
        }),
        array("intervals", "u32", { field: "num_intervals_flags.returned" }, { hex: true }),
      ],
    },
    {
      id: 0x9,
      name: "SENSOR_CONFIG_GET",
      request: [idField("sensor_id", "sensor")],
      response: [sensorConfig()],
    },
    { id: 0xa, name: "SENSOR_CONFIG_SET", request: [idField("sensor_id", "sensor"), sensorConfig()] },
    {
      id: 0xb,
      name: "SENSOR_CONTINUOUS_UPDATE_NOTIFY",
      request: [idField("sensor_id", "sensor"), notifyEnable()],
    },
    { id: 0xc, name: "SENSOR_NAME_GET", request: [idField("sensor_id", "sensor")], response: extendedName() },
    {
      id: 0xd,
      name: "SENSOR_AXIS_NAME_GET",
      request: [idField("sensor_id", "sensor"), u32("axis_name_index", { summary: "index" })],
      response: [
        u32("num_axis_flags", { hex: true, bits: countBits(0x3f, 0xfc000000) }),
        {
          kind: "group",
          name: "axis_names",
          fields: [u32("axis_id"), str("name", 64)],
          count: { field: "num_axis_flags.returned" },
        },
      ],
      doc: "layout as Linux sensors.c reads it (not verified against the spec)",
    },
  ],
  notifications: [
    {
      id: 0x0,
      name: "SENSOR_TRIP_POINT_EVENT",
      fields: [
        idField("agent_id", "agent"),
        idField("sensor_id", "sensor"),
        u32("trip_point_desc", { hex: true, summary: "desc" }),
      ],
    },
    {
      id: 0x1,
      name: "SENSOR_UPDATE",
      fields: [idField("agent_id", "agent"), idField("sensor_id", "sensor"), readings()],
    },
  ],
});

// 0x16 Reset domain management

const RESET = declare({
  ids: 0x16,
  short: "RESET",
  prefix: "reset",
  attributes: [u32("attributes", { hex: true, bits: [{ name: "num_domains", mask: 0xffff }] })],
  commands: [
    {
      id: 0x3,
      name: "RESET_DOMAIN_ATTRIBUTES",
      request: [idField("domain_id", "domain")],
      response: [
        u32("attributes", {
          hex: true,
          flags: { async: 1 << 31 >>> 0, notify: 1 << 30, extended_name: 1 << 29 },
        }),
        u32("latency_us", { enum: { 0xffffffff: "UNKNOWN" }, summary: "latency" }),
        str("name", 16, { summary: true }),
      ],
    },
    {
      id: 0x4,
      name: "RESET",
      request: [
        idField("domain_id", "domain"),
        u32("flags", {
          hex: true,
          summary: true,
          flags: { autonomous: 1 << 0, explicit_assert: 1 << 1, async: 1 << 2 },
        }),
        u32("reset_state", { hex: true, enum: { 0: "ARCH_COLD_RESET" }, summary: "state" }),
      ],
      delayed: { name: "RESET_COMPLETE", fields: [idField("domain_id", "domain")] },
    },
    { id: 0x5, name: "RESET_NOTIFY", request: [idField("domain_id", "domain"), notifyEnable()] },
    {
      id: 0x6,
      name: "RESET_DOMAIN_NAME_GET",
      request: [idField("domain_id", "domain")],
      response: extendedName(),
    },
  ],
  notifications: [{
    id: 0x0,
    name: "RESET_ISSUED",
    fields: [
      idField("agent_id", "agent"),
      idField("domain_id", "domain"),
      u32("reset_state", { hex: true, enum: { 0: "ARCH_COLD_RESET" }, summary: "state" }),
    ],
  }],
});

// 0x17 Voltage domain management

const voltageLevel = (): Field => i32("voltage_level", { summary: "uV", doc: "microvolts (signed)" });

const VOLTAGE = declare({
  ids: 0x17,
  short: "VOLTAGE",
  prefix: "voltage",
  attributes: [u32("attributes", { hex: true, bits: [{ name: "num_domains", mask: 0xffff }] })],
  commands: [
    {
      id: 0x3,
      name: "VOLTAGE_DOMAIN_ATTRIBUTES",
      request: [idField("domain_id", "domain")],
      response: [
        u32("attributes", { hex: true, flags: { async_level_set: 1 << 31 >>> 0, extended_name: 1 << 30 } }),
        str("name", 16, { summary: true }),
      ],
    },
    {
      id: 0x4,
      name: "VOLTAGE_DESCRIBE_LEVELS",
      request: [idField("domain_id", "domain"), u32("level_index", { summary: "index" })],
      response: [
        u32("flags", {
          hex: true,
          bits: countBits(0xfff, 0xffff0000, [{
            name: "segmented",
            mask: 0x1000,
            label: "triplet min,max,step",
          }]),
        }),
        array("levels", "i32", { field: "flags.returned" }, { doc: "levels in microvolts" }),
      ],
    },
    {
      id: 0x5,
      name: "VOLTAGE_CONFIG_SET",
      request: [
        idField("domain_id", "domain"),
        u32("config", {
          hex: true,
          summary: true,
          bits: [{ name: "mode", mask: 0xf, enum: { 0: "ARCH_OFF", 7: "ARCH_ON" } }],
        }),
      ],
    },
    {
      id: 0x6,
      name: "VOLTAGE_CONFIG_GET",
      request: [idField("domain_id", "domain")],
      response: [
        u32("config", {
          hex: true,
          summary: true,
          bits: [{ name: "mode", mask: 0xf, enum: { 0: "ARCH_OFF", 7: "ARCH_ON" } }],
        }),
      ],
    },
    {
      id: 0x7,
      name: "VOLTAGE_LEVEL_SET",
      request: [
        idField("domain_id", "domain"),
        u32("flags", { hex: true, bits: [{ name: "async", mask: 1 }] }),
        voltageLevel(),
      ],
      delayed: {
        name: "VOLTAGE_LEVEL_SET_COMPLETE",
        fields: [idField("domain_id", "domain"), voltageLevel()],
      },
    },
    {
      id: 0x8,
      name: "VOLTAGE_LEVEL_GET",
      request: [idField("domain_id", "domain")],
      response: [voltageLevel()],
    },
    {
      id: 0x9,
      name: "VOLTAGE_DOMAIN_NAME_GET",
      request: [idField("domain_id", "domain")],
      response: extendedName(),
    },
  ],
});

// 0x18 Power capping and monitoring

const opaque = (name: string): Field => bytes(name, "rest", { doc: "layout not covered (SCMI v3.x)" });

const POWERCAP = declare({
  ids: 0x18,
  short: "POWERCAP",
  prefix: "powercap",
  fastchannel: true,
  attributes: [u32("attributes", { hex: true, bits: [{ name: "num_domains", mask: 0xffff }] })],
  commands: [
    {
      id: 0x3,
      name: "POWERCAP_DOMAIN_ATTRIBUTES",
      request: [idField("domain_id", "domain")],
      response: [
        u32("attributes", {
          hex: true,
          flags: {
            cap_change_notify: 1 << 31 >>> 0,
            measurements_notify: 1 << 30,
            async_cap_set: 1 << 29,
            extended_name: 1 << 28,
            cap_config: 1 << 27,
            monitoring: 1 << 26,
            pai_config: 1 << 25,
            fastchannels: 1 << 22,
          },
          bits: [{ name: "power_unit", mask: 0x1800000, enum: { 0: "ABSTRACT", 1: "UW", 2: "MW" } }],
        }),
        str("name", 16, { summary: true }),
        u32("min_pai"),
        u32("max_pai"),
        u32("pai_step"),
        u32("min_power_cap"),
        u32("max_power_cap"),
        u32("power_cap_step"),
        u32("sustainable_power"),
        u32("accuracy"),
        u32("parent_id", { enum: { 0xffffffff: "ROOT" } }),
      ],
    },
    {
      id: 0x4,
      name: "POWERCAP_CAP_GET",
      request: [idField("domain_id", "domain")],
      response: [u32("power_cap", { summary: "cap" })],
    },
    {
      id: 0x5,
      name: "POWERCAP_CAP_SET",
      request: [
        idField("domain_id", "domain"),
        u32("flags", {
          hex: true,
          bits: [{ name: "ignore_delayed_response", mask: 1 }, { name: "async", mask: 2 }],
        }),
        u32("power_cap", { summary: "cap" }),
      ],
      delayed: {
        name: "POWERCAP_CAP_SET_COMPLETE",
        fields: [idField("domain_id", "domain"), u32("power_cap", { summary: "cap" })],
      },
      doc: "v1/v2 layout",
    },
    {
      id: 0x6,
      name: "POWERCAP_PAI_GET",
      request: [idField("domain_id", "domain")],
      response: [u32("pai", { summary: true })],
    },
    {
      id: 0x7,
      name: "POWERCAP_PAI_SET",
      request: [idField("domain_id", "domain"), u32("flags", { hex: true }), u32("pai", { summary: true })],
    },
    {
      id: 0x8,
      name: "POWERCAP_DOMAIN_NAME_GET",
      request: [idField("domain_id", "domain")],
      response: extendedName(),
    },
    {
      id: 0x9,
      name: "POWERCAP_MEASUREMENTS_GET",
      request: [idField("domain_id", "domain")],
      response: [u32("power", { summary: true }), u32("pai", { summary: true })],
    },
    { id: 0xa, name: "POWERCAP_CAP_NOTIFY", request: [idField("domain_id", "domain"), notifyEnable()] },
    {
      id: 0xb,
      name: "POWERCAP_MEASUREMENTS_NOTIFY",
      request: [
        idField("domain_id", "domain"),
        notifyEnable(),
        u32("power_thresh_low", { summary: "low" }),
        u32("power_thresh_high", { summary: "high" }),
      ],
    },
    {
      id: 0xc,
      name: "POWERCAP_DESCRIBE_FASTCHANNEL",
      request: [idField("domain_id", "domain"), u32("message_id", { hex: true, summary: "msg" })],
      response: fastchannelResponse(),
    },
    {
      id: 0xd,
      name: "POWERCAP_CPC_ATTRIBUTES",
      request: [opaque("parameters")],
      response: [opaque("return_values")],
    },
    {
      id: 0xe,
      name: "POWERCAP_CAI_GET",
      request: [opaque("parameters")],
      response: [opaque("return_values")],
    },
    {
      id: 0xf,
      name: "POWERCAP_CAI_SET",
      request: [opaque("parameters")],
      response: [opaque("return_values")],
    },
  ],
  notifications: [
    {
      id: 0x0,
      name: "POWERCAP_CAP_CHANGED",
      fields: [
        idField("agent_id", "agent"),
        idField("domain_id", "domain"),
        u32("power_cap", { summary: "cap" }),
        since(16, u32("pai", { summary: true, doc: "avg_ivl" })),
        since(20, u32("cpli", { doc: "v3" })),
      ],
    },
    {
      id: 0x1,
      name: "POWERCAP_MEASUREMENTS_CHANGED",
      fields: [
        idField("agent_id", "agent"),
        idField("domain_id", "domain"),
        u32("power", { summary: true }),
        since(16, u32("mai", { doc: "v3" })),
      ],
    },
  ],
});

// 0x19 Pin control

const PIN_TYPES = { 0: "PIN", 1: "GROUP", 2: "FUNCTION" } as const;
const pinFlags = (): Field =>
  u32("flags", { hex: true, bits: [{ name: "type", mask: 0x3, enum: PIN_TYPES, label: "selector type" }] });
const configPair =
  (): Field[] => [u32("type", { bits: [{ name: "config_type", mask: 0xff }] }), u32("value")];

const PINCTRL = declare({
  ids: 0x19,
  short: "PINCTRL",
  prefix: "pinctrl",
  attributes: [
    u32("attributes_low", {
      hex: true,
      bits: [{ name: "num_pins", mask: 0xffff }, { name: "num_groups", mask: 0xffff0000 }],
    }),
    u32("attributes_high", { hex: true, bits: [{ name: "num_functions", mask: 0xffff }] }),
  ],
  commands: [
    {
      id: 0x3,
      name: "PINCTRL_ATTRIBUTES",
      request: [idField("identifier"), pinFlags()],
      response: [
        u32("attributes", {
          hex: true,
          bits: [{ name: "num_elements", mask: 0xffff }, { name: "extended_name", mask: 0x80000000 }],
        }),
        str("name", 16, { summary: true }),
      ],
    },
    {
      id: 0x4,
      name: "PINCTRL_LIST_ASSOCIATIONS",
      request: [idField("identifier"), pinFlags(), u32("index", { summary: true })],
      response: [
        u32("flags", { hex: true, bits: countBits(0xfff, 0xffff0000) }),
        array("ids", "u16", { field: "flags.returned" }, { summary: true }),
        withWhen(reserved("pad", "u16"), (v) => {
          const len = v[PLEN];
          const n = Number(v["flags.returned"] ?? 0);
          return typeof len === "number" ? n % 2 === 1 && len >= 8 + 2 * n + 2 : v["pad"] !== undefined;
        }),
      ],
    },
    {
      id: 0x5,
      name: "PINCTRL_SETTINGS_GET",
      request: [
        idField("identifier"),
        u32("attributes", {
          hex: true,
          bits: [
            { name: "config_type", mask: 0xff },
            { name: "skip_configs", mask: 0xff00 },
            { name: "selector", mask: 0x30000, enum: PIN_TYPES },
            { name: "config_flag", mask: 0xc0000, label: "0 one config, 1 all configs, 2 function only" },
          ],
        }),
      ],
      response: [
        u32("function_selected", { summary: "function" }),
        u32("num_configs", { hex: true, bits: countBits(0xff, 0xff000000) }),
        { kind: "group", name: "configs", fields: configPair(), count: { field: "num_configs.returned" } },
      ],
    },
    {
      id: 0x6,
      name: "PINCTRL_SETTINGS_CONFIGURE",
      request: [
        idField("identifier"),
        u32("function_id", { summary: "function", enum: { 0xffffffff: "NONE" } }),
        u32("attributes", {
          hex: true,
          bits: [
            { name: "type", mask: 0x3, enum: PIN_TYPES },
            { name: "num_configs", mask: 0x3fc },
            { name: "function_valid", mask: 0x400 },
          ],
        }),
        { kind: "group", name: "configs", fields: configPair(), count: { field: "attributes.num_configs" } },
      ],
    },
    { id: 0x7, name: "PINCTRL_REQUEST", request: [idField("identifier"), pinFlags()] },
    { id: 0x8, name: "PINCTRL_RELEASE", request: [idField("identifier"), pinFlags()] },
    {
      id: 0x9,
      name: "PINCTRL_NAME_GET",
      request: [idField("identifier"), pinFlags()],
      response: extendedName(),
    },
    { id: 0xa, name: "PINCTRL_SET_PERMISSIONS", request: [opaque("parameters")] },
  ],
});

// 0x1B Telemetry (SCMI v4.0) and vendor protocols: common commands only.

const TELEMETRY = declare({
  ids: 0x1b,
  short: "TELEMETRY",
  prefix: "telemetry",
  attributes: [opaque("attributes")],
  commands: [],
});

const VENDOR = declare({
  ids: Array.from({ length: 0x80 }, (_, i) => 0x80 + i),
  short: "VENDOR",
  prefix: "vendor",
  attributes: [bytes("attributes", "rest", { doc: "vendor defined" })],
  commands: [],
});

function hexId(n: number): string {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

/** The SCMI codec (protocol tag `scmi`, filter abbreviation `scmi`). */
export const scmi = defineProtocol({
  tag: "scmi",
  abbrev: "scmi",
  title: "Arm SCMI",
  endian: "le",
  dialects: ["scmi"],
  header: () => [
    u32("hdr", {
      hex: true,
      doc: "message header: msg_id 7:0, type 9:8, protocol_id 17:10, token 27:18",
      bits: [
        { name: "msg_id", mask: MSG_ID, hex: true, label: "message id" },
        { name: "type", mask: MSG_TYPE, enum: SCMI_MESSAGE_TYPES, label: "message type" },
        {
          name: "protocol_id",
          mask: PROTOCOL_ID,
          hex: true,
          enum: SCMI_PROTOCOLS,
          label: "protocol id",
          summary: "proto",
        },
        { name: "token", mask: TOKEN, label: "token (sequence number)", summary: "tok" },
        { name: "reserved", mask: 0xf0000000, reserved: true, hex: true },
      ],
    }),
  ],
  selectBy: ["hdr.type", "hdr.protocol_id", "hdr.msg_id"],
  kindOf: (h, ctx) => kindOf(Number(h["hdr.type"]), ctx),
  classify: (h, view, ctx) => {
    h[PLEN] = view.byteLength - 4;
    const type = Number(h["hdr.type"]);
    const proto = Number(h["hdr.protocol_id"]);
    const msg = Number(h["hdr.msg_id"]);
    const kind = kindOf(type, ctx);
    const p = SCMI_PROTOCOLS[proto] ?? hexId(proto);
    const what = type === 3
      ? "NOTIFICATION"
      : type === 2
      ? "DELAYED_RESPONSE"
      : type === 1
      ? "RESERVED_TYPE"
      : "";
    return {
      key: `${type}/${proto}/${msg}`,
      kind,
      unknownName: `UNKNOWN(${what ? what + "," : ""}proto=${p},msg_id=${hexId(msg)})`,
    };
  },
  summaryHeader: ["hdr.protocol_id", "hdr.token"],
  pairKey: (m: Message) => {
    if (m.kind === "event") return undefined;
    const v = m.values;
    if (v["hdr.protocol_id"] === undefined) return undefined;
    return `${v["hdr.protocol_id"]}/${v["hdr.msg_id"]}/${v["hdr.token"]}`;
  },
  bodies: [
    ...BASE,
    ...POWER,
    ...SYSTEM,
    ...PERF,
    ...CLOCK,
    ...SENSOR,
    ...RESET,
    ...VOLTAGE,
    ...POWERCAP,
    ...PINCTRL,
    ...TELEMETRY,
    ...VENDOR,
  ],
});

function kindOf(type: number, ctx: DecodeContext): "request" | "response" | "event" | "unknown" {
  switch (type) {
    case 0:
      return ctx.recordKind === "response" ? "response" : "request";
    case 2:
      return "response";
    case 3:
      return "event";
    default:
      return ctx.recordKind;
  }
}
