/**
 * The declaration-driven decoder: one cursor walk over a field list.
 *
 * @internal @private
 * @module
 */
import type {
  DecodeContext,
  DecodeIssue,
  Endian,
  Field,
  FieldValue,
  IntField,
  LengthSpec,
  Message,
  Value,
  ValueMap,
} from "./types.ts";
import { bytesToHex, hex, INT_SIZE, maskShift, readInt } from "./_values.ts";

/** Mutable state of one decode. */
export interface WalkState {
  view: DataView;
  data: Uint8Array;
  issues: DecodeIssue[];
  truncated: boolean;
  ctx: DecodeContext;
  endian: Endian;
  /** Build FieldValue trees (false = values only, for fast summaries). */
  tree: boolean;
}

/**
 * Resolves a length or count.
 * @param spec The length spec.
 * @param values Values decoded so far.
 * @param rest Bytes (or elements) left.
 * @returns The length, or undefined when the referenced field is missing.
 */
export function resolveLength(spec: LengthSpec, values: ValueMap, rest: number): number | undefined {
  if (typeof spec === "number") return spec;
  if (spec === "rest") return rest;
  const v = values[spec.field];
  if (typeof v !== "number" && typeof v !== "bigint") return undefined;
  return Number(v) * (spec.scale ?? 1) + (spec.add ?? 0);
}

/**
 * Display text of an integer field value.
 * @param f Field.
 * @param v Value.
 * @returns Text.
 */
export function displayInt(f: IntField, v: number | bigint): string {
  if (f.flags && !f.enum) {
    // Flag words repeat (device status, feature bits): their text is cached per field.
    let cache = FLAG_TEXT.get(f);
    if (!cache) FLAG_TEXT.set(f, cache = new Map());
    let text = cache.get(v);
    if (text === undefined) {
      text = flagText(f, v, hex(v, INT_SIZE[f.type] * 2));
      if (cache.size >= 256) cache.clear();
      cache.set(v, text);
    }
    return text;
  }
  const width = INT_SIZE[f.type] * 2;
  const base = f.hex || f.flags ? hex(v, width) : String(v);
  if (f.enum) {
    const n = f.enum[Number(v)];
    return n === undefined ? `${base} (unknown)` : `${base} (${n})`;
  }
  return base;
}

const FLAG_TEXT = new WeakMap<IntField, Map<number | bigint, string>>();

function flagText(f: IntField, v: number | bigint, base: string): string {
  {
    const info = intInfo(f);
    const names: string[] = [];
    for (let i = 0; i < info.flagNames.length; i++) {
      const on = info.flagMask !== null && typeof v === "number"
        ? (v & info.flagMask[i]!) !== 0
        : (BigInt(v) & BigInt(f.flags![info.flagNames[i]!]!)) !== 0n;
      if (on) names.push(info.flagNames[i]!);
    }
    return names.length ? `${base} (${names.join("|")})` : base;
  }
}

/** A field condition (`Field.when`). */
type Predicate = (values: ValueMap, ctx: DecodeContext) => boolean;

/**
 * Walks a field list.
 * @param fields Declarations.
 * @param st State.
 * @param off Start offset.
 * @param end End offset (exclusive).
 * @param prefix Filter-name prefix including the trailing dot.
 * @param values Where short-name values go.
 * @param out Where field values go (null when not building a tree).
 * @returns Offset after the last decoded field, and whether decoding stopped early.
 */
