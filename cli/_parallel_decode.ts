/**
 * `vioscope decode FILE` (summary lines) on worker threads, printing exactly the bytes the
 * sequential path prints.
 *
 * The main thread cuts the file into chunks of whole blocks (`lib/pcap/_capture_chunks.ts`) and hands them
 * to the workers (`_decode_pool.ts`), each numbered from the count of records before it and with
 * the capture's first timestamp. A worker decodes its chunk with a session of its own (decoding as a
 * new one would) and reports the pairing edges. The main thread merges the results strictly in file
 * order with its own session, which holds the pairing state of everything merged so far: a response
 * that found no request in its chunk is decoded again here when a request from an earlier chunk
 * waits for it (its line is replaced), then the chunk's requests update the pending set.
 *
 * A chunk is decoded again on the main thread, in order, when its assumptions do not hold: its
 * first number was wrong, it holds records of a protocol with a stream tracker (RPMB: only the main
 * session may see those, all of them in order), or pending requests could have reached the
 * session's limit (the oldest would have been forgotten). When a chunk cannot be parsed (damage,
 * truncation) or a worker fails, the rest of the file is read by the ordinary capture reader from
 * the first record not printed yet, so that the error and its exit status are those of the
 * sequential path.
 *
 * Environment (for tests and diagnosis): `VIOSCOPE_PARALLEL_MIN` (smallest file in bytes, default
 * 16 MiB), `VIOSCOPE_PARALLEL_CHUNK` (bytes per chunk, default 1 MiB), `VIOSCOPE_PARALLEL_STATS`
 * (when set to a number > 0, one line on standard error says how the chunks were decoded).
 *
 * @internal @private
 * @module
 */
import type { DecodeSession, DecodeSessionOptions } from "../lib/codec/mod.ts";
import { ByteSink } from "../lib/format.ts";
import { readCaptureBytes, type RecordSink } from "../lib/pcap/mod.ts";
import type { CaptureRecord, ProtocolTag } from "../lib/record.ts";
import { type CaptureChunk, captureChunks, type CaptureRest } from "../lib/pcap/_capture_chunks.ts";
import type { ChunkResult } from "./_decode_messages.ts";
import { DecodePool } from "./_decode_pool.ts";
import type { InputOptions } from "./_input.ts";
import { envNumber, PARALLEL_CHUNK_BYTES } from "./_parallel_input.ts";
import { isBrokenPipe, warn } from "./_io.ts";
import { recordLineTo } from "./_summary_line.ts";

/** What {@linkcode decodeInParallel} needs. */
export interface ParallelDecodeOptions {
  /** The file. */
  path: string;
  /** Worker threads (≥ 1). */
  threads: number;
  /** Dialects and protocol options (from `sessionOptions`). */
  session: Pick<DecodeSessionOptions, "dialects" | "options">;
  /** Input options, for the capture reader (`decodeAs`). */
  input: InputOptions;
  /** `--all-events`. */
  allEvents: boolean;
  /** Started by `_decode_plain.ts`, without the option parser (said in the stats line). */
  quickStart?: boolean;
}

/** Standard output through one writer, with a byte buffer for the lines made on this thread. */
class Output {
  readonly sink: ByteSink = new ByteSink(1 << 17);
  #writer: WritableStreamDefaultWriter<Uint8Array> = Deno.stdout.writable.getWriter();

  async #write(b: Uint8Array): Promise<void> {
    if (b.length === 0) return;
    try {
      await this.#writer.write(b);
    } catch (e) {
      if (isBrokenPipe(e)) Deno.exit(0);
      throw e;
    }
  }
  get full(): boolean {
    return this.sink.off >= 65536;
  }
  async flush(): Promise<void> {
    if (this.sink.off > 0) await this.#write(this.sink.take());
  }
  /** Writes bytes after everything queued. */
  async raw(b: Uint8Array): Promise<void> {
    if (b.length < 4096) {
      this.sink.room(b.length);
      this.sink.buf.set(b, this.sink.off);
      this.sink.off += b.length;
      if (this.full) await this.flush();
      return;
    }
    await this.flush();
    await this.#write(b);
  }
  async close(): Promise<void> {
    await this.flush();
    this.#writer.releaseLock();
  }
}

