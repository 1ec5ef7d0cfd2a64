/**
 * `vioscope info FILE...`: what is in a capture, like Wireshark's capinfos.
 *
 * @module
 */
import { Command } from "commander";
import { addInputOptions, inputOptions, readInput } from "./_input.ts";
import { TextOut, UserError, warn } from "./_io.ts";
import { CaptureStats, summaryJson, summaryText } from "./_summary.ts";

interface InfoOptions {
  json?: boolean;
  decodeAs: string[];
}

/**
 * Builds the `info` command.
 * @returns The command.
 */
export function infoCommand(): Command {
  const cmd = new Command("info")
    .description(
      "summarise captures: format, byte order, sections, interfaces, records per protocol and direction, time span",
    )
    .argument("<files...>", "pcap, pcapng or JSON Lines files; - for standard input")
    .option("--json", "print one JSON object per file");
  addInputOptions(cmd);
  cmd.addHelpText(
    "after",
    `
A damaged file is summarised up to the damage, then the error is printed (exit status 2).

Examples:
  vioscope info capture.pcapng
  vioscope info --json capture.pcapng
  vioscope info --decode-as USER0=scmi text2pcap-output.pcapng`,
  );
  cmd.action(async (files: string[], o: InfoOptions) => await runInfo(files, o));
  return cmd;
}

async function runInfo(files: string[], o: InfoOptions): Promise<void> {
  const out = new TextOut();
  const errors: string[] = [];
  try {
    for (const [k, file] of files.entries()) {
      const stats = new CaptureStats();
      const { reader, batches } = await readInput(file, inputOptions(o));
      let error: string | undefined;
      try {
        for await (const batch of batches) for (const r of batch) stats.add(r);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
        error = e.message;
        errors.push(e.message);
      }
      if (o.json) await out.line(JSON.stringify(summaryJson(file, reader.info, stats, error)));
      else {
        if (k > 0) await out.line("");
        for (const line of summaryText(file, reader.info, stats)) await out.line(line);
        if (error !== undefined) await out.line(`${"Damaged:".padEnd(24)}yes (see the error below)`);
      }
    }
  } finally {
    await out.close();
  }
  if (errors.length > 0) {
    for (const e of errors.slice(0, -1)) warn(`error: ${e}`);
    throw new UserError(errors.at(-1)!);
  }
}
