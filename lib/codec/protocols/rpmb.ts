/**
 * RPMB: the 512-byte replay-protected memory block data frame shared by JEDEC eMMC, UFS, the Linux
 * RPMB subsystem and virtio-rpmb (device 28). Declared once; see ../../../docs/protocols/rpmb.md.
 *
 * One record is one frame. Every frame has the same big-endian layout, so the whole frame is the
 * protocol header (`rpmb.stuff` … `rpmb.req_resp`); `req_resp` at bytes 510–511 picks the message.
 * Operations that span several frames (multi-block writes and reads, write + RESULT_READ + result)
 * are grouped by the stream tracker, which also verifies the MAC when the decode option `rpmbKey`
 * (32 bytes) is given. The eMMC probe pass-through draft (REQ_EMMC_CMD 0x0040, RESP_EMMC_CMD 0x4000,
 * RES_EMMC 0x0040) is decoded only with the decode option `rpmbEmmc: true`.
 *
 * @example Computing the MAC of a two-frame authenticated write
 * ```ts
 * import { Registry } from "../mod.ts";
 * import { rpmb, rpmbMacFrames } from "./rpmb.ts";
 * import { equal } from "node:assert/strict";
 * const registry = new Registry([rpmb]);
 * const key = new Uint8Array(32).fill(7);
 * const frames = [0x11, 0x22].map((b) =>
 *   rpmb.encodeMessage({
 *     name: "DATA_WRITE",
 *     fields: { data: new Uint8Array(256).fill(b), write_counter: 5, address: 4, block_count: 2 },
 *   }, { registry })
 * );
 * const mac = rpmbMacFrames(frames, key);
 * equal(frames[1]!.subarray(196, 228).join(), mac.join());
 * ```
 *
 * @module
 */
import type * as NodeCrypto from "node:crypto";
import { defineProtocol } from "../define_protocol.ts";
import { bytes, u16, u32 } from "../fields.ts";
import type {
  BodySpec,
  DecodeContext,
  EncodeContext,
  Field,
  IntField,
  Message,
  MessageInput,
  StreamTracker,
  ValueMap,
} from "../types.ts";
import type { MessageKind } from "../../record.ts";
import { bytesToHex, hexToBytes } from "../_values.ts";

/**
 * Node's crypto module (synchronous HMAC-SHA256), loaded on first use: importing it costs every
 * process and decode worker about 25 ms of start-up, and only RPMB MAC checks need it.
 */
let nodeCrypto: typeof NodeCrypto | undefined;
function cryptoModule(): typeof NodeCrypto {
  const process = (globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } }).process;
  return nodeCrypto ??= process.getBuiltinModule("node:crypto") as typeof NodeCrypto;
}

/** Size of one RPMB frame. */
export const RPMB_FRAME_SIZE = 512;
/** Offset of `key_mac` (32 bytes). */
export const RPMB_KEY_MAC_OFFSET = 196;
/** Offset of the first byte covered by the MAC (`data`); the MAC covers bytes 228–511 of each frame. */
export const RPMB_MAC_START = 228;

/** Request types (`req_resp`), by the virtio-rpmb names without the `VIRTIO_RPMB_REQ_` prefix. */
export const RPMB_REQUESTS: Readonly<Record<number, string>> = {
  0x0001: "PROGRAM_KEY",
  0x0002: "GET_WRITE_COUNTER",
  0x0003: "DATA_WRITE",
  0x0004: "DATA_READ",
  0x0005: "RESULT_READ",
  0x0006: "AUTH_CONFIG_WRITE",
  0x0007: "AUTH_CONFIG_READ",
};

/** Response types (`req_resp`), by the virtio-rpmb names without the `VIRTIO_RPMB_` prefix. */
export const RPMB_RESPONSES: Readonly<Record<number, string>> = {
  0x0100: "RESP_PROGRAM_KEY",
  0x0200: "RESP_GET_COUNTER",
  0x0300: "RESP_DATA_WRITE",
  0x0400: "RESP_DATA_READ",
  0x0600: "RESP_AUTH_CONFIG_WRITE",
  0x0700: "RESP_AUTH_CONFIG_READ",
};

