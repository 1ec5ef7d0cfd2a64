/**
 * Diffing two traces of decoded messages: "what changed in the conversation", not "which bytes
 * moved".
 *
 * Every message is normalised to a key (protocol, name, kind, sender, channel and its decoded
 * field values minus ignored fields; timestamps never count). The two key sequences are aligned
 * with Myers' O(ND) algorithm in linear memory, so one inserted or removed message does not
 * cascade. Inside each run of unmatched messages, a second alignment over the coarse identity
 * (protocol, name, kind, sender, channel) pairs near matches, which are reported as changes with
 * field-level differences rather than as a deletion plus an insertion.
 *
 * @module
 */
import type { CaptureRecord, MessageKind, Side } from "../record.ts";
import type { Message, RegistryLike } from "../codec/types.ts";
import { defaultRegistry } from "../codec/protocols/mod.ts";
import { formatChannel } from "../format.ts";
import { fieldMatcher } from "./field_matcher.ts";
import { type FlatFields, MessageFlattener, valueText } from "./message_fields.ts";
import { myersDiff } from "./myers.ts";
import { type DiffEntry, type FieldChange, type Hunk, toHunks } from "./hunks.ts";

/** A message to diff, or a record that could not be decoded (compared by its bytes). */
export type DiffInput = Message | { record: CaptureRecord; message?: Message | undefined };

/** Which timing differences count (both members may be given; a change must exceed both). */
export interface TimingOptions {
  /** Absolute tolerance in nanoseconds. */
  toleranceNs?: number;
  /** Relative tolerance in percent of the old value. */
  tolerancePercent?: number;
}

/** Options for {@linkcode diffMessages} and {@linkcode TraceDiffer}. */
export interface DiffOptions {
  /**
   * Filter names (and prefixes, and `*` globs) left out of the comparison, e.g. `*.token`.
   * @default {[]}
   */
  ignore?: readonly string[];
  /**
   * Also report request→response latency (`frame.latency`) and inter-message gap
   * (`frame.time_delta`) changes beyond a tolerance. Latency needs messages paired by a decode
   * session (`msg.request`). Off by default: timestamps are ignored.
   */
  timing?: TimingOptions;
  /**
   * Codecs, for each protocol's abbreviation and header field names.
   * @default {defaultRegistry()}
   */
  registry?: RegistryLike;
  /**
   * Search limit of one alignment step (see `myersDiff`); larger is slower but minimal on wilder
   * inputs.
   * @default {65536}
   */
  maxCost?: number;
}

/** What the renderers know about one message. */
export interface MessageInfo {
  /** 0-based index in its trace. */
  index: number;
  /** Protocol tag, or `?` for an undecoded record. */
  protocol: string;
  /** Message name (`RAW` for an undecoded record). */
  name: string;
  /** Kind. */
  kind: MessageKind;
  /** Sender. */
  sender: Side;
  /** Channel as text (`dev1/q0`, `-`). */
  channel: string;
  /** The one-line summary. */
  summary: string;
}

/** Counts of one protocol and message name. */
export interface DiffStatRow {
  /** Protocol tag. */
  protocol: string;
  /** Message name. */
  name: string;
  /** Messages only in the new trace. */
  inserted: number;
  /** Messages only in the old trace. */
  deleted: number;
  /** Messages in both, with different fields or timing. */
  changed: number;
}

/** Totals and per-message counts. */
export interface DiffStats {
  /** Messages only in the new trace. */
  inserted: number;
  /** Messages only in the old trace. */
  deleted: number;
  /** Changed messages. */
  changed: number;
  /** Unchanged messages. */
  unchanged: number;
  /** Counts per protocol and message, sorted by protocol then name. */
  rows: DiffStatRow[];
}

interface CoarseInfo {
  protocol: string;
  name: string;
  kind: MessageKind;
  sender: Side;
  channel: string;
}

const NO_TIME = Number.NaN;
const CHUNK = 4096;

/** Filter names and ignore verdicts of one coarse identity's value keys (see `#messageValues`). */
interface Plan {
  keys: string[];
  ignored: boolean[];
  schema: number;
}

