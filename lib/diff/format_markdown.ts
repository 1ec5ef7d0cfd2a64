/**
 * Markdown of a {@linkcode DiffResult}, fit for a pull-request comment: a headline, a table of
 * counts per protocol and message, and one collapsible `<details>` section per hunk.
 *
 * @module
 */
import type { DiffResult } from "./diff_messages.ts";
import { hunkHeader, hunkLines } from "./format_unified.ts";

/** Options for {@linkcode formatMarkdown}. */
export interface MarkdownOptions {
  /**
   * Unchanged messages around each edit.
   * @default {3}
   */
  context?: number;
  /**
   * Name of the old trace.
   * @default {"a"}
   */
  labelA?: string;
  /**
   * Name of the new trace.
   * @default {"b"}
   */
  labelB?: string;
  /**
   * Most hunks written out; the rest are counted in a closing note.
   * @default {50}
   */
  maxHunks?: number;
}

/**
 * Renders the diff as Markdown.
 *
 * @example
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { diffMessages } from "./diff_messages.ts";
 * import { formatMarkdown } from "./format_markdown.ts";
 * import { match } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const vmsg = registry.get("virtio-msg")!;
 * const ping = (data: number) =>
 *   vmsg.decodeBytes(vmsg.encodeMessage({ name: "PING", fields: { data } }, { registry }), { registry });
 * const md = formatMarkdown(diffMessages([ping(1)], [ping(2)], { registry }));
 * match(md, /\| virtio-msg \| PING \| 0 \| 0 \| 1 \|/);
 * match(md, /<details>/);
 * ```
 *
 * @param result The diff.
 * @param options Context, labels, hunk limit.
 * @returns Markdown text ending with a newline.
 */
export function formatMarkdown(result: DiffResult, options: MarkdownOptions = {}): string {
  const a = options.labelA ?? "a", b = options.labelB ?? "b";
  const st = result.stats();
  const out: string[] = [`### vioscope diff: \`${code(a)}\` → \`${code(b)}\``, ""];
  if (result.identical) {
    out.push(`No differences (${result.lengthA} messages).`);
    return out.join("\n") + "\n";
  }
  out.push(
    `**${st.inserted} inserted, ${st.deleted} deleted, ${st.changed} changed** ` +
      `(${result.lengthA} → ${result.lengthB} messages, ${st.unchanged} unchanged)`,
    "",
    "| protocol | message | inserted | deleted | changed |",
    "| --- | --- | ---: | ---: | ---: |",
  );
  for (const r of st.rows) {
    out.push(`| ${cell(r.protocol)} | ${cell(r.name)} | ${r.inserted} | ${r.deleted} | ${r.changed} |`);
  }
  out.push("");
  const hunks = result.hunks(options.context ?? 3);
  const max = options.maxHunks ?? 50;
  for (const h of hunks.slice(0, max)) {
    const edits = h.lines.filter((l) => l.op !== "equal");
    const first = edits[0]!;
    const what = result.info(first.op === "delete" ? "a" : "b", first.op === "delete" ? first.a : first.b);
    out.push(
      `<details><summary><code>${html(hunkHeader(h))}</code> ${edits.length} edit${
        edits.length === 1 ? "" : "s"
      }, first: ${html(what.protocol)} ${html(what.name)}</summary>`,
      "",
      "```diff",
      ...hunkLines(result, h).map((l) => l.replaceAll("```", "`\u200b``")),
      "```",
      "",
      "</details>",
      "",
    );
  }
  if (hunks.length > max) out.push(`_${hunks.length - max} more hunks not shown._`, "");
  return out.join("\n").replace(/\n+$/, "") + "\n";
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

function code(s: string): string {
  return s.replace(/`/g, "'");
}

function html(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
