/**
 * Human and machine renderings of a decoded message, all derived from its field tree: the verbose
 * tree (`-V`), a hex dump with field spans (`-x`) and JSON (`--jsonl`).
 *
 * @module
 */
import type { FieldValue, Message } from "./types.ts";
import { bytesToHex, toJsonValue } from "./_values.ts";

/**
 * The verbose field tree, Wireshark style: one line per field, indented by depth, with the filter
 * name in brackets.
 *
 * @example
 * ```ts
 * import { describe, defaultRegistry } from "../../mod.ts";
 * import { match } from "node:assert/strict";
 * const codec = defaultRegistry().get("virtio-msg")!;
 * const msg = codec.decodeBytes(new Uint8Array([0, 2, 1, 0, 1, 0, 8, 0]), { registry: defaultRegistry() });
 * match(describe(msg), /GET_DEVICE_INFO \(request\)/);
 * match(describe(msg), /msg_id: 0x02  \[vmsg\.msg_id\]/);
 * ```
 *
 * @param msg The message.
 * @param indent Leading spaces.
 * @returns Text lines joined with newlines (no trailing newline).
 */
export function describe(msg: Message, indent = 0): string {
  const lines: string[] = [];
  const pad = " ".repeat(indent);
  lines.push(`${pad}${msg.protocol} ${msg.name} (${msg.kind}), ${msg.data.length} bytes`);
  const visit = (fs: FieldValue[], depth: number) => {
    for (const f of fs) {
      const p = pad + "    ".repeat(depth);
      if (f.nested) {
        lines.push(`${p}${f.label}: ${f.display}  [${f.name}]`);
        lines.push(describe(f.nested, indent + 4 * (depth + 1)));
        continue;
      }
      lines.push(`${p}${f.label}: ${f.display}  [${f.name}]`);
      if (f.children) visit(f.children, depth + 1);
    }
  };
  visit(msg.fields, 1);
  for (const i of msg.issues) {
    lines.push(
      `${pad}    [${
        i.code === "truncated" ? "Malformed: truncated" : "Expert"
      }: ${i.message} (offset ${i.offset})]`,
    );
  }
  return lines.join("\n");
}

/**
 * A hex dump of the message bytes followed by the span of every leaf field.
 *
 * @param msg The message.
 * @returns Text lines joined with newlines.
 */
export function hexDump(msg: Message): string {
  const b = msg.data;
  const lines: string[] = [];
  for (let off = 0; off < b.length; off += 16) {
    const row = b.subarray(off, off + 16);
    const hexPart = Array.from(row, (x) => x.toString(16).padStart(2, "0"));
    const left = hexPart.slice(0, 8).join(" ");
    const right = hexPart.slice(8).join(" ");
    const ascii = Array.from(row, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : ".")).join("");
    lines.push(`${off.toString(16).padStart(4, "0")}  ${(left + "  " + right).padEnd(49)}  ${ascii}`);
  }
  const leaves: FieldValue[] = [];
  const collect = (fs: FieldValue[]) => {
    for (const f of fs) {
      if (f.children && f.children.length && !isBitChildren(f)) collect(f.children);
      else leaves.push(f);
    }
  };
  collect(msg.fields);
  for (const f of leaves) {
    const span = f.end > f.start
      ? `${f.start.toString(16).padStart(4, "0")}-${(f.end - 1).toString(16).padStart(4, "0")}`
      : `${f.start.toString(16).padStart(4, "0")}     `;
    lines.push(`  ${span}  ${f.name} = ${f.display}`);
  }
  return lines.join("\n");
}

function isBitChildren(f: FieldValue): boolean {
  return !!f.children && f.children.length > 0 && f.children.every((c) => c.bit === true);
}

/** A message as JSON (what `decode --jsonl` prints, besides record metadata). */
export interface MessageJson {
  /** Message name. */
  name: string;
  /** Kind. */
  kind: string;
  /** Field values by filter name. */
  fields: Record<string, unknown>;
  /** Issues as text, when any. */
  error?: string;
}

/**
 * Converts a message to JSON: `fields` maps filter names to values (bigint → `0x…` string, bytes →
 * hex string), bit and flag children appear beside their container, nested messages become
 * `{proto, name, kind, fields}` objects. {@linkcode Codec.encodeMessage} accepts the result back.
 *
 * @param msg The message (decoded with the field tree).
 * @returns JSON-able object.
 */
export function messageToJson(msg: Message): MessageJson {
  const out: MessageJson = { name: msg.name, kind: msg.kind, fields: fieldsToJson(msg.fields) };
  if (msg.issues.length) out.error = msg.issues.map((i) => `${i.message} (offset ${i.offset})`).join("; ");
  return out;
}

function fieldsToJson(fs: FieldValue[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fs) {
    if (f.nested) {
      o[f.name] = {
        proto: f.nested.protocol,
        name: f.nested.name,
        kind: f.nested.kind,
        fields: fieldsToJson(unshift(f.children ?? [], f.start)),
      };
      continue;
    }
    if (f.children && !isBitChildren(f) && !Array.isArray(f.value)) {
      // A single group: an object of its members by short name.
      o[f.name] = shortNames(fieldsToJson(f.children), f.name);
      continue;
    }
    if (f.children && Array.isArray(f.value) && f.children.every((c) => c.children)) {
      // A list of groups.
      o[f.name] = f.children.map((item) => shortNames(fieldsToJson(item.children ?? []), f.name));
      continue;
    }
    o[f.name] = toJsonValue(f.value as never);
    if (f.children && isBitChildren(f)) { for (const c of f.children) o[c.name] = toJsonValue(c.value); }
  }
  return o;
}

function shortNames(o: Record<string, unknown>, parent: string): Record<string, unknown> {
  const r: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) r[k.startsWith(parent + ".") ? k.slice(parent.length + 1) : k] = v;
  return r;
}

function unshift(fs: FieldValue[], by: number): FieldValue[] {
  return fs.map((f) => ({ ...f, start: f.start - by, end: f.end - by }));
}

/**
 * Lower-case hex of bytes.
 * @param b Bytes.
 * @returns Hex.
 */
export function toHex(b: Uint8Array): string {
  return bytesToHex(b);
}