/** A value that flattens to one field (not a group, list of groups or nested message). */
function plain(v: object): boolean {
  return v instanceof Uint8Array || (Array.isArray(v) && (v.length === 0 || typeof v[0] !== "object"));
}

class SideStore {
  fine = new Int32Array(1024);
  coarse = new Int32Array(1024);
  ts = new Float64Array(1024);
  latency = new Float64Array(1024);
  /**
   * Summaries, packed: every 4096 of them are joined into one string (with their end offsets in
   * `ends`), so millions of messages cost a few hundred strings for the garbage collector.
   */
  #chunks: string[] = [];
  #pending: string[] = [];
  #ends = new Int32Array(1024);
  length = 0;
  t0: bigint | undefined;

  push(fine: number, coarse: number, ts: bigint | undefined, latency: number, summary: string): void {
    if (this.length === this.fine.length) {
      const n = this.length * 2;
      this.fine = grow(this.fine, new Int32Array(n));
      this.coarse = grow(this.coarse, new Int32Array(n));
      this.ts = grow(this.ts, new Float64Array(n));
      this.latency = grow(this.latency, new Float64Array(n));
    }
    const i = this.length++;
    this.fine[i] = fine;
    this.coarse[i] = coarse;
    if (ts === undefined) this.ts[i] = NO_TIME;
    else {
      this.t0 ??= ts;
      this.ts[i] = Number(ts - this.t0);
    }
    this.latency[i] = latency;
    if (this.#ends.length === i) this.#ends = grow(this.#ends, new Int32Array(i * 2));
    const p = this.#pending;
    this.#ends[i] = (p.length ? this.#ends[i - 1]! : 0) + summary.length;
    p.push(summary);
    if (p.length === CHUNK) {
      this.#chunks.push(p.join(""));
      this.#pending = [];
    }
  }

  summary(i: number): string {
    const c = Math.floor(i / CHUNK), k = i % CHUNK;
    const text = c < this.#chunks.length ? this.#chunks[c]! : this.#pending.join("");
    return text.slice(k ? this.#ends[i - 1]! : 0, this.#ends[i]!);
  }
}

function grow<T extends Int32Array | Float64Array>(old: T, next: T): T {
  next.set(old);
  return next;
}

/**
 * Collects two traces message by message (in any interleaving) and aligns them. Memory per
 * message is a few numbers plus its summary text; distinct keys are interned once.
 *
 * @example Streaming two traces
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { TraceDiffer } from "./diff_messages.ts";
 * import { deepEqual } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const vmsg = registry.get("virtio-msg")!;
 * const dec = (bytes: number[]) => vmsg.decodeBytes(new Uint8Array(bytes), { registry });
 * const differ = new TraceDiffer({ registry, ignore: ["*.token"] });
 * differ.add("a", dec([0, 2, 1, 0, 1, 0, 8, 0]));
 * differ.add("b", dec([0, 2, 2, 0, 9, 0, 8, 0]));
 * deepEqual(differ.finish().edits, [
 *   { op: "change", a: 0, b: 0, changes: [{ field: "vmsg.dev_num", a: "1", b: "2" }] },
 * ]);
 * ```
 */
export class TraceDiffer {
  #sides = { a: new SideStore(), b: new SideStore() };
  #fineIds = new Map<string, number>();
  #fineKeys: string[] = [];
  #coarseIds = new Map<string, number>();
  #coarseInfo: CoarseInfo[] = [];
  #schemaIds = new Map<string, number>();
  #schemas: string[][] = [];
  #flattener: MessageFlattener;
  #ignored: (name: string) => boolean;
  #options: DiffOptions;
  #flat: FlatFields = { names: [], values: [] };
  #plans: (Plan | undefined)[] = [];

  /** @param options Ignore list, timing, registry. */
  constructor(options: DiffOptions = {}) {
    this.#options = options;
    this.#flattener = new MessageFlattener(options.registry ?? defaultRegistry());
    this.#ignored = fieldMatcher(options.ignore ?? []);
  }

  /**
   * Adds the next message of one trace.
   * @param side `a` (old) or `b` (new).
   * @param item The decoded message (its `record` supplies sender, channel and time), or an
   *   undecoded record.
   */
  add(side: "a" | "b", item: DiffInput): void {
    const msg = "values" in item ? item : item.message;
    const record = item.record;
    let protocol: string, name: string, kind: MessageKind, summary: string;
    if (msg) {
      protocol = msg.protocol;
      name = msg.name;
      kind = msg.kind;
      summary = msg.summary;
    } else {
      protocol = record?.protocol ?? "?";
      name = "RAW";
      kind = record?.kind ?? "unknown";
      const data = record?.data ?? new Uint8Array();
      summary = record?.annotation !== undefined
        ? `annotation ${record.annotation}`
        : `${data.length} bytes${record?.protocol ? "" : " (unknown protocol)"}`;
    }
    const sender = record?.sender ?? "unknown";
    const ch = record?.channel;
    const coarseKey = ch
      ? `${protocol}\x1f${name}\x1f${kind}\x1f${sender}\x1f${ch.bus},${ch.device},${ch.src},${ch.dst},${ch.queue}`
      : `${protocol}\x1f${name}\x1f${kind}\x1f${sender}\x1f`;
    let coarse = this.#coarseIds.get(coarseKey);
    if (coarse === undefined) {
      coarse = this.#coarseInfo.length;
      this.#coarseIds.set(coarseKey, coarse);
      this.#coarseInfo.push({ protocol, name, kind, sender, channel: ch ? formatChannel(ch) : "-" });
    }
    const fineKey = `${coarse}\x1e${msg ? this.#messageValues(coarse, msg) : this.#rawValues(record)}`;
    let fine = this.#fineIds.get(fineKey);
    if (fine === undefined) {
      fine = this.#fineKeys.length;
      this.#fineIds.set(fineKey, fine);
      this.#fineKeys.push(fineKey);
    }
    let latency = NO_TIME;
    const reqTs = msg?.request?.record?.timestampNs;
    if (record && reqTs !== undefined) latency = Number(record.timestampNs - reqTs);
    this.#sides[side].push(fine, coarse, record?.timestampNs, latency, summary);
  }

  /** `schema id \x1e \x1f value \x1f value ...` of a record that was not decoded. */
  #rawValues(record: CaptureRecord | undefined): string {
    return `${this.#schemaId(["raw"])}\x1e\x1f${valueText(record?.data ?? new Uint8Array())}`;
  }

  #schemaId(names: string[]): number {
    const key = names.join("\x1f");
    let id = this.#schemaIds.get(key);
    if (id === undefined) {
      id = this.#schemas.length;
      this.#schemaIds.set(key, id);
      this.#schemas.push(names);
    }
    return id;
  }

