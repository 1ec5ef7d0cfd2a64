/**
 * Matching filter names against `--ignore` patterns.
 *
 * @module
 */

/**
 * Builds a predicate telling whether a filter name is ignored. A pattern matches a name exactly,
 * or any field below it (`vmsg.token` also matches `vmsg.token.x`); `*` matches any run of
 * characters (dots included, so `*.token` matches `vmsg.token` and `scmi.hdr.token`) and `?` one
 * character. List indexes (`[3]`) in names are disregarded.
 *
 * @example Ignoring tokens everywhere
 * ```ts
 * import { fieldMatcher } from "./field_matcher.ts";
 * import { equal } from "node:assert/strict";
 * const ignored = fieldMatcher(["*.token", "vmsg.vq"]);
 * equal(ignored("scmi.hdr.token"), true);
 * equal(ignored("vmsg.vq.desc_addr"), true);
 * equal(ignored("vmsg.vqueue"), false);
 * ```
 *
 * @param patterns Filter names, prefixes or globs.
 * @returns The predicate.
 */
export function fieldMatcher(patterns: Iterable<string>): (name: string) => boolean {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const raw of patterns) {
    const p = raw.trim();
    if (!p) continue;
    if (/[*?]/.test(p)) {
      const re = p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
      globs.push(new RegExp(`^(?:${re})(?:\\..*)?$`));
    } else exact.add(p);
  }
  if (exact.size === 0 && globs.length === 0) return () => false;
  const cache = new Map<string, boolean>();
  return (name: string) => {
    let r = cache.get(name);
    if (r !== undefined) return r;
    const n = name.includes("[") ? name.replace(/\[\d+\]/g, "") : name;
    r = false;
    for (let i = n.length; i > 0; i = n.lastIndexOf(".", i - 1)) {
      if (exact.has(n.slice(0, i))) {
        r = true;
        break;
      }
      if (i === 0) break;
    }
    if (!r) r = globs.some((g) => g.test(n));
    if (cache.size < 65536) cache.set(name, r);
    return r;
  };
}
