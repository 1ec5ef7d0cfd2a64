/**
 * virtio-iommu (device 23): requests on the request queue (ATTACH, DETACH, MAP, UNMAP, PROBE) and
 * fault reports on the event queue. Declared once; see ../../../docs/protocols/virtio-iommu.md.
 *
 * Records: a **request** record is the device-readable part the driver posted (head + body),
 * optionally followed by the device-writable area as posted (`writable`); a **response** record is
 * the whole chain once the device completed it (head + body + [PROBE properties] + tail), so it
 * names its own type and carries the request's fields; an **event** record is one fault report.
 *
 * Dialects: `current` (default; OASIS virtio spec, Linux/QEMU header "v0.12") and `v0.7` (the
 * RFC v0.7 draft: MAP flags EXEC = bit 2 and MMIO = bit 3, 20-byte ATTACH, 16-byte DETACH without a
 * domain, 20-byte fault reports, no S_NOMEM).
 *
 * @example
 * ```ts
 * import { Registry } from "../mod.ts";
 * import { virtioIommu } from "./virtio_iommu.ts";
 * import { equal } from "node:assert/strict";
 * const registry = new Registry([virtioIommu]);
 * const b = virtioIommu.encodeMessage({
 *   name: "MAP",
 *   fields: { domain: 1, virt_start: 0x1000n, virt_end: 0x1fffn, phys_start: 0xa000n, flags: "READ|WRITE" },
 * }, { registry });
 * equal(b.length, 36);
 * equal(virtioIommu.decodeBytes(b, { registry, recordKind: "request" }).summary,
 *   "MAP domain=1 virt_start=0x1000 virt_end=0x1fff phys_start=0xa000 flags=3");
 * ```
 *
 * @module
 */
import { defineProtocol } from "../define_protocol.ts";
import { bytes, custom, reserved, u32, u64, u8 } from "../fields.ts";
import type { DecodeContext, DecodeIssue, Field, IntField, Message, Value, ValueMap } from "../types.ts";
import { toBytes, toInt } from "../_encode.ts";
import { bytesToHex, hex } from "../_values.ts";

/** Request types (`head.type`). */
export const VIOMMU_TYPES: Readonly<Record<number, string>> = {
  1: "ATTACH",
  2: "DETACH",
  3: "MAP",
  4: "UNMAP",
  5: "PROBE",
};

/** Prototype-only request types (not in the spec): decoded as unknown, named in the unknown name. */
export const VIOMMU_DRAFT_TYPES: Readonly<Record<number, string>> = {
  6: "ATTACH_TABLE",
  7: "INVALIDATE",
  8: "PAGE_RESP",
};

/** Status codes (`tail.status`) of the current spec; v0.7 stops at FAULT (7). */
export const VIOMMU_STATUS: Readonly<Record<number, string>> = {
  0: "OK",
  1: "IOERR",
  2: "UNSUPP",
  3: "DEVERR",
  4: "INVAL",
  5: "RANGE",
  6: "NOENT",
  7: "FAULT",
  8: "NOMEM",
};

/** MAP flags, current spec. */
export const VIOMMU_MAP_FLAGS: Readonly<Record<string, number>> = {
  READ: 1 << 0,
  WRITE: 1 << 1,
  MMIO: 1 << 2,
};
/** MAP flags, v0.7 draft (bit 2 means EXEC there, MMIO is bit 3). */
export const VIOMMU_MAP_FLAGS_V07: Readonly<Record<string, number>> = {
  READ: 1 << 0,
  WRITE: 1 << 1,
  EXEC: 1 << 2,
  MMIO: 1 << 3,
};
/** ATTACH flags (current spec; needs F_BYPASS_CONFIG). */
export const VIOMMU_ATTACH_FLAGS: Readonly<Record<string, number>> = { BYPASS: 1 << 0 };
/** Fault report flags. */
export const VIOMMU_FAULT_FLAGS: Readonly<Record<string, number>> = {
  READ: 1 << 0,
  WRITE: 1 << 1,
  EXEC: 1 << 2,
  ADDRESS: 1 << 8,
};
/** Fault reasons. */
export const VIOMMU_FAULT_REASONS: Readonly<Record<number, string>> = {
  0: "UNKNOWN",
  1: "DOMAIN",
  2: "MAPPING",
};
/** PROBE property types (bits 0–11 of the property header); 2–7 are prototype-only. */
export const VIOMMU_PROBE_TYPES: Readonly<Record<number, string>> = {
  0: "NONE",
  1: "RESV_MEM",
  2: "PAGE_SIZE_MASK",
  3: "INPUT_RANGE",
  4: "OUTPUT_SIZE",
  5: "PASID_SIZE",
  6: "PAGE_TABLE_FMT",
  7: "PASID_TABLE_FMT",
};
/** RESV_MEM subtypes; 2 is prototype-only. */
export const VIOMMU_RESV_MEM_SUBTYPES: Readonly<Record<number, string>> = {
  0: "RESERVED",
  1: "MSI",
  2: "IDENTITY",
};

