/**
 * `vioscope capture [FILE|-] -w OUT`: turns what tracing tools print — QEMU `log` and `simple`
 * backend traces, Linux ftrace text, hex dumps, vioscope JSON Lines — into a capture file, as it
 * arrives, in constant memory. Each batch of records is written out whole and flushed, so a capture
 * killed at any moment (kill -9 included) keeps every complete record.
 *
 * @module
 */
import { Command, Option } from "commander";
import { type CaptureFormat, createCaptureWriter } from "../lib/pcap/mod.ts";
import { isProtocolTag, PROTOCOL_TAGS, type ProtocolTag } from "../lib/record.ts";
import type { InputFormat } from "../lib/trace/mod.ts";
import { readInput } from "./_input.ts";
import { openOutput, UserError } from "./_io.ts";
import { outputFormat } from "./convert.ts";

interface CaptureOptions {
  write: string;
  from?: InputFormat;
  format?: CaptureFormat;
  events?: string;
  proto?: string;
}

const encoder = new TextEncoder();

/**
 * Builds the `capture` command.
 * @returns The command.
 */
export function captureCommand(): Command {
  const cmd = new Command("capture")
    .description(
      "capture messages from QEMU traces, ftrace text or hex dumps into pcapng, pcap or JSON Lines",
    )
    .argument("[file]", "trace file; - for standard input", "-")
    .requiredOption("-w, --write <output>", "capture file to write; - for standard output")
    .addOption(
      new Option("--from <format>", "input format (default: detected from the first line)")
        .choices(["qemu-log", "qemu-simple", "ftrace", "hexdump", "jsonl"]),
    )
    .addOption(
      new Option("--format <format>", "output format (default: from the output's extension, else pcapng)")
        .choices(["pcapng", "pcap", "jsonl"]),
    )
    .option(
      "--events <file>",
      "QEMU trace-events-all file (needed for simple-backend traces of other events)",
    )
    .option("--proto <protocol>", `protocol of hex dump messages (${PROTOCOL_TAGS.join(", ")})`);
  cmd.addHelpText(
    "after",
    `
Inputs (detected from the first line unless --from says):
  qemu-log     QEMU "log" trace backend: TID@SEC.USEC:event args, event args, or ISO-8601 time
  qemu-simple  QEMU "simple" trace backend binary file (version 4); --events trace-events-all
  ftrace       Linux trace / trace_pipe / trace-cmd report text (scmi_msg_dump, QEMU trace markers)
  hexdump      text2pcap / od -Ax -tx1 hex dumps, I/O direction lines; --proto gives the protocol
  jsonl        vioscope JSON Lines

virtio and virtio-iommu events become virtio-msg and virtio-iommu messages, scmi_msg_dump lines
SCMI messages; every other event is kept as an annotation record (decode --all-events shows them).
Lines that cannot be read are reported on standard error with their line number, and skipped.

Examples:
  qemu-system-x86_64 ... -trace 'virtio_*' -D /dev/stdout | vioscope capture - -w virtio.pcapng
  vioscope capture trace.log -w trace.pcapng
  trace-cmd report -t | vioscope capture -w scmi.pcapng
  vioscope capture --from qemu-simple --events /usr/share/qemu/trace-events-all trace-1234 -w t.pcapng
  od -Ax -tx1 frame.bin | vioscope capture --proto rpmb -w rpmb.pcapng`,
  );
  cmd.action(async (file: string, o: CaptureOptions) => await runCapture(file, o));
  return cmd;
}

async function runCapture(file: string, o: CaptureOptions): Promise<void> {
  let proto: ProtocolTag | undefined;
  if (o.proto !== undefined) {
    if (!isProtocolTag(o.proto)) {
      throw new UserError(
        `Cannot use --proto "${o.proto}": unknown protocol (one of ${PROTOCOL_TAGS.join(", ")})`,
      );
    }
    proto = o.proto;
  }
  const format = outputFormat(o.write, o.format);
  const input = await readInput(file, {
    ...(o.from ? { from: o.from } : {}),
    ...(o.events ? { events: o.events } : {}),
    ...(proto ? { proto } : {}),
  });
  const writer = createCaptureWriter(await openOutput(o.write), { format });
  const tty = Deno.stderr.isTerminal();
  const t0 = performance.now();
  let records = 0;
  let lastShown = 0;
  const progress = (final: boolean) => {
    const now = performance.now();
    if (!tty || (!final && now - lastShown < 250)) return;
    lastShown = now;
    const secs = Math.max((now - t0) / 1000, 1e-3);
    const skipped = input.stats?.skipped ?? 0;
    const line = `\r\x1b[K${records} records, ${Math.round(records / secs)}/s, ${skipped} skipped lines`;
    Deno.stderr.writeSync(encoder.encode(final ? line + "\n" : line));
  };
  let damage: UserError | undefined;
  try {
    for await (const batch of input.batches) {
      for (const r of batch) await writer.write(r);
      // Whole records only, after every input chunk: a kill leaves every complete record readable.
      await writer.flush();
      records += batch.length;
      progress(false);
    }
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    damage = e;
  } finally {
    await writer.close();
    if (records > 0 || tty) progress(true);
  }
  if (damage) throw damage;
}