  /**
   * The value part of a message's key. Messages of one coarse identity nearly always have the
   * same value keys in the same order, so their filter names and ignore verdicts are planned once
   * (per coarse id) and checked key by key; anything else takes the general flattening path.
   */
  #messageValues(coarse: number, msg: Message): string {
    const plan = this.#plans[coarse];
    if (plan) {
      const values = msg.values;
      let out = `${plan.schema}\x1e`, i = 0;
      let fits = true;
      for (const k in values) {
        const v = values[k];
        if (v === undefined) continue;
        if (plan.keys[i] !== k || (typeof v === "object" && !plain(v))) {
          fits = false;
          break;
        }
        if (!plan.ignored[i]) out += "\x1f" + valueText(v);
        i++;
      }
      if (fits && i === plan.keys.length) return out;
    }
    // General path: flatten, and plan for the next message of this identity when it is simple.
    const flat = this.#flat;
    flat.names.length = 0;
    flat.values.length = 0;
    this.#flattener.flatten(msg, flat);
    const names: string[] = [];
    let out = "";
    for (let i = 0; i < flat.names.length; i++) {
      const n = flat.names[i]!;
      if (this.#ignored(n)) continue;
      names.push(n);
      out += "\x1f" + flat.values[i]!;
    }
    const schema = this.#schemaId(names);
    const keys: string[] = [];
    let simple = true;
    for (const k in msg.values) {
      const v = msg.values[k];
      if (v === undefined) continue;
      if (typeof v === "object" && !plain(v)) simple = false;
      keys.push(k);
    }
    if (simple && keys.length === flat.names.length) {
      this.#plans[coarse] = { keys, ignored: flat.names.map((n) => this.#ignored(n)), schema };
    }
    return `${schema}\x1e${out}`;
  }

