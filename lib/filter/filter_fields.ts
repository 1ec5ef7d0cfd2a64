/**
 * The display-filter vocabulary: every field a filter may name, with its type and description.
 *
 * @module
 */
import { defaultRegistry } from "../codec/protocols/mod.ts";
import type { Registry } from "../codec/registry.ts";
import { MESSAGE_KINDS, PROTOCOL_TAGS, SIDES } from "../record.ts";
import { fieldTable } from "./_field_table.ts";

/** One filter field. */
export interface FilterField {
  /** Filter name (`scmi.hdr.protocol_id`). */
  name: string;
  /** Protocol tag, `frame` (capture metadata) or `msg` (decoded-message facts). */
  protocol: string;
  /** Type: `u8`…`u64`, `i32`, `bits`, `bool`, `bytes`, `string`, `u32[]`, `group`, `list`, `protocol`, ... */
  type: string;
  /** Description. */
  doc: string;
  /** Value names of enum fields (value → name), merged over every layout using the name. */
  enum?: Record<string, string>;
  /** Fixed string values (`frame.direction`: request, response, event, unknown). */
  values?: readonly string[];
}

/** The `frame.*` and `msg.*` pseudo-fields (capture metadata and decode facts). */
export const FRAME_FIELDS: readonly FilterField[] = [
  { name: "frame.number", protocol: "frame", type: "u32", doc: "record number, from 1" },
  { name: "frame.time_relative", protocol: "frame", type: "float", doc: "seconds since the first record" },
  { name: "frame.time_epoch", protocol: "frame", type: "float", doc: "timestamp in seconds" },
  { name: "frame.len", protocol: "frame", type: "u32", doc: "message length on the wire" },
  { name: "frame.cap_len", protocol: "frame", type: "u32", doc: "captured bytes" },
  {
    name: "frame.protocol",
    protocol: "frame",
    type: "string",
    doc: "protocol tag (abbreviations accepted as values)",
    values: PROTOCOL_TAGS,
  },
  {
    name: "frame.direction",
    protocol: "frame",
    type: "string",
    doc: "request, response, event or unknown",
    values: MESSAGE_KINDS,
  },
  {
    name: "frame.sender",
    protocol: "frame",
    type: "string",
    doc: "driver, device or unknown",
    values: SIDES,
  },
  { name: "frame.channel.bus", protocol: "frame", type: "u16", doc: "bus instance" },
  { name: "frame.channel.device", protocol: "frame", type: "u16", doc: "device number" },
  { name: "frame.channel.src", protocol: "frame", type: "u16", doc: "sending endpoint id" },
  { name: "frame.channel.dst", protocol: "frame", type: "u16", doc: "receiving endpoint id" },
  { name: "frame.channel.queue", protocol: "frame", type: "u16", doc: "queue index" },
  { name: "frame.correlation_id", protocol: "frame", type: "u32", doc: "correlation id of the record" },
  {
    name: "frame.conduit",
    protocol: "frame",
    type: "string",
    doc: "smc or hvc (FF-A)",
    values: ["smc", "hvc"],
  },
  { name: "frame.comment", protocol: "frame", type: "string", doc: "record comment" },
  {
    name: "frame.annotation",
    protocol: "frame",
    type: "string",
    doc: "trace event name of an annotation record",
  },
  {
    name: "msg.name",
    protocol: "msg",
    type: "string",
    doc: "message name (GET_CONFIG, CLOCK_RATE_GET, ...)",
  },
  { name: "msg.summary", protocol: "msg", type: "string", doc: "the one-line summary (Info column)" },
  { name: "msg.dialect", protocol: "msg", type: "string", doc: "dialect the message was decoded with" },
  {
    name: "msg.malformed",
    protocol: "msg",
    type: "bool",
    doc: "present (true) when the message is malformed",
  },
  {
    name: "msg.issue",
    protocol: "msg",
    type: "string",
    doc: "decode issue codes (truncated, bad-value, ...)",
  },
];

/**
 * Every filter field: `frame.*`, `msg.*`, the protocol abbreviations themselves (`scmi` = "is an
 * SCMI message or carries one") and every field the protocol declarations name, with bit and flag
 * children. Sorted by protocol (registry order), then name.
 *
 * @example Listing the SCMI clock fields
 * ```ts
 * import { filterFields } from "../../mod.ts";
 * import { ok } from "node:assert/strict";
 * const names = filterFields().map((f) => f.name);
 * ok(names.includes("scmi.hdr.protocol_id"));
 * ok(names.includes("vmsg.status.status.DRIVER_OK"));
 * ```
 *
 * @param registry Codecs (default: the built-in ones).
 * @returns The fields.
 */
export function filterFields(registry: Registry = defaultRegistry()): FilterField[] {
  const t = fieldTable(registry);
  const out: FilterField[] = [...FRAME_FIELDS.map((f) => ({ ...f }))];
  for (const codec of registry.codecs()) {
    out.push({ name: codec.abbrev, protocol: codec.tag, type: "protocol", doc: codec.spec.title });
    const mine: FilterField[] = [];
    for (const [name, accs] of t.fields) {
      if (accs[0]?.tag !== codec.tag) continue;
      const f: FilterField = {
        name,
        protocol: codec.tag,
        type: [...new Set(accs.map((a) => a.type))].join("|"),
        doc: accs.find((a) => a.doc)?.doc ?? "",
      };
      const e: Record<string, string> = {};
      for (const a of accs) for (const [k, v] of Object.entries(a.enum ?? {})) e[k] ??= v;
      if (Object.keys(e).length) f.enum = e;
      mine.push(f);
    }
    mine.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    out.push(...mine);
  }
  return out;
}
