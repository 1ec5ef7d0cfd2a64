/**
 * Compiles a display filter once into a closure over a record and its decoded message.
 *
 * @module
 */
import { defaultRegistry } from "../codec/protocols/mod.ts";
import type { Registry } from "../codec/registry.ts";
import type { Message, Value, ValueMap } from "../codec/types.ts";
import type { CaptureRecord, ProtocolTag } from "../record.ts";
import { type Accessor, type FieldTable, fieldTable } from "./_field_table.ts";
import { FilterSyntaxError } from "./filter_syntax_error.ts";
import {
  type CompareOp,
  type FieldRef,
  type FilterNode,
  type FilterValue,
  parseFilter,
  type SetItem,
} from "./parse_filter.ts";
import { FRAME_FIELDS } from "./filter_fields.ts";

/** Per-frame facts a filter may read besides the record and message (`frame.number`, ...). */
export interface FilterFrame {
  /** 1-based frame number (`frame.number`). */
  number?: number;
  /** Timestamp of the first record, for `frame.time_relative` (default: this record's). */
  startNs?: bigint;
}

/** Options for {@linkcode compileFilter}. */
export interface CompileFilterOptions {
  /**
   * The codecs whose field names the filter may use.
   * @default {defaultRegistry()}
   */
  registry?: Registry;
}

/** A compiled display filter. */
export interface DisplayFilter {
  /** The filter text (or the printed tree). */
  readonly text: string;
  /** The syntax tree. */
  readonly ast: FilterNode;
  /**
   * Tells whether a record (and its decoded message) passes.
   * @param record The record.
   * @param message Its decoded message, when its protocol has a codec.
   * @param frame Frame number and first timestamp.
   * @returns True when it matches.
   */
  matches(record: CaptureRecord, message: Message | undefined, frame?: FilterFrame): boolean;
}

type Test = (m: Message | undefined, r: CaptureRecord, f: FilterFrame) => boolean;
type Pred = (v: Value) => boolean;
/** Calls `pred` on each value of a field until one returns true; returns whether one did. */
type Each = (m: Message | undefined, r: CaptureRecord, f: FilterFrame, pred: Pred) => boolean;

/** A literal prepared for run-time comparison in every form it can take. */
interface Lit {
  num?: number;
  big?: bigint;
  str?: string;
  bytes?: Uint8Array;
  bool?: boolean;
}

const NO_FRAME: FilterFrame = {};
const encoder = new TextEncoder();

/**
 * Compiles a display filter (Wireshark syntax over vioscope's field names) into a fast matcher.
 *
 * @example Filtering decoded messages
 * ```ts
 * import { compileFilter, defaultRegistry, makeRecord } from "../../mod.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const record = makeRecord(new Uint8Array([0x00, 0x50, 0x00, 0x00]), { protocol: "scmi", kind: "request" });
 * const msg = registry.get("scmi")!.decode(record, { registry });
 * equal(compileFilter("scmi.hdr.protocol_id == CLOCK", { registry }).matches(record, msg), true);
 * equal(compileFilter("scmi && frame.len > 4").matches(record, msg), false);
 * ```
 *
 * @param filter Filter text or an already parsed tree.
 * @param options The registry.
 * @returns The compiled filter.
 * @throws {FilterSyntaxError} For bad syntax, an unknown field (with a suggestion) or a value that
 * is not one of the field's names.
 */
export function compileFilter(
  filter: string | FilterNode,
  options: CompileFilterOptions = {},
): DisplayFilter {
  const registry = options.registry ?? defaultRegistry();
  const ast = typeof filter === "string" ? parseFilter(filter) : filter;
  const text = typeof filter === "string" ? filter : "";
  const c = new Compiler(fieldTable(registry), text);
  const test = c.node(ast);
  return {
    text,
    ast,
    matches: (record, message, frame = NO_FRAME) => test(message, record, frame),
  };
}

class Compiler {
  #t: FieldTable;
  #text: string;
  constructor(t: FieldTable, text: string) {
    this.#t = t;
    this.#text = text;
  }

  #fail(reason: string, pos: number | undefined): never {
    throw new FilterSyntaxError(`Cannot compile filter: ${reason}`, this.#text, pos ?? 0);
  }

