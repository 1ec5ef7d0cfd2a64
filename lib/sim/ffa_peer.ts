/**
 * A small FF-A peer (an SPMC or hypervisor, ffa.md §3 and §7) answering the calls of one or more
 * callers: version negotiation, discovery, RX/TX buffers, direct and indirect messages, memory
 * sharing and notifications, with the partitions of a profile. A FFA_MSG_SEND_DIRECT_REQ2 to a
 * virtio-msg partition carries a virtio-msg frame in x4–x17 (virtio-msg-ffa); the frame is delivered
 * to the virtio-msg bus model and its response comes back in x4–x17 of FFA_MSG_SEND_DIRECT_RESP2.
 *
 * Returns are FFA_SUCCESS (SMC32, or SMC64 where the call's results need it), FFA_ERROR with an
 * FF-A error code, or the bare version word for FFA_VERSION.
 *
 * @module
 */
import type { Message, MessageInput, ValueMap } from "../codec/types.ts";
import type { CaptureRecord, Channel } from "../record.ts";
import { makeRecord } from "../record.ts";
import { DEFAULT_PROFILE } from "./profile.ts";
import { VIRTIO_MSG_FFA_UUID } from "../codec/protocols/ffa.ts";
import type { DeviceModel, SimContext, SimOutput, SimProfile } from "./types.ts";

/** FF-A error codes (ffa.md §4.1). */
export const FFA_ERROR_CODES = {
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  NO_MEMORY: -3,
  BUSY: -4,
  INTERRUPTED: -5,
  DENIED: -6,
  RETRY: -7,
  ABORTED: -8,
  NO_DATA: -9,
} as const;

/** Delay of an FF-A return after its call, ns (a world switch). */
export const FFA_RETURN_DELAY_NS = 1_500n;

const SUCCESS32 = 0x84000061;
const SUCCESS64 = 0xc4000061;
const NOT_SUPPORTED_VERSION = 0xffffffff;
const RX_TX_PAGE = 4096n;
const PROP_RECV_DIRECT_REQ = 1 << 0;
const PROP_RECV_DIRECT_REQ2 = 1 << 9;

type Partition = NonNullable<SimProfile["ffa"]>["partitions"][number];

interface Caller {
  version?: number;
  locked: boolean;
  tx?: bigint;
  rx?: bigint;
  rxFull: boolean;
  /** Notification bindings of this receiver: bit → sender id. */
  bindings: Map<number, number>;
  /** Pending notification bits by sender id. */
  pending: Map<number, bigint>;
}

interface Share {
  owner: number;
  total: number;
  received: number;
}

function uuidHex(u: string): string {
  return u.replaceAll("-", "").toLowerCase();
}

function versionWord(s: string | undefined): number {
  const m = /^(\d+)\.(\d+)$/.exec(s ?? "1.2");
  return m ? ((Number(m[1]) << 16) | Number(m[2])) >>> 0 : 0x10002;
}

/** The FF-A peer model. */
export class FfaPeerModel implements DeviceModel {
  /** Protocol served. */
  readonly protocol = "ffa" as const;
  /** The peer's own id (SPMC). */
  readonly ownId: number;
  /** The peer's FF-A version word. */
  readonly version: number;
  /** Partitions by id. */
  readonly partitions: Map<number, Partition>;
  #callers = new Map<number, Caller>();
  #shares = new Map<bigint, Share>();
  #nextHandle = 1n;

  /** @param profile The FF-A section of a profile. */
  constructor(profile: SimProfile["ffa"] = DEFAULT_PROFILE.ffa) {
    this.ownId = profile?.own_id ?? 0x8000;
    this.version = versionWord(profile?.version);
    this.partitions = new Map((profile?.partitions ?? []).map((p) => [p.id, p]));
  }

  /** Power-on state: no negotiated versions, buffers, shares or notifications. */
  reset(): void {
    this.#callers.clear();
    this.#shares.clear();
    this.#nextHandle = 1n;
  }

