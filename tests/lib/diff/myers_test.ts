import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { type EditRun, myersDiff } from "../../../lib/diff/myers.ts";
import { lcsLength } from "./_lcs.ts";

/** Replays runs on `a`; checks that runs are contiguous and equal runs really match. */
function apply(a: readonly number[], b: readonly number[], runs: EditRun[]): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  for (const r of runs) {
    equal(r.a, i);
    equal(r.b, j);
    ok(r.length > 0);
    if (r.op === "equal") {
      for (let k = 0; k < r.length; k++) {
        equal(a[i + k], b[j + k]);
        out.push(a[i + k]!);
      }
      i += r.length;
      j += r.length;
    } else if (r.op === "delete") i += r.length;
    else {
      for (let k = 0; k < r.length; k++) out.push(b[j + k]!);
      j += r.length;
    }
  }
  equal(i, a.length);
  equal(j, b.length);
  return out;
}

const seq = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 40 });

Deno.test("myersDiff() turns a into b with a minimal script on short random sequences", () => {
  fc.assert(
    fc.property(seq, seq, (a, b) => {
      const runs = myersDiff(a, b);
      deepEqual(apply(a, b, runs), b);
      const equalCount = runs.filter((r) => r.op === "equal").reduce((s, r) => s + r.length, 0);
      equal(equalCount, lcsLength(a, b));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("myersDiff() stays correct (if not minimal) when the search limit cuts in", () => {
  fc.assert(
    fc.property(seq, seq, fc.integer({ min: 1, max: 4 }), (a, b, maxCost) => {
      deepEqual(apply(a, b, myersDiff(a, b, { maxCost })), b);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("myersDiff() of a sequence with itself is one equal run", () => {
  fc.assert(fc.property(seq, (a) => {
    deepEqual(myersDiff(a, a), a.length ? [{ op: "equal", a: 0, b: 0, length: a.length }] : []);
  }));
});

Deno.test("myersDiff() handles empty sides", () => {
  deepEqual(myersDiff([], []), []);
  deepEqual(myersDiff([1, 2], []), [{ op: "delete", a: 0, b: 0, length: 2 }]);
  deepEqual(myersDiff([], [1]), [{ op: "insert", a: 0, b: 0, length: 1 }]);
});

Deno.test("myersDiff() aligns 200,000 elements with sparse edits without cascading", () => {
  const a = Int32Array.from({ length: 200_000 }, (_, i) => i);
  const b = Int32Array.from([
    ...a.subarray(0, 1000),
    -1,
    ...a.subarray(1000, 150_000),
    ...a.subarray(150_001),
  ]);
  const runs = myersDiff(a, b);
  deepEqual(runs.filter((r) => r.op !== "equal"), [
    { op: "insert", a: 1000, b: 1000, length: 1 },
    { op: "delete", a: 150_000, b: 150_001, length: 1 },
  ]);
});
