/**
 * Hex dumps as text2pcap reads them: each line an offset (three or more hex digits) and up to 16
 * two-digit bytes, any ASCII column after them ignored (`od -Ax -tx1`, `hexdump -C`, Wireshark's
 * "Copy as Hex Dump", `xxd`-like layouts). Offset 0 starts a new message; the next line's offset
 * trims bytes wrongly taken from an ASCII column, as text2pcap does. A line starting with `I` or `O`
 * (text2pcap `-D`) gives the direction of the message that follows: `I` inbound (from the device),
 * `O` outbound (from the driver).
 *
 * @module
 */

/** One message read from a hex dump. */
export interface HexPacket {
  /** The bytes. */
  data: Uint8Array;
  /** `I` inbound or `O` outbound, when the dump said. */
  direction?: "I" | "O";
  /** Line number of the message's first line. */
  line: number;
}

const OFFSET = /^([0-9a-fA-F]{3,})(?::|\s|$)/;
const DIR = /^([IO])(?:\s+|$)/;
const BYTE = /^[0-9a-fA-F]{2}$/;

/**
 * Streaming hex dump parser: feed lines, collect messages.
 *
 * @example Two messages from od output
 * ```ts
 * import { HexdumpParser } from "./hexdump.ts";
 * import { deepEqual, equal } from "node:assert/strict";
 * const p = new HexdumpParser();
 * const out = [
 *   ...p.pushLine("O", 1),
 *   ...p.pushLine("000000 00 04 01 10", 2),
 *   ...p.pushLine("000004", 3),
 *   ...p.pushLine("I 0000  00 04 01 10 00 00 00 00   ........", 4),
 *   ...p.end(),
 * ];
 * equal(out.length, 2);
 * deepEqual([...out[0]!.data], [0, 4, 1, 16]);
 * equal(out[0]!.direction, "O");
 * equal(out[1]!.data.length, 8);
 * equal(out[1]!.direction, "I");
 * ```
 */
export class HexdumpParser {
  #bytes: number[] = [];
  #lineBytes = 0;
  #open = false;
  #dir: "I" | "O" | undefined;
  #pendingDir: "I" | "O" | undefined;
  #first = 0;
  /** Set by {@linkcode HexdumpParser.pushLine} when the line was not understood (reason). */
  skip: string | undefined;

  /**
   * Feeds one line.
   * @param line The text (no newline).
   * @param lineNo 1-based line number.
   * @returns Messages completed by this line.
   */
  pushLine(line: string, lineNo: number): HexPacket[] {
    this.skip = undefined;
    let s = line.trim();
    const out: HexPacket[] = [];
    if (s === "") {
      this.#flush(out);
      return out;
    }
    if (s.startsWith("#")) return out;
    const d = DIR.exec(s);
    if (d) {
      s = s.slice(d[0].length);
      if (s === "" || !OFFSET.test(s)) {
        this.#flush(out);
        this.#pendingDir = d[1] as "I" | "O";
        return out;
      }
    }
    const m = OFFSET.exec(s);
    if (!m) {
      this.skip = `not a hex dump line: ${
        JSON.stringify(line.length > 80 ? line.slice(0, 77) + "..." : line)
      }`;
      return out;
    }
    const offset = parseInt(m[1]!, 16);
    if (offset === 0) {
      this.#flush(out);
      this.#open = true;
      this.#first = lineNo;
      this.#dir = d ? d[1] as "I" | "O" : this.#pendingDir;
      this.#pendingDir = undefined;
    } else if (!this.#open) {
      this.skip = `hex dump line at offset 0x${m[1]} without a line at offset 0 before it`;
      return out;
    } else if (offset < this.#bytes.length && offset >= this.#bytes.length - this.#lineBytes) {
      // The previous line took part of its ASCII column for bytes.
      this.#bytes.length = offset;
    } else if (offset !== this.#bytes.length) {
      this.skip = `hex dump offset 0x${m[1]} does not follow the ${this.#bytes.length} bytes before it`;
      return out;
    }
    this.#lineBytes = 0;
    const rest = s.slice(m[0].length);
    const tokens = rest.split(/( +|\t+)/);
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (i % 2 === 1) {
        if (this.#lineBytes > 0 && (t.length >= 3 || t.includes("\t"))) break;
        continue;
      }
      if (t === "") continue;
      if (!BYTE.test(t)) break;
      this.#bytes.push(parseInt(t, 16));
      this.#lineBytes++;
    }
    return out;
  }

  /**
   * Ends the input.
   * @returns The last message, if one was open.
   */
  end(): HexPacket[] {
    const out: HexPacket[] = [];
    this.#flush(out);
    return out;
  }

  #flush(out: HexPacket[]): void {
    if (this.#open && this.#bytes.length > 0) {
      const p: HexPacket = { data: new Uint8Array(this.#bytes), line: this.#first };
      if (this.#dir) p.direction = this.#dir;
      out.push(p);
    }
    this.#open = false;
    this.#bytes = [];
    this.#lineBytes = 0;
    this.#dir = undefined;
  }
}
