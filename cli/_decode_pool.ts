/**
 * The worker threads of parallel `vioscope decode`: each decodes the chunks given to it in order
 * (`_decode_worker.ts`); a task's promise always resolves — with `status: "error"` when its worker
 * failed — so that nothing is left rejected and unhandled.
 *
 * @internal @private
 * @module
 */
import { type ChunkEnv, type ChunkResult, type ChunkTask, emptyResult } from "./_decode_messages.ts";
import type { DecodeWorkerMessage } from "./_decode_worker.ts";
import { DECODE_WORKER_URL, prestartFailure, takePrestartedWorkers } from "./_parallel_input.ts";

interface Slot {
  worker: Worker;
  /** Tasks given and not answered, by id. */
  waiting: Map<number, (r: ChunkResult) => void>;
  /** Why the worker stopped, once it has. */
  dead: string | undefined;
}

function failed(id: number, message: string): ChunkResult {
  const r = emptyResult(id, new ArrayBuffer(0), new ArrayBuffer(0));
  r.status = "error";
  r.error = message;
  return r;
}

/** A fixed set of decode workers, each with a bounded queue. */
export class DecodePool {
  #slots: Slot[] = [];
  #perWorker: number;

  /**
   * Starts the workers and sends them the run's options.
   * @param count Workers.
   * @param env Options of the run.
   * @param perWorker Most tasks given to one worker and not answered yet (one decoding, the rest queued).
   */
  constructor(count: number, env: ChunkEnv, perWorker = 3) {
    this.#perWorker = perWorker;
    // Workers `cli/main.ts` started early (already loading), then new ones.
    const early = takePrestartedWorkers(count);
    for (let i = 0; i < count; i++) {
      let worker: Worker;
      try {
        worker = early[i] ?? new Worker(DECODE_WORKER_URL, { type: "module" });
      } catch (e) {
        for (const w of early.slice(i)) w.terminate();
        this.terminate();
        throw e;
      }
      const slot: Slot = { worker, waiting: new Map(), dead: undefined };
      slot.worker.onmessage = (e: MessageEvent<ChunkResult>) => {
        const done = slot.waiting.get(e.data.id);
        slot.waiting.delete(e.data.id);
        done?.(e.data);
      };
      const fail = (message: string) => {
        slot.dead = message;
        for (const [id, done] of slot.waiting) done(failed(id, message));
        slot.waiting.clear();
      };
      slot.worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        fail(e.message || "the decode worker failed");
      };
      slot.worker.onmessageerror = () => fail("the decode worker sent an unreadable message");
      const failedEarly = prestartFailure(worker);
      if (failedEarly !== undefined) fail(failedEarly);
      slot.worker.postMessage({ type: "init", env } satisfies DecodeWorkerMessage);
      this.#slots.push(slot);
    }
  }

  /** Most tasks given and not answered, over all workers. */
  get capacity(): number {
    return this.#slots.length * this.#perWorker;
  }

  /** Whether a task can be queued now. */
  get hasRoom(): boolean {
    return this.#slots.some((s) => s.waiting.size < this.#perWorker);
  }

  /**
   * Queues a task on the least busy worker (its buffers shared, not transferred).
   * @param task The chunk.
   * @returns The result (never rejects).
   */
  submit(task: ChunkTask): Promise<ChunkResult> {
    let slot = this.#slots[0]!;
    for (const s of this.#slots) if (s.waiting.size < slot.waiting.size) slot = s;
    if (slot.dead !== undefined) return Promise.resolve(failed(task.id, slot.dead));
    return new Promise((resolve) => {
      slot.waiting.set(task.id, resolve);
      slot.worker.postMessage({ type: "task", task } satisfies DecodeWorkerMessage);
    });
  }

  /** Stops every worker; unanswered tasks resolve as failed. */
  terminate(): void {
    for (const s of this.#slots) {
      if (s.dead === "stopped") continue;
      s.dead = "stopped";
      s.worker.terminate();
      for (const [id, done] of s.waiting) done(failed(id, "the decode worker was stopped"));
      s.waiting.clear();
    }
  }
}