  node(n: FilterNode): Test {
    switch (n.type) {
      case "and": {
        const a = this.node(n.left), b = this.node(n.right);
        return (m, r, f) => a(m, r, f) && b(m, r, f);
      }
      case "or": {
        const a = this.node(n.left), b = this.node(n.right);
        return (m, r, f) => a(m, r, f) || b(m, r, f);
      }
      case "not": {
        const a = this.node(n.operand);
        return (m, r, f) => !a(m, r, f);
      }
      case "exists":
        return this.#exists(n.field);
      case "compare": {
        if (n.op === "!=") {
          const ex = this.#exists(n.field);
          const eq = this.#compare(n.field, "==", n.value);
          return (m, r, f) => ex(m, r, f) && !eq(m, r, f);
        }
        return this.#compare(n.field, n.op, n.value);
      }
      case "in":
        return this.#in(n.field, n.items);
    }
  }

  #exists(ref: FieldRef): Test {
    const tag = this.#t.abbrevs.get(ref.name);
    if (tag) {
      const carries = this.#carries(tag);
      return (m, r) => m ? m.protocol === tag || carries(m) : r.protocol === tag;
    }
    if (ref.name === "frame") return () => true;
    if (ref.name === "msg") return (m) => m !== undefined;
    return this.#anyOf(this.#resolve(ref, () => alwaysTrue));
  }

  /** Checks a name literal against a pseudo-field's fixed values; abbreviations become protocol tags. */
  #pseudoValue<V extends FilterValue>(ref: FieldRef, value: V): V | FilterValue {
    if (value.kind !== "name") return value;
    const frame = FRAME_FIELDS.find((x) => x.name === ref.name);
    if (!frame) return value;
    if (frame.values) {
      const name = ref.name === "frame.protocol"
        ? this.#t.abbrevs.get(value.value) ?? value.value
        : value.value;
      if (!frame.values.includes(name)) {
        this.#fail(
          `"${value.value}" is not a value of ${ref.name} at {column} (one of ${frame.values.join(", ")})`,
          value.pos,
        );
      }
      return { kind: "string", value: name };
    }
    if (ref.name === "msg.name" && !this.#t.messageNames.has(value.value)) {
      const s = suggest(value.value, this.#t.messageNames);
      this.#fail(
        `"${value.value}" is not a message name at {column}${s ? ` (did you mean "${s}"?)` : ""}`,
        value.pos,
      );
    }
    return value;
  }

  #compare(ref: FieldRef, op: CompareOp, value0: FilterValue): Test {
    const value = this.#pseudoValue(ref, value0);
    if (op === "matches" && value.kind !== "string") {
      this.#fail(`"matches" needs a string (a regular expression)`, value.pos);
    }
    if (op === "contains" && value.kind === "bool") {
      this.#fail(`"contains" needs a string, bytes or a number`, value.pos);
    }
    let re: RegExp | undefined;
    if (op === "matches") {
      let src = value.value as string;
      let flags = "";
      if (src.startsWith("(?i)")) {
        src = src.slice(4);
        flags = "i";
      }
      try {
        re = new RegExp(src, flags);
      } catch (e) {
        this.#fail(`invalid regular expression: ${e instanceof Error ? e.message : e}`, value.pos);
      }
    }
    const fields = this.#resolve(ref, (acc, type) => {
      if (re) {
        const rx = re;
        return (v) => typeof v === "string" && rx.test(v);
      }
      const lit = this.#lit(value, acc, type);
      if (!lit) return undefined;
      return makePred(op, lit);
    }, value);
    return this.#anyOf(fields);
  }

  #in(ref: FieldRef, items0: SetItem[]): Test {
    const items = items0.map((it): SetItem =>
      it.kind === "range"
        ? { kind: "range", from: this.#pseudoValue(ref, it.from), to: this.#pseudoValue(ref, it.to) }
        : this.#pseudoValue(ref, it)
    );
    const first = items[0]!;
    const fields = this.#resolve(ref, (acc, type) => {
      const preds: Pred[] = [];
      for (const it of items) {
        if (it.kind === "range") {
          const a = this.#lit(it.from, acc, type), b = this.#lit(it.to, acc, type);
          if (!a || !b) continue;
          preds.push((v) => order(v, a) >= 0 && order(v, b) <= 0);
        } else {
          const l = this.#lit(it, acc, type);
          if (l) preds.push((v) => eq(v, l));
        }
      }
      if (!preds.length) return undefined;
      return (v) => {
        for (let i = 0; i < preds.length; i++) if (preds[i]!(v)) return true;
        return false;
      };
    }, first.kind === "range" ? first.from : first);
    return this.#anyOf(fields);
  }

  #anyOf(tests: Test[]): Test {
    if (tests.length === 1) return tests[0]!;
    return (m, r, f) => {
      for (let i = 0; i < tests.length; i++) if (tests[i]!(m, r, f)) return true;
      return false;
    };
  }

  /** A literal for one accessor; undefined when a name is not one of its enum names. */
  #lit(v: FilterValue, acc: Accessor | undefined, type: string): Lit | undefined {
    switch (v.kind) {
      case "int": {
        const l: Lit = { num: Number(v.value), big: v.value, str: v.value.toString() };
        if (v.value === 0n || v.value === 1n) l.bool = v.value === 1n;
        return l;
      }
      case "float":
        return { num: v.value };
      case "string":
        return { str: v.value, bytes: encoder.encode(v.value) };
      case "bytes":
        return { bytes: v.value };
      case "bool":
        return { bool: v.value, num: v.value ? 1 : 0, big: v.value ? 1n : 0n };
      case "name": {
        if (acc?.enum) {
          for (const [k, name] of Object.entries(acc.enum)) {
            if (name === v.value) return { num: Number(k), big: BigInt(k) };
          }
          return undefined;
        }
        if (type === "string" || type === "bytes") return { str: v.value, bytes: encoder.encode(v.value) };
        return undefined;
      }
    }
  }

  #carries(tag: ProtocolTag): (m: Message) => boolean {
    const carriers = this.#t.carriers;
    const inner = (m: Message, depth: number): boolean => {
      const cs = carriers.get(m.protocol);
      if (!cs || depth > 4) return false;
      for (const c of cs) {
        if (c.prefix !== null && c.prefix !== m.prefix) continue;
        const n = asMessage(m.values[c.key]);
        if (n && (n.protocol === tag || inner(n, depth + 1))) return true;
      }
      return false;
    };
    return (m) => inner(m, 0);
  }

  /**
   * Resolves a field name to value iterators, each with the predicate made for it. Throws for an
   * unknown field, or when a name literal fits no accessor.
   */
  #resolve(
    ref: FieldRef,
    make: (acc: Accessor | undefined, type: string) => Pred | undefined,
    value?: FilterValue,
  ): Test[] {
    const frame = FRAME_FIELDS.find((x) => x.name === ref.name);
    if (frame) {
      const pred = make(undefined, frame.type);
      if (!pred) {
        this.#fail(`"${(value as { value: unknown }).value}" is not a value of ${ref.name}`, value?.pos);
      }
      const each = frameEach(ref.name);
      return [(m, r, f) => each(m, r, f, pred)];
    }
    const accs = this.#t.fields.get(ref.name);
    if (!accs) {
      const names = new Set([
        ...this.#t.fields.keys(),
        ...FRAME_FIELDS.map((x) => x.name),
        ...this.#t.abbrevs.keys(),
      ]);
      const s = suggest(ref.name, names);
      this.#fail(`unknown field "${ref.name}" at {column}${s ? ` (did you mean "${s}"?)` : ""}`, ref.pos);
    }
    const out: Test[] = [];
    const byTag = new Map<ProtocolTag, { acc: Accessor; pred: Pred }[]>();
    for (const acc of accs) {
      const pred = make(acc, acc.type);
      if (!pred) continue;
      let l = byTag.get(acc.tag);
      if (!l) byTag.set(acc.tag, l = []);
      l.push({ acc, pred });
    }
    if (byTag.size === 0) {
      const names = [...new Set(accs.flatMap((a) => Object.values(a.enum ?? {})))];
      const v = (value as { value: unknown }).value;
      const s = suggest(String(v), new Set(names));
      const hint = names.length
        ? s ? ` (did you mean "${s}"?)` : names.length <= 12 ? ` (one of ${names.join(", ")})` : ""
        : " (it has no value names)";
      this.#fail(`"${v}" is not a value of ${ref.name} at {column}${hint}`, value?.pos);
    }
    for (const [tag, list] of byTag) {
      const inMsg = list.map(({ acc, pred }) => ({ get: accessorEach(acc), pred }));
      const inner = (m: Message, depth: number): boolean => {
        if (m.protocol === tag) {
          for (let i = 0; i < inMsg.length; i++) if (inMsg[i]!.get(m, inMsg[i]!.pred)) return true;
          return false;
        }
        const cs = this.#t.carriers.get(m.protocol);
        if (!cs || depth > 4) return false;
        for (const c of cs) {
          if (c.prefix !== null && c.prefix !== m.prefix) continue;
          const n = asMessage(m.values[c.key]);
          if (n && inner(n, depth + 1)) return true;
        }
        return false;
      };
      out.push((m) => m !== undefined && inner(m, 0));
    }
    return out;
  }
}

