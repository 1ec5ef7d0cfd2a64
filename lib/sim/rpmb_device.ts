/**
 * A simulated RPMB device (virtio-rpmb, device 28): a one-time programmable key, a monotonic write
 * counter, HMAC-SHA256 authenticated reads and writes over 256-byte blocks, RESULT_READ, counter
 * expiry, and the eMMC probe pass-through draft. Frames are checked in the order of the spec notes
 * (`shared/specs/rpmb-iommu.md` §A2); rules and choices: ../../docs/sim-models.md ("RPMB device").
 *
 * One handle() call sees one 512-byte frame. A DATA_WRITE of N blocks is N request frames: the
 * device keeps the operation open until the N-th frame arrives, then checks and performs it. Writes
 * and key programming return nothing (virtio: no result frame without RESULT_READ); RESULT_READ
 * returns the result frame of the last one. A DATA_READ of N blocks returns N frames.
 *
 * @example Reading the write counter of a fresh device
 * ```ts
 * import { createRpmbDevice } from "./rpmb_device.ts";
 * import { defaultRegistry } from "../codec/protocols/mod.ts";
 * import { makeRecord } from "../record.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const codec = registry.get("rpmb")!;
 * const bytes = codec.encodeMessage({ name: "GET_WRITE_COUNTER", fields: { block_count: 1 } }, { registry });
 * const record = makeRecord(bytes, { protocol: "rpmb", kind: "request", sender: "driver" });
 * const [out] = createRpmbDevice(undefined).handle(codec.decode(record, { registry }), {
 *   registry, now: 0n, record, deliver: () => [], options: {},
 * });
 * const rsp = codec.decodeBytes(out!.bytes!, { registry, recordKind: "response" });
 * equal(rsp.name, "RESP_GET_COUNTER");
 * equal(rsp.values["result.code"], 7); // NO_AUTH_KEY: no key programmed yet
 * ```
 *
 * @module
 */
import type { Message } from "../codec/types.ts";
import { RPMB_FRAME_SIZE, RPMB_KEY_MAC_OFFSET, rpmbMac, rpmbMacFrames } from "../codec/protocols/rpmb.ts";
import type { DeviceModel, SimContext, SimOutput, SimProfile } from "./types.ts";

/** Request and response types (`req_resp`), notes §A1. */
const PROGRAM_KEY = 0x0001;
const GET_WRITE_COUNTER = 0x0002;
const DATA_WRITE = 0x0003;
const DATA_READ = 0x0004;
const RESULT_READ = 0x0005;
const EMMC_CMD = 0x0040;
const RESP_PROGRAM_KEY = 0x0100;
const RESP_GET_COUNTER = 0x0200;
const RESP_DATA_WRITE = 0x0300;
const RESP_DATA_READ = 0x0400;
const RESP_EMMC_CMD = 0x4000;

/** Result codes (`result`), notes §A1. */
const OK = 0x00;
const GENERAL_FAILURE = 0x01;
const AUTH_FAILURE = 0x02;
const COUNT_FAILURE = 0x03;
const ADDR_FAILURE = 0x04;
const WRITE_FAILURE = 0x05;
const NO_AUTH_KEY = 0x07;
const RES_EMMC = 0x40;
const EXPIRED = 0x80;

const BLOCK = 256;
const COUNTER_MAX = 0xffffffff;
/** Frame offsets (notes §A1). */
const DATA = 228;
const NONCE = 484;
const COUNTER = 500;
const ADDRESS = 504;
const BLOCK_COUNT = 506;
const RESULT = 508;
const REQ_RESP = 510;

/** R1 card status answered to eMMC probe commands: READY_FOR_DATA, CURRENT_STATE = tran (4). */
const R1_TRAN_READY = 0x00000900;

interface Fields {
  result?: number;
  counter?: number;
  address?: number;
  blockCount?: number;
  nonce?: Uint8Array;
  data?: Uint8Array;
}

