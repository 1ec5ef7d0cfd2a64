/**
 * `vioscope stats [FILE|-]`: counts per protocol, message and direction; request → response
 * latency per message type (count, min, p50, p99, max, like tshark's `-z srt`); status and error
 * counts by value name; decode issues. Aligned tables, or `--json`.
 *
 * @module
 */
import { Command } from "commander";
import { DecodeSession, defaultRegistry, type Message, type Registry } from "../lib/codec/mod.ts";
import { filterFields } from "../lib/filter/mod.ts";
import type { CaptureRecord } from "../lib/record.ts";
import { addCodecOptions, type CodecOptionValues, sessionOptions } from "./_codec_options.ts";
import { addDisplayFilterOption, displayFilterFrom } from "./_display_filter.ts";
import { addInputOptions, inputOptions, readInput } from "./_input.ts";
import { TextOut } from "./_io.ts";

interface StatsOptions extends CodecOptionValues {
  json?: boolean;
  decodeAs: string[];
  displayFilter?: string;
}

/** Request → response latency of one message type, in nanoseconds. */
export interface LatencyRow {
  protocol: string;
  name: string;
  count: number;
  minNs: number;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
}

/** What `stats --json` prints. */
export interface StatsReport {
  /** Records counted (after `-Y`). */
  records: number;
  /** Records whose protocol has a codec. */
  decoded: number;
  /** Messages per protocol tag (`unknown` for records without one). */
  protocols: Record<string, number>;
  /** Messages per direction (request, response, event, unknown). */
  directions: Record<string, number>;
  /** Messages per protocol and name, split by direction. */
  messages: {
    protocol: string;
    name: string;
    request: number;
    response: number;
    event: number;
    unknown: number;
    total: number;
  }[];
  /** Request → response latency per request name. */
  latency: LatencyRow[];
  /** Status/result/error-code values by filter field and value name. */
  status: { field: string; value: string; count: number }[];
  /** Decode issues by code. */
  issues: Record<string, number>;
}

/** Fields counted as status or error values (short names), besides FF-A's `error.code`. */
const STATUS_KEYS = ["status", "result", "tail.status"];

/** Accumulates the statistics of a stream of records and their messages. */
export class StatsCollector {
  #enums: Map<string, Record<string, string>>;
  #abbrev: Map<string, string>;
  #records = 0;
  #decoded = 0;
  #protocols = new Map<string, number>();
  #directions = new Map<string, number>();
  #messages = new Map<string, { protocol: string; name: string; counts: Record<string, number> }>();
  #latency = new Map<string, { protocol: string; name: string; samples: number[] }>();
  #status = new Map<string, number>();
  #issues = new Map<string, number>();

  /** @param registry The codecs (for enum names of status fields). */
  constructor(registry: Registry) {
    this.#enums = new Map();
    for (const f of filterFields(registry)) if (f.enum) this.#enums.set(f.name, f.enum);
    this.#abbrev = new Map(registry.codecs().map((c) => [c.tag, c.abbrev]));
  }

