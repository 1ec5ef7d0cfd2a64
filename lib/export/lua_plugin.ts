/**
 * Generates a Wireshark Lua dissector from the protocol declarations, so Wireshark and tshark show
 * vioscope captures with vioscope's own field names (`vmsg.msg_id`, `scmi.hdr.token`, …) as their
 * display-filter fields.
 *
 * The plugin registers on the `wtap_encap` table for USER0, parses vioscope's 24-byte pseudo-header
 * (fields `vioscope.proto`, `vioscope.kind`, `vioscope.sender`, `vioscope.bus`, …) and hands the
 * message to the protocol named there. Field lists (int with bits, flags and value names, bytes,
 * string, array, group) are translated to Lua tables that a small interpreter walks; declaration
 * hooks written as code (`when` predicates, `kindOf`, `classify`) are translated to decision tables
 * found by probing them; custom fields are translated through their `wire` stand-in when they declare
 * one, otherwise the rest of such a message is shown as bytes under `<abbrev>.undecoded`; nested areas
 * are dissected as their protocol when they declare a `nestIf` / `nestHeuristic` hint, otherwise they
 * are plain bytes. See docs/wireshark.md.
 *
 * @module
 */
import type { Registry } from "../codec/registry.ts";
import type { Codec } from "../codec/define_protocol.ts";
import type {
  BitSpec,
  BodySpec,
  DecodeContext,
  Field,
  IntField,
  IntType,
  LengthSpec,
  ValueMap,
} from "../codec/types.ts";
import { PROTOCOL_TAGS } from "../record.ts";
import {
  type DecisionTable,
  DEFAULT_SAMPLES,
  probe,
  type ProbeContext,
  type ProbeOptions,
  probeWrites,
} from "./_probe.ts";
import { LUA_ENGINE, LUA_PRELUDE } from "./_lua_runtime.ts";

/** Options of {@linkcode wiresharkLuaPlugin}. */
export interface LuaPluginOptions {
  /**
   * Version text written into the plugin's header comment.
   * @default {"unknown"}
   */
  version?: string;
}

/** What the generator could not translate, for the report and the docs. */
export interface LuaPluginReport {
  /** The Lua source. */
  lua: string;
  /** Filter names of every registered field (including `vioscope.*`). */
  fields: string[];
  /** Human notes on what falls back to bytes or to the record's kind. */
  limits: string[];
}

/**
 * Generates the Lua plugin text.
 *
 * @example
 * ```ts
 * import { defaultRegistry, wiresharkLuaPlugin } from "../../mod.ts";
 * import { match } from "node:assert/strict";
 * const lua = wiresharkLuaPlugin(defaultRegistry());
 * match(lua, /ProtoField\.uint8\("vmsg\.msg_id"/);
 * match(lua, /DissectorTable\.get\("wtap_encap"\)/);
 * ```
 *
 * @param registry Codecs to translate.
 * @param options Version text.
 * @returns Lua source.
 */
export function wiresharkLuaPlugin(registry: Registry, options: LuaPluginOptions = {}): string {
  return generateLuaPlugin(registry, options).lua;
}

/**
 * Generates the Lua plugin and reports what it registered and what it could not translate.
 * @param registry Codecs to translate.
 * @param options Version text.
 * @returns Source, field names and limits.
 */
export function generateLuaPlugin(registry: Registry, options: LuaPluginOptions = {}): LuaPluginReport {
  const g = new LuaGenerator();
  for (const codec of registry.codecs()) g.protocol(codec);
  return g.finish(options.version ?? "unknown");
}

type FieldClass = "uint" | "int" | "u64" | "i64" | "bytes" | "string" | "bool" | "none";

interface FieldReg {
  index: number;
  name: string;
  label: string;
  cls: FieldClass;
  size: number;
  hex: boolean;
  enumIdx?: number;
  doc: string;
  proto: string;
}

const INT_SIZE: Record<IntType, number> = { u8: 1, u16: 2, u32: 4, u64: 8, i8: 1, i16: 2, i32: 4, i64: 8 };
const PSEUDO_FIELDS = [
  "vioscope.magic",
  "vioscope.version",
  "vioscope.header_length",
  "vioscope.proto",
  "vioscope.direction",
  "vioscope.kind",
  "vioscope.sender",
  "vioscope.conduit",
  "vioscope.present",
  "vioscope.bus",
  "vioscope.device",
  "vioscope.src",
  "vioscope.dst",
  "vioscope.queue",
  "vioscope.correlation_id",
  "vioscope.annotation",
];