function alwaysTrue(): boolean {
  return true;
}

function asMessage(v: Value | undefined): Message | undefined {
  if (typeof v !== "object" || v === null || v instanceof Uint8Array || Array.isArray(v)) return undefined;
  const m = v as unknown as Message;
  return typeof m.protocol === "string" && typeof m.values === "object" ? m : undefined;
}

/** Iterates a protocol field's values in one message of the accessor's protocol. */
function accessorEach(acc: Accessor): (m: Message, pred: Pred) => boolean {
  const { prefix, path, flagMask, dialects } = acc;
  const last = path.length - 1;
  const key0 = path[0]!;
  const leaf = flagMask === undefined ? emit : flagEmitter(flagMask);
  const check = (m: Message) =>
    (prefix === null || prefix === m.prefix) && (dialects === undefined || dialects.includes(m.dialect));
  if (last === 0) {
    return (m, pred) => {
      if (!check(m)) return false;
      const v = m.values[key0];
      return v !== undefined && leaf(v, pred);
    };
  }
  const down = (v: Value | undefined, i: number, pred: Pred): boolean => {
    if (v === undefined) return false;
    if (i > last) return leaf(v, pred);
    if (Array.isArray(v)) {
      for (const e of v as unknown[]) if (down((e as ValueMap)?.[path[i]!], i + 1, pred)) return true;
      return false;
    }
    if (typeof v !== "object" || v instanceof Uint8Array) return false;
    return down((v as ValueMap)[path[i]!], i + 1, pred);
  };
  return (m, pred) => check(m) && down(m.values[key0], 1, pred);
}

