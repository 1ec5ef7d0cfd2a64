/**
 * Capture statistics for `info` and `demo`: counts per protocol and direction, first and last
 * timestamps, bytes, and their text / JSON renderings.
 *
 * @module
 */
import type { CaptureInfo, InterfaceInfo } from "../lib/pcap/mod.ts";
import { type CaptureRecord, formatTimestamp } from "../lib/record.ts";

/** Running statistics over records. */
export class CaptureStats {
  /** Records counted. */
  records = 0;
  /** Records per protocol tag (`unknown` when absent). */
  protocols = new Map<string, number>();
  /** Records per `kind from sender`. */
  directions = new Map<string, number>();
  /** Message bytes (captured). */
  bytes = 0;
  /** Earliest timestamp. */
  first: bigint | undefined;
  /** Latest timestamp. */
  last: bigint | undefined;

  /**
   * Counts a record.
   * @param r Record.
   */
  add(r: CaptureRecord): void {
    this.records++;
    const p = r.protocol ?? (r.annotation !== undefined ? "annotation" : "unknown");
    this.protocols.set(p, (this.protocols.get(p) ?? 0) + 1);
    const d = `${r.kind} from ${r.sender}`;
    this.directions.set(d, (this.directions.get(d) ?? 0) + 1);
    this.bytes += r.data.length;
    const t = r.timestampNs;
    if (this.first === undefined || t < this.first) this.first = t;
    if (this.last === undefined || t > this.last) this.last = t;
  }

  /** Nanoseconds between first and last record. */
  get durationNs(): bigint {
    return this.first === undefined || this.last === undefined ? 0n : this.last - this.first;
  }

  /** Records per second over the duration, or undefined when it is zero. */
  get rate(): number | undefined {
    const d = this.durationNs;
    return d > 0n ? this.records / (Number(d) / 1e9) : undefined;
  }
}

const LINKTYPE_NAMES: Readonly<Record<number, string>> = {
  0: "NULL",
  1: "ETHERNET",
  101: "RAW",
  252: "WIRESHARK_UPPER_PDU",
  271: "VSOCK",
  302: "EDK2_MM",
};

/**
 * Link type as `USER0 (147)`.
 * @param linkType LINKTYPE number.
 * @returns Name and number.
 */
export function linkTypeName(linkType: number): string {
  const name = linkType >= 147 && linkType <= 162 ? `USER${linkType - 147}` : LINKTYPE_NAMES[linkType];
  return name === undefined ? `LINKTYPE ${linkType}` : `${name} (${linkType})`;
}

/**
 * Timestamp as ISO 8601 UTC with nine fraction digits.
 * @param ns Nanoseconds since the epoch.
 * @returns Text like `2023-11-14T22:13:20.000001000Z`.
 */
export function isoTimestamp(ns: bigint): string {
  const ms = ns >= 0n ? ns / 1_000_000n : (ns - 999_999n) / 1_000_000n;
  const frac = ((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 19)}.${frac.toString().padStart(9, "0")}Z`;
}

function interfaceLine(i: InterfaceInfo): string {
  const parts = [
    linkTypeName(i.linkType),
    `snaplen ${i.snapLen === 0 ? "unlimited" : i.snapLen}`,
    `ts resolution ${i.tsResolution}`,
  ];
  if (i.tsOffset !== undefined) parts.push(`ts offset ${i.tsOffset} s`);
  if (i.name !== undefined) parts.push(`name "${i.name}"`);
  if (i.description !== undefined) parts.push(`description "${i.description}"`);
  return `  #${i.id}${i.section > 0 ? ` (section ${i.section})` : ""}: ${parts.join(", ")}`;
}

function row(label: string, value: string | number): string {
  return `${(label + ":").padEnd(24)}${value}`;
}

function sorted(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/**
 * The capinfos-like text summary.
 * @param name File name.
 * @param info Container facts.
 * @param s Statistics.
 * @returns Lines.
 */
export function summaryText(name: string, info: CaptureInfo, s: CaptureStats): string[] {
  const lines = [row("File name", name), row("File format", info.format ?? "unknown (empty input)")];
  if (info.byteOrder) lines.push(row("Byte order", `${info.byteOrder}-endian`));
  if (info.format === "pcap" || info.format === "pcapng") {
    lines.push(row("Sections", info.sections));
    lines.push(row("Interfaces", info.interfaces.length));
    for (const i of info.interfaces) lines.push(interfaceLine(i));
  }
  lines.push(row("Records", s.records));
  for (const [p, n] of sorted(s.protocols)) lines.push(`  ${p.padEnd(22)}${n}`);
  if (s.directions.size) lines.push("Directions:");
  for (const [d, n] of sorted(s.directions)) lines.push(`  ${d.padEnd(22)}${n}`);
  lines.push(row("Message bytes", s.bytes));
  if (s.first !== undefined && s.last !== undefined) {
    lines.push(row("First record", `${isoTimestamp(s.first)} (${formatTimestamp(s.first)})`));
    lines.push(row("Last record", `${isoTimestamp(s.last)} (${formatTimestamp(s.last)})`));
    lines.push(row("Duration", `${formatTimestamp(s.durationNs)} s`));
    const rate = s.rate;
    lines.push(row("Average rate", rate === undefined ? "n/a" : `${rate.toFixed(2)} records/s`));
  }
  return lines;
}

/**
 * The `--json` object.
 * @param name File name.
 * @param info Container facts.
 * @param s Statistics.
 * @param error The damage, if any.
 * @returns JSON-able object.
 */
export function summaryJson(
  name: string,
  info: CaptureInfo,
  s: CaptureStats,
  error?: string,
): Record<string, unknown> {
  const o: Record<string, unknown> = {
    file: name,
    format: info.format ?? null,
    byteOrder: info.byteOrder ?? null,
    sections: info.sections,
    interfaces: info.interfaces.map((i) => ({ ...i, linkTypeName: linkTypeName(i.linkType) })),
    records: s.records,
    protocols: Object.fromEntries(sorted(s.protocols)),
    directions: Object.fromEntries(sorted(s.directions)),
    bytes: s.bytes,
    first: s.first === undefined ? null : formatTimestamp(s.first),
    firstIso: s.first === undefined ? null : isoTimestamp(s.first),
    last: s.last === undefined ? null : formatTimestamp(s.last),
    lastIso: s.last === undefined ? null : isoTimestamp(s.last),
    duration: formatTimestamp(s.durationNs),
    rate: s.rate ?? null,
  };
  if (error !== undefined) o["error"] = error;
  return o;
}
