/**
 * The worker of parallel `vioscope decode`: receives the run's options, then chunks, and answers
 * each chunk with its summary lines and pairing edges (see `_decode_chunk.ts`), one chunk at a time
 * in the order they came.
 *
 * Messages in: `{ type: "init", env }` once, then `{ type: "task", task }`. Messages out: one
 * `ChunkResult` per task (its buffers shared, not transferred: see `_decode_messages.ts`). A chunk is
 * decoded synchronously, so tasks are answered in the order they came.
 *
 * @internal @private
 * @module
 */
import { decodeChunk } from "./_decode_chunk.ts";
import type { ChunkEnv, ChunkResult, ChunkTask } from "./_decode_messages.ts";

/** A message to the worker. */
export type DecodeWorkerMessage = { type: "init"; env: ChunkEnv } | { type: "task"; task: ChunkTask };

/** The parts of a worker's global scope used here. */
interface WorkerScope {
  onmessage: ((e: MessageEvent<DecodeWorkerMessage>) => void) | null;
  postMessage(message: ChunkResult): void;
}

// Deno's postMessage detaches the buffer it serializes a message into. The first detached typed array
// of an isolate moves to another map, which makes V8 throw away all code that relied on Uint8Array's
// map staying put: about 30 functions of the line path, at a worker's first result. Detaching one here,
// before any code is optimized, spares that (bench/deopts.ts checks it; docs/benchmarks.md).
new Uint8Array(8).buffer.transfer();

const scope = globalThis as unknown as WorkerScope;
let env: ChunkEnv | undefined;

function run(task: ChunkTask): void {
  scope.postMessage(decodeChunk(task, env!));
}

scope.onmessage = (e: MessageEvent<DecodeWorkerMessage>): void => {
  const m = e.data;
  if (m.type === "init") env = m.env;
  else run(m.task);
};