/** Calls `pred` on a value, or on each element of an array value. */
function emit(v: Value, pred: Pred): boolean {
  if (Array.isArray(v)) {
    for (const e of v as Value[]) if (pred(e)) return true;
    return false;
  }
  return pred(v);
}

function flagEmitter(mask: number | bigint): (v: Value, pred: Pred) => boolean {
  const big = BigInt(mask);
  const num = typeof mask === "number" && mask <= 0x7fffffff ? mask : undefined;
  const one = (v: Value, pred: Pred): boolean => {
    if (typeof v === "number") return pred(num !== undefined ? (v & num) !== 0 : (BigInt(v) & big) !== 0n);
    if (typeof v === "bigint") return pred((v & big) !== 0n);
    return false;
  };
  return (v, pred) => {
    if (Array.isArray(v)) {
      for (const e of v as Value[]) if (one(e, pred)) return true;
      return false;
    }
    return one(v, pred);
  };
}

/** Value iterators of the `frame.*` and `msg.*` pseudo-fields. */
function frameEach(name: string): Each {
  const one =
    (get: (m: Message | undefined, r: CaptureRecord, f: FilterFrame) => Value | undefined): Each =>
    (m, r, f, pred) => {
      const v = get(m, r, f);
      return v !== undefined && pred(v);
    };
  switch (name) {
    case "frame.number":
      return one((_m, _r, f) => f.number);
    case "frame.time_relative":
      return one((_m, r, f) => Number(r.timestampNs - (f.startNs ?? r.timestampNs)) / 1e9);
    case "frame.time_epoch":
      return one((_m, r) => Number(r.timestampNs) / 1e9);
    case "frame.len":
      return one((_m, r) => r.originalLength);
    case "frame.cap_len":
      return one((_m, r) => r.data.length);
    case "frame.protocol":
      return one((_m, r) => r.protocol);
    case "frame.direction":
      return one((m, r) => (m && m.kind !== "unknown" ? m.kind : r.kind));
    case "frame.sender":
      return one((_m, r) => r.sender);
    case "frame.correlation_id":
      return one((_m, r) => r.correlationId);
    case "frame.conduit":
      return one((_m, r) => r.conduit);
    case "frame.comment":
      return one((_m, r) => r.comment);
    case "frame.annotation":
      return one((_m, r) => r.annotation);
    case "msg.name":
      return one((m) => m?.name);
    case "msg.summary":
      return one((m) => m?.summary);
    case "msg.dialect":
      return one((m) => m?.dialect || undefined);
    case "msg.malformed":
      return one((m) => (m && (m.truncated || m.issues.some(isMalformation)) ? true : undefined));
    case "msg.issue":
      return (m, _r, _f, pred) => {
        if (!m) return false;
        for (const i of m.issues) if (pred(i.code)) return true;
        return false;
      };
    default: {
      const key = name.slice("frame.channel.".length) as keyof CaptureRecord["channel"];
      return one((_m, r) => r.channel[key]);
    }
  }
}