  #caller(id: number): Caller {
    let c = this.#callers.get(id);
    if (!c) {
      this.#callers.set(id, c = { locked: false, rxFull: false, bindings: new Map(), pending: new Map() });
    }
    return c;
  }

  /**
   * Handles one FF-A call.
   * @param msg The decoded call.
   * @param ctx Simulation context (the caller's id is the record's `channel.src`, 0 when absent).
   * @returns The return frame (and, for virtio-msg deliveries, the events the device sent).
   */
  handle(msg: Message, ctx: SimContext): SimOutput[] {
    if (msg.kind !== "request") return [];
    const rec = ctx.record;
    const callerId = rec.channel.src ?? 0;
    const caller = this.#caller(callerId);
    const v = msg.values;
    const channel = replyChannel(rec.channel);
    const base = {
      protocol: "ffa" as const,
      kind: "response" as const,
      channel,
      delayNs: FFA_RETURN_DELAY_NS,
    };
    const ret = (input: MessageInput): SimOutput[] => [{ ...base, input: { ...input, kind: "response" } }];
    const success = (fields: Record<string, unknown> = {}, wide = false) =>
      ret({
        name: "FFA_SUCCESS",
        fields: { func: wide ? SUCCESS64 : SUCCESS32, answers: msg.name, ...fields },
      });
    const error = (code: number) => ret({ name: "FFA_ERROR", fields: { answers: msg.name, code } });
    const E = FFA_ERROR_CODES;
    if (msg.name !== "FFA_VERSION") caller.locked = true;
    switch (msg.name) {
      case "FFA_VERSION": {
        const want = Number(v["version"] ?? 0) >>> 0;
        let answer: number;
        if (want & 0x80000000) answer = NOT_SUPPORTED_VERSION;
        else if (caller.locked) answer = caller.version ?? NOT_SUPPORTED_VERSION;
        else if (want >>> 16 === this.version >>> 16 && (want & 0xffff) <= (this.version & 0xffff)) {
          caller.version = want;
          answer = this.version;
        } else answer = NOT_SUPPORTED_VERSION;
        return ret({ name: "FFA_VERSION", fields: { func: 0x84000063, version: answer } });
      }
      case "FFA_ID_GET":
        return success({ id: callerId });
      case "FFA_SPM_ID_GET":
        return success({ id: this.ownId });
      case "FFA_FEATURES": {
        const f = Number(v["feature"] ?? 0) >>> 0;
        if (f & 0x80000000) {
          if (!SUPPORTED_CALLS.has((f & ~0x10000) >>> 0)) return error(E.NOT_SUPPORTED);
          const props = (f & 0xffff) === 0x66 ? 0x10000 : 0; // RXTX_MAP: 4K minimum, 1 page maximum.
          return success({ queried: f, properties: props, properties2: 0 });
        }
        if (f === 1) return success({ queried: f, interrupt_id: 5 });
        if (f === 2) return success({ queried: f, interrupt_id: 8 });
        return error(E.NOT_SUPPORTED);
      }
      case "FFA_RXTX_MAP": {
        const tx = BigInt(v["tx_addr"] as bigint | number ?? 0);
        const rx = BigInt(v["rx_addr"] as bigint | number ?? 0);
        const pages = Number(v["page_count.pages"] ?? v["page_count"] ?? 0);
        if (tx === 0n || rx === 0n || tx === rx || tx % RX_TX_PAGE || rx % RX_TX_PAGE || pages === 0) {
          return error(E.INVALID_PARAMETERS);
        }
        if (caller.tx !== undefined) return error(E.DENIED);
        caller.tx = tx;
        caller.rx = rx;
        caller.rxFull = false;
        return success();
      }
      case "FFA_RXTX_UNMAP": {
        const ep = Number(v["endpoint"] ?? 0);
        if ((ep !== 0 && ep !== callerId) || caller.tx === undefined) return error(E.INVALID_PARAMETERS);
        delete caller.tx;
        delete caller.rx;
        caller.rxFull = false;
        return success();
      }
      case "FFA_RX_RELEASE": {
        const vm = Number(v["vm_id"] ?? 0);
        if ((vm !== 0 && vm !== callerId) || caller.rx === undefined) return error(E.INVALID_PARAMETERS);
        if (!caller.rxFull) return error(E.DENIED);
        caller.rxFull = false;
        return success();
      }
      case "FFA_PARTITION_INFO_GET": {
        const u = String(v["uuid"] ?? "").replaceAll("-", "");
        const list = this.#matching(u);
        if (list === undefined) return error(E.INVALID_PARAMETERS);
        const countOnly = Number(v["flags"] ?? 0) & 1;
        const size = (caller.version ?? this.version) >= 0x10001 ? 24 : 0;
        if (!countOnly) {
          if (caller.rx === undefined || caller.rxFull) return error(E.BUSY);
          caller.rxFull = true; // Descriptors written to the caller's RX buffer.
        }
        return success({ count: list.length, desc_size: size });
      }
      case "FFA_PARTITION_INFO_GET_REGS": {
        const u = v["uuid"] instanceof Uint8Array ? hexOf(v["uuid"]) : "";
        const list = this.#matching(u === "0".repeat(32) ? "" : u);
        if (list === undefined || list.length === 0) return error(E.INVALID_PARAMETERS);
        const start = Number(v["start_index"] ?? 0);
        const tag = Number(v["tag"] ?? 0);
        if (tag !== 0) return error(E.RETRY);
        if (start >= list.length) return error(E.INVALID_PARAMETERS);
        const entries = list.slice(start, start + 5);
        return success({
          last_index: list.length - 1,
          current_index: start + entries.length - 1,
          tag: 0,
          desc_size: 24,
          entry_count: entries.length,
          partitions: entries.map((p) => ({
            id: p.id,
            exec_ctx_count: p.exec_contexts ?? 1,
            properties: p.properties ?? 0,
            uuid: u === "0".repeat(32) || u === "" ? uuidHex(p.uuid) : "0".repeat(32),
          })),
        }, true);
      }
      case "FFA_MSG_SEND_DIRECT_REQ":
      case "FFA_MSG_SEND_DIRECT_REQ2":
        return this.#direct(msg, ctx, callerId, base);
      case "FFA_MSG_SEND2": {
        if (Number(v["sender"] ?? 0) !== 0 && Number(v["sender"]) !== callerId) {
          return error(E.INVALID_PARAMETERS);
        }
        if (caller.tx === undefined) return error(E.DENIED);
        return success();
      }
      case "FFA_MEM_SHARE":
      case "FFA_MEM_LEND":
      case "FFA_MEM_DONATE": {
        const total = Number(v["total_length"] ?? 0);
        const frag = Number(v["fragment_length"] ?? 0);
        const buf = BigInt(v["buffer_addr"] as bigint | number ?? 0);
        if (total < 48 || frag === 0 || frag > total) return error(E.INVALID_PARAMETERS);
        if (buf === 0n && caller.tx === undefined) return error(E.DENIED);
        const handle = (1n << 63n) | this.#nextHandle++;
        this.#shares.set(handle, { owner: callerId, total, received: frag });
        if (frag < total) {
          return ret({
            name: "FFA_MEM_FRAG_RX",
            fields: { handle_lo: lo(handle), handle_hi: hi(handle), fragment_offset: frag },
          });
        }
        return success({ handle_lo: lo(handle), handle_hi: hi(handle) });
      }
      case "FFA_MEM_FRAG_TX": {
        const handle = handleOf(v);
        const s = this.#shares.get(handle);
        if (!s || s.owner !== callerId || s.received >= s.total) return error(E.INVALID_PARAMETERS);
        s.received += Number(v["fragment_length"] ?? 0);
        if (s.received > s.total) {
          this.#shares.delete(handle);
          return error(E.INVALID_PARAMETERS);
        }
        if (s.received < s.total) {
          return ret({
            name: "FFA_MEM_FRAG_RX",
            fields: { handle_lo: lo(handle), handle_hi: hi(handle), fragment_offset: s.received },
          });
        }
        return success({ handle_lo: lo(handle), handle_hi: hi(handle) });
      }
      case "FFA_MEM_RECLAIM": {
        const handle = handleOf(v);
        const s = this.#shares.get(handle);
        if (!s) return error(E.INVALID_PARAMETERS);
        if (s.owner !== callerId) return error(E.DENIED);
        this.#shares.delete(handle);
        return success();
      }
      case "FFA_NOTIFICATION_BITMAP_CREATE":
      case "FFA_NOTIFICATION_BITMAP_DESTROY":
        return success();
      case "FFA_NOTIFICATION_BIND":
      case "FFA_NOTIFICATION_UNBIND": {
        const receiver = Number(v["receiver"] ?? 0);
        const sender = Number(v["sender"] ?? 0);
        if (receiver !== callerId || !this.#known(sender, callerId)) return error(E.INVALID_PARAMETERS);
        const bits = bitmapOf(v);
        const r = this.#caller(receiver);
        for (let b = 0; b < 64; b++) {
          if (!((bits >> BigInt(b)) & 1n)) continue;
          const bound = r.bindings.get(b);
          if (
            msg.name === "FFA_NOTIFICATION_BIND" ? bound !== undefined && bound !== sender : bound !== sender
          ) {
            return error(E.DENIED);
          }
        }
        for (let b = 0; b < 64; b++) {
          if (!((bits >> BigInt(b)) & 1n)) continue;
          if (msg.name === "FFA_NOTIFICATION_BIND") r.bindings.set(b, sender);
          else r.bindings.delete(b);
        }
        return success();
      }
      case "FFA_NOTIFICATION_SET": {
        const receiver = Number(v["receiver"] ?? 0);
        const sender = Number(v["sender"] ?? 0);
        if (sender !== callerId || !this.#known(receiver, callerId)) return error(E.INVALID_PARAMETERS);
        const bits = bitmapOf(v);
        const r = this.#caller(receiver);
        for (let b = 0; b < 64; b++) {
          if (((bits >> BigInt(b)) & 1n) && r.bindings.get(b) !== sender) return error(E.DENIED);
        }
        r.pending.set(sender, (r.pending.get(sender) ?? 0n) | bits);
        return success();
      }
      case "FFA_NOTIFICATION_GET": {
        const receiver = Number(v["receiver"] ?? 0);
        if (receiver !== callerId) return error(E.INVALID_PARAMETERS);
        const want = Number(v["flags"] ?? 0);
        let sp = 0n;
        let vm = 0n;
        for (const [sender, bits] of caller.pending) {
          const fromSp = (sender & 0x8000) !== 0;
          if (fromSp && want & 1) sp |= bits;
          else if (!fromSp && want & 2) vm |= bits;
          else continue;
          caller.pending.delete(sender);
        }
        const spm = want & 4 && caller.rxFull ? 1 : 0;
        return success({
          sp_bitmap_lo: lo(sp),
          sp_bitmap_hi: hi(sp),
          vm_bitmap_lo: lo(vm),
          vm_bitmap_hi: hi(vm),
          spm_bitmap: spm,
          hyp_bitmap: 0,
        });
      }
      case "FFA_NOTIFICATION_INFO_GET": {
        const ids = [...this.#callers].filter(([, c]) => c.pending.size > 0).map(([id]) => id).slice(0, 10);
        if (ids.length === 0) return error(E.NO_DATA);
        const wide = ((Number(v["func"] ?? 0) >>> 30) & 1) === 1;
        const info = ids.length << 7;
        if (wide) {
          const all = new Array(20).fill(0);
          ids.forEach((id, i) => (all[i] = id));
          return success({ info: BigInt(info), ids: all }, true);
        }
        const f: ValueMap = { info };
        for (let r = 3; r <= 7; r++) f[`ids_x${r}`] = [ids[(r - 3) * 2] ?? 0, ids[(r - 3) * 2 + 1] ?? 0];
        return success(f);
      }
      default:
        return error(E.NOT_SUPPORTED);
    }
  }

  /** Partitions matching a UUID (hex without dashes; "" or all zero = all); undefined when none. */
  #matching(u: string): Partition[] | undefined {
    const all = [...this.partitions.values()];
    if (u === "" || /^0+$/.test(u)) return all;
    const list = all.filter((p) => uuidHex(p.uuid) === u.toLowerCase());
    return list.length ? list : undefined;
  }

  #known(id: number, callerId: number): boolean {
    return id === callerId || this.partitions.has(id) || this.#callers.has(id);
  }

  #direct(
    msg: Message,
    ctx: SimContext,
    callerId: number,
    base: Omit<SimOutput, "input">,
  ): SimOutput[] {
    const v = msg.values;
    const two = msg.name === "FFA_MSG_SEND_DIRECT_REQ2";
    const error = (code: number): SimOutput[] => [{
      ...base,
      input: { name: "FFA_ERROR", kind: "response", fields: { answers: msg.name, code } },
    }];
    const E = FFA_ERROR_CODES;
    const sender = Number(v["sender"] ?? 0);
    const receiver = Number(v["receiver"] ?? 0);
    // A caller may only send as itself (Hafnium: sender id ≠ caller → INVALID_PARAMETERS).
    if (sender !== callerId) return error(E.INVALID_PARAMETERS);
    const p = this.partitions.get(receiver);
    if (!p) return error(E.INVALID_PARAMETERS);
    const props = p.properties ?? 0;
    if (!(props & (two ? PROP_RECV_DIRECT_REQ2 : PROP_RECV_DIRECT_REQ))) return error(E.DENIED);
    const ids = { sender: receiver, receiver: sender };
    if (!two) {
      if (Number(v["flags"] ?? 0) >>> 31) return error(E.NOT_SUPPORTED);
      const fields: ValueMap = {
        func: (Number(v["func"]) & 0x40000000) ? 0xc4000070 : 0x84000070,
        ...ids,
        flags: 0,
      };
      for (let r = 3; r <= 7; r++) fields[`x${r}`] = v[`x${r}`] ?? 0;
      return [{ ...base, input: { name: "FFA_MSG_SEND_DIRECT_RESP", kind: "response", fields } }];
    }
    const uuid = v["uuid"] instanceof Uint8Array ? hexOf(v["uuid"]) : "";
    if (!/^0*$/.test(uuid) && uuid !== uuidHex(p.uuid)) return error(E.INVALID_PARAMETERS);
    const resp = (payload: Uint8Array | ValueMap): SimOutput[] => [{
      ...base,
      input: {
        name: "FFA_MSG_SEND_DIRECT_RESP2",
        kind: "response",
        fields: { ...ids, ...payloadFields(payload) },
      },
    }];
    if (!p.virtio_msg && uuidHex(p.uuid) !== uuidHex(VIRTIO_MSG_FFA_UUID)) {
      // A plain partition: an echo service.
      const f: ValueMap = {};
      for (let r = 4; r <= 17; r++) f[`x${r}`] = v[`x${r}`] ?? 0;
      return resp(f);
    }
    const inner = v["payload"] as unknown as Message | undefined;
    if (!inner || typeof inner !== "object" || !("protocol" in inner)) return error(E.INVALID_PARAMETERS);
    const innerRecord: CaptureRecord = makeRecord(inner.data.subarray(0, frameSize(inner)), {
      timestampNs: ctx.record.timestampNs,
      protocol: "virtio-msg",
      kind: inner.kind,
      sender: "driver",
      channel: {
        ...(ctx.record.channel.bus !== undefined ? { bus: ctx.record.channel.bus } : {}),
        device: Number(inner.values["dev_num"] ?? 0),
      },
    });
    const outs = ctx.deliver("virtio-msg", inner, innerRecord);
    // The direct response carries the device's answer; for a notification (no answer) the event it
    // caused (EVENT_USED, or EVENT_CONFIG before DRIVER_OK); else OP-TEE's header-only "null response".
    const kindOf = (o: SimOutput) => o.kind ?? o.input?.kind ?? "response";
    let first = outs.findIndex((o) => kindOf(o) === "response");
    if (first < 0) first = outs.findIndex((o) => kindOf(o) === "event" && o.protocol === "virtio-msg");
    const registry = ctx.registry;
    let payload: Uint8Array;
    if (first >= 0) {
      const o = outs[first]!;
      payload = o.bytes ??
        registry.get("virtio-msg")!.encodeMessage(o.input!, { registry, options: ctx.options });
    } else payload = nullResponse(inner);
    const events = outs.filter((_, i) => i !== first).map((o): SimOutput => ({
      ...o,
      channel: o.channel ?? innerRecord.channel,
      sender: "device",
    }));
    return [...resp(payload), ...events];
  }
}

