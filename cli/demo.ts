/**
 * `vioscope demo`: replays the embedded multi-protocol capture (FF-A carrying virtio-msg, SCMI,
 * RPMB, virtio-iommu; made by the simulator from fixtures/demo/demo.json) against the simulator at
 * its captured pace, printing every decoded message as it is sent and answered, then the report.
 *
 * @module
 */
import { Command } from "commander";
import { CaptureReader } from "../lib/pcap/mod.ts";
import { DEFAULT_PROFILE } from "../lib/sim/mod.ts";
import type { CaptureRecord } from "../lib/record.ts";
import { exitStatus, UserError } from "./_io.ts";
import { reportLines, runReplay } from "./replay.ts";

/** Where the demo capture lives (embedded by `deno compile --include fixtures/demo`). */
export const DEMO_CAPTURE: URL = new URL("../fixtures/demo/demo.pcapng", import.meta.url);

interface DemoOptions {
  speed?: string;
  quiet?: boolean;
}

/**
 * Builds the `demo` command.
 * @returns The command.
 */
export function demoCommand(): Command {
  return new Command("demo")
    .description("replay the built-in multi-protocol capture against the simulator, live, then report")
    .option("--speed <x>", "multiply the captured pace", "1")
    .option("-q, --quiet", "print only the report")
    .action(async (o: DemoOptions) => await runDemo(o));
}

async function runDemo(o: DemoOptions): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(DEMO_CAPTURE);
  } catch (e) {
    throw new UserError(`Cannot open the demo capture: ${e instanceof Error ? e.message : String(e)}`);
  }
  const speed = Number(o.speed ?? 1);
  if (!(speed > 0)) throw new UserError(`Cannot use --speed "${o.speed}": not a number > 0`);
  const records: CaptureRecord[] = [];
  for await (const r of new CaptureReader(ReadableStream.from([bytes]), { uri: "demo.pcapng" })) {
    records.push(r);
  }
  const report = await runReplay("demo.pcapng (built in)", records, {
    speed,
    profile: DEFAULT_PROFILE,
    session: {},
    live: true,
    quiet: !!o.quiet,
  });
  const enc = new TextEncoder();
  Deno.stdout.writeSync(enc.encode("\n" + reportLines(report).join("\n") + "\n"));
  if (report.divergences > 0) exitStatus.code = 1;
}
