/**
 * `vioscope convert IN -w OUT`: rewrites a capture as pcapng, pcap or JSON Lines in vioscope's
 * encapsulation.
 *
 * @module
 */
import { Command, Option } from "commander";
import { type CaptureFormat, createCaptureWriter } from "../lib/pcap/mod.ts";
import { addInputOptions, inputOptions, readInput } from "./_input.ts";
import { openOutput, UserError } from "./_io.ts";

interface ConvertOptions {
  write: string;
  format?: CaptureFormat;
  decodeAs: string[];
}

/**
 * The output format: `--format`, else from the output file's extension (`.pcap`, `.jsonl`,
 * `.ndjson`), else pcapng.
 * @param out Output path.
 * @param format `--format` value.
 * @returns The format.
 */
export function outputFormat(out: string, format: CaptureFormat | undefined): CaptureFormat {
  if (format !== undefined) return format;
  if (/\.pcap$/i.test(out)) return "pcap";
  if (/\.(jsonl|ndjson)$/i.test(out)) return "jsonl";
  return "pcapng";
}

/**
 * Builds the `convert` command.
 * @returns The command.
 */
export function convertCommand(): Command {
  const cmd = new Command("convert")
    .description("convert between pcapng, pcap and JSON Lines, writing vioscope's encapsulation")
    .argument("<input>", "pcap, pcapng or JSON Lines file; - for standard input")
    .requiredOption("-w, --write <output>", "output file; - for standard output")
    .addOption(
      new Option("--format <format>", "output format (default: from the output's extension, else pcapng)")
        .choices(["pcapng", "pcap", "jsonl"]),
    );
  addInputOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Packets read with --decode-as are written with vioscope's pseudo-header, so the protocol travels
with the file. pcap output loses comments. On damaged input every complete record is written,
then the error is printed (exit status 2).

Examples:
  vioscope convert capture.pcapng -w capture.pcap
  vioscope convert capture.pcapng -w - --format jsonl
  vioscope convert --decode-as USER0=scmi raw.pcapng -w scmi.pcapng`,
  );
  cmd.action(async (input: string, o: ConvertOptions) => await runConvert(input, o));
  return cmd;
}

async function runConvert(input: string, o: ConvertOptions): Promise<void> {
  const format = outputFormat(o.write, o.format);
  const { batches } = await readInput(input, inputOptions(o));
  const writer = createCaptureWriter(await openOutput(o.write), { format });
  let damage: UserError | undefined;
  try {
    for await (const batch of batches) {
      for (const r of batch) await writer.write(r);
    }
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    damage = e;
  } finally {
    await writer.close();
  }
  if (damage) throw damage;
}
