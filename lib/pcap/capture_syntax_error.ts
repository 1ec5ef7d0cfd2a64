/**
 * The error every capture reader throws for damaged or unreadable input.
 *
 * @module
 */

/** Where in the input a {@linkcode CaptureSyntaxError} was found. */
export interface CaptureSyntaxErrorOptions {
  /** Absolute byte offset in the input of the damaged block, record or line. */
  offset: number;
  /** The input's name (file name, `-` for standard input). */
  uri?: string;
  /** 1-based line number, for JSON Lines input. */
  line?: number;
}

/**
 * A capture (pcap, pcapng or JSON Lines) is damaged or is not a capture at all.
 *
 * Readers yield every complete record before the damage, then throw this error.
 *
 * @example Catching damage
 * ```ts
 * import { CaptureReader, CaptureSyntaxError } from "./mod.ts";
 * import { equal, ok } from "node:assert/strict";
 * const bytes = new Uint8Array([0xd4, 0xc3, 0xb2, 0xa1, 2, 0]); // a cut pcap header
 * try {
 *   for await (const _ of new CaptureReader(ReadableStream.from([bytes]), { uri: "cut.pcap" })) {}
 *   ok(false);
 * } catch (e) {
 *   ok(e instanceof CaptureSyntaxError);
 *   equal(e.offset, 0);
 *   equal(e.uri, "cut.pcap");
 * }
 * ```
 */
export class CaptureSyntaxError extends SyntaxError {
  /** Absolute byte offset in the input of the damaged block, record or line. */
  offset: number;
  /** The input's name, when known. */
  uri: string | undefined;
  /** 1-based line number, for JSON Lines input. */
  line: number | undefined;
  /**
   * @param message The whole message ("Cannot read capture ...").
   * @param options Where the damage is.
   */
  constructor(message: string, options: CaptureSyntaxErrorOptions) {
    super(message);
    this.name = "CaptureSyntaxError";
    this.offset = options.offset;
    this.uri = options.uri;
    this.line = options.line;
  }
}