  /**
   * Aligns everything added so far.
   * @returns The result.
   */
  finish(): DiffResult {
    const a = this.#sides.a, b = this.#sides.b;
    const maxCost = this.#options.maxCost;
    const opts = maxCost === undefined ? {} : { maxCost };
    const runs = myersDiff(a.fine.subarray(0, a.length), b.fine.subarray(0, b.length), opts);
    const out = new EntryBuilder();
    let gapA = 0, gapB = 0;
    const flushGap = (aEnd: number, bEnd: number) => {
      if (gapA < aEnd || gapB < bEnd) this.#pairGap(gapA, aEnd, gapB, bEnd, out);
    };
    for (const r of runs) {
      if (r.op !== "equal") continue;
      flushGap(r.a, r.b);
      this.#equalRun(r.a, r.b, r.length, out);
      gapA = r.a + r.length;
      gapB = r.b + r.length;
    }
    flushGap(a.length, b.length);
    return new DiffResult(out.entries, {
      lengthA: a.length,
      lengthB: b.length,
      info: (side, i) => this.#info(side, i),
    });
  }

  #info(side: "a" | "b", index: number): MessageInfo {
    const s = this.#sides[side];
    if (index < 0 || index >= s.length) {
      throw new RangeError(`Cannot describe message ${index} of trace ${side}: it has ${s.length} messages`);
    }
    const c = this.#coarseInfo[s.coarse[index]!]!;
    return { index, ...c, summary: s.summary(index) };
  }

  /** Unmatched runs: pair near matches (same coarse identity) as changes. */
  #pairGap(a0: number, a1: number, b0: number, b1: number, out: EntryBuilder): void {
    const A = this.#sides.a, B = this.#sides.b;
    if (a0 === a1 || b0 === b1) {
      for (let i = a0; i < a1; i++) out.push({ op: "delete", a: i, b: b0 });
      for (let j = b0; j < b1; j++) out.push({ op: "insert", a: a1, b: j });
      return;
    }
    const maxCost = this.#options.maxCost;
    const runs = myersDiff(
      A.coarse.subarray(a0, a1),
      B.coarse.subarray(b0, b1),
      maxCost === undefined ? {} : { maxCost },
    );
    for (const r of runs) {
      for (let k = 0; k < r.length; k++) {
        if (r.op === "delete") out.push({ op: "delete", a: a0 + r.a + k, b: b0 + r.b });
        else if (r.op === "insert") out.push({ op: "insert", a: a0 + r.a, b: b0 + r.b + k });
        else {
          const i = a0 + r.a + k, j = b0 + r.b + k;
          const changes = A.fine[i] === B.fine[j] ? [] : this.#fieldChanges(A.fine[i]!, B.fine[j]!);
          this.#timing(i, j, changes, false);
          if (changes.length) out.push({ op: "change", a: i, b: j, changes });
          else out.push({ op: "equal", a: i, b: j, length: 1 });
        }
      }
    }
  }

  #equalRun(a0: number, b0: number, length: number, out: EntryBuilder): void {
    if (!this.#options.timing) {
      out.push({ op: "equal", a: a0, b: b0, length });
      return;
    }
    for (let k = 0; k < length; k++) {
      const changes: FieldChange[] = [];
      this.#timing(a0 + k, b0 + k, changes, k > 0 || out.lastAligned(a0 - 1, b0 - 1));
      if (changes.length) out.push({ op: "change", a: a0 + k, b: b0 + k, changes });
      else out.push({ op: "equal", a: a0 + k, b: b0 + k, length: 1 });
    }
  }

  #timing(i: number, j: number, changes: FieldChange[], prevAligned: boolean): void {
    const t = this.#options.timing;
    if (!t) return;
    const A = this.#sides.a, B = this.#sides.b;
    const la = A.latency[i]!, lb = B.latency[j]!;
    if (!Number.isNaN(la) && !Number.isNaN(lb) && beyond(la, lb, t) && !this.#ignored("frame.latency")) {
      changes.push({ field: "frame.latency", a: formatDuration(la), b: formatDuration(lb) });
    }
    if (prevAligned && i > 0 && j > 0 && !this.#ignored("frame.time_delta")) {
      const ga = A.ts[i]! - A.ts[i - 1]!, gb = B.ts[j]! - B.ts[j - 1]!;
      if (!Number.isNaN(ga) && !Number.isNaN(gb) && beyond(ga, gb, t)) {
        changes.push({ field: "frame.time_delta", a: formatDuration(ga), b: formatDuration(gb) });
      }
    }
  }

  #fieldChanges(fa: number, fb: number): FieldChange[] {
    const [ka, kb] = [this.#fineKeys[fa]!, this.#fineKeys[fb]!];
    const pa = parseFine(ka, this.#schemas), pb = parseFine(kb, this.#schemas);
    const mb = new Map<string, string>();
    for (let i = 0; i < pb.names.length; i++) mb.set(pb.names[i]!, pb.values[i]!);
    const seen = new Set<string>();
    const changes: FieldChange[] = [];
    for (let i = 0; i < pa.names.length; i++) {
      const n = pa.names[i]!;
      seen.add(n);
      const va = pa.values[i]!, vb = mb.get(n);
      if (vb === undefined) changes.push({ field: n, a: va });
      else if (vb !== va) changes.push({ field: n, a: va, b: vb });
    }
    for (let i = 0; i < pb.names.length; i++) {
      const n = pb.names[i]!;
      if (!seen.has(n)) changes.push({ field: n, b: pb.values[i]! });
    }
    return changes;
  }
}

