/**
 * `vioscope decode [FILE|-]`: one summary line per message (Wireshark's Info column), or the full
 * field tree (`-V`), a hex dump with field spans (`-x`), JSON Lines (`--jsonl`) or a JSON array (`--json`).
 *
 * @module
 */
import { Command } from "commander";
import { DecodeSession, defaultRegistry, describe, hexDump, messageToJson } from "../lib/codec/mod.ts";
import type { Message } from "../lib/codec/mod.ts";
import { type CaptureRecord, formatTimestamp } from "../lib/record.ts";
import { addCodecOptions, type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { addInputOptions, inputOptions, readInput } from "./_input.ts";
import { TextOut, UserError } from "./_io.ts";
import { bytesToHex } from "../lib/codec/_values.ts";
import { addDisplayFilterOption, displayFilterFrom } from "./_display_filter.ts";
import { type InputFormat, isTraceFormat } from "../lib/trace/mod.ts";
import { decodeInParallel } from "./_parallel_decode.ts";
import { isParallelInput, stopPrestartedWorkers, threadsFrom } from "./_parallel_input.ts";
import { recordLineTo, summaryLineTo } from "./_summary_line.ts";

interface DecodeOptions extends CodecOptionValues {
  verbose?: boolean;
  hex?: boolean;
  jsonl?: boolean;
  json?: boolean;
  count?: string;
  decodeAs: string[];
  allEvents?: boolean;
  displayFilter?: string;
  threads?: string;
  from?: string;
}

/**
 * The JSON object for one record and its decoded message (what `--jsonl` prints per line).
 * @param no Record number.
 * @param r Record.
 * @param msg Decoded message, if the protocol is known.
 * @returns JSON-able object.
 */
export function recordJson(no: number, r: CaptureRecord, msg: Message | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = { no, ts: formatTimestamp(r.timestampNs), dir: r.kind, from: r.sender };
  if (r.protocol) o["proto"] = r.protocol;
  o["chan"] = r.channel;
  if (r.correlationId !== undefined) o["corr"] = r.correlationId;
  if (r.conduit) o["conduit"] = r.conduit;
  if (r.comment !== undefined) o["comment"] = r.comment;
  if (r.originalLength !== r.data.length) o["orig_len"] = r.originalLength;
  if (msg) {
    const j = messageToJson(msg);
    o["name"] = j.name;
    o["kind"] = j.kind;
    o["summary"] = msg.summary;
    if (msg.dialect) o["dialect"] = msg.dialect;
    o["fields"] = j.fields;
    if (j.error) o["error"] = j.error;
  }
  o["hex"] = bytesToHex(r.data);
  return o;
}

/**
 * Builds the `decode` command.
 * @returns The command.
 */
export function decodeCommand(): Command {
  const cmd = new Command("decode")
    .description("decode messages: one summary line each, or the field tree, hex dump or JSON")
    .argument("[file]", "pcap, pcapng or JSON Lines file; - for standard input", "-")
    .option("-V, --verbose", "print the full field tree of every message")
    .option("-x, --hex", "print a hex dump with the span of every field")
    .option("--jsonl", "print one JSON object per message (ts, dir, proto, name, fields, error, hex)")
    .option("--json", "print a JSON array of messages")
    .option("-c, --count <n>", "stop after n messages")
    .option(
      "--all-events",
      "also print trace events that are not messages (annotation records) as name args",
    )
    .option(
      "--threads <n>",
      "decode the summary lines of a pcap or pcapng file of 16 MiB or more on n worker threads (auto: 2 on 2 or more cores; 1: off)",
      "auto",
    );
  addInputOptions(cmd);
  addCodecOptions(cmd);
  addDisplayFilterOption(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  vioscope decode capture.pcapng
  vioscope decode -V -c 1 capture.pcapng
  vioscope decode --jsonl capture.pcapng | vioscope encode - -w copy.pcapng
  text2pcap -l 147 dump.txt raw.pcap && vioscope decode --decode-as USER0=scmi raw.pcap`,
  );
  cmd.action(async (file: string, o: DecodeOptions) => {
    await runDecode(file, o);
  });
  return cmd;
}

async function runDecode(file: string, o: DecodeOptions): Promise<void> {
  const limit = o.count === undefined ? Infinity : Number(o.count);
  if (o.count !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new UserError(`Cannot use --count "${o.count}": not a whole number`);
  }
  const registry = defaultRegistry();
  const filter = displayFilterFrom(o.displayFilter, registry);
  let shown = 0;
  const tree = !!(o.verbose || o.hex || o.jsonl || o.json);
  const threads = threadsFrom(o.threads);
  const codecOptions = await sessionOptions(o);
  if (
    threads > 1 && !tree && !filter && o.count === undefined &&
    (o.from === undefined || !isTraceFormat(o.from as InputFormat)) && await isParallelInput(file)
  ) {
    const input = inputOptions(o);
    await decodeInParallel({
      path: file,
      threads,
      session: codecOptions,
      input,
      allEvents: !!o.allEvents,
    });
    return;
  }
  stopPrestartedWorkers();
  const session = new DecodeSession(registry, {
    ...codecOptions,
    tree,
    pairing: tree ? "all" : "needed",
    // Summary lines only: each summary is written straight into the output bytes.
    summaries: tree || !!filter,
  });
  const lines = !tree && !filter;
  const out = new TextOut();
  const { batches } = await readInput(file, inputOptions(o));
  let no = 0;
  let t0: bigint | undefined;
  if (o.json) await out.line("[");
  try {
    outer: for await (const batch of batches) {
      for (const r of batch) {
        if (r.annotation !== undefined && !o.allEvents) continue;
        if (no >= limit) break outer;
        no++;
        t0 ??= r.timestampNs;
        if (lines) {
          // Summary lines only: written straight from the bytes where the codec can.
          recordLineTo(out.sink, session, no, r, t0);
          if (out.full) await out.flush();
          continue;
        }
        const msg = session.decode(r);
        if (filter && !filter.matches(r, msg, { number: no, startNs: t0 })) continue;
        if (o.jsonl || o.json) {
          const text = JSON.stringify(recordJson(no, r, msg));
          await out.line(o.json ? (shown++ > 0 ? "," : "") + text : text);
          continue;
        }
        summaryLineTo(out.sink, session, no, r, t0, msg);
        if (out.full) await out.flush();
        if (msg && o.verbose) await out.line(describe(msg, 4) + "\n");
        if (o.hex) await out.line((msg ? hexDump(msg) : bytesToHex(r.data)) + "\n");
      }
      await out.flush();
    }
  } finally {
    if (o.json) await out.line("]");
    await out.close();
  }
}