const RESV_MEM_LEN = 20;
const FAULT_SELECT = 0x100;

const v07 = (_v: ValueMap, ctx: { dialect: string }) => ctx.dialect === "v0.7";
const notV07 = (_v: ValueMap, ctx: { dialect: string }) => ctx.dialect !== "v0.7";
const notEvent = (_v: ValueMap, ctx: { recordKind: string }) => ctx.recordKind !== "event";

const domain = u32("domain", { summary: true, doc: "domain id" });
const endpoint = u32("endpoint", {
  summary: true,
  doc: "endpoint id (platform-defined; QEMU: PCI requester id)",
});
const addr = (name: string, doc: string) => u64(name, { hex: true, summary: true, doc });

const tail: readonly Field[] = [
  u8("tail.status", {
    enum: VIOMMU_STATUS,
    summary: "status",
    doc: "request status, written by the device (v0.7 has no NOMEM)",
  }),
  bytes("tail.reserved", 3, { reserved: true, doc: "tail reserved bytes (the device SHOULD zero them)" }),
];

/** Never decoded or encoded: a summary view of a dialect-dependent flags word, as QEMU traces it (`flags=%d`). */
const flagsSummary: Field = { ...u32("flags", { summary: true }), when: () => false };

const writable = bytes("writable", "rest", {
  doc: "device-writable area as the driver posted it (tail, or properties + tail), when the record has it",
});

const resvU32 = (name: string): IntField => ({ ...reserved(name), doc: "reserved (v0.7 u32)" });

