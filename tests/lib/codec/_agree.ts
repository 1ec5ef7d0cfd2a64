/**
 * Differential check between the two decoders of the codec engine: the generic walker (field tree)
 * and the compiled values-only fast path must agree on everything a summary line or a filter sees.
 *
 * @module
 */
import { deepEqual, equal } from "node:assert/strict";
import { BytesSink, StringSink } from "../../../lib/codec/mod.ts";
import type { Codec, DecodeContext, Message, PairedRequest, RegistryLike } from "../../../lib/codec/mod.ts";
import type { CaptureRecord } from "../../../lib/record.ts";

/**
 * Values as comparable plain data. Flag booleans (`status.DRIVER_OK`) are left out: the walker
 * stores them for the field tree, the fast path does not, and filters compute them from the
 * container value either way.
 */
function plain(v: unknown): unknown {
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return `bytes:${[...v].join(",")}`;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    if ("protocol" in v && "summary" in v) {
      const m = v as Message;
      return {
        protocol: m.protocol,
        name: m.name,
        kind: m.kind,
        summary: m.summary,
        values: plain(m.values),
      };
    }
    return Object.fromEntries(
      Object.entries(v).filter(([k, x]) => !(typeof x === "boolean" && k.includes("."))).map((
        [k, x],
      ) => [k, plain(x)]),
    );
  }
  return v;
}

/**
 * Decodes `data` with and without the field tree and asserts that name, kind, summary, issues and
 * every value agree; and that the summary written later into a string or a byte sink (a decode with
 * `summary: false`, nested messages included, what `vioscope decode` does) is the same text.
 * @param codec Codec.
 * @param data Bytes.
 * @param ctx Decode context (registry, record kind, request, dialects).
 * @returns The tree decode.
 */
export function assertFastAgrees(
  codec: Codec,
  data: Uint8Array,
  ctx: Partial<DecodeContext> & { registry: RegistryLike },
): Message {
  const tree = codec.decodeBytes(data, ctx, true);
  const fast = codec.decodeBytes(data, ctx, false);
  const what = `${codec.tag} ${tree.name} ${[...data].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  equal(fast.name, tree.name, what);
  equal(fast.kind, tree.kind, what);
  equal(fast.summary, tree.summary, what);
  deepEqual(fast.issues, tree.issues, what);
  deepEqual(plain(fast.values), plain(tree.values), what);
  for (const t of [false, true]) {
    const lazy = codec.decodeBytes(data, { ...ctx, summary: false }, t);
    equal(lazy.summary, "", what);
    const s = new StringSink();
    codec.summarizeTo(s, lazy, undefined, ctx.registry);
    equal(s.value, tree.summary, `${what} (lazy summary, tree ${t})`);
    const b = new BytesSink(3);
    codec.summarizeTo(b, lazy, undefined, ctx.registry);
    equal(new TextDecoder().decode(b.buf.subarray(0, b.off)), tree.summary, `${what} (bytes, tree ${t})`);
  }
  // The line path (summaries straight from the bytes): when it accepts a message, it must write the
  // same text; with the paired request decoded or only as its record.
  const full: DecodeContext = {
    dialect: ctx.dialect || ctx.dialects?.[codec.tag] || codec.defaultDialect,
    dialects: ctx.dialects ?? {},
    recordKind: ctx.recordKind ?? "unknown",
    registry: ctx.registry,
    options: ctx.options ?? {},
    depth: ctx.depth ?? 0,
    tree: false,
    summary: false,
  };
  const rq = ctx.request;
  const requests: (PairedRequest | undefined)[] = rq
    ? [
      { record: { data: rq.data } as CaptureRecord, name: rq.name, message: rq },
      { record: { data: rq.data } as CaptureRecord, name: rq.name, message: undefined },
    ]
    : [undefined];
  for (const request of requests) {
    const line = new BytesSink(3);
    line.text("#");
    const name = codec.summaryLine(data, full, line, request);
    if (name === undefined) continue;
    equal(name, tree.name, `${what} (line path name)`);
    equal(new TextDecoder().decode(line.buf.subarray(1, line.off)), tree.summary, `${what} (line path)`);
  }
  return tree;
}
