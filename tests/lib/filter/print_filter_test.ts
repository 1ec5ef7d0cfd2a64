import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import {
  type FilterNode,
  type FilterValue,
  parseFilter,
  printFilter,
  type SetItem,
} from "../../../lib/filter/mod.ts";
import { KEYWORDS } from "../../../lib/filter/_lexer.ts";

/** The tree without source offsets. */
function strip(n: unknown): unknown {
  if (n instanceof Uint8Array) return n;
  if (Array.isArray(n)) return n.map(strip);
  if (n && typeof n === "object") {
    return Object.fromEntries(Object.entries(n).filter(([k]) => k !== "pos").map(([k, v]) => [k, strip(v)]));
  }
  return n;
}

const segment = fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/);
const fieldName = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("."))
  .filter((s) => !KEYWORDS.has(s));
const nameValue = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/).filter((s) => !KEYWORDS.has(s));

const value: fc.Arbitrary<FilterValue> = fc.oneof(
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map((v) => ({ kind: "int" as const, value: v })),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0))
    .map((v) => ({ kind: "float" as const, value: v })),
  fc.string({ unit: "binary" }).map((v) => ({ kind: "string" as const, value: v })),
  fc.uint8Array({ minLength: 2, maxLength: 8 }).map((v) => ({ kind: "bytes" as const, value: v })),
  fc.boolean().map((v) => ({ kind: "bool" as const, value: v })),
  nameValue.map((v) => ({ kind: "name" as const, value: v })),
);
const item: fc.Arbitrary<SetItem> = fc.oneof(
  value,
  fc.record({ kind: fc.constant("range" as const), from: value, to: value }),
);
const ops = fc.constantFrom("==", "!=", "<", "<=", ">", ">=", "contains", "matches") as fc.Arbitrary<
  "==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "matches"
>;

const { tree } = fc.letrec<{ tree: FilterNode }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fieldName.map((name): FilterNode => ({ type: "exists", field: { name } })),
    fc.record({ op: ops, name: fieldName, value }).map(({ op, name, value }): FilterNode => ({
      type: "compare",
      op,
      field: { name },
      value,
    })),
    fc.record({ name: fieldName, items: fc.array(item, { minLength: 1, maxLength: 4 }) })
      .map(({ name, items }): FilterNode => ({ type: "in", field: { name }, items })),
    tie("tree").map((operand): FilterNode => ({ type: "not", operand })),
    fc.record({ type: fc.constantFrom("and" as const, "or" as const), left: tie("tree"), right: tie("tree") })
      .map((n): FilterNode => n),
  ),
}));

Deno.test("printFilter() output parses back to the same tree (random trees)", () => {
  fc.assert(
    fc.property(tree, (t) => {
      const text = printFilter(t);
      deepEqual(strip(parseFilter(text)), strip(t), text);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("printFilter() keeps parentheses only where the structure needs them", () => {
  equal(printFilter(parseFilter("(a and b) or c")), "a and b or c");
  equal(printFilter(parseFilter("a and (b or c)")), "a and (b or c)");
  equal(printFilter(parseFilter("a or (b or c)")), "a or (b or c)");
  equal(printFilter(parseFilter("!(a && b)")), "not (a and b)");
  equal(printFilter(parseFilter("x == 0x10 && y in {1..2, CLOCK}")), "x == 16 and y in {1..2, CLOCK}");
  equal(printFilter(parseFilter("x == 1.0")), "x == 1.0");
});