/** Builds one big-endian 512-byte frame. */
function frame(type: number, f: Fields): Uint8Array {
  const b = new Uint8Array(RPMB_FRAME_SIZE);
  const dv = new DataView(b.buffer);
  if (f.data) b.set(f.data.subarray(0, BLOCK), DATA);
  if (f.nonce) b.set(f.nonce.subarray(0, 16), NONCE);
  dv.setUint32(COUNTER, (f.counter ?? 0) >>> 0);
  dv.setUint16(ADDRESS, f.address ?? 0);
  dv.setUint16(BLOCK_COUNT, f.blockCount ?? 0);
  dv.setUint16(RESULT, f.result ?? OK);
  dv.setUint16(REQ_RESP, type);
  return b;
}

/** The fields of a request frame. */
interface Req {
  bytes: Uint8Array;
  type: number;
  counter: number;
  address: number;
  blockCount: number;
  nonce: Uint8Array;
}

function parse(bytes: Uint8Array): Req {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, RPMB_FRAME_SIZE);
  return {
    bytes,
    type: dv.getUint16(REQ_RESP),
    counter: dv.getUint32(COUNTER),
    address: dv.getUint16(ADDRESS),
    blockCount: dv.getUint16(BLOCK_COUNT),
    nonce: bytes.subarray(NONCE, NONCE + 16),
  };
}

function hexKey(s: string): Uint8Array {
  const t = s.replace(/^0x/i, "").replace(/\s+/g, "");
  if (!/^[0-9a-f]{64}$/i.test(t)) {
    throw new RangeError(`Cannot create the RPMB device: the key must be 32 bytes of hex, got "${s}"`);
  }
  return Uint8Array.from({ length: 32 }, (_, i) => parseInt(t.slice(i * 2, i * 2 + 2), 16));
}

/** The remembered result of the last write or key programming (what RESULT_READ returns). */
interface LastResult {
  type: typeof RESP_PROGRAM_KEY | typeof RESP_DATA_WRITE;
  result: number;
  address: number;
}

interface Config {
  key: Uint8Array | undefined;
  capacity: number;
  counter: number;
  emmc: boolean;
}

/** The RPMB device model. */
class RpmbDevice implements DeviceModel {
  readonly protocol = "rpmb" as const;
  #cfg: Config;
  #key: Uint8Array | undefined;
  #counter = 0;
  #data: Uint8Array;
  #last: LastResult | undefined;
  /** The frames of a DATA_WRITE still waiting for the rest of its block_count frames. */
  #open: Req[] = [];

