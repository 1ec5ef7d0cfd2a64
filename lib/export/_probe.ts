/**
 * Turns an opaque declaration hook (a `when` predicate, `kindOf`, `classify`) into a decision table
 * that another language can evaluate: which values it reads, the value ranges over which its result
 * stays the same, and its result for every combination of ranges. Found by calling the hook on
 * sampled inputs, so it is exact for hooks that are piecewise constant over the sampled domain
 * (every hook the built-in protocols use); hooks that are not are reported as untranslatable.
 *
 * @internal @private
 * @module
 */
import type { MessageKind } from "../record.ts";

/** A hook under study: values and context in, a comparable result out. */
export type ProbeFn = (values: Record<string, unknown>, ctx: ProbeContext) => string;

/** The context a probed hook sees (a stand-in for the engine's DecodeContext). */
export interface ProbeContext {
  dialect: string;
  dialects: Readonly<Record<string, string>>;
  recordKind: MessageKind;
  options: Readonly<Record<string, unknown>>;
  depth: number;
  registry: { get(): undefined };
}

/** The result of probing: a table keyed by dialect, record kind and value ranges. */
export interface DecisionTable {
  /** Value keys read, in order. */
  keys: string[];
  /** Per key: interval starts after the first interval (sorted); index = 1 + count of bounds ≤ v. */
  bounds: number[][];
  /** Result depends on the dialect. */
  byDialect: boolean;
  /** Result depends on the record kind. */
  byKind: boolean;
  /** Most common result. */
  fallback: string;
  /** Results that differ from the fallback, by `dialect|kind|i1,i2,…` (0 = value absent). */
  entries: Map<string, string>;
}

/** Options of {@linkcode probe}. */
export interface ProbeOptions {
  /** Dialects of the protocol (first = default). */
  dialects: readonly string[];
  /** Sample points for a key (e.g. the whole range of a narrow header field). */
  domainOf?: (key: string) => number[] | undefined;
  /** More sample points for keys without a domain (e.g. the protocol's select values and their neighbours). */
  extraSamples?: readonly number[];
  /**
   * Most calls of the hook before giving up.
   * @default {400000}
   */
  budget?: number;
  /**
   * Keys the other side never has (e.g. values only zero-width computed fields set): the hook sees
   * them as absent, and the table does not depend on them.
   */
  absent?: ReadonlySet<string>;
}

class OverBudget extends Error {}

const PROBES = [-1, 0, 1, 2, 64, 1000];
const KINDS: readonly MessageKind[] = ["unknown", "request", "response", "event"];
const NO_REGISTRY = { get: () => undefined };

/** The default sample points: small numbers, negatives, and powers of two around their edges. */
export const DEFAULT_SAMPLES: readonly number[] = (() => {
  const s = new Set<number>();
  for (let i = -16; i <= 600; i++) s.add(i);
  for (let k = 10; k <= 52; k++) for (const d of [-1, 0, 1]) s.add(2 ** k + d);
  return [...s].sort((a, b) => a - b);
})();

/**
 * Probes a hook.
 * @param fn The hook.
 * @param options Dialects and sample domains.
 * @returns The table, or undefined when the hook cannot be tabulated.
 */
export function probe(fn: ProbeFn, options: ProbeOptions): DecisionTable | undefined {
  const reads = new Set<string>();
  const ctxReads = new Set<string>();
  let budget = options.budget ?? 400_000;
  const absent = options.absent;
  // One proxy for all calls: it reads the current base values, and keeps what the hook writes
  // apart so that the caller's base object stays as it was.
  let cur: Record<string, unknown> = {};
  let written: Record<string, unknown> | undefined;
  const values = new Proxy({} as Record<string, unknown>, {
    get(_t, k) {
      if (typeof k !== "string") return undefined;
      if (absent?.has(k)) return written?.[k];
      reads.add(k);
      return written && k in written ? written[k] : cur[k];
    },
    has(_t, k) {
      if (typeof k === "string" && absent?.has(k)) return written !== undefined && k in written;
      if (typeof k === "string") reads.add(k);
      return (written !== undefined && k in written) || k in cur;
    },
    set(_t, k, v) {
      (written ??= {})[k as string] = v;
      return true;
    },
  });
  const ctxs = new Map<string, ProbeContext>();
  const ctxOf = (dialect: string, kind: MessageKind): ProbeContext => {
    const key = `${dialect}|${kind}`;
    let c = ctxs.get(key);
    if (!c) {
      const t: ProbeContext = {
        dialect,
        dialects: {},
        recordKind: kind,
        options: {},
        depth: 0,
        registry: NO_REGISTRY,
      };
      c = new Proxy(t, {
        get(o, k) {
          if (typeof k === "string") ctxReads.add(k);
          return o[k as keyof ProbeContext];
        },
      });
      ctxs.set(key, c);
    }
    return c;
  };
  const call = (base: Record<string, unknown>, dialect: string, kind: MessageKind): string | undefined => {
    if (--budget < 0) throw new OverBudget();
    cur = base;
    written = undefined;
    try {
      return fn(values, ctxOf(dialect, kind));
    } catch {
      return undefined;
    }
  };
  try {
    return tabulate(call, reads, ctxReads, options);
  } catch (e) {
    if (e instanceof OverBudget) return undefined;
    throw e;
  }
}

