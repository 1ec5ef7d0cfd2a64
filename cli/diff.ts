/**
 * `vioscope diff A B`: what changed in the conversation between two traces — inserted, deleted and
 * changed messages with field-level changes — as unified-diff text, Markdown, counts or JSON.
 * Exit status 0 when the traces match, 1 when they differ, 2 on trouble (as GNU diff).
 *
 * @module
 */
import { Command, Option } from "commander";
import { DecodeSession, defaultRegistry } from "../lib/codec/mod.ts";
import {
  diffToJson,
  formatMarkdown,
  formatStat,
  formatUnified,
  type TimingOptions,
  TraceDiffer,
} from "../lib/diff/mod.ts";
import { addCodecOptions, type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { addInputOptions, type InputOptions, inputOptions, readInput } from "./_input.ts";
import { exitStatus, TextOut, UserError } from "./_io.ts";

interface DiffCliOptions extends CodecOptionValues {
  ignore: string[];
  timing?: string;
  context: string;
  markdown?: boolean;
  json?: boolean;
  stat?: boolean;
  color: "auto" | "always" | "never";
  decodeAs: string[];
}

/**
 * Parses a `--timing` tolerance: durations (`250ns`, `50us`, `2ms`, `0.5s`) and/or a percentage
 * (`10%`), comma-separated; a change must exceed every tolerance given.
 *
 * @example
 * ```ts
 * import { parseTolerance } from "./diff.ts";
 * import { deepEqual } from "node:assert/strict";
 * deepEqual(parseTolerance("50us,10%"), { toleranceNs: 50_000, tolerancePercent: 10 });
 * ```
 *
 * @param text The option value.
 * @returns Timing options.
 * @throws {UserError} When the text is not a tolerance.
 */
export function parseTolerance(text: string): TimingOptions {
  const out: TimingOptions = {};
  const scale: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9 };
  for (const part of text.split(",")) {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|%)\s*$/.exec(part);
    if (!m) {
      throw new UserError(
        `Cannot use --timing "${text}": expected durations like 50us or 2ms, or a percentage like 10%`,
      );
    }
    if (m[2] === "%") out.tolerancePercent = Number(m[1]);
    else out.toleranceNs = Math.round(Number(m[1]) * scale[m[2]!]!);
  }
  return out;
}

/**
 * Builds the `diff` command.
 * @returns The command.
 */
export function diffCommand(): Command {
  const cmd = new Command("diff")
    .description("compare two traces message by message: inserted, deleted and changed messages")
    .argument("<a>", "old trace: pcap, pcapng, JSON Lines or trace log; - for standard input")
    .argument("<b>", "new trace")
    .option(
      "--ignore <FIELDS>",
      "leave filter names out of the comparison: exact names, prefixes or globs, comma-separated, " +
        "repeatable (e.g. '*.token,vmsg.vq.desc_addr')",
      (v: string, prev: string[]) => [...prev, ...v.split(",").map((s) => s.trim()).filter(Boolean)],
      [] as string[],
    )
    .option(
      "--timing <TOL>",
      "also report request→response latency and inter-message gap changes beyond TOL (50us, 2ms, 10%, 50us,10%)",
    )
    .option("-U, --context <n>", "unchanged messages shown around each change", "3")
    .option("--markdown", "print Markdown (summary table and collapsible hunks) for a pull-request comment")
    .option("--json", "print the differences as JSON")
    .option("--stat", "print counts of inserted, deleted and changed messages per protocol and message")
    .addOption(
      new Option("--color <when>", "colour the text output (auto: on a terminal unless NO_COLOR is set)")
        .choices(["auto", "always", "never"]).default("auto"),
    );
  addInputOptions(cmd);
  addCodecOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Messages are compared by protocol, name, kind, sender, channel and decoded field values;
timestamps are ignored unless --timing is given. Exit status: 0 same, 1 different, 2 trouble.

Examples:
  vioscope diff before.pcapng after.pcapng
  vioscope diff --ignore '*.token' --stat before.pcapng after.pcapng
  vioscope diff --markdown --ignore '*.token' good.pcapng bad.pcapng > comment.md
  vioscope diff --timing 100us,20% baseline.pcapng run.jsonl`,
  );
  cmd.action(async (a: string, b: string, o: DiffCliOptions) => await runDiff(a, b, o));
  return cmd;
}

async function runDiff(pathA: string, pathB: string, o: DiffCliOptions): Promise<void> {
  const context = Number(o.context);
  if (!Number.isInteger(context) || context < 0) {
    throw new UserError(`Cannot use --context "${o.context}": not a whole number`);
  }
  if ([o.markdown, o.json, o.stat].filter(Boolean).length > 1) {
    throw new UserError("Cannot combine --markdown, --json and --stat: pick one output format");
  }
  if (pathA === "-" && pathB === "-") {
    throw new UserError("Cannot read both traces from standard input: give at least one file");
  }
  const timing = o.timing === undefined ? undefined : parseTolerance(o.timing);
  const input = inputOptions(o);
  const registry = defaultRegistry();
  const differ = new TraceDiffer({ registry, ignore: o.ignore, ...(timing ? { timing } : {}) });
  const session = await sessionOptions(o);
  for (const [side, path] of [["a", pathA], ["b", pathB]] as const) {
    await readSide(path, side, differ, {
      input,
      session: new DecodeSession(registry, { ...session, tree: false, pairing: timing ? "all" : "needed" }),
    });
  }
  const result = differ.finish();
  const labels = { labelA: pathA, labelB: pathB };
  const out = new TextOut();
  try {
    if (o.json) await out.line(JSON.stringify(diffToJson(result, labels), null, 2));
    else if (o.markdown) await out.line(formatMarkdown(result, { ...labels, context }).replace(/\n$/, ""));
    else if (o.stat) { for (const l of formatStat(result)) await out.line(l); }
    else {
      const color = useColor(o.color);
      for (const l of formatUnified(result, { ...labels, context, color })) await out.line(l);
    }
  } finally {
    await out.close();
  }
  if (!result.identical) exitStatus.code = 1;
}

async function readSide(
  path: string,
  side: "a" | "b",
  differ: TraceDiffer,
  o: { input: InputOptions; session: DecodeSession },
): Promise<void> {
  const { batches } = await readInput(path, o.input);
  for await (const batch of batches) {
    for (const r of batch) {
      if (r.annotation !== undefined) continue;
      const msg = o.session.decode(r);
      differ.add(side, msg ?? { record: r });
    }
  }
}

function useColor(when: "auto" | "always" | "never"): boolean {
  if (when !== "auto") return when === "always";
  let noColor = false;
  try {
    noColor = (Deno.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    noColor = false;
  }
  return !noColor && Deno.stdout.isTerminal();
}
