/**
 * `defineProtocol()` turns one declaration into a working codec: decode, encode, summary and
 * field catalogue all come from the same {@linkcode ProtocolSpec}.
 *
 * @module
 */
import type { CaptureRecord, MessageKind, ProtocolTag } from "../record.ts";
import type {
  BitSpec,
  BodySpec,
  CodecLike,
  DecodeContext,
  EncodeContext,
  Field,
  FieldValue,
  Message,
  MessageInput,
  PairedRequest,
  ProtocolSpec,
  RegistryLike,
  Value,
  ValueMap,
} from "./types.ts";
import { displayInt, walk, type WalkState } from "./_decode.ts";
import { ByteWriter, encodeFields, type EncodeState } from "./_encode.ts";
import { bytesToHex, hex, viewOf, writeInt } from "./_values.ts";
import { type CompiledLayout, compileLayout } from "./_compile.ts";
import { type BytesSink, type Lit, lit, StringSink, type SummarySink } from "./sink.ts";
import { compileLine, type LineWriter } from "./_compile_line.ts";

/** Options for {@linkcode Codec.decode}. */
export interface DecodeOptions {
  /** The registry (for nested protocols). */
  registry: RegistryLike;
  /** Dialects by protocol. */
  dialects?: Readonly<Partial<Record<ProtocolTag, string>>>;
  /** The request a response answers (from pairing). */
  request?: Message;
  /** Protocol options (e.g. `rpmbKey`). */
  options?: Readonly<Record<string, unknown>>;
  /**
   * Build the field tree (default true). False decodes values and the summary only, which is what
   * one-line output needs and is much faster.
   * @default {true}
   */
  tree?: boolean;
  /**
   * Compute `msg.summary` (default true). False leaves it empty for the caller to write later with
   * {@linkcode Codec.summarizeTo} (what `vioscope decode` does, straight into its output bytes).
   * @default {true}
   */
  summary?: boolean;
}

const KINDS: readonly MessageKind[] = ["request", "response", "event"];
/** Selector values below this make numeric body keys. */
const SMALL = 0x100000;
const isSmall = (n: number) => Number.isInteger(n) && n >= 0 && n < SMALL;
const NONE: Readonly<Record<string, never>> = Object.freeze({});

/** A compiled protocol declaration. */
export class Codec implements CodecLike {
  /** The declaration. */
  readonly spec: ProtocolSpec;
  /** Protocol tag. */
  readonly tag: ProtocolTag;
  /** Filter abbreviation. */
  readonly abbrev: string;
  /** The dialect used when none is selected (the first declared). */
  readonly defaultDialect: string;
  #byKey = new Map<string, BodySpec>();
  #byName = new Map<string, BodySpec>();
  /** Bodies by numeric key (`a * SMALL + b`) when every selector value is a small integer. */
  #byNum = new Map<number, BodySpec>();
  #headers = new Map<string, readonly Field[]>();
  /** Message names as summary literals. */
  #nameLits = new Map<string, Lit>();
  /** The registry of the last decode that left summaries to the caller. */
  #lazyRegistry: RegistryLike | undefined;

