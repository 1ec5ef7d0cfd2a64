/**
 * Summary sinks (see lib/sink.ts): codecs write summaries into them piece by piece.
 *
 * @module
 */
export { BytesSink, type Lit, lit, StringSink, type SummarySink } from "../sink.ts";