/**
 * A Lua string literal (non-ASCII and control bytes as decimal escapes).
 * @param s Text.
 * @returns Lua source.
 */
function luaStr(s: string): string {
  let out = '"';
  for (const b of new TextEncoder().encode(s)) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += "\\\\";
    else if (b < 0x20 || b >= 0x7f) out += `\\${b}`;
    else out += String.fromCharCode(b);
  }
  return out + '"';
}

function luaKey(k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !LUA_KEYWORDS.has(k) ? k : `[${luaStr(k)}]`;
}

const LUA_KEYWORDS = new Set(
  "and break do else elseif end false for function goto if in local nil not or repeat return then true until while"
    .split(" "),
);

function luaNum(n: number | bigint): string {
  return typeof n === "bigint" ? n.toString() : Number.isInteger(n) ? String(n) : String(n);
}

function popcount(m: bigint): number {
  let n = 0;
  for (let x = m; x > 0n; x >>= 1n) if (x & 1n) n++;
  return n;
}

function lowestBit(m: bigint): number {
  let s = 0;
  if (m === 0n) return 0;
  while (((m >> BigInt(s)) & 1n) === 0n) s++;
  return s;
}

class LuaGenerator {
  #fields = new Map<string, FieldReg>();
  #enums = new Map<string, number>();
  #enumText: string[] = [];
  #whens = new Map<unknown, number | null>();
  #whenText: string[] = [];
  #bodies: string[] = [];
  #decls: string[] = [];
  #protos: string[] = [];
  #limits: string[] = [];

