/**
 * virtio-msg: the message-based virtio transport (transport and bus messages) and the FF-A bus
 * messages of virtio-msg-ffa. Declared once; see ../../../docs/protocols/virtio-msg.md.
 *
 * Dialects: `rfc3` (default; the RFC3 and latest-spec 8-byte header with `token`, 8-byte aligned
 * vqueue fields) and `rfc2` (6-byte header without `token`, vqueue addresses at payload offset 12).
 * The FF-A bus VERSION message has three incompatible variants, chosen with the decode option
 * `vmsgFfaVersion`: `v2025` (default; Linux 2025 and OP-TEE), `v2026` (2026 uapi) or `v2026-proto`
 * (2026 protocol.h).
 *
 * @module
 */
import { defineProtocol } from "../define_protocol.ts";
import { array, bytes, custom, reserved, u16, u32, u64, u8 } from "../fields.ts";
import type { DecodeContext, Field, IntField, Message, ValueMap } from "../types.ts";

/** virtio device ids (virtio spec "Device Types"). */
export const VIRTIO_DEVICE_IDS: Readonly<Record<number, string>> = {
  0: "none",
  1: "net",
  2: "block",
  3: "console",
  4: "entropy",
  5: "balloon",
  6: "iomem",
  7: "rpmsg",
  8: "scsi",
  9: "9p",
  10: "mac80211-wlan",
  11: "rproc-serial",
  12: "caif",
  13: "memory-balloon",
  16: "gpu",
  17: "timer",
  18: "input",
  19: "vsock",
  20: "crypto",
  21: "signal-dist",
  22: "pstore",
  23: "iommu",
  24: "mem",
  25: "sound",
  26: "fs",
  27: "pmem",
  28: "rpmb",
  29: "mac80211-hwsim",
  30: "video-encoder",
  31: "video-decoder",
  32: "scmi",
  33: "nitro-sec-mod",
  34: "i2c",
  35: "watchdog",
  36: "can",
  38: "parameter-server",
  39: "audio-policy",
  40: "bluetooth",
  41: "gpio",
};

/** Device status bits (virtio "Device Status Field"). */
export const VIRTIO_STATUS_FLAGS: Readonly<Record<string, number>> = {
  ACKNOWLEDGE: 0x01,
  DRIVER: 0x02,
  DRIVER_OK: 0x04,
  FEATURES_OK: 0x08,
  DEVICE_NEEDS_RESET: 0x40,
  FAILED: 0x80,
};

/** Bus feature bits of the FF-A bus VERSION message. */
export const FFA_BUS_FEATURES: Readonly<Record<string, number>> = {
  DIRECT_RX: 1 << 0,
  DIRECT_TX: 1 << 1,
  INDIRECT_RX: 1 << 2,
  INDIRECT_TX: 1 << 3,
  NOTIF_RX: 1 << 4,
  NOTIF_TX: 1 << 5,
  FIFO: 1 << 6,
};

const RESULT = { 0: "OK", 1: "ERROR", 2: "BUSY" } as const;

const ffaVersion = (variant: string) => (_v: ValueMap, ctx: DecodeContext) =>
  ((ctx.options["vmsgFfaVersion"] as string | undefined) ?? "v2025") === variant;

const status = (name: string): IntField =>
  u32(name, { flags: VIRTIO_STATUS_FLAGS, summary: true, doc: "virtio device status bits" });

/** A bus address: on FF-A, bits 63:48 are the shared area id and bits 47:0 the offset in it. */
const busAddr = (name: string): IntField =>
  u64(name, {
    hex: true,
    summary: true,
    bits: [
      { name: "area_id", mask: 0xffff000000000000n, label: "FF-A area id (bits 63:48)" },
      { name: "offset", mask: 0x0000ffffffffffffn, hex: true, label: "offset in area (bits 47:0)" },
    ],
  });

