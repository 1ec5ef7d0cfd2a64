/**
 * `deno bench`: decoding to summary lines (what `vioscope decode` prints) on a mixed virtio-msg /
 * FF-A batch held in memory, and the same with the full field tree (what `-V` and `--jsonl` need).
 * The whole-file figure (reading + decoding + formatting) comes from bench/decode_throughput.ts.
 *
 * Run: npx -y deno@2.9.6 task bench
 *
 * @module
 */
import { DecodeSession, defaultRegistry } from "../lib/codec/mod.ts";
import { summaryLine } from "../lib/format.ts";
import { mixedRecord } from "./_mixed.ts";

const registry = defaultRegistry();
const records = Array.from({ length: 1000 }, (_, i) => mixedRecord(i, 0n));

Deno.bench("decode 1000 mixed virtio-msg/FF-A messages to summary lines", { group: "decode" }, () => {
  const s = new DecodeSession(registry, { tree: false, pairing: "needed" });
  let n = 0;
  for (const r of records) n += summaryLine(1, r, 0n, s.decode(r)!.summary).length;
  if (n === 0) throw new Error("nothing decoded");
});

Deno.bench("decode 1000 mixed messages with the full field tree", { group: "decode" }, () => {
  const s = new DecodeSession(registry, { tree: true });
  for (const r of records) s.decode(r);
});