function parseFine(key: string, schemas: string[][]): { names: string[]; values: string[] } {
  const s1 = key.indexOf("\x1e"), s2 = key.indexOf("\x1e", s1 + 1);
  const names = schemas[Number(key.slice(s1 + 1, s2))]!;
  return { names, values: names.length ? key.slice(s2 + 2).split("\x1f") : [] };
}

function beyond(a: number, b: number, t: TimingOptions): boolean {
  const d = Math.abs(b - a);
  if (t.toleranceNs !== undefined && d <= t.toleranceNs) return false;
  if (t.tolerancePercent !== undefined && d <= Math.abs(a) * t.tolerancePercent / 100) return false;
  return true;
}

/**
 * A duration in nanoseconds as short text: `850ns`, `12.500us`, `3.250ms`, `1.000000s`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./diff_messages.ts";
 * import { equal } from "node:assert/strict";
 * equal(formatDuration(12_500), "12.500us");
 * ```
 *
 * @param ns Nanoseconds.
 * @returns Text.
 */
export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  if (a < 1000) return `${ns}ns`;
  if (a < 1e6) return `${(ns / 1e3).toFixed(3)}us`;
  if (a < 1e9) return `${(ns / 1e6).toFixed(3)}ms`;
  return `${(ns / 1e9).toFixed(6)}s`;
}

class EntryBuilder {
  entries: DiffEntry[] = [];
  push(e: DiffEntry): void {
    const last = this.entries[this.entries.length - 1];
    if (
      e.op === "equal" && last?.op === "equal" && last.a + last.length === e.a && last.b + last.length === e.b
    ) {
      last.length += e.length;
    } else this.entries.push(e);
  }
  /** Whether old message i and new message j were the last aligned pair. */
  lastAligned(i: number, j: number): boolean {
    const last = this.entries[this.entries.length - 1];
    if (!last) return false;
    if (last.op === "change") return last.a === i && last.b === j;
    if (last.op === "equal") return last.a + last.length - 1 === i && last.b + last.length - 1 === j;
    return false;
  }
}

/** Sizes and message lookup of a {@linkcode DiffResult}. */
export interface DiffResultInit {
  /** Messages in the old trace. */
  lengthA: number;
  /** Messages in the new trace. */
  lengthB: number;
  /** Describes a message. */
  info: (side: "a" | "b", index: number) => MessageInfo;
}