  /**
   * Counts one record.
   * @param r The record.
   * @param m Its message (paired: `m.request` set for answered requests).
   */
  add(r: CaptureRecord, m: Message | undefined): void {
    this.#records++;
    const proto = r.protocol ?? "unknown";
    bump(this.#protocols, proto);
    const kind = m && m.kind !== "unknown" ? m.kind : r.kind;
    bump(this.#directions, kind);
    if (!m) return;
    this.#decoded++;
    const key = `${m.protocol}\0${m.name}`;
    let row = this.#messages.get(key);
    if (!row) {
      row = { protocol: m.protocol, name: m.name, counts: { request: 0, response: 0, event: 0, unknown: 0 } };
      this.#messages.set(key, row);
    }
    row.counts[kind] = (row.counts[kind] ?? 0) + 1;
    if (m.kind === "response" && m.request?.record) {
      const lkey = `${m.protocol}\0${m.request.name}`;
      let l = this.#latency.get(lkey);
      if (!l) this.#latency.set(lkey, l = { protocol: m.protocol, name: m.request.name, samples: [] });
      l.samples.push(Number(r.timestampNs - m.request.record.timestampNs));
    }
    for (const i of m.issues) bump(this.#issues, i.code);
    if (m.kind === "request") return; // status words are written by the answering side
    const ab = this.#abbrev.get(m.protocol) ?? m.protocol;
    const keys = m.protocol === "ffa" && m.prefix === "error" ? ["code"] : STATUS_KEYS;
    for (const k of keys) {
      const v = m.values[k];
      if (typeof v !== "number" && typeof v !== "bigint") continue;
      const body = m.prefix ? `${ab}.${m.prefix}.${k}` : `${ab}.${k}`;
      const field = this.#enums.has(body) ? body : `${ab}.${k}`;
      const e = this.#enums.get(field);
      if (!e) continue; // a status word without value names (virtio device status flags)
      bump(this.#status, `${field}\0${e[String(v)] ?? String(v)}`);
    }
  }

  /** @returns The report. */
  report(): StatsReport {
    const sorted = <T>(m: Map<string, T>) =>
      [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return {
      records: this.#records,
      decoded: this.#decoded,
      protocols: Object.fromEntries(sorted(this.#protocols)),
      directions: Object.fromEntries(sorted(this.#directions)),
      messages: sorted(this.#messages).map(([, r]) => ({
        protocol: r.protocol,
        name: r.name,
        request: r.counts["request"] ?? 0,
        response: r.counts["response"] ?? 0,
        event: r.counts["event"] ?? 0,
        unknown: r.counts["unknown"] ?? 0,
        total: Object.values(r.counts).reduce((a, b) => a + b, 0),
      })),
      latency: sorted(this.#latency).map(([, l]) => {
        const s = Float64Array.from(l.samples).sort();
        return {
          protocol: l.protocol,
          name: l.name,
          count: s.length,
          minNs: s[0]!,
          p50Ns: percentile(s, 50),
          p99Ns: percentile(s, 99),
          maxNs: s[s.length - 1]!,
        };
      }),
      status: sorted(this.#status).map(([k, count]) => {
        const [field, value] = k.split("\0") as [string, string];
        return { field, value, count };
      }),
      issues: Object.fromEntries(sorted(this.#issues)),
    };
  }
}

/**
 * Nearest-rank percentile of sorted samples.
 * @param s Sorted samples (not empty).
 * @param p Percent, 0–100.
 * @returns The sample at rank ceil(p/100·n).
 */
export function percentile(s: ArrayLike<number>, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(rank, s.length) - 1]!;
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/**
 * Renders rows as a table with aligned columns (numbers right-aligned).
 * @param head Column titles.
 * @param rows Cells.
 * @returns Lines.
 */
export function table(head: string[], rows: (string | number)[][]): string[] {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const num = head.map((_, i) => rows.length > 0 && rows.every((r) => /^-?\d+(\.\d+)?$/.test(String(r[i]))));
  const width = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) =>
    r.map((c, i) => (num[i] ? c.padStart(width[i]!) : i === r.length - 1 ? c : c.padEnd(width[i]!))).join(
      "  ",
    )
      .trimEnd()
  );
}

const us = (ns: number) => (ns / 1000).toFixed(3);

/**
 * The human report: one titled table per section.
 * @param s The report.
 * @returns Text lines.
 */
export function statsText(s: StatsReport): string[] {
  const out: string[] = [`${s.records} records, ${s.decoded} decoded`, ""];
  const section = (title: string, head: string[], rows: (string | number)[][]) => {
    if (!rows.length) return;
    out.push(`${title}:`, ...table(head, rows).map((l) => "  " + l), "");
  };
  section("Protocols", ["PROTOCOL", "MESSAGES"], Object.entries(s.protocols));
  section("Directions", ["DIRECTION", "MESSAGES"], Object.entries(s.directions));
  section(
    "Messages",
    ["PROTOCOL", "MESSAGE", "REQUEST", "RESPONSE", "EVENT", "UNKNOWN", "TOTAL"],
    s.messages.map((m) => [m.protocol, m.name, m.request, m.response, m.event, m.unknown, m.total]),
  );
  section(
    "Response time (request → response, µs)",
    ["PROTOCOL", "MESSAGE", "COUNT", "MIN", "P50", "P99", "MAX"],
    s.latency.map((
      l,
    ) => [l.protocol, l.name, l.count, us(l.minNs), us(l.p50Ns), us(l.p99Ns), us(l.maxNs)]),
  );
  section("Status", ["FIELD", "VALUE", "COUNT"], s.status.map((x) => [x.field, x.value, x.count]));
  section("Issues", ["ISSUE", "COUNT"], Object.entries(s.issues));
  while (out.at(-1) === "") out.pop();
  return out;
}

/**
 * Builds the `stats` command.
 * @returns The command.
 */
export function statsCommand(): Command {
  const cmd = new Command("stats")
    .description(
      "count messages per protocol, name and direction; response times per request type; status values",
    )
    .argument("[file]", "pcap, pcapng, JSON Lines or trace file; - for standard input", "-")
    .option("--json", "print the statistics as one JSON object (latencies in nanoseconds)");
  addDisplayFilterOption(cmd);
  addInputOptions(cmd);
  addCodecOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  vioscope stats capture.pcapng
  vioscope stats -Y 'scmi.hdr.protocol_id == CLOCK' capture.pcapng
  vioscope stats --json capture.pcapng | jq '.latency'`,
  );
  cmd.action(async (file: string, o: StatsOptions) => {
    const registry = defaultRegistry();
    const filter = displayFilterFrom(o.displayFilter, registry);
    const session = new DecodeSession(registry, {
      ...(await sessionOptions(o)),
      tree: false,
      pairing: "all",
    });
    const stats = new StatsCollector(registry);
    const { batches } = await readInput(file, inputOptions(o));
    let no = 0;
    let t0: bigint | undefined;
    for await (const batch of batches) {
      for (const r of batch) {
        if (r.annotation !== undefined) continue;
        no++;
        t0 ??= r.timestampNs;
        const msg = session.decode(r);
        if (filter && !filter.matches(r, msg, { number: no, startNs: t0 })) continue;
        stats.add(r, msg);
      }
    }
    const out = new TextOut();
    const report = stats.report();
    if (o.json) await out.line(JSON.stringify(report, null, 2));
    else for (const l of statsText(report)) await out.line(l);
    await out.close();
  });
  return cmd;
}
