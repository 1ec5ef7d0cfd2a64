/**
 * `vioscope replay FILE`: sends a trace's driver-side requests to the simulator at their captured
 * times (scaled by `--speed`, or at `--rate`, or `--topspeed`), compares every simulated answer with
 * the captured one field by field, prints divergences as they happen and ends with a report —
 * messages, divergences, achieved rate and lateness percentiles. Exit status 1 on divergence.
 *
 * @module
 */
import { Command, Option } from "commander";
import { formatChannel, formatDirection, formatSeconds } from "../lib/format.ts";
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import type { CaptureWriter } from "../lib/pcap/mod.ts";
import type { CaptureRecord } from "../lib/record.ts";
import {
  createModels,
  type Divergence,
  LoopbackBus,
  percentile,
  planReplay,
  profileOptions,
  type ReplayDecodeOptions,
  Replayer,
  type ReplayPlan,
  ReplayScheduler,
  type SimProfile,
  simRegistry,
} from "../lib/sim/mod.ts";
import type { Message } from "../lib/codec/mod.ts";
import { addCodecOptions, type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { addInputOptions, inputOptions, readInput } from "./_input.ts";
import { exitStatus, openOutput, UserError } from "./_io.ts";
import { loadProfile } from "./sim.ts";

interface ReplayCliOptions extends CodecOptionValues {
  speed?: string;
  rate?: string;
  topspeed?: boolean;
  loop?: string;
  ignore: string[];
  profile?: string;
  write?: string;
  json?: boolean;
  quiet?: boolean;
  decodeAs: string[];
}

/** The end-of-run report. */
export interface ReplayReport {
  /** Input name. */
  file: string;
  /** Requests sent (all loops). */
  messages: number;
  /** Loops. */
  loops: number;
  /** Simulated answers compared with captured ones (or checked for acceptance). */
  compared: number;
  /** Compare (captured answers) or accept (requests only). */
  mode: "compare" | "accept";
  /** Divergences. */
  divergences: number;
  /** Wall time of the run, s. */
  seconds: number;
  /** Achieved rate, messages/s. */
  rate: number;
  /** Planned rate (messages over planned span), messages/s; undefined at top speed. */
  plannedRate?: number;
  /** Lateness percentiles and maximum, µs (undefined at top speed). */
  latenessUs?: { p50: number; p99: number; max: number; last: number };
  /** The divergences (JSON output only). */
  list?: Divergence[];
}

/** How a replay is paced and compared. */
export interface ReplayRunOptions {
  /** Speed multiplier. */
  speed?: number;
  /** Fixed rate, messages/s. */
  rate?: number;
  /** No pacing. */
  topspeed?: boolean;
  /** Loops. */
  loops?: number;
  /** Fields not compared. */
  ignore?: string[];
  /** Simulator profile. */
  profile: SimProfile;
  /** Dialects and protocol options. */
  session: { dialects?: Record<string, string>; options?: Record<string, unknown> };
  /** Writer for the simulated exchange. */
  writer?: CaptureWriter;
  /** Print each request and its simulated answers as they are sent. */
  live?: boolean;
  /** Print nothing while running (divergences are kept for the report). */
  quiet?: boolean;
  /** Keep the divergences in the report. */
  keepList?: boolean;
}

const enc = new TextEncoder();

/** Lines written to standard output synchronously; buffered between flushes. */
class LiveOut {
  #buf: string[] = [];
  line(s: string): void {
    this.#buf.push(s);
    if (this.#buf.length >= 256) this.flush();
  }
  now(s: string): void {
    this.#buf.push(s);
    this.flush();
  }
  flush(): void {
    if (!this.#buf.length) return;
    const text = this.#buf.join("\n") + "\n";
    this.#buf = [];
    const bytes = enc.encode(text);
    let off = 0;
    try {
      while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
    } catch (e) {
      if (e instanceof Deno.errors.BrokenPipe) Deno.exit(0);
      throw e;
    }
  }
}

function liveLine(no: number, r: CaptureRecord, t0: bigint, m: Message | undefined): string {
  return `${String(no).padStart(5)} ${formatSeconds(r.timestampNs - t0).padStart(10)} ${formatDirection(r)} ${
    (r.protocol ?? "?").padEnd(12)
  } ${formatChannel(r.channel).padEnd(20)} ${m?.summary ?? `${r.data.length} bytes`}`;
}

/**
 * Replays records against the simulator and returns the report (divergences are printed as they
 * are found unless `quiet`).
 * @param file Input name (for the report).
 * @param records The trace.
 * @param o Pace, profile, output.
 * @returns The report.
 */
export async function runReplay(
  file: string,
  records: CaptureRecord[],
  o: ReplayRunOptions,
): Promise<ReplayReport> {
  const registry = simRegistry();
  const options = { ...profileOptions(o.profile), ...o.session.options };
  const decode = { registry, dialects: o.session.dialects ?? {}, options };
  const plan = planReplay(records, decode);
  if (plan.items.length === 0) {
    throw new UserError(`Cannot replay "${file}": it holds no driver-side messages`);
  }
  if (!o.topspeed) warmUp(plan, o.profile, decode);
  const bus = new LoopbackBus(createModels(o.profile), { ...decode, pairAnswers: true });
  const replayer = new Replayer(bus, plan, { ...decode, ignore: o.ignore ?? [] });
  const t0 = plan.items[0]!.request.timestampNs;
  const offsets = plan.items.map((it) => it.request.timestampNs - t0);
  const pace = {
    ...(o.speed !== undefined ? { speed: o.speed } : {}),
    ...(o.rate !== undefined ? { rate: o.rate } : {}),
    loops: o.loops ?? 1,
  };
  const sched = new ReplayScheduler(offsets, { ...pace, topspeed: !!o.topspeed, onIdle: () => out.flush() });
  const stamps = new ReplayScheduler(offsets, pace);
  const out = new LiveOut();
  const list: Divergence[] = [];
  const report = (ds: Divergence[]) => {
    for (const d of ds) {
      if (o.keepList) list.push(d);
      if (!o.quiet) out.now(`divergence ${d.text}`);
    }
  };
  let lineNo = 0;
  const stats = await sched.run(async (i, loop) => {
    const at = t0 + BigInt(Math.round(stamps.plannedNs(i, loop)));
    const step = replayer.step(i, loop, at);
    if (o.live && !o.quiet) {
      out.line(liveLine(++lineNo, step.request, t0, step.message));
      step.simulated.forEach((r, k) => out.line(liveLine(++lineNo, r, t0, step.answers[k])));
    }
    report(step.divergences);
    if (o.writer) {
      await o.writer.write(step.request);
      for (const r of step.simulated) await o.writer.write(r);
    }
  });
  report(replayer.finish());
  out.flush();
  const seconds = (stats.endMs - stats.startMs) / 1000;
  const r: ReplayReport = {
    file,
    messages: stats.sent,
    loops: o.loops ?? 1,
    compared: replayer.totals.compared,
    mode: plan.hasResponses ? "compare" : "accept",
    divergences: replayer.totals.divergences,
    seconds,
    rate: seconds > 0 ? stats.sent / seconds : stats.sent,
  };
  if (!o.topspeed) {
    const l = stats.latenessNs;
    r.latenessUs = {
      p50: percentile(l, 50) / 1000,
      p99: percentile(l, 99) / 1000,
      max: percentile(l, 100) / 1000,
      last: (l[l.length - 1] ?? 0) / 1000,
    };
    if (stats.plannedSpanMs > 0) r.plannedRate = (stats.sent - 1) / (stats.plannedSpanMs / 1000);
  }
  if (o.keepList) r.list = list;
  return r;
}

/**
 * Sends 2,000 requests (the trace looped as needed) through a throwaway simulator so that the paced run starts with
 * compiled code (the first messages would otherwise be late by milliseconds).
 * @param plan The plan.
 * @param profile The profile.
 * @param decode Codecs and options.
 */
function warmUp(plan: ReplayPlan, profile: SimProfile, decode: ReplayDecodeOptions): void {
  const bus = new LoopbackBus(createModels(profile), { ...decode, pairAnswers: true });
  const r = new Replayer(bus, plan, decode);
  const n = plan.items.length;
  for (let k = 0; k < 2000; k++) r.step(k % n, Math.floor(k / n));
  r.finish();
}

/**
 * The report as text lines.
 * @param r Report.
 * @returns Lines.
 */
export function reportLines(r: ReplayReport): string[] {
  const f = (n: number) => n.toFixed(1);
  const lines = [
    `replay of ${r.file}: ${r.messages} messages${
      r.loops > 1 ? ` (${r.loops} loops)` : ""
    }, ${r.compared} answers ${
      r.mode === "compare" ? "compared" : "checked for acceptance (no captured answers)"
    }`,
    `divergences: ${r.divergences}`,
    `rate: ${f(r.rate)} messages/s${
      r.plannedRate !== undefined ? ` (planned ${f(r.plannedRate)})` : ""
    } over ${r.seconds.toFixed(3)} s`,
  ];
  if (r.latenessUs) {
    const l = r.latenessUs;
    lines.push(
      `lateness: p50 ${f(l.p50)} µs, p99 ${f(l.p99)} µs, max ${f(l.max)} µs, last message ${f(l.last)} µs`,
    );
  } else lines.push("lateness: - (top speed)");
  return lines;
}

function parsePositive(v: string | undefined, name: string, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UserError(`Cannot use ${name} "${v}": not a ${integer ? "whole " : ""}number > 0`);
  }
  return n;
}

function collectList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
}

/**
 * Builds the `replay` command.
 * @returns The command.
 */
export function replayCommand(): Command {
  const cmd = new Command("replay")
    .description("replay a trace's requests against the simulator with timing, and compare the answers")
    .argument("<file>", "pcap, pcapng, JSON Lines or trace file; - for standard input")
    .addOption(
      new Option("--speed <x>", "multiply the captured pace (2 = twice as fast)").conflicts([
        "rate",
        "topspeed",
      ]),
    )
    .addOption(new Option("--rate <n>", "send n messages per second instead").conflicts(["topspeed"]))
    .option("--topspeed", "send as fast as possible")
    .option("--loop <n>", "replay the trace n times (the models are reset between loops)", "1")
    .option(
      "--ignore <fields>",
      "filter names or prefixes not compared, comma separated (repeatable)",
      collectList,
      [],
    )
    .option("--profile <file>", "simulator profile (JSON, docs/sim-profile.md; default: built in)")
    .option("-w, --write <out>", "write the simulated exchange (requests and simulated answers) as pcapng")
    .option("--json", "print the report (with every divergence) as one JSON object")
    .option("-q, --quiet", "print only the report");
  addInputOptions(cmd);
  addCodecOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Exit status: 0 when every answer matched, 1 on divergence, 2 on trouble.

Examples:
  vioscope replay fixtures/sim/virtio-msg-ffa.pcapng
  vioscope replay --speed 0.5 --loop 3 capture.pcapng
  vioscope replay --rate 20000 --ignore vmsg.token,ffa.direct.payload -w sim.pcapng capture.pcapng`,
  );
  cmd.action(async (file: string, o: ReplayCliOptions) => await runReplayCommand(file, o));
  return cmd;
}

async function runReplayCommand(file: string, o: ReplayCliOptions): Promise<void> {
  const speed = parsePositive(o.speed, "--speed");
  const rate = parsePositive(o.rate, "--rate");
  const loops = parsePositive(o.loop, "--loop", true);
  const profile = await loadProfile(o.profile);
  const session = await sessionOptions(o);
  const { batches } = await readInput(file, inputOptions(o));
  const records: CaptureRecord[] = [];
  for await (const b of batches) for (const r of b) records.push(r);
  const writer = o.write
    ? createCaptureWriter(await openOutput(o.write), { application: "vioscope replay" })
    : undefined;
  const report = await runReplay(file, records, {
    ...(speed !== undefined ? { speed } : {}),
    ...(rate !== undefined ? { rate } : {}),
    topspeed: !!o.topspeed,
    ...(loops !== undefined ? { loops } : {}),
    ignore: o.ignore,
    profile,
    session: {
      dialects: { ...session.dialects } as Record<string, string>,
      options: { ...session.options },
    },
    ...(writer ? { writer } : {}),
    quiet: !!(o.quiet || o.json),
    keepList: !!o.json,
  });
  await writer?.close();
  const text = o.json ? JSON.stringify(report) : reportLines(report).join("\n");
  Deno.stdout.writeSync(enc.encode(text + "\n"));
  if (report.divergences > 0) exitStatus.code = 1;
}