/** The alignment of two traces. */
export class DiffResult {
  /** Every step, in order; equal messages come in runs. */
  readonly entries: readonly DiffEntry[];
  /** Messages in the old trace. */
  readonly lengthA: number;
  /** Messages in the new trace. */
  readonly lengthB: number;
  #info: DiffResultInit["info"];

  /**
   * @param entries The alignment.
   * @param init Sizes and message lookup.
   */
  constructor(entries: readonly DiffEntry[], init: DiffResultInit) {
    this.entries = entries;
    this.lengthA = init.lengthA;
    this.lengthB = init.lengthB;
    this.#info = init.info;
  }

  /** True when the traces match (no inserted, deleted or changed message). */
  get identical(): boolean {
    return this.entries.every((e) => e.op === "equal");
  }

  /** The entries that are not `equal`. */
  get edits(): Exclude<DiffEntry, { op: "equal" }>[] {
    return this.entries.filter((e): e is Exclude<DiffEntry, { op: "equal" }> => e.op !== "equal");
  }

  /**
   * Describes one message.
   * @param side `a` (old) or `b` (new).
   * @param index 0-based index.
   * @returns Its protocol, name, kind, sender, channel and summary.
   */
  info(side: "a" | "b", index: number): MessageInfo {
    return this.#info(side, index);
  }

  /**
   * Groups the edits into hunks.
   * @param context Unchanged messages around each edit.
   * @returns Hunks.
   */
  hunks(context = 3): Hunk[] {
    return toHunks(this.entries, context);
  }

  /** @returns Totals and counts per protocol and message name. */
  stats(): DiffStats {
    const rows = new Map<string, DiffStatRow>();
    const st: DiffStats = { inserted: 0, deleted: 0, changed: 0, unchanged: 0, rows: [] };
    const row = (i: MessageInfo) => {
      const k = `${i.protocol}\x1f${i.name}`;
      let r = rows.get(k);
      if (!r) rows.set(k, r = { protocol: i.protocol, name: i.name, inserted: 0, deleted: 0, changed: 0 });
      return r;
    };
    for (const e of this.entries) {
      if (e.op === "equal") st.unchanged += e.length;
      else if (e.op === "delete") {
        st.deleted++;
        row(this.info("a", e.a)).deleted++;
      } else if (e.op === "insert") {
        st.inserted++;
        row(this.info("b", e.b)).inserted++;
      } else {
        st.changed++;
        row(this.info("b", e.b)).changed++;
      }
    }
    st.rows = [...rows.values()].sort((x, y) =>
      x.protocol < y.protocol
        ? -1
        : x.protocol > y.protocol
        ? 1
        : x.name < y.name
        ? -1
        : x.name > y.name
        ? 1
        : 0
    );
    return st;
  }
}

/**
 * Diffs two traces of decoded messages (each with its `record` for sender, channel and time).
 *
 * @example One changed field
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { diffMessages } from "./diff_messages.ts";
 * import { deepEqual } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const vmsg = registry.get("virtio-msg")!;
 * const req = (offset: number) =>
 *   vmsg.decodeBytes(vmsg.encodeMessage({ name: "GET_CONFIG", fields: { dev_num: 1, offset, length: 4 } }, { registry }), { registry });
 * const result = diffMessages([req(0), req(4)], [req(0), req(8)], { registry });
 * deepEqual(result.edits, [
 *   { op: "change", a: 1, b: 1, changes: [{ field: "vmsg.config.offset", a: "4", b: "8" }] },
 * ]);
 * ```
 *
 * @param a The old trace.
 * @param b The new trace.
 * @param options Ignore list, timing, registry.
 * @returns The alignment.
 */
export function diffMessages(
  a: Iterable<DiffInput>,
  b: Iterable<DiffInput>,
  options: DiffOptions = {},
): DiffResult {
  const d = new TraceDiffer(options);
  for (const m of a) d.add("a", m);
  for (const m of b) d.add("b", m);
  return d.finish();
}

export type { DiffEntry, FieldChange, Hunk, HunkLine } from "./hunks.ts";
