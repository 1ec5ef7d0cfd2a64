/**
 * Unified-diff style text of a {@linkcode DiffResult}: `---`/`+++` headers, `@@ -a,b +c,d @@`
 * hunks of message lines with context, `-`/`+` for removed/added messages and `~` for changed
 * ones followed by their field changes.
 *
 * @module
 */
import type { DiffResult, MessageInfo } from "./diff_messages.ts";
import type { FieldChange, Hunk } from "./hunks.ts";
import { messageLine } from "./message_line.ts";

/** Options for {@linkcode formatUnified}. */
export interface UnifiedOptions {
  /**
   * Unchanged messages around each edit.
   * @default {3}
   */
  context?: number;
  /**
   * Use ANSI colours.
   * @default {false}
   */
  color?: boolean;
  /**
   * Name of the old trace in the `---` header.
   * @default {"a"}
   */
  labelA?: string;
  /**
   * Name of the new trace in the `+++` header.
   * @default {"b"}
   */
  labelB?: string;
}

const C = {
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  cyan: "\x1b[36m",
  bold: "\x1b[1m",
  off: "\x1b[0m",
};

/**
 * A field change as text: `vmsg.config.offset: 4 → 8` (`(absent)` for a missing side).
 *
 * @example
 * ```ts
 * import { formatFieldChange } from "./format_unified.ts";
 * import { equal } from "node:assert/strict";
 * equal(formatFieldChange({ field: "scmi.clock.rate", a: "100000000", b: "200000000" }),
 *   "scmi.clock.rate: 100000000 → 200000000");
 * ```
 *
 * @param c The change.
 * @returns Text.
 */
export function formatFieldChange(c: FieldChange): string {
  return `${c.field}: ${c.a ?? "(absent)"} → ${c.b ?? "(absent)"}`;
}

/**
 * The hunk header `@@ -a,b +c,d @@`.
 * @param h The hunk.
 * @returns Text.
 */
export function hunkHeader(h: Hunk): string {
  return `@@ -${h.aStart},${h.aLength} +${h.bStart},${h.bLength} @@`;
}

/**
 * The lines of one hunk (without its header).
 * @param result The diff.
 * @param h The hunk.
 * @param color Use ANSI colours.
 * @returns Lines.
 */
export function hunkLines(result: DiffResult, h: Hunk, color = false): string[] {
  const paint = (c: string, s: string) => (color ? c + s + C.off : s);
  const line = (i: MessageInfo) => messageLine(i);
  const out: string[] = [];
  for (const l of h.lines) {
    if (l.op === "equal") out.push("  " + line(result.info("a", l.a)));
    else if (l.op === "delete") out.push(paint(C.red, "- " + line(result.info("a", l.a))));
    else if (l.op === "insert") out.push(paint(C.green, "+ " + line(result.info("b", l.b))));
    else {
      out.push(paint(C.yellow, "~ " + line(result.info("b", l.b))));
      for (const c of l.changes ?? []) out.push(paint(C.yellow, "      " + formatFieldChange(c)));
    }
  }
  return out;
}

/**
 * Renders the diff as unified-diff style text; no lines at all when the traces match.
 *
 * @example
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { diffMessages } from "./diff_messages.ts";
 * import { formatUnified } from "./format_unified.ts";
 * import { deepEqual } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const vmsg = registry.get("virtio-msg")!;
 * const ping = (data: number) =>
 *   vmsg.decodeBytes(vmsg.encodeMessage({ name: "PING", fields: { data } }, { registry }), { registry });
 * const text = formatUnified(diffMessages([ping(1)], [ping(1), ping(2)], { registry }), { labelA: "old", labelB: "new" });
 * deepEqual(text, [
 *   "--- old",
 *   "+++ new",
 *   "@@ -1,1 +1,2 @@",
 *   "     ?    virtio-msg   -          PING dev=0 tok=0 data=0x1",
 *   "+    ?    virtio-msg   -          PING dev=0 tok=0 data=0x2",
 * ]);
 * ```
 *
 * @param result The diff.
 * @param options Context, colour and labels.
 * @returns Lines (no newlines).
 */
export function formatUnified(result: DiffResult, options: UnifiedOptions = {}): string[] {
  const hunks = result.hunks(options.context ?? 3);
  if (!hunks.length) return [];
  const color = options.color ?? false;
  const out = [
    color ? `${C.bold}--- ${options.labelA ?? "a"}${C.off}` : `--- ${options.labelA ?? "a"}`,
    color ? `${C.bold}+++ ${options.labelB ?? "b"}${C.off}` : `+++ ${options.labelB ?? "b"}`,
  ];
  for (const h of hunks) {
    out.push(color ? C.cyan + hunkHeader(h) + C.off : hunkHeader(h));
    for (const l of hunkLines(result, h, color)) out.push(l);
  }
  return out;
}