/** Reads the properties area of a PROBE response (up to 4 bytes before the end: the tail). */
const properties = custom({
  name: "properties",
  type: "list (properties)",
  doc:
    "PROBE properties: {type, length, subtype, reserved, start, end} for RESV_MEM, {type, length, value} else",
  decode(view, offset, end) {
    const area = Math.max(offset, end - 4);
    const items: ValueMap[] = [];
    const issues: DecodeIssue[] = [];
    const shown: string[] = [];
    let off = offset;
    while (off + 4 <= area) {
      const raw = view.getUint16(off, true);
      const type = raw & 0xfff;
      if (type === 0) break;
      let len = view.getUint16(off + 2, true);
      const item: ValueMap = { type, length: len };
      if (raw >> 12) {
        item["type_reserved"] = raw >> 12;
        issues.push({
          code: "reserved-nonzero",
          field: "viommu.probe.properties",
          offset: off,
          message: `property at offset ${off} has reserved type bits set; the driver must ignore it`,
        });
      }
      const vstart = off + 4;
      if (vstart + len > area) {
        issues.push({
          code: "bad-value",
          field: "viommu.probe.properties",
          offset: off,
          message: `property length ${len} at offset ${off} overruns the properties area`,
        });
        len = area - vstart;
      }
      const val = new Uint8Array(view.buffer, view.byteOffset + vstart, len);
      if (type === 1 && len >= RESV_MEM_LEN) {
        item["subtype"] = view.getUint8(vstart);
        item["reserved"] = val.subarray(1, 4);
        item["start"] = view.getBigUint64(vstart + 4, true);
        item["end"] = view.getBigUint64(vstart + 12, true);
        if (len > RESV_MEM_LEN) item["value"] = val.subarray(RESV_MEM_LEN);
        const sub = VIOMMU_RESV_MEM_SUBTYPES[item["subtype"] as number] ?? `subtype ${item["subtype"]}`;
        shown.push(`RESV_MEM ${sub} ${hex(item["start"] as bigint)}-${hex(item["end"] as bigint)}`);
      } else {
        if (type === 1) {
          issues.push({
            code: "bad-value",
            field: "viommu.probe.properties",
            offset: off,
            message: `RESV_MEM property length ${len} is below ${RESV_MEM_LEN}`,
          });
        }
        item["value"] = val;
        shown.push(`${VIOMMU_PROBE_TYPES[type] ?? `type ${type}`} ${bytesToHex(val)}`);
      }
      items.push(item);
      off = vstart + len;
    }
    return {
      value: items as unknown as Value,
      end: off,
      display: items.length ? `${items.length}: ${shown.join(", ")}` : "(none)",
      issues,
    };
  },
  encode(value) {
    const items = Array.isArray(value) ? value as unknown as ValueMap[] : [];
    const parts: Uint8Array[] = [];
    items.forEach((it, i) => {
      const n = `viommu.probe.properties[${i}]`;
      if (typeof it !== "object" || it === null) {
        throw new TypeError(`Cannot encode field "${n}": expected an object`);
      }
      const type = Number(toInt({ type: "u16", enum: VIOMMU_PROBE_TYPES }, it["type"] ?? 0, `${n}.type`));
      const tr = Number(toInt({ type: "u8" }, it["type_reserved"] ?? 0, `${n}.type_reserved`));
      if (type > 0xfff || tr > 0xf) {
        throw new RangeError(`Cannot encode field "${n}.type": does not fit 12 bits`);
      }
      const extra = it["value"] === undefined ? new Uint8Array(0) : toBytes(it["value"], `${n}.value`);
      let body: Uint8Array;
      if (type === 1 && it["start"] !== undefined) {
        body = new Uint8Array(RESV_MEM_LEN + extra.length);
        const dv = new DataView(body.buffer);
        dv.setUint8(
          0,
          Number(toInt({ type: "u8", enum: VIOMMU_RESV_MEM_SUBTYPES }, it["subtype"] ?? 0, `${n}.subtype`)),
        );
        const r = it["reserved"] === undefined ? new Uint8Array(3) : toBytes(it["reserved"], `${n}.reserved`);
        if (r.length > 3) {
          throw new RangeError(`Cannot encode field "${n}.reserved": ${r.length} bytes, holds 3`);
        }
        body.set(r, 1);
        dv.setBigUint64(4, BigInt(toInt({ type: "u64" }, it["start"], `${n}.start`)), true);
        dv.setBigUint64(12, BigInt(toInt({ type: "u64" }, it["end"] ?? 0, `${n}.end`)), true);
        body.set(extra, RESV_MEM_LEN);
      } else body = extra;
      const len = it["length"] === undefined
        ? body.length
        : Number(toInt({ type: "u16" }, it["length"], `${n}.length`));
      if (len < body.length) {
        throw new RangeError(
          `Cannot encode field "${n}.length": ${len} is shorter than the ${body.length}-byte value`,
        );
      }
      const out = new Uint8Array(4 + len);
      const dv = new DataView(out.buffer);
      dv.setUint16(0, type | (tr << 12), true);
      dv.setUint16(2, len, true);
      out.set(body, 4);
      parts.push(out);
    });
    const total = parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  },
});

/** The rest of the properties area after the last property (zero-filled by the device). */
const unused = custom({
  name: "unused",
  type: "bytes",
  doc:
    "rest of the probe_size properties area (NONE terminator and zero fill); encode also takes a byte count",
  decode(view, offset, end) {
    const stop = Math.max(offset, end - 4);
    const b = new Uint8Array(view.buffer, view.byteOffset + offset, stop - offset);
    const issues: DecodeIssue[] = b.some((x) => x !== 0)
      ? [{
        code: "reserved-nonzero",
        field: "viommu.probe.unused",
        offset,
        message: "unused bytes of the properties area are not zero",
      }]
      : [];
    return { value: b, end: stop, display: b.length ? `${b.length} bytes` : "(empty)", issues };
  },
  encode(value) {
    if (value === undefined) return new Uint8Array(0);
    if (typeof value === "number") {
      if (!Number.isInteger(value) || value < 0 || value > 0x10000) {
        throw new RangeError(`Cannot encode field "viommu.probe.unused": ${value} is not a byte count`);
      }
      return new Uint8Array(value);
    }
    return toBytes(value, "viommu.probe.unused");
  },
});

/** A body whose request is `fields` (+ posted writable area) and whose response adds the tail. */
function reqBody(
  type: number,
  prefix: string,
  fields: Field[],
  doc: string,
  responseExtra: Field[] = [],
) {
  return {
    name: VIOMMU_TYPES[type]!,
    select: { "head.type": type },
    prefix,
    doc,
    request: [...fields, writable],
    response: [...fields, ...responseExtra, ...tail],
  };
}

function channelKey(m: Message): string {
  const c = m.record?.channel;
  return c ? `${c.bus ?? ""}/${c.device ?? ""}` : "";
}

