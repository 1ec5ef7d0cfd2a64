// deno-lint-ignore-file no-console -- a benchmark script reports on stdout.
/**
 * Decodes a capture to summary lines (what `vioscope decode FILE` prints) and reports messages/s:
 *
 * 1. the CLI as users run it, `deno task vioscope decode FILE > /dev/null` (the task's command line
 *    from deno.json, V8 flag included; worker threads by default), RUNS times in a row: wall time
 *    per run, start-up included, best and median;
 * 2. the sequential path in-process (what `--threads 1` does), with its peak RSS.
 *
 * The target is ≥ 1,000,000 messages/s on the 2-core reference machine for the mixed
 * virtio-msg/FF-A capture written by bench/gen_mixed.ts.
 *
 * Usage: npx -y deno@2.9.6 run --allow-read --allow-write --allow-env --allow-run bench/decode_throughput.ts [FILE] [RUNS]
 *
 * @module
 */
import { CaptureReader } from "../lib/pcap/mod.ts";
import { DecodeSession, defaultRegistry } from "../lib/codec/mod.ts";
import { ByteSink } from "../lib/format.ts";

const file = Deno.args[0] ?? "bench/out/mixed_1m.pcapng";
const runs = Number(Deno.args[1] ?? 7);
const root = new URL("../", import.meta.url).pathname;
// The CLI exactly as `deno task vioscope` runs it (its V8 flag and permissions), from deno.json.
const task: string = JSON.parse(await Deno.readTextFile(`${root}deno.json`)).tasks.vioscope;
const cli = task.split(/\s+/).slice(1).map((a) => a.endsWith("cli/main.ts") ? `${root}cli/main.ts` : a);

// 1. The CLI, a process per run.
console.log(`CLI: deno ${cli.join(" ")} decode ${file}`);
const walls: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [...cli, "decode", file],
    stdout: "null",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error(`vioscope decode exited with ${code}`);
  walls.push((performance.now() - t) / 1000);
}
walls.sort((a, b) => a - b);
const median = walls[walls.length >> 1]!;
console.log(
  `CLI: ${runs} runs of vioscope decode ${file}: best ${walls[0]!.toFixed(2)} s, median ${
    median.toFixed(2)
  } s ` +
    `(${walls.map((w) => w.toFixed(2)).join(" ")})`,
);

// 2. The sequential path, in-process.
// The same path as `vioscope decode --threads 1 FILE`: each summary written straight from the bytes
// where the codec can (the line path), else decoded (values only) and written into the output bytes.
const session = new DecodeSession(defaultRegistry(), { tree: false, pairing: "needed", summaries: false });
const sink = await Deno.open("/dev/null", { write: true });
const out = new ByteSink(1 << 17);
let n = 0;
let bytes = 0;
let peak = 0;
const t0 = performance.now();
let first: bigint | undefined;
for await (const batch of new CaptureReader((await Deno.open(file)).readable).batches()) {
  for (const r of batch) {
    first ??= r.timestampNs;
    out.summaryPrefix(++n, r, first);
    if (!session.summaryLine(r, out)) {
      const m = session.decode(r);
      if (m) session.summaryTo(out, m);
    }
    out.newline();
    if (out.off >= 65536) {
      bytes += out.off;
      await sink.write(out.take());
    }
  }
  const rss = Deno.memoryUsage().rss;
  if (rss > peak) peak = rss;
}
bytes += out.off;
await sink.write(out.take());
const dt = (performance.now() - t0) / 1000;
console.log(
  `CLI: ${(n / median / 1e6).toFixed(2)} M messages/s at the median run, ${
    (n / walls[0]! / 1e6).toFixed(2)
  } M at the best`,
);
console.log(
  `sequential, in-process: ${n} messages in ${dt.toFixed(2)} s = ${
    (n / dt / 1e6).toFixed(2)
  } M messages/s; ` +
    `${(bytes / 1e6).toFixed(0)} MB of text; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
);