  protocol(codec: Codec): void {
    const spec = codec.spec;
    const ab = codec.abbrev;
    const pv = `P_${ab.replace(/[^A-Za-z0-9_]/g, "_")}`;
    this.#protos.push(`local ${pv} = Proto(${luaStr(ab)}, ${luaStr(spec.title)})`);
    const headerFields = spec.dialects.flatMap((d) => codec.header(d));
    const allFields = [...headerFields, ...spec.bodies.flatMap(bodyFields)];
    const bitSamples = bitFieldSamples(allFields);
    const domainOf = (key: string): number[] | undefined => {
      const d = domainFromHeader(headerFields, key);
      if (d) return d;
      const b = bitSamples.get(key);
      return b ? [...new Set([...DEFAULT_SAMPLES, ...extra, ...b])].sort((x, y) => x - y) : undefined;
    };
    const extra = new Set<number>();
    for (const b of spec.bodies) {
      for (const v of Object.values(b.select)) {
        for (const x of Array.isArray(v) ? v : [v]) {
          const n = Number(x);
          if (Number.isSafeInteger(n) && Math.abs(n) > 600) { for (const d of [-1, 0, 1]) extra.add(n + d); }
        }
      }
    }
    const probeOpts = {
      dialects: spec.dialects,
      domainOf,
      extraSamples: [...extra],
      budget: 400_000,
      absent: skippedNames(allFields),
    };
    const ctxLimits = new Set<string>();
    const fieldList = (fields: readonly Field[], prefix: string, where: string): string => {
      return `{${fields.map((f) => this.#field(f, prefix, where, codec, probeOpts, ctxLimits)).join(",\n")}}`;
    };
    // Header per dialect.
    const header = spec.dialects.map((d) =>
      `${luaKey(d)} = ${fieldList(codec.header(d), `${ab}.`, "header")}`
    );
    // Bodies.
    const keyEntries: string[] = [];
    const nameEntries: string[] = [];
    for (const b of spec.bodies) {
      const prefix = b.prefix ? `${ab}.${b.prefix}.` : `${ab}.`;
      const parts = [`name = ${luaStr(b.name)}`];
      if (b.request) parts.push(`rq = ${fieldList(b.request, prefix, b.name)}`);
      if (b.response) parts.push(`rs = ${fieldList(b.response, prefix, b.name)}`);
      if (b.event) parts.push(`ev = ${fieldList(b.event, prefix, b.name)}`);
      const idx = this.#bodies.length + 1;
      this.#bodies.push(`BD[${idx}] = {${parts.join(",\n")}}`);
      for (const key of selectKeys(spec.selectBy, b.select)) keyEntries.push(`[${luaStr(key)}] = BD[${idx}]`);
      nameEntries.push(`[${luaStr(b.name)}] = BD[${idx}]`);
    }
    // Kind and body selection hooks.
    const view = new DataView(new ArrayBuffer(64));
    const asCtx = (c: ProbeContext) => c as unknown as DecodeContext;
    const hookOpts = { ...probeOpts, budget: 2_000_000 };
    const kindTable = probe((v, c) => {
      const cls = spec.classify?.(v as ValueMap, view, asCtx(c));
      return cls ? cls.kind : spec.kindOf(v as ValueMap, asCtx(c));
    }, hookOpts);
    if (!kindTable) {
      this.#limits.push(`${ab}: message kind taken from the pseudo-header (kindOf could not be tabulated)`);
    }
    let keyTable: DecisionTable | undefined;
    let sets: { key: string; a: number; b: number }[] = [];
    if (spec.classify) {
      const classify = spec.classify;
      keyTable = probe((v, c) => {
        const cls = classify(v as ValueMap, view, asCtx(c));
        if (!cls) return "=";
        if (cls.key === undefined) return "?";
        const raw = spec.selectBy.map((k) => v[k]);
        const def = raw.map(String).join("/");
        const num = raw.map((x) => String(Number(x))).join("/");
        return cls.key === def || cls.key === num ? "=" : `k:${cls.key}`;
      }, hookOpts);
      if (!keyTable) {
        this.#limits.push(`${ab}: classify could not be tabulated; bodies chosen by ${spec.selectBy}`);
      }
      sets = probeWrites((v, len) => {
        const ctx = {
          dialect: spec.dialects[0]!,
          dialects: {},
          recordKind: "unknown",
          options: {},
          depth: 0,
        };
        classify(v as ValueMap, new DataView(new ArrayBuffer(len)), ctx as unknown as DecodeContext);
      });
    }
    // Summary header keys.
    const hdr0 = codec.header(spec.dialects[0]!);
    const sh = (spec.summaryHeader ?? []).map((k) => {
      const f = hdr0.find((x) => x.name === k);
      if (f) {
        return `{key = ${luaStr(k)}, ${
          this.#summaryEntry(f, typeof f.summary === "string" ? f.summary : k)
        }}`;
      }
      const b = headerBitSpec(hdr0, k);
      const parts = [`key = ${luaStr(k)}`, `l = ${luaStr(b?.summary ?? k)}`, `ty = "int"`];
      if (b?.enum) parts.push(`en = E[${this.#enum(b.enum)}]`);
      if (b?.hex) parts.push("hex = true");
      return `{${parts.join(", ")}}`;
    });
    const dialectFn = spec.dialects.length > 1
      ? `function() return ${pv}_DIALECTS[${pv}.prefs.dialect] or ${luaStr(spec.dialects[0]!)} end`
      : `function() return ${luaStr(spec.dialects[0]!)} end`;
    if (spec.dialects.length > 1) {
      this.#protos.push(
        `local ${pv}_DIALECTS = {${spec.dialects.map(luaStr).join(", ")}}`,
        `${pv}.prefs.dialect = Pref.enum("Dialect", 1, ${
          luaStr(`${spec.title} dialect (as vioscope's dialect option)`)
        }, {${spec.dialects.map((d, i) => `{${i + 1}, ${luaStr(d)}, ${i + 1}}`).join(", ")}}, false)`,
      );
    }
    const extraField = (n: string) => this.#register(`${ab}.${n}`, n, "bytes", 0, false, `${n} bytes`, ab);
    const decl = [
      `proto = ${pv}`,
      `title = ${luaStr(spec.title)}`,
      `dialect = ${dialectFn}`,
      `header = {${header.join(",\n")}}`,
      `sel = {${spec.selectBy.map(luaStr).join(", ")}}`,
      `bodies = {${keyEntries.join(",\n")}}`,
      `names = {${nameEntries.join(",\n")}}`,
      `sh = {${sh.join(", ")}}`,
      `payload = F[${extraField("payload")}]`,
      `trailing = F[${extraField("trailing")}]`,
      `padding = F[${extraField("padding")}]`,
    ];
    if (spec.totalLengthField) {
      decl.push(`total = ${luaStr(spec.totalLengthField)}`);
      const shapes = spec.dialects.map((d) => [d, headerShape(codec.header(d), d, spec)] as const)
        .filter((x): x is readonly [string, string] => x[1] !== undefined);
      if (shapes.length) decl.push(`hs = {${shapes.map(([d, t]) => `${luaKey(d)} = ${t}`).join(", ")}}`);
    }
    if (kindTable) decl.push(`kind = ${tableText(kindTable, (r) => luaStr(r))}`);
    if (keyTable) decl.push(`key = ${tableText(keyTable, (r) => luaStr(r))}`);
    if (sets.length) {
      decl.push(`sets = {${sets.map((s) => `{key = ${luaStr(s.key)}, a = ${s.a}, b = ${s.b}}`).join(", ")}}`);
    }
    this.#decls.push(`DECLS[${luaStr(spec.tag)}] = {\n${decl.join(",\n")}\n}`);
    for (const l of ctxLimits) this.#limits.push(l);
  }

  #summaryEntry(f: Field, label: string): string {
    const parts = [`l = ${luaStr(label)}`];
    if (f.kind === "int") {
      parts.push(`ty = "int"`);
      if (f.enum) parts.push(`en = E[${this.#enum(f.enum)}]`);
      if (f.hex || f.flags) parts.push("hex = true");
    } else if (f.kind === "array") {
      parts.push(`ty = "array"`);
      if (f.hex) parts.push("hex = true");
    } else if (f.kind === "bytes" || f.kind === "nested") parts.push(`ty = "bytes"`);
    else parts.push(`ty = ${luaStr(f.kind)}`);
    return parts.join(", ");
  }