/** Size of the virtio-msg frame in a carrier (msg_size, else the whole area). */
function frameSize(m: Message): number {
  const s = Number(m.values["msg_size"] ?? m.data.length);
  return s > 0 && s <= m.data.length ? s : m.data.length;
}

/** An 8-byte header-only response echoing type|1, msg_id, dev_num and token. */
function nullResponse(m: Message): Uint8Array {
  const b = new Uint8Array(8);
  const rfc2 = m.dialect === "rfc2";
  b[0] = (Number(m.values["type"] ?? 0) | 1) & 0xff;
  b[1] = Number(m.values["msg_id"] ?? 0) & 0xff;
  const dv = new DataView(b.buffer);
  dv.setUint16(2, Number(m.values["dev_num"] ?? 0), true);
  if (rfc2) dv.setUint16(4, 6, true);
  else {
    dv.setUint16(4, Number(m.values["token"] ?? 0), true);
    dv.setUint16(6, 8, true);
  }
  return rfc2 ? b.subarray(0, 6) : b;
}

function payloadFields(p: Uint8Array | ValueMap): ValueMap {
  if (p instanceof Uint8Array) {
    const area = new Uint8Array(112);
    area.set(p.subarray(0, 112));
    return { payload: area };
  }
  return p;
}

/** The channel of a return: source and destination swapped (absent ids stay absent). */
function replyChannel(ch: Channel): Channel {
  const out: Channel = {};
  if (ch.bus !== undefined) out.bus = ch.bus;
  if (ch.device !== undefined) out.device = ch.device;
  if (ch.queue !== undefined) out.queue = ch.queue;
  if (ch.src !== undefined) {
    out.dst = ch.src;
    if (ch.dst !== undefined) out.src = ch.dst;
  }
  return out;
}

