/**
 * `vioscope encode [FILE|-] -w OUT`: builds messages from JSON (what `decode --jsonl` prints, or a
 * hand-written subset: name + some fields) and writes a capture or hex.
 *
 * @module
 */
import { Command, Option } from "commander";
import { DecodeSession, defaultRegistry, type Registry } from "../lib/codec/mod.ts";
import { hexToBytes } from "../lib/codec/_values.ts";
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import {
  type CaptureRecord,
  type Channel,
  type Conduit,
  isProtocolTag,
  type MessageKind,
  parseTimestamp,
  type Side,
} from "../lib/record.ts";
import { addCodecOptions, type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { openInput, openOutput, UserError } from "./_io.ts";

interface EncodeOptions extends CodecOptionValues {
  write: string;
  format: "pcapng" | "pcap" | "hex" | "jsonl";
  proto?: string;
}

const KINDS = ["request", "response", "event", "unknown"];
const SIDES = ["driver", "device", "unknown"];

/**
 * Builds the `encode` command.
 * @returns The command.
 */
export function encodeCommand(): Command {
  const cmd = new Command("encode")
    .description("build messages from JSON (decode's --jsonl/--json output, or name + some fields)")
    .argument("[file]", "JSON Lines or JSON array; - for standard input", "-")
    .requiredOption("-w, --write <out>", "output file; - for standard output")
    .addOption(
      new Option("-F, --format <format>", "output format").choices(["pcapng", "pcap", "hex", "jsonl"])
        .default(
          "pcapng",
        ),
    )
    .option("--proto <protocol>", "protocol for objects that do not name one");
  addCodecOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Input: one JSON object per line (or a JSON array), e.g.
  {"proto":"virtio-msg","name":"GET_DEVICE_INFO","fields":{"dev_num":1,"token":1}}
Missing fields take defaults; lengths and sizes are derived. Objects printed by
'vioscope decode --jsonl' reproduce the original bytes exactly.

Examples:
  vioscope decode --jsonl in.pcapng | vioscope encode - -w out.pcapng
  echo '{"proto":"scmi","name":"BASE_PROTOCOL_VERSION"}' | vioscope encode - -w - -F hex`,
  );
  cmd.action(async (file: string, o: EncodeOptions) => {
    await runEncode(file, o);
  });
  return cmd;
}

/** Parsed input line. */
interface Obj {
  [k: string]: unknown;
}

/**
 * Turns one JSON object into a record, encoding its fields.
 * @param obj The object.
 * @param where Input position for errors.
 * @param registry Codecs.
 * @param ctx Dialects and options.
 * @param defaults Default protocol and the previous timestamp.
 * @returns The record.
 */
export function objectToRecord(
  obj: Obj,
  where: string,
  registry: Registry,
  ctx: { dialects: Record<string, string>; options: Record<string, unknown> },
  defaults: { proto?: string; prevTs: bigint },
): CaptureRecord {
  const fail = (why: string): never => {
    throw new UserError(`Cannot encode ${where}: ${why}`);
  };
  const proto = (obj["proto"] ?? defaults.proto) as string | undefined;
  if (proto !== undefined && !isProtocolTag(proto)) fail(`unknown protocol "${proto}"`);
  const kindIn = (obj["kind"] ?? obj["dir"]) as string | undefined;
  if (kindIn !== undefined && !KINDS.includes(kindIn)) fail(`"${kindIn}" is not request, response or event`);
  const from = obj["from"] as string | undefined;
  if (from !== undefined && !SIDES.includes(from)) fail(`"from" must be driver, device or unknown`);
  let data: Uint8Array | undefined;
  const name = obj["name"] as string | undefined;
  const useHex = typeof obj["hex"] === "string" &&
    (obj["error"] !== undefined || !name || /^(UNKNOWN|MALFORMED)/.test(name) || !obj["fields"]);
  try {
    if (useHex || (!name && !obj["fields"])) {
      if (typeof obj["hex"] !== "string") fail(`it has neither "name" nor "hex"`);
      data = hexToBytes(obj["hex"] as string);
    } else {
      if (!proto) fail(`no protocol: give "proto" or --proto`);
      const codec = registry.get(proto as never)!;
      data = codec.encodeMessage({
        ...(name ? { name } : {}),
        ...(kindIn && kindIn !== "unknown" ? { kind: kindIn as MessageKind } : {}),
        fields: (obj["fields"] ?? {}) as Record<string, unknown>,
        ...(typeof obj["dialect"] === "string" ? { dialect: obj["dialect"] } : {}),
      }, { registry, dialects: ctx.dialects, options: ctx.options });
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    fail(e instanceof Error ? e.message : String(e));
  }
  let ts = defaults.prevTs;
  if (obj["ts"] !== undefined) {
    try {
      ts = parseTimestamp(String(obj["ts"]));
    } catch (e) {
      fail((e as Error).message);
    }
  }
  let kind = (kindIn ?? "unknown") as MessageKind;
  if (kind === "unknown" && proto && name) {
    // Derive from the encoded message.
    const m = registry.get(proto as never)!.decodeBytes(data!, {
      registry,
      dialects: ctx.dialects,
      options: ctx.options,
    });
    kind = m.kind;
  }
  const sender: Side = (from as Side | undefined) ??
    (kind === "request" ? "driver" : kind === "response" ? "device" : "unknown");
  const rec: CaptureRecord = {
    timestampNs: ts,
    kind,
    sender,
    channel: (obj["chan"] ?? {}) as Channel,
    data: data!,
    originalLength: typeof obj["orig_len"] === "number" ? obj["orig_len"] : data!.length,
  };
  if (proto) rec.protocol = proto as never;
  if (typeof obj["corr"] === "number") rec.correlationId = obj["corr"];
  if (obj["conduit"] === "smc" || obj["conduit"] === "hvc") rec.conduit = obj["conduit"] as Conduit;
  if (typeof obj["comment"] === "string") rec.comment = obj["comment"];
  return rec;
}

async function* jsonObjects(stream: ReadableStream<Uint8Array>, file: string): AsyncGenerator<[Obj, string]> {
  const dec = new TextDecoder();
  let carry = "";
  let line = 0;
  let arrayMode: boolean | undefined;
  let whole = "";
  for await (const chunk of stream) {
    const text = carry + dec.decode(chunk, { stream: true });
    if (arrayMode === undefined) {
      const first = text.trimStart()[0];
      if (first === undefined) {
        carry = text;
        continue;
      }
      arrayMode = first === "[";
    }
    if (arrayMode) {
      whole += text;
      carry = "";
      continue;
    }
    const lines = text.split("\n");
    carry = lines.pop()!;
    for (const l of lines) {
      line++;
      if (!l.trim() || l.trimStart().startsWith("#")) continue;
      yield [parseObj(l, `"${file}" line ${line}`), `"${file}" line ${line}`];
    }
  }
  const rest = carry + dec.decode();
  if (arrayMode) {
    const all = parseJson(whole + rest, `"${file}"`);
    if (!Array.isArray(all)) throw new UserError(`Cannot read "${file}": expected a JSON array`);
    let i = 0;
    for (const o of all) {
      i++;
      if (typeof o !== "object" || o === null) {
        throw new UserError(`Cannot read "${file}": element ${i} is not an object`);
      }
      yield [o as Obj, `"${file}" element ${i}`];
    }
  } else if (rest.trim()) {
    line++;
    yield [parseObj(rest, `"${file}" line ${line}`), `"${file}" line ${line}`];
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`Cannot read ${where}: ${(e as Error).message}`);
  }
}

function parseObj(text: string, where: string): Obj {
  const o = parseJson(text, where);
  if (typeof o !== "object" || o === null || Array.isArray(o)) {
    throw new UserError(`Cannot read ${where}: not a JSON object`);
  }
  return o as Obj;
}

async function runEncode(file: string, o: EncodeOptions): Promise<void> {
  const registry = defaultRegistry();
  const so = await sessionOptions(o);
  const ctx = { dialects: (so.dialects ?? {}) as Record<string, string>, options: { ...(so.options ?? {}) } };
  const input = await openInput(file);
  const output = await openOutput(o.write);
  const enc = new TextEncoder();
  const hexWriter = o.format === "hex" ? output.getWriter() : undefined;
  const writer = o.format === "hex" ? undefined : createCaptureWriter(output, { format: o.format });
  const session = o.format === "hex" ? new DecodeSession(registry, { ...so, tree: false }) : undefined;
  const defaults: { proto?: string; prevTs: bigint } = { prevTs: 0n };
  if (o.proto) defaults.proto = o.proto;
  try {
    for await (const [obj, where] of jsonObjects(input, file)) {
      const rec = objectToRecord(obj, where, registry, ctx, defaults);
      defaults.prevTs = rec.timestampNs + 1000n;
      if (writer) await writer.write(rec);
      else {
        const m = session!.decode(rec);
        await hexWriter!.write(enc.encode(hexBlock(rec, m?.summary)));
      }
    }
  } finally {
    if (writer) await writer.close();
    if (hexWriter) {
      await hexWriter.close().catch(() => {});
    }
  }
}

/**
 * A text2pcap-compatible hex block (offsets, 16 bytes a line) with a comment line naming the message.
 * @param r Record.
 * @param summary Message summary.
 * @returns Text.
 */
export function hexBlock(r: CaptureRecord, summary: string | undefined): string {
  let s = `# ${r.protocol ?? "?"} ${r.kind}${summary ? " " + summary : ""}\n`;
  for (let off = 0; off < r.data.length; off += 16) {
    const row = Array.from(r.data.subarray(off, off + 16), (b) => b.toString(16).padStart(2, "0")).join(" ");
    s += `${off.toString(16).padStart(6, "0")} ${row}\n`;
  }
  return s + "\n";
}
