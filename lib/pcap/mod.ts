/**
 * Capture files: streaming readers and writers for pcap, pcapng and JSON Lines, and vioscope's
 * pseudo-header encapsulation (docs/capture-format.md).
 *
 * @example Write and read back
 * ```ts
 * import { CaptureReader, createCaptureWriter } from "./mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
 * const w = createCaptureWriter(writable, { format: "pcap" });
 * const done = (async () => {
 *   await w.write(makeRecord(new Uint8Array([1, 2, 3]), { protocol: "rpmb", timestampNs: 7n }));
 *   await w.close();
 * })();
 * const got = [];
 * for await (const r of new CaptureReader(readable)) got.push(r);
 * await done;
 * equal(got[0]!.protocol, "rpmb");
 * equal(got[0]!.timestampNs, 7n);
 * ```
 *
 * @module
 */
export * from "./capture_info.ts";
export * from "./capture_reader.ts";
export * from "./capture_syntax_error.ts";
export * from "./capture_writer.ts";
export * from "./jsonl.ts";
export * from "./pseudo_header.ts";