export function walk(
  fields: readonly Field[],
  st: WalkState,
  off: number,
  end: number,
  prefix: string,
  values: ValueMap,
  out: FieldValue[] | null,
): { off: number; stopped: boolean } {
  // Each distinct predicate is evaluated once per layout walk, as in compiled layouts (see Field.when).
  let seen: Map<Predicate, boolean> | undefined;
  const holds = (p: Predicate): boolean => {
    let r = (seen ??= new Map()).get(p);
    if (r === undefined) seen.set(p, r = p(values, st.ctx));
    return r;
  };
  for (const f of fields) {
    if (f.dialects && !f.dialects.includes(st.ctx.dialect)) continue;
    if (f.when && !(f.whenAll ? f.whenAll.every(holds) : holds(f.when))) continue;
    const name = prefix + f.name;
    const label = f.label ?? f.name;
    switch (f.kind) {
      case "int": {
        const size = INT_SIZE[f.type];
        if (off + size > end) return stop(st, name, off, end, size);
        const le = (f.endian ?? st.endian) === "le";
        const v = readInt(st.view, off, f.type, le);
        values[f.name] = v;
        const children = subFields(f, v, name, off, off + size, values, st);
        if (f.reserved && Number(v) !== 0) {
          st.issues.push({
            code: "reserved-nonzero",
            field: name,
            offset: off,
            message: `${name} should be zero`,
          });
        }
        if (out) {
          const fv: FieldValue = {
            name,
            label,
            value: v,
            start: off,
            end: off + size,
            display: displayInt(f, v),
          };
          if (children) fv.children = children;
          out.push(fv);
        }
        off += size;
        break;
      }
      case "bytes": {
        const len = resolveLength(f.length, values, end - off);
        if (len === undefined || len < 0) {
          badLength(st, name, off);
          return { off, stopped: true };
        }
        if (off + len > end) {
          const got = st.data.subarray(off, end);
          values[f.name] = got;
          if (out) out.push({ name, label, value: got, start: off, end, display: displayBytes(got, f.uuid) });
          return stop(st, name, off, end, len);
        }
        const b = st.data.subarray(off, off + len);
        values[f.name] = b;
        if (f.reserved && b.some((x) => x !== 0)) {
          st.issues.push({
            code: "reserved-nonzero",
            field: name,
            offset: off,
            message: `${name} should be zero`,
          });
        }
        if (out) {
          out.push({ name, label, value: b, start: off, end: off + len, display: displayBytes(b, f.uuid) });
        }
        off += len;
        break;
      }
      case "string": {
        if (off + f.length > end) return stop(st, name, off, end, f.length);
        const raw = st.data.subarray(off, off + f.length);
        const nul = raw.indexOf(0);
        const s = new TextDecoder().decode(nul < 0 ? raw : raw.subarray(0, nul));
        values[f.name] = s;
        if (out) {
          out.push({ name, label, value: s, start: off, end: off + f.length, display: JSON.stringify(s) });
        }
        off += f.length;
        break;
      }
      case "array": {
        const size = INT_SIZE[f.element];
        const n = resolveLength(f.count, values, Math.floor((end - off) / size));
        if (n === undefined || n < 0) {
          badLength(st, name, off);
          return { off, stopped: true };
        }
        const le = (f.endian ?? st.endian) === "le";
        const have = Math.min(n, Math.floor((end - off) / size));
        const arr: (number | bigint)[] = [];
        const kids: FieldValue[] | null = out ? [] : null;
        for (let i = 0; i < have; i++) {
          const v = readInt(st.view, off + i * size, f.element, le);
          arr.push(v);
          if (kids) {
            kids.push({
              name,
              label: `[${i}]`,
              value: v,
              start: off + i * size,
              end: off + (i + 1) * size,
              display: f.hex ? hex(v, size * 2) : String(v),
            });
          }
        }
        values[f.name] = arr as number[];
        if (out) {
          out.push({
            name,
            label,
            value: arr as number[],
            start: off,
            end: off + have * size,
            display: `${have} element${have === 1 ? "" : "s"}`,
            children: kids!,
          });
        }
        if (have < n) return stop(st, name, off + have * size, end, (n - have) * size);
        off += n * size;
        break;
      }
      case "group": {
        if (f.count === undefined) {
          const sub: ValueMap = {};
          const kids: FieldValue[] | null = out ? [] : null;
          const r = walk(f.fields, st, off, end, name + ".", sub, kids);
          values[f.name] = sub;
          if (out) {
            out.push({ name, label, value: sub, start: off, end: r.off, display: "", children: kids! });
          }
          off = r.off;
          if (r.stopped) return r;
          break;
        }
        const n = resolveLength(f.count, values, Number.MAX_SAFE_INTEGER);
        if (n === undefined || n < 0) {
          badLength(st, name, off);
          return { off, stopped: true };
        }
        const items: ValueMap[] = [];
        const kids: FieldValue[] | null = out ? [] : null;
        const start = off;
        for (let i = 0; i < n && off < end; i++) {
          const sub: ValueMap = {};
          const subKids: FieldValue[] | null = out ? [] : null;
          const r = walk(f.fields, st, off, end, name + ".", sub, subKids);
          items.push(sub);
          if (kids) {
            kids.push({
              name,
              label: `[${i}]`,
              value: sub,
              start: off,
              end: r.off,
              display: "",
              children: subKids!,
            });
          }
          if (r.off === off && !r.stopped) break; // empty element: avoid looping forever
          off = r.off;
          if (r.stopped) {
            values[f.name] = items as unknown as Value;
            if (out) {
              out.push({
                name,
                label,
                value: items as unknown as Value,
                start,
                end: off,
                display: "",
                children: kids!,
              });
            }
            return r;
          }
        }
        if (items.length < n && f.count !== "rest") {
          if (typeof f.count === "object" || typeof f.count === "number") {
            st.issues.push({
              code: "truncated",
              field: name,
              offset: off,
              message: `${name}: ${n} entries declared, ${items.length} present`,
            });
            st.truncated = true;
          }
        }
        values[f.name] = items as unknown as Value;
        if (out) {
          out.push({
            name,
            label,
            value: items as unknown as Value,
            start,
            end: off,
            display: `${items.length} entr${items.length === 1 ? "y" : "ies"}`,
            children: kids!,
          });
        }
        break;
      }
      case "nested": {
        const len = resolveLength(f.length, values, end - off);
        if (len === undefined || len < 0) {
          badLength(st, name, off);
          return { off, stopped: true };
        }
        const avail = Math.min(len, end - off);
        const area = st.data.subarray(off, off + avail);
        const codec = st.ctx.registry.get(f.protocol);
        const nest = codec && (!f.nestWhen || f.nestWhen(values, st.ctx)) && st.ctx.depth < 4;
        if (nest) {
          const innerCtx: Partial<DecodeContext> & { registry: DecodeContext["registry"] } = {
            registry: st.ctx.registry,
            dialects: st.ctx.dialects,
            dialect: st.ctx.dialects[f.protocol] ?? "",
            recordKind: st.ctx.recordKind,
            options: st.ctx.options,
            depth: st.ctx.depth + 1,
          };
          if (st.ctx.summary === false) innerCtx.summary = false;
          const innerReq = st.ctx.request?.values[f.name] as unknown as Message | undefined;
          if (innerReq && typeof innerReq === "object" && "protocol" in innerReq) innerCtx.request = innerReq;
          const inner = codec.decodeBytes(area, innerCtx, st.tree);
          values[f.name] = inner as unknown as Value;
          if (out) {
            out.push({
              name,
              label,
              value: area,
              start: off,
              end: off + avail,
              display: `${f.protocol} ${inner.name}`,
              children: shiftFields(inner.fields, off),
              nested: inner,
            });
          }
          for (const i of inner.issues) st.issues.push({ ...i, offset: i.offset + off });
        } else {
          values[f.name] = area;
          if (out) {
            out.push({ name, label, value: area, start: off, end: off + avail, display: displayBytes(area) });
          }
        }
        if (avail < len) return stop(st, name, off + avail, end, len - avail);
        off += len;
        break;
      }
      case "custom": {
        const r = f.decode(st.view, off, end, st.ctx, values);
        values[f.name] = r.value;
        if (r.issues) { for (const i of r.issues) st.issues.push(i); }
        if (out) {
          out.push({
            name,
            label,
            value: r.value,
            start: off,
            end: r.end,
            display: r.display ?? String(r.value),
          });
        }
        if (r.issues?.some((i) => i.code === "truncated")) {
          st.truncated = true;
          return { off: r.end, stopped: true };
        }
        off = r.end;
        break;
      }
    }
  }
  return { off, stopped: false };
}

