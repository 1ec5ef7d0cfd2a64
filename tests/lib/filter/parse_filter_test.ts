import { deepEqual, equal, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import { FilterSyntaxError, parseFilter } from "../../../lib/filter/mod.ts";

Deno.test("parseFilter() builds the tree with precedence not > and > or, left to right", () => {
  deepEqual(parseFilter("a || b && !c"), {
    type: "or",
    left: { type: "exists", field: { name: "a", pos: 0 } },
    right: {
      type: "and",
      left: { type: "exists", field: { name: "b", pos: 5 } },
      right: { type: "not", operand: { type: "exists", field: { name: "c", pos: 11 } } },
    },
  });
  const t = parseFilter("x.y == 0x14 and x.z != -3");
  equal(t.type, "and");
  const noPos = (text: string) => JSON.stringify(parseFilter(text), (k, v) => (k === "pos" ? undefined : v));
  equal(noPos("a or b or c"), noPos("(a or b) or c"));
  equal(noPos("not a and b"), noPos("(not a) and b"));
});

Deno.test("parseFilter() reads every literal form", () => {
  const v = (text: string) => {
    const n = parseFilter(`f == ${text}`);
    if (n.type !== "compare") throw new Error("not a comparison");
    const { pos: _pos, ...rest } = n.value;
    return rest;
  };
  deepEqual(v("20"), { kind: "int", value: 20n });
  deepEqual(v("0x14"), { kind: "int", value: 20n });
  deepEqual(v("024"), { kind: "int", value: 20n });
  deepEqual(v("0o24"), { kind: "int", value: 20n });
  deepEqual(v("0b10100"), { kind: "int", value: 20n });
  deepEqual(v("-4"), { kind: "int", value: -4n });
  deepEqual(v("18446744073709551615"), { kind: "int", value: 18446744073709551615n });
  deepEqual(v("1.5"), { kind: "float", value: 1.5 });
  deepEqual(v("2e-3"), { kind: "float", value: 0.002 });
  deepEqual(v('"a\\"b\\x41\\u00e9\\n"'), { kind: "string", value: 'a"bAé\n' });
  deepEqual(v("01:02:ff"), { kind: "bytes", value: new Uint8Array([1, 2, 255]) });
  deepEqual(v("de:ad"), { kind: "bytes", value: new Uint8Array([0xde, 0xad]) });
  deepEqual(v("true"), { kind: "bool", value: true });
  deepEqual(v("CLOCK"), { kind: "name", value: "CLOCK" });
  deepEqual(v("virtio-msg"), { kind: "name", value: "virtio-msg" });
});

Deno.test("parseFilter() reads operators in symbol and word form", () => {
  const ops = (text: string) => {
    const n = parseFilter(text);
    return n.type === "compare" ? n.op : n.type;
  };
  for (const [a, b] of [["==", "eq"], ["!=", "ne"], ["<", "lt"], ["<=", "le"], [">", "gt"], [">=", "ge"]]) {
    equal(ops(`f ${a} 1`), a);
    equal(ops(`f ${b} 1`), a);
  }
  equal(ops('f contains "x"'), "contains");
  equal(ops('f matches "x"'), "matches");
  equal(ops('f ~ "x"'), "matches");
  deepEqual(parseFilter("f in {1, 2..3 CLOCK}"), {
    type: "in",
    field: { name: "f", pos: 0 },
    items: [
      { kind: "int", value: 1n, pos: 6 },
      { kind: "range", from: { kind: "int", value: 2n, pos: 9 }, to: { kind: "int", value: 3n, pos: 12 } },
      { kind: "name", value: "CLOCK", pos: 14 },
    ],
  });
});

const ERRORS: [string, number, string][] = [
  ["scmi.hdr.token == )", 19, 'unexpected ")" at column 19, expected a value'],
  ["(vmsg && scmi) && )", 19, 'unexpected ")" at column 19, expected a field name'],
  ["vmsg.dev_num == 1 && (", 23, "unexpected end of filter at column 23, expected a field name"],
  ["vmsg ==", 8, "unexpected end of filter at column 8, expected a value"],
  ["a b", 3, 'unexpected "b" at column 3, expected "and", "or" or the end'],
  ["(a", 3, 'unexpected end of filter at column 3, expected ")"'],
  ["()", 2, 'unexpected ")" at column 2, expected a test'],
  ["", 1, "unexpected end of filter at column 1, expected a test"],
  ["a == 12ab", 6, 'invalid number "12a" at column 6'],
  ["a == 09", 6, 'invalid octal number "09" at column 6'],
  ['a == "abc', 6, "unterminated string at column 6"],
  ['a == "\\q"', 7, "invalid escape in string at column 7"],
  ["a == $", 6, 'unexpected "$" at column 6'],
  ["a in 1", 6, 'unexpected "1" at column 6, expected "{"'],
  ["a in {1..}", 10, 'unexpected "}" at column 10, expected a value'],
];

for (const [filter, column, reason] of ERRORS) {
  Deno.test(`parseFilter() reports column ${column} for ${JSON.stringify(filter)}`, () => {
    throws(() => parseFilter(filter), (e: unknown) => {
      ok(e instanceof FilterSyntaxError);
      ok(e instanceof SyntaxError);
      equal(e.column, column);
      equal(e.reason, `Cannot parse filter: ${reason}`);
      const lines = e.message.split("\n");
      equal(lines[1], filter);
      equal(lines[2], " ".repeat(column - 1) + "^");
      return true;
    });
  });
}

Deno.test("parseFilter() never throws anything but FilterSyntaxError on random text", () => {
  const alphabet = fc.constantFrom(
    ...'abz_.-019xX:"\\ (){},!=<>&|~'.split(""),
    "and ",
    "or ",
    "not ",
    " in ",
    "..",
    "contains ",
    "0x",
    "true",
  );
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 30 }).map((a) => a.join(""))), (s) => {
      try {
        parseFilter(s);
      } catch (e) {
        if (!(e instanceof FilterSyntaxError)) throw e;
        ok(e.column >= 1 && e.column <= s.length + 1, `column ${e.column} inside "${s}"`);
      }
    }),
    { numRuns: 3000 },
  );
});
