/**
 * The one summary line `vioscope decode` prints per record, written as bytes. Shared by the
 * sequential path and the parallel one (its workers and its merge), so both print the same bytes.
 *
 * @internal @private
 * @module
 */
import type { DecodeSession, Message } from "../lib/codec/mod.ts";
import type { ByteSink } from "../lib/format.ts";
import type { CaptureRecord } from "../lib/record.ts";
import { annotationText } from "../lib/trace/lift.ts";

/**
 * Writes a record's summary line (number, time, direction, protocol, channel, Info, newline).
 * @param sink Where to write.
 * @param session The session that decoded the record (it writes the message's summary).
 * @param no Record number.
 * @param r The record.
 * @param t0 Timestamp of the first numbered record.
 * @param msg The decoded message, if the record's protocol has a codec.
 */
export function summaryLineTo(
  sink: ByteSink,
  session: DecodeSession,
  no: number,
  r: CaptureRecord,
  t0: bigint,
  msg: Message | undefined,
): void {
  sink.summaryPrefix(no, r, t0);
  if (msg && r.annotation === undefined) session.summaryTo(sink, msg);
  else {
    sink.text(
      r.annotation !== undefined
        ? annotationText(r)
        : `${r.data.length} bytes${r.protocol ? "" : " (unknown protocol)"}`,
    );
  }
  sink.newline();
}

/**
 * Writes a record's summary line, decoding it only when its codec cannot write the summary straight
 * from the bytes (see `DecodeSession.summaryLine`); the same bytes as decoding it and calling
 * {@linkcode summaryLineTo}.
 * @param sink Where to write.
 * @param session The session (summaries left to the caller, `summaries: false`).
 * @param no Record number.
 * @param r The record.
 * @param t0 Timestamp of the first numbered record.
 */
export function recordLineTo(
  sink: ByteSink,
  session: DecodeSession,
  no: number,
  r: CaptureRecord,
  t0: bigint,
): void {
  if (r.annotation === undefined) {
    const start = sink.off;
    sink.summaryPrefix(no, r, t0);
    if (session.summaryLine(r, sink)) {
      sink.newline();
      return;
    }
    sink.off = start;
  }
  summaryLineTo(sink, session, no, r, t0, session.decode(r));
}
