/**
 * When `vioscope decode FILE` runs on worker threads (see `_parallel_decode.ts`), and the workers
 * started early: `cli/main.ts` calls {@linkcode prestartDecodeWorkers} before the rest of the CLI
 * loads, so that the workers load their modules while the main thread loads its own (about 60 ms of
 * start-up off a parallel decode on two cores). Only what that needs is here, so the entry point
 * stays light.
 *
 * @internal @private
 * @module
 */
import { UserError } from "./_io.ts";

/** Smallest file decoded in parallel unless `VIOSCOPE_PARALLEL_MIN` says otherwise (16 MiB). */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
/** Bytes per chunk unless `VIOSCOPE_PARALLEL_CHUNK` says otherwise (1 MiB). */
export const PARALLEL_CHUNK_BYTES = 1024 * 1024;

/**
 * A whole number ≥ 0 from the environment, else the fallback (also without env permission).
 * @param name Variable.
 * @param fallback Default.
 * @returns The number.
 */
export function envNumber(name: string, fallback: number): number {
  let v: string | undefined;
  try {
    v = Deno.env.get(name);
  } catch {
    return fallback;
  }
  if (v === undefined || v.trim() === "") return fallback;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/**
 * Parses `--threads`: `auto` (2 when the machine has at least 2 cores, else 1) or a whole number ≥ 1.
 * @param value The option value.
 * @returns Worker threads (1 = decode on the main thread).
 */
export function threadsFrom(value: string | undefined): number {
  if (value === undefined || value === "auto") return (navigator.hardwareConcurrency ?? 1) >= 2 ? 2 : 1;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1 || n > 256) {
    throw new UserError(`Cannot use --threads "${value}": not auto or a whole number from 1 to 256`);
  }
  return n;
}

/**
 * Tells whether a file is worth decoding in parallel: a regular file of at least
 * `VIOSCOPE_PARALLEL_MIN` bytes (default {@linkcode PARALLEL_MIN_BYTES}) that starts with a pcap or
 * pcapng magic. Any trouble (missing, unreadable) says no: the sequential path reports it.
 * @param path File path (`-` is standard input: no).
 * @returns Whether to decode it in parallel.
 */
export async function isParallelInput(path: string): Promise<boolean> {
  if (path === "-") return false;
  try {
    const st = await Deno.stat(path);
    if (!st.isFile || st.size < Math.max(4, envNumber("VIOSCOPE_PARALLEL_MIN", PARALLEL_MIN_BYTES))) {
      return false;
    }
    const f = await Deno.open(path, { read: true });
    try {
      const head = new Uint8Array(4);
      let got = 0;
      while (got < 4) {
        const n = await f.read(head.subarray(got));
        if (n === null) return false;
        got += n;
      }
      const magic = (head[0]! << 24 | head[1]! << 16 | head[2]! << 8 | head[3]!) >>> 0;
      return magic === 0x0a0d0d0a || magic === 0xd4c3b2a1 || magic === 0xa1b2c3d4 ||
        magic === 0x4d3cb2a1 || magic === 0xa1b23c4d;
    } finally {
      f.close();
    }
  } catch {
    return false;
  }
}

/** Workers started by {@linkcode prestartDecodeWorkers}, not taken yet. */
const prestarted: Worker[] = [];
/** Why a worker started early failed before it was taken. */
const failures = new WeakMap<Worker, string>();

/**
 * Why a worker started early failed before the pool took it, if it did.
 * @param w The worker.
 * @returns The error message, or undefined.
 */
export function prestartFailure(w: Worker): string | undefined {
  return failures.get(w);
}

/** The decode worker module. */
export const DECODE_WORKER_URL: URL = new URL("./_decode_worker.ts", import.meta.url);

