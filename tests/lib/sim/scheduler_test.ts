import { equal, ok, throws } from "node:assert/strict";
import { type Clock, percentile, ReplayScheduler } from "../../../lib/sim/mod.ts";

/**
 * A fake clock: every sleep wakes late by `oversleep` ms, every now() costs `tick` ms, and `work`
 * ms pass in each send. A scheduler that paced from the previous send would drift by the sum of
 * these; one that paces from the anchor does not.
 */
class FakeClock implements Clock {
  t = 1000;
  sleeps = 0;
  constructor(readonly oversleep = 0.7, readonly tick = 0.0003) {}
  now(): number {
    this.t += this.tick;
    return this.t;
  }
  sleep(ms: number): Promise<void> {
    this.sleeps++;
    this.t += ms + this.oversleep;
    return Promise.resolve();
  }
}

/** Offsets: 200 messages 5 ms apart (ns). */
const OFFSETS = Array.from({ length: 200 }, (_, i) => BigInt(i) * 5_000_000n);

async function sendTimes(speed: number, loops: number, clock: FakeClock, work = 0.2) {
  const sched = new ReplayScheduler(OFFSETS, { speed, loops, clock, spinMs: 1, timerSlackMs: 1 });
  const sent: { planned: number; at: number }[] = [];
  const start = clock.t;
  const stats = await sched.run((_i, _loop, _late, plannedNs) => {
    sent.push({ planned: plannedNs / 1e6, at: clock.t });
    clock.t += work;
  });
  return { sent, stats, start };
}

for (const speed of [0.5, 2]) {
  Deno.test(`ReplayScheduler at speed ${speed} with 3 loops never drifts from the anchor`, async () => {
    const clock = new FakeClock();
    const { sent, stats, start } = await sendTimes(speed, 3, clock);
    equal(sent.length, 600);
    equal(stats.sent, 600);
    // Planned times: offset / speed, the loops one period (span + mean gap) apart.
    equal(sent[1]!.planned, 5 / speed);
    equal(sent[200]!.planned, (995 + 5) / speed);
    equal(sent[599]!.planned, (2 * 1000 + 995) / speed);
    for (const s of sent) {
      const late = s.at - (start + s.planned);
      ok(late >= 0, `sent ${-late} ms early`);
      ok(late < 0.01, `sent ${late} ms late at planned ${s.planned} ms`);
    }
    // 600 oversleeps of 0.7 ms and 600 × 0.2 ms of work would add up to 540 ms of drift.
    ok(stats.latenessNs[599]! < 10_000, `last message ${stats.latenessNs[599]} ns late`);
    ok(clock.sleeps >= 590);
  });
}

Deno.test("ReplayScheduler recovers when sends take longer than the gap (lateness does not accumulate)", async () => {
  const clock = new FakeClock(0, 0.0001);
  const sched = new ReplayScheduler(OFFSETS, { rate: 1000, clock, spinMs: 1, timerSlackMs: 0 });
  const late: number[] = [];
  await sched.run((i, _l, lateNs) => {
    late.push(lateNs);
    clock.t += i === 10 ? 20 : 0.1; // one 20 ms stall
  });
  ok(late[11]! > 18e6);
  ok(late[40]! < 10_000, `still ${late[40]} ns late 30 messages later`);
  equal(sched.plannedNs(199), 199e6);
});

Deno.test("ReplayScheduler at top speed never sleeps and reports no lateness", async () => {
  const clock = new FakeClock();
  const stats = await new ReplayScheduler(OFFSETS, { topspeed: true, loops: 2, clock }).run(() => {});
  equal(stats.sent, 400);
  equal(clock.sleeps, 0);
  equal(percentile(stats.latenessNs, 100), 0);
});

Deno.test("ReplayScheduler rejects impossible paces", () => {
  throws(() => new ReplayScheduler(OFFSETS, { speed: 0 }), /speed 0 is not > 0/);
  throws(() => new ReplayScheduler(OFFSETS, { rate: -1 }), /rate -1/);
  throws(() => new ReplayScheduler(OFFSETS, { loops: 1.5 }), /loop count/);
});

Deno.test("percentile() uses the nearest rank", () => {
  const v = Float64Array.from({ length: 100 }, (_, i) => 100 - i);
  equal(percentile(v, 50), 50);
  equal(percentile(v, 99), 99);
  equal(percentile(new Float64Array(0), 99), 0);
});