/** Precomputed facts about an integer field's bits and flags. */
interface IntInfo {
  bitKeys: string[];
  bitShift: number[];
  bitShiftBig: bigint[];
  bitMaskBig: bigint[];
  /** Masks as numbers when every mask fits 31 bits, else null (bigint path). */
  bitMask: number[] | null;
  flagKeys: string[];
  flagNames: string[];
  flagMask: number[] | null;
}

const INFO = new WeakMap<IntField, IntInfo>();

/**
 * Precomputed bit/flag keys and shifts of an integer field.
 * @param f Field.
 * @returns Info.
 */
export function intInfo(f: IntField): IntInfo {
  let i = INFO.get(f);
  if (i) return i;
  const bits = f.bits ?? [];
  const flags = Object.entries(f.flags ?? {});
  i = {
    bitKeys: bits.map((b) => `${f.name}.${b.name}`),
    bitShift: bits.map((b) => maskShift(b.mask)),
    bitShiftBig: bits.map((b) => BigInt(maskShift(b.mask))),
    bitMaskBig: bits.map((b) => BigInt(b.mask)),
    bitMask: bits.every((b) => typeof b.mask === "number" && b.mask <= 0xffffffff)
      ? bits.map((b) => Number(b.mask))
      : null,
    flagKeys: flags.map(([n]) => `${f.name}.${n}`),
    flagNames: flags.map(([n]) => n),
    flagMask: flags.every(([, m]) => typeof m === "number" && m <= 0xffffffff)
      ? flags.map(([, m]) => Number(m))
      : null,
  };
  INFO.set(f, i);
  return i;
}

