/**
 * Arm FF-A (Firmware Framework for A-profile, DEN0077) as SMCCC register frames: x0..x17, eighteen
 * little-endian u64 (144 bytes). Declared once; see ../../../docs/protocols/ffa.md.
 *
 * - x0 (w0) is the function id (`ffa.func`, with bit children `fast`, `smc64`, `owner`, `mbz`,
 *   `sve_hint`, `number`); the SMC32 and SMC64 ids of a function share one message name.
 * - Direction comes from the capture record (call = `request`, return = `response`); the conduit
 *   (SMC/HVC) is record metadata too and only feeds the pairing key.
 * - SMC32 frames are masked: a register's meaning is read from its low 32 bits and the upper half is
 *   kept in a separate `xN_hi` field (shown only when non-zero, never an issue in SMC32 frames, a
 *   "reserved-nonzero" issue in SMC64 frames), so encode(decode(x)) is exact.
 * - Registers a call does not use are gathered in `unused` fields listing only the non-zero ones.
 * - Returns (FFA_SUCCESS, FFA_ERROR, the FFA_VERSION word) are decoded with the layout of the call
 *   they answer once a decode session pairs them (`responseNeedsRequest`).
 * - FFA_MSG_SEND_DIRECT_REQ2/RESP2 addressed to the virtio-msg UUIDs carry a nested virtio-msg
 *   message in x4..x17.
 *
 * @module
 */
import { defineProtocol, layoutFor, writeNested } from "../define_protocol.ts";
import { array, bytes, custom, group, i32, nested, u16, u32, u64, u8 } from "../fields.ts";
import type { IntOptions } from "../fields.ts";
import type {
  BitSpec,
  BodySpec,
  BytesField,
  CustomDecoded,
  CustomField,
  DecodeContext,
  DecodeIssue,
  Field,
  FieldValue,
  IntField,
  Message,
  PairedRequest,
  RecordHead,
  RegistryLike,
  Value,
  ValueMap,
} from "../types.ts";
import { type BytesSink, type Lit, lit, type SummarySink } from "../sink.ts";
import type { MessageKind } from "../../record.ts";

// ---------------------------------------------------------------------------------------------
// Tables

/** One FF-A function: its number (w0[15:0]), name, which conventions define it, first version. */
export interface FfaFunctionInfo {
  /** Function number, w0 bits 15:0 (0x60..0x97). */
  number: number;
  /** Spec name (Hafnium/Linux spelling), shared by the SMC32 and SMC64 ids. */
  name: string;
  /** Has an SMC32 id (0x840000NN). */
  smc32: boolean;
  /** Has an SMC64 id (0xC40000NN). */
  smc64: boolean;
  /** FF-A version that introduced it (ffa.md §2). */
  since: string;
}

const F = (number: number, name: string, smc32: boolean, smc64: boolean, since: string): FfaFunctionInfo => ({
  number,
  name,
  smc32,
  smc64,
  since,
});

/** Every FF-A function id of v1.0–v1.3 (spec note ffa.md §2). */
export const FFA_FUNCTION_LIST: readonly FfaFunctionInfo[] = [
  F(0x60, "FFA_ERROR", true, true, "1.0"),
  F(0x61, "FFA_SUCCESS", true, true, "1.0"),
  F(0x62, "FFA_INTERRUPT", true, true, "1.0"),
  F(0x63, "FFA_VERSION", true, false, "1.0"),
  F(0x64, "FFA_FEATURES", true, false, "1.0"),
  F(0x65, "FFA_RX_RELEASE", true, false, "1.0"),
  F(0x66, "FFA_RXTX_MAP", true, true, "1.0"),
  F(0x67, "FFA_RXTX_UNMAP", true, false, "1.0"),
  F(0x68, "FFA_PARTITION_INFO_GET", true, false, "1.0"),
  F(0x69, "FFA_ID_GET", true, false, "1.0"),
  F(0x6a, "FFA_MSG_POLL", true, false, "1.0"),
  F(0x6b, "FFA_MSG_WAIT", true, true, "1.0"),
  F(0x6c, "FFA_YIELD", true, true, "1.0"),
  F(0x6d, "FFA_RUN", true, true, "1.0"),
  F(0x6e, "FFA_MSG_SEND", true, false, "1.0"),
  F(0x6f, "FFA_MSG_SEND_DIRECT_REQ", true, true, "1.0"),
  F(0x70, "FFA_MSG_SEND_DIRECT_RESP", true, true, "1.0"),
  F(0x71, "FFA_MEM_DONATE", true, true, "1.0"),
  F(0x72, "FFA_MEM_LEND", true, true, "1.0"),
  F(0x73, "FFA_MEM_SHARE", true, true, "1.0"),
  F(0x74, "FFA_MEM_RETRIEVE_REQ", true, true, "1.0"),
  F(0x75, "FFA_MEM_RETRIEVE_RESP", true, false, "1.0"),
  F(0x76, "FFA_MEM_RELINQUISH", true, false, "1.0"),
  F(0x77, "FFA_MEM_RECLAIM", true, false, "1.0"),
  F(0x78, "FFA_MEM_OP_PAUSE", true, false, "1.0"),
  F(0x79, "FFA_MEM_OP_RESUME", true, false, "1.0"),
  F(0x7a, "FFA_MEM_FRAG_RX", true, false, "1.0"),
  F(0x7b, "FFA_MEM_FRAG_TX", true, false, "1.0"),
  F(0x7c, "FFA_NORMAL_WORLD_RESUME", true, true, "1.0"),
  F(0x7d, "FFA_NOTIFICATION_BITMAP_CREATE", true, false, "1.1"),
  F(0x7e, "FFA_NOTIFICATION_BITMAP_DESTROY", true, false, "1.1"),
  F(0x7f, "FFA_NOTIFICATION_BIND", true, false, "1.1"),
  F(0x80, "FFA_NOTIFICATION_UNBIND", true, false, "1.1"),
  F(0x81, "FFA_NOTIFICATION_SET", true, false, "1.1"),
  F(0x82, "FFA_NOTIFICATION_GET", true, false, "1.1"),
  F(0x83, "FFA_NOTIFICATION_INFO_GET", true, true, "1.1"),
  F(0x84, "FFA_RX_ACQUIRE", true, false, "1.1"),
  F(0x85, "FFA_SPM_ID_GET", true, false, "1.1"),
  F(0x86, "FFA_MSG_SEND2", true, false, "1.1"),
  F(0x87, "FFA_SECONDARY_EP_REGISTER", true, true, "1.1"),
  F(0x88, "FFA_MEM_PERM_GET", true, true, "1.1"),
  F(0x89, "FFA_MEM_PERM_SET", true, true, "1.1"),
  F(0x8a, "FFA_CONSOLE_LOG", true, true, "1.2"),
  F(0x8b, "FFA_PARTITION_INFO_GET_REGS", false, true, "1.2"),
  F(0x8c, "FFA_EL3_INTR_HANDLE", true, false, "1.2"),
  F(0x8d, "FFA_MSG_SEND_DIRECT_REQ2", false, true, "1.2"),
  F(0x8e, "FFA_MSG_SEND_DIRECT_RESP2", false, true, "1.2"),
  F(0x8f, "FFA_NS_RES_INFO_GET", false, true, "1.3"),
  F(0x90, "FFA_ABORT", true, true, "1.3"),
  F(0x94, "FFA_NOTIFICATION_BIND2", false, true, "1.3"),
  F(0x95, "FFA_NOTIFICATION_UNBIND2", false, true, "1.3"),
  F(0x96, "FFA_NOTIFICATION_SET2", false, true, "1.3"),
  F(0x97, "FFA_NOTIFICATION_GET2", false, true, "1.3"),
];

/** SMC32 function id of a function number. */
const ID32 = (n: number) => (0x84000000 | n) >>> 0;
/** SMC64 function id of a function number. */
const ID64 = (n: number) => (0xc4000000 | n) >>> 0;

/** Function id (SMC32 and SMC64 variants, without the SVE hint bit) → name. */
export const FFA_FUNCTIONS: Readonly<Record<number, string>> = Object.fromEntries(
  FFA_FUNCTION_LIST.flatMap((f) => [
    ...(f.smc32 ? [[ID32(f.number), f.name]] : []),
    ...(f.smc64 ? [[ID64(f.number), f.name]] : []),
  ]),
);

/** Function number (w0[15:0]) → name. */
export const FFA_FUNCTION_NUMBERS: Readonly<Record<number, string>> = Object.fromEntries(
  FFA_FUNCTION_LIST.map((f) => [f.number, f.name]),
);

/** The SMCCC v1.3 SVE live-state hint bit of a function id (w0 bit 16). */
export const FFA_SVE_HINT = 0x10000;

/**
 * The function id of an FF-A function.
 *
 * @example
 * ```ts
 * import { ffaFunctionId } from "./ffa.ts";
 * import { equal } from "node:assert/strict";
 * equal(ffaFunctionId("FFA_VERSION"), 0x84000063);
 * equal(ffaFunctionId("FFA_MSG_SEND_DIRECT_REQ2"), 0xc400008d);
 * equal(ffaFunctionId("FFA_MEM_SHARE", true), 0xc4000073);
 * ```
 *
 * @param name Function name, e.g. `FFA_MEM_SHARE`.
 * @param smc64 Prefer the SMC64 id when the function has both.
 * @returns The id.
 * @throws {TypeError} For an unknown name.
 */
export function ffaFunctionId(name: string, smc64 = false): number {
  const f = FFA_FUNCTION_LIST.find((x) => x.name === name);
  if (!f) throw new TypeError(`Cannot find FF-A function: unknown name "${name}"`);
  return (smc64 && f.smc64) || !f.smc32 ? ID64(f.number) : ID32(f.number);
}

/** FF-A error codes (w2 of FFA_ERROR, int32; ffa.md §4.1). */
export const FFA_ERRORS: Readonly<Record<number, string>> = {
  [-1]: "NOT_SUPPORTED",
  [-2]: "INVALID_PARAMETERS",
  [-3]: "NO_MEMORY",
  [-4]: "BUSY",
  [-5]: "INTERRUPTED",
  [-6]: "DENIED",
  [-7]: "RETRY",
  [-8]: "ABORTED",
  [-9]: "NO_DATA",
  [-10]: "NOT_READY",
};

/** FF-A status words (0 or an error code), as in framework VM-created/destroyed responses. */
const FFA_STATUS: Readonly<Record<number, string>> = { 0: "SUCCESS", ...FFA_ERRORS };

/** SMCCC return codes seen in w0 instead of an FF-A frame (ffa.md §1.2). */
export const SMCCC_RETURN_CODES: Readonly<Record<number, string>> = {
  0xffffffff: "SMCCC_NOT_SUPPORTED",
  0xfffffffe: "SMCCC_NOT_REQUIRED",
  0xfffffffd: "SMCCC_INVALID_PARAMETER",
};

/** SMCCC owning entity numbers (w0 bits 29:24). */
export const SMCCC_OWNERS: Readonly<Record<number, string>> = {
  0: "Arm architecture",
  1: "CPU service",
  2: "SiP service",
  3: "OEM service",
  4: "Standard Secure service",
  5: "Standard Hypervisor service",
  6: "Vendor Hypervisor service",
  7: "Vendor EL3 monitor",
  ...Object.fromEntries(Array.from({ length: 2 }, (_, i) => [48 + i, "Trusted Application"])),
  ...Object.fromEntries(Array.from({ length: 14 }, (_, i) => [50 + i, "Trusted OS"])),
};

