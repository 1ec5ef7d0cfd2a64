/**
 * JSON Lines as a {@linkcode ContainerParser}: one record per non-blank line.
 *
 * @internal @private
 * @module
 */
import { CaptureSyntaxError } from "./capture_syntax_error.ts";
import type { ContainerParser, ParseContext, RecordSink } from "./_packet_record.ts";
import { parseJsonLine } from "./jsonl.ts";

const decoder = new TextDecoder();

/** Parses JSON Lines. */
export class JsonlParser implements ContainerParser {
  need = 1;
  wantsNewline = true;
  #ctx: ParseContext;
  #line = 0;

  /** @param ctx Parse context. */
  constructor(ctx: ParseContext) {
    this.#ctx = ctx;
  }

  parse(buf: Uint8Array, base: number, out: RecordSink): number {
    let pos = 0;
    while (true) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      this.#one(buf.subarray(pos, nl), base + pos, out);
      pos = nl + 1;
    }
    this.need = buf.length - pos + 1;
    return pos;
  }

  #one(bytes: Uint8Array, offset: number, out: RecordSink): void {
    this.#line++;
    const text = decoder.decode(bytes).trim();
    if (text === "") return;
    const ctx = this.#ctx;
    try {
      const r = parseJsonLine(text);
      r.source = ctx.uri === undefined
        ? { line: this.#line, offset }
        : { uri: ctx.uri, line: this.#line, offset };
      ctx.info.records++;
      if (r.protocol === undefined) ctx.info.unknownProtocol++;
      out.push(r);
    } catch (e) {
      const name = ctx.uri === undefined ? "" : ` "${ctx.uri}"`;
      const why = e instanceof Error ? e.message : String(e);
      throw new CaptureSyntaxError(
        `Cannot read${name}: line ${this.#line}: ${why}`,
        ctx.uri === undefined ? { offset, line: this.#line } : { offset, line: this.#line, uri: ctx.uri },
      );
    }
  }

  end(buf: Uint8Array, base: number, out: RecordSink): void {
    if (buf.length > 0) this.#one(buf, base, out);
  }
}
