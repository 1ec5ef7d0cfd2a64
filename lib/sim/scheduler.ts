/**
 * Paced sending: every message's send time is computed from one fixed start anchor (captured offset
 * divided by the speed, or index divided by the rate), never from the previous send, so lateness
 * never accumulates into drift — also across loops and with speeds below 1. Waiting uses the clock's
 * sleep for the bulk of a gap and a busy-spin on the clock for the last stretch (sub-millisecond
 * precision with a millisecond timer).
 *
 * @module
 */

/** A monotonic clock with a sleep; injectable so tests can use a fake one. */
export interface Clock {
  /** Milliseconds (fractional) from an arbitrary origin. */
  now(): number;
  /**
   * Waits about `ms` milliseconds (may wake late).
   * @param ms Milliseconds.
   */
  sleep(ms: number): Promise<void>;
}

/** The wall clock: `performance.now()` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/** How messages are paced. */
export interface PaceOptions {
  /**
   * Multiplier of the captured pace (2 = twice as fast, 0.5 = half as fast).
   * @default {1}
   */
  speed?: number;
  /** Fixed rate in messages per second (replaces the captured times). */
  rate?: number;
  /** Send as fast as possible. */
  topspeed?: boolean;
  /**
   * How many times the whole sequence is sent.
   * @default {1}
   */
  loops?: number;
}

/** Options of a {@linkcode ReplayScheduler}. */
export interface SchedulerOptions extends PaceOptions {
  /** The clock (default: {@linkcode systemClock}). */
  clock?: Clock;
  /**
   * The last stretch of each wait spent busy-spinning, ms.
   * @default {1}
   */
  spinMs?: number;
  /**
   * How late the clock's sleep typically wakes, ms: sleeps end this much before the spin starts
   * (Deno's `setTimeout` wakes 1–1.5 ms late).
   * @default {1.5}
   */
  timerSlackMs?: number;
  /** Called before each sleep (not before spins): a chance to flush output. */
  onIdle?: () => void | Promise<void>;
}

/** What a run measured. */
export interface ScheduleStats {
  /** Messages sent. */
  sent: number;
  /** Clock time of the anchor, ms. */
  startMs: number;
  /** Clock time after the last send returned, ms. */
  endMs: number;
  /** Lateness of every send (send time − planned time), ns; ≥ 0. */
  latenessNs: Float64Array;
  /** Planned time of the last message relative to the anchor, ms. */
  plannedSpanMs: number;
}

/**
 * Called for each message: index in the sequence, loop number, lateness (ns) and the planned time
 * relative to the anchor (ns, as a number).
 */
export type SendFn = (
  index: number,
  loop: number,
  latenessNs: number,
  plannedNs: number,
) => void | Promise<void>;

/** Sends a sequence of messages at planned times measured from one anchor. */
export class ReplayScheduler {
  #offsets: Float64Array;
  #period: number;
  #opts: SchedulerOptions;
  #clock: Clock;

  /**
   * @param offsetsNs Captured times relative to the first message (ns, non-decreasing).
   * @param options Pace, loops, clock.
   */
  constructor(offsetsNs: readonly bigint[], options: SchedulerOptions = {}) {
    const speed = options.speed ?? 1;
    if (!(speed > 0) || !Number.isFinite(speed)) {
      throw new RangeError(`Cannot pace a replay: speed ${speed} is not > 0`);
    }
    if (options.rate !== undefined && !(options.rate > 0)) {
      throw new RangeError(`Cannot pace a replay: rate ${options.rate} is not > 0`);
    }
    const loops = options.loops ?? 1;
    if (!Number.isInteger(loops) || loops < 1) {
      throw new RangeError(`Cannot pace a replay: loop count ${loops} is not ≥ 1`);
    }
    this.#offsets = Float64Array.from(offsetsNs, (o) => Number(o));
    const n = this.#offsets.length;
    const span = n ? this.#offsets[n - 1]! : 0;
    // A loop starts one mean gap after the previous one's last message (1 ms for a single message).
    this.#period = n > 1 ? span + span / (n - 1) : 1e6;
    this.#opts = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** Messages one loop holds. */
  get length(): number {
    return this.#offsets.length;
  }

  /**
   * The planned time of a message relative to the anchor.
   * @param index Index in the sequence.
   * @param loop Loop number (0-based).
   * @returns Nanoseconds.
   */
  plannedNs(index: number, loop = 0): number {
    const o = this.#opts;
    if (o.topspeed) return 0;
    if (o.rate !== undefined) return ((loop * this.#offsets.length + index) * 1e9) / o.rate;
    return (loop * this.#period + this.#offsets[index]!) / (o.speed ?? 1);
  }

  /**
   * Runs the whole schedule.
   * @param send Called at each planned time.
   * @returns Timing statistics.
   */
  async run(send: SendFn): Promise<ScheduleStats> {
    const clock = this.#clock;
    const n = this.#offsets.length;
    const loops = this.#opts.loops ?? 1;
    const spin = (this.#opts.spinMs ?? 1) + (this.#opts.timerSlackMs ?? 1.5);
    const top = !!this.#opts.topspeed;
    const late = new Float64Array(n * loops);
    const start = clock.now();
    let k = 0;
    let planned = 0;
    for (let loop = 0; loop < loops; loop++) {
      for (let i = 0; i < n; i++) {
        planned = this.plannedNs(i, loop);
        let now = clock.now();
        if (!top) {
          const due = start + planned / 1e6;
          if (due - now > spin) {
            await this.#opts.onIdle?.();
            now = clock.now();
            if (due - now > spin) await clock.sleep(due - now - spin);
            now = clock.now();
          }
          while (now < due) now = clock.now();
          late[k] = Math.max(0, (now - due) * 1e6);
        }
        const r = send(i, loop, late[k]!, planned);
        if (r) await r;
        k++;
      }
    }
    return { sent: k, startMs: start, endMs: clock.now(), latenessNs: late, plannedSpanMs: planned / 1e6 };
  }
}

/**
 * A percentile of a set of values (nearest rank).
 *
 * @example
 * ```ts
 * import { percentile } from "./scheduler.ts";
 * import { equal } from "node:assert/strict";
 * equal(percentile(Float64Array.from([5, 1, 4, 2, 3]), 50), 3);
 * equal(percentile(Float64Array.from([5, 1, 4, 2, 3]), 100), 5);
 * ```
 *
 * @param values Values (not modified).
 * @param p Percentile, 0–100.
 * @returns The value, or 0 for an empty set.
 */
export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return 0;
  const s = values.slice().sort();
  const rank = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[rank]!;
}