/** The eMMC probe pass-through draft types (seed email S2; decode option `rpmbEmmc`). */
export const RPMB_EMMC_TYPES: Readonly<Record<number, string>> = {
  0x0040: "EMMC_CMD",
  0x4000: "RESP_EMMC_CMD",
};

/** Result codes (`result & 0x7f`), virtio names without the `VIRTIO_RPMB_RES_` prefix. */
export const RPMB_RESULTS: Readonly<Record<number, string>> = {
  0x00: "OK",
  0x01: "GENERAL_FAILURE",
  0x02: "AUTH_FAILURE",
  0x03: "COUNT_FAILURE",
  0x04: "ADDR_FAILURE",
  0x05: "WRITE_FAILURE",
  0x06: "READ_FAILURE",
  0x07: "NO_AUTH_KEY",
};

/** The write-counter-expired flag ORed onto `result`. */
export const RPMB_WRITE_COUNTER_EXPIRED = 0x0080;

const EMMC_RESULT = 0x40;
/** Types whose last frame carries a MAC over the frames of its group. */
const MAC_TYPES = new Set([0x0003, 0x0006, 0x0100, 0x0200, 0x0300, 0x0400, 0x0600, 0x0700]);
/** Multi-frame request groups (block_count frames). */
const WRITE_TYPES = new Set([0x0003, 0x0006]);
/** Multi-frame response groups (the request's block_count frames). */
const READ_RESPONSES = new Set([0x0400, 0x0700]);

const emmcOn = (ctx: { options: Readonly<Record<string, unknown>> }) => ctx.options["rpmbEmmc"] === true;
const emmcOff = (_v: ValueMap, ctx: { options: Readonly<Record<string, unknown>> }) => !emmcOn(ctx);
const emmcWhen = (_v: ValueMap, ctx: { options: Readonly<Record<string, unknown>> }) => emmcOn(ctx);
/** A summary-only view: never decoded or encoded (the frame is the header), only named in summaries. */
const NEVER = () => false;

function resultEnum(emmc: boolean): Record<number, string> {
  const codes: Record<number, string> = { ...RPMB_RESULTS, ...(emmc ? { [EMMC_RESULT]: "EMMC" } : {}) };
  const out: Record<number, string> = {};
  for (const [k, n] of Object.entries(codes)) {
    out[Number(k)] = n;
    out[Number(k) | RPMB_WRITE_COUNTER_EXPIRED] = Number(k) === 0
      ? "WRITE_COUNTER_EXPIRED"
      : `${n}|WRITE_COUNTER_EXPIRED`;
  }
  return out;
}

function resultField(emmc: boolean): IntField {
  const codes = { ...RPMB_RESULTS, ...(emmc ? { [EMMC_RESULT]: "EMMC" } : {}) };
  return {
    ...u16("result", {
      hex: true,
      enum: resultEnum(emmc),
      doc: "operation result (device-written): code in bits 6:0, write-counter-expired in bit 7",
      bits: [
        { name: "code", mask: 0x007f, enum: codes, hex: true, label: "result code" },
        { name: "write_counter_expired", mask: RPMB_WRITE_COUNTER_EXPIRED, label: "write counter expired" },
        { name: "reserved", mask: 0xff00, hex: true, reserved: true },
      ],
    }),
    when: emmc ? emmcWhen : emmcOff,
  };
}

function reqRespField(emmc: boolean): IntField {
  return {
    ...u16("req_resp", {
      hex: true,
      enum: { ...RPMB_REQUESTS, ...RPMB_RESPONSES, ...(emmc ? RPMB_EMMC_TYPES : {}) },
      doc: "request type 0x000N, response type 0x0N00",
    }),
    when: emmc ? emmcWhen : emmcOff,
  };
}