const features: Field[] = [
  u32("block_index", { summary: "block", doc: "first 32-bit feature block (block k = bits 32k..32k+31)" }),
  u32("num_blocks", { summary: "n", auto: { countOf: "features" } }),
  array("features", "u32", { field: "num_blocks" }, {
    hex: true,
    summary: true,
    doc: "feature blocks, 32 bits each",
  }),
];

/** GET_DEVICES bitmap: LSB-first, bit n of byte n/8 ⇔ device offset+n present. */
const deviceBitmap = custom({
  name: "devices",
  type: "u16[] (bitmap)",
  summary: true,
  doc: "present device numbers, from the LSB-first bitmap",
  decode(view, offset, end, _ctx, values) {
    const count = Number(values["count"] ?? 0);
    const base = Number(values["offset"] ?? 0);
    const need = Math.ceil(count / 8);
    const have = Math.min(need, end - offset);
    const devs: number[] = [];
    for (let i = 0; i < have; i++) {
      const b = view.getUint8(offset + i);
      for (let bit = 0; bit < 8; bit++) if (b & (1 << bit)) devs.push(base + i * 8 + bit);
    }
    const r = { value: devs, end: offset + have, display: devs.length ? devs.join(",") : "(none)" };
    if (have < need) {
      return {
        ...r,
        issues: [{
          code: "truncated" as const,
          field: "vmsg.bus.devices.devices",
          offset: offset + have,
          message: `bitmap needs ${need} bytes for count ${count}, ${have} present`,
        }],
      };
    }
    return r;
  },
  encode(value, values) {
    const count = Number(values["count"] ?? 0);
    const base = Number(values["offset"] ?? 0);
    const out = new Uint8Array(Math.ceil(count / 8));
    const list = Array.isArray(value) ? value as number[] : [];
    for (const d of list) {
      const n = Number(d) - base;
      if (n < 0 || n >= out.length * 8) {
        throw new RangeError(
          `Cannot encode field "vmsg.bus.devices.devices": device ${d} is outside the window`,
        );
      }
      out[n >> 3]! |= 1 << (n & 7);
    }
    return out;
  },
});

