/**
 * Where summaries are written: a string (for `msg.summary`) or, in `vioscope decode`, straight into
 * the output bytes, so a summary line is never built as a string and then encoded.
 *
 * @module
 */

/** Receives the pieces of a summary in order. */
export interface SummarySink {
  /**
   * Appends text.
   * @param s The text.
   */
  text(s: string): void;
}

/**
 * A sink that collects the text into a string.
 *
 * @example
 * ```ts
 * import { StringSink } from "./sink.ts";
 * import { equal } from "node:assert/strict";
 * const s = new StringSink();
 * s.text("GET_CONFIG");
 * s.text(" dev=1");
 * equal(s.value, "GET_CONFIG dev=1");
 * ```
 */
export class StringSink implements SummarySink {
  /** The text so far. */
  value = "";
  /**
   * Appends text.
   * @param s The text.
   */
  text(s: string): void {
    this.value += s;
  }
}