/** A chunk handed out, waiting to be merged. */
interface Pending {
  offset: number;
  preambleLength: number;
  /** Bytes of the preamble and chunk. */
  length: number;
  /** Records the chunk numbers, as counted while cutting. */
  numbered: number;
  /** The number its first numbered record was given. */
  first: number;
  /** Undefined when the chunk has no numbered record (nothing to decode or print). */
  result: Promise<ChunkResult> | undefined;
}

/** What a run did, printed on standard error when `VIOSCOPE_PARALLEL_STATS` is set. */
interface Stats {
  /** Chunks cut. */
  chunks: number;
  /** Chunks merged from a worker's result. */
  workers: number;
  /** Chunks decoded again on the main thread. */
  main: number;
  /** Lines of worker results replaced (responses paired across chunks). */
  replaced: number;
  /** Where the capture reader took over, if it did. */
  rest: number | undefined;
}

/** The run's state on the main thread. */
class Merger {
  session!: DecodeSession;
  #loading: Promise<void> | undefined;
  readonly out: Output = new Output();
  readonly stats: Stats = { chunks: 0, workers: 0, main: 0, replaced: 0, rest: undefined };
  /** Records numbered so far. */
  no = 0;
  t0: bigint | undefined;
  #o: ParallelDecodeOptions;

  constructor(o: ParallelDecodeOptions) {
    this.#o = o;
  }