/** The whole 512-byte frame (S1 struct virtio_rpmb_frame, S4 struct rpmb_frame). */
const FRAME: readonly Field[] = [
  bytes("stuff", 196, {
    doc: "padding, not covered by the MAC (the eMMC draft puts emmc_cmd_resp in bytes 0-7)",
  }),
  bytes("key_mac", 32, {
    doc: "the authentication key (PROGRAM_KEY) or the HMAC-SHA256 (last frame of a group)",
  }),
  bytes("data", 256, { doc: "one 256-byte RPMB block" }),
  bytes("nonce", 16, { doc: "host random value, echoed by the device" }),
  u32("write_counter", { doc: "authenticated write counter" }),
  u16("address", { doc: "256-byte block index (start block)" }),
  u16("block_count", { doc: "number of 256-byte blocks" }),
  resultField(false),
  resultField(true),
  reqRespField(false),
  reqRespField(true),
];

// Summary-only views of frame fields, per message.
const S = {
  counter: { ...u32("write_counter", { summary: "counter" }), when: NEVER },
  addr: { ...u16("address", { summary: "addr" }), when: NEVER },
  count: { ...u16("block_count", { summary: "count" }), when: NEVER },
  nonce: { ...bytes("nonce", 16, { summary: "nonce" }), when: NEVER },
  result: { ...resultField(false), summary: "result", when: NEVER },
  emmcResult: { ...resultField(true), summary: "result", when: NEVER },
  emmc: {
    ...bytes("stuff.emmc_cmd_resp", 8, {
      summary: "emmc",
      doc: "eMMC command (request) or response (response), frame bytes 0-7; --rpmb-emmc only",
    }),
    when: NEVER,
  },
} satisfies Record<string, Field>;

const req = (code: number, fields: Field[], doc: string): BodySpec => ({
  name: RPMB_REQUESTS[code] ?? RPMB_EMMC_TYPES[code]!,
  select: { req_resp: code },
  prefix: "",
  request: fields,
  doc,
});
const rsp = (code: number, fields: Field[], doc: string): BodySpec => ({
  name: RPMB_RESPONSES[code] ?? RPMB_EMMC_TYPES[code]!,
  select: { req_resp: code },
  prefix: "",
  response: fields,
  doc,
});

function kindOfCode(rr: number, recordKind: MessageKind): MessageKind {
  const lo = rr & 0xff;
  const hi = rr & 0xff00;
  if (lo && !hi) return "request";
  if (hi && !lo) return "response";
  return recordKind;
}

function channelKey(msg: Message): string {
  const c = msg.record?.channel;
  return c ? `${c.bus ?? ""}/${c.device ?? ""}` : "";
}

/**
 * Reads the `rpmbKey` option (Uint8Array or hex string).
 * @param v Option value.
 * @returns The key, or undefined when absent or unusable.
 */