/**
 * How many decode workers to start early for a command line (see {@linkcode prestartDecodeWorkers}):
 * the `--threads` count when it asks for a summary-line decode of a file that will be decoded in
 * parallel — `decode` with a pcap or pcapng file argument of at least `VIOSCOPE_PARALLEL_MIN` bytes,
 * and none of the options that decode in order (`-V`, `-x`, `--json`, `--jsonl`, `-Y`, `-c`) — else 0.
 * @param args The command-line arguments.
 * @returns Workers to start.
 */
export async function prestartCount(args: readonly string[]): Promise<number> {
  const a = scanDecodeArgs(args);
  if (a === undefined || a.sequential) return 0;
  let threads: number;
  try {
    threads = threadsFrom(a.threads);
  } catch {
    return 0;
  }
  if (threads < 2) return 0;
  for (const f of a.files) if (await isParallelInput(f)) return threads;
  return 0;
}

/** What {@linkcode scanDecodeArgs} finds in a `decode` command line. */
interface DecodeArgs {
  /** The last `--threads` value, if any. */
  threads: string | undefined;
  /** The arguments that are not options. */
  files: string[];
  /** An option that decodes in order is given. */
  sequential: boolean;
  /** Nothing but files and `--threads N` (or `--threads=N`), each with its value. */
  plain: boolean;
}

/**
 * A quick look at a command line, without the option parser: undefined unless it is `decode`.
 * @param args The command-line arguments.
 * @returns What it holds.
 */
function scanDecodeArgs(args: readonly string[]): DecodeArgs | undefined {
  if (args[0] !== "decode") return undefined;
  const r: DecodeArgs = { threads: undefined, files: [], sequential: false, plain: true };
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--threads") {
      r.threads = args[++i];
      if (r.threads === undefined) r.plain = false;
    } else if (a.startsWith("--threads=")) r.threads = a.slice(10);
    else if (!a.startsWith("-")) r.files.push(a);
    else {
      r.plain = false;
      if (SEQUENTIAL.has(a) || /^-[a-zA-Z]*[VxcY]/.test(a)) r.sequential = true;
    }
  }
  return r;
}

/**
 * Starts the decode workers early (as many as {@linkcode prestartCount} says). It only guesses:
 * `vioscope decode` decides, and takes the workers with {@linkcode takePrestartedWorkers} or stops
 * them with {@linkcode stopPrestartedWorkers}.
 * @param args The command-line arguments.
 * @returns Workers started.
 */
export async function prestartDecodeWorkers(args: readonly string[]): Promise<number> {
  const threads = await prestartCount(args);
  try {
    for (let i = 0; i < threads; i++) {
      const w = new Worker(DECODE_WORKER_URL, { type: "module" });
      // Until the pool takes it: a worker that fails to load must not end the process.
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        failures.set(w, e.message || "the decode worker failed");
      };
      prestarted.push(w);
    }
  } catch {
    stopPrestartedWorkers(); // the pool will say why, or decode in order
  }
  return prestarted.length;
}

/**
 * The file of a plain `vioscope decode FILE` command line — one file argument and at most
 * `--threads N` (or `--threads=N`), in any order — else undefined. With its workers started early,
 * such a command needs no option parser: `cli/main.ts` hands it to `_decode_plain.ts`.
 * @param args The command-line arguments.
 * @returns The file, or undefined.
 */
export function plainDecodeFile(args: readonly string[]): string | undefined {
  const a = scanDecodeArgs(args);
  return a?.plain && a.files.length === 1 ? a.files[0] : undefined;
}

/** Options with which `vioscope decode` does not decode in parallel. */
const SEQUENTIAL = new Set(["--verbose", "--hex", "--json", "--jsonl", "--display-filter", "-Y", "--count"]);

/**
 * Takes up to `count` of the workers started early.
 * @param count Most workers wanted.
 * @returns The workers (possibly none).
 */
export function takePrestartedWorkers(count: number): Worker[] {
  const taken = prestarted.splice(0, count);
  stopPrestartedWorkers();
  return taken;
}

/** Stops the workers started early and not taken. */
export function stopPrestartedWorkers(): void {
  for (const w of prestarted.splice(0)) w.terminate();
}