  /** Loads the codecs and makes the session (once the first result is in: the workers need not wait). */
  load(): Promise<void> {
    return this.#loading ??= (async () => {
      const { DecodeSession, defaultRegistry } = await import("../lib/codec/mod.ts");
      this.session = new DecodeSession(defaultRegistry(), {
        ...this.#o.session,
        tree: false,
        pairing: "needed",
        summaries: false,
      });
    })();
  }

  /** Writes one record's line as the sequential path does (numbering it, unless it is skipped). */
  line(r: CaptureRecord): void {
    if (r.annotation !== undefined && !this.#o.allEvents) return;
    const no = ++this.no;
    const t0 = this.t0 ??= r.timestampNs;
    recordLineTo(this.out.sink, this.session, no, r, t0);
  }

  /**
   * Merges a worker's result into the output and the pairing state.
   * @returns False when the chunk must be decoded here instead.
   */
  async merge(p: Pending, res: ChunkResult): Promise<boolean> {
    const s = this.session;
    if (res.status !== "ok" || p.first !== this.no + 1) return false;
    if (s.pendingCount + res.maxPending > s.maxPending) return false;
    const t0 = this.t0!;
    const bytes = new Uint8Array(res.out, 0, res.outLength);
    let at = 0;
    for (const o of res.orphans) {
      if (!s.hasPending(o.protocol, o.key)) continue;
      // A request of an earlier chunk waits for this response: write it with it, as in order.
      await this.out.raw(bytes.subarray(at, o.start));
      recordLineTo(this.out.sink, s, o.no, o.record, t0);
      at = o.end;
      this.stats.replaced++;
    }
    await this.out.raw(bytes.subarray(at));
    for (const [protocol, key] of res.requestKeys) s.forgetPending(protocol, key);
    // Pending as the worker left them, undecoded (decoded here only if a response needs it).
    for (const q of res.pending) s.addPending(q);
    this.no += res.numbered;
    this.stats.workers++;
    return true;
  }

  /**
   * Decodes a chunk here, in order.
   * @returns Undefined when done, else the file offset from which the capture reader must take over.
   */
  async decodeHere(p: Pending, buffer: ArrayBufferLike): Promise<number | undefined> {
    const { records, damaged } = chunkRecords(buffer, p.length, this.#o);
    let next = p.offset;
    this.stats.main++;
    for (const r of records) {
      this.line(r);
      next = p.offset + (r.source?.offset ?? 0) - p.preambleLength + 1;
      if (this.out.full) await this.out.flush();
    }
    return damaged ? next : undefined;
  }

  /** Reads the file with the capture reader, decoding every record from byte `from` on. */
  async rest(from: number): Promise<void> {
    this.stats.rest = from;
    await this.load();
    const { readInput } = await import("./_input.ts");
    const { batches } = await readInput(this.#o.path, this.#o.input);
    for await (const batch of batches) {
      for (const r of batch) {
        if ((r.source?.offset ?? 0) < from) continue;
        this.line(r);
        if (this.out.full) await this.out.flush();
      }
      await this.out.flush();
    }
  }
}

/** Stops the reader at the first record that gets a number (see {@linkcode firstTimestamp}). */
class FirstNumbered {
  static readonly found: unique symbol = Symbol("found");
  t: bigint | undefined;
  constructor(readonly allEvents: boolean) {}
  push(r: CaptureRecord): void {
    if (r.annotation !== undefined && !this.allEvents) return;
    this.t = r.timestampNs;
    throw FirstNumbered.found;
  }
}

/**
 * The timestamp of the first record of a chunk that gets a number, found with the capture reader
 * (which reads no further).
 * @returns The timestamp, undefined when the chunk numbers no record, or null when it cannot be parsed.
 */
function firstTimestamp(c: CaptureChunk, o: ParallelDecodeOptions): bigint | undefined | null {
  const first = new FirstNumbered(o.allEvents);
  try {
    return readChunk(c.buffer, c.length, first, o) ? null : undefined;
  } catch {
    return first.t!;
  }
}

/**
 * The records of a chunk, read as the sequential reader reads the file; `damaged` when the chunk
 * is damaged after them.
 */
function chunkRecords(
  buffer: ArrayBufferLike,
  length: number,
  o: ParallelDecodeOptions,
): { records: CaptureRecord[]; damaged: boolean } {
  const records: CaptureRecord[] = [];
  return { records, damaged: readChunk(buffer, length, records, o) };
}

/**
 * Reads a chunk's records into a sink as the sequential reader reads the file.
 * @returns Whether the chunk is damaged after the records given.
 * @throws What the sink throws (`FirstNumbered.found`).
 */
function readChunk(
  buffer: ArrayBufferLike,
  length: number,
  sink: RecordSink,
  o: ParallelDecodeOptions,
): boolean {
  try {
    readCaptureBytes(new Uint8Array(buffer, 0, length), sink, {
      uri: o.path,
      ...(o.input.decodeAs ? { decodeAs: o.input.decodeAs } : {}),
    });
    return false;
  } catch (e) {
    if (e === FirstNumbered.found) throw e;
    return true;
  }
}

/**
 * Decodes a pcap or pcapng file to summary lines on worker threads (see the module doc), writing
 * the lines to standard output.
 * @param o The file and the decode options.
 * @throws {UserError} As the sequential path does, for damaged input (after every line before it).
 */
export async function decodeInParallel(o: ParallelDecodeOptions): Promise<void> {
  const m = new Merger(o);
  let file: Deno.FsFile | undefined;
  let pool: DecodePool | undefined;
  try {
    try {
      file = await Deno.open(o.path, { read: true });
    } catch {
      await m.rest(0); // the capture reader reports it
      return;
    }
    try {
      pool = new DecodePool(o.threads, {
        uri: o.path,
        decodeAs: o.input.decodeAs ?? new Map<number, ProtocolTag>(),
        session: o.session,
        allEvents: o.allEvents,
      });
    } catch {
      await m.rest(0); // no workers here (a binary built without the worker module): decode in order
      return;
    }
    const restFrom = await run(m, file, pool, o);
    pool.terminate();
    if (restFrom !== undefined) await m.rest(restFrom);
  } finally {
    pool?.terminate();
    file?.close();
    await m.out.close();
    if (envNumber("VIOSCOPE_PARALLEL_STATS", 0) > 0) {
      const st = m.stats;
      warn(
        `parallel decode: ${st.chunks} chunks, ${st.workers} merged from workers, ${st.main} decoded on the main thread, ` +
          `${st.replaced} lines replaced${st.rest === undefined ? "" : `, read again from byte ${st.rest}`}` +
          (o.quickStart ? " (quick start)" : ""),
      );
    }
  }
}

/**
 * Cuts, hands out and merges the chunks in order.
 * @returns Where the capture reader must take over, if it must.
 */
async function run(
  m: Merger,
  file: Deno.FsFile,
  pool: DecodePool,
  o: ParallelDecodeOptions,
): Promise<number | undefined> {
  const queue: Pending[] = [];
  /** Buffers of merged chunks, for new chunks and for the workers' lines (memory stays flat). */
  const inputs: ArrayBufferLike[] = [];
  const outputs: ArrayBufferLike[] = [];
  /** Where the capture reader must take over, once known (chunks before it are still merged). */
  let restFrom: number | undefined;
  let cutting = true;
  /** End of the last chunk cut. */
  let cutEnd = 0;
  /** Records the queued chunks number. */
  let queued = 0;
  let nextId = 0;
  const chunks = captureChunks(file, {
    chunkSize: Math.max(1, envNumber("VIOSCOPE_PARALLEL_CHUNK", PARALLEL_CHUNK_BYTES)),
    ...(o.input.decodeAs ? { decodeAs: o.input.decodeAs } : {}),
    reuse: inputs,
    // Shared with the workers, never transferred (see `_decode_messages.ts`).
    shared: true,
  });
  while (true) {
    // At most `capacity` chunks are held (queued on the workers or waiting to be merged).
    while (cutting && queue.length < pool.capacity && pool.hasRoom) {
      let item: IteratorResult<CaptureChunk | CaptureRest>;
      try {
        item = await chunks.next();
      } catch {
        item = { done: false, value: { kind: "rest", offset: cutEnd } }; // a read error: the reader reports it
      }
      if (item.done) {
        cutting = false;
        break;
      }
      const c = item.value;
      if (c.kind === "rest") {
        restFrom = c.offset;
        cutting = false;
        break;
      }
      if (m.t0 === undefined) {
        const t = firstTimestamp(c, o);
        if (t === null) {
          restFrom = c.offset;
          cutting = false;
          break;
        }
        m.t0 = t;
      }
      cutEnd = c.offset + c.length - c.preambleLength;
      m.stats.chunks++;
      const numbered = o.allEvents ? c.records : c.records - c.annotations;
      const p: Pending = {
        offset: c.offset,
        preambleLength: c.preambleLength,
        length: c.length,
        numbered,
        first: m.no + 1 + queued,
        result: undefined,
      };
      // Without a first timestamp yet, the chunk numbers no record: nothing to decode or print.
      if (m.t0 !== undefined) {
        const spare = outputs.pop();
        p.result = pool.submit({
          id: nextId++,
          buffer: c.buffer,
          length: c.length,
          first: p.first,
          t0: m.t0,
          ...(spare ? { spare } : {}),
        });
      }
      queued += numbered;
      queue.push(p);
    }
    const p = queue.shift();
    if (p === undefined) return restFrom;
    queued -= p.numbered;
    if (p.result === undefined) continue;
    // The codecs load when the first result is in, not before: until then the workers load theirs
    // and warm up, and the two cores are busy enough.
    const res = await p.result;
    await m.load();
    if (res.status === "error") return p.offset;
    if (!(await m.merge(p, res))) {
      const from = await m.decodeHere(p, res.input);
      if (from !== undefined) return from;
    }
    await m.out.flush();
    // Written out and merged: the buffers can be used again.
    if (inputs.length < pool.capacity) inputs.push(res.input);
    if (outputs.length < pool.capacity && res.out.byteLength > 0) outputs.push(res.out);
  }
}
