/**
 * Input, output and error handling shared by the commands. The only place besides cli/main.ts and cli/program.ts that
 * touches `Deno.*` streams and exit codes.
 *
 * @module
 */
import type { CaptureRecord } from "../lib/record.ts";
import { ByteSink } from "../lib/format.ts";

/** A user-facing error: printed as one line without a stack trace, exit code 2. */
export class UserError extends Error {
  /** Process exit code. */
  exitCode: number;
  /**
   * @param message What went wrong, where and why.
   * @param exitCode Exit code, 2 unless told.
   */
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/**
 * Opens a file, or standard input for `-`, as a byte stream.
 *
 * @param path File path or `-`.
 * @returns The stream.
 */
export async function openInput(path: string): Promise<ReadableStream<Uint8Array>> {
  if (path === "-") return Deno.stdin.readable;
  let f: Deno.FsFile;
  try {
    f = await Deno.open(path, { read: true });
  } catch (e) {
    throw new UserError(`Cannot open "${path}": ${e instanceof Error ? e.message : String(e)}`);
  }
  // A directory opens, and only its first read fails ("Is a directory"): say so here, by name.
  if ((await f.stat()).isDirectory) {
    f.close();
    throw new UserError(`Cannot read "${path}": it is a directory`);
  }
  return f.readable;
}

/**
 * Opens a file for writing (created or truncated), or standard output for `-`. Unbuffered: every
 * `write` is a write(2) before it resolves, so a killed process leaves every written record on disk
 * (Deno's `FsFile.writable` keeps bytes in memory until it is closed). Closing never closes stdout.
 *
 * @param path File path or `-`.
 * @returns The stream.
 */
export async function openOutput(path: string): Promise<WritableStream<Uint8Array>> {
  let file: { write(p: Uint8Array): Promise<number>; close?(): void };
  if (path === "-") file = Deno.stdout;
  else {
    try {
      file = await Deno.open(path, { write: true, create: true, truncate: true });
    } catch (e) {
      throw new UserError(`Cannot create "${path}": ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const close = (): void => {
    if (path !== "-") file.close?.();
  };
  return new WritableStream<Uint8Array>({
    async write(chunk) {
      try {
        for (let at = 0; at < chunk.length;) at += await file.write(chunk.subarray(at));
      } catch (e) {
        if (isBrokenPipe(e)) Deno.exit(0);
        throw e;
      }
    },
    close,
    abort: close,
  });
}

const encoder = new TextEncoder();

/**
 * A buffered line writer over standard output (or any stream) that flushes on demand, so that
 * text output is fast in bulk and still live on a pipe. Text is encoded straight into a byte
 * buffer; summary lines are written as bytes without building their strings.
 */
export class TextOut {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Pending output; summaries and lines are written straight into it. */
  readonly sink: ByteSink = new ByteSink(2 * BUFFER);
  /** @param stream Where to write; standard output by default. */
  constructor(stream: WritableStream<Uint8Array> = Deno.stdout.writable) {
    this.#writer = stream.getWriter();
  }
  /**
   * Queues a line (a newline is appended), writing out when 64 KiB are pending.
   * @param line Text without the newline.
   */
  async line(line: string): Promise<void> {
    if (this.put(line)) await this.flush();
  }
  /**
   * Queues a line without waiting; true when enough is pending that the caller should `flush()`.
   * @param line Text without the newline.
   * @returns Whether to flush.
   */
  put(line: string): boolean {
    this.sink.text(line);
    this.sink.newline();
    return this.full;
  }
  /**
   * Queues a summary line (see `summaryLine`) without waiting; true when the caller should `flush()`.
   * @param no Record number.
   * @param r Record.
   * @param t0 First timestamp.
   * @param info Info text.
   * @returns Whether to flush.
   */
  summary(no: number, r: CaptureRecord, t0: bigint, info: string): boolean {
    this.sink.summaryPrefix(no, r, t0);
    return this.put(info);
  }
  /** Whether enough is queued that the caller should `flush()`. */
  get full(): boolean {
    return this.sink.off >= BUFFER;
  }
  /** Writes out everything queued. */
  async flush(): Promise<void> {
    if (this.sink.off === 0) return;
    const bytes = this.sink.take();
    try {
      await this.#writer.write(bytes);
    } catch (e) {
      if (isBrokenPipe(e)) Deno.exit(0);
      throw e;
    }
  }
  /** Flushes and releases the stream (standard output stays open). */
  async close(): Promise<void> {
    await this.flush();
    this.#writer.releaseLock();
  }
}

/** Bytes queued before a flush is asked for. */
const BUFFER = 65536;

/**
 * Tells whether an error is a closed pipe on output (e.g. `| head`), which ends the run quietly.
 * @param e Any error.
 * @returns True for EPIPE.
 */
export function isBrokenPipe(e: unknown): boolean {
  return e instanceof Deno.errors.BrokenPipe ||
    (e instanceof Error && /broken pipe|os error 32/i.test(e.message));
}

/**
 * Writes one warning or error line to standard error.
 * @param message The text, without the program name.
 */
export function warn(message: string): void {
  Deno.stderr.writeSync(encoder.encode(`vioscope: ${message}\n`));
}

/** The exit code a command asks for when it finishes normally (1 = differences or divergences found). */
export const exitStatus: { code: number } = { code: 0 };

/**
 * Prints an error as one line (never a stack trace, unless `VIOSCOPE_DEBUG` is set) and picks the
 * exit code: the `UserError`'s own, else 2. (Commander's errors are handled by `cli/program.ts`.)
 * @param e What was thrown.
 * @returns Exit code.
 */
export function reportError(e: unknown): number {
  if (e instanceof UserError) {
    warn(`error: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof SyntaxError || e instanceof RangeError || e instanceof TypeError) {
    warn(`error: ${e.message}`);
    if (Deno.env.get("VIOSCOPE_DEBUG")) warn(String(e.stack));
    return 2;
  }
  warn(`internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (Deno.env.get("VIOSCOPE_DEBUG")) warn(String(e instanceof Error ? e.stack : e));
  return 2;
}