function isMalformation(i: { code: string }): boolean {
  return i.code !== "reserved-nonzero" && i.code !== "unknown-message";
}

function makePred(op: CompareOp, lit: Lit): Pred {
  switch (op) {
    case "==": {
      const { num, big } = lit;
      if (num !== undefined && big !== undefined && lit.str !== undefined && Number.isSafeInteger(num)) {
        // The common case: an integer compared with an integer literal.
        return (v) =>
          v === num || v === big || (typeof v !== "number" && typeof v !== "bigint" && eq(v, lit));
      }
      return (v) => eq(v, lit);
    }
    case "!=":
      return (v) => !eq(v, lit);
    case "<":
      return (v) => order(v, lit) < 0;
    case "<=":
      return (v) => order(v, lit) <= 0;
    case ">":
      return (v) => order(v, lit) > 0;
    case ">=":
      return (v) => order(v, lit) >= 0;
    case "contains":
      return (v) => contains(v, lit);
    case "matches":
      return () => false;
  }
}

function eq(v: Value, l: Lit): boolean {
  switch (typeof v) {
    case "number":
      return l.num !== undefined && v === l.num;
    case "bigint":
      return l.big !== undefined ? v === l.big : l.num !== undefined && Number(v) === l.num;
    case "boolean":
      return l.bool !== undefined && v === l.bool;
    case "string":
      return l.str !== undefined && v === l.str;
    default:
      return v instanceof Uint8Array && l.bytes !== undefined && bytesCompare(v, l.bytes) === 0;
  }
}

/** Sign of `v - l`, or NaN when they cannot be ordered. */
function order(v: Value, l: Lit): number {
  switch (typeof v) {
    case "number":
      return l.num === undefined ? NaN : Math.sign(v - l.num);
    case "bigint":
      if (l.big !== undefined) return v < l.big ? -1 : v > l.big ? 1 : 0;
      return l.num === undefined ? NaN : Math.sign(Number(v) - l.num);
    case "boolean":
      return l.num === undefined ? NaN : Math.sign(Number(v) - l.num);
    case "string":
      return l.str === undefined ? NaN : v < l.str ? -1 : v > l.str ? 1 : 0;
    default:
      return v instanceof Uint8Array && l.bytes !== undefined ? Math.sign(bytesCompare(v, l.bytes)) : NaN;
  }
}

function contains(v: Value, l: Lit): boolean {
  if (typeof v === "string") return l.str !== undefined && v.includes(l.str);
  if (v instanceof Uint8Array) {
    const b = l.bytes ??
      (l.num !== undefined && l.num >= 0 && l.num < 256 ? new Uint8Array([l.num]) : undefined);
    if (!b) return false;
    outer: for (let i = 0; i + b.length <= v.length; i++) {
      for (let j = 0; j < b.length; j++) if (v[i + j] !== b[j]) continue outer;
      return true;
    }
    return b.length === 0;
  }
  return eq(v, l);
}

function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * The closest name by edit distance, when it is close enough to be a likely typo.
 * @param word What was written.
 * @param names Candidates.
 * @returns The suggestion, if any.
 */
function suggest(word: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const lw = word.toLowerCase();
  for (const n of names) {
    if (Math.abs(n.length - word.length) >= bestD) continue;
    const d = distance(lw, n.toLowerCase(), bestD);
    if (d < bestD) {
      bestD = d;
      best = n;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined;
}

function distance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin >= limit) return limit;
    prev = cur;
  }
  return prev[b.length]!;
}
