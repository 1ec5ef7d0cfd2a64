/**
 * Replay benchmark: messages per second through the simulator at top speed, and paced replay at
 * 10,000 and 20,000 messages/s with lateness percentiles and drift (lateness of the last message
 * and end-time error) after a configurable duration. Targets: top speed ≥ 300,000 messages/s
 * through the loopback bus; paced p99 lateness ≤ 200 µs and drift ≤ 1 ms after 60 s.
 *
 *   npx -y deno@2.9.6 run --allow-read --allow-env bench/replay_bench.ts [SECONDS] [TRACE]
 *
 * SECONDS (default 60) is the length of each paced run; TRACE (default
 * fixtures/sim/virtio-msg-loopback.pcapng) is looped as often as needed (models reset per loop).
 *
 * @module
 */
import { CaptureReader } from "../lib/pcap/mod.ts";
import type { CaptureRecord } from "../lib/record.ts";
import {
  createModels,
  DEFAULT_PROFILE,
  LoopbackBus,
  percentile,
  planReplay,
  profileOptions,
  Replayer,
  ReplayScheduler,
  simRegistry,
} from "../lib/sim/mod.ts";

const SECONDS = Number(Deno.args[0] ?? 60);
const TRACE = Deno.args[1] ?? new URL("../fixtures/sim/virtio-msg-loopback.pcapng", import.meta.url).pathname;
const enc = new TextEncoder();
const print = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));

async function readTrace(path: string): Promise<CaptureRecord[]> {
  const f = await Deno.open(path);
  const out: CaptureRecord[] = [];
  for await (const r of new CaptureReader(f.readable)) out.push(r);
  return out;
}

const records = await readTrace(TRACE);
const registry = simRegistry();
const decode = { registry, options: profileOptions(DEFAULT_PROFILE) };
const plan = planReplay(records, decode);
const n = plan.items.length;
print(
  `trace ${TRACE}: ${n} driver-side messages; paced runs of ${SECONDS} s; ${navigator.hardwareConcurrency} CPUs`,
);

// 1. Top speed through the loopback bus (decode, model, encode), and through replay with comparison.
{
  const bus = new LoopbackBus(createModels(), decode);
  const reqs = plan.items.map((it) => it.request);
  const loops = Math.ceil(1_000_000 / n);
  for (let i = 0; i < 20_000; i++) bus.send(reqs[i % n]!); // warm up
  const t = performance.now();
  for (let l = 0; l < loops; l++) {
    bus.reset();
    for (let i = 0; i < n; i++) bus.send(reqs[i]!);
  }
  const s = (performance.now() - t) / 1000;
  print(`top speed, loopback bus:         ${Math.round((loops * n) / s).toLocaleString("en")} messages/s`);

  const r = new Replayer(new LoopbackBus(createModels(), { ...decode, pairAnswers: true }), plan, decode);
  const t2 = performance.now();
  let divergences = 0;
  const loops2 = Math.ceil(300_000 / n);
  for (let l = 0; l < loops2; l++) for (let i = 0; i < n; i++) divergences += r.step(i, l).divergences.length;
  divergences += r.finish().length;
  const s2 = (performance.now() - t2) / 1000;
  print(
    `top speed, replay with compare:  ${Math.round((loops2 * n) / s2).toLocaleString("en")} messages/s ` +
      `(${divergences} divergences)`,
  );
}

// 2. Paced replay at fixed rates.
for (const rate of [10_000, 20_000]) {
  const loops = Math.ceil((rate * SECONDS) / n);
  const r = new Replayer(new LoopbackBus(createModels(), { ...decode, pairAnswers: true }), plan, decode);
  for (let i = 0; i < Math.min(n * 50, 5000); i++) r.step(i % n, Math.floor(i / n)); // warm up
  r.finish();
  const paced = new Replayer(new LoopbackBus(createModels(), { ...decode, pairAnswers: true }), plan, decode);
  const offsets = plan.items.map((it) => it.request.timestampNs - plan.items[0]!.request.timestampNs);
  const sched = new ReplayScheduler(offsets, { rate, loops });
  let divergences = 0;
  const stats = await sched.run((i, loop) => {
    divergences += paced.step(i, loop).divergences.length;
  });
  divergences += paced.finish().length;
  const l = stats.latenessNs;
  const us = (ns: number) => (ns / 1000).toFixed(1);
  const elapsed = stats.endMs - stats.startMs;
  const endError = elapsed - stats.plannedSpanMs;
  print(
    `paced ${rate.toLocaleString("en")}/s: ${stats.sent.toLocaleString("en")} messages in ${
      (elapsed / 1000).toFixed(2)
    } s, ` +
      `achieved ${Math.round(stats.sent / (elapsed / 1000)).toLocaleString("en")}/s; lateness p50 ${
        us(percentile(l, 50))
      } µs, ` +
      `p99 ${us(percentile(l, 99))} µs, p99.9 ${us(percentile(l, 99.9))} µs, max ${
        us(percentile(l, 100))
      } µs; ` +
      `drift: last message ${us(l[l.length - 1] ?? 0)} µs late, end ${endError.toFixed(3)} ms after plan; ` +
      `${divergences} divergences`,
  );
}
