/**
 * Classic pcap (µs and ns magics, both byte orders) as a {@linkcode ContainerParser}.
 *
 * @internal @private
 * @module
 */
import {
  captureError,
  type ContainerParser,
  type InterfaceState,
  interfaceState,
  MAX_CAPTURED_LENGTH,
  packetRecord,
  type ParseContext,
  type RecordSink,
} from "./_packet_record.ts";

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** Parses a classic pcap stream. */
export class PcapParser implements ContainerParser {
  need = FILE_HEADER;
  wantsNewline = false;
  #ctx: ParseContext;
  #iface: InterfaceState | undefined;
  #le = true;
  #nanos = false;
  #maxCaplen = MAX_CAPTURED_LENGTH;
  #lastSec = -1;
  #lastSecNs = 0n;

  /** @param ctx Parse context. */
  constructor(ctx: ParseContext) {
    this.#ctx = ctx;
  }

  parse(buf: Uint8Array, base: number, out: RecordSink): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    const n = buf.length;
    if (this.#iface === undefined) {
      if (n < FILE_HEADER) return 0;
      this.#header(dv, base);
      pos = FILE_HEADER;
    }
    const iface = this.#iface!;
    const le = this.#le;
    const ctx = this.#ctx;
    while (true) {
      const left = n - pos;
      if (left < RECORD_HEADER) {
        this.need = RECORD_HEADER;
        break;
      }
      const caplen = dv.getUint32(pos + 8, le);
      if (caplen > this.#maxCaplen) {
        throw captureError(
          ctx,
          `captured length ${caplen} of the pcap record at byte ${base + pos} exceeds ${
            iface.snapLen !== 0 && iface.snapLen < MAX_CAPTURED_LENGTH ? "the snap length" : "the limit"
          } ${this.#maxCaplen}`,
          base + pos,
        );
      }
      const total = RECORD_HEADER + caplen;
      if (left < total) {
        this.need = total;
        break;
      }
      const sec = dv.getUint32(pos, le);
      const frac = dv.getUint32(pos + 4, le);
      if (sec !== this.#lastSec) {
        this.#lastSec = sec;
        this.#lastSecNs = BigInt(sec) * 1_000_000_000n;
      }
      const ts = this.#lastSecNs + BigInt(this.#nanos ? frac : frac * 1000);
      const origLen = dv.getUint32(pos + 12, le);
      const start = pos + RECORD_HEADER;
      out.push(packetRecord(ctx, iface, buf, start, caplen, origLen, ts, 0, base + pos));
      pos += total;
    }
    return pos;
  }

  #header(dv: DataView, base: number): void {
    const ctx = this.#ctx;
    const magic = dv.getUint32(0, true);
    switch (magic) {
      case 0xa1b2c3d4:
        this.#le = true;
        break;
      case 0xa1b23c4d:
        this.#le = true;
        this.#nanos = true;
        break;
      case 0xd4c3b2a1:
        this.#le = false;
        break;
      case 0x4d3cb2a1:
        this.#le = false;
        this.#nanos = true;
        break;
      default:
        throw captureError(ctx, `unknown pcap magic 0x${magic.toString(16)} at byte ${base}`, base);
    }
    const le = this.#le;
    const major = dv.getUint16(4, le);
    if (major !== 2) {
      throw captureError(ctx, `unsupported pcap version ${major}.${dv.getUint16(6, le)}`, base + 4);
    }
    const snapLen = dv.getUint32(16, le);
    const linkType = dv.getUint32(20, le) & 0xffff;
    this.#maxCaplen = snapLen !== 0 && snapLen < MAX_CAPTURED_LENGTH ? snapLen : MAX_CAPTURED_LENGTH;
    this.#iface = interfaceState(ctx, linkType, snapLen);
    const info = ctx.info;
    info.byteOrder = le ? "little" : "big";
    info.sections = 1;
    info.interfaces.push({ section: 0, id: 0, linkType, snapLen, tsResolution: this.#nanos ? "ns" : "us" });
  }

  end(buf: Uint8Array, base: number): void {
    if (buf.length === 0) return;
    if (this.#iface === undefined) {
      throw captureError(
        this.#ctx,
        `truncated pcap file header at byte ${base} (${FILE_HEADER} bytes needed, ${buf.length} left)`,
        base,
      );
    }
    if (buf.length < RECORD_HEADER) {
      throw captureError(
        this.#ctx,
        `truncated pcap record header at byte ${base} (${RECORD_HEADER} bytes needed, ${buf.length} left)`,
        base,
      );
    }
    throw captureError(
      this.#ctx,
      `truncated pcap record at byte ${base} (record length ${this.need}, ${buf.length} bytes left)`,
      base,
    );
  }
}