function keyOf(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v.length ? v : undefined;
  if (typeof v === "string" && v.trim()) {
    try {
      return hexToBytes(v);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The RPMB MAC of a group of frames: HMAC-SHA256 over bytes 228–511 of each frame, concatenated.
 *
 * @param frames The frames of one request or one response group (each at least 512 bytes).
 * @param key The authentication key (32 bytes).
 * @returns The 32-byte MAC.
 * @throws {RangeError} When a frame is shorter than 512 bytes.
 */
export function rpmbMac(frames: readonly Uint8Array[], key: Uint8Array): Uint8Array {
  const h = cryptoModule().createHmac("sha256", key);
  for (const [i, f] of frames.entries()) {
    if (f.length < RPMB_FRAME_SIZE) {
      throw new RangeError(
        `Cannot compute the RPMB MAC: frame ${i} is ${f.length} bytes, not ${RPMB_FRAME_SIZE}`,
      );
    }
    h.update(f.subarray(RPMB_MAC_START, RPMB_FRAME_SIZE));
  }
  return new Uint8Array(h.digest());
}

/**
 * Fills the MAC of a multi-frame request or response: computes {@linkcode rpmbMac} over all frames
 * and writes it into `key_mac` of the **last** frame (in place). The other frames' `key_mac` is left
 * as it is (zero by convention).
 *
 * @param frames The frames of one group, e.g. the N frames of a DATA_WRITE with block_count N.
 * @param key The authentication key (32 bytes).
 * @returns The MAC written.
 * @throws {RangeError} When there are no frames, a frame is short, or the key is not 32 bytes.
 */
export function rpmbMacFrames(frames: Uint8Array[], key: Uint8Array): Uint8Array {
  if (frames.length === 0) throw new RangeError("Cannot compute the RPMB MAC: no frames");
  if (key.length !== 32) {
    throw new RangeError(`Cannot compute the RPMB MAC: the key is ${key.length} bytes, not 32`);
  }
  const mac = rpmbMac(frames, key);
  frames[frames.length - 1]!.set(mac, RPMB_KEY_MAC_OFFSET);
  return mac;
}

/** Frames of one direction within an operation (e.g. the N DATA_WRITE frames). */
interface Group {
  type: number;
  frames: Message[];
  expected: number;
}

/** One operation in progress on a channel. */
interface Operation {
  id: number;
  /** Request code (low byte) of the operation. */
  code: number;
  /** block_count of the request (0 on eMMC reads, where CMD23 carries it). */
  blockCount: number;
  group: Group;
  resultRead: boolean;
  answered: boolean;
}

/**
 * Groups frames into operations (`op N frame i/n`) and, with a key, verifies the MAC of every group
 * that carries one (`mac ok` / `mac BAD` and a "bad-mac" issue).
 */
class RpmbTracker implements StreamTracker {
  #key: Uint8Array | undefined;
  #ops = 0;
  #streams = new Map<string, Operation>();

  constructor(options: Readonly<Record<string, unknown>>) {
    this.#key = keyOf(options["rpmbKey"]);
  }

  observe(msg: Message): void {
    if (msg.protocol !== "rpmb" || msg.truncated || msg.data.length < RPMB_FRAME_SIZE) return;
    const rr = msg.values["req_resp"];
    if (typeof rr !== "number") return;
    const ch = channelKey(msg);
    let op = this.#streams.get(ch);
    const bc = Number(msg.values["block_count"] ?? 0);
    const g = op?.group;
    if (msg.kind === "request") {
      if (rr === 0x0005 && op && !op.resultRead && !op.answered && g && WRITE_OR_KEY.has(g.type) && full(g)) {
        op.resultRead = true;
        op.group = { type: rr, frames: [msg], expected: 1 };
      } else if (
        op && g && WRITE_TYPES.has(rr) && g.type === rr && !full(g) && sameWrite(g.frames[0]!, msg)
      ) {
        g.frames.push(msg);
      } else {
        op = this.#start(ch, rr, bc, {
          type: rr,
          frames: [msg],
          expected: WRITE_TYPES.has(rr) ? Math.max(1, bc) : 1,
        });
      }
    } else if (msg.kind === "response") {
      const code = rr >> 8;
      if (op && g && op.code === code && !op.answered && g.type === rr && !full(g)) {
        g.frames.push(msg);
      } else if (op && g && op.code === code && !op.answered && g.type !== rr) {
        const n = READ_RESPONSES.has(rr) ? Math.max(1, op.blockCount || bc) : 1;
        op.group = { type: rr, frames: [msg], expected: n };
      } else {
        const n = READ_RESPONSES.has(rr) ? Math.max(1, bc) : 1;
        op = this.#start(ch, code, bc, { type: rr, frames: [msg], expected: n });
      }
      if (full(op.group)) op.answered = true;
    } else return;
    const cur = op.group;
    (msg.notes ??= []).push(`op ${op.id} frame ${cur.frames.length}/${cur.expected}`);
    if (full(cur)) this.#verify(cur);
  }

  #start(ch: string, code: number, blockCount: number, group: Group): Operation {
    const op: Operation = {
      id: ++this.#ops,
      code: code & 0xff,
      blockCount,
      group,
      resultRead: false,
      answered: false,
    };
    this.#streams.set(ch, op);
    return op;
  }

  #verify(g: Group): void {
    if (!this.#key || !MAC_TYPES.has(g.type)) return;
    const last = g.frames[g.frames.length - 1]!;
    const got = last.data.subarray(RPMB_KEY_MAC_OFFSET, RPMB_KEY_MAC_OFFSET + 32);
    // No key on the device: no MAC can be computed. RESP_PROGRAM_KEY need not carry one.
    if ((Number(last.values["result"] ?? 0) & 0x7f) === 0x07) return;
    if (g.type === 0x0100 && got.every((b) => b === 0)) return;
    const want = rpmbMac(g.frames.map((m) => m.data), this.#key);
    if (cryptoModule().timingSafeEqual(got, want)) {
      (last.notes ??= []).push("mac ok");
    } else {
      (last.notes ??= []).push("mac BAD");
      last.issues.push({
        code: "bad-mac",
        field: "rpmb.key_mac",
        offset: RPMB_KEY_MAC_OFFSET,
        message: `MAC does not match: expected ${bytesToHex(want)}` +
          (g.frames.length > 1 ? ` (over ${g.frames.length} frames)` : ""),
      });
    }
  }
}

const WRITE_OR_KEY = new Set([0x0001, 0x0003, 0x0006]);
const full = (g: Group) => g.frames.length >= g.expected;
const sameWrite = (a: Message, b: Message) =>
  a.values["address"] === b.values["address"] && a.values["block_count"] === b.values["block_count"] &&
  a.values["write_counter"] === b.values["write_counter"];

/**
 * Fills `key_mac` after encoding: with encode option `rpmbKey`, PROGRAM_KEY gets the key itself and
 * every MAC-carrying frame gets the MAC of this frame alone, unless the caller gave `key_mac`. Also
 * overlays `stuff.emmc_cmd_resp` onto bytes 0–7.
 */
function postEncode(out: Uint8Array, input: MessageInput, ctx: EncodeContext): Uint8Array {
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input.fields ?? {})) given[k.startsWith("rpmb.") ? k.slice(5) : k] = v;
  const emmc = given["stuff.emmc_cmd_resp"];
  if (emmc !== undefined && emmc !== null) {
    let b: Uint8Array;
    try {
      b = emmc instanceof Uint8Array
        ? emmc
        : typeof emmc === "string"
        ? hexToBytes(emmc)
        : new Uint8Array(emmc as number[]);
    } catch {
      throw new TypeError(
        `Cannot encode field "rpmb.stuff.emmc_cmd_resp": ${JSON.stringify(emmc)} is not hex bytes`,
      );
    }
    if (b.length > 8) {
      throw new RangeError(
        `Cannot encode field "rpmb.stuff.emmc_cmd_resp": ${b.length} bytes given, the field holds 8`,
      );
    }
    out.set(b, 0);
  }
  const opt = ctx.options["rpmbKey"];
  if (opt === undefined || given["key_mac"] !== undefined || out.length < RPMB_FRAME_SIZE) return out;
  const key = keyOf(opt);
  if (!key || key.length !== 32) {
    throw new RangeError(`Cannot encode field "rpmb.key_mac": the rpmbKey option must be 32 bytes`);
  }
  const rr = (out[510]! << 8) | out[511]!;
  if (rr === 0x0001) out.set(key, RPMB_KEY_MAC_OFFSET);
  else if (MAC_TYPES.has(rr)) out.set(rpmbMac([out], key), RPMB_KEY_MAC_OFFSET);
  return out;
}

