/**
 * `deno bench`: summary lines (what `vioscope decode` prints) of a mixed virtio-msg / FF-A batch
 * held in memory, written straight from the bytes (the line path) and by decoding first, and decoding
 * with the full field tree (what `-V` and `--jsonl` need); and the columns before the Info text alone.
 * The whole-file figure (reading + decoding + formatting) comes from bench/decode_throughput.ts.
 *
 * Run: npx -y deno@2.9.6 task bench
 *
 * @module
 */
import { DecodeSession, defaultRegistry } from "../lib/codec/mod.ts";
import { ByteSink } from "../lib/format.ts";
import { mixedRecord } from "./_mixed.ts";

const registry = defaultRegistry();
const records = Array.from({ length: 1000 }, (_, i) => mixedRecord(i, 0n));

const out = new ByteSink(1 << 18);

Deno.bench(
  "summary lines of 1000 mixed virtio-msg/FF-A messages",
  { group: "decode", baseline: true },
  () => {
    // What `vioscope decode` does: each summary written straight from the bytes where the codec can
    // (every message of this batch), else decoded and written.
    const s = new DecodeSession(registry, { tree: false, pairing: "needed", summaries: false });
    out.off = 0;
    let n = 0;
    for (const r of records) {
      out.summaryPrefix(++n, r, 0n);
      if (!s.summaryLine(r, out)) s.summaryTo(out, s.decode(r)!);
      out.newline();
    }
    if (out.off < 1000 * 40) throw new Error("nothing written");
  },
);

Deno.bench(
  "decode 1000 mixed virtio-msg/FF-A messages, then their summary lines",
  { group: "decode" },
  () => {
    // Decoding first (values only), then the summary from the message.
    const s = new DecodeSession(registry, { tree: false, pairing: "needed", summaries: false });
    out.off = 0;
    let n = 0;
    for (const r of records) {
      const m = s.decode(r)!;
      out.summaryPrefix(++n, r, 0n);
      s.summaryTo(out, m);
      out.newline();
    }
    if (out.off < 1000 * 40) throw new Error("nothing decoded");
  },
);

Deno.bench("decode 1000 mixed messages with the full field tree", { group: "decode" }, () => {
  const s = new DecodeSession(registry, { tree: true });
  for (const r of records) s.decode(r);
});

const columnRecords = Array.from({ length: 4096 }, (_, i) => mixedRecord(i));
const columnT0 = columnRecords[0]!.timestampNs;
let columnNo = 0;

Deno.bench("summary columns (number, time, direction, protocol, channel) of 4096 mixed records", () => {
  // The columns before the Info text alone, numbered on from the last pass (as lines are), below 10^6.
  out.off = 0;
  if (columnNo > 900_000) columnNo = 0;
  for (const r of columnRecords) out.summaryPrefix(++columnNo, r, columnT0);
  if (out.off < 4096 * 30) throw new Error("nothing written");
});