function hexOf(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

const lo = (n: bigint) => Number(n & 0xffffffffn);
const hi = (n: bigint) => Number((n >> 32n) & 0xffffffffn);
const handleOf = (v: ValueMap) =>
  (BigInt(Number(v["handle_hi"] ?? 0) >>> 0) << 32n) | BigInt(Number(v["handle_lo"] ?? 0) >>> 0);
const bitmapOf = (v: ValueMap) =>
  (BigInt(Number(v["bitmap_hi"] ?? 0) >>> 0) << 32n) | BigInt(Number(v["bitmap_lo"] ?? 0) >>> 0);

/** Function ids the peer implements (SMC32 and SMC64 forms), for FFA_FEATURES. */
const SUPPORTED_CALLS = new Set(
  [
    0x63,
    0x64,
    0x65,
    0x66,
    0x67,
    0x68,
    0x69,
    0x6f,
    0x71,
    0x72,
    0x73,
    0x77,
    0x7b,
    0x7d,
    0x7e,
    0x7f,
    0x80,
    0x81,
    0x82,
    0x83,
    0x85,
    0x86,
    0x8b,
    0x8d,
  ].flatMap((n) => [(0x84000000 | n) >>> 0, (0xc4000000 | n) >>> 0]),
);

/**
 * Creates the FF-A peer of a profile.
 *
 * @example The caller's own id comes back from FFA_ID_GET
 * ```ts
 * import { createFfaPeer } from "./ffa_peer.ts";
 * import { equal } from "node:assert/strict";
 * const peer = createFfaPeer();
 * const msg = { name: "FFA_ID_GET", kind: "request", values: {} } as never;
 * const ctx = { record: { channel: { src: 3 } } } as never;
 * const [r] = peer.handle(msg, ctx);
 * equal(r?.input?.fields?.["id"], 3);
 * equal(r?.channel?.dst, 3);
 * ```
 *
 * @param profile The FF-A section of a profile (default: the built-in one).
 * @returns The model.
 */
export function createFfaPeer(profile?: SimProfile["ffa"]): FfaPeerModel {
  return new FfaPeerModel(profile ?? DEFAULT_PROFILE.ffa);
}