/** The virtio-iommu codec (tag `virtio-iommu`, filter prefix `viommu`). */
export const virtioIommu = defineProtocol({
  tag: "virtio-iommu",
  abbrev: "viommu",
  title: "virtio-iommu",
  endian: "le",
  dialects: ["current", "v0.7"],
  header: () => [
    { ...u8("head.type", { enum: VIOMMU_TYPES, hex: true, doc: "request type" }), when: notEvent },
    { ...bytes("head.reserved", 3, { reserved: true, doc: "head reserved bytes" }), when: notEvent },
  ],
  selectBy: ["head.type"],
  kindOf: (_h, ctx) => ctx.recordKind === "unknown" ? "request" : ctx.recordKind,
  classify: (h, _view, ctx: DecodeContext) => {
    if (ctx.recordKind === "event") return { key: "FAULT", kind: "event" };
    const kind = ctx.recordKind === "response" ? "response" : "request";
    const t = Number(h["head.type"]);
    const draft = VIOMMU_DRAFT_TYPES[t];
    const unknownName = `UNKNOWN(head.type=${hex(t, 2)}${draft ? `, draft ${draft}` : ""})`;
    return { key: VIOMMU_TYPES[t] ? String(t) : undefined, kind, unknownName };
  },
  pairKey: (m) => {
    if (m.kind !== "request" && m.kind !== "response") return undefined;
    const ch = channelKey(m);
    if (m.record?.correlationId !== undefined) return `${ch}/#${m.record.correlationId}`;
    const v = m.values;
    switch (m.name) {
      case "ATTACH":
        return `${ch}/ATTACH/${v["domain"]}/${v["endpoint"]}`;
      case "DETACH":
        return `${ch}/DETACH/${v["endpoint"]}`;
      case "MAP":
        return `${ch}/MAP/${v["domain"]}/${v["virt_start"]}/${v["virt_end"]}`;
      case "UNMAP":
        return `${ch}/UNMAP/${v["domain"]}/${v["virt_start"]}/${v["virt_end"]}`;
      case "PROBE":
        return `${ch}/PROBE/${v["endpoint"]}`;
      default:
        return `${ch}/${v["head.type"]}`;
    }
  },
  bodies: [
    reqBody(1, "attach", [
      domain,
      endpoint,
      { ...u32("flags", { flags: VIOMMU_ATTACH_FLAGS, summary: true, doc: "ATTACH flags" }), when: notV07 },
      { ...bytes("reserved", 4, { reserved: true }), when: notV07 },
      { ...resvU32("reserved"), when: v07 },
    ], "attach an endpoint to a domain (created implicitly)"),
    reqBody(2, "detach", [
      { ...domain, when: notV07 },
      endpoint,
      { ...bytes("reserved", 8, { reserved: true }), when: notV07 },
      { ...resvU32("reserved"), when: v07 },
    ], "detach an endpoint from its domain"),
    reqBody(3, "map", [
      domain,
      addr("virt_start", "first IOVA"),
      addr("virt_end", "last IOVA (inclusive)"),
      addr("phys_start", "first guest-physical address"),
      flagsSummary,
      { ...u32("flags", { flags: VIOMMU_MAP_FLAGS, doc: "MAP flags" }), when: notV07 },
      {
        ...u32("flags", { flags: VIOMMU_MAP_FLAGS_V07, doc: "MAP flags (v0.7: EXEC bit 2, MMIO bit 3)" }),
        when: v07,
      },
    ], "map an IOVA range of a domain to guest-physical memory"),
    reqBody(4, "unmap", [
      domain,
      addr("virt_start", "first IOVA"),
      addr("virt_end", "last IOVA (inclusive)"),
      { ...bytes("reserved", 4, { reserved: true }), when: notV07 },
      { ...resvU32("reserved"), when: v07 },
    ], "remove every mapping inside an IOVA range"),
    reqBody(
      5,
      "probe",
      [endpoint, bytes("reserved", 64, { reserved: true })],
      "read an endpoint's properties (the response carries the properties area)",
      [properties, unused],
    ),
    {
      name: "FAULT",
      select: { "head.type": FAULT_SELECT },
      prefix: "fault",
      doc: "fault report on the event queue",
      event: [
        u8("reason", { enum: VIOMMU_FAULT_REASONS, summary: true }),
        bytes("reserved", 3, { reserved: true, doc: "the driver MUST ignore the report when non-zero" }),
        u32("flags", { flags: VIOMMU_FAULT_FLAGS, summary: true }),
        u32("endpoint", { summary: true }),
        { ...reserved("reserved1"), when: notV07 },
        u64("address", { hex: true, summary: true, doc: "faulting address (valid with flag ADDRESS)" }),
      ],
    },
  ],
});
