/**
 * `vioscope sim --scenario FILE -w OUT`: plays a scripted driver (a JSON scenario of messages, waits,
 * repeats and built-in macros) against the simulator and writes the exchange as a capture. Also holds
 * the profile loading shared by `replay` and `demo`.
 *
 * @module
 */
import { Command, Option } from "commander";
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import type { CaptureFormat } from "../lib/pcap/mod.ts";
import {
  createModels,
  DEFAULT_PROFILE,
  LoopbackBus,
  parseProfile,
  parseScenario,
  profileOptions,
  runScenario,
  type SimProfile,
} from "../lib/sim/mod.ts";
import { outputFormat } from "./convert.ts";
import { openOutput, UserError, warn } from "./_io.ts";

interface SimOptions {
  scenario: string;
  write: string;
  profile?: string;
  format?: CaptureFormat;
  quiet?: boolean;
}

/**
 * Reads a simulator profile (JSON, docs/sim-profile.md), or returns the built-in one.
 * @param path Profile file, or undefined for the default.
 * @returns The profile.
 * @throws {UserError} When the file cannot be read or a key is wrong (the message names the key).
 */
export async function loadProfile(path: string | undefined): Promise<SimProfile> {
  if (path === undefined) return DEFAULT_PROFILE;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UserError(`Cannot read the simulator profile "${path}": ${e instanceof Error ? e.message : e}`);
  }
  try {
    return parseProfile(text, { source: `"${path}"` });
  } catch (e) {
    throw new UserError(e instanceof Error ? e.message : String(e));
  }
}

/**
 * Builds the `sim` command.
 * @returns The command.
 */
export function simCommand(): Command {
  const cmd = new Command("sim")
    .description("run a scripted driver against the simulator and write the exchange as a capture")
    .requiredOption(
      "--scenario <file>",
      "JSON scenario: steps (send, wait, repeat) and macros (docs/replay.md)",
    )
    .requiredOption("-w, --write <out>", "output capture (- for standard output)")
    .option("--profile <file>", "simulator profile (JSON, docs/sim-profile.md; default: built in)")
    .addOption(
      new Option("--format <format>", "output format (default: from the output's extension, else pcapng)")
        .choices(["pcapng", "pcap", "jsonl"]),
    )
    .option("-q, --quiet", "print nothing on success");
  cmd.addHelpText(
    "after",
    `
Examples:
  vioscope sim --scenario fixtures/sim/virtio-msg-ffa.json -w /tmp/bringup.pcapng
  vioscope sim --scenario my.json --profile my-profile.json -w - --format jsonl`,
  );
  cmd.action(async (o: SimOptions) => await runSim(o));
  return cmd;
}

async function runSim(o: SimOptions): Promise<void> {
  const profile = await loadProfile(o.profile);
  let text: string;
  try {
    text = await Deno.readTextFile(o.scenario);
  } catch (e) {
    throw new UserError(`Cannot read the scenario "${o.scenario}": ${e instanceof Error ? e.message : e}`);
  }
  let records;
  try {
    const scenario = parseScenario(text, `"${o.scenario}"`);
    const bus = new LoopbackBus(createModels(profile), {
      pairAnswers: true,
      options: profileOptions(profile),
    });
    records = runScenario(scenario, bus, profile);
  } catch (e) {
    if (e instanceof TypeError || e instanceof SyntaxError || e instanceof RangeError) {
      throw new UserError(e.message);
    }
    throw e;
  }
  const writer = createCaptureWriter(await openOutput(o.write), {
    format: outputFormat(o.write, o.format),
    application: "vioscope sim",
  });
  for (const r of records) await writer.write(r);
  await writer.close();
  if (!o.quiet && o.write !== "-") {
    const requests = records.filter((r) => r.sender === "driver").length;
    warn(`wrote ${records.length} records (${requests} from the driver) to ${o.write}`);
  }
}