  /** @param spec The declaration. */
  constructor(spec: ProtocolSpec) {
    this.spec = spec;
    this.tag = spec.tag;
    this.abbrev = spec.abbrev;
    this.defaultDialect = spec.dialects[0]!;
    this.#noLine = !!(spec.summaryWrite || spec.summaryText || spec.postDecode);
    for (const b of spec.bodies) {
      for (const key of selectKeys(spec, b)) {
        if (this.#byKey.has(key)) {
          throw new TypeError(`Cannot define protocol ${spec.tag}: two bodies select ${key}`);
        }
        this.#byKey.set(key, b);
      }
      if (!this.#byName.has(b.name)) this.#byName.set(b.name, b);
      if (!this.#nameLits.has(b.name)) this.#nameLits.set(b.name, lit(b.name));
    }
    if (spec.selectBy.length <= 2) {
      for (const [key, b] of this.#byKey) {
        const parts = key.split("/").map(Number);
        if (parts.length === spec.selectBy.length && parts.every(isSmall)) {
          this.#byNum.set(parts[0]! * SMALL + (parts[1] ?? 0), b);
        }
      }
    }
  }

  /**
   * Header fields of a dialect.
   * @param dialect Dialect name ("" = default).
   * @returns Fields.
   */
  header(dialect: string): readonly Field[] {
    if (dialect === this.#lastHeaderDialect) return this.#lastHeader!;
    const d = dialect || this.spec.dialects[0]!;
    let h = this.#headers.get(d);
    if (!h) {
      h = this.spec.header(d);
      this.#headers.set(d, h);
    }
    this.#lastHeaderDialect = dialect;
    this.#lastHeader = h;
    return h;
  }
  #lastHeaderDialect: string | undefined;
  #lastHeader: readonly Field[] | undefined;

  /**
   * The body with a given name.
   * @param name Message name.
   * @returns The body, if any.
   */
  body(name: string): BodySpec | undefined {
    return this.#byName.get(name);
  }

  /**
   * The body selected by a key built from `selectBy` values.
   * @param key Key.
   * @returns The body, if any.
   */
  bodyByKey(key: string): BodySpec | undefined {
    return this.#byKey.get(key);
  }

  /**
   * Decodes a record's bytes. Never throws on bad bytes: problems become `issues`.
   * @param record The record.
   * @param options Registry, dialects, pairing.
   * @returns The message.
   */
  decode(record: CaptureRecord, options: DecodeOptions): Message {
    const dialects = options.dialects ?? NONE;
    const ctx: DecodeContext = {
      dialect: dialects[this.tag] || this.spec.dialects[0]!,
      dialects,
      recordKind: record.kind,
      registry: options.registry,
      options: options.options ?? NONE,
      depth: 0,
      tree: options.tree ?? true,
      summary: options.summary ?? true,
    };
    if (options.request) ctx.request = options.request;
    const msg = this.decodeWith(record.data, ctx, options.tree ?? true);
    msg.record = record;
    return msg;
  }

  /**
   * Decodes bytes.
   * @param data Message bytes.
   * @param partial Context.
   * @param tree Build the field tree.
   * @returns The message.
   */
  decodeBytes(
    data: Uint8Array,
    partial: Partial<DecodeContext> & { registry: RegistryLike },
    tree = true,
  ): Message {
    const dialects = partial.dialects ?? {};
    const dialect = partial.dialect || dialects[this.tag] || this.spec.dialects[0]!;
    const ctx: DecodeContext = {
      dialect,
      dialects,
      recordKind: partial.recordKind ?? "unknown",
      registry: partial.registry,
      options: partial.options ?? NONE,
      depth: partial.depth ?? 0,
      tree,
    };
    if (partial.summary === false) ctx.summary = false;
    if (partial.request) ctx.request = partial.request;
    return this.decodeWith(data, ctx, tree);
  }

  /**
   * Decodes bytes with a complete context (what nested decoders and sessions use).
   * @param data Message bytes.
   * @param ctx Context; `ctx.dialect` is this protocol's dialect.
   * @param tree Build the field tree.
   * @returns The message.
   */
  decodeWith(data: Uint8Array, ctx: DecodeContext, tree: boolean): Message {
    const dialect = ctx.dialect;
    if (ctx.summary === false) this.#lazyRegistry = ctx.registry;
    if (!tree) {
      const fast = this.#fast(data, ctx, dialect);
      if (fast) return fast;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const st: WalkState = { view, data, issues: [], truncated: false, ctx, endian: this.spec.endian, tree };
    const values: ValueMap = {};
    const fields: FieldValue[] | null = tree ? [] : null;
    const ab = this.abbrev + ".";
    let end = data.length;
    const h = walk(this.header(dialect), st, 0, end, ab, values, fields);
    let name: string;
    let kind: MessageKind;
    let prefix = "";
    let body: BodySpec | undefined;
    if (h.stopped) {
      name = "MALFORMED";
      kind = ctx.recordKind;
    } else {
      // Total length: bytes past it are padding.
      const tl = this.spec.totalLengthField;
      if (tl !== undefined) {
        const v = Number(values[tl] ?? 0);
        if (v < h.off) {
          st.issues.push({
            code: "bad-value",
            field: ab + tl,
            offset: 0,
            message: `${ab + tl} is ${v}, smaller than the ${h.off}-byte header`,
          });
        } else if (v > data.length) {
          st.truncated = true;
          st.issues.push({
            code: "truncated",
            field: ab + tl,
            offset: data.length,
            message: `${ab + tl} says ${v} bytes, only ${data.length} present`,
          });
        } else end = v;
      }
      const sel = this.#select(values, view, ctx);
      const cls = sel.cls;
      kind = sel.kind;
      body = sel.body;
      const layout = body ? layoutFor(body, kind) : undefined;
      if (!body || !layout) {
        name = body ? body.name : (cls?.unknownName ?? this.unknownName(values));
        st.issues.push({
          code: "unknown-message",
          offset: h.off,
          message: body ? `${name} has no ${kind} layout` : `unknown message ${name}`,
        });
        if (end > h.off) {
          const rest = data.subarray(h.off, end);
          values["payload"] = rest;
          fields?.push({
            name: ab + "payload",
            label: "payload",
            value: rest,
            start: h.off,
            end,
            display: `${rest.length} bytes`,
          });
        }
        h.off = end;
      } else {
        name = body.name;
        prefix = body.prefix;
        const r = walk(layout, st, h.off, end, prefix ? `${ab}${prefix}.` : ab, values, fields);
        if (!r.stopped && r.off < end) {
          const extra = data.subarray(r.off, end);
          values["trailing"] = extra;
          st.issues.push({
            code: "length-mismatch",
            field: ab + "trailing",
            offset: r.off,
            message: `${end - r.off} byte${end - r.off === 1 ? "" : "s"} after the ${name} ${kind} layout`,
          });
          fields?.push({
            name: ab + "trailing",
            label: "trailing",
            value: extra,
            start: r.off,
            end,
            display: `${extra.length} bytes`,
          });
        }
        h.off = Math.max(r.off, h.off);
      }
    }
    let tail: Uint8Array | undefined;
    if (end < data.length) {
      tail = data.subarray(end);
      values["padding"] = tail;
      if (tail.some((b) => b !== 0)) {
        st.issues.push({
          code: "reserved-nonzero",
          field: ab + "padding",
          offset: end,
          message: `padding after the message is not zero`,
        });
      }
      fields?.push({
        name: ab + "padding",
        label: "padding",
        value: tail,
        start: end,
        end: data.length,
        display: `${tail.length} bytes`,
      });
    }
    const msg: Message = {
      protocol: this.tag,
      name,
      kind,
      dialect,
      fields: fields ?? [],
      values,
      prefix,
      issues: st.issues,
      truncated: st.truncated,
      data,
      summary: "",
    };
    if (tail) msg.tail = tail;
    this.spec.postDecode?.(msg, ctx);
    if (ctx.summary !== false) msg.summary = this.summarize(msg, body);
    return msg;
  }

  #headerPlans = new Map<string, SummaryItem[]>();

  #headerSummary(dialect: string): SummaryItem[] {
    let p = this.#headerPlans.get(dialect);
    if (!p) {
      const hdr = this.header(dialect);
      p = (this.spec.summaryHeader ?? []).map((k) => {
        const f = hdr.find((x) => x.name === k);
        const b = f ? undefined : headerBit(hdr, k);
        if (b) {
          // A bit range of a header field (`hdr.token`): shown with its own enum/hex display.
          const field: Field = {
            kind: "int",
            name: k,
            type: "u64",
            ...(b.enum ? { enum: b.enum } : {}),
            hex: !!b.hex,
          };
          return summaryItem(k, b.summary ?? k, field);
        }
        return summaryItem(k, f && typeof f.summary === "string" ? f.summary : k, f);
      });
      this.#headerPlans.set(dialect, p);
    }
    return p;
  }

  #compiledCache = new Map<string, Map<readonly Field[], CompiledLayout | null>>();
  #lastDialect = "";
  #lastCompiled = new Map<readonly Field[], CompiledLayout | null>();
  /** The most recent lookups (a header and the bodies that follow it hit these). */
  #recentFields: (readonly Field[] | undefined)[] = [undefined, undefined, undefined, undefined];
  #recentCode: (CompiledLayout | null)[] = [null, null, null, null];
  #recentNext = 0;

  #compiled(fields: readonly Field[], dialect: string): CompiledLayout | null {
    let m = this.#lastCompiled;
    if (dialect !== this.#lastDialect) {
      m = this.#compiledCache.get(dialect) ?? new Map();
      this.#compiledCache.set(dialect, m);
      this.#lastDialect = dialect;
      this.#lastCompiled = m;
      this.#recentFields.fill(undefined);
    } else {
      const rf = this.#recentFields;
      for (let i = 0; i < 4; i++) if (rf[i] === fields) return this.#recentCode[i]!;
    }
    let c = m.get(fields);
    if (c === undefined) {
      c = compileLayout(fields, this.spec.endian, dialect) ?? null;
      m.set(fields, c);
    }
    const i = this.#recentNext++ & 3;
    this.#recentFields[i] = fields;
    this.#recentCode[i] = c;
    return c;
  }

  #select(values: ValueMap, view: DataView | Uint8Array, ctx: DecodeContext) {
    const cls = this.spec.classify?.(values, view instanceof DataView ? view : viewOf(view), ctx);
    let kind: MessageKind;
    let body: BodySpec | undefined;
    if (cls) {
      kind = cls.kind;
      body = cls.key === undefined ? undefined : (this.#byName.get(cls.key) ?? this.#byKey.get(cls.key));
    } else {
      const sel = this.spec.selectBy;
      const a = values[sel[0]!];
      const b = sel.length === 2 ? values[sel[1]!] : 0;
      if (sel.length <= 2 && typeof a === "number" && typeof b === "number" && isSmall(a) && isSmall(b)) {
        // Small integer selectors: a numeric key (no string building or hashing).
        body = this.#byNum.get(a * SMALL + b);
      } else {
        let key = String(a);
        for (let i = 1; i < sel.length; i++) key += "/" + values[sel[i]!];
        body = this.#byKey.get(key) ?? this.#byName.get(key);
      }
      kind = this.spec.kindOf(values, ctx);
    }
    return { cls, kind, body };
  }

  /**
   * Where a clean message ends: its total length field (bytes past it are padding), else `stop`;
   * -1 when that length is shorter than the header or longer than the bytes.
   */
  #end(values: ValueMap, start: number, headerEnd: number, stop: number): number {
    const tl = this.spec.totalLengthField;
    if (tl === undefined) return stop;
    const v = Number(values[tl]);
    return v < headerEnd - start || start + v > stop ? -1 : start + v;
  }

  /** The compiled fast path for clean messages; undefined means "use the walker". */
  #fast(data: Uint8Array, ctx: DecodeContext, dialect: string): Message | undefined {
    const hc = this.#compiled(this.header(dialect), dialect);
    if (!hc) return undefined;
    const values: ValueMap = {};
    const off = hc(data, 0, data.length, values as Record<string, unknown>, ctx);
    if (off < 0) return undefined;
    const end = this.#end(values, 0, off, data.length);
    if (end < 0) return undefined;
    const { kind, body } = this.#select(values, data, ctx);
    if (!body) return undefined;
    const layout = layoutFor(body, kind);
    if (!layout) return undefined;
    const bc = this.#compiled(layout, dialect);
    if (!bc || bc(data, off, end, values as Record<string, unknown>, ctx) !== end) return undefined;
    let tail: Uint8Array | undefined;
    if (end < data.length) {
      tail = data.subarray(end);
      for (let i = 0; i < tail.length; i++) if (tail[i] !== 0) return undefined;
      values["padding"] = tail;
    }
    const msg: Message = {
      protocol: this.tag,
      name: body.name,
      kind,
      dialect,
      fields: [],
      values,
      prefix: body.prefix,
      issues: [],
      truncated: false,
      data,
      summary: "",
    };
    if (tail) msg.tail = tail;
    this.spec.postDecode?.(msg, ctx);
    if (ctx.summary !== false) msg.summary = this.summarize(msg, body);
    return msg;
  }

