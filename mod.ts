/**
 * vioscope: capture, decode, encode, diff and replay virtio-msg, FF-A, RPMB, SCMI and
 * virtio-iommu messages.
 *
 * This entry point exports everything: the shared record model, the capture readers and writers
 * (`./pcap`), the message codecs (`./codec`), trace ingestion (`./trace`), display filters
 * (`./filter`), the simulator and replay (`./sim`), trace diff (`./diff`) and exporters
 * (`./export`); each is also a sub-path export in deno.json.
 *
 * @example Read a capture
 * ```ts
 * import { CaptureReader, createCaptureWriter, makeRecord } from "./mod.ts";
 * import { equal } from "node:assert/strict";
 * const chunks: Uint8Array[] = [];
 * const w = createCaptureWriter(new WritableStream({ write: (c) => void chunks.push(c) }));
 * await w.write(makeRecord(new Uint8Array([0, 4, 1, 16]), { protocol: "scmi", kind: "request" }));
 * await w.close();
 * let n = 0;
 * for await (const r of new CaptureReader(ReadableStream.from(chunks))) n += r.data.length;
 * equal(n, 4);
 * ```
 *
 * @module
 */
export * from "./lib/record.ts";
export * from "./lib/pcap/mod.ts";
export * from "./lib/codec/mod.ts";
export * from "./lib/filter/mod.ts";
export * from "./lib/export/mod.ts";
export * from "./lib/trace/mod.ts";
export * from "./lib/sim/mod.ts";
export * from "./lib/diff/mod.ts";
