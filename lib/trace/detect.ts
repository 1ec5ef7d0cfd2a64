/**
 * Tells what an input is from its first bytes: a capture (pcap, pcapng, JSON Lines) or a trace
 * (QEMU log text, QEMU simple binary, ftrace text, hex dump), without waiting for more than the
 * first complete line of a live pipe.
 *
 * @module
 */
import { isQemuSimpleHeader } from "./qemu_simple.ts";

/** Trace inputs read by {@linkcode TraceReader}. */
export type TraceFormat = "qemu-log" | "qemu-simple" | "ftrace" | "hexdump";

/** Every input format vioscope reads. */
export type InputFormat = "pcap" | "pcapng" | "jsonl" | TraceFormat;

/** Trace format names accepted by `--from`, in help order. */
export const TRACE_FORMATS: readonly TraceFormat[] = ["qemu-log", "qemu-simple", "ftrace", "hexdump"];

/**
 * Tells whether a format is a trace (read by `TraceReader`) rather than a capture.
 *
 * @example
 * ```ts
 * import { isTraceFormat } from "./detect.ts";
 * import { equal } from "node:assert/strict";
 * equal(isTraceFormat("ftrace"), true);
 * equal(isTraceFormat("pcapng"), false);
 * ```
 *
 * @param format Any input format.
 * @returns True for `qemu-log`, `qemu-simple`, `ftrace` and `hexdump`.
 */
export function isTraceFormat(format: InputFormat): format is TraceFormat {
  return (TRACE_FORMATS as readonly string[]).includes(format);
}

const FTRACE = /^\s*.+?-\d+\s+(?:\(\s*(?:\d+|-+)\)\s+)?\[\d+\]\s+(?:[.a-zA-Z0-9]{4,5}\s+)?\d+\.\d+:\s/;
const FTRACE_HEADER = /^(?:# tracer:|cpus=\d+|version\s*=\s*\d)/;
const HEX = /^\s*(?:[IO]\s+)?[0-9a-fA-F]{3,}(?::|\s)\s*[0-9a-fA-F]{2}(?:\s|$)/;
const DIR = /^\s*[IO]\s*$/;
const QEMU =
  /^(?:\d+@\d+\.\d+:\s*|\d{4}-\d\d-\d\dT[\d:.]+Z\s+)?(?:(?:\S+\s+)?[\w.+-]+\(\d+\):\s*)?[A-Za-z_]\w*(?:\s|$)/;
const MAX_SNIFF = 65536;
const decoder = new TextDecoder();

/**
 * Detects the format from the first bytes.
 *
 * @example
 * ```ts
 * import { detectFormat } from "./detect.ts";
 * import { equal } from "node:assert/strict";
 * const t = (s: string) => detectFormat(new TextEncoder().encode(s), true);
 * equal(t("5475@1795237400.495951:virtio_iommu_attach domain=0 endpoint=32\n"), "qemu-log");
 * equal(t("virtio_set_status vdev 0x55f0 val 0\n"), "qemu-log");
 * equal(t("# tracer: nop\n#\n"), "ftrace");
 * equal(t("  bash-329 [000] ..... 14183.446808: scmi_msg_dump: id=0 ch=10\n"), "ftrace");
 * equal(t("000000 00 04 01 10\n"), "hexdump");
 * equal(t('{"ts":"0.000000000"}\n'), "jsonl");
 * ```
 *
 * @param head The bytes read so far.
 * @param final True when the input has no more bytes.
 * @returns The format; undefined when more bytes are needed (never when `final`).
 */
export function detectFormat(head: Uint8Array, final: boolean): InputFormat | undefined {
  if (head.length >= 4) {
    const magic = (head[0]! << 24 | head[1]! << 16 | head[2]! << 8 | head[3]!) >>> 0;
    if (magic === 0x0a0d0d0a) return "pcapng";
    if (magic === 0xd4c3b2a1 || magic === 0xa1b2c3d4 || magic === 0x4d3cb2a1 || magic === 0xa1b23c4d) {
      return "pcap";
    }
    if (magic === 0xffffffff) {
      if (head.length < 16 && !final) return undefined;
      if (isQemuSimpleHeader(head)) return "qemu-simple";
    }
  } else if (!final && head.length > 0) return undefined;
  const text = decoder.decode(head.subarray(0, MAX_SNIFF));
  const lines = text.split("\n");
  const complete = final || head.length >= MAX_SNIFF ? lines.length : lines.length - 1;
  for (let i = 0; i < complete; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    const t = line.trim();
    if (t === "") continue;
    if (t.startsWith("{")) return "jsonl";
    if (FTRACE_HEADER.test(t) || FTRACE.test(line)) return "ftrace";
    if (t.startsWith("#")) continue;
    if (HEX.test(line) || DIR.test(line)) return "hexdump";
    if (QEMU.test(line)) return "qemu-log";
    // A line nothing recognises: keep looking (it will be reported as unparseable later).
  }
  if (lines.length > 0 && lines[0]!.trimStart().startsWith("{")) return "jsonl";
  return final || head.length >= MAX_SNIFF ? "qemu-log" : undefined;
}

/** What {@linkcode sniffStream} found. */
export interface SniffResult {
  /** The detected format. */
  format: InputFormat;
  /** The whole input again, the sniffed bytes first. */
  stream: ReadableStream<Uint8Array>;
}

/**
 * Reads just enough of a stream to detect its format (the first complete line of text, or the
 * first 16 bytes of binary), then hands back a stream with every byte.
 *
 * @example
 * ```ts
 * import { sniffStream } from "./detect.ts";
 * import { equal } from "node:assert/strict";
 * const bytes = new TextEncoder().encode("virtio_set_status vdev 0x1 val 0\n");
 * const { format, stream } = await sniffStream(ReadableStream.from([bytes]));
 * equal(format, "qemu-log");
 * equal((await new Response(stream).text()).length, bytes.length);
 * ```
 *
 * @param stream The input.
 * @param forced A format to use instead of detecting.
 * @returns Format and stream.
 */
export async function sniffStream(
  stream: ReadableStream<Uint8Array>,
  forced?: InputFormat,
): Promise<SniffResult> {
  if (forced) return { format: forced, stream };
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let format: InputFormat | undefined;
  let done = false;
  while (format === undefined) {
    const r = await reader.read();
    if (r.done) {
      done = true;
    } else {
      parts.push(r.value);
      size += r.value.length;
    }
    const head = parts.length === 1 ? parts[0]! : join(parts, size);
    format = detectFormat(head, done);
    if (done) break;
  }
  let i = 0;
  const out = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (i < parts.length) {
        ctl.enqueue(parts[i++]!);
        return;
      }
      if (done) {
        ctl.close();
        return;
      }
      const r = await reader.read();
      if (r.done) ctl.close();
      else ctl.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { format: format ?? "qemu-log", stream: out };
}

function join(parts: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