  /**
   * A name for an unknown message from its select values.
   * @param values Header values.
   * @returns e.g. `UNKNOWN(msg_id=0x45)`.
   */
  unknownName(values: ValueMap): string {
    const parts = this.spec.selectBy.map((k) => {
      const v = values[k];
      return `${k}=${typeof v === "number" || typeof v === "bigint" ? hex(v) : String(v)}`;
    });
    return `UNKNOWN(${parts.join(",")})`;
  }

  /**
   * The one-line summary (the Info column): name, kind, header keys and body summary fields.
   * @param msg Message.
   * @param body Its body.
   * @returns Text.
   */
  summarize(msg: Message, body = this.#byName.get(msg.name)): string {
    const out = new StringSink();
    this.summarizeTo(out, msg, body);
    return out.value;
  }

  /**
   * Writes the one-line summary into a sink piece by piece (the same text as `summarize`).
   * @param out The sink.
   * @param msg Message.
   * @param body Its body.
   * @param registry The registry the message was decoded with (for nested messages decoded without a
   *   summary); defaults to the one of the last such decode.
   */
  summarizeTo(
    out: SummarySink,
    msg: Message,
    body = this.#byName.get(msg.name),
    registry: RegistryLike | undefined = this.#lazyRegistry,
  ): void {
    const nl = this.#nameLits.get(msg.name);
    if (nl) out.lit(nl);
    else out.text(msg.name);
    if (msg.kind !== "request" && msg.kind !== "unknown") out.lit(msg.kind === "response" ? RSP : EVT);
    const spec = this.spec;
    let text: string | undefined;
    if (spec.summaryWrite) spec.summaryWrite(out, msg, registry);
    else if ((text = spec.summaryText?.(msg)) !== undefined) out.text(text);
    else {
      summaryFields(out, this.#headerSummary(msg.dialect), msg.values, registry);
      const layout = body ? layoutFor(body, msg.kind) : undefined;
      if (layout) summaryFields(out, summaryPlan(layout), msg.values, registry);
    }
    if (msg.notes?.length) out.text(` [${msg.notes.join(", ")}]`);
    if (msg.issues.length) {
      const worst = msg.issues.find((i) => i.code !== "reserved-nonzero" && i.code !== "unknown-message");
      if (worst) out.text(msg.truncated ? " [Malformed: truncated]" : " [Malformed]");
    }
  }

  /**
   * Writes the summary of a clean message (name, kind, summary fields: what {@linkcode summarizeTo}
   * writes after decoding) straight from its bytes into `out`, without decoding it. Returns the
   * message name, or undefined when the message needs the full decoder (anything unusual, or a
   * layout the line path does not compile); `out` may then hold a partial summary, which the caller
   * drops by resetting `out.off`.
   * @param data Message bytes.
   * @param ctx Context; `ctx.dialect` is this protocol's dialect.
   * @param out The sink.
   * @param request The request a response was paired with (see `ProtocolSpec.summaryLine`).
   * @param start Where the message starts in `data` (a message nested in another).
   * @param stop Where it ends.
   * @returns The name, or undefined.
   */
  summaryLine(
    data: Uint8Array,
    ctx: DecodeContext,
    out: BytesSink,
    request?: PairedRequest,
    start = 0,
    stop = data.length,
  ): string | undefined {
    const spec = this.spec;
    if (spec.summaryLine) return spec.summaryLine(data, ctx, out, request, start, stop);
    if (this.#noLine) return undefined;
    const dialect = ctx.dialect;
    let plan = this.#linePlan;
    if (plan === undefined || plan.dialect !== dialect) {
      plan = this.#linePlans.get(dialect);
      if (!plan) this.#linePlans.set(dialect, plan = this.#newLinePlan(dialect));
      this.#linePlan = plan;
    }
    const hc = plan.header;
    if (!hc) return undefined;
    // A plain header (no conditional or custom fields) sets the same keys every time: one value
    // map is reused (nothing keeps it: the line path builds no message).
    const values: ValueMap = plan.scratch ?? {};
    const off = hc(data, start, stop, values as Record<string, unknown>, ctx);
    if (off < 0) return undefined;
    const end = this.#end(values, start, off, stop);
    if (end < 0) return undefined;
    if (end < stop && !zeros(data, end, stop)) return undefined;
    let entry: LineEntry | null | undefined;
    if (plan.numeric) {
      // Small integer selectors and no classify: the entry by a numeric key, per kind; selectors
      // below 16 and 256 (virtio-msg's bus bit and message id) index a flat table.
      const a = values[plan.sel0];
      const b = plan.sel1 === undefined ? 0 : values[plan.sel1];
      if (typeof a === "number" && typeof b === "number") {
        const kind = spec.kindOf(values, ctx);
        const k = kindIndex(kind);
        if (a >= 0 && a < 16 && b >= 0 && b < 256 && (a | 0) === a && (b | 0) === b) {
          const at = (k << 12) | (a << 8) | b;
          entry = plan.flat[at];
          if (entry === undefined) plan.flat[at] = entry = this.#entryByKey(plan, kind, a * SMALL + b);
        } else if (isSmall(a) && isSmall(b)) entry = this.#entryByKey(plan, kind, a * SMALL + b);
      }
    }
    if (entry === undefined) {
      const { kind, body } = this.#select(values, data, ctx);
      if (!body) return undefined;
      entry = this.#lineEntry(plan, body, kind);
    }
    if (entry === null) return undefined;
    return entry.writer(data, off, end, out, values) ? entry.name : undefined;
  }

  /** The line entry of a numeric selector key and kind, or null when there is none. */
  #entryByKey(plan: LinePlan, kind: MessageKind, key: number): LineEntry | null {
    const byKey = plan.byKey[kindIndex(kind)]!;
    let entry = byKey.get(key);
    if (entry === undefined) {
      const body = this.#byNum.get(key);
      byKey.set(key, entry = body ? this.#lineEntry(plan, body, kind) : null);
    }
    return entry;
  }

  /** The line writer of a body and kind (compiled once), or null when its layout does not compile. */
  #lineEntry(plan: LinePlan, body: BodySpec, kind: MessageKind): LineEntry | null {
    const byBody = plan.bodies[kindIndex(kind)]!;
    let entry = byBody.get(body);
    if (entry === undefined) {
      const layout = layoutFor(body, kind);
      const writer = layout &&
        compileLine(
          layout,
          this.spec.endian,
          plan.dialect,
          body.name + (kind === "response" ? " rsp" : kind === "event" ? " evt" : ""),
          plan.summary,
          short,
          displayInt,
        );
      byBody.set(body, entry = writer ? { writer, name: body.name } : null);
    }
    return entry;
  }

  /** No line path: the summary needs the decoded message. */
  readonly #noLine: boolean;

  #linePlans = new Map<string, LinePlan>();
  #linePlan: LinePlan | undefined;

  #newLinePlan(dialect: string): LinePlan {
    const fields = this.header(dialect);
    const plain = fields.every((f) => !f.when && f.kind !== "custom" && f.kind !== "nested");
    return {
      dialect,
      header: this.#compiled(fields, dialect),
      scratch: plain ? {} : undefined,
      summary: this.#headerSummary(dialect),
      numeric: !this.spec.classify && this.spec.selectBy.length <= 2,
      sel0: this.spec.selectBy[0] ?? "",
      sel1: this.spec.selectBy[1],
      flat: new Array<LineEntry | null | undefined>(4 << 12).fill(undefined),
      byKey: [new Map(), new Map(), new Map(), new Map()],
      bodies: [new Map(), new Map(), new Map(), new Map()],
    };
  }

