/**
 * Flattening a decoded message into `filter name → value text` pairs, the vocabulary diff compares
 * and ignores by. Works from `Message.values`, so messages decoded without a field tree (the fast
 * path) flatten to the same names as `messageToJson` gives.
 *
 * @module
 */
import type { Message, RegistryLike, Value, ValueMap } from "../codec/types.ts";

/** A message's fields as two parallel lists. */
export interface FlatFields {
  /** Filter names, in decode order. */
  names: string[];
  /** The values as text (numbers decimal, 64-bit values and bytes hex). */
  values: string[];
}

/** The slice of a codec this module needs. */
interface HeaderSource {
  get(
    tag: Message["protocol"],
  ): { abbrev?: string; header?(dialect: string): readonly { name: string }[] } | undefined;
}

const SPECIAL = ["payload", "trailing", "padding"];

/**
 * Flattens messages into filter-name/value pairs.
 *
 * @example Flattening a virtio-msg request
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { MessageFlattener } from "./message_fields.ts";
 * import { deepEqual } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const msg = registry.get("virtio-msg")!.decodeBytes(
 *   new Uint8Array([0, 5, 1, 0, 7, 0, 16, 0, 0, 0, 0, 0, 4, 0, 0, 0]), { registry });
 * const flat = new MessageFlattener(registry).flatten(msg);
 * deepEqual(flat.names.slice(-2), ["vmsg.config.offset", "vmsg.config.length"]);
 * deepEqual(flat.values.slice(-2), ["0", "4"]);
 * ```
 */
export class MessageFlattener {
  #registry: HeaderSource;
  #headers = new Map<string, { abbrev: string; names: Set<string> }>();

  /** @param registry Codecs (for each protocol's abbreviation and header field names). */
  constructor(registry: RegistryLike) {
    this.#registry = registry as unknown as HeaderSource;
  }

  /**
   * Flattens one message (nested messages contribute their own filter names).
   * @param msg The message.
   * @param out Lists to append to.
   * @returns The lists.
   */
  flatten(msg: Message, out: FlatFields = { names: [], values: [] }): FlatFields {
    const h = this.#header(msg);
    const body = msg.prefix ? `${h.abbrev}.${msg.prefix}.` : `${h.abbrev}.`;
    const head = `${h.abbrev}.`;
    for (const key in msg.values) {
      const v = msg.values[key];
      if (v === undefined) continue;
      const dot = key.indexOf(".");
      const first = dot < 0 ? key : key.slice(0, dot);
      const name = (h.names.has(first) ? head : body) + key;
      this.#add(name, v, out);
    }
    return out;
  }

  #add(name: string, v: Value, out: FlatFields): void {
    if (typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v)) {
      if (isMessage(v)) {
        out.names.push(name);
        out.values.push(`${v.protocol} ${v.name} ${v.kind}`);
        const inner = this.flatten(v);
        for (let i = 0; i < inner.names.length; i++) {
          out.names.push(inner.names[i]!);
          out.values.push(inner.values[i]!);
        }
        return;
      }
      for (const k in v) {
        const x = (v as ValueMap)[k];
        if (x !== undefined) this.#add(`${name}.${k}`, x, out);
      }
      return;
    }
    if (Array.isArray(v) && v.length && typeof v[0] === "object") {
      const list = v as unknown as ValueMap[];
      out.names.push(name);
      out.values.push(`${list.length} entries`);
      for (let i = 0; i < list.length; i++) this.#add(`${name}[${i}]`, list[i]!, out);
      return;
    }
    out.names.push(name);
    out.values.push(valueText(v));
  }

  #header(msg: Message): { abbrev: string; names: Set<string> } {
    const id = `${msg.protocol}/${msg.dialect}`;
    let h = this.#headers.get(id);
    if (!h) {
      const codec = this.#registry.get(msg.protocol);
      const names = new Set<string>(SPECIAL);
      for (const f of codec?.header?.(msg.dialect) ?? []) names.add(f.name);
      h = { abbrev: codec?.abbrev ?? msg.protocol, names };
      this.#headers.set(id, h);
    }
    return h;
  }
}

function isMessage(v: object): v is Message {
  return "protocol" in v && "values" in v && "fields" in v;
}

/**
 * A value as stable text: numbers in decimal, bigints and bytes in hex, lists bracketed.
 *
 * @example
 * ```ts
 * import { valueText } from "./message_fields.ts";
 * import { equal } from "node:assert/strict";
 * equal(valueText(0x40000000n), "0x40000000");
 * equal(valueText(new Uint8Array([1, 255])), "01ff");
 * equal(valueText([1, 2]), "[1,2]");
 * ```
 *
 * @param v A decoded value.
 * @returns Text.
 */
export function valueText(v: Value): string {
  switch (typeof v) {
    case "number":
      return String(v);
    case "bigint":
      return "0x" + v.toString(16);
    case "boolean":
      return v ? "true" : "false";
    case "string":
      return JSON.stringify(v);
  }
  if (v instanceof Uint8Array) {
    let s = "";
    for (let i = 0; i < v.length; i++) s += (v[i]! < 16 ? "0" : "") + v[i]!.toString(16);
    return s;
  }
  if (Array.isArray(v)) return `[${(v as (number | bigint)[]).map((x) => valueText(x)).join(",")}]`;
  return JSON.stringify(v);
}
