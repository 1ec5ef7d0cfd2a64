/**
 * The JSON form of a {@linkcode DiffResult} (`vioscope diff --json`).
 *
 * @module
 */
import type { DiffResult, DiffStats, MessageInfo } from "./diff_messages.ts";
import type { FieldChange } from "./hunks.ts";

/** One edit in JSON: message numbers are 1-based, like the text output. */
export interface DiffJsonEntry {
  /** `insert`, `delete` or `change`. */
  op: "insert" | "delete" | "change";
  /** Old message number (for an insert: the old message it follows, 0 = before the first). */
  a: number;
  /** New message number (for a delete: the new message it follows). */
  b: number;
  /** Protocol tag. */
  protocol: string;
  /** Message name. */
  name: string;
  /** Kind. */
  kind: string;
  /** Sender. */
  sender: string;
  /** Channel text. */
  channel: string;
  /** Old summary (delete, change). */
  old?: string;
  /** New summary (insert, change). */
  new?: string;
  /** Field changes (change). */
  changes?: FieldChange[];
}

/** The whole diff in JSON. */
export interface DiffJson {
  /** Old trace name. */
  a: string;
  /** New trace name. */
  b: string;
  /** Whether the traces match. */
  identical: boolean;
  /** Messages in the old trace. */
  lengthA: number;
  /** Messages in the new trace. */
  lengthB: number;
  /** Counts. */
  stats: DiffStats;
  /** The edits, in order. */
  edits: DiffJsonEntry[];
}

/**
 * Converts a diff to JSON.
 *
 * @example
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { diffMessages } from "./diff_messages.ts";
 * import { diffToJson } from "./diff_json.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const vmsg = registry.get("virtio-msg")!;
 * const ping = (data: number) =>
 *   vmsg.decodeBytes(vmsg.encodeMessage({ name: "PING", fields: { data } }, { registry }), { registry });
 * const j = diffToJson(diffMessages([ping(1)], [ping(2)], { registry }), { labelA: "x", labelB: "y" });
 * equal(j.edits[0]!.changes![0]!.field, "vmsg.bus.ping.data");
 * ```
 *
 * @param result The diff.
 * @param labels Names of the two traces.
 * @returns JSON-able object.
 */
export function diffToJson(result: DiffResult, labels: { labelA?: string; labelB?: string } = {}): DiffJson {
  const edits: DiffJsonEntry[] = [];
  const base = (op: DiffJsonEntry["op"], a: number, b: number, i: MessageInfo): DiffJsonEntry => ({
    op,
    a,
    b,
    protocol: i.protocol,
    name: i.name,
    kind: i.kind,
    sender: i.sender,
    channel: i.channel,
  });
  for (const e of result.entries) {
    if (e.op === "delete") {
      const i = result.info("a", e.a);
      edits.push({ ...base("delete", e.a + 1, e.b, i), old: i.summary });
    } else if (e.op === "insert") {
      const i = result.info("b", e.b);
      edits.push({ ...base("insert", e.a, e.b + 1, i), new: i.summary });
    } else if (e.op === "change") {
      const i = result.info("b", e.b);
      edits.push({
        ...base("change", e.a + 1, e.b + 1, i),
        old: result.info("a", e.a).summary,
        new: i.summary,
        changes: e.changes,
      });
    }
  }
  return {
    a: labels.labelA ?? "a",
    b: labels.labelB ?? "b",
    identical: edits.length === 0,
    lengthA: result.lengthA,
    lengthB: result.lengthB,
    stats: result.stats(),
    edits,
  };
}
