/**
 * `vioscope export --perfetto [FILE|-] -o OUT`: writes a capture or trace as a Chrome/Perfetto JSON
 * timeline (open it in ui.perfetto.dev), streamed as records are read.
 *
 * @module
 */
import { Command } from "commander";
import { defaultRegistry } from "../lib/codec/mod.ts";
import { perfettoJson } from "../lib/export/mod.ts";
import { addCodecOptions, type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { addInputOptions, inputOptions, readInput } from "./_input.ts";
import { openOutput, TextOut, UserError } from "./_io.ts";

interface ExportOptions extends CodecOptionValues {
  perfetto?: boolean;
  output: string;
  decodeAs: string[];
}

/**
 * Builds the `export` command.
 * @returns The command.
 */
export function exportCommand(): Command {
  const cmd = new Command("export")
    .description("export decoded messages to another tool's format (Perfetto/Chrome JSON timeline)")
    .argument("[file]", "pcap, pcapng, JSON Lines or trace file; - for standard input", "-")
    .option("--perfetto", "write a Chrome/Perfetto trace-event JSON timeline (ui.perfetto.dev)")
    .option("-o, --output <file>", "output file; - for standard output", "-");
  addInputOptions(cmd);
  addCodecOptions(cmd);
  cmd.addHelpText(
    "after",
    `
The timeline has one process per protocol and one thread per channel; every request and its
response form an async slice with the decoded fields in its args, linked by a flow arrow;
events and unanswered messages are instants. Timestamps are microseconds since the first record.

Examples:
  vioscope export --perfetto capture.pcapng -o trace.json     # then open trace.json in ui.perfetto.dev
  vioscope decode --jsonl capture.pcapng | vioscope export --perfetto - -o trace.json`,
  );
  cmd.action(async (file: string, o: ExportOptions) => {
    if (!o.perfetto) throw new UserError("Cannot export: no format chosen (use --perfetto)");
    const session = await sessionOptions(o);
    const { batches } = await readInput(file, inputOptions(o));
    const stream = await openOutput(o.output);
    const out = new TextOut(stream);
    try {
      for await (const chunk of perfettoJson(batches, defaultRegistry(), { session })) {
        await out.line(chunk.replace(/\n$/, ""));
        await out.flush();
      }
    } finally {
      await out.close();
      if (o.output !== "-") await stream.close().catch(() => {});
    }
  });
  return cmd;
}
