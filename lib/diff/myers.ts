/**
 * Myers' O(ND) difference algorithm over integer sequences, in its linear-memory form: the
 * "middle snake" is found by searching forward and backward at once, and the two halves around
 * it are solved recursively (Myers 1986, §4b), so memory stays O(N + M) for traces of millions
 * of messages.
 *
 * @module
 */

/** One run of the edit script: `length` consecutive equal, deleted or inserted elements. */
export interface EditRun {
  /** What happens to the elements. */
  op: "equal" | "delete" | "insert";
  /** Index of the first element in the old sequence (for inserts: where they go). */
  a: number;
  /** Index of the first element in the new sequence (for deletes: where they were). */
  b: number;
  /** Number of elements. */
  length: number;
}

/** Options for {@linkcode myersDiff}. */
export interface MyersOptions {
  /**
   * Most edit steps searched for one middle snake before giving up minimality and splitting at
   * the furthest-reaching point (as xdiff does); keeps pathological inputs fast.
   * @default {65536}
   */
  maxCost?: number;
}

/**
 * Computes a shortest edit script turning `a` into `b` (minimal unless `maxCost` cuts a search
 * short). Elements are compared with `===`; intern richer keys to numbers first.
 *
 * @example Aligning two short sequences
 * ```ts
 * import { myersDiff } from "./myers.ts";
 * import { deepEqual } from "node:assert/strict";
 * deepEqual(myersDiff([1, 2, 3], [1, 3, 4]), [
 *   { op: "equal", a: 0, b: 0, length: 1 },
 *   { op: "delete", a: 1, b: 1, length: 1 },
 *   { op: "equal", a: 2, b: 1, length: 1 },
 *   { op: "insert", a: 3, b: 2, length: 1 },
 * ]);
 * ```
 *
 * @param a The old sequence.
 * @param b The new sequence.
 * @param options Search limit.
 * @returns Runs covering both sequences in order.
 */
export function myersDiff(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: MyersOptions = {},
): EditRun[] {
  const out = new RunBuilder();
  const maxCost = Math.max(1, options.maxCost ?? 65536);
  const size = Math.min(a.length + b.length, maxCost) * 2 + 4;
  const state: State = { a, b, out, maxCost, v1: new Int32Array(size), v2: new Int32Array(size) };
  // An explicit stack instead of recursion: [aLo, aHi, bLo, bHi] work items, processed left to
  // right so runs come out in order. A "-1" marker item flushes a pending equal run (the snake).
  const stack: number[] = [0, a.length, 0, b.length];
  while (stack.length) {
    const bHi = stack.pop()!, bLo = stack.pop()!, aHi = stack.pop()!, aLo = stack.pop()!;
    if (aLo < 0) {
      // Deferred common suffix: [-1, length, aStart, bStart].
      out.push("equal", bLo, bHi, aHi);
      continue;
    }
    solve(state, aLo, aHi, bLo, bHi, stack);
  }
  return out.runs;
}

interface State {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  out: RunBuilder;
  maxCost: number;
  v1: Int32Array;
  v2: Int32Array;
}

function solve(st: State, aLo: number, aHi: number, bLo: number, bHi: number, stack: number[]): void {
  const { a, b, out } = st;
  // Common prefix.
  let p = 0;
  while (aLo + p < aHi && bLo + p < bHi && a[aLo + p] === b[bLo + p]) p++;
  if (p) out.push("equal", aLo, bLo, p);
  aLo += p;
  bLo += p;
  // Common suffix (emitted after the middle).
  let s = 0;
  while (aHi - s > aLo && bHi - s > bLo && a[aHi - s - 1] === b[bHi - s - 1]) s++;
  aHi -= s;
  bHi -= s;
  if (s) stack.push(-1, s, aHi, bHi);
  if (aLo === aHi) {
    if (bLo < bHi) out.push("insert", aLo, bLo, bHi - bLo);
    return;
  }
  if (bLo === bHi) {
    out.push("delete", aLo, bLo, aHi - aLo);
    return;
  }
  const [x, y] = middle(st, aLo, aHi, bLo, bHi);
  // Right half first on the stack, so the left half is solved (and emitted) first.
  stack.push(x, aHi, y, bHi);
  stack.push(aLo, x, bLo, y);
}

