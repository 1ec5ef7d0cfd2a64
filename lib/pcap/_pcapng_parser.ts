/**
 * pcapng as a {@linkcode ContainerParser}: sections with their own byte order, IDBs with
 * if_tsresol / if_tsoffset / if_name / if_description, EPB, SPB and the obsolete Packet Block,
 * epb_flags direction and opt_comment; unknown blocks and options are skipped.
 *
 * @internal @private
 * @module
 */
import type { InterfaceInfo } from "./capture_info.ts";
import { pseudoHeaderLengthAt } from "./pseudo_header.ts";
import {
  captureError,
  type ContainerParser,
  type InterfaceState,
  interfaceState,
  MAX_CAPTURED_LENGTH,
  packetRecord,
  PacketRef,
  type ParseContext,
  type RecordSink,
} from "./_packet_record.ts";

const SHB = 0x0a0d0d0a;
const IDB = 1;
const PB = 2;
const SPB = 3;
const EPB = 6;
/** Largest block accepted (16 MiB), so that a damaged length never makes the reader buffer gigabytes. */
export const MAX_BLOCK_LENGTH = 16 * 1024 * 1024;

const BLOCK_NAMES: Readonly<Record<number, string>> = {
  [SHB]: "Section Header Block",
  [IDB]: "Interface Description Block",
  [PB]: "Packet Block",
  [SPB]: "Simple Packet Block",
  4: "Name Resolution Block",
  5: "Interface Statistics Block",
  [EPB]: "Enhanced Packet Block",
  10: "Decryption Secrets Block",
};
function minLength(type: number): number {
  switch (type) {
    case EPB:
    case PB:
      return 32;
    case SHB:
      return 28;
    case IDB:
      return 20;
    case SPB:
      return 16;
    default:
      return 12;
  }
}

