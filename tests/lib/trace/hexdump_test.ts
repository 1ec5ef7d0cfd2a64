import { deepEqual, equal, ok } from "node:assert/strict";
import { HexdumpParser, type HexPacket } from "../../../lib/trace/mod.ts";
import { readAll, registry } from "./_helpers.ts";
import { DecodeSession } from "../../../lib/codec/mod.ts";

function parse(text: string): { packets: HexPacket[]; skips: string[] } {
  const p = new HexdumpParser();
  const packets: HexPacket[] = [];
  const skips: string[] = [];
  text.split("\n").forEach((l, i) => {
    packets.push(...p.pushLine(l, i + 1));
    if (p.skip) skips.push(p.skip);
  });
  packets.push(...p.end());
  return { packets, skips };
}

const BYTES = Array.from({ length: 20 }, (_, i) => i * 7 & 0xff);

Deno.test("HexdumpParser reads od -Ax -tx1 output", () => {
  const { packets, skips } = parse(
    "000000 00 07 0e 15 1c 23 2a 31 38 3f 46 4d 54 5b 62 69\n000010 70 77 7e 85\n000014\n",
  );
  deepEqual(skips, []);
  equal(packets.length, 1);
  deepEqual([...packets[0]!.data], BYTES);
});

Deno.test("HexdumpParser reads hexdump -C output and drops the ASCII column", () => {
  const { packets } = parse(
    "00000000  00 07 0e 15 1c 23 2a 31  38 3f 46 4d 54 5b 62 69  |.....#*18?FMT[bi|\n" +
      "00000010  70 77 7e 85                                       |pw~.|\n00000014\n",
  );
  deepEqual([...packets[0]!.data], BYTES);
});

Deno.test("HexdumpParser trims ASCII taken for bytes using the next offset (Wireshark hex dump)", () => {
  // The ASCII column "ab cd" looks like bytes; the next offset says the line had only 4.
  const { packets } = parse("0000  01 02 03 04   ab cd\n0004  05 06   ..\n");
  deepEqual([...packets[0]!.data], [1, 2, 3, 4, 5, 6]);
  const one = parse("0000  01 02 03 04 ab cd\n0004  05\n");
  deepEqual([...one.packets[0]!.data], [1, 2, 3, 4, 5]);
});

Deno.test("HexdumpParser splits messages at offset 0 and blank lines and keeps I/O directions", () => {
  const { packets, skips } = parse("I\n0000 01 02\n0000 03\n\nO 000000 04 05 06\nnonsense\n0010 07\n");
  deepEqual(packets.map((p) => [...p.data]), [[1, 2], [3], [4, 5, 6]]);
  deepEqual(packets.map((p) => p.direction), ["I", undefined, "O"]);
  deepEqual(packets.map((p) => p.line), [2, 3, 5]);
  equal(skips.length, 2);
  ok(skips[0]!.startsWith("not a hex dump line"));
  ok(skips[1]!.includes("does not follow"));
});

Deno.test("TraceReader reads hex dumps as messages of --proto with directions", async () => {
  const text = "O\n000000 00 40 00 00\n000004\nI\n000000 00 40 00 00 00 00 00 00\n000008 00 00 02 00\n";
  const { records } = await readAll(text, "hexdump", { protocol: "scmi" });
  equal(records.length, 2);
  equal(records[0]!.sender, "driver");
  equal(records[1]!.sender, "device");
  equal(records[0]!.protocol, "scmi");
  equal(records[1]!.source?.line, 5);
  const s = new DecodeSession(registry());
  equal(s.decode(records[0]!)?.name, "BASE_PROTOCOL_VERSION");
  const none = await readAll(text, "hexdump");
  equal(none.records[0]!.protocol, undefined);
});