/**
 * Finds a point (x, y) on a shortest path from (aLo, bLo) to (aHi, bHi), strictly between them.
 * Both ranges are non-empty and their first and last elements differ.
 */
function middle(st: State, aLo: number, aHi: number, bLo: number, bHi: number): [number, number] {
  const { a, b } = st;
  const n = aHi - aLo;
  const m = bHi - bLo;
  const maxD = Math.min(Math.ceil((n + m) / 2) + 1, st.maxCost);
  const off = maxD + 1;
  const len = 2 * maxD + 3;
  const v1 = st.v1;
  const v2 = st.v2;
  v1.fill(-1, 0, len);
  v2.fill(-1, 0, len);
  v1[off + 1] = 0;
  v2[off + 1] = 0;
  const delta = n - m;
  const front = (delta & 1) !== 0;
  let k1start = 0, k1end = 0, k2start = 0, k2end = 0;
  for (let d = 0; d < maxD; d++) {
    for (let k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
      const i1 = off + k1;
      let x1 = k1 === -d || (k1 !== d && v1[i1 - 1]! < v1[i1 + 1]!) ? v1[i1 + 1]! : v1[i1 - 1]! + 1;
      let y1 = x1 - k1;
      while (x1 < n && y1 < m && a[aLo + x1] === b[bLo + y1]) {
        x1++;
        y1++;
      }
      v1[i1] = x1;
      if (x1 > n) k1end += 2;
      else if (y1 > m) k1start += 2;
      else if (front) {
        const i2 = off + delta - k1;
        if (i2 >= 0 && i2 < len && v2[i2] !== -1) {
          if (x1 >= n - v2[i2]!) return [aLo + x1, bLo + y1];
        }
      }
    }
    for (let k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
      const i2 = off + k2;
      let x2 = k2 === -d || (k2 !== d && v2[i2 - 1]! < v2[i2 + 1]!) ? v2[i2 + 1]! : v2[i2 - 1]! + 1;
      let y2 = x2 - k2;
      while (x2 < n && y2 < m && a[aHi - x2 - 1] === b[bHi - y2 - 1]) {
        x2++;
        y2++;
      }
      v2[i2] = x2;
      if (x2 > n) k2end += 2;
      else if (y2 > m) k2start += 2;
      else if (!front) {
        const i1 = off + delta - k2;
        if (i1 >= 0 && i1 < len && v1[i1] !== -1) {
          const x1 = v1[i1]!;
          const y1 = off + x1 - i1;
          if (x1 >= n - x2) return [aLo + x1, bLo + y1];
        }
      }
    }
  }
  // Search limit reached (or no overlap found): split at the forward point that got furthest.
  let best = -1, bx = 0, by = 0;
  const d = maxD - 1;
  for (let k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
    const x1 = v1[off + k1]!;
    if (x1 < 0) continue;
    const y1 = x1 - k1;
    if (x1 <= n && y1 <= m && y1 >= 0 && x1 + y1 > best && !(x1 === n && y1 === m)) {
      best = x1 + y1;
      bx = x1;
      by = y1;
    }
  }
  if (best <= 0) {
    // No progress at all: peel off one deletion.
    return [aLo + 1, bLo];
  }
  return [aLo + bx, bLo + by];
}

class RunBuilder {
  runs: EditRun[] = [];
  push(op: EditRun["op"], a: number, b: number, length: number): void {
    const last = this.runs[this.runs.length - 1];
    if (
      last && last.op === op && last.a + (op === "insert" ? 0 : last.length) === a &&
      last.b + (op === "delete" ? 0 : last.length) === b
    ) {
      last.length += length;
    } else this.runs.push({ op, a, b, length });
  }
}