/** Framework message types (w2[7:0] of DIRECT_REQ/RESP with w2 bit 31 set; ffa.md §4.7). */
export const FFA_FRAMEWORK_MESSAGES: Readonly<Record<number, string>> = {
  0: "PSCI_REQ",
  1: "WARM_BOOT_REQ",
  2: "PM_RESP",
  4: "VM_CREATED_REQ",
  5: "VM_CREATED_RESP",
  6: "VM_DESTROYED_REQ",
  7: "VM_DESTROYED_RESP",
  8: "VERSION_REQ",
  9: "VERSION_RESP",
  10: "PARTITION_STOP_REQ",
  11: "PARTITION_STOP_RESP",
  12: "LIVE_ACTIVATION_START_REQ",
  13: "LIVE_ACTIVATION_START_RESP",
  14: "LIVE_ACTIVATION_FINISH_REQ",
  15: "LIVE_ACTIVATION_FINISH_RESP",
};

/** Feature ids of FFA_FEATURES (w1 with bit 31 clear; ffa.md §3.2). */
export const FFA_FEATURE_IDS: Readonly<Record<number, string>> = {
  1: "NPI",
  2: "SRI",
  3: "MEI",
  4: "NOTIFICATION_FEATURES",
};

/** PSCI function ids commonly forwarded in framework PSCI requests. */
const PSCI_FUNCTIONS: Readonly<Record<number, string>> = {
  0x84000000: "PSCI_VERSION",
  0x84000001: "CPU_SUSPEND",
  0xc4000001: "CPU_SUSPEND",
  0x84000002: "CPU_OFF",
  0x84000003: "CPU_ON",
  0xc4000003: "CPU_ON",
  0x84000004: "AFFINITY_INFO",
  0xc4000004: "AFFINITY_INFO",
  0x84000008: "SYSTEM_OFF",
  0x84000009: "SYSTEM_RESET",
  0x8400000a: "PSCI_FEATURES",
  0x8400000e: "SYSTEM_SUSPEND",
  0xc400000e: "SYSTEM_SUSPEND",
  0x84000012: "SYSTEM_RESET2",
  0xc4000012: "SYSTEM_RESET2",
};

/** PSCI return codes (framework PM response w3). */
const PSCI_STATUS: Readonly<Record<number, string>> = {
  0: "SUCCESS",
  [-1]: "NOT_SUPPORTED",
  [-2]: "INVALID_PARAMETERS",
  [-3]: "DENIED",
  [-4]: "ALREADY_ON",
  [-5]: "ON_PENDING",
  [-6]: "INTERNAL_FAILURE",
  [-7]: "NOT_PRESENT",
  [-8]: "DISABLED",
  [-9]: "INVALID_ADDRESS",
};

/** virtio-msg device-role partition UUID (virtio-msg.md §6.1). */
export const VIRTIO_MSG_FFA_UUID = "c66028b5-2498-4aa1-9de7-77da6122abf0";
/** virtio-msg driver-role partition UUID (2026 Linux; virtio-msg.md §6.1). */
export const VIRTIO_MSG_FFA_DRIVER_UUID = "bd7fd089-6795-472b-b47f-db0c5d9a719d";
const VMSG_UUIDS = new Set(
  [VIRTIO_MSG_FFA_UUID, VIRTIO_MSG_FFA_DRIVER_UUID].map((u) => u.replaceAll("-", "")),
);
const VMSG_UUID_BYTES: Uint8Array[] = [...VMSG_UUIDS].map((h) =>
  new Uint8Array(h.match(/../g)!.map((x) => parseInt(x, 16)))
);