  /**
   * Encodes a message from a name, a kind and field values.
   * @param input What to encode.
   * @param partial Context.
   * @returns The bytes.
   * @throws {RangeError|TypeError} For an impossible value, naming the field.
   */
  encodeMessage(
    input: MessageInput,
    partial: Partial<EncodeContext> & { registry: RegistryLike },
  ): Uint8Array {
    const dialects = partial.dialects ?? {};
    const dialect = input.dialect || partial.dialect || dialects[this.tag] || this.spec.dialects[0]!;
    const values = this.#normalize(input);
    let body = input.name ? this.#byName.get(input.name) : undefined;
    if (input.name && !body && !/^UNKNOWN|^MALFORMED/.test(input.name)) {
      throw new TypeError(`Cannot encode ${this.tag} message: unknown message name "${input.name}"`);
    }
    const kind: MessageKind = input.kind ?? partial.kind ?? defaultKind(body);
    if (body && !layoutFor(body, kind)) {
      throw new TypeError(`Cannot encode ${this.tag} ${body.name}: it has no ${kind} layout`);
    }
    if (!body && !input.name) {
      const key = this.spec.selectBy.map((k) => String(values[k])).join("/");
      body = this.#byKey.get(key);
    }
    const ctx: EncodeContext = {
      dialect,
      dialects,
      kind,
      registry: partial.registry,
      options: partial.options ?? {},
    };
    if (body) {
      // Selecting header values, unless given.
      for (const [k, v] of Object.entries(body.select)) {
        if (values[k] === undefined) values[k] = Array.isArray(v) ? v[0] : v as number;
      }
      for (const [k, v] of Object.entries(this.spec.kindHeader?.(kind, body) ?? {})) {
        if (values[k] === undefined) values[k] = v;
      }
    }
    const st: EncodeState = { w: new ByteWriter(), ctx, endian: this.spec.endian, patches: [] };
    const ab = this.abbrev + ".";
    encodeFields(this.header(dialect), values, st, ab);
    if (body) {
      const layout = layoutFor(body, kind)!;
      encodeFields(layout, values, st, body.prefix ? `${ab}${body.prefix}.` : ab);
    } else if (values["payload"] !== undefined) {
      encodeFields([{ kind: "bytes", name: "payload", length: "rest" }], values, st, ab);
    }
    if (values["trailing"] !== undefined) {
      encodeFields([{ kind: "bytes", name: "trailing", length: "rest" }], values, st, ab);
    }
    const total = st.w.len;
    for (const p of st.patches) writeInt(st.w.view, p.off, p.type, p.le, total);
    if (values["padding"] !== undefined) {
      encodeFields([{ kind: "bytes", name: "padding", length: "rest" }], values, st, ab);
    }
    let bytes = st.w.result();
    if (this.spec.postEncode) bytes = this.spec.postEncode(bytes, input, ctx);
    return bytes;
  }

