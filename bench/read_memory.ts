/**
 * Reads 1M- and 4M-record pcapng files and prints records/s and peak RSS, to show that memory
 * stays flat as the file grows.
 *
 * Usage: `npx -y deno@2.9.6 run --allow-read --allow-write bench/read_memory.ts`
 *
 * @module
 */
import { CaptureReader } from "../lib/pcap/mod.ts";
import { generate } from "./gen_pcapng.ts";

for (const n of [1_000_000, 4_000_000, 1_000_000, 4_000_000]) {
  const path = await generate(n);
  const file = await Deno.open(path);
  const rssBefore = Deno.memoryUsage().rss;
  let peak = rssBefore;
  let heapPeak = 0;
  let count = 0;
  const t0 = performance.now();
  for await (const b of new CaptureReader(file.readable).batches()) {
    count += b.length;
    if ((count & 0xffff) < b.length) {
      const m = Deno.memoryUsage();
      peak = Math.max(peak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    }
  }
  const s = (performance.now() - t0) / 1000;
  peak = Math.max(peak, Deno.memoryUsage().rss);
  const size = (await Deno.stat(path)).size;
  // deno-lint-ignore no-console
  console.log(
    `${count} records (${(size / 2 ** 20).toFixed(0)} MiB): ${(count / s / 1e6).toFixed(2)} M records/s, ` +
      `${(size / s / 2 ** 20).toFixed(0)} MiB/s, RSS before ${(rssBefore / 2 ** 20).toFixed(0)} MiB, ` +
      `peak ${(peak / 2 ** 20).toFixed(0)} MiB, peak JS heap used ${(heapPeak / 2 ** 20).toFixed(0)} MiB`,
  );
}