function subFields(
  f: IntField,
  v: number | bigint,
  name: string,
  start: number,
  end: number,
  values: ValueMap,
  st: WalkState,
): FieldValue[] | undefined {
  if (!f.bits && !f.flags) return undefined;
  const info = intInfo(f);
  const kids: FieldValue[] | undefined = st.tree ? [] : undefined;
  if (f.bits) {
    const numeric = info.bitMask !== null && typeof v === "number";
    for (let i = 0; i < f.bits.length; i++) {
      const b = f.bits[i]!;
      let bv: number | bigint;
      if (numeric) bv = ((v as number) & info.bitMask![i]!) >>> 0 >>> info.bitShift[i]!;
      else {
        const r = (BigInt(v) & info.bitMaskBig[i]!) >> info.bitShiftBig[i]!;
        bv = r <= 0x1fffffffffffffn ? Number(r) : r;
      }
      values[info.bitKeys[i]!] = bv;
      if (b.reserved && Number(bv) !== 0) {
        st.issues.push({
          code: "reserved-nonzero",
          field: `${name}.${b.name}`,
          offset: start,
          message: `${name}.${b.name} should be zero`,
        });
      }
      if (kids) {
        const n = b.enum?.[Number(bv)];
        const base = b.hex ? hex(bv) : String(bv);
        kids.push({
          name: `${name}.${b.name}`,
          label: b.label ?? b.name,
          value: bv,
          start,
          end,
          display: b.enum ? `${base} (${n ?? "unknown"})` : base,
          bit: true,
        });
      }
    }
  }
  if (f.flags && kids) {
    // Flag booleans are derivable from the container; only the tree (and JSON) lists them.
    for (let i = 0; i < info.flagKeys.length; i++) {
      const on = info.flagMask !== null && typeof v === "number"
        ? (v & info.flagMask[i]!) !== 0
        : (BigInt(v) & BigInt(f.flags![info.flagNames[i]!]!)) !== 0n;
      values[info.flagKeys[i]!] = on;
      kids.push({
        name: `${name}.${info.flagNames[i]}`,
        label: info.flagNames[i]!,
        value: on,
        start,
        end,
        display: String(on),
        bit: true,
      });
    }
  }
  return kids;
}

function stop(
  st: WalkState,
  name: string,
  off: number,
  end: number,
  need: number,
): { off: number; stopped: true } {
  st.truncated = true;
  st.issues.push({
    code: "truncated",
    field: name,
    offset: off,
    message: `${name} needs ${need} byte${need === 1 ? "" : "s"} at offset ${off}, ${end - off} left`,
  });
  return { off: end, stopped: true };
}

function badLength(st: WalkState, name: string, off: number): void {
  st.issues.push({
    code: "bad-value",
    field: name,
    offset: off,
    message: `${name}: length or count is invalid`,
  });
}

/**
 * Shifts nested field spans so they are relative to the outer message.
 * @param fields Inner fields.
 * @param by Offset of the inner message.
 * @returns Shifted copies.
 */
export function shiftFields(fields: FieldValue[], by: number): FieldValue[] {
  return fields.map((f) => {
    const c: FieldValue = { ...f, start: f.start + by, end: f.end + by };
    if (f.children) c.children = shiftFields(f.children, by);
    return c;
  });
}

/**
 * Display for bytes: hex (shortened past 32 bytes), or a UUID.
 * @param b Bytes.
 * @param uuid Show as UUID.
 * @returns Text.
 */
export function displayBytes(b: Uint8Array, uuid = false): string {
  if (uuid && b.length === 16) return formatUuid(b);
  if (b.length === 0) return "(empty)";
  const h = bytesToHex(b.length > 32 ? b.subarray(0, 32) : b);
  return b.length > 32 ? `${h}… (${b.length} bytes)` : h;
}

/**
 * Formats 16 bytes as a UUID string (bytes in order).
 * @param b 16 bytes.
 * @returns `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
 */
export function formatUuid(b: Uint8Array): string {
  const h = bytesToHex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
