/**
 * Writes an N-record pcapng (vioscope encapsulation, mixed protocols) for the read benchmarks.
 *
 * Usage: `npx -y deno@2.9.6 run --allow-write --allow-read bench/gen_pcapng.ts [N] [OUT]`
 * (default 1,000,000 records to `bench/out/records_<N>.pcapng`).
 *
 * @module
 */
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import { type CaptureRecord, PROTOCOL_TAGS } from "../lib/record.ts";

/**
 * The benchmark file name for N records.
 * @param n Record count.
 * @returns Path under bench/out/.
 */
export function benchFile(n: number): string {
  return new URL(`./out/records_${n}.pcapng`, import.meta.url).pathname;
}

/**
 * Writes the file unless it exists already.
 * @param n Record count.
 * @param path Output path.
 * @returns The path.
 */
export async function generate(n: number, path: string = benchFile(n)): Promise<string> {
  try {
    await Deno.stat(path);
    return path;
  } catch {
    // write it
  }
  await Deno.mkdir(new URL("./out/", import.meta.url), { recursive: true });
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const w = createCaptureWriter(file.writable);
  const data = new Uint8Array(32).map((_, i) => i);
  const r: CaptureRecord = {
    timestampNs: 1_700_000_000_000_000_000n,
    kind: "request",
    sender: "driver",
    channel: { device: 1, queue: 0 },
    data,
    originalLength: 32,
  };
  for (let i = 0; i < n; i++) {
    r.timestampNs += 1000n;
    r.protocol = PROTOCOL_TAGS[i % 5]!;
    r.kind = i % 2 ? "response" : "request";
    r.sender = i % 2 ? "device" : "driver";
    r.correlationId = i >>> 1;
    await w.write(r);
  }
  await w.close();
  return path;
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 1_000_000);
  const path = await generate(n, Deno.args[1] ?? benchFile(n));
  // deno-lint-ignore no-console
  console.log(`${path}: ${n} records, ${(await Deno.stat(path)).size} bytes`);
}
