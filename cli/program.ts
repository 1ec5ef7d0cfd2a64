/**
 * The vioscope command tree: `vioscope <command> [options]` (the entry point is cli/main.ts).
 *
 * Each command lives in its own file under cli/ and exports a function that builds its commander
 * `Command`; this file mounts them, maps errors to exit codes (0 ok, 1 differences found, 2 trouble)
 * and never prints a stack trace for a user error.
 *
 * @module
 */
import { Command, CommanderError } from "commander";
import denoJson from "../deno.json" with { type: "json" };
import { exitStatus, reportError as reportAnyError } from "./_io.ts";
import { infoCommand } from "./info.ts";
import { convertCommand } from "./convert.ts";
import { demoCommand } from "./demo.ts";
import { decodeCommand } from "./decode.ts";
import { encodeCommand } from "./encode.ts";
import { diffCommand } from "./diff.ts";
import { textconvCommand } from "./textconv.ts";
import { captureCommand } from "./capture.ts";
import { fieldsCommand } from "./fields.ts";
import { statsCommand } from "./stats.ts";
import { exportCommand } from "./export.ts";
import { wiresharkPluginCommand } from "./wireshark_plugin.ts";
import { completionsCommand } from "./completions.ts";
import { replayCommand } from "./replay.ts";
import { simCommand } from "./sim.ts";

/** The program version, from deno.json. */
export const VERSION: string = denoJson.version;

/**
 * Builds the whole command tree (also used by tests and by shell completion generation).
 * @returns The root command.
 */
export function buildProgram(): Command {
  const program = new Command("vioscope")
    .description(
      "Capture, decode, encode, diff and replay virtio-msg, FF-A, RPMB, SCMI and virtio-iommu messages",
    )
    .version(VERSION, "-v, --version", "print the version and exit")
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({ writeErr: (s) => Deno.stderr.writeSync(new TextEncoder().encode(s)) });
  for (
    const make of [
      decodeCommand,
      encodeCommand,
      infoCommand,
      convertCommand,
      demoCommand,
      diffCommand,
      textconvCommand,
      captureCommand,
      fieldsCommand,
      statsCommand,
      exportCommand,
      wiresharkPluginCommand,
      replayCommand,
      simCommand,
      () => completionsCommand(() => program),
    ]
  ) {
    program.addCommand(make().exitOverride().showHelpAfterError("(run with --help for usage)"));
  }
  return program;
}

/**
 * Runs the CLI with the given arguments and returns the exit code.
 * @param args Command-line arguments without the program name.
 * @returns Exit code.
 */
export async function main(args: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(args, { from: "user" });
    return exitStatus.code;
  } catch (e) {
    return reportError(e);
  }
}

/**
 * Prints an error as one line and picks the exit code (see `reportError` in `_io.ts`); commander's
 * own errors were already printed.
 * @param e What was thrown.
 * @returns Exit code.
 */
export function reportError(e: unknown): number {
  // Help and version exit with code 0; usage errors were already printed by commander.
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  return reportAnyError(e);
}
