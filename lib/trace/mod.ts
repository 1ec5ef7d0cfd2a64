/**
 * Trace inputs: QEMU `log` text (three line forms), QEMU `simple` binary traces, Linux ftrace text
 * (`trace_pipe`, `trace-cmd report`) and hex dumps, read as capture records. Events that are
 * protocol messages are lifted into them through a rule table ({@linkcode defaultLifts}); every
 * other event is kept as an annotation record.
 *
 * @example Reading a piped QEMU trace
 * ```ts
 * import { sniffStream, TraceReader } from "./mod.ts";
 * import { equal } from "node:assert/strict";
 * const text = "virtio_set_status vdev 0x55f3f7a9cb70 val 15\n";
 * const { format, stream } = await sniffStream(ReadableStream.from([new TextEncoder().encode(text)]));
 * equal(format, "qemu-log");
 * const reader = new TraceReader(stream, { format: "qemu-log" });
 * const [batch] = await Array.fromAsync(reader.batches());
 * equal(batch![0]!.protocol, "virtio-msg");
 * equal(batch![0]!.timestampNs, 0n);
 * ```
 *
 * @module
 */
export * from "./default_lifts.ts";
export * from "./detect.ts";
export * from "./ftrace.ts";
export * from "./hexdump.ts";
export * from "./lift.ts";
export * from "./qemu_log.ts";
export * from "./qemu_simple.ts";
export * from "./qemu_trace_formats.ts";
export * from "./trace_event.ts";
export * from "./trace_events_file.ts";
export * from "./trace_reader.ts";
