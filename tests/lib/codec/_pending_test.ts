/**
 * The pending-request table against a Map: the same entries, lookups and order after random runs of
 * adds, deletes and clears, through the lone-entry fields and the Map alike.
 */
import { deepEqual, equal } from "node:assert/strict";
import fc from "fast-check";
import { PendingTable } from "../../../lib/codec/_pending.ts";

type Op = { op: "add" | "delete" | "evict" | "clear"; key: string };

const op: fc.Arbitrary<Op> = fc.record({
  op: fc.constantFrom<Op["op"]>("add", "add", "add", "delete", "delete", "evict", "clear"),
  // Few keys, so adds meet keys already there and deletes find what they look for.
  key: fc.constantFrom("a", "b", "c", "d"),
});

Deno.test("PendingTable: same entries, lookups and order as a Map", () => {
  let lone = 0;
  let spilled = 0;
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const table = new PendingTable<number>();
      const model = new Map<string, number>();
      ops.forEach(({ op, key }, i) => {
        if (op === "add") {
          // As DecodeSession remembers a request: the key's old entry goes first, the new one last.
          equal(table.delete(key), model.delete(key));
          table.add(key, i);
          model.set(key, i);
        } else if (op === "delete") {
          equal(table.delete(key), model.delete(key));
        } else if (op === "clear") {
          table.clear();
          model.clear();
        } else {
          equal(table.oldestKey(), model.keys().next().value);
          const oldest = table.oldestKey();
          if (oldest !== undefined) equal(table.delete(oldest), model.delete(oldest));
        }
        equal(table.size, model.size);
        for (const k of ["a", "b", "c", "d", "e"]) {
          equal(table.get(k), model.get(k));
          equal(table.has(k), model.has(k));
        }
        deepEqual([...table], [...model]);
        if (model.size === 1) lone++;
        if (model.size > 1) spilled++;
      });
    }),
    { numRuns: 2000 },
  );
  // Both representations were exercised.
  equal(lone > 1000 && spilled > 1000, true);
});
