// deno-lint-ignore-file no-console -- a benchmark script reports on stdout.
/**
 * Writes a mixed virtio-msg / FF-A capture for the decode benchmark: virtio-msg transport messages
 * (requests and responses) and FF-A FFA_MSG_SEND_DIRECT_REQ2/RESP2 frames carrying virtio-msg
 * messages in x4–x17, as virtio-msg-ffa does.
 *
 * Usage: npx -y deno@2.9.6 run --allow-write bench/gen_mixed.ts [COUNT] [OUT]
 * (defaults: 1000000, bench/out/mixed_1m.pcapng)
 *
 * @module
 */
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import { mixedRecord } from "./_mixed.ts";

const count = Number(Deno.args[0] ?? 1_000_000);
const out = Deno.args[1] ?? "bench/out/mixed_1m.pcapng";
await Deno.mkdir(new URL(".", new URL(out, `file://${Deno.cwd()}/`)).pathname, { recursive: true });

const writer = createCaptureWriter(
  (await Deno.open(out, { write: true, create: true, truncate: true })).writable,
);
for (let i = 0; i < count; i++) await writer.write(mixedRecord(i));
await writer.close();
console.log(`wrote ${count} records to ${out}`);