/** The virtio-msg codec. */
export const virtioMsg = defineProtocol({
  tag: "virtio-msg",
  abbrev: "vmsg",
  title: "virtio-msg",
  endian: "le",
  dialects: ["rfc3", "rfc2"],
  header: (dialect) => [
    u8("type", {
      hex: true,
      doc: "bit0 response, bit1 bus message",
      bits: [
        { name: "response", mask: 0x01, label: "response" },
        { name: "bus", mask: 0x02, label: "bus message" },
        { name: "reserved", mask: 0xfc, reserved: true, hex: true },
      ],
    }),
    u8("msg_id", { hex: true, doc: "message id (transport and bus ids are separate spaces)" }),
    u16("dev_num", { summary: "dev", doc: "device number (0 for bus messages)" }),
    ...(dialect === "rfc2" ? [] : [u16("token", { summary: "tok", doc: "correlation token (RFC3+)" })]),
    u16("msg_size", { auto: "total_length", doc: "total length including the header" }),
  ],
  selectBy: ["type.bus", "msg_id"],
  kindOf: (h) => h["type.response"] ? "response" : (Number(h["msg_id"]) & 0x40) ? "event" : "request",
  kindHeader: (kind) => ({ "type.response": kind === "response" ? 1 : 0 }),
  totalLengthField: "msg_size",
  summaryHeader: ["dev_num", "token"],
  pairKey: (m: Message) => {
    const v = m.values;
    if (m.kind === "event") return undefined;
    return `${v["type.bus"]}/${v["dev_num"]}/${v["token"] ?? ""}/${v["msg_id"]}`;
  },
  bodies: [
    // Transport messages.
    {
      name: "GET_DEVICE_INFO",
      select: { "type.bus": 0, msg_id: 0x02 },
      prefix: "device_info",
      request: [],
      response: [
        u32("device_id", { enum: VIRTIO_DEVICE_IDS, summary: "device" }),
        u32("vendor_id", { hex: true, summary: "vendor" }),
        u32("num_feature_bits", { summary: "features" }),
        u32("config_size", { summary: "config" }),
        u32("max_virtqueues", { summary: "vqs" }),
        u16("admin_vq_start"),
        u16("admin_vq_count"),
      ],
    },
    {
      name: "GET_DEVICE_FEATURES",
      select: { "type.bus": 0, msg_id: 0x03 },
      prefix: "features",
      request: [u32("block_index", { summary: "block" }), u32("num_blocks", { summary: "n" })],
      response: features,
    },
    {
      name: "SET_DRIVER_FEATURES",
      select: { "type.bus": 0, msg_id: 0x04 },
      prefix: "features",
      request: features,
      response: [],
    },
    {
      name: "GET_CONFIG",
      select: { "type.bus": 0, msg_id: 0x05 },
      prefix: "config",
      request: [u32("offset", { summary: "off" }), u32("length", { summary: "len" })],
      response: [
        u32("generation", { summary: "gen" }),
        u32("offset", { summary: "off" }),
        u32("length", { summary: "len", auto: { lengthOf: "data" } }),
        bytes("data", { field: "length" }, { summary: true }),
      ],
    },
    {
      name: "SET_CONFIG",
      select: { "type.bus": 0, msg_id: 0x06 },
      prefix: "config",
      request: [
        u32("generation", { summary: "gen" }),
        u32("offset", { summary: "off" }),
        u32("length", { summary: "len", auto: { lengthOf: "data" } }),
        bytes("data", { field: "length" }, { summary: true }),
      ],
      response: [
        u32("generation", { summary: "gen" }),
        u32("offset", { summary: "off" }),
        u32("length", { summary: "len", doc: "0 when the write was rejected (stale generation)" }),
        bytes("data", "rest", { doc: "optional echo of the data (QEMU echoes, OP-TEE and Linux do not)" }),
      ],
    },
    {
      name: "GET_DEVICE_STATUS",
      select: { "type.bus": 0, msg_id: 0x07 },
      prefix: "status",
      request: [],
      response: [status("status")],
    },
    {
      name: "SET_DEVICE_STATUS",
      select: { "type.bus": 0, msg_id: 0x08 },
      prefix: "status",
      request: [status("status")],
      response: [status("status")],
    },
    {
      name: "GET_VQUEUE",
      select: { "type.bus": 0, msg_id: 0x09 },
      prefix: "vqueue",
      request: [u32("index", { summary: "vq" })],
      response: [
        u32("index", { summary: "vq" }),
        u32("max_size", { summary: "max", doc: "0 when the queue does not exist" }),
        u32("cur_size", { summary: "size" }),
        { ...reserved("reserved"), dialects: ["rfc3"] },
        busAddr("desc_addr"),
        busAddr("driver_addr"),
        busAddr("device_addr"),
      ],
    },
    {
      name: "SET_VQUEUE",
      select: { "type.bus": 0, msg_id: 0x0a },
      prefix: "vqueue",
      request: [
        u32("index", { summary: "vq" }),
        reserved("reserved0"),
        u32("size", { summary: "size" }),
        { ...reserved("reserved1"), dialects: ["rfc3"] },
        busAddr("desc_addr"),
        busAddr("driver_addr"),
        busAddr("device_addr"),
      ],
      response: [],
    },
    {
      name: "RESET_VQUEUE",
      select: { "type.bus": 0, msg_id: 0x0b },
      prefix: "vqueue",
      request: [u32("index", { summary: "vq" })],
      response: [],
    },
    {
      name: "GET_SHM",
      select: { "type.bus": 0, msg_id: 0x0c },
      prefix: "shm",
      request: [u32("index", { summary: "shm" })],
      response: [
        u32("index", { summary: "shm" }),
        u32("length", { summary: "len", doc: "0 when there is no such region" }),
        u32("address", { hex: true, summary: "addr" }),
      ],
    },
    {
      name: "EVENT_CONFIG",
      select: { "type.bus": 0, msg_id: 0x40 },
      prefix: "config",
      event: [
        status("device_status"),
        u32("generation", { summary: "gen" }),
        u32("offset", { summary: "off" }),
        u32("length", { summary: "len", auto: { lengthOf: "data" } }),
        bytes("data", { field: "length" }, { summary: true }),
      ],
    },
    {
      name: "EVENT_AVAIL",
      select: { "type.bus": 0, msg_id: 0x41 },
      prefix: "avail",
      event: [
        u32("vq_index", { summary: "vq" }),
        u32("next_offset_wrap", {
          hex: true,
          doc: "bits 30:0 next offset, bit 31 wrap (only with VIRTIO_F_NOTIFICATION_DATA)",
          bits: [
            { name: "next_offset", mask: 0x7fffffff, label: "next offset" },
            { name: "wrap", mask: 0x80000000, label: "wrap counter" },
          ],
        }),
      ],
    },
    {
      name: "EVENT_USED",
      select: { "type.bus": 0, msg_id: 0x42 },
      prefix: "used",
      event: [u32("vq_index", { summary: "vq" })],
    },
    // Bus messages.
    {
      name: "GET_DEVICES",
      select: { "type.bus": 1, msg_id: 0x02 },
      prefix: "bus.devices",
      request: [u16("offset", { summary: "off" }), u16("count", { summary: "count" })],
      response: [
        u16("offset", { summary: "off" }),
        u16("count", { summary: "count" }),
        u16("next_offset", { summary: "next", doc: "0 = nothing further" }),
        deviceBitmap,
      ],
    },
    {
      name: "PING",
      select: { "type.bus": 1, msg_id: 0x03 },
      prefix: "bus.ping",
      request: [u32("data", { hex: true, summary: true })],
      response: [u32("data", { hex: true, summary: true })],
    },
    {
      name: "EVENT_DEVICE",
      select: { "type.bus": 1, msg_id: 0x40 },
      prefix: "bus.event_device",
      event: [
        u16("device_number", { summary: "device" }),
        u16("device_bus_state", { enum: { 1: "READY", 2: "REMOVED" }, hex: true, summary: "state" }),
      ],
    },
    // FF-A bus messages (virtio-msg-ffa).
    {
      name: "FFA_VERSION",
      doc: "virtio-msg FF-A bus VERSION (three incompatible variants; option vmsgFfaVersion)",
      select: { "type.bus": 1, msg_id: 0x80 },
      prefix: "ffa.version",
      request: [
        { ...u32("version", { hex: true, summary: true }), when: ffaVersion("v2025") },
        { ...u32("vmsg_revision", { summary: "rev" }), when: ffaVersion("v2025") },
        { ...u32("vmsg_features", { hex: true }), when: ffaVersion("v2025") },
        { ...u32("bus_features", { flags: FFA_BUS_FEATURES }), when: ffaVersion("v2025") },
        { ...u16("area_num", { summary: "areas" }), when: ffaVersion("v2025") },
        { ...u32("bus_version", { hex: true, summary: true }), when: (v, c) => !ffaVersion("v2025")(v, c) },
        { ...u32("transport_revision", { summary: "rev" }), when: (v, c) => !ffaVersion("v2025")(v, c) },
        { ...u32("ffa_version", { hex: true }), when: ffaVersion("v2026-proto") },
      ],
      response: [
        { ...u32("version", { hex: true, summary: true }), when: ffaVersion("v2025") },
        { ...u32("vmsg_revision", { summary: "rev" }), when: ffaVersion("v2025") },
        { ...u32("vmsg_features", { hex: true }), when: ffaVersion("v2025") },
        { ...u32("bus_version", { hex: true, summary: true }), when: (v, c) => !ffaVersion("v2025")(v, c) },
        { ...u32("transport_revision", { summary: "rev" }), when: (v, c) => !ffaVersion("v2025")(v, c) },
        { ...u32("ffa_version", { hex: true }), when: ffaVersion("v2026-proto") },
        { ...u32("feature_bits", { hex: true }), when: ffaVersion("v2026-proto") },
        { ...u32("transport_features", { hex: true }), when: ffaVersion("v2026") },
        u32("bus_features", { flags: FFA_BUS_FEATURES }),
        { ...u16("area_num", { summary: "areas" }), when: (v, c) => !ffaVersion("v2026-proto")(v, c) },
        { ...u16("max_areas", { summary: "areas" }), when: ffaVersion("v2026-proto") },
      ],
    },
    {
      name: "FFA_AREA_SHARE",
      select: { "type.bus": 1, msg_id: 0x81 },
      prefix: "ffa.area",
      request: [
        u16("area_id", { summary: "area" }),
        u64("mem_handle", { hex: true, summary: "handle" }),
        u64("tag", { hex: true }),
        u32("page_count", { summary: "pages" }),
        u32("attrs", {
          hex: true,
          bits: [
            { name: "type", mask: 0x3, enum: { 0: "share", 1: "lend", 2: "donate" } },
            { name: "write", mask: 0x4 },
            { name: "exec", mask: 0x8 },
            { name: "shareability", mask: 0x30 },
            { name: "cacheability", mask: 0xc0 },
            { name: "mem_type", mask: 0x300 },
            { name: "ns", mask: 0x400 },
            { name: "retention", mask: 0x800 },
          ],
        }),
      ],
      response: [u16("area_id", { summary: "area" }), u16("result", { enum: RESULT, summary: true })],
    },
    {
      name: "FFA_AREA_UNSHARE",
      select: { "type.bus": 1, msg_id: 0x82 },
      prefix: "ffa.area",
      request: [u16("area_id", { summary: "area" })],
      response: [u16("area_id", { summary: "area" }), u16("result", { enum: RESULT, summary: true })],
    },
    {
      name: "FFA_RESET",
      select: { "type.bus": 1, msg_id: 0x83 },
      prefix: "ffa.reset",
      request: [],
      response: [u16("result", { enum: RESULT, summary: true })],
    },
    {
      name: "FFA_EVENT_POLL",
      select: { "type.bus": 1, msg_id: 0x84 },
      prefix: "ffa.event_poll",
      request: [],
      response: [],
    },
    {
      name: "FFA_EVENT_CONFIGURE",
      select: { "type.bus": 1, msg_id: 0x85 },
      prefix: "ffa.event_configure",
      request: [
        u8("method", { enum: { 0: "POLL", 1: "NOTIF", 2: "INDIRECT", 3: "FIFO" }, summary: true }),
        reserved("reserved", "u8"),
        u16("notif_id", { summary: "notif" }),
      ],
      response: [u16("result", { enum: RESULT, summary: true })],
    },
    {
      name: "FFA_FIFO_CONFIGURE",
      select: { "type.bus": 1, msg_id: 0x86 },
      prefix: "ffa.fifo",
      request: [
        u64("mem_handle", { hex: true, summary: "handle" }),
        u16("page_count", { summary: "pages" }),
        u16("driver_notif_id", { summary: "notif" }),
      ],
      response: [
        u16("result", { enum: RESULT, summary: true }),
        u16("device_notif_id", { summary: "notif" }),
      ],
    },
    {
      name: "FFA_ERROR",
      select: { "type.bus": 1, msg_id: 0x87 },
      prefix: "ffa.error",
      response: [u16("original_msg_id", { hex: true, summary: "msg" })],
    },
    {
      name: "FFA_AREA_RELEASE",
      select: { "type.bus": 1, msg_id: 0xc0 },
      prefix: "ffa.area",
      event: [u16("area_id", { summary: "area" })],
    },
  ],
});