function tabulate(
  call: (base: Record<string, unknown>, dialect: string, kind: MessageKind) => string | undefined,
  reads: Set<string>,
  ctxReads: Set<string>,
  options: ProbeOptions,
): DecisionTable | undefined {
  // Discover every key the hook reads (short-circuits hide some until others have values).
  const probes = PROBES;
  let known = -1;
  for (let round = 0; round < 6 && reads.size !== known; round++) {
    known = reads.size;
    const keys = [...reads];
    for (const d of options.dialects) {
      for (const k of KINDS) {
        if (call({}, d, k) === undefined) return undefined;
        for (const p of probes) {
          const all: Record<string, unknown> = {};
          for (const key of keys) {
            all[key] = p;
            call({ [key]: p }, d, k);
          }
          call(all, d, k);
        }
      }
    }
  }
  const keys = [...reads];
  const byDialect = ctxReads.has("dialect") || ctxReads.has("dialects");
  const byKind = ctxReads.has("recordKind");
  const dialects = byDialect ? [...options.dialects] : [options.dialects[0]!];
  const kinds = byKind ? KINDS : ["request" as MessageKind];
  const wide = options.extraSamples?.length
    ? [...new Set([...DEFAULT_SAMPLES, ...options.extraSamples])].sort((a, b) => a - b)
    : [...DEFAULT_SAMPLES];
  const samples = keys.map((k) => options.domainOf?.(k) ?? wide);
  // Representatives per key: undefined, then the start of every interval found so far. The first
  // pass also tries the discovery probes, so that conditions hidden behind another key show up.
  const found: Set<number>[] = keys.map(() => new Set<number>());
  const repsOf = (i: number, first: boolean): (number | undefined)[] => {
    const xs = samples[i]!;
    const extra = first ? probes.filter((p) => p >= xs[0]!) : [];
    return [
      undefined,
      xs[0]!,
      ...[...new Set([...found[i]!, ...extra])].filter((v) => v !== xs[0]).sort((a, b) => a - b),
    ];
  };
  for (let iter = 0;; iter++) {
    if (iter === 5) return undefined;
    const reps = keys.map((_, i) => repsOf(i, iter === 0));
    let changed = false;
    for (let i = 0; i < keys.length; i++) {
      const others = product(reps.filter((_, j) => j !== i));
      if (others.length > 256) return undefined;
      const bounds = found[i]!;
      const xs = samples[i]!;
      for (const d of dialects) {
        for (const kind of kinds) {
          for (const other of others) {
            const base: Record<string, unknown> = {};
            keys.forEach((k, j) => {
              if (j === i) return;
              const v = other[j < i ? j : j - 1];
              if (v !== undefined) base[k] = v;
            });
            let prev: string | undefined;
            for (let s = 0; s < xs.length; s++) {
              base[keys[i]!] = xs[s];
              const r = call(base, d, kind);
              if (r === undefined) return undefined;
              if (s > 0 && r !== prev && !bounds.has(xs[s]!)) {
                bounds.add(xs[s]!);
                changed = true;
              }
              prev = r;
            }
          }
        }
      }
      if (bounds.size > 1024) return undefined;
    }
    if (!changed && iter > 0) break;
  }
  const reps = keys.map((_, i) => repsOf(i, false));
  const grid = product(reps);
  if (grid.length * dialects.length * kinds.length > 50_000) return undefined;
  const results = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const d of dialects) {
    for (const kind of kinds) {
      for (const point of grid) {
        const base: Record<string, unknown> = {};
        keys.forEach((k, j) => {
          if (point[j] !== undefined) base[k] = point[j];
        });
        const r = call(base, d, kind);
        if (r === undefined) return undefined;
        const idx = point.map((v, j) => (v === undefined ? 0 : reps[j]!.indexOf(v, 1)));
        results.set(`${byDialect ? d : ""}|${byKind ? kind : ""}|${idx.join(",")}`, r);
        counts.set(r, (counts.get(r) ?? 0) + 1);
      }
    }
  }
  let fallback = "";
  let best = -1;
  for (const [r, n] of counts) if (n > best) [fallback, best] = [r, n];
  const entries = new Map([...results].filter(([, r]) => r !== fallback));
  return {
    keys,
    bounds: reps.map((row) => row.slice(2) as number[]),
    byDialect,
    byKind,
    fallback,
    entries,
  };
}

function product(lists: (number | undefined)[][]): (number | undefined)[][] {
  let out: (number | undefined)[][] = [[]];
  for (const l of lists) out = out.flatMap((p) => l.map((v) => [...p, v]));
  return out;
}

/**
 * Finds the values a hook writes into the map it is given, as linear functions of the message
 * length (SCMI's classify stores the payload length this way).
 * @param fn Calls the hook with values and a message length.
 * @returns Written keys with `a·length + b`; keys written with anything else are left out.
 */
export function probeWrites(
  fn: (values: Record<string, unknown>, length: number) => void,
): { key: string; a: number; b: number }[] {
  const at = (len: number) => {
    const w = new Map<string, unknown>();
    const values = new Proxy({} as Record<string, unknown>, {
      set(t, k, v) {
        if (typeof k === "string") w.set(k, v);
        t[k as string] = v;
        return true;
      },
    });
    try {
      fn(values, len);
    } catch {
      // A hook that fails on a stand-in writes nothing we can use.
    }
    return w;
  };
  const w1 = at(64);
  const w2 = at(128);
  const out: { key: string; a: number; b: number }[] = [];
  for (const [k, v1] of w1) {
    const v2 = w2.get(k);
    if (typeof v1 !== "number" || typeof v2 !== "number") continue;
    const a = (v2 - v1) / 64;
    const b = v1 - a * 64;
    if (Number.isInteger(a) && Number.isInteger(b) && at(200).get(k) === a * 200 + b) {
      out.push({ key: k, a, b });
    }
  }
  return out;
}