  /**
   * Accepts short names, filter names and prefixed names; returns short-name values.
   * @param input Input.
   * @returns Values.
   */
  #normalize(input: MessageInput): ValueMap {
    const out: ValueMap = {};
    const ab = this.abbrev + ".";
    const body = input.name ? this.#byName.get(input.name) : undefined;
    const prefix = body?.prefix ? body.prefix + "." : undefined;
    for (const [k0, v] of Object.entries(input.fields ?? {})) {
      let k = k0;
      if (k.startsWith(ab)) k = k.slice(ab.length);
      if (prefix && k.startsWith(prefix)) k = k.slice(prefix.length);
      out[k] = v as Value;
    }
    return out;
  }

  /**
   * Every filter field this protocol declares, for `vioscope fields` and completions.
   * @returns Filter name, type and description, sorted, without duplicates.
   */
  fieldCatalog(): { name: string; type: string; doc: string; messages: string[] }[] {
    const seen = new Map<string, { name: string; type: string; doc: string; messages: string[] }>();
    const ab = this.abbrev;
    const add = (name: string, type: string, doc: string, msg: string) => {
      const e = seen.get(name);
      if (e) {
        if (!e.messages.includes(msg)) e.messages.push(msg);
      } else seen.set(name, { name, type, doc, messages: msg ? [msg] : [] });
    };
    const visit = (fields: readonly Field[], prefix: string, msg: string) => {
      for (const f of fields) {
        const n = `${prefix}.${f.name}`;
        const doc = f.doc ?? f.label ?? "";
        switch (f.kind) {
          case "int":
            add(n, f.type, doc, msg);
            for (const b of f.bits ?? []) add(`${n}.${b.name}`, "bits", b.label ?? "", msg);
            for (const flag of Object.keys(f.flags ?? {})) add(`${n}.${flag}`, "bool", "", msg);
            break;
          case "group":
            add(n, f.count === undefined ? "group" : "list", doc, msg);
            visit(f.fields, n, msg);
            break;
          case "array":
            add(n, `${f.element}[]`, doc, msg);
            break;
          case "nested":
            add(n, `message(${f.protocol})`, doc, msg);
            break;
          case "custom":
            add(n, f.type, doc, msg);
            break;
          default:
            add(n, f.kind, doc, msg);
        }
      }
    };
    for (const d of this.spec.dialects) visit(this.header(d), ab, "");
    for (const b of this.spec.bodies) {
      const p = b.prefix ? `${ab}.${b.prefix}` : ab;
      for (const k of KINDS) {
        const l = layoutFor(b, k);
        if (l) visit(l, p, b.name);
      }
    }
    for (const extra of ["payload", "trailing", "padding"]) {
      add(`${ab}.${extra}`, "bytes", `${extra} bytes`, "");
    }
    return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/**
 * Compiles a protocol declaration.
 *
 * @example Declaring and decoding a tiny protocol
 * ```ts
 * import { defineProtocol, Registry } from "../../mod.ts";
 * import { equal } from "node:assert/strict";
 * const codec = defineProtocol({
 *   tag: "scmi", abbrev: "demo", title: "Demo", endian: "le", dialects: ["v1"],
 *   header: () => [{ kind: "int", name: "id", type: "u8" }],
 *   selectBy: ["id"], kindOf: () => "request",
 *   bodies: [{ name: "PING", select: { id: 1 }, prefix: "ping",
 *     request: [{ kind: "int", name: "data", type: "u16", summary: true }] }],
 * });
 * const registry = new Registry([codec]);
 * const msg = codec.decodeBytes(new Uint8Array([1, 0x34, 0x12]), { registry });
 * equal(msg.name, "PING");
 * equal(msg.values.data, 0x1234);
 * equal(msg.summary, "PING data=4660");
 * ```
 *
 * @param spec The declaration.
 * @returns The codec.
 */
export function defineProtocol(spec: ProtocolSpec): Codec {
  return new Codec(spec);
}

/**
 * The field list of a body for a kind (events fall back to the request layout).
 * @param body Body.
 * @param kind Kind.
 * @returns Fields, or undefined.
 */
export function layoutFor(body: BodySpec, kind: MessageKind): readonly Field[] | undefined {
  switch (kind) {
    case "request":
      return body.request ?? body.event;
    case "response":
      return body.response;
    case "event":
      return body.event ?? body.request;
    default:
      return body.request ?? body.event ?? body.response;
  }
}

function defaultKind(body: BodySpec | undefined): MessageKind {
  if (!body) return "request";
  if (body.request) return "request";
  if (body.event) return "event";
  return "response";
}

function selectKeys(spec: ProtocolSpec, b: BodySpec): string[] {
  let keys = [""];
  spec.selectBy.forEach((k, i) => {
    const v = b.select[k];
    const alts = v === undefined ? ["undefined"] : Array.isArray(v) ? v.map(String) : [String(v)];
    keys = keys.flatMap((p) => alts.map((a) => (i === 0 ? a : `${p}/${a}`)));
  });
  return keys;
}

function short(f: Field | undefined, v: Value): string {
  if (f?.kind === "array" && f.hex && Array.isArray(v)) {
    return `[${(v as (number | bigint)[]).map((x) => hex(x)).join(",")}]`;
  }
  if (f?.kind === "int" && (typeof v === "number" || typeof v === "bigint")) {
    if (f.enum) return f.enum[Number(v)] ?? String(v);
    if (f.flags) return displayInt(f, v);
    return f.hex ? hex(v) : String(v);
  }
  return valueText(v);
}

function valueText(v: Value): string {
  if (v instanceof Uint8Array) {
    return v.length > 16 ? `${v.length}B` : bytesToHex(v);
  }
  if (typeof v === "bigint") return hex(v);
  if (Array.isArray(v)) return `[${(v as unknown[]).map((x) => valueText(x as Value)).join(",")}]`;
  if (typeof v === "object" && v !== null && "summary" in v) return String((v as unknown as Message).summary);
  if (typeof v === "object") return "{…}";
  return String(v);
}

/**
 * The bit range a dotted summary key (`hdr.token`) names in a header, if any.
 * @param hdr Header fields.
 * @param key `container.bits`.
 * @returns The bit spec.
 */
function headerBit(hdr: readonly Field[], key: string): BitSpec | undefined {
  const dot = key.indexOf(".");
  if (dot < 0) return undefined;
  const c = hdr.find((x) => x.name === key.slice(0, dot));
  return c?.kind === "int" ? c.bits?.find((b) => b.name === key.slice(dot + 1)) : undefined;
}

/** How a summary item writes its value. */
const enum Mode {
  /** An integer in decimal. */
  Num,
  /** An integer in `0x` hex. */
  Hex,
  /** A nested message. */
  Nested,
  /** Anything else (`short`). */
  Other,
}

interface SummaryItem {
  key: string;
  label: string;
  /** `" label="`. */
  eq: Lit;
  field: Field | undefined;
  mode: Mode;
}

function summaryItem(key: string, label: string, f: Field | undefined): SummaryItem {
  const mode = f?.kind === "nested"
    ? Mode.Nested
    : f?.kind === "int" && !f.enum && !f.flags
    ? (f.hex ? Mode.Hex : Mode.Num)
    : Mode.Other;
  return { key, label, eq: lit(` ${label}=`), field: f, mode };
}

/** The line path of one dialect of a protocol (see `Codec.summaryLine`). */
interface LinePlan {
  dialect: string;
  /** The compiled header. */
  header: CompiledLayout | null;
  /** A value map reused for every message, when the header is plain. */
  scratch: ValueMap | undefined;
  /** Header summary items. */
  summary: SummaryItem[];
  /** Bodies are selected by small integers (no `classify`): entries are found by `byKey`. */
  numeric: boolean;
  /** The selectors' keys in the header's value map (when `numeric`). */
  sel0: string;
  sel1: string | undefined;
  /**
   * Entries by kind and selectors below 16 and 256 (`kind << 12 | a << 8 | b`): undefined until looked
   * up, null when there is none.
   */
  flat: (LineEntry | null | undefined)[];
  /** Per kind (see `kindIndex`) and numeric selector key: the entry, or null when there is none. */
  byKey: Map<number, LineEntry | null>[];
  /** Per kind and body: its line writer, or null when its layout does not compile. */
  bodies: Map<BodySpec, LineEntry | null>[];
}

/** A compiled line writer and the name of its message. */
interface LineEntry {
  writer: LineWriter;
  name: string;
}

/** The last buffer {@linkcode zeros} saw, as 32-bit words. */
let wordsBuffer: ArrayBufferLike | undefined;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * Whether bytes `from` to `to` of `data` are all zero (padding; an FF-A carrier has about 100 bytes
 * of it): the aligned middle four bytes at a time, through a word view of the whole buffer made
 * once per buffer.
 */
function zeros(data: Uint8Array, from: number, to: number): boolean {
  let acc = 0;
  let i = from;
  const base = data.byteOffset;
  // Word offsets in 32-bit arithmetic: buffers past 2 GiB take the byte loop.
  if (to - from >= 16 && base + to < 0x80000000) {
    const buf = data.buffer;
    const last = (base + to) >>> 2;
    if (buf !== wordsBuffer || last > words.length) {
      wordsBuffer = buf;
      words = new Uint32Array(buf, 0, buf.byteLength >>> 2);
    }
    for (; ((base + i) & 3) !== 0; i++) acc |= data[i]!;
    let w = (base + i) >>> 2;
    for (; w < last; w++) acc |= words[w]!;
    i = w * 4 - base;
  }
  for (; i < to; i++) acc |= data[i]!;
  return acc === 0;
}

/** Index of a kind in the per-kind tables of a line plan. */
const kindIndex = (kind: MessageKind) =>
  kind === "request" ? 0 : kind === "response" ? 1 : kind === "event" ? 2 : 3;

const RSP = lit(" rsp");
const EVT = lit(" evt");
const CLOSE = lit("]");
const OPEN = new Map<string, Lit>();

/**
 * Writes a nested message's summary in brackets (` [virtio-msg GET_CONFIG …]`): its summary text, or,
 * when it was decoded without one, its codec writes it.
 * @param out The sink.
 * @param m The nested message.
 * @param registry The registry it was decoded with.
 */
export function writeNested(out: SummarySink, m: Message, registry: RegistryLike | undefined): void {
  let open = OPEN.get(m.protocol);
  if (!open) OPEN.set(m.protocol, open = lit(` [${m.protocol} `));
  out.lit(open);
  const codec = m.summary ? undefined : registry?.get(m.protocol);
  if (codec) codec.summarizeTo(out, m, undefined, registry);
  else out.text(m.summary);
  out.lit(CLOSE);
}

const PLANS = new WeakMap<readonly Field[], SummaryItem[]>();

function summaryPlan(fields: readonly Field[]): SummaryItem[] {
  let p = PLANS.get(fields);
  if (!p) {
    p = fields.filter((f) => f.summary).map((f) =>
      summaryItem(f.name, typeof f.summary === "string" ? f.summary : f.name, f)
    );
    PLANS.set(fields, p);
  }
  return p;
}

function summaryFields(
  out: SummarySink,
  plan: SummaryItem[],
  values: ValueMap,
  registry: RegistryLike | undefined,
): void {
  for (let i = 0; i < plan.length; i++) {
    const it = plan[i]!;
    const v = values[it.key];
    if (v === undefined) continue;
    switch (it.mode) {
      case Mode.Nested:
        if (typeof v === "object" && "summary" in (v as object)) {
          writeNested(out, v as unknown as Message, registry);
          continue;
        }
        break;
      case Mode.Num:
        if (typeof v === "number") {
          out.lit(it.eq);
          out.num(v);
          continue;
        }
        break;
      case Mode.Hex:
        if (typeof v === "number") {
          out.lit(it.eq);
          out.hex(v, 0);
          continue;
        }
        break;
    }
    out.lit(it.eq);
    out.text(short(it.field, v));
  }
}