  constructor(profile: SimProfile["rpmb"] | undefined) {
    const capacity = profile?.capacity_blocks ?? 512;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x10000) {
      throw new RangeError(
        `Cannot create the RPMB device: capacity_blocks ${capacity} is not between 1 and 65536`,
      );
    }
    const counter = profile?.write_counter ?? 0;
    if (!Number.isInteger(counter) || counter < 0 || counter > COUNTER_MAX) {
      throw new RangeError(`Cannot create the RPMB device: write_counter ${counter} is not a u32`);
    }
    this.#cfg = {
      key: profile?.key !== undefined ? hexKey(profile.key) : undefined,
      capacity,
      counter,
      emmc: profile?.emmc ?? false,
    };
    this.#data = new Uint8Array(capacity * BLOCK);
    this.reset();
  }

  reset(): void {
    this.#key = this.#cfg.key?.slice();
    this.#counter = this.#cfg.counter;
    this.#data = new Uint8Array(this.#cfg.capacity * BLOCK);
    this.#last = undefined;
    this.#open = [];
  }

  handle(msg: Message, _ctx: SimContext): SimOutput[] {
    if (msg.data.length < RPMB_FRAME_SIZE) return [];
    const req = parse(msg.data);
    // Only request codes (low byte set, high byte clear) are driver→device frames.
    if ((req.type & 0xff) === 0 || (req.type & 0xff00) !== 0) return [];
    const out: SimOutput[] = [];
    if (this.#open.length && !this.#continues(req)) this.#finishWrite();
    switch (req.type) {
      case DATA_WRITE:
        this.#open.push(req);
        if (this.#open.length >= Math.max(1, this.#open[0]!.blockCount)) this.#finishWrite();
        break;
      case PROGRAM_KEY:
        this.#programKey(req);
        break;
      case RESULT_READ:
        out.push(this.#resultRead(req));
        break;
      case GET_WRITE_COUNTER:
        out.push(this.#getCounter(req));
        break;
      case DATA_READ:
        out.push(...this.#read(req));
        break;
      case EMMC_CMD:
        out.push(this.#cfg.emmc ? this.#emmc(req) : this.#unsupported(req));
        break;
      default:
        out.push(this.#unsupported(req));
    }
    return out;
  }

  /** Whether a frame is the next frame of the open DATA_WRITE (same type, address, count, counter). */
  #continues(r: Req): boolean {
    const first = this.#open[0]!;
    return r.type === DATA_WRITE && r.address === first.address && r.blockCount === first.blockCount &&
      r.counter === first.counter;
  }

  get #expired(): boolean {
    return this.#counter === COUNTER_MAX;
  }

  /** A result code with the expired flag once the counter is at its end (as QEMU, notes §A2). */
  #flag(code: number): number {
    return this.#expired ? code | EXPIRED : code;
  }

  /** The response: one frame with a MAC over it, or N frames with the MAC in the last. */
  #out(frames: Uint8Array[], mac: boolean): SimOutput[] {
    if (mac && this.#key) rpmbMacFrames(frames, this.#key);
    return frames.map((bytes) => ({ protocol: "rpmb", kind: "response", bytes }));
  }

  /**
   * Checks and performs the open DATA_WRITE, in the order of notes §A2: key, block_count, expiry,
   * address, MAC, counter. A group cut short by another frame fails with GENERAL_FAILURE after the
   * checks that do not need every frame.
   */
  #finishWrite(): void {
    const frames = this.#open;
    this.#open = [];
    const first = frames[0]!;
    const n = first.blockCount;
    const done = (code: number) => {
      this.#last = { type: RESP_DATA_WRITE, result: code, address: first.address };
    };
    if (!this.#key) return done(NO_AUTH_KEY);
    if (n === 0) return done(this.#flag(GENERAL_FAILURE));
    if (this.#expired) return done(WRITE_FAILURE | EXPIRED);
    if (first.address + n > this.#cfg.capacity) return done(this.#flag(ADDR_FAILURE));
    if (frames.length !== n) return done(this.#flag(GENERAL_FAILURE));
    const want = rpmbMac(frames.map((f) => f.bytes), this.#key);
    const got = frames[n - 1]!.bytes.subarray(RPMB_KEY_MAC_OFFSET, RPMB_KEY_MAC_OFFSET + 32);
    if (!equalBytes(want, got)) return done(this.#flag(AUTH_FAILURE));
    if (first.counter !== this.#counter) return done(this.#flag(COUNT_FAILURE));
    frames.forEach((f, i) => {
      this.#data.set(f.bytes.subarray(DATA, DATA + BLOCK), (first.address + i) * BLOCK);
    });
    this.#counter = Math.min(COUNTER_MAX, this.#counter + 1);
    done(this.#flag(OK));
  }

  /** PROGRAM_KEY: block_count must be 1; the key is one-time programmable (GENERAL_FAILURE after). */
  #programKey(r: Req): void {
    let code = OK;
    if (r.blockCount !== 1 || this.#key) code = GENERAL_FAILURE;
    else this.#key = r.bytes.slice(RPMB_KEY_MAC_OFFSET, RPMB_KEY_MAC_OFFSET + 32);
    this.#last = { type: RESP_PROGRAM_KEY, result: this.#flag(code), address: 0 };
  }

  /** RESULT_READ: the result frame of the last write or key programming. */
  #resultRead(r: Req): SimOutput {
    const last = this.#last ?? { type: RESP_DATA_WRITE, result: this.#flag(GENERAL_FAILURE), address: 0 };
    const result = r.blockCount !== 1 ? this.#flag(GENERAL_FAILURE) : last.result;
    const f = last.type === RESP_DATA_WRITE
      ? frame(RESP_DATA_WRITE, { result, counter: this.#counter, address: last.address })
      : frame(RESP_PROGRAM_KEY, { result });
    return this.#out([f], (result & 0x7f) !== NO_AUTH_KEY)[0]!;
  }

  /** GET_WRITE_COUNTER: key, then block_count ≠ 1; the nonce is echoed. */
  #getCounter(r: Req): SimOutput {
    const code = !this.#key ? NO_AUTH_KEY : r.blockCount !== 1 ? this.#flag(GENERAL_FAILURE) : this.#flag(OK);
    const f = frame(RESP_GET_COUNTER, { result: code, counter: this.#counter, nonce: r.nonce });
    return this.#out([f], code !== NO_AUTH_KEY)[0]!;
  }

  /**
   * DATA_READ: key, block_count == 0, address range; then block_count frames, each with the start
   * address, the count and the nonce, the MAC over all of them in the last. An error is one frame.
   */
  #read(r: Req): SimOutput[] {
    const n = r.blockCount;
    const fail = (code: number) =>
      this.#out([
        frame(RESP_DATA_READ, { result: code, address: r.address, blockCount: n, nonce: r.nonce }),
      ], code !== NO_AUTH_KEY);
    if (!this.#key) return fail(NO_AUTH_KEY);
    if (n === 0) return fail(this.#flag(GENERAL_FAILURE));
    if (r.address + n > this.#cfg.capacity) return fail(this.#flag(ADDR_FAILURE));
    const frames = Array.from({ length: n }, (_, i) => {
      const at = (r.address + i) * BLOCK;
      return frame(RESP_DATA_READ, {
        result: this.#flag(OK),
        address: r.address,
        blockCount: n,
        nonce: r.nonce,
        data: this.#data.subarray(at, at + BLOCK),
      });
    });
    return this.#out(frames, true);
  }

  /**
   * EMMC_CMD (draft S2): bytes 0–7 carry the command (byte 0 = index, bytes 1–4 = argument); the
   * answer carries an R1 status in bytes 0–3 and result EMMC. CMD8 (SEND_EXT_CSD) also returns
   * EXT_CSD bytes 0–255 in `data` (RPMB_SIZE_MULT at 168, REL_WR_SEC_C at 222, EXT_CSD_REV at 192).
   */
  #emmc(r: Req): SimOutput {
    const cmd = r.bytes[0]! & 0x3f;
    let data: Uint8Array | undefined;
    if (cmd === 8) {
      data = new Uint8Array(BLOCK);
      data[168] = Math.max(1, Math.ceil(this.#cfg.capacity / 512));
      data[192] = 8;
      data[222] = 1;
    }
    const f = frame(RESP_EMMC_CMD, { result: RES_EMMC, ...(data ? { data } : {}) });
    new DataView(f.buffer).setUint32(0, R1_TRAN_READY);
    return { protocol: "rpmb", kind: "response", bytes: f };
  }

  /** A request type the device does not implement: its response type, GENERAL_FAILURE. */
  #unsupported(r: Req): SimOutput {
    return this.#out([frame((r.type << 8) & 0xffff, { result: this.#flag(GENERAL_FAILURE) })], false)[0]!;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * Creates a simulated RPMB device. Defaults: no key, 512 blocks of 256 bytes (128 KiB), counter 0,
 * no eMMC pass-through.
 *
 * @example
 * ```ts
 * import { createRpmbDevice } from "./rpmb_device.ts";
 * import { equal } from "node:assert/strict";
 * equal(createRpmbDevice({ capacity_blocks: 1024 }).protocol, "rpmb");
 * ```
 *
 * @param profile The `rpmb` section of the simulator profile: `key` (64 hex digits; programmed at
 *   power-on), `capacity_blocks`, `write_counter`, `emmc` (answer EMMC_CMD probe frames).
 * @returns The device model.
 * @throws {RangeError} When the key is not 32 bytes of hex, the capacity is not 1–65536 blocks or the
 *   counter is not a u32.
 */
export function createRpmbDevice(profile: SimProfile["rpmb"] | undefined): DeviceModel {
  return new RpmbDevice(profile);
}