/** Adds `stuff.emmc_cmd_resp` (bytes 0–7) to eMMC pass-through frames. */
function postDecode(msg: Message, ctx: DecodeContext): void {
  if (!emmcOn(ctx) || (msg.name !== "EMMC_CMD" && msg.name !== "RESP_EMMC_CMD")) return;
  const stuff = msg.values["stuff"];
  if (!(stuff instanceof Uint8Array) || stuff.length < 8) return;
  const v = stuff.subarray(0, 8);
  msg.values["stuff.emmc_cmd_resp"] = v;
  const f = msg.fields.find((x) => x.name === "rpmb.stuff");
  if (f) {
    f.children = [{
      name: "rpmb.stuff.emmc_cmd_resp",
      label: "emmc_cmd_resp",
      value: v,
      start: 0,
      end: 8,
      display: bytesToHex(v),
      bit: true,
    }];
  }
}

/** The RPMB codec (tag `rpmb`, filter prefix `rpmb`). */
export const rpmb = defineProtocol({
  tag: "rpmb",
  abbrev: "rpmb",
  title: "RPMB",
  endian: "be",
  dialects: ["virtio"],
  header: () => FRAME,
  selectBy: ["req_resp"],
  kindOf: (h, ctx) => kindOfCode(Number(h["req_resp"] ?? 0), ctx.recordKind),
  classify: (h, _view, ctx) => {
    const rr = Number(h["req_resp"] ?? 0);
    const kind = kindOfCode(rr, ctx.recordKind);
    const unknownName = `UNKNOWN(req_resp=0x${rr.toString(16).padStart(4, "0")})`;
    if (RPMB_EMMC_TYPES[rr] !== undefined && !emmcOn(ctx)) return { key: undefined, kind, unknownName };
    return { key: String(rr), kind, unknownName };
  },
  pairKey: (m) => {
    const rr = m.values["req_resp"];
    if (typeof rr !== "number" || rr === 0x0005) return undefined;
    const code = m.kind === "response" ? rr >> 8 : m.kind === "request" ? rr : -1;
    return code < 0 ? undefined : `${channelKey(m)}/${code}`;
  },
  postDecode,
  postEncode,
  tracker: (options) => new RpmbTracker(options),
  fixedSize: RPMB_FRAME_SIZE,
  bodies: [
    req(0x0001, [S.count], "authentication key programming; key_mac holds the key in plaintext"),
    req(0x0002, [S.nonce], "read the write counter (nonce echoed in the response)"),
    req(0x0003, [S.addr, S.count, S.counter], "authenticated write; MAC in the last of block_count frames"),
    req(0x0004, [S.addr, S.count, S.nonce], "authenticated read of block_count blocks (0 on eMMC)"),
    req(0x0005, [], "fetch the result of the last write or key programming"),
    req(0x0006, [S.addr, S.count, S.counter], "authenticated device-config write (eMMC 5.1/UFS; not virtio)"),
    req(0x0007, [S.addr, S.count, S.nonce], "authenticated device-config read (eMMC 5.1/UFS; not virtio)"),
    req(0x0040, [S.emmc], "eMMC probe command pass-through (draft; --rpmb-emmc)"),
    rsp(0x0100, [S.result], "result of PROGRAM_KEY"),
    rsp(0x0200, [S.counter, S.result], "write counter, nonce echo and MAC"),
    rsp(0x0300, [S.counter, S.addr, S.result], "result of DATA_WRITE: new counter and MAC"),
    rsp(0x0400, [S.addr, S.count, S.result], "one of block_count data frames; MAC in the last"),
    rsp(0x0600, [S.counter, S.addr, S.result], "result of AUTH_CONFIG_WRITE (not virtio)"),
    rsp(0x0700, [S.addr, S.count, S.result], "device-config data (not virtio)"),
    rsp(0x4000, [S.emmc, S.emmcResult], "eMMC response pass-through (draft; --rpmb-emmc)"),
  ],
});
