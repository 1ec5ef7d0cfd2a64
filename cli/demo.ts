/**
 * `vioscope demo`: summarises the embedded demo capture and lists its records.
 *
 * @module
 */
import { Command } from "commander";
import { formatChannel, formatDirection, formatSeconds } from "../lib/format.ts";
import { CaptureReader } from "../lib/pcap/mod.ts";
import { TextOut, UserError } from "./_io.ts";
import { CaptureStats, summaryText } from "./_summary.ts";
import type { CaptureRecord } from "../lib/record.ts";

/** Where the demo capture lives (embedded by `deno compile --include fixtures/demo`). */
export const DEMO_CAPTURE: URL = new URL("../fixtures/demo/demo.pcapng", import.meta.url);

/**
 * Builds the `demo` command.
 * @returns The command.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("summarise the built-in demo capture and list its records")
    .action(async () => await runDemo());
}

function hexStart(b: Uint8Array, n = 16): string {
  const s = [...b.subarray(0, n)].map((x) => x.toString(16).padStart(2, "0")).join(" ");
  return b.length > n ? `${s} …` : s;
}

async function runDemo(): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(DEMO_CAPTURE);
  } catch (e) {
    throw new UserError(`Cannot open the demo capture: ${e instanceof Error ? e.message : String(e)}`);
  }
  const reader = new CaptureReader(ReadableStream.from([bytes]), { uri: "demo.pcapng" });
  const records: CaptureRecord[] = [];
  const stats = new CaptureStats();
  for await (const r of reader) {
    records.push(r);
    stats.add(r);
  }
  const out = new TextOut();
  for (const line of summaryText("demo.pcapng (built in)", reader.info, stats)) await out.line(line);
  await out.line("");
  const t0 = records[0]?.timestampNs ?? 0n;
  for (const [i, r] of records.entries()) {
    await out.line(
      `${String(i + 1).padStart(3)} ${formatSeconds(r.timestampNs - t0).padStart(10)} ${
        (r.protocol ?? "?").padEnd(12)
      } ${formatDirection(r)} ${r.kind.padEnd(8)} ${formatChannel(r.channel).padEnd(14)} ${
        String(r.data.length).padStart(4)
      } B  ${hexStart(r.data)}`,
    );
  }
  await out.close();
}