  #field(
    f: Field,
    prefix: string,
    where: string,
    codec: Codec,
    probeOpts: ProbeOptions,
    limits: Set<string>,
  ): string {
    const name = prefix + f.name;
    const ab = codec.abbrev;
    const label = f.label ?? f.name;
    const doc = f.doc ?? "";
    if (f.kind === "custom" && f.wire !== undefined) {
      // A custom field with a declarative stand-in: translate that instead (zero width: nothing).
      if (f.wire === "skip") return `{n = ${luaStr(f.name)}, k = "z"}`;
      const stand: Field = { ...f.wire, name: f.name };
      if (f.label !== undefined && f.wire.label === undefined) stand.label = f.label;
      if (f.doc !== undefined) stand.doc = f.doc;
      if (f.when) stand.when = f.when;
      else delete stand.when;
      if (f.dialects) stand.dialects = f.dialects;
      if (f.summary !== undefined) stand.summary = f.summary;
      const t = this.#field(stand, prefix, where, codec, probeOpts, limits);
      return f.wireHideEmpty ? t.replace(/^\{/, "{hz = true, ") : t;
    }
    const parts: string[] = [`n = ${luaStr(f.name)}`];
    if (f.dialects) parts.push(`dl = {${f.dialects.map((d) => `${luaKey(d)} = true`).join(", ")}}`);
    const hinted = f.kind === "nested" && (f.nestIf !== undefined || f.nestHeuristic !== undefined);
    if (f.when && !hinted) {
      const w = this.#when(f.when, probeOpts);
      if (w === null) {
        // Still register the field (and its members), so filters on it are valid.
        const plain = { ...f };
        delete plain.when;
        this.#field(plain, prefix, where, codec, probeOpts, new Set());
        limits.add(
          `${ab}: ${name} (${where}) has a condition that could not be tabulated; shown as undecoded bytes`,
        );
        return `{${[...parts, `k = "c"`, `f = F[${this.#undecoded(ab)}]`].join(", ")}}`;
      }
      parts.push(`w = ${w}`);
    }
    if (f.summary) {
      parts.push(`sm = {${this.#summaryEntry(f, typeof f.summary === "string" ? f.summary : f.name)}}`);
    }
    switch (f.kind) {
      case "int": {
        const size = INT_SIZE[f.type];
        const signed = f.type.startsWith("i");
        const cls: FieldClass = size === 8 ? (signed ? "i64" : "u64") : signed ? "int" : "uint";
        const idx = this.#register(name, label, cls, size, !!(f.hex || f.flags), doc, ab, f.enum);
        parts.push(`k = "i"`, `t = "${f.type}"`, `f = F[${idx}]`);
        if (((f.endian ?? codec.spec.endian) === "le")) parts.push("le = true");
        if (f.bits?.length) parts.push(`bits = {${f.bits.map((b) => this.#bit(f, b, name, ab)).join(", ")}}`);
        if (f.flags && Object.keys(f.flags).length) {
          const fl = Object.entries(f.flags).map(([n, m]) => {
            const i = this.#register(`${name}.${n}`, n, "bool", 0, false, "", ab);
            return `{key = ${luaStr(`${f.name}.${n}`)}, f = F[${i}], m = ${mask(m, size)}}`;
          });
          parts.push(`fl = {${fl.join(", ")}}`);
        }

        break;
      }
      case "bytes":
        parts.push(
          `k = "b"`,
          `f = F[${this.#register(name, label, "bytes", 0, false, doc, ab)}]`,
          `len = ${len(f.length)}`,
        );
        break;
      case "nested":
        parts.push(
          `k = "n"`,
          `f = F[${this.#register(name, label, "bytes", 0, false, doc, ab)}]`,
          `len = ${len(f.length)}`,
        );
        if (hinted) {
          // Dissected as the inner protocol when the declarative hint holds (else the field is absent).
          const nh = [`p = ${luaStr(f.protocol)}`];
          if (f.nestIf) {
            nh.push(
              `f = ${luaStr(f.nestIf.field)}`,
              `any = {${f.nestIf.bytesIn.map((h) => `[${luaStr(h.toLowerCase())}] = true`).join(", ")}}`,
            );
            if (f.nestIf.nonZero) nh.push("nz = true");
          }
          if (f.nestHeuristic) {
            nh.push(`heur = ${luaStr(f.nestHeuristic)}`);
            limits.add(
              `${ab}: whether ${name} (${where}) carries a nested ${f.protocol} message is guessed from its ` +
                `bytes (vioscope also uses the paired request)`,
            );
          }
          parts.push(`nh = {${nh.join(", ")}}`);
        } else limits.add(`${ab}: nested ${f.protocol} messages in ${name} are shown as bytes`);
        break;
      case "string":
        parts.push(
          `k = "s"`,
          `f = F[${this.#register(name, label, "string", 0, false, doc, ab)}]`,
          `len = ${f.length}`,
        );
        break;
      case "array": {
        const size = INT_SIZE[f.element];
        const signed = f.element.startsWith("i");
        const cls: FieldClass = size === 8 ? (signed ? "i64" : "u64") : signed ? "int" : "uint";
        parts.push(
          `k = "a"`,
          `t = "${f.element}"`,
          `f = F[${this.#register(name, label, cls, size, !!f.hex, doc, ab)}]`,
          `cnt = ${len(f.count)}`,
        );
        if ((f.endian ?? codec.spec.endian) === "le") parts.push("le = true");
        break;
      }
      case "group": {
        parts.push(`k = "g"`, `f = F[${this.#register(name, label, "none", 0, false, doc, ab)}]`);
        if (f.count !== undefined) parts.push(`cnt = ${len(f.count)}`);
        parts.push(
          `fields = {${
            f.fields.map((c) => this.#field(c, name + ".", where, codec, probeOpts, limits)).join(",\n")
          }}`,
        );
        break;
      }
      case "custom":
        limits.add(
          `${ab}: custom field ${name} (${where}) and what follows it are shown as ${ab}.undecoded bytes`,
        );
        parts.push(`k = "c"`, `f = F[${this.#undecoded(ab)}]`);
        break;
    }
    return `{${parts.join(", ")}}`;
  }

  #undecoded(ab: string): number {
    return this.#register(
      `${ab}.undecoded`,
      "undecoded",
      "bytes",
      0,
      false,
      "bytes the Lua dissector does not decode",
      ab,
    );
  }

  #bit(f: IntField, b: BitSpec, name: string, ab: string): string {
    const m = BigInt(b.mask);
    const width = popcount(m);
    const big = width > 32;
    const idx = this.#register(
      `${name}.${b.name}`,
      b.label ?? b.name,
      big ? "u64" : "uint",
      big ? 8 : 4,
      !!b.hex,
      "",
      ab,
      b.enum,
    );
    const parts = [
      `key = ${luaStr(`${f.name}.${b.name}`)}`,
      `f = F[${idx}]`,
      `m = ${mask(b.mask, INT_SIZE[f.type])}`,
      `s = ${lowestBit(m)}`,
    ];
    if (big) parts.push("big = true");
    return `{${parts.join(", ")}}`;
  }

  #when(fn: NonNullable<Field["when"]>, opts: ProbeOptions) {
    if (this.#whens.has(fn)) return this.#whens.get(fn)!;
    const t = probe((v, c) => String(fn(v as ValueMap, c as unknown as DecodeContext)), opts);
    if (!t) {
      this.#whens.set(fn, null);
      return null;
    }
    const idx = this.#whenText.length + 1;
    this.#whenText.push(`W[${idx}] = ${tableText(t, (r) => (r === "true" ? "true" : "false"))}`);
    this.#whens.set(fn, idx);
    return idx;
  }

  #enum(e: Readonly<Record<number, string>>): number {
    const text = `{${Object.entries(e).map(([k, v]) => `[${luaNum(Number(k))}] = ${luaStr(v)}`).join(", ")}}`;
    let i = this.#enums.get(text);
    if (i === undefined) {
      i = this.#enumText.length + 1;
      this.#enumText.push(`E[${i}] = ${text}`);
      this.#enums.set(text, i);
    }
    return i;
  }

  #register(
    name: string,
    label: string,
    cls: FieldClass,
    size: number,
    hex: boolean,
    doc: string,
    proto: string,
    en?: Readonly<Record<number, string>>,
  ): number {
    const old = this.#fields.get(name);
    if (!old) {
      const reg: FieldReg = { index: this.#fields.size + 1, name, label, cls, size, hex, doc, proto };
      if (en && (cls === "uint" || cls === "int")) reg.enumIdx = this.#enum(en);
      this.#fields.set(name, reg);
      return reg.index;
    }
    old.cls = mergeClass(old.cls, cls, old.size, size);
    old.size = Math.max(old.size, size);
    old.hex ||= hex;
    if (old.cls !== "uint" && old.cls !== "int") delete old.enumIdx;
    if (!old.doc) old.doc = doc;
    return old.index;
  }

  finish(version: string): LuaPluginReport {
    const regs = [...this.#fields.values()];
    const fieldLines = regs.map((r) => `F[${r.index}] = ${protoField(r)}; FT[F[${r.index}]] = "${r.cls}"`);
    const byProto = new Map<string, number[]>();
    for (const r of regs) {
      const l = byProto.get(r.proto) ?? [];
      l.push(r.index);
      byProto.set(r.proto, l);
    }
    const assign = [...byProto].map(([ab, idx]) => {
      const pv = `P_${ab.replace(/[^A-Za-z0-9_]/g, "_")}`;
      // Lua's table constructors have a register limit; build the list in a loop.
      return `do local t = {}; for _, i in ipairs({${
        idx.join(",")
      }}) do t[#t + 1] = F[i] end; ${pv}.fields = t end`;
    });
    const codes = PROTOCOL_TAGS.map((t, i) => `[${i + 1}] = ${luaStr(t)}`).join(", ");
    const lua = [
      `-- vioscope.lua: Wireshark dissector for vioscope captures (LINKTYPE_USER0 + vioscope pseudo-header).`,
      `-- Generated by vioscope ${version} (vioscope wireshark-plugin) from the protocol declarations; do not edit.`,
      `-- Load: tshark -X lua_script:vioscope.lua -r capture.pcapng, or copy into the personal Lua plugins folder.`,
      `-- Limits (see docs/wireshark.md):`,
      ...this.#limits.map((l) => `--   ${l}`),
      `local VIOSCOPE_VERSION = ${luaStr(version)}`,
      LUA_PRELUDE,
      `local PROTOCOL_BY_CODE = {${codes}}`,
      ...this.#protos,
      `local F, FT, E, W, BD, DECLS = {}, {}, {}, {}, {}, {}`,
      ...this.#enumText,
      ...fieldLines,
      ...assign,
      ...this.#whenText,
      ...this.#bodies,
      ...this.#decls,
      LUA_ENGINE,
    ].join("\n");
    return { lua, fields: [...PSEUDO_FIELDS, ...regs.map((r) => r.name)], limits: [...this.#limits] };
  }
}

/**
 * Extra sample values for 32-bit-or-narrower integer fields with bit ranges: every value of each
 * bit range up to 8 bits wide, alone and with the single-bit ranges set (conditions often test a
 * flag bit and a small type field of the same word, e.g. FF-A's framework flag and message type).
 */
function bitFieldSamples(fields: readonly Field[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const visit = (fs: readonly Field[]) => {
    for (const f of fs) {
      if (f.kind === "group") visit(f.fields);
      if (f.kind !== "int" || !f.bits?.length || INT_SIZE[f.type] > 4) continue;
      const singles = f.bits.map((b) => BigInt(b.mask)).filter((m) => popcount(m) === 1).map(Number);
      const bases = [0, ...singles, singles.reduce((a, m) => (a | m) >>> 0, 0)];
      const set = out.get(f.name) ?? new Set<number>();
      for (const b of f.bits) {
        const m = BigInt(b.mask);
        const w = popcount(m);
        if (w > 8) continue;
        const sh = lowestBit(m);
        for (let k = 0; k < 2 ** w; k++) {
          for (const base of bases) set.add((base | (k << sh)) >>> 0);
        }
      }
      out.set(f.name, set);
    }
  };
  visit(fields);
  return out;
}

function bodyFields(b: BodySpec): Field[] {
  return [...(b.request ?? []), ...(b.response ?? []), ...(b.event ?? [])];
}

/**
 * Value names that only zero-width computed fields (custom fields with `wire: "skip"`) set: the
 * dissector never has them, so conditions reading them are tabulated as if they were absent.
 */
function skippedNames(fields: readonly Field[]): Set<string> {
  const skipped = new Set<string>();
  const kept = new Set<string>();
  const visit = (fs: readonly Field[]) => {
    for (const f of fs) {
      if (f.kind === "custom" && f.wire === "skip") skipped.add(f.name);
      else kept.add(f.name);
      if (f.kind === "group") visit(f.fields);
    }
  };
  visit(fields);
  for (const k of kept) skipped.delete(k);
  return skipped;
}

function mergeClass(a: FieldClass, b: FieldClass, sa: number, sb: number): FieldClass {
  if (a === b) return a;
  const num = (c: FieldClass) => c === "uint" || c === "int" || c === "u64" || c === "i64";
  if (num(a) && num(b)) {
    const signed = a === "int" || a === "i64" || b === "int" || b === "i64";
    const unsigned = a === "uint" || a === "u64" || b === "uint" || b === "u64";
    if (Math.max(sa, sb) === 8 || (signed && unsigned)) {
      return signed && !(unsigned && Math.max(sa, sb) === 8) ? "i64" : "u64";
    }
    return signed ? "int" : "uint";
  }
  return "bytes";
}

function protoField(r: FieldReg): string {
  const n = luaStr(r.name);
  const l = luaStr(r.label);
  const d = luaStr(r.doc);
  const en = r.enumIdx !== undefined ? `E[${r.enumIdx}]` : "nil";
  switch (r.cls) {
    case "uint": {
      const ctor = r.size <= 1 ? "uint8" : r.size <= 2 ? "uint16" : "uint32";
      return `ProtoField.${ctor}(${n}, ${l}, ${r.hex ? "base.HEX" : "base.DEC"}, ${en}, nil, ${d})`;
    }
    case "int": {
      const ctor = r.size <= 1 ? "int8" : r.size <= 2 ? "int16" : "int32";
      return `ProtoField.${ctor}(${n}, ${l}, base.DEC, ${en}, nil, ${d})`;
    }
    case "u64":
      return `ProtoField.uint64(${n}, ${l}, ${r.hex ? "base.HEX" : "base.DEC"}, nil, nil, ${d})`;
    case "i64":
      return `ProtoField.int64(${n}, ${l}, base.DEC, nil, nil, ${d})`;
    case "bytes":
      return `ProtoField.bytes(${n}, ${l}, base.NONE, ${d})`;
    case "string":
      return `ProtoField.string(${n}, ${l}, base.ASCII, ${d})`;
    case "bool":
      return `ProtoField.bool(${n}, ${l}, base.NONE, nil, nil, ${d})`;
    case "none":
      return `ProtoField.none(${n}, ${l}, ${d})`;
  }
}

function mask(m: number | bigint, size: number): string {
  const b = BigInt(m);
  return size === 8 ? `U64("${b.toString(16).padStart(16, "0")}")` : luaNum(Number(b));
}

function len(spec: LengthSpec): string {
  if (typeof spec === "number") return String(spec);
  if (spec === "rest") return `"rest"`;
  const parts = [`f = ${luaStr(spec.field)}`];
  if (spec.scale !== undefined) parts.push(`s = ${spec.scale}`);
  if (spec.add !== undefined) parts.push(`a = ${spec.add}`);
  return `{${parts.join(", ")}}`;
}

function tableText(t: DecisionTable, result: (r: string) => string): string {
  const entries = [...t.entries].map(([k, v]) => `[${luaStr(k)}] = ${result(v)}`);
  return `{k = {${t.keys.map(luaStr).join(", ")}}, b = {${
    t.bounds.map((b) => `{${b.join(", ")}}`).join(", ")
  }}, ` +
    `d = ${t.byDialect}, r = ${t.byKind}, f = ${result(t.fallback)}, t = {${entries.join(", ")}}}`;
}

function selectKeys(selectBy: readonly string[], select: Readonly<Record<string, unknown>>): string[] {
  let keys = [""];
  selectBy.forEach((k, i) => {
    const v = select[k];
    const alts = v === undefined ? ["undefined"] : Array.isArray(v) ? v.map(String) : [String(v)];
    keys = keys.flatMap((p) => alts.map((a) => (i === 0 ? a : `${p}/${a}`)));
  });
  return keys;
}

/**
 * Where a header of fixed-size integer fields keeps its select values, total length and reserved
 * bits (for the nesting heuristic, see NestedField.nestHeuristic); undefined when not that simple.
 */
function headerShape(hdr: readonly Field[], dialect: string, spec: Codec["spec"]): string | undefined {
  const at = new Map<string, { o: number; f: IntField }>();
  const rz: string[] = [];
  let off = 0;
  for (const f of hdr) {
    if (f.dialects && !f.dialects.includes(dialect)) continue;
    if (f.kind !== "int" || f.when) return undefined;
    const size = INT_SIZE[f.type];
    if (size > 4) return undefined;
    at.set(f.name, { o: off, f });
    const le = (f.endian ?? spec.endian) === "le";
    const loc = `o = ${off}, t = "${f.type}"${le ? ", le = true" : ""}`;
    if (f.reserved) rz.push(`{${loc}, m = ${2 ** (8 * size) - 1}}`);
    for (const b of f.bits ?? []) if (b.reserved) rz.push(`{${loc}, m = ${Number(b.mask)}}`);
    off += size;
  }
  const locate = (key: string): string | undefined => {
    const dot = key.indexOf(".");
    const base = at.get(dot < 0 ? key : key.slice(0, dot));
    if (!base) return undefined;
    const le = (base.f.endian ?? spec.endian) === "le";
    const loc = `o = ${base.o}, t = "${base.f.type}"${le ? ", le = true" : ""}`;
    if (dot < 0) return `{${loc}}`;
    const b = base.f.bits?.find((x) => x.name === key.slice(dot + 1));
    return b ? `{${loc}, m = ${Number(b.mask)}, s = ${lowestBit(BigInt(b.mask))}}` : undefined;
  };
  const sel = spec.selectBy.map(locate);
  const total = spec.totalLengthField ? locate(spec.totalLengthField) : undefined;
  if (!total || sel.some((x) => x === undefined)) return undefined;
  return `{hl = ${off}, tl = ${total}, sel = {${sel.join(", ")}}, rz = {${rz.join(", ")}}}`;
}

function headerBitSpec(hdr: readonly Field[], key: string): BitSpec | undefined {
  const dot = key.indexOf(".");
  if (dot < 0) return undefined;
  const c = hdr.find((x) => x.name === key.slice(0, dot));
  return c?.kind === "int" ? c.bits?.find((b) => b.name === key.slice(dot + 1)) : undefined;
}

function domainFromHeader(hdr: readonly Field[], key: string): number[] | undefined {
  for (const f of hdr) {
    if (f.kind !== "int") continue;
    if (f.name === key && !f.type.startsWith("i") && INT_SIZE[f.type] <= 2) {
      return Array.from({ length: 2 ** (8 * INT_SIZE[f.type]) }, (_, i) => i);
    }
    for (const b of f.bits ?? []) {
      if (`${f.name}.${b.name}` !== key) continue;
      const w = popcount(BigInt(b.mask));
      if (w <= 16) return Array.from({ length: 2 ** w }, (_, i) => i);
    }
  }
  return undefined;
}
