/**
 * Shared helpers of the trace tests: a registry with every codec the built-in rules use, reading a
 * whole input, and a writer of QEMU simple-backend files (Debian's QEMU only has the log backend).
 *
 * @module
 */
import { Registry, virtioMsg } from "../../../lib/codec/mod.ts";
import { virtioIommu } from "../../../lib/codec/protocols/virtio_iommu.ts";
import { scmi } from "../../../lib/codec/protocols/scmi.ts";
import type { CaptureRecord } from "../../../lib/record.ts";
import {
  isStringType,
  type TraceEvent,
  type TraceEventFormat,
  type TraceFormat,
  TraceReader,
  type TraceReaderOptions,
  type TraceWarning,
} from "../../../lib/trace/mod.ts";

/** Root of the fixtures. */
export const FIXTURES = new URL("../../../fixtures/", import.meta.url);

/** A registry with virtio-msg, virtio-iommu and SCMI. */
export function registry(): Registry {
  return new Registry([virtioMsg, virtioIommu, scmi]);
}

/** Reads a fixture as text. */
export function fixture(path: string): string {
  return Deno.readTextFileSync(new URL(path, FIXTURES));
}

/** Splits bytes into chunks of the given sizes (cycled). */
export function chunked(bytes: Uint8Array, sizes: readonly number[] = [bytes.length || 1]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  let i = 0;
  while (at < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]!);
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}

/** Reads a whole input with a TraceReader. */
export async function readAll(
  input: string | Uint8Array | Uint8Array[],
  format: TraceFormat,
  options: Partial<TraceReaderOptions> = {},
): Promise<{ records: CaptureRecord[]; warnings: TraceWarning[]; reader: TraceReader }> {
  const chunks = Array.isArray(input)
    ? input
    : [typeof input === "string" ? new TextEncoder().encode(input) : input];
  const warnings: TraceWarning[] = [];
  const reader = new TraceReader(ReadableStream.from(chunks), {
    format,
    registry: registry(),
    onWarning: (w) => warnings.push(w),
    ...options,
  });
  const records: CaptureRecord[] = [];
  for await (const b of reader.batches()) {
    if (b.length === 0) throw new Error("empty batch");
    records.push(...b);
  }
  return { records, warnings, reader };
}

/** Options for {@linkcode encodeSimple}. */
export interface SimpleOptions {
  littleEndian?: boolean;
  pid?: number;
  /** Leave out the mapping record of these events. */
  unmapped?: string[];
}

/**
 * Writes events as a QEMU simple-backend (version 4) file, as trace/simple.c does: header, one
 * mapping record per event name, then event records (u64 per argument, strings u32 length + bytes).
 */
export function encodeSimple(
  events: readonly TraceEvent[],
  formats: ReadonlyMap<string, TraceEventFormat>,
  options: SimpleOptions = {},
): Uint8Array {
  const le = options.littleEndian ?? true;
  const parts: number[] = [];
  const u64 = (v: bigint) => {
    const b = new DataView(new ArrayBuffer(8));
    b.setBigUint64(0, BigInt.asUintN(64, v), le);
    parts.push(...new Uint8Array(b.buffer));
  };
  const u32 = (v: number) => {
    const b = new DataView(new ArrayBuffer(4));
    b.setUint32(0, v, le);
    parts.push(...new Uint8Array(b.buffer));
  };
  u64(0xffffffffffffffffn);
  u64(0xf2b177cb0aa429b4n);
  u64(4n);
  const ids = new Map<string, number>();
  for (const e of events) {
    if (ids.has(e.name)) continue;
    const id = ids.size + 3;
    ids.set(e.name, id);
    if (options.unmapped?.includes(e.name)) continue;
    const name = new TextEncoder().encode(e.name);
    u64(0n);
    u64(BigInt(id));
    u32(name.length);
    parts.push(...name);
  }
  for (const e of events) {
    const f = formats.get(e.name);
    if (!f) throw new Error(`no format for ${e.name}`);
    const args: number[] = [];
    const before = parts.length;
    for (const a of f.args) {
      const v = e.args[a.name];
      if (isStringType(a.type)) {
        const s = new TextEncoder().encode(String(v));
        const b = new DataView(new ArrayBuffer(4));
        b.setUint32(0, s.length, le);
        args.push(...new Uint8Array(b.buffer), ...s);
      } else {
        const n = typeof v === "string" ? (v === "(nil)" ? 0n : BigInt(v)) : BigInt(v ?? 0);
        const b = new DataView(new ArrayBuffer(8));
        b.setBigUint64(0, BigInt.asUintN(64, n), le);
        args.push(...new Uint8Array(b.buffer));
      }
    }
    parts.length = before;
    u64(1n);
    u64(BigInt(ids.get(e.name)!));
    u64(e.timestampNs ?? 0n);
    u32(24 + args.length);
    u32(options.pid ?? e.pid ?? 1);
    parts.push(...args);
  }
  return new Uint8Array(parts);
}