function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block of type 0x${type.toString(16).padStart(8, "0")}`;
}

interface NgInterface extends InterfaceState {
  /** Fast path: ns resolution and no offset. */
  plainNs: boolean;
  /** Packets may be offered to the sink's `packet` (USER0–15, ns, no `--decode-as`). */
  offer: boolean;
  /** 10^-n: multiply (n ≤ 9) or divide (n > 9) by this; 2^-n: multiply by 1e9 then shift. */
  mul: bigint;
  div: bigint;
  shift: bigint;
  offsetNs: bigint;
}

const decoder = new TextDecoder();
/** Where a timestamp's two 32-bit halves become one 64-bit count. */
const TS = new DataView(new ArrayBuffer(8));

function optionString(buf: Uint8Array, start: number, len: number): string {
  let end = start + len;
  const nul = buf.subarray(start, end).indexOf(0);
  if (nul >= 0) end = start + nul;
  return decoder.decode(buf.subarray(start, end));
}

function resolutionName(binary: boolean, n: number): string {
  if (binary) return `2^-${n} s`;
  return ({ 0: "s", 3: "ms", 6: "us", 9: "ns", 12: "ps" } as Record<number, string>)[n] ?? `10^-${n} s`;
}

/** Parses a pcapng stream. */
export class PcapngParser implements ContainerParser {
  need = 12;
  wantsNewline = false;
  #ctx: ParseContext;
  #le = true;
  #section = -1;
  #skipSection = false;
  #ifaces: NgInterface[] = [];
  /** The packet offered to the sink, filled again for each. */
  #ref: PacketRef | undefined;

  /** @param ctx Parse context. */
  constructor(ctx: ParseContext) {
    this.#ctx = ctx;
  }

  parse(buf: Uint8Array, base: number, out: RecordSink): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const n = buf.length;
    const ctx = this.#ctx;
    let pos = 0;
    while (true) {
      const left = n - pos;
      if (left < 8) {
        this.need = 12;
        break;
      }
      const type = dv.getUint32(pos, this.#le);
      let le = this.#le;
      if (type === SHB) {
        if (left < 12) {
          this.need = 12;
          break;
        }
        const magic = dv.getUint32(pos + 8, true);
        if (magic === 0x1a2b3c4d) le = true;
        else if (magic === 0x4d3c2b1a) le = false;
        else {
          throw captureError(
            ctx,
            `bad byte-order magic 0x${magic.toString(16)} in the Section Header Block at byte ${base + pos}`,
            base + pos,
          );
        }
      } else if (this.#section < 0) {
        throw captureError(
          ctx,
          `the first block at byte ${base + pos} is not a Section Header Block`,
          base + pos,
        );
      }
      const len = dv.getUint32(pos + 4, le);
      if (len < minLength(type) || len % 4 !== 0) {
        throw captureError(
          ctx,
          `invalid block length ${len} in the ${blockName(type)} at byte ${base + pos}`,
          base + pos,
        );
      }
      if (len > MAX_BLOCK_LENGTH) {
        throw captureError(
          ctx,
          `block length ${len} of the ${blockName(type)} at byte ${
            base + pos
          } exceeds the limit ${MAX_BLOCK_LENGTH}`,
          base + pos,
        );
      }
      if (left < len) {
        this.need = len;
        break;
      }
      const trailer = dv.getUint32(pos + len - 4, le);
      if (trailer !== len) {
        throw captureError(
          ctx,
          `block length mismatch in the ${blockName(type)} at byte ${
            base + pos
          } (${len} at the start, ${trailer} at the end)`,
          base + pos,
        );
      }
      if (type === EPB || type === PB) {
        if (!this.#skipSection) this.#packet(buf, dv, pos, len, type, base, out);
      } else if (type === SHB) {
        this.#sectionHeader(buf, dv, pos, len, le);
      } else if (type === IDB) {
        if (!this.#skipSection) this.#interface(buf, dv, pos, len);
      } else if (type === SPB) {
        if (!this.#skipSection) this.#simplePacket(buf, dv, pos, len, base, out);
      }
      pos += len;
    }
    return pos;
  }

  #sectionHeader(buf: Uint8Array, dv: DataView, pos: number, len: number, le: boolean): void {
    const info = this.#ctx.info;
    this.#le = le;
    this.#section++;
    this.#ifaces = [];
    info.sections++;
    info.byteOrder ??= le ? "little" : "big";
    const major = dv.getUint16(pos + 12, le);
    this.#skipSection = major !== 1;
    void buf;
    void len;
  }

  #interface(buf: Uint8Array, dv: DataView, pos: number, len: number): void {
    const le = this.#le;
    const ctx = this.#ctx;
    const linkType = dv.getUint16(pos + 8, le);
    const snapLen = dv.getUint32(pos + 12, le);
    const desc: InterfaceInfo = {
      section: this.#section,
      id: this.#ifaces.length,
      linkType,
      snapLen,
      tsResolution: "us",
    };
    let binary = false;
    let exp = 6;
    let offsetSec = 0n;
    const end = pos + len - 4;
    let p = pos + 16;
    while (p + 4 <= end) {
      const code = dv.getUint16(p, le);
      const olen = dv.getUint16(p + 2, le);
      const v = p + 4;
      if (code === 0 || v + olen > end) break;
      if (code === 2) desc.name = optionString(buf, v, olen);
      else if (code === 3) desc.description = optionString(buf, v, olen);
      else if (code === 9 && olen >= 1) {
        const r = buf[v]!;
        binary = (r & 0x80) !== 0;
        exp = r & 0x7f;
      } else if (code === 14 && olen >= 8) offsetSec = dv.getBigInt64(v, le);
      p = v + ((olen + 3) & ~3);
    }
    desc.tsResolution = resolutionName(binary, exp);
    if (offsetSec !== 0n) desc.tsOffset = Number(offsetSec);
    ctx.info.interfaces.push(desc);
    const base = interfaceState(ctx, linkType, snapLen);
    const plainNs = !binary && exp === 9 && offsetSec === 0n;
    this.#ifaces.push({
      ...base,
      plainNs,
      offer: plainNs && base.user && base.bare === undefined,
      mul: binary ? 1_000_000_000n : exp <= 9 ? 10n ** BigInt(9 - exp) : 1n,
      div: !binary && exp > 9 ? 10n ** BigInt(exp - 9) : 1n,
      shift: binary ? BigInt(exp) : 0n,
      offsetNs: offsetSec * 1_000_000_000n,
    });
  }

  #timestamp(iface: NgInterface, hi: number, lo: number): bigint {
    // The 64-bit count from its halves through a DataView: one BigInt made, no high part to cache.
    TS.setUint32(0, lo, true);
    TS.setUint32(4, hi, true);
    const units = TS.getBigUint64(0, true);
    if (iface.plainNs) return units;
    return ((units * iface.mul) >> iface.shift) / iface.div + iface.offsetNs;
  }

  #packet(
    buf: Uint8Array,
    dv: DataView,
    pos: number,
    len: number,
    type: number,
    base: number,
    out: RecordSink,
  ): void {
    const le = this.#le;
    const ctx = this.#ctx;
    const ifId = type === EPB ? dv.getUint32(pos + 8, le) : dv.getUint16(pos + 8, le);
    const iface = this.#ifaces[ifId];
    if (iface === undefined) {
      throw captureError(
        ctx,
        `the ${blockName(type)} at byte ${
          base + pos
        } refers to interface ${ifId}, but section ${this.#section} has ${this.#ifaces.length} interface(s)`,
        base + pos,
      );
    }
    const caplen = dv.getUint32(pos + 20, le);
    if (caplen > len - 32 || caplen > MAX_CAPTURED_LENGTH) {
      throw captureError(
        ctx,
        `captured length ${caplen} exceeds the ${blockName(type)} at byte ${
          base + pos
        } (block length ${len})`,
        base + pos,
      );
    }
    const hi = dv.getUint32(pos + 12, le);
    const lo = dv.getUint32(pos + 16, le);
    const origLen = dv.getUint32(pos + 24, le);
    const dataStart = pos + 28;
    let p = dataStart + ((caplen + 3) & ~3);
    const end = pos + len - 4;
    let direction = 0;
    let comment: string | undefined;
    while (p + 4 <= end) {
      const code = dv.getUint16(p, le);
      const olen = dv.getUint16(p + 2, le);
      const v = p + 4;
      if (code === 0 || v + olen > end) break;
      if (code === 2 && olen >= 4) direction = dv.getUint32(v, le) & 3;
      else if (code === 1) comment = optionString(buf, v, olen);
      p = v + ((olen + 3) & ~3);
    }
    // The sink may write what it needs straight from the bytes (no record built).
    if (iface.offer && out.packet !== undefined && comment === undefined) {
      const hl = pseudoHeaderLengthAt(buf, dataStart, caplen);
      const code = hl === 0 ? 0 : buf[dataStart + 4]!;
      if (code >= 1 && code <= 5) {
        const ref = this.#ref ??= new PacketRef(ctx);
        ref.buf = buf;
        ref.dv = dv;
        ref.at = dataStart;
        ref.length = caplen;
        ref.headerLength = hl;
        ref.originalLength = origLen;
        ref.tsHi = hi;
        ref.tsLo = lo;
        ref.offset = base + pos;
        if (out.packet(ref)) {
          ctx.info.records++;
          return;
        }
      }
    }
    const ts = this.#timestamp(iface, hi, lo);
    const r = packetRecord(ctx, iface, buf, dataStart, caplen, origLen, ts, direction, base + pos);
    if (comment !== undefined) r.comment = comment;
    out.push(r);
  }

  #simplePacket(
    buf: Uint8Array,
    dv: DataView,
    pos: number,
    len: number,
    base: number,
    out: RecordSink,
  ): void {
    const iface = this.#ifaces[0];
    if (iface === undefined) {
      throw captureError(
        this.#ctx,
        `the Simple Packet Block at byte ${
          base + pos
        } needs interface 0, but section ${this.#section} has none`,
        base + pos,
      );
    }
    const origLen = dv.getUint32(pos + 8, this.#le);
    let caplen = Math.min(origLen, len - 16);
    if (iface.snapLen !== 0 && caplen > iface.snapLen) caplen = iface.snapLen;
    out.push(packetRecord(this.#ctx, iface, buf, pos + 12, caplen, origLen, 0n, 0, base + pos));
  }

  end(buf: Uint8Array, base: number): void {
    const left = buf.length;
    if (left === 0) return;
    const ctx = this.#ctx;
    if (left < 8 || (left < 12 && this.#section < 0)) {
      throw captureError(ctx, `truncated block header at byte ${base} (8 bytes needed, ${left} left)`, base);
    }
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const type = dv.getUint32(0, this.#le);
    let le = this.#le;
    if (type === SHB && left >= 12) le = dv.getUint32(8, true) === 0x1a2b3c4d;
    const len = dv.getUint32(4, le);
    throw captureError(
      ctx,
      `truncated ${blockName(type)} at byte ${base} (block length ${len}, ${left} bytes left)`,
      base,
    );
  }
}
