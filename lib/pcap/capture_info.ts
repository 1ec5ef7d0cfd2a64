/**
 * What a reader learns about a capture's container: format, byte order, sections, interfaces.
 *
 * @module
 */

/** One capture interface (pcapng IDB, or the single implicit interface of a pcap file). */
export interface InterfaceInfo {
  /** 0-based section number (pcapng sections; always 0 for pcap). */
  section: number;
  /** Interface id within its section (0-based, in IDB order). */
  id: number;
  /** LINKTYPE number (FCS bits of a pcap link-type word removed). */
  linkType: number;
  /** Snap length; 0 means unlimited. */
  snapLen: number;
  /** pcapng if_name. */
  name?: string;
  /** pcapng if_description. */
  description?: string;
  /** Timestamp resolution: `s`, `ms`, `us`, `ns`, `ps`, `10^-n s` or `2^-n s`. */
  tsResolution: string;
  /** pcapng if_tsoffset in seconds, when present and non-zero. */
  tsOffset?: number;
}

/** Container facts, filled in live as the reader meets headers and blocks. */
export interface CaptureInfo {
  /**
   * Detected format; undefined until the first bytes arrive. Readers of other inputs (QEMU logs,
   * ftrace, hex dumps) put their own format name here.
   */
  format: "pcap" | "pcapng" | "jsonl" | (string & Record<never, never>) | undefined;
  /** Byte order of the pcap file, or of the first pcapng section. */
  byteOrder?: "little" | "big";
  /** Number of pcapng sections (1 for pcap, 0 for JSON Lines). */
  sections: number;
  /** Every interface seen so far, in file order. */
  interfaces: InterfaceInfo[];
  /** Complete records read so far. */
  records: number;
  /**
   * Records whose protocol is unknown: link type not USER0–15, no valid pseudo-header, or an
   * annotation / reserved protocol code, and no `decodeAs` entry.
   */
  unknownProtocol: number;
}
