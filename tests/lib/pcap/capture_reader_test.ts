import { deepEqual, equal, ok } from "node:assert/strict";
import { CaptureSyntaxError } from "../../../lib/pcap/mod.ts";
import {
  cat,
  endOpt,
  epb,
  i64,
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

const MSG = new Uint8Array([0x00, 0x04, 0x01, 0x10]);

for (const le of [true, false]) {
  for (const nanos of [false, true]) {
    Deno.test(`CaptureReader reads classic pcap (${le ? "little" : "big"}-endian, ${nanos ? "ns" : "µs"})`, async () => {
      const bytes = cat(
        pcapHeader(le, nanos, 65535, 147),
        pcapRecord(le, 1_700_000_000, nanos ? 123_456_789 : 123_456, MSG),
        pcapRecord(le, 1_700_000_001, 1, new Uint8Array([9, 8, 7]), 10),
      );
      const { records, info } = await readOk(bytes, { decodeAs: new Map([[147, "scmi"]]) });
      equal(records.length, 2);
      equal(records[0]!.timestampNs, nanos ? 1_700_000_000_123_456_789n : 1_700_000_000_123_456_000n);
      equal(records[1]!.timestampNs, nanos ? 1_700_000_001_000_000_001n : 1_700_000_001_000_001_000n);
      deepEqual([...records[0]!.data], [...MSG]);
      equal(records[0]!.protocol, "scmi");
      equal(records[1]!.originalLength, 10);
      equal(records[1]!.source?.offset, 24 + 16 + 4);
      equal(info.format, "pcap");
      equal(info.byteOrder, le ? "little" : "big");
      deepEqual(info.interfaces, [{
        section: 0,
        id: 0,
        linkType: 147,
        snapLen: 65535,
        tsResolution: nanos ? "ns" : "us",
      }]);
    });
  }
}

Deno.test("CaptureReader masks the FCS bits out of the pcap link-type word", async () => {
  const word = (1 << 28) | (1 << 26) | 147; // FCS length 1 word, P bit set
  const { records, info } = await readOk(
    cat(pcapHeader(true, true, 0, word), pcapRecord(true, 1, 2, SCMI_EXAMPLE)),
  );
  equal(info.interfaces[0]!.linkType, 147);
  equal(records[0]!.protocol, "scmi");
  equal(records[0]!.sender, "driver");
  equal(records[0]!.kind, "request");
});

Deno.test("CaptureReader rejects a pcap record longer than the snap length", async () => {
  const bytes = cat(
    pcapHeader(true, false, 8, 147),
    pcapRecord(true, 1, 0, MSG),
    pcapRecord(true, 1, 0, new Uint8Array(9)),
  );
  const { records, error } = await readAll(bytes, { uri: "x.pcap" });
  equal(records.length, 1);
  ok(error instanceof CaptureSyntaxError);
  equal(error.offset, 24 + 20);
  equal(error.uri, "x.pcap");
  equal(
    error.message,
    'Cannot read capture "x.pcap": captured length 9 of the pcap record at byte 44 exceeds the snap length 8',
  );
});

Deno.test("CaptureReader decodes the pseudo-header of USER packets", async () => {
  const ph = new Uint8Array(24);
  ph.set([0x56, 0x53, 1, 24, 2, 0x02 | (2 << 2) | (2 << 4), 0x3f, 0]);
  const dv = new DataView(ph.buffer);
  dv.setUint16(8, 1, true);
  dv.setUint16(10, 2, true);
  dv.setUint16(12, 0x8001, true);
  dv.setUint16(14, 0x8002, true);
  dv.setUint16(16, 5, true);
  dv.setUint32(20, 0xdeadbeef, true);
  const { records, info } = await readOk(
    cat(shb(), idb(150, 0), epb(0, 5n, cat(ph, MSG), true, cat(opt(1, utf8("hello")), endOpt()), 100)),
  );
  const r = records[0]!;
  equal(r.protocol, "ffa");
  equal(r.kind, "response");
  equal(r.sender, "device");
  equal(r.conduit, "hvc");
  deepEqual(r.channel, { bus: 1, device: 2, src: 0x8001, dst: 0x8002, queue: 5 });
  equal(r.correlationId, 0xdeadbeef);
  deepEqual([...r.data], [...MSG]);
  equal(r.originalLength, 100 - 24);
  equal(r.comment, "hello");
  equal(info.unknownProtocol, 0);
});

Deno.test("CaptureReader skips bytes between offset 24 and header_length", async () => {
  const ph = new Uint8Array(28);
  ph.set([0x56, 0x53, 1, 28, 4, 1, 0, 0]);
  ph.set([0xaa, 0xbb, 0xcc, 0xdd], 24);
  const { records } = await readOk(cat(shb(), idb(147, 0), epb(0, 0n, cat(ph, MSG))));
  deepEqual([...records[0]!.data], [...MSG]);
  equal(records[0]!.protocol, "scmi");
});

Deno.test("CaptureReader leaves records without a valid pseudo-header unknown and counts them", async () => {
  const badVersion = SCMI_EXAMPLE.slice();
  badVersion[2] = 2;
  const { records, info } = await readOk(
    cat(
      shb(),
      idb(147, 0),
      idb(1, 0),
      epb(0, 0n, badVersion),
      epb(1, 0n, SCMI_EXAMPLE),
      epb(0, 0n, SCMI_EXAMPLE),
    ),
  );
  equal(records.length, 3);
  equal(records[0]!.protocol, undefined);
  equal(records[0]!.data.length, SCMI_EXAMPLE.length);
  equal(records[1]!.protocol, undefined, "link type 1 is not USER0-15");
  equal(records[2]!.protocol, "scmi");
  equal(info.unknownProtocol, 2);
  equal(info.records, 3);
});

Deno.test("CaptureReader reads decodeAs link types as bare messages with direction from epb_flags", async () => {
  const flags = (d: number) => cat(opt(2, u32(d)), endOpt());
  const { records } = await readOk(
    cat(
      shb(),
      idb(148, 0),
      epb(0, 1n, MSG, true, flags(2)),
      epb(0, 2n, MSG, true, flags(1)),
      epb(0, 3n, SCMI_EXAMPLE),
    ),
    { decodeAs: new Map([[148, "virtio-msg"]]) },
  );
  equal(records[0]!.protocol, "virtio-msg");
  equal(records[0]!.sender, "driver");
  equal(records[1]!.sender, "device");
  equal(records[2]!.sender, "unknown");
  equal(records[2]!.data.length, SCMI_EXAMPLE.length, "decodeAs wins over a pseudo-header");
  equal(records[0]!.kind, "unknown");
});

Deno.test("CaptureReader reads several pcapng sections with different byte orders", async () => {
  const bytes = cat(
    shb(true),
    idb(147, 0, true, cat(opt(9, new Uint8Array([9])), endOpt(true))),
    epb(0, 1_000_000_001n, SCMI_EXAMPLE, true),
    shb(false),
    idb(147, 0, false, cat(opt(2, utf8("eth1"), false), opt(3, utf8("second"), false), endOpt(false))),
    idb(147, 0, false, cat(opt(9, new Uint8Array([3]), false), endOpt(false))),
    epb(1, 5n, SCMI_EXAMPLE, false),
    epb(0, 7n, SCMI_EXAMPLE, false),
  );
  const { records, info } = await readOk(bytes);
  equal(records.length, 3);
  equal(records[0]!.timestampNs, 1_000_000_001n);
  equal(records[1]!.timestampNs, 5_000_000n, "ms resolution");
  equal(records[2]!.timestampNs, 7_000n, "default µs resolution");
  equal(info.sections, 2);
  equal(info.byteOrder, "little");
  equal(info.interfaces.length, 3);
  deepEqual(info.interfaces[1], {
    section: 1,
    id: 0,
    linkType: 147,
    snapLen: 0,
    name: "eth1",
    description: "second",
    tsResolution: "us",
  });
  equal(info.interfaces[2]!.id, 1);
  equal(info.interfaces[2]!.tsResolution, "ms");
});

Deno.test("CaptureReader converts if_tsresol 2^-n and adds if_tsoffset", async () => {
  const bytes = cat(
    shb(),
    idb(147, 0, true, cat(opt(9, new Uint8Array([0x80 | 10])), opt(14, i64(100n)), endOpt())),
    idb(147, 0, true, cat(opt(9, new Uint8Array([12])), opt(14, i64(-1n)))),
    epb(0, 3n * 1024n + 512n, SCMI_EXAMPLE), // 3.5 s + 100 s
    epb(0, 1n, SCMI_EXAMPLE), // 1/1024 s = 976562.5 ns → floor
    epb(1, 2_000_000_000_123_456n, SCMI_EXAMPLE), // ps: 2000 s + 123456 ps - 1 s
  );
  const { records, info } = await readOk(bytes);
  equal(records[0]!.timestampNs, 103_500_000_000n);
  equal(records[1]!.timestampNs, 100_000_976_562n);
  equal(records[2]!.timestampNs, 1999_000_000_123n);
  equal(info.interfaces[0]!.tsResolution, "2^-10 s");
  equal(info.interfaces[0]!.tsOffset, 100);
  equal(info.interfaces[1]!.tsResolution, "ps");
});

Deno.test("CaptureReader reads Simple Packet Blocks and obsolete Packet Blocks", async () => {
  const bytes = cat(
    shb(),
    idb(147, 20, true, cat(opt(9, new Uint8Array([9])), endOpt())),
    spb(SCMI_EXAMPLE.subarray(0, 20), true, SCMI_EXAMPLE.length),
    pb(0, 42n, SCMI_EXAMPLE, true, cat(opt(2, u32(2)), opt(1, utf8("old")), endOpt())),
  );
  const { records } = await readOk(bytes, { decodeAs: new Map([[147, "scmi"]]) });
  equal(records.length, 2);
  equal(records[0]!.data.length, 20, "snap length limits the SPB");
  equal(records[0]!.originalLength, SCMI_EXAMPLE.length);
  equal(records[0]!.timestampNs, 0n);
  equal(records[1]!.timestampNs, 42n);
  equal(records[1]!.sender, "driver");
  equal(records[1]!.comment, "old");
});

Deno.test("CaptureReader skips unknown blocks and options and tolerates a missing end-of-options", async () => {
  const bytes = cat(
    shb(true, cat(opt(4, utf8("someone")), opt(0x8123, new Uint8Array([1, 2, 3])))),
    idb(147, 0, true, cat(opt(0x7777, new Uint8Array(5)), opt(2, utf8("if\0junk")))),
    { length: 0 } as Uint8Array,
    new Uint8Array([0x78, 0x56, 0x34, 0x12, 16, 0, 0, 0, 1, 2, 3, 4, 16, 0, 0, 0]), // unknown type 0x12345678
    epb(0, 1n, SCMI_EXAMPLE, true, cat(opt(0x4444, new Uint8Array(3)), opt(1, utf8("c1")))), // no endofopt
    epb(0, 2n, SCMI_EXAMPLE, true, cat(opt(1, utf8("a\nb")), endOpt(), opt(1, utf8("after end")))),
  );
  const { records, info } = await readOk(bytes);
  equal(records.length, 2);
  equal(records[0]!.comment, "c1");
  equal(records[1]!.comment, "a\nb");
  equal(info.interfaces[0]!.name, "if", "a NUL ends a string");
});

Deno.test("CaptureReader skips sections of an unknown major version", async () => {
  const bytes = cat(
    shb(true, new Uint8Array(0), 2),
    idb(147, 0),
    epb(0, 1n, SCMI_EXAMPLE),
    shb(),
    idb(147, 0),
    epb(0, 2n, SCMI_EXAMPLE),
  );
  const { records, info } = await readOk(bytes);
  equal(records.length, 1);
  equal(records[0]!.timestampNs, 2000n);
  equal(info.sections, 2);
});

Deno.test("CaptureReader reports the truncated block with offset and lengths", async () => {
  const first = cat(shb(), idb(147, 0), epb(0, 1n, SCMI_EXAMPLE));
  const second = epb(0, 2n, new Uint8Array(64));
  const bytes = cat(first, second.subarray(0, 40));
  const { records, error } = await readAll(bytes, { uri: "x.pcapng" });
  equal(records.length, 1);
  ok(error instanceof CaptureSyntaxError);
  equal(error.offset, first.length);
  equal(
    error.message,
    `Cannot read capture "x.pcapng": truncated Enhanced Packet Block at byte ${first.length} (block length 96, 40 bytes left)`,
  );
});

Deno.test("CaptureReader rejects a packet for an interface that was not described", async () => {
  const { error } = await readAll(cat(shb(), idb(147, 0), epb(1, 0n, MSG)));
  ok(error instanceof CaptureSyntaxError);
  ok(/refers to interface 1, but section 0 has 1 interface/.test(error.message), error.message);
});

Deno.test("CaptureReader rejects files that do not start with a known magic", async () => {
  for (
    const [bytes, re] of [
      [utf8("hello world"), /not a pcap, pcapng or JSON Lines file \(first bytes 68 65 6c 6c\)/],
      [new Uint8Array([0xd4, 0xc3]), /the input is too short to be a capture \(2 bytes\)/],
      [cat(block(6), new Uint8Array(0)), /not a pcap/],
    ] as const
  ) {
    const { error, records } = await readAll(bytes);
    equal(records.length, 0);
    ok(error instanceof CaptureSyntaxError, String(error));
    ok(re.test(error.message), error.message);
  }
});

function block(type: number): Uint8Array {
  return cat(u32(type), u32(12), u32(12));
}

Deno.test("CaptureReader rejects a bad block length, a length mismatch and a bad byte-order magic", async () => {
  const good = cat(shb(), idb(147, 0));
  const e1 = epb(0, 0n, MSG);
  new DataView(e1.buffer).setUint32(4, 30, true);
  const e2 = epb(0, 0n, MSG);
  new DataView(e2.buffer).setUint32(e2.length - 4, 12, true);
  const s3 = shb();
  new DataView(s3.buffer).setUint32(8, 0x11223344, true);
  for (
    const [bytes, re] of [
      [cat(good, e1), /invalid block length 30 in the Enhanced Packet Block at byte 48/],
      [
        cat(good, e2),
        /block length mismatch in the Enhanced Packet Block at byte 48 \(36 at the start, 12 at the end\)/,
      ],
      [cat(good, s3), /bad byte-order magic 0x11223344 in the Section Header Block at byte 48/],
    ] as const
  ) {
    const { error } = await readAll(bytes);
    ok(error instanceof CaptureSyntaxError);
    ok(re.test(error.message), error.message);
    equal(error.offset, 48);
  }
});

Deno.test("CaptureReader gives an error, not an allocation, for huge length fields", async () => {
  const good = cat(shb(), idb(147, 0));
  const hugeBlock = cat(u32(6), u32(0xfffffff0), new Uint8Array(32));
  let r = await readAll(cat(good, hugeBlock));
  ok(r.error instanceof CaptureSyntaxError);
  ok(
    /block length 4294967280 of the Enhanced Packet Block at byte 48 exceeds the limit 16777216/.test(
      r.error.message,
    ),
  );
  const hugeCaplen = epb(0, 0n, MSG);
  new DataView(hugeCaplen.buffer).setUint32(20, 0xffffff00, true);
  r = await readAll(cat(good, hugeCaplen));
  ok(r.error instanceof CaptureSyntaxError);
  ok(/captured length 4294967040 exceeds the Enhanced Packet Block/.test(r.error.message));
  r = await readAll(cat(pcapHeader(true, true, 0, 147), u32(0), u32(0), u32(0x7fffffff), u32(0x7fffffff)));
  ok(r.error instanceof CaptureSyntaxError);
  ok(
    /captured length 2147483647 of the pcap record at byte 24 exceeds the limit 1048576/.test(
      r.error.message,
    ),
  );
});

Deno.test("CaptureReader yields the records of each chunk as one batch", async () => {
  const bytes = cat(
    shb(),
    idb(147, 0),
    epb(0, 1n, SCMI_EXAMPLE),
    epb(0, 2n, SCMI_EXAMPLE),
    epb(0, 3n, SCMI_EXAMPLE),
  );
  const { CaptureReader } = await import("../../../lib/pcap/mod.ts");
  const reader = new CaptureReader(ReadableStream.from([bytes.slice()]));
  const sizes: number[] = [];
  for await (const b of reader.batches()) sizes.push(b.length);
  deepEqual(sizes, [3]);
});

Deno.test("CaptureReader hands out views into the chunk, not copies", async () => {
  const bytes = cat(shb(), idb(147, 0), epb(0, 1n, SCMI_EXAMPLE));
  const { CaptureReader } = await import("../../../lib/pcap/mod.ts");
  const chunk = bytes.slice();
  const records = [];
  for await (const r of new CaptureReader(ReadableStream.from([chunk]))) records.push(r);
  equal(records[0]!.data.buffer, chunk.buffer);
});

Deno.test("CaptureReader gives no records and no error for an empty input", async () => {
  for (const bytes of [new Uint8Array(0), utf8("\n \n")]) {
    const { records, error, info } = await readAll(bytes);
    equal(error, undefined);
    equal(records.length, 0);
    equal(info.format, undefined);
  }
});
