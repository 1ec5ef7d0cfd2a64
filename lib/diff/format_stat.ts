/**
 * `--stat` text of a {@linkcode DiffResult}: counts of inserted, deleted and changed messages per
 * protocol and message name, and a total line.
 *
 * @module
 */
import type { DiffResult } from "./diff_messages.ts";

/**
 * Renders the counts, one line per protocol and message, then the totals.
 *
 * @example
 * ```ts
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { diffMessages } from "./diff_messages.ts";
 * import { formatStat } from "./format_stat.ts";
 * import { deepEqual } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const vmsg = registry.get("virtio-msg")!;
 * const ping = (data: number) =>
 *   vmsg.decodeBytes(vmsg.encodeMessage({ name: "PING", fields: { data } }, { registry }), { registry });
 * deepEqual(formatStat(diffMessages([ping(1)], [ping(2), ping(3)], { registry })), [
 *   " virtio-msg   PING                      +1 -0 ~1",
 *   " 2 messages differ: 1 inserted(+), 0 deleted(-), 1 changed(~); 0 unchanged",
 * ]);
 * ```
 *
 * @param result The diff.
 * @returns Lines.
 */
export function formatStat(result: DiffResult): string[] {
  const st = result.stats();
  const out: string[] = [];
  for (const r of st.rows) {
    out.push(` ${r.protocol.padEnd(12)} ${r.name.padEnd(25)} +${r.inserted} -${r.deleted} ~${r.changed}`);
  }
  const n = st.inserted + st.deleted + st.changed;
  out.push(
    ` ${n} message${n === 1 ? "" : "s"} differ${n === 1 ? "s" : ""}: ${st.inserted} inserted(+), ` +
      `${st.deleted} deleted(-), ${st.changed} changed(~); ${st.unchanged} unchanged`,
  );
  return out;
}
