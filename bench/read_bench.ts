/**
 * `deno bench`: reading a 1,000,000-record pcapng with {@linkcode CaptureReader} (no decoding).
 *
 * @module
 */
import { CaptureReader } from "../lib/pcap/mod.ts";
import { generate } from "./gen_pcapng.ts";

const N = 1_000_000;
const path = await generate(N);

Deno.bench({ name: `read ${N} records (pcapng, batches)`, n: 5, warmup: 1 }, async () => {
  const file = await Deno.open(path);
  let n = 0;
  for await (const b of new CaptureReader(file.readable).batches()) n += b.length;
  if (n !== N) throw new Error(`Cannot benchmark: read ${n} records, expected ${N}`);
});

Deno.bench({ name: `read ${N} records (pcapng, record iterator)`, n: 5, warmup: 1 }, async () => {
  const file = await Deno.open(path);
  let n = 0;
  for await (const _ of new CaptureReader(file.readable)) n++;
  if (n !== N) throw new Error(`Cannot benchmark: read ${n} records, expected ${N}`);
});
