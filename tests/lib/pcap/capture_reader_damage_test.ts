import { deepEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { CaptureSyntaxError, readCaptureBytes } from "../../../lib/pcap/mod.ts";
import type { CaptureRecord } from "../../../lib/record.ts";
import { essentials } from "./_arbitrary.ts";
import {
  cat,
  endOpt,
  epb,
  idb,
  opt,
  pb,
  pcapHeader,
  pcapRecord,
  readAll,
  readOk,
  SCMI_EXAMPLE,
  shb,
  spb,
  u32,
  utf8,
} from "./_build.ts";

/** A file as its parts: a block or record, and whether it carries a record. */
type Part = [Uint8Array, boolean];

function pcapngParts(): Part[] {
  const flags = cat(opt(2, u32(1)), opt(1, utf8("comment")), endOpt());
  return [
    [shb(true, cat(opt(4, utf8("test")), endOpt())), false],
    [idb(147, 0, true, cat(opt(9, new Uint8Array([9])), opt(2, utf8("a")), endOpt())), false],
    [epb(0, 1_700_000_000_000_000_001n, SCMI_EXAMPLE, true, flags), true],
    [cat(u32(0x12345678), u32(16), u32(0), u32(16)), false],
    [spb(new Uint8Array([1, 2, 3])), true],
    [shb(false), false],
    [idb(148, 0, false), false],
    [epb(0, 5n, new Uint8Array([4, 5, 6, 7, 8]), false), true],
    [pb(0, 6n, new Uint8Array([9]), false), true],
  ];
}

function pcapParts(le: boolean): Part[] {
  return [
    [pcapHeader(le, true, 1000, 147), false],
    [pcapRecord(le, 1, 2, SCMI_EXAMPLE), true],
    [pcapRecord(le, 3, 4, new Uint8Array(0)), true],
    [pcapRecord(le, 5, 6, new Uint8Array([1, 2, 3, 4, 5])), true],
  ];
}

function jsonlParts(): Part[] {
  return [
    [
      utf8(
        '{"ts":"1.000000000","dir":"request","from":"driver","proto":"scmi","chan":{"queue":0},"hex":"00040110"}\n',
      ),
      true,
    ],
    [utf8("\n"), false],
    [utf8('{"ts":"2.5","hex":""}\n'), true],
    [utf8('{"ts":"3","dir":"event","from":"device","chan":{},"corr":7,"comment":"x","hex":"ff"}'), true],
  ];
}

const FILES: [string, Part[]][] = [
  ["pcapng", pcapngParts()],
  ["pcap LE", pcapParts(true)],
  ["pcap BE", pcapParts(false)],
  ["jsonl", jsonlParts()],
];

for (const [name, parts] of FILES) {
  Deno.test(`CaptureReader yields exactly the complete records of every prefix (${name})`, async () => {
    const bytes = cat(...parts.map((p) => p[0]));
    const full = (await readOk(bytes)).records.map((r) => essentials(r));
    equal(full.length, parts.filter((p) => p[1]).length);
    const ends: number[] = [0];
    const completeAt: number[] = [0];
    for (const [b, isRecord] of parts) {
      ends.push(ends.at(-1)! + b.length);
      completeAt.push(completeAt.at(-1)! + (isRecord ? 1 : 0));
    }
    for (let len = 0; len <= bytes.length; len++) {
      const { records, error } = await readAll(bytes.subarray(0, len));
      let k = 0;
      while (k + 1 < ends.length && ends[k + 1]! <= len) k++;
      const atBoundary = ends[k] === len;
      if (name === "jsonl") {
        // A line is complete without its newline only if its JSON is.
        ok(records.length === completeAt[k] || records.length === completeAt[k]! + 1, `prefix ${len}`);
      } else {
        equal(records.length, completeAt[k], `prefix ${len}: records`);
        if (name === "pcapng" && len === 1) equal(error, undefined, "a lone newline is blank text");
        else if (atBoundary) equal(error, undefined, `prefix ${len} ends at a boundary`);
        else ok(error instanceof CaptureSyntaxError, `prefix ${len}: ${error}`);
      }
      if (error !== undefined) {
        ok(error instanceof CaptureSyntaxError, `prefix ${len}: ${error}`);
        ok(error.offset >= 0 && error.offset <= len, `prefix ${len}: offset ${error.offset}`);
      }
      deepEqual(records.map((r) => essentials(r)), full.slice(0, records.length));
    }
  });

  Deno.test(`CaptureReader gives the same records whatever the chunk sizes (${name})`, async () => {
    const bytes = cat(...parts.map((p) => p[0]));
    const whole = (await readOk(bytes)).records.map((r) => essentials(r));
    const bytewise = (await readOk(bytes, {}, 1)).records.map((r) => essentials(r));
    deepEqual(bytewise, whole);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 64 }), async (chunk) => {
        deepEqual((await readOk(bytes, {}, chunk)).records.map((r) => essentials(r)), whole);
      }),
      { numRuns: 30 },
    );
  });

  Deno.test(`CaptureReader throws nothing but CaptureSyntaxError on corrupted input (${name})`, async () => {
    const bytes = cat(...parts.map((p) => p[0]));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer({ min: 0, max: 16 }),
        async (flips, chunk) => {
          const bad = bytes.slice();
          for (const [at, v] of flips) bad[at] = v;
          const { error } = await readAll(bad, {}, chunk);
          if (error !== undefined) ok(error instanceof CaptureSyntaxError, String(error));
        },
      ),
      { numRuns: 300 },
    );
  });
}

Deno.test("CaptureReader throws nothing but CaptureSyntaxError on random bytes after a valid magic", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(shb(), shb(false), pcapHeader(true, false, 0, 147), pcapHeader(false, true, 10, 1)),
      fc.uint8Array({ maxLength: 300 }),
      async (head, tail) => {
        const { error } = await readAll(cat(head, tail), {}, 5);
        if (error !== undefined) ok(error instanceof CaptureSyntaxError, String(error));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("CaptureReader error names the JSON Lines line", async () => {
  const bytes = utf8('{"ts":"1","hex":"00"}\n{"ts":"2","hex":"0"}\n');
  const { records, error } = await readAll(bytes, { uri: "x.jsonl" });
  equal(records.length, 1);
  ok(error instanceof CaptureSyntaxError);
  equal(error.line, 2);
  equal(error.offset, 22);
  equal(error.message, 'Cannot read "x.jsonl": line 2: "hex" must be an even number of hex digits');
});

for (const [name, parts] of FILES) {
  Deno.test(`readCaptureBytes hands a record sink the reader's records, one by one, up to the damage (${name})`, async () => {
    const bytes = cat(...parts.map((p) => p[0]));
    for (let len = 0; len <= bytes.length; len += 7) {
      const prefix = bytes.subarray(0, len);
      const { records, error } = await readAll(prefix);
      // A sink that is no array: it sees each record as it is read (as decode's workers use it).
      const seen: CaptureRecord[] = [];
      let sinkError: unknown;
      try {
        readCaptureBytes(prefix, { push: (r: CaptureRecord) => seen.push(r) });
      } catch (e) {
        sinkError = e;
      }
      deepEqual(seen.map((r) => essentials(r)), records.map((r) => essentials(r)), `prefix ${len}`);
      equal(sinkError === undefined, error === undefined, `prefix ${len}: ${error} / ${sinkError}`);
      if (sinkError !== undefined) ok(sinkError instanceof CaptureSyntaxError, String(sinkError));
    }
  });
}
