/**
 * Arguments of events whose format is not known: `key=value` tokens, or `name value` pairs.
 *
 * @internal @private
 * @module
 */
import type { TraceValue } from "./trace_event.ts";

const KV = /^([A-Za-z_][\w.\[\]]*)[=:](.*)$/;
const NAME = /^[A-Za-z_][\w.]*$/;

/**
 * Reads `k=v k=v` (also `k:v`), or `name value name value`, or keeps the whole text as `text`.
 * Values stay text: without the format the types are not known.
 * @param text The text after the event name.
 * @returns Arguments.
 */
export function genericArgs(text: string): Record<string, TraceValue> {
  const t = text.trim();
  const out: Record<string, TraceValue> = {};
  if (t === "") return out;
  const tokens = t.split(/\s+/);
  let kv = true;
  for (const tok of tokens) {
    const m = KV.exec(tok);
    if (!m) {
      kv = false;
      break;
    }
    out[m[1]!] = m[2]!;
  }
  if (kv) return out;
  if (tokens.length % 2 === 0) {
    const pairs: Record<string, TraceValue> = {};
    let ok = true;
    for (let i = 0; i < tokens.length; i += 2) {
      if (!NAME.test(tokens[i]!) || tokens[i + 1]!.includes("=")) {
        ok = false;
        break;
      }
      pairs[tokens[i]!] = tokens[i + 1]!;
    }
    if (ok) return pairs;
  }
  return { text: t };
}
