/**
 * Display filters: Wireshark's filter language over vioscope's field names
 * (`scmi.hdr.protocol_id == CLOCK && scmi.clock.status != SUCCESS`), compiled once into a fast
 * matcher over records and their decoded messages. See docs/filters.md.
 *
 * @example Compiling and using a filter
 * ```ts
 * import { compileFilter, defaultRegistry, makeRecord } from "../../mod.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const filter = compileFilter("scmi.hdr.protocol_id in {CLOCK, SENSOR} && frame.direction == request", { registry });
 * const record = makeRecord(new Uint8Array([0x00, 0x50, 0x00, 0x00]), { protocol: "scmi", kind: "request" });
 * equal(filter.matches(record, registry.get("scmi")!.decode(record, { registry })), true);
 * ```
 *
 * @module
 */
export * from "./filter_syntax_error.ts";
export * from "./parse_filter.ts";
export * from "./print_filter.ts";
export * from "./filter_fields.ts";
export * from "./compile_filter.ts";
