/**
 * Where every filter field's values live in a decoded message, derived from the protocol
 * declarations: filter name → accessors (body prefix, key path through `values`, flag mask, enum).
 *
 * @internal @private
 * @module
 */
import type { Codec } from "../codec/define_protocol.ts";
import { layoutFor } from "../codec/define_protocol.ts";
import type { Registry } from "../codec/registry.ts";
import type { Field } from "../codec/types.ts";
import type { MessageKind, ProtocolTag } from "../record.ts";
import { VIOMMU_PROBE_TYPES, VIOMMU_RESV_MEM_SUBTYPES } from "../codec/protocols/virtio_iommu.ts";

/** One place a filter field's value can be found. */
export interface Accessor {
  /** Protocol. */
  tag: ProtocolTag;
  /** Body prefix the message must have; null for header fields (any message of the protocol). */
  prefix: string | null;
  /** Keys from `msg.values` down to the value (group names, then the short name or `field.bit`). */
  path: readonly string[];
  /** For flag children: the container's mask (the value is `(container & mask) != 0`). */
  flagMask?: number | bigint;
  /** Value names. */
  enum?: Readonly<Record<number, string>>;
  /** Only in these dialects. */
  dialects?: readonly string[];
  /** Filter type, as `vioscope fields` shows it. */
  type: string;
  /** Description. */
  doc: string;
}

/** A field that carries a message of another protocol. */
export interface Carrier {
  /** Body prefix (null = header). */
  prefix: string | null;
  /** Key in `values`. */
  key: string;
}

/** Everything a registry's declarations say about filter fields. */
export interface FieldTable {
  /** Filter name → accessors. */
  fields: Map<string, Accessor[]>;
  /** Protocol → fields of its messages that carry nested messages. */
  carriers: Map<ProtocolTag, Carrier[]>;
  /** Abbreviation → protocol. */
  abbrevs: Map<string, ProtocolTag>;
  /** Every message name of every protocol. */
  messageNames: Set<string>;
}

/** Children of custom fields that decode to lists of named values (the declarations cannot say). */
export const CUSTOM_CHILDREN: Readonly<
  Record<
    string,
    readonly { name: string; type: string; doc: string; enum?: Readonly<Record<number, string>> }[]
  >
> = {
  "viommu.probe.properties": [
    {
      name: "type",
      type: "u16",
      doc: "property type (bits 11:0 of the property header)",
      enum: VIOMMU_PROBE_TYPES,
    },
    { name: "length", type: "u16", doc: "property value length" },
    { name: "subtype", type: "u8", doc: "RESV_MEM subtype", enum: VIOMMU_RESV_MEM_SUBTYPES },
    { name: "start", type: "u64", doc: "RESV_MEM first address" },
    { name: "end", type: "u64", doc: "RESV_MEM last address (inclusive)" },
    { name: "value", type: "bytes", doc: "property value bytes (beyond the RESV_MEM fields)" },
  ],
};

const KINDS: readonly MessageKind[] = ["request", "response", "event"];
const CACHE = new WeakMap<Registry, FieldTable>();

/**
 * Builds (once per registry) the field table.
 * @param registry Codecs.
 * @returns The table.
 */
export function fieldTable(registry: Registry): FieldTable {
  let t = CACHE.get(registry);
  if (t) return t;
  t = { fields: new Map(), carriers: new Map(), abbrevs: new Map(), messageNames: new Set() };
  for (const codec of registry.codecs()) addCodec(t, codec);
  CACHE.set(registry, t);
  return t;
}