// ---------------------------------------------------------------------------------------------
// Small helpers

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const hexBytes = (b: Uint8Array) => {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
};
const hexN = (v: number | bigint, width: number) => "0x" + v.toString(16).padStart(width, "0");
const HEX4: string[] = [];
const hex4 = (v: number) => (v >= 0 && v < 0x10000 ? (HEX4[v] ??= hexN(v, 4)) : hexN(v, 4));
const hex8 = (v: number) => hexN(v >>> 0, 8);
const uuidText = (h: string) =>
  `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

/** Filter name of a body field. */
const full = (prefix: string, name: string) => (prefix ? `ffa.${prefix}.${name}` : `ffa.${name}`);

/**
 * Converts a user value to an unsigned integer of `bits` bits.
 * @throws {RangeError|TypeError} Naming the field.
 */
function toUint(v: unknown, name: string, bits: number): bigint {
  let n: bigint;
  if (typeof v === "bigint") n = v;
  else if (typeof v === "number" && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === "string" && /^\s*(0x[0-9a-f]+|\d+)\s*$/i.test(v)) n = BigInt(v.trim());
  else {throw new TypeError(
      `Cannot encode field "${name}": expected an integer, got ${JSON.stringify(String(v))}`,
    );}
  if (n < 0n || n >= 1n << BigInt(bits)) {
    throw new RangeError(`Cannot encode field "${name}": value ${n} does not fit ${bits} bits`);
  }
  return n;
}

function le(n: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** True when the frame's function id uses the SMC64 convention (w0 bit 30). */
const is64 = (v: ValueMap) => v["func"] !== undefined && ((Number(v["func"]) >>> 30) & 1) === 1;
const is32 = (v: ValueMap) => !is64(v);

type Guard = (v: ValueMap, ctx: DecodeContext) => boolean;

function guarded<T extends Field>(f: T, g: Guard | undefined): T {
  if (!g) return f;
  const own = f.when;
  if (!own) return { ...f, when: g };
  const parts = [g, ...(f.whenAll ?? [own])];
  return { ...f, when: (v: ValueMap, c: DecodeContext) => g(v, c) && own(v, c), whenAll: parts };
}

function truncated(field: string, offset: number, end: number, need: number): DecodeIssue {
  return {
    code: "truncated",
    field,
    offset: Math.min(offset, end),
    message: `${field} needs ${need} bytes at offset ${offset}, ${Math.max(0, end - offset)} left`,
  };
}

/** Filter names shown only when their value is non-zero / non-empty. */
const HIDE_EMPTY = new Set<string>();
/** Filter names never shown (decode-time helpers). */
const HIDE_ALWAYS = new Set<string>();

function isEmpty(v: Value): boolean {
  if (v === 0 || v === 0n || v === "" || v === false) return true;
  if (v instanceof Uint8Array) return v.every((b) => b === 0);
  if (typeof v === "object" && !Array.isArray(v)) return Object.keys(v).length === 0;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Register building blocks

/** Upper half of a register whose argument is 32 bits wide. */
function hi(prefix: string, reg: number, opts: { noFlag?: boolean; signExt?: boolean } = {}): CustomField {
  const name = `x${reg}_hi`;
  const fname = full(prefix, name);
  HIDE_EMPTY.add(fname);
  return custom({
    name,
    type: "u32",
    label: `x${reg}[63:32]`,
    doc: "upper half of a register carrying a 32-bit value: ignored in SMC32 frames, MBZ in SMC64 frames",
    decode(view, offset, end, ctx, values): CustomDecoded {
      if (offset + 4 > end) return { value: 0, end, issues: [truncated(fname, offset, end, 4)] };
      const v = view.getUint32(offset, true);
      const wide = is64(values);
      const r: CustomDecoded = { value: v, end: offset + 4 };
      if (ctx.tree !== false) r.display = hex8(v) + (wide ? "" : " (ignored in SMC32)");
      const sign = opts.signExt && v === 0xffffffff && (view.getUint32(offset - 4, true) & 0x80000000) !== 0;
      if (v !== 0 && wide && !opts.noFlag && !sign) {
        r.issues = [{
          code: "reserved-nonzero",
          field: fname,
          offset,
          message: `${fname} should be zero (SMC64)`,
        }];
      }
      return r;
    },
    encode: (value) => le(value === undefined ? 0n : toUint(value, fname, 32), 4),
    // For the Wireshark dissector: a plain u32, shown when non-zero (as decode shows it).
    wire: u32(name, { hex: true, label: `x${reg}[63:32]` }),
    wireHideEmpty: true,
  });
}

/**
 * Registers a call does not use, listed only when non-zero. In SMC64 frames each non-zero one is a
 * "reserved-nonzero" issue (mode `mbz`); in SMC32 frames only a non-zero low half of x1..x7 is.
 */
function unused(
  prefix: string,
  name: string,
  first: number | ((v: ValueMap) => number),
  last: number,
  mode: "mbz" | "free",
): CustomField {
  const fname = full(prefix, name);
  HIDE_EMPTY.add(fname);
  return custom({
    name,
    type: "registers",
    label: mode === "mbz" ? "unused registers (MBZ)" : "further registers",
    doc: mode === "mbz"
      ? "non-zero registers the call does not use (must be zero)"
      : "non-zero registers not interpreted",
    decode(view, offset, end, _ctx, values): CustomDecoded {
      const r0 = Math.floor(offset / 8);
      const map: ValueMap = {};
      const issues: DecodeIssue[] = [];
      const wide = is64(values);
      let off = offset;
      for (let j = r0; j <= last; j++, off += 8) {
        if (off + 8 > end) {
          issues.push(truncated(fname, off, end, (last - j + 1) * 8));
          break;
        }
        const v = view.getBigUint64(off, true);
        if (v === 0n) continue;
        map[`x${j}`] = v;
        if (mode === "mbz" && (wide || (j <= 7 && (v & 0xffffffffn) !== 0n))) {
          issues.push({
            code: "reserved-nonzero",
            field: fname,
            offset: off,
            message: `x${j} should be zero`,
          });
        }
      }
      const keys = Object.keys(map);
      const r: CustomDecoded = {
        value: map,
        end: Math.min(off, end),
        display: keys.length
          ? keys.map((k) => `${k}=${hexN(map[k] as bigint, 16)}`).join(", ")
          : "(all zero)",
      };
      if (issues.length) r.issues = issues;
      return r;
    },
    encode(value, values) {
      const r0 = typeof first === "function" ? first(values) : first;
      const n = Math.max(0, last - r0 + 1);
      const out = new Uint8Array(n * 8);
      if (value === undefined) return out;
      if (typeof value !== "object" || Array.isArray(value) || value instanceof Uint8Array) {
        throw new TypeError(
          `Cannot encode field "${fname}": expected an object of registers like {"x5": "0x1"}`,
        );
      }
      const view = new DataView(out.buffer);
      for (const [k, x] of Object.entries(value)) {
        const m = /^x(\d+)$/.exec(k);
        const j = m ? Number(m[1]) : -1;
        if (j < r0 || j > last) {
          throw new RangeError(`Cannot encode field "${fname}": ${k} is not one of x${r0}..x${last}`);
        }
        if (x !== undefined) view.setBigUint64((j - r0) * 8, toUint(x, `${fname}.${k}`, 64), true);
      }
      return out;
    },
    // For the Wireshark dissector: the registers as bytes, shown when not all zero.
    wire: bytes(name, typeof first === "number" ? Math.max(0, last - first + 1) * 8 : "rest"),
    wireHideEmpty: true,
  });
}

/** A zero-width field: shows something derived (or from the paired call); encodes to nothing. */
function derived(
  prefix: string,
  name: string,
  type: string,
  doc: string,
  decode: (view: DataView, offset: number, end: number, ctx: DecodeContext, values: ValueMap) => {
    value: Value;
    display?: string;
  },
  opts: { hide?: "empty" | "always"; encode?: (value: Value | undefined, values: ValueMap) => void } = {},
): CustomField {
  const fname = full(prefix, name);
  if (opts.hide === "empty") HIDE_EMPTY.add(fname);
  if (opts.hide === "always") HIDE_ALWAYS.add(fname);
  return custom({
    name,
    type,
    doc,
    decode(view, offset, end, ctx, values) {
      const r = decode(view, offset, end, ctx, values);
      return ctx.tree === false
        ? { value: r.value, end: offset }
        : { value: r.value, end: offset, display: r.display ?? String(r.value) };
    },
    encode(value, values) {
      opts.encode?.(value, values);
      return new Uint8Array(0);
    },
    // Zero width and computed (often from the paired call): the Wireshark dissector leaves it out.
    wire: "skip",
  });
}

/** One register item of a frame layout. */
type Item =
  /** One register; the fields fill its low 32 bits (upper half: an `xN_hi` field). */
  | { t: "w"; fields: Field[]; signExt?: boolean }
  /** One register holding a 64-bit value in SMC64 frames (32 bits + `xN_hi` in SMC32 frames). */
  | { t: "x"; name: string; o64: IntOptions; o32: IntOptions }
  /** Registers that must be zero, gathered in one `unused_xN` field. */
  | { t: "gap"; n: number }
  /** n whole registers described by fields covering n×8 bytes (SMC64-only layouts). */
  | { t: "span"; n: number; fields: Field[] }
  /** A zero-width field. */
  | { t: "z"; field: Field };

const w = (...fields: Field[]): Item => ({ t: "w", fields });
const x = (name: string, o64: IntOptions = {}, o32: IntOptions = o64): Item => ({ t: "x", name, o64, o32 });
const gap = (n = 1): Item => ({ t: "gap", n });
const span = (n: number, ...fields: Field[]): Item => ({ t: "span", n, fields });
const z = (field: Field): Item => ({ t: "z", field });
/** n plain registers x{from}..: hex values, 64 or 32 bits by convention. */
const plain = (from: number, n: number, summary = false): Item[] =>
  Array.from({ length: n }, (_, i) => x(`x${from + i}`, { hex: true, summary }));

interface FrameOptions {
  /** First register the items describe (default 1). */
  start?: number;
  /** What the registers after the items are: MBZ (default), free (listed, no issue) or none. */
  tail?: "mbz" | "free" | "none";
  /** Predicate gating every field (for variants). */
  guard?: Guard;
}

/**
 * Builds the fields of a frame from register items.
 * @param prefix Body prefix (for filter names).
 * @param items Register items in order.
 * @param opts Start register, tail mode, guard.
 * @returns Fields.
 */
function frame(prefix: string, items: readonly Item[], opts: FrameOptions = {}): Field[] {
  let reg = opts.start ?? 1;
  const out: Field[] = [];
  for (const it of items) {
    switch (it.t) {
      case "w":
        for (const f of it.fields) {
          if (f.kind === "int" && f.reserved) HIDE_EMPTY.add(full(prefix, f.name));
          if (f.kind === "bytes" && f.reserved) HIDE_EMPTY.add(full(prefix, f.name));
          out.push(f);
        }
        out.push(hi(prefix, reg, it.signExt ? { signExt: true } : {}));
        reg++;
        break;
      case "x":
        out.push(u64(it.name, { ...it.o64, when: is64 }));
        out.push(u32(it.name, { ...it.o32, when: is32 }));
        out.push({ ...hi(prefix, reg), when: is32 });
        reg++;
        break;
      case "gap":
        out.push(unused(prefix, `unused_x${reg}`, reg, reg + it.n - 1, "mbz"));
        reg += it.n;
        break;
      case "span":
        out.push(...it.fields);
        reg += it.n;
        break;
      case "z":
        out.push(it.field);
        break;
    }
  }
  const tail = opts.tail ?? "mbz";
  if (reg <= 17 && tail !== "none") out.push(unused(prefix, "unused", reg, 17, tail));
  return out.map((f) => guarded(f, opts.guard));
}

// ---------------------------------------------------------------------------------------------
// Common field shapes

const VERSION_BITS: BitSpec[] = [
  { name: "major", mask: 0x7fff0000, label: "major (bits 30:16)" },
  { name: "minor", mask: 0x0000ffff, label: "minor (bits 15:0)" },
];
/** A version word (bit 31 MBZ, major 30:16, minor 15:0). */
const version = (name: string, opts: IntOptions = {}): IntField =>
  u32(name, {
    hex: true,
    summary: true,
    doc: "FF-A version: bit 31 MBZ, major in bits 30:16, minor in bits 15:0",
    bits: [...VERSION_BITS, { name: "mbz", mask: 0x80000000, reserved: true }],
    ...opts,
  });

/** Target information: endpoint id in bits 31:16, vCPU index in bits 15:0. */
const target = (name = "target", summary = true): IntField =>
  u32(name, {
    hex: true,
    summary,
    doc: "endpoint id (bits 31:16) and vCPU index (bits 15:0)",
    bits: [
      { name: "vcpu", mask: 0x0000ffff, label: "vCPU index (bits 15:0)" },
      { name: "endpoint", mask: 0xffff0000, hex: true, label: "endpoint id (bits 31:16)" },
    ],
  });

/** Sender/receiver ids: receiver in bits 15:0, sender in bits 31:16 (little-endian order). */
const ids = (): Item =>
  w(
    u16("receiver", { hex: true, doc: "receiver / destination endpoint id (w1 bits 15:0)" }),
    u16("sender", { hex: true, doc: "sender / source endpoint id (w1 bits 31:16)" }),
  );

const reservedU16 = (name: string): IntField => u16(name, { hex: true, reserved: true });
const handle = (): Item[] => [
  w(u32("handle_lo", { hex: true, doc: "memory handle bits 31:0" })),
  w(u32("handle_hi", { hex: true, doc: "memory handle bits 63:32" })),
];
const bitmap = (): Item[] => [
  w(u32("bitmap_lo", { hex: true, doc: "notification bitmap bits 31:0" })),
  w(u32("bitmap_hi", { hex: true, doc: "notification bitmap bits 63:32" })),
];
const endpointHi = (): Item =>
  w(reservedU16("w4_reserved"), u16("endpoint", { hex: true, doc: "endpoint (hypervisor use)" }));

const PERMISSIONS = (name: string): IntField =>
  u32(name, {
    hex: true,
    summary: "perm",
    doc: "bits 1:0 data access (0 none, 1 RW, 3 RO), bit 2 instruction access (1 = XN)",
    bits: [
      { name: "data", mask: 0x3, enum: { 0: "none", 1: "RW", 2: "reserved", 3: "RO" } },
      { name: "xn", mask: 0x4, label: "execute never" },
      { name: "reserved", mask: 0xfffffff8, reserved: true, hex: true },
    ],
  });

const PARTITION_PROPERTIES: BitSpec[] = [
  { name: "recv_direct_req", mask: 1 << 0 },
  { name: "send_direct_req", mask: 1 << 1 },
  { name: "indirect_msg", mask: 1 << 2 },
  { name: "recv_notifications", mask: 1 << 3 },
  {
    name: "id_type",
    mask: 0x30,
    enum: { 0: "PE endpoint", 1: "SEPID independent", 2: "SEPID dependent", 3: "auxiliary" },
  },
  { name: "vm_created", mask: 1 << 6 },
  { name: "vm_destroyed", mask: 1 << 7 },
  { name: "aarch64", mask: 1 << 8 },
  { name: "recv_direct_req2", mask: 1 << 9 },
  { name: "send_direct_req2", mask: 1 << 10 },
  { name: "live_activation", mask: 1 << 11 },
  { name: "cpu_rendezvous", mask: 1 << 12 },
  { name: "smc64_cycles", mask: 1 << 13 },
  { name: "reserved", mask: 0xffffc000, reserved: true, hex: true },
];

/** The call a return answers (from pairing): zero width, shown when known. */
const answers = (prefix: string): CustomField =>
  derived(
    prefix,
    "answers",
    "string",
    "name of the call this return answers (from pairing)",
    (_v, _o, _e, ctx) => {
      const n = ctx.request?.protocol === "ffa" ? ctx.request.name : "";
      return { value: n, display: n || "(not paired)" };
    },
    { hide: "empty" },
  );

// ---------------------------------------------------------------------------------------------
// Layouts per function

/** A UUID in four 32-bit registers (w1..w4 or x1..x4 low halves), as a canonical string. */
function uuid32(prefix: string, firstReg: number): Item[] {
  const words = [0, 1, 2, 3].map((i) => `uuid_w${firstReg + i}`);
  const field = derived(
    prefix,
    "uuid",
    "uuid",
    "UUID from four 32-bit registers (RFC 4122 byte order)",
    (view, offset, end) => {
      let h = "";
      for (let i = 0; i < 4; i++) {
        const o = offset + i * 8;
        if (o + 4 > end) return { value: "", display: "(truncated)" };
        for (let b = 0; b < 4; b++) h += HEX[view.getUint8(o + b)];
      }
      return { value: uuidText(h) };
    },
    {
      encode(value, values) {
        if (value === undefined || value === "") return;
        const h = String(value).replaceAll("-", "");
        if (!/^[0-9a-f]{32}$/i.test(h)) {
          throw new TypeError(`Cannot encode field "${full(prefix, "uuid")}": "${value}" is not a UUID`);
        }
        words.forEach((k, i) => {
          const b = h.slice(i * 8, i * 8 + 8).match(/../g)!;
          values[k] = parseInt(b.reverse().join(""), 16);
        });
      },
    },
  );
  return [z(field), ...words.map((k) => w(u32(k, { hex: true, doc: "UUID word (little-endian bytes)" })))];
}

const uuid16 = (name = "uuid", summary = true): BytesField =>
  bytes(name, 16, {
    uuid: true,
    summary,
    doc: "UUID in two registers, little-endian: x = bytes 0..7, 8..15",
  });

/** The virtio-msg UUIDs as four little-endian 32-bit words each. */
const VMSG_UUID_WORDS: readonly (readonly number[])[] = VMSG_UUID_BYTES.map((u) =>
  [0, 4, 8, 12].map((o) => new DataView(u.buffer).getUint32(o, true))
);

/**
 * Whether the 16 bytes at `off` (all within `d`) are one of the virtio-msg UUIDs: compared as four
 * words, the first word once (a byte loop took about twice the time, 370 instructions per call).
 */
function vmsgUuidAt(d: Uint8Array, off: number): boolean {
  const x0 = le32(d, off);
  for (let i = 0; i < VMSG_UUID_WORDS.length; i++) {
    const w = VMSG_UUID_WORDS[i]!;
    if (
      x0 === w[0] && le32(d, off + 4) === w[1] && le32(d, off + 8) === w[2] && le32(d, off + 12) === w[3]
    ) return true;
  }
  return false;
}

/** Is the UUID (bytes or hex/UUID string) one of the virtio-msg UUIDs? */
function isVmsgUuid(v: Value | undefined): boolean {
  if (v instanceof Uint8Array) return v.length === 16 && vmsgUuidAt(v, 0);
  if (typeof v === "string") return VMSG_UUIDS.has(v.replaceAll("-", "").toLowerCase());
  return false;
}

const TRANSPORT_IDS = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x40, 0x41, 0x42]);
const BUS_IDS = new Set([2, 3, 0x40, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0xc0]);

/**
 * Whether 112 bytes at `off` look like a virtio-msg message: known type and id, msg_size within the
 * carrier, zero padding (used for DIRECT_RESP2 frames without a paired call).
 */
function looksLikeVmsg(d: Uint8Array, off: number, end: number, ctx: DecodeContext): boolean {
  if (off + 112 > end) return false;
  const rfc2 = ctx.dialects["virtio-msg"] === "rfc2";
  const type = d[off]!;
  if (type & 0xfc) return false;
  const id = d[off + 1]!;
  if (!((type & 2) ? BUS_IDS : TRANSPORT_IDS).has(id)) return false;
  const at = off + (rfc2 ? 4 : 6);
  const size = d[at]! | (d[at + 1]! << 8);
  if (size < (rfc2 ? 6 : 8) || size > 112) return false;
  for (let i = size; i < 112; i++) if (d[off + i] !== 0) return false;
  return true;
}

/** Decides whether x4..x17 of a DIRECT_REQ2/RESP2 frame carry virtio-msg (zero-width, never shown). */
function nestProbe(resp: boolean): CustomField {
  return derived(
    "direct",
    "nest",
    "string",
    "virtio-msg carrier decision",
    (view, offset, end, ctx, values) => {
      if (!ctx.registry.get("virtio-msg")) return { value: "" };
      let zero = offset + 112 <= end;
      for (let i = 0; zero && i < 112; i++) if (view.getUint8(offset + i) !== 0) zero = false;
      if (!resp) return { value: isVmsgUuid(values["uuid"]) && !zero ? "virtio-msg" : "" };
      const rq = ctx.request;
      if (rq?.protocol === "ffa" && rq.name === "FFA_MSG_SEND_DIRECT_REQ2") {
        if (!isVmsgUuid(rq.values["uuid"])) return { value: "" };
        return { value: zero ? "busy" : "virtio-msg" };
      }
      const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
      return { value: looksLikeVmsg(bytes, offset, end, ctx) ? "virtio-msg" : "" };
    },
    { hide: "always" },
  );
}

const nestOn: Guard = (v) =>
  v["nest"] === undefined ? v["payload"] !== undefined : v["nest"] === "virtio-msg";
const nestOff: Guard = (v, c) => !nestOn(v, c);

/** DIRECT_REQ2 / RESP2 (SMC64 only): x1 ids, x2..x3 UUID (REQ2) or MBZ (RESP2), x4..x17 payload. */
function direct2(resp: boolean): Field[] {
  return [
    ...frame("direct", [
      ids(),
      resp ? gap(2) : span(2, uuid16()),
      z(nestProbe(resp)),
      span(14, {
        ...nested("payload", "virtio-msg", 112, {
          summary: true,
          doc: "virtio-msg message in x4..x17 (112 bytes)",
          // For the Wireshark dissector (nestProbe is code): REQ2 by its UUID, RESP2 by heuristic.
          ...(resp ? { nestHeuristic: "virtio-msg" as const } : {
            nestIf: { field: "uuid", bytesIn: [...VMSG_UUIDS], nonZero: true },
          }),
        }),
        when: nestOn,
      }),
    ], { tail: "none" }),
    // Not virtio-msg: x4..x17 as plain registers.
    ...frame("direct", plain(4, 14), { start: 4, tail: "none", guard: nestOff }),
  ];
}

/** Framework flags word of DIRECT_REQ/RESP (w2). */
const directFlags = u32("flags", {
  hex: true,
  doc: "bit 31 framework message, bits 7:0 framework message type; MBZ for partition messages",
  bits: [
    { name: "framework", mask: 0x80000000, label: "framework message" },
    { name: "type", mask: 0xff, enum: FFA_FRAMEWORK_MESSAGES, label: "framework message type" },
    { name: "reserved", mask: 0x7fffff00, reserved: true, hex: true },
  ],
});
const isFramework = (v: ValueMap) => ((Number(v["flags"] ?? 0) >>> 31) & 1) === 1;
const fwType = (v: ValueMap) => Number(v["flags"] ?? 0) & 0xff;
const fw = (...types: number[]): Guard => (v) => isFramework(v) && types.includes(fwType(v));
const KNOWN_FW = [0, 1, 2, 4, 5, 6, 7, 8, 9];

/** DIRECT_REQ / RESP (v1.0, SMC32 and SMC64): x1 ids, w2 flags, x3..x7 payload or framework message. */
function direct(): Field[] {
  const s = { start: 3 };
  return [
    ...frame("direct", [ids(), w(directFlags)], { tail: "none" }),
    // Partition message: x3..x7 payload; x8..x17 are payload too from v1.3 (SMC64) — listed, not flagged.
    ...frame("direct", plain(3, 5), { ...s, tail: "free", guard: (v) => !isFramework(v) }),
    ...frame("direct", [
      w(u32("psci_func", { hex: true, enum: PSCI_FUNCTIONS, summary: "psci", doc: "PSCI function id" })),
      x("psci_arg1", { hex: true }),
      x("psci_arg2", { hex: true }),
      x("psci_arg3", { hex: true }),
    ], { ...s, guard: fw(0) }),
    ...frame("direct", [
      w(u32("boot_type", { enum: { 0: "suspend-to-RAM exit", 1: "other low-power exit" }, summary: "boot" })),
    ], { ...s, guard: fw(1) }),
    ...frame("direct", [w(i32("psci_status", { enum: PSCI_STATUS, summary: "status" }))], {
      ...s,
      guard: fw(2),
    }),
    ...frame("direct", [
      ...handle(),
      w(u16("vm_id", { hex: true, summary: "vm" }), reservedU16("w5_reserved")),
    ], { ...s, guard: fw(4, 6) }),
    ...frame("direct", [w(i32("status", { enum: FFA_STATUS, summary: true }))], { ...s, guard: fw(5, 7) }),
    ...frame("direct", [w(version("version")), w(u32("version_flags", { hex: true }))], {
      ...s,
      guard: fw(8),
    }),
    ...frame("direct", [w(version("version", { bits: VERSION_BITS }))], { ...s, guard: fw(9) }),
    ...frame("direct", plain(3, 5), { ...s, guard: (v) => isFramework(v) && !KNOWN_FW.includes(fwType(v)) }),
  ];
}

// FFA_SUCCESS layouts, by the call they answer.

const ans = (...names: string[]): Guard => (v) => names.includes(String(v["answers"] ?? ""));
const successFirst = (): Item => w(target("target", false));
/** Calls whose FFA_SUCCESS carries no results (all of w2..w7 MBZ). */
const PLAIN_SUCCESS = [
  "FFA_RX_RELEASE",
  "FFA_RX_ACQUIRE",
  "FFA_RXTX_MAP",
  "FFA_RXTX_UNMAP",
  "FFA_MSG_SEND2",
  "FFA_MEM_RECLAIM",
  "FFA_MEM_RELINQUISH",
  "FFA_NOTIFICATION_BITMAP_CREATE",
  "FFA_NOTIFICATION_BITMAP_DESTROY",
  "FFA_NOTIFICATION_BIND",
  "FFA_NOTIFICATION_UNBIND",
  "FFA_NOTIFICATION_SET",
  "FFA_SECONDARY_EP_REGISTER",
  "FFA_MEM_PERM_SET",
  "FFA_CONSOLE_LOG",
  "FFA_YIELD",
];

const queried = derived(
  "success",
  "queried",
  "u32",
  "the feature or function id the FFA_FEATURES call asked about",
  (
    _v,
    _o,
    _e,
    ctx,
  ) => {
    const q = ctx.request?.values["feature"];
    const n = typeof q === "number" ? q : 0;
    const name = FFA_FUNCTIONS[n] ?? FFA_FEATURE_IDS[n];
    return { value: n, display: name ? `${hex8(n)} (${name})` : hex8(n) };
  },
);
const q = (...ids: number[]): Guard => (v) =>
  ans("FFA_FEATURES")(v, undefined as never) && ids.includes(Number(v["queried"]));
const featureProps = (bits: BitSpec[] | undefined, doc: string): Item =>
  w(u32("properties", { hex: true, doc, summary: "props", ...(bits ? { bits } : {}) }));
const MEM_TX = [0x71, 0x72, 0x73].flatMap((n) => [ID32(n), ID64(n)]);
const FEATURES_VARIANTS: [Guard, Item[]][] = [
  [q(ID32(0x66), ID64(0x66)), [
    featureProps([
      { name: "min_buffer", mask: 0x3, enum: { 0: "4K", 1: "64K", 2: "16K" } },
      { name: "max_pages", mask: 0xffff0000, label: "maximum buffer size in pages (v1.2)" },
    ], "RX/TX buffer properties"),
    w(u32("properties2", { hex: true })),
  ]],
  [q(...MEM_TX), [
    featureProps([{ name: "dynamic_buffer", mask: 0x1 }], "memory transaction properties"),
    w(u32("properties2", { hex: true })),
  ]],
  [q(ID32(0x74), ID64(0x74)), [
    featureProps([
      { name: "dynamic_buffer", mask: 0x1 },
      { name: "ns_bit", mask: 0x2, label: "NS bit handling" },
      { name: "hyp_retrieval", mask: 0x4, label: "retrieval by hypervisor" },
    ], "memory retrieve properties"),
    w(u32("properties2", { hex: true })),
  ]],
  [q(1, 2, 3), [w(u32("interrupt_id", { summary: "irq", doc: "interrupt id (SGI) of NPI/SRI/MEI" }))]],
  [q(4), [
    featureProps([
      { name: "no_vm_per_vcpu", mask: 0x1, label: "no per-vCPU notifications for VMs" },
      { name: "no_sp_per_vcpu", mask: 0x2, label: "no per-vCPU notifications for SPs" },
    ], "notification features"),
  ]],
];
const featuresGeneric: Guard = (v, c) =>
  ans("FFA_FEATURES")(v, c) && !FEATURES_VARIANTS.some(([g]) => g(v, c));

/** Partition descriptor in registers (PARTITION_INFO_GET_REGS), 24 or 48 bytes. */
function partitionEntry(wide: boolean): Field[] {
  const pre = "success.partitions";
  if (wide) HIDE_EMPTY.add(full(pre, "reserved"));
  return [
    u16("id", { hex: true, doc: "partition id" }),
    u16("exec_ctx_count", { doc: "execution contexts (or proxy endpoint id)" }),
    u32("properties", { hex: true, bits: PARTITION_PROPERTIES }),
    uuid16("uuid", false),
    ...(wide
      ? [
        uuid16("image_uuid", false),
        version("version", { summary: false, bits: VERSION_BITS }),
        u32("reserved", { hex: true, reserved: true }),
      ]
      : []),
  ];
}

const pigrSize = (v: ValueMap) => Number(v["desc_size"] ?? 0);
const pigrEntryRegs = (v: ValueMap) => (pigrSize(v) === 48 ? 6 : pigrSize(v) === 24 ? 3 : 0);
const pigrCount = derived(
  "success",
  "entry_count",
  "u32",
  "descriptors in x3..x17",
  (view, offset, end, ctx, values) => {
    const regs = pigrEntryRegs(values);
    const cap = regs ? Math.floor(15 / regs) : 0;
    const rq = ctx.request;
    let n: number;
    if (rq?.name === "FFA_PARTITION_INFO_GET_REGS" && typeof rq.values["start_index"] === "number") {
      n = Number(values["current_index"]) - rq.values["start_index"] + 1;
    } else {
      n = 0;
      for (let i = 0; i < cap; i++) {
        let nz = false;
        for (let b = 0; b < regs * 8 && offset + i * regs * 8 + b < end; b++) {
          if (view.getUint8(offset + i * regs * 8 + b)) nz = true;
        }
        if (nz) n = i + 1;
      }
    }
    return { value: Math.max(0, Math.min(cap, n)) };
  },
);

const SUCCESS_VARIANTS: [Guard, Item[], FrameOptions?][] = [
  [ans("FFA_ID_GET", "FFA_SPM_ID_GET"), [
    successFirst(),
    w(
      u16("id", { hex: true, summary: true, doc: "the caller's (or the SPMC's) endpoint id" }),
      reservedU16("w2_reserved"),
    ),
  ]],
  [ans("FFA_PARTITION_INFO_GET"), [
    successFirst(),
    w(u32("count", { summary: true, doc: "partition count" })),
    w(u32("desc_size", { summary: "size", doc: "descriptor size in the RX buffer (v1.1+; 0 in v1.0)" })),
  ]],
  [(v, c) => ans("FFA_PARTITION_INFO_GET_REGS")(v, c) && is64(v), [
    successFirst(),
    span(
      1,
      u16("last_index", { summary: "last", doc: "index of the last partition (count − 1)" }),
      u16("current_index", { summary: "current", doc: "index of the last descriptor returned" }),
      u16("tag", { hex: true, doc: "information tag for the next call" }),
      u16("desc_size", { summary: "size", doc: "descriptor size: 24 (v1.2) or 48 (v1.3)" }),
    ),
    z(pigrCount),
    span(
      0,
      group("partitions", partitionEntry(false), {
        count: { field: "entry_count" },
        when: (v) => pigrSize(v) === 24,
      }),
    ),
    span(
      0,
      group("partitions", partitionEntry(true), {
        count: { field: "entry_count" },
        when: (v) => pigrSize(v) === 48,
      }),
    ),
    z(unused("success", "unused", (v) => 3 + Number(v["entry_count"] ?? 0) * pigrEntryRegs(v), 17, "free")),
  ], { tail: "none" }],
  [ans("FFA_MEM_SHARE", "FFA_MEM_LEND", "FFA_MEM_DONATE", "FFA_MEM_FRAG_TX"), [successFirst(), ...handle()]],
  [ans("FFA_NOTIFICATION_GET"), [
    successFirst(),
    w(u32("sp_bitmap_lo", { hex: true })),
    w(u32("sp_bitmap_hi", { hex: true })),
    w(u32("vm_bitmap_lo", { hex: true })),
    w(u32("vm_bitmap_hi", { hex: true })),
    w(u32("spm_bitmap", { hex: true, bits: [{ name: "rx_buffer_full", mask: 1 }] })),
    w(u32("hyp_bitmap", { hex: true, bits: [{ name: "rx_buffer_full", mask: 1 }] })),
  ]],
  [(v, c) => ans("FFA_NOTIFICATION_INFO_GET")(v, c) && is64(v), [
    successFirst(),
    span(1, u64("info", { hex: true, bits: infoBits(0x000ffffffffff000n) })),
    span(5, array("ids", "u16", 20, { hex: true, doc: "endpoint and vCPU ids, 4 per register" })),
    z(infoLists()),
  ]],
  [(v, c) => ans("FFA_NOTIFICATION_INFO_GET")(v, c) && is32(v), [
    successFirst(),
    w(u32("info", { hex: true, bits: infoBits(0xfffff000) })),
    ...[3, 4, 5, 6, 7].map((r) => w(array(`ids_x${r}`, "u16", 2, { hex: true }))),
    z(infoLists()),
  ]],
  [ans("FFA_MEM_PERM_GET"), [
    successFirst(),
    w(PERMISSIONS("permissions")),
    w(u32("page_count", { summary: "pages", doc: "contiguous pages with these permissions, minus 1" })),
  ]],
  ...FEATURES_VARIANTS.map(([g, items]): [Guard, Item[]] => [g, [successFirst(), ...items]]),
  [featuresGeneric, [
    successFirst(),
    featureProps(undefined, "interface properties"),
    w(u32("properties2", { hex: true })),
  ]],
  [ans(...PLAIN_SUCCESS), [successFirst()]],
];

function infoBits(sizes: number | bigint): BitSpec[] {
  return [
    { name: "more", mask: 0x1, label: "more pending (call again)" },
    { name: "reserved", mask: 0x7e, reserved: true, hex: true },
    { name: "list_count", mask: 0xf80, label: "number of lists (bits 11:7)" },
    { name: "list_sizes", mask: sizes, hex: true, label: "vCPU ids per list, 2 bits each from bit 12" },
  ];
}

/** The endpoint/vCPU lists of a NOTIFICATION_INFO_GET success, as text. */
function infoLists(): CustomField {
  return derived(
    "success",
    "lists",
    "string",
    "endpoint lists: id followed by its vCPU ids",
    (view, offset, end, _c, values) => {
      const wide = is64(values);
      const info = BigInt(values["info"] as number | bigint ?? 0);
      const count = Number((info >> 7n) & 0x1fn);
      const idsAll: number[] = [];
      for (let r = 3; r <= 7; r++) {
        const o = r * 8;
        for (let k = 0; k < (wide ? 4 : 2); k++) {
          if (o + 2 * k + 2 <= end) {
            idsAll.push(view.getUint16(o + 2 * k, true));
          }
        }
      }
      const parts: string[] = [];
      let p = 0;
      for (let i = 0; i < count && i < (wide ? 20 : 10); i++) {
        const n = Number((info >> BigInt(12 + 2 * i)) & 3n);
        const ep = idsAll[p++];
        if (ep === undefined) break;
        const vc = idsAll.slice(p, p + n);
        p += n;
        parts.push(n ? `${hex4(ep)}(vcpu ${vc.join(",")})` : `${hex4(ep)}(global)`);
      }
      void offset;
      return { value: parts.join(" ") };
    },
    { hide: "empty" },
  );
}

function successLayout(): Field[] {
  const pre = "success";
  const specific = SUCCESS_VARIANTS.map(([g]) => g);
  const generic: Guard = (v, c) => !specific.some((g) => g(v, c));
  return [
    answers(pre),
    guarded(queried, ans("FFA_FEATURES")),
    ...SUCCESS_VARIANTS.flatMap(([g, items, o]) => frame(pre, items, { ...o, guard: g })),
    // Without a known call: w2..w7 as plain registers; x8..x17 of SUCCESS_64 listed when non-zero.
    ...frame(pre, [successFirst(), ...plain(2, 6, true)], { guard: generic, tail: "free" }),
  ];
}

// CONSOLE_LOG: characters packed little-endian into w2..w7 (SMC32) or x2..x17 (SMC64).
const consoleText = derived(
  "console",
  "text",
  "string",
  "the logged characters",
  (view, offset, end, _c, values) => {
    if (offset + 1 > end) return { value: "" };
    const count = view.getUint8(offset);
    const chars: number[] = [];
    if (is64(values)) { for (let o = 16; o < Math.min(144, end); o++) chars.push(view.getUint8(o)); }
    else {
      for (let r = 2; r <= 7; r++) {
        for (let b = 0; b < 4; b++) {
          if (r * 8 + b < end) chars.push(view.getUint8(r * 8 + b));
        }
      }
    }
    const s = String.fromCharCode(...chars.slice(0, count));
    return { value: s, display: JSON.stringify(s) };
  },
  {
    encode(value, values) {
      const wide = is64(values);
      // Only when the registers themselves are not given (the JSON of a decode carries both).
      if (typeof value !== "string" || values[wide ? "chars" : "chars_w2"] !== undefined) return;
      const b = Uint8Array.from(value, (ch) => ch.charCodeAt(0));
      if (b.some((c, i) => c !== value.charCodeAt(i))) {
        throw new RangeError(
          `Cannot encode field "ffa.console.text": only 8-bit characters fit the registers`,
        );
      }
      const cap = wide ? 128 : 24;
      if (b.length > cap) {
        throw new RangeError(
          `Cannot encode field "ffa.console.text": ${b.length} characters, the frame holds ${cap}`,
        );
      }
      values["count"] ??= b.length;
      if (wide) values["chars"] ??= b;
      else {
        for (let r = 2; r <= 7; r++) {
          const k = `chars_w${r}`;
          if (values[k] !== undefined) continue;
          let n = 0;
          for (let i = 3; i >= 0; i--) n = n * 256 + (b[(r - 2) * 4 + i] ?? 0);
          values[k] = n;
        }
      }
    },
  },
);

function consoleLayout(): Field[] {
  const first = [
    z(consoleText),
    w(u8("count", { summary: "len", doc: "character count" }), bytes("w1_reserved", 3, { reserved: true })),
  ];
  return [
    ...frame("console", [
      ...first,
      ...[2, 3, 4, 5, 6, 7].map((r) =>
        w(u32(`chars_w${r}`, { hex: true, doc: "four characters, little-endian" }))
      ),
    ], { guard: is32 }),
    ...frame("console", [...first, span(16, bytes("chars", 128, { doc: "characters in x2..x17" }))], {
      guard: is64,
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Bodies

type Layout = Field[] | { request: Field[]; response: Field[] };

const selectFor = (name: string): number[] => {
  const f = FFA_FUNCTION_LIST.find((x) => x.name === name)!;
  const ids = [...(f.smc32 ? [ID32(f.number)] : []), ...(f.smc64 ? [ID64(f.number)] : [])];
  return [...ids, ...ids.map((i) => (i | FFA_SVE_HINT) >>> 0)];
};

function body(name: string, prefix: string, layout: Layout, doc?: string): BodySpec {
  const l = Array.isArray(layout) ? { request: layout, response: layout } : layout;
  return { name, prefix, select: { func: selectFor(name) }, ...l, ...(doc ? { doc } : {}) };
}

const memTx = (prefix: string) =>
  frame(prefix, [
    w(u32("total_length", { summary: "len", doc: "total length of the transaction descriptor" })),
    w(u32("fragment_length", { summary: "frag", doc: "length of this fragment" })),
    x("buffer_addr", { hex: true, doc: "dynamic buffer address (0 = TX buffer)" }),
    w(u32("page_count", { doc: "dynamic buffer page count (0 with the TX buffer)" })),
  ]);

const notificationIds = () => ids();

const plainAll = (prefix: string) => frame(prefix, plain(1, 7, true), { tail: "free" });

const BODIES: BodySpec[] = [
  body("FFA_ERROR", "error", [
    answers("error"),
    ...frame("error", [
      w(target("target", false)),
      {
        t: "w",
        fields: [i32("code", { enum: FFA_ERRORS, summary: true, doc: "FF-A error code (int32)" })],
        signExt: true,
      },
      w(u32("arg", { hex: true, doc: "error argument (arm-ffa; producers send 0)" })),
    ]),
  ], "error return"),
  body("FFA_SUCCESS", "success", successLayout(), "success return; results depend on the call it answers"),
  body(
    "FFA_INTERRUPT",
    "interrupt",
    frame("interrupt", [w(target()), w(u32("interrupt_id", { summary: "irq" }))]),
  ),
  body("FFA_VERSION", "", {
    request: frame("", [
      w(version("version")),
      w(u32("version_flags", {
        hex: true,
        doc: "v1.3: bits 1:0 query type (0 negotiate, 1 query compatibility, 2 query negotiated)",
        bits: [
          {
            name: "query",
            mask: 0x3,
            enum: { 0: "negotiate", 1: "query compatibility", 2: "query negotiated" },
          },
          { name: "reserved", mask: 0xfffffffc, reserved: true, hex: true },
        ],
      })),
    ]),
    // The return's version word is in w0 (the header's `version`); x1..x17 are MBZ.
    response: frame("", []),
  }),
  body(
    "FFA_FEATURES",
    "features",
    frame("features", [
      w(u32("feature", {
        hex: true,
        summary: true,
        enum: { ...FFA_FEATURE_IDS, ...FFA_FUNCTIONS },
        doc: "bit 31 set: an FF-A function id; clear: a feature id in bits 7:0",
      })),
      w(u32("input_properties", {
        hex: true,
        bits: [
          { name: "ns_bit", mask: 0x2, label: "caller handles the NS bit (MEM_RETRIEVE_REQ)" },
          { name: "reserved", mask: 0xfffffffd, reserved: true, hex: true },
        ],
      })),
    ]),
  ),
  body(
    "FFA_RX_RELEASE",
    "rxtx",
    frame("rxtx", [w(u16("vm_id", { hex: true, summary: "vm" }), reservedU16("w1_reserved"))]),
  ),
  body(
    "FFA_RX_ACQUIRE",
    "rxtx",
    frame("rxtx", [w(u16("vm_id", { hex: true, summary: "vm" }), reservedU16("w1_reserved"))]),
  ),
  body(
    "FFA_RXTX_MAP",
    "rxtx",
    frame("rxtx", [
      x("tx_addr", { hex: true, summary: "tx" }),
      x("rx_addr", { hex: true, summary: "rx" }),
      w(u32("page_count", {
        summary: "pages",
        doc: "bits 5:0 size in 4 KiB pages",
        bits: [{ name: "pages", mask: 0x3f }, {
          name: "reserved",
          mask: 0xffffffc0,
          reserved: true,
          hex: true,
        }],
      })),
    ]),
  ),
  body(
    "FFA_RXTX_UNMAP",
    "rxtx",
    frame("rxtx", [
      w(reservedU16("w1_reserved"), u16("endpoint", { hex: true, summary: "ep", doc: "bits 31:16" })),
    ]),
  ),
  body(
    "FFA_PARTITION_INFO_GET",
    "partition_info",
    frame("partition_info", [
      ...uuid32("partition_info", 1),
      w(u32("flags", {
        hex: true,
        bits: [{ name: "count_only", mask: 0x1 }, {
          name: "reserved",
          mask: 0xfffffffe,
          reserved: true,
          hex: true,
        }],
      })),
    ]),
  ),
  body(
    "FFA_PARTITION_INFO_GET_REGS",
    "partition_info",
    frame("partition_info", [
      span(2, uuid16()),
      w(
        u16("start_index", { summary: "start" }),
        u16("tag", { hex: true, doc: "information tag (MBZ when start is 0)" }),
      ),
    ]),
  ),
  body("FFA_ID_GET", "id", frame("id", [])),
  body("FFA_SPM_ID_GET", "id", frame("id", [])),
  body("FFA_MSG_POLL", "msg_poll", frame("msg_poll", [])),
  body(
    "FFA_MSG_WAIT",
    "msg_wait",
    frame("msg_wait", [
      gap(),
      w(u32("flags", {
        hex: true,
        bits: [{ name: "retain_rx", mask: 0x1 }, {
          name: "reserved",
          mask: 0xfffffffe,
          reserved: true,
          hex: true,
        }],
      })),
    ]),
  ),
  body(
    "FFA_YIELD",
    "yield",
    frame("yield", [
      w(target()),
      w(u32("timeout_lo", { hex: true, doc: "timeout bits 31:0 (v1.2)" })),
      w(u32("timeout_hi", { hex: true, doc: "timeout bits 63:32 (v1.2)" })),
    ]),
  ),
  body("FFA_RUN", "run", frame("run", [w(target())])),
  body(
    "FFA_MSG_SEND",
    "msg_send",
    frame("msg_send", [
      ids(),
      gap(),
      w(u32("length", { summary: "len" })),
      w(u32("attributes", {
        hex: true,
        bits: [{ name: "non_blocking", mask: 0x1 }, {
          name: "reserved",
          mask: 0xfffffffe,
          reserved: true,
          hex: true,
        }],
      })),
    ]),
  ),
  body("FFA_MSG_SEND_DIRECT_REQ", "direct", direct()),
  body("FFA_MSG_SEND_DIRECT_RESP", "direct", direct()),
  body("FFA_MSG_SEND_DIRECT_REQ2", "direct", direct2(false)),
  body("FFA_MSG_SEND_DIRECT_RESP2", "direct", direct2(true)),
  body("FFA_MEM_DONATE", "mem", memTx("mem")),
  body("FFA_MEM_LEND", "mem", memTx("mem")),
  body("FFA_MEM_SHARE", "mem", memTx("mem")),
  body("FFA_MEM_RETRIEVE_REQ", "mem", memTx("mem")),
  body(
    "FFA_MEM_RETRIEVE_RESP",
    "mem",
    frame("mem", [
      w(u32("total_length", { summary: "len" })),
      w(u32("fragment_length", { summary: "frag" })),
    ]),
  ),
  body("FFA_MEM_RELINQUISH", "mem", frame("mem", [])),
  body(
    "FFA_MEM_RECLAIM",
    "mem",
    frame("mem", [
      ...handle(),
      w(u32("flags", {
        hex: true,
        bits: [
          { name: "zero_memory", mask: 0x1 },
          { name: "time_slicing", mask: 0x2 },
          { name: "reserved", mask: 0xfffffffc, reserved: true, hex: true },
        ],
      })),
    ]),
  ),
  body("FFA_MEM_OP_PAUSE", "mem", frame("mem", handle())),
  body("FFA_MEM_OP_RESUME", "mem", frame("mem", handle())),
  body(
    "FFA_MEM_FRAG_RX",
    "mem",
    frame("mem", [...handle(), w(u32("fragment_offset", { summary: "off" })), endpointHi()]),
  ),
  body(
    "FFA_MEM_FRAG_TX",
    "mem",
    frame("mem", [...handle(), w(u32("fragment_length", { summary: "frag" })), endpointHi()]),
  ),
  body("FFA_NORMAL_WORLD_RESUME", "cycles", frame("cycles", [])),
  body("FFA_EL3_INTR_HANDLE", "cycles", frame("cycles", [])),
  body(
    "FFA_NOTIFICATION_BITMAP_CREATE",
    "notification",
    frame("notification", [
      w(u16("vm_id", { hex: true, summary: "vm" }), reservedU16("w1_reserved")),
      w(u32("vcpu_count", { summary: "vcpus" })),
    ]),
  ),
  body(
    "FFA_NOTIFICATION_BITMAP_DESTROY",
    "notification",
    frame("notification", [w(u16("vm_id", { hex: true, summary: "vm" }), reservedU16("w1_reserved"))]),
  ),
  body(
    "FFA_NOTIFICATION_BIND",
    "notification",
    frame("notification", [
      notificationIds(),
      w(u32("flags", {
        hex: true,
        bits: [{ name: "per_vcpu", mask: 0x1 }, {
          name: "reserved",
          mask: 0xfffffffe,
          reserved: true,
          hex: true,
        }],
      })),
      ...bitmap(),
    ]),
  ),
  body(
    "FFA_NOTIFICATION_UNBIND",
    "notification",
    frame("notification", [notificationIds(), gap(), ...bitmap()]),
  ),
  body(
    "FFA_NOTIFICATION_SET",
    "notification",
    frame("notification", [
      notificationIds(),
      w(u32("flags", {
        hex: true,
        bits: [
          { name: "per_vcpu", mask: 0x1 },
          { name: "delay_sri", mask: 0x2 },
          { name: "reserved", mask: 0x0000fffc, reserved: true, hex: true },
          { name: "vcpu", mask: 0xffff0000, label: "receiver vCPU id (bits 31:16)" },
        ],
      })),
      ...bitmap(),
    ]),
  ),
  body(
    "FFA_NOTIFICATION_GET",
    "notification",
    frame("notification", [
      w(
        u16("receiver", { hex: true, doc: "receiver (the caller), bits 15:0" }),
        u16("vcpu", { doc: "vCPU id, bits 31:16" }),
      ),
      w(u32("flags", {
        hex: true,
        summary: "want",
        bits: [
          { name: "from_sp", mask: 0x1 },
          { name: "from_vm", mask: 0x2 },
          { name: "from_spm", mask: 0x4 },
          { name: "from_hyp", mask: 0x8 },
          { name: "reserved", mask: 0xfffffff0, reserved: true, hex: true },
        ],
      })),
    ]),
  ),
  body("FFA_NOTIFICATION_INFO_GET", "notification", frame("notification", [])),
  body(
    "FFA_MSG_SEND2",
    "msg_send2",
    frame("msg_send2", [
      w(
        reservedU16("w1_reserved"),
        u16("sender", { hex: true, doc: "sender VM id when a hypervisor forwards (bits 31:16)" }),
      ),
      w(u32("flags", {
        hex: true,
        bits: [
          { name: "reserved", mask: 0xfffffffd, reserved: true, hex: true },
          { name: "delay_sri", mask: 0x2, label: "delay the schedule-receiver interrupt" },
        ],
      })),
    ]),
    "indirect message; the payload is in the sender's TX buffer, not in the frame",
  ),
  body(
    "FFA_SECONDARY_EP_REGISTER",
    "secondary_ep",
    frame("secondary_ep", [x("entry_point", { hex: true, summary: "ep" })]),
  ),
  body(
    "FFA_MEM_PERM_GET",
    "mem_perm",
    frame("mem_perm", [
      x("base_va", { hex: true, summary: "va" }),
      w(u32("page_count", { summary: "pages", doc: "page count − 1 from v1.2" })),
    ]),
  ),
  body(
    "FFA_MEM_PERM_SET",
    "mem_perm",
    frame("mem_perm", [
      x("base_va", { hex: true, summary: "va" }),
      w(u32("page_count", { summary: "pages" })),
      w(PERMISSIONS("permissions")),
    ]),
  ),
  body("FFA_CONSOLE_LOG", "console", consoleLayout()),
  body(
    "FFA_NS_RES_INFO_GET",
    "ns_res_info",
    frame("ns_res_info", [
      w(
        u16("target", { hex: true, summary: true, doc: "target endpoint (valid with flags.id_valid)" }),
        reservedU16("w1_reserved"),
      ),
      w(u32("flags", {
        hex: true,
        bits: [
          { name: "id_valid", mask: 0x1 },
          { name: "resource_type", mask: 0xc },
          { name: "continue", mask: 0x10 },
          { name: "reserved", mask: 0xffffffe2, reserved: true, hex: true },
        ],
      })),
    ]),
  ),
  body(
    "FFA_ABORT",
    "abort",
    frame("abort", [gap(), w(u32("code", { hex: true, summary: true, doc: "abort code" }))]),
  ),
  body(
    "FFA_NOTIFICATION_BIND2",
    "notification2",
    plainAll("notification2"),
    "layout not published: plain registers",
  ),
  body(
    "FFA_NOTIFICATION_UNBIND2",
    "notification2",
    plainAll("notification2"),
    "layout not published: plain registers",
  ),
  body(
    "FFA_NOTIFICATION_SET2",
    "notification2",
    plainAll("notification2"),
    "layout not published: plain registers",
  ),
  body(
    "FFA_NOTIFICATION_GET2",
    "notification2",
    plainAll("notification2"),
    "layout not published: plain registers",
  ),
  ...Object.entries(SMCCC_RETURN_CODES).map(([id, name]): BodySpec => ({
    name,
    prefix: "smccc",
    select: { func: Number(id) },
    response: frame("smccc", [], { tail: "free" }),
    doc: "plain SMCCC return code in w0 instead of an FF-A frame",
  })),
  {
    name: "UNKNOWN",
    prefix: "unknown",
    select: { func: [] },
    request: plainAll("unknown"),
    response: plainAll("unknown"),
    doc: "unknown function id: registers kept",
  },
];

// ---------------------------------------------------------------------------------------------
// Header, classification, summary

const FFA_VERSION_ID = ID32(0x63);

/** Is this frame the return of FFA_VERSION (w0 = version word, not a function id)? */
const versionReturn: Guard = (v, ctx) => {
  if ("kind" in ctx) {
    // Encoding: the selected body is FFA_VERSION and the kind is response.
    return (ctx as { kind: string }).kind === "response" &&
      ((Number(v["func"]) & ~FFA_SVE_HINT) >>> 0) === FFA_VERSION_ID;
  }
  return v["w0_kind"] === "version";
};

/**
 * Decides (zero width, never shown) whether w0 is a version word: the frame answers a paired
 * FFA_VERSION call and w0 is not an FF-A function id (an FFA_ERROR frame still decodes as one).
 */
const w0Kind = derived("", "w0_kind", "string", "what w0 holds", (view, offset, end, ctx) => {
  const paired = ctx.recordKind === "response" && ctx.request?.protocol === "ffa" &&
    ctx.request.name === "FFA_VERSION";
  if (!paired) return { value: "func" };
  const w0 = offset + 4 <= end ? view.getUint32(offset, true) : 0;
  return { value: FFA_FUNCTIONS[(w0 & ~FFA_SVE_HINT) >>> 0] ? "func" : "version" };
}, { hide: "always" });

const FUNC_BITS: BitSpec[] = [
  { name: "fast", mask: 0x80000000, label: "fast call (bit 31)" },
  { name: "smc64", mask: 0x40000000, label: "SMC64/HVC64 convention (bit 30)" },
  { name: "owner", mask: 0x3f000000, enum: SMCCC_OWNERS, label: "owning entity (bits 29:24)" },
  { name: "mbz", mask: 0x00fe0000, reserved: true, hex: true, label: "MBZ (bits 23:17)" },
  { name: "sve_hint", mask: FFA_SVE_HINT, label: "no live SVE state (bit 16)" },
  {
    name: "number",
    mask: 0xffff,
    hex: true,
    enum: FFA_FUNCTION_NUMBERS,
    label: "function number (bits 15:0)",
  },
];

const RETURN_NAMES = new Set([
  "FFA_SUCCESS",
  "FFA_ERROR",
  "FFA_MEM_RETRIEVE_RESP",
  ...Object.values(SMCCC_RETURN_CODES),
]);

function fmtInt(f: Field | undefined, v: Value): string {
  if (f?.kind === "int" && (typeof v === "number" || typeof v === "bigint")) {
    const n = f.enum?.[Number(v)];
    if (n) return n;
    return f.hex ? hexN(v, 0) : String(v);
  }
  if (v instanceof Uint8Array) {
    return f?.kind === "bytes" && f.uuid && v.length === 16 ? uuidText(hexBytes(v)) : hexBytes(v);
  }
  return String(v);
}

const verText = (n: number) =>
  n === 0xffffffff
    ? "NOT_SUPPORTED"
    : n === 0xfffffffd
    ? "INVALID_PARAMETER"
    : `${(n >>> 16) & 0x7fff}.${n & 0xffff}`;

/** Summary text after the name: ids, call answered, version, key fields, nested message. */
let BODY_BY_NAME: Map<string, BodySpec> | undefined;
const bodyByName = (): Map<string, BodySpec> => (BODY_BY_NAME ??= new Map(BODIES.map((b) => [b.name, b])));
const REGISTER_NAME = /^x\d+$/;

/** How one summary field of a layout is written. */
interface SummaryItem {
  f: Field;
  name: string;
  /** `" label="`. */
  eq: Lit;
  /** `" label"`. */
  sp: Lit;
  /** A whole register (`x4`): left out when zero. */
  reg: boolean;
}
/** The summary fields of a layout, and whether a name repeats among them (cached). */
const SUMMARY_PLANS = new WeakMap<readonly Field[], { items: SummaryItem[]; repeats: boolean }>();
function summaryPlanOf(layout: readonly Field[]): { items: SummaryItem[]; repeats: boolean } {
  let p = SUMMARY_PLANS.get(layout);
  if (!p) {
    const items = layout.filter((x) => x.summary).map((f) => {
      const label = typeof f.summary === "string" ? f.summary : f.name;
      return {
        f,
        name: f.name,
        eq: lit(` ${label}=`),
        sp: lit(` ${label}`),
        reg: REGISTER_NAME.test(f.name),
      };
    });
    const repeats = new Set(items.map((i) => i.name)).size !== items.length;
    SUMMARY_PLANS.set(layout, p = { items, repeats });
  }
  return p;
}
const SUMMARY_CTX = {
  recordKind: "unknown",
  dialect: "v1.3",
  dialects: {},
  options: {},
  depth: 0,
} as unknown as DecodeContext;
const NIL = lit("=nil");
const FUNC_EQ = lit(" func=");
const COLON = lit(":");

/** Literals of values that repeat (endpoint pairs, UUIDs), at most 256 per cache. */
const ID_LITS = new Map<number, Lit>();
const UUID_LITS = new Map<number, Lit>();
function cachedLit(cache: Map<number, Lit>, key: number, text: (key: number) => string): Lit {
  let l = cache.get(key);
  if (l === undefined) {
    if (cache.size >= 256) cache.clear();
    cache.set(key, l = lit(text(key)));
  }
  return l;
}
/** w1 (receiver in bits 15:0, sender in 31:16) as summaries show it: ` 0x8001→0x8002` (sender→receiver). */
const idsText = (w1: number) => ` ${hexN(w1 >>> 16, 4)}→${hexN(w1 & 0xffff, 4)}`;
/** A non-nil UUID by its first word (bytes 0..3, little-endian) as summaries show it: `=c66028b5-…`. */
const uuidEqText = (w: number) =>
  `=${HEX[w & 0xff]}${HEX[(w >>> 8) & 0xff]}${HEX[(w >>> 16) & 0xff]}${HEX[w >>> 24]}-…`;
const le32 = (d: Uint8Array, o: number) =>
  (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;

function summaryWrite(out: SummarySink, msg: Message, registry: RegistryLike | undefined): void {
  const v = msg.values;
  if (msg.name === "FFA_VERSION") {
    const ver = v["version"];
    if (typeof ver === "number") out.text(" " + verText(ver));
    return;
  }
  if (msg.name === "UNKNOWN" && typeof v["func"] === "number") {
    out.lit(FUNC_EQ);
    out.hex(v["func"] >>> 0, 8);
  }
  if (typeof v["answers"] === "string" && v["answers"]) out.text(` (${v["answers"]})`);
  const sender = v["sender"];
  const receiver = v["receiver"];
  if (typeof sender === "number" && typeof receiver === "number") {
    out.lit(cachedLit(ID_LITS, ((sender << 16) | receiver) >>> 0, idsText));
  }
  if (typeof v["flags.framework"] === "number" && v["flags.framework"]) {
    out.text(` fwk=${FFA_FRAMEWORK_MESSAGES[Number(v["flags.type"])] ?? v["flags.type"]}`);
  }
  const body = bodyByName().get(msg.name);
  const layout = body ? layoutFor(body, msg.kind) : undefined;
  if (layout) {
    const { items, repeats } = summaryPlanOf(layout);
    let seen: string[] | undefined;
    const ctx = SUMMARY_CTX as { recordKind: string; dialect: string } & DecodeContext;
    ctx.recordKind = msg.kind;
    ctx.dialect = msg.dialect;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      const f = it.f;
      // A name declared twice (per calling convention): the first field whose guard holds wins.
      if (repeats && seen?.includes(it.name)) continue;
      const val = v[it.name];
      if (val === undefined || (f.when && !f.when(v, ctx))) continue;
      if (repeats) (seen ??= []).push(it.name);
      if ((val === 0 || val === 0n) && it.reg) continue;
      if (f.kind === "nested") {
        if (typeof val === "object" && val !== null && "summary" in val) {
          writeNested(out, val as unknown as Message, registry);
        }
        continue;
      }
      if (it.name === "target" && f.kind === "int" && typeof val === "number") {
        out.lit(it.eq);
        out.hex(val >>> 16, 4);
        out.lit(COLON);
        out.num(val & 0xffff);
      } else if (f.kind === "bytes" && f.uuid && val instanceof Uint8Array) {
        out.lit(it.sp);
        if (val.every((b) => b === 0)) out.lit(NIL);
        else if (val.length >= 4) out.lit(cachedLit(UUID_LITS, le32(val, 0), uuidEqText));
        else out.text(`=${hexBytes(val)}-…`);
      } else if (it.name === "version" && typeof val === "number") out.text(` ${verText(val)}`);
      else if (f.kind === "int" && typeof val === "number" && !f.enum?.[val]) {
        out.lit(it.eq);
        if (f.hex && val >= 0) out.hex(val, 0);
        else if (f.hex) out.text(hexN(val, 0));
        else out.num(val);
      } else {
        out.lit(it.eq);
        out.text(fmtInt(f, val));
      }
    }
  }
  if (typeof v["uuid"] === "string" && v["uuid"]) {
    out.text(` uuid=${v["uuid"] === "00000000-0000-0000-0000-000000000000" ? "nil" : v["uuid"]}`);
  }
  if (typeof v["handle_lo"] === "number" && typeof v["handle_hi"] === "number") {
    out.text(` handle=${hexN((BigInt(v["handle_hi"]) << 32n) | BigInt(v["handle_lo"]), 0)}`);
  }
  if (typeof v["text"] === "string" && v["text"]) out.text(` ${JSON.stringify(v["text"])}`);
  if (typeof v["lists"] === "string" && v["lists"]) out.text(` ${v["lists"]}`);
  if (Array.isArray(v["partitions"])) {
    const ps = v["partitions"] as unknown as ValueMap[];
    out.text(` partitions=[${ps.map((p) => hex4(Number(p["id"]))).join(",")}]`);
  }
  if (v["nest"] === "busy") out.text(" [virtio-msg busy]");
  if (msg.name === "FFA_MSG_SEND2") out.text(" (payload in TX buffer)");
}

const REQ2_ID = 0xc400008d;
const RESP2_ID = 0xc400008e;
const REQ2 = "FFA_MSG_SEND_DIRECT_REQ2";
const RESP2 = "FFA_MSG_SEND_DIRECT_RESP2";
const CLOSE = lit("]");

/** RESP2 leads by x1, REQ2 leads by x1 then x2's low word (at most 256 each, as the other caches). */
const RESP2_LEADS = new Map<number, Lit>();
const REQ2_LEADS = new Map<number, Map<number, Lit>>();
const resp2Lead = (ids: number) => `${RESP2} rsp${idsText(ids)} [virtio-msg `;
/**
 * The last lead of each kind and the words that made it: frames repeat them, and the words are
 * often beyond 2^31, which makes a Map lookup box them first.
 */
const LAST_LEAD = { respIds: -1, resp: NIL, reqIds: -1, reqUuid: -1, req: NIL };
function lead(resp: boolean, ids: number, uuid: number): Lit {
  const last = LAST_LEAD;
  if (resp) {
    if (ids !== last.respIds) {
      last.resp = cachedLit(RESP2_LEADS, ids, resp2Lead);
      last.respIds = ids;
    }
    return last.resp;
  }
  if (ids !== last.reqIds || uuid !== last.reqUuid) {
    last.req = req2Lead(ids, uuid);
    last.reqIds = ids;
    last.reqUuid = uuid;
  }
  return last.req;
}
function req2Lead(ids: number, uuid: number): Lit {
  let byUuid = REQ2_LEADS.get(ids);
  if (byUuid === undefined) {
    if (REQ2_LEADS.size >= 256) REQ2_LEADS.clear();
    REQ2_LEADS.set(ids, byUuid = new Map());
  }
  return cachedLit(byUuid, uuid, (u) => `${REQ2}${idsText(ids)} uuid${uuidEqText(u)} [virtio-msg `);
}

/**
 * The virtio-msg codec of a registry, remembered for the last registry that had one (one lookup per
 * registry, not per frame; registries only grow).
 */
let lastRegistry: RegistryLike | undefined;
let lastVmsg: ReturnType<RegistryLike["get"]>;
function vmsgOf(registry: RegistryLike): ReturnType<RegistryLike["get"]> {
  if (registry === lastRegistry) return lastVmsg;
  const vmsg = registry.get("virtio-msg");
  if (vmsg !== undefined) {
    lastRegistry = registry;
    lastVmsg = vmsg;
  }
  return vmsg;
}

/** The context of the nested message, one per depth, filled in again for every frame (no allocation). */
const INNER: DecodeContext[] = [];
function innerContext(ctx: DecodeContext, vmsgDialect: string | undefined): DecodeContext {
  // Built with exactly these fields (a copy of `ctx` would keep its `request` for later frames).
  const c = INNER[ctx.depth] ??= {
    registry: ctx.registry,
    dialects: ctx.dialects,
    dialect: "",
    recordKind: ctx.recordKind,
    options: ctx.options,
    depth: 0,
  };
  c.registry = ctx.registry;
  c.dialects = ctx.dialects;
  c.dialect = ctx.dialects["virtio-msg"] || vmsgDialect || "";
  c.recordKind = ctx.recordKind;
  c.options = ctx.options;
  c.depth = ctx.depth + 1;
  c.tree = false;
  c.summary = false;
  return c;
}

/**
 * Summary lines straight from the bytes (see `ProtocolSpec.summaryLine`) for the frames that carry
 * virtio-msg: a clean FFA_MSG_SEND_DIRECT_REQ2 call to a virtio-msg UUID and its RESP2 return, with
 * the nested message written by the virtio-msg codec's own line path. Everything else (other
 * functions, non-zero MBZ halves, a busy return, a payload that is not a clean virtio-msg message)
 * returns undefined and is decoded. Must write what `summaryWrite` writes for the decoded frame.
 */
function summaryLine(
  d: Uint8Array,
  ctx: DecodeContext,
  out: BytesSink,
  request: PairedRequest | undefined,
  start: number,
  stop: number,
): string | undefined {
  if (stop - start !== 144 || ctx.depth >= 4) return undefined;
  const w0 = le32(d, start);
  let resp: boolean;
  if (w0 === REQ2_ID && ctx.recordKind === "request") resp = false;
  else if (w0 === RESP2_ID && ctx.recordKind === "response") resp = true;
  else return undefined;
  // x0[63:32] and x1[63:32] zero (an SMC64 frame).
  if (le32(d, start + 4) !== 0 || le32(d, start + 12) !== 0) return undefined;
  const vmsg = vmsgOf(ctx.registry);
  if (!vmsg?.summaryLine) return undefined;
  let zero = true;
  for (let i = start + 32; i < stop; i++) {
    if (d[i] !== 0) {
      zero = false;
      break;
    }
  }
  if (zero) return undefined;
  if (!resp) {
    if (!vmsgUuidAt(d, start + 16)) return undefined;
  } else {
    // x2, x3 MBZ.
    for (let i = start + 16; i < start + 32; i++) if (d[i] !== 0) return undefined;
    // The carrier decision of nestProbe: by the paired call, else by the payload's looks.
    if (request && request.name === REQ2) {
      // A call without its message was written by this line path, which takes only calls to a
      // virtio-msg UUID (its record is not built just to look again).
      const m = request.message;
      if (m && !isVmsgUuid(m.values["uuid"])) return undefined;
    } else if (!looksLikeVmsg(d, start + 32, stop, ctx)) return undefined;
  }
  // "FFA_MSG_SEND_DIRECT_REQ2 0x8001→0x8002 uuid=c66028b5-… [virtio-msg " (sender→receiver; the
  // UUID for a call only) as one cached literal, by the x1 and x2 words that make it.
  out.lit(lead(resp, le32(d, start + 8), resp ? 0 : le32(d, start + 16)));
  const inner = innerContext(ctx, vmsg.defaultDialect);
  if (vmsg.summaryLine(d, inner, out, undefined, start + 32, stop) === undefined) return undefined;
  out.lit(CLOSE);
  return resp ? RESP2 : REQ2;
}

function prune(fields: FieldValue[]): FieldValue[] {
  const out: FieldValue[] = [];
  for (const f of fields) {
    if (HIDE_ALWAYS.has(f.name)) continue;
    if (HIDE_EMPTY.has(f.name) && isEmpty(f.value)) continue;
    if (f.children && !f.nested && !f.bit) f.children = prune(f.children);
    out.push(f);
  }
  return out;
}

/** Pairing key: the correlation id, else conduit, bus and caller (the sender of a call, the receiver of a return). */
function pairKeyOf(r: RecordHead, kind: MessageKind): string {
  if (r.correlationId !== undefined) return `c${r.correlationId}`;
  const caller = kind === "response" ? (r.channel.dst ?? r.channel.src) : r.channel.src;
  const conduit = r.conduit;
  const bus = r.channel.bus;
  // A call and its return share the key: the last one is reused (the same string hashes once).
  if (conduit === lastKeyParts[0] && bus === lastKeyParts[1] && caller === lastKeyParts[2]) return lastKey;
  lastKeyParts[0] = conduit;
  lastKeyParts[1] = bus;
  lastKeyParts[2] = caller;
  return lastKey = `${conduit ?? ""}/${bus ?? ""}/${caller ?? ""}`;
}
const lastKeyParts: unknown[] = [null, null, null];
let lastKey = "";

/** The FF-A register-frame codec. */
export const ffa = defineProtocol({
  tag: "ffa",
  abbrev: "ffa",
  title: "Arm FF-A (register frames)",
  endian: "le",
  dialects: ["v1.3"],
  fixedSize: 144,
  header: () => [
    w0Kind,
    u32("func", {
      hex: true,
      doc: "function id (w0): fast, smc64, owner, mbz, sve_hint, number",
      bits: FUNC_BITS,
      when: (v, c) => !versionReturn(v, c),
    }),
    u32("version", {
      hex: true,
      doc: "w0 of an FFA_VERSION return: the callee's version, or NOT_SUPPORTED (0xffffffff)",
      bits: [...VERSION_BITS, { name: "mbz", mask: 0x80000000 }],
      when: versionReturn,
    }),
    hi("", 0, { noFlag: true }),
  ],
  selectBy: ["func"],
  kindOf: (h, ctx) =>
    ctx.recordKind === "request" || ctx.recordKind === "response"
      ? ctx.recordKind
      : RETURN_NAMES.has(FFA_FUNCTIONS[Number(h["func"])] ?? SMCCC_RETURN_CODES[Number(h["func"])] ?? "")
      ? "response"
      : "request",
  classify(h, _view, ctx) {
    if (h["version"] !== undefined) return { key: "FFA_VERSION", kind: "response" };
    const func = Number(h["func"] ?? 0);
    const name = FFA_FUNCTIONS[(func & ~FFA_SVE_HINT) >>> 0] ?? SMCCC_RETURN_CODES[func];
    const kind = ctx.recordKind === "request" || ctx.recordKind === "response"
      ? ctx.recordKind
      : RETURN_NAMES.has(name ?? "")
      ? "response"
      : "request";
    return { key: name ?? "UNKNOWN", kind };
  },
  bodies: BODIES,
  pairKey: (msg) => msg.record ? pairKeyOf(msg.record, msg.kind) : "ffa",
  recordPairKey: (r) => pairKeyOf(r, r.kind),
  responseNeedsRequest: true,
  summaryWrite,
  summaryLine,
  postDecode(msg) {
    if (msg.name === "UNKNOWN") {
      msg.issues.unshift({
        code: "unknown-message",
        offset: 0,
        message: `unknown FF-A function id ${hex8(Number(msg.values["func"] ?? 0))}`,
      });
    }
    const ver = msg.values["version"];
    if (
      msg.values["func"] === undefined && typeof ver === "number" && ver >>> 31 && ver !== 0xffffffff &&
      ver !== 0xfffffffd
    ) {
      msg.issues.push({
        code: "reserved-nonzero",
        field: "ffa.version.mbz",
        offset: 3,
        message: "ffa.version bit 31 should be zero",
      });
    }
    if (
      msg.prefix === "direct" && msg.values["flags"] !== undefined && !isFramework(msg.values) &&
      fwType(msg.values)
    ) {
      msg.issues.push({
        code: "reserved-nonzero",
        field: "ffa.direct.flags.type",
        offset: 16,
        message: "ffa.direct.flags.type should be zero for a partition message",
      });
    }
    if (SMCCC_RETURN_CODES[Number(msg.values["func"])] === msg.name) {
      msg.issues = msg.issues.filter((i) => i.field !== "ffa.func.mbz");
    }
    if (msg.fields.length) msg.fields = prune(msg.fields);
  },
});
