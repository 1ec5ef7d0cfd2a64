/**
 * Diffing traces: align two sequences of decoded messages (Myers' O(ND) algorithm in linear
 * memory), pair near matches as field-level changes, and render the result as unified-diff text,
 * Markdown, counts or JSON.
 *
 * @example Diffing two short traces
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { diffMessages, formatUnified } from "./mod.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const vmsg = registry.get("virtio-msg")!;
 * const ping = (data: number) =>
 *   vmsg.decodeBytes(vmsg.encodeMessage({ name: "PING", fields: { data } }, { registry }), { registry });
 * const result = diffMessages([ping(1), ping(2)], [ping(1), ping(3)], { registry });
 * equal(result.stats().changed, 1);
 * equal(formatUnified(result).at(-1), "      vmsg.bus.ping.data: 2 → 3");
 * ```
 *
 * @module
 */
export * from "./diff_messages.ts";
export * from "./diff_json.ts";
export * from "./field_matcher.ts";
export * from "./format_markdown.ts";
export * from "./format_stat.ts";
export * from "./format_unified.ts";
export * from "./hunks.ts";
export * from "./message_fields.ts";
export * from "./message_line.ts";
export * from "./myers.ts";