function addCodec(t: FieldTable, codec: Codec): void {
  const tag = codec.tag;
  const ab = codec.abbrev;
  t.abbrevs.set(ab, tag);
  const carriers: Carrier[] = [];
  const add = (name: string, a: Omit<Accessor, "tag">) => {
    let list = t.fields.get(name);
    if (!list) t.fields.set(name, list = []);
    const same = list.find((x) =>
      x.prefix === a.prefix && x.path.join("\0") === a.path.join("\0") && x.flagMask === a.flagMask &&
      x.enum === a.enum && String(x.dialects) === String(a.dialects)
    );
    if (!same) list.push({ tag, ...a });
  };
  const visit = (
    fields: readonly Field[],
    name: string,
    prefix: string | null,
    path: readonly string[],
    dialects: readonly string[] | undefined,
  ) => {
    for (const f of fields) {
      const n = `${name}.${f.name}`;
      const p = [...path, f.name];
      const doc = f.doc ?? f.label ?? "";
      const d = f.dialects ?? dialects;
      const base = { prefix, ...(d ? { dialects: d } : {}) };
      switch (f.kind) {
        case "int":
          add(n, { ...base, path: p, type: f.type, doc, ...(f.enum ? { enum: f.enum } : {}) });
          for (const b of f.bits ?? []) {
            add(`${n}.${b.name}`, {
              ...base,
              path: [...path, `${f.name}.${b.name}`],
              type: "bits",
              doc: b.label ?? "",
              ...(b.enum ? { enum: b.enum } : {}),
            });
          }
          for (const [flag, mask] of Object.entries(f.flags ?? {})) {
            add(`${n}.${flag}`, {
              ...base,
              path: p,
              flagMask: mask,
              type: "bool",
              doc: `flag ${flag} of ${n}`,
            });
          }
          break;
        case "group":
          add(n, { ...base, path: p, type: f.count === undefined ? "group" : "list", doc });
          visit(f.fields, n, prefix, p, d);
          break;
        case "array":
          add(n, { ...base, path: p, type: `${f.element}[]`, doc });
          break;
        case "nested":
          add(n, { ...base, path: p, type: `message(${f.protocol})`, doc });
          if (path.length === 0 && !carriers.some((c) => c.prefix === prefix && c.key === f.name)) {
            carriers.push({ prefix, key: f.name });
          }
          break;
        case "custom":
          add(n, { ...base, path: p, type: f.type, doc });
          for (const c of CUSTOM_CHILDREN[n] ?? []) {
            add(`${n}.${c.name}`, {
              ...base,
              path: [...p, c.name],
              type: c.type,
              doc: c.doc,
              ...(c.enum ? { enum: c.enum } : {}),
            });
          }
          break;
        default:
          add(n, { ...base, path: p, type: f.kind, doc });
      }
    }
  };
  const dialects = codec.spec.dialects;
  for (const d of dialects) visit(codec.header(d), ab, null, [], dialects.length > 1 ? [d] : undefined);
  for (const b of codec.spec.bodies) {
    t.messageNames.add(b.name);
    const name = b.prefix ? `${ab}.${b.prefix}` : ab;
    for (const k of KINDS) {
      const l = layoutFor(b, k);
      if (l) visit(l, name, b.prefix, [], undefined);
    }
  }
  for (const extra of ["payload", "trailing", "padding"]) {
    add(`${ab}.${extra}`, { prefix: null, path: [extra], type: "bytes", doc: `${extra} bytes` });
  }
  // Header fields seen in several dialects with the same path: one accessor without a dialect limit.
  for (const [name, list] of t.fields) {
    if (list.length < 2 || list[0]!.tag !== tag) continue;
    const merged: Accessor[] = [];
    for (const a of list) {
      const twin = merged.find((x) =>
        x.prefix === a.prefix && x.path.join("\0") === a.path.join("\0") && x.flagMask === a.flagMask &&
        x.enum === a.enum
      );
      if (twin && twin.dialects && a.dialects) twin.dialects = [...twin.dialects, ...a.dialects];
      else if (!twin) merged.push({ ...a });
    }
    for (const a of merged) {
      if (a.dialects && dialects.every((d) => a.dialects!.includes(d))) delete a.dialects;
    }
    t.fields.set(name, merged);
  }
  t.carriers.set(tag, carriers);
}
