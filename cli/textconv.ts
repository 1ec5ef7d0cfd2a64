/**
 * `vioscope textconv FILE`: a deterministic, line-oriented, timestamp-free decoding of a capture
 * for git's `diff.<driver>.textconv`, so that `git diff` of captures shows decoded messages.
 *
 * @module
 */
import { Command } from "commander";
import { DecodeSession, defaultRegistry } from "../lib/codec/mod.ts";
import { messageLine } from "../lib/diff/mod.ts";
import { formatChannel } from "../lib/format.ts";
import { addCodecOptions, type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { addInputOptions, inputOptions, readInput } from "./_input.ts";
import { TextOut } from "./_io.ts";

interface TextconvOptions extends CodecOptionValues {
  decodeAs: string[];
}

/**
 * Builds the `textconv` command.
 * @returns The command.
 */
export function textconvCommand(): Command {
  const cmd = new Command("textconv")
    .description("print one stable line per message (direction, protocol, channel, summary) for git diff")
    .argument("<file>", "pcap, pcapng, JSON Lines file or trace log; - for standard input");
  addInputOptions(cmd);
  addCodecOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Output has no timestamps, record numbers, banners or paths, so equal conversations give equal text.

Set up git once:
  echo '*.pcapng diff=vioscope' >> .gitattributes
  echo '*.pcap diff=vioscope' >> .gitattributes
  git config diff.vioscope.textconv "vioscope textconv"
  git config diff.vioscope.cachetextconv true`,
  );
  cmd.action(async (file: string, o: TextconvOptions) => await runTextconv(file, o));
  return cmd;
}

async function runTextconv(file: string, o: TextconvOptions): Promise<void> {
  const session = new DecodeSession(defaultRegistry(), {
    ...(await sessionOptions(o)),
    tree: false,
    pairing: "needed",
  });
  const out = new TextOut();
  try {
    const { batches } = await readInput(file, inputOptions(o));
    for await (const batch of batches) {
      for (const r of batch) {
        if (r.annotation !== undefined) continue;
        const msg = session.decode(r);
        const summary = msg
          ? msg.summary
          : `${r.data.length} bytes${r.protocol ? "" : " (unknown protocol)"}`;
        await out.line(messageLine({
          sender: r.sender,
          protocol: r.protocol ?? "?",
          channel: formatChannel(r.channel),
          summary,
        }));
      }
      await out.flush();
    }
  } finally {
    await out.close();
  }
}
