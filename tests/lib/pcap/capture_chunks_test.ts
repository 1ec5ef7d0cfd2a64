import { deepEqual, equal, ok } from "node:assert/strict";
import { CaptureReader, createCaptureWriter } from "../../../lib/pcap/mod.ts";
import { type CaptureRecord, makeRecord } from "../../../lib/record.ts";
import { annotationRecord } from "../../../lib/trace/mod.ts";
import { type CaptureChunk, captureChunks, type CaptureRest } from "../../../lib/pcap/_capture_chunks.ts";
import { cat, epb, idb, SCMI_EXAMPLE, shb, spb } from "./_build.ts";

async function capture(records: CaptureRecord[], format: "pcap" | "pcapng"): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const w = createCaptureWriter(new WritableStream({ write: (c) => void parts.push(c.slice()) }), { format });
  for (const r of records) await w.write(r);
  await w.close();
  return cat(...parts);
}

/** A byte source that hands out at most `step` bytes per read. */
function source(bytes: Uint8Array, step = 1000): { read(p: Uint8Array): Promise<number | null> } {
  let at = 0;
  return {
    read(p: Uint8Array): Promise<number | null> {
      if (at >= bytes.length) return Promise.resolve(null);
      const n = Math.min(p.length, step, bytes.length - at);
      p.set(bytes.subarray(at, at + n));
      at += n;
      return Promise.resolve(n);
    },
  };
}

async function pieces(bytes: Uint8Array, chunkSize: number): Promise<(CaptureChunk | CaptureRest)[]> {
  const out: (CaptureChunk | CaptureRest)[] = [];
  for await (const c of captureChunks(source(bytes), { chunkSize })) out.push(c);
  return out;
}

async function recordsOf(bytes: Uint8Array): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  for await (const r of new CaptureReader(ReadableStream.from([bytes]))) out.push(r);
  return out;
}

function plain(r: CaptureRecord): unknown {
  const { source: _, data, ...rest } = r;
  return { ...rest, data: [...data] };
}

const RECORDS: CaptureRecord[] = Array.from(
  { length: 50 },
  (_, i) =>
    i % 7 === 3
      ? annotationRecord({ name: "virtio_queue_notify", args: { vq: i } }, BigInt(i) * 1000n)
      : makeRecord(new Uint8Array(8 + (i % 5) * 4).fill(i), {
        protocol: "scmi",
        kind: "request",
        timestampNs: BigInt(i) * 1000n,
      }),
);

for (const format of ["pcapng", "pcap"] as const) {
  Deno.test(`captureChunks() cuts a ${format} file into chunks that parse on their own to the same records`, async () => {
    const bytes = await capture(RECORDS, format);
    const whole = (await recordsOf(bytes)).map(plain);
    for (const size of [1, 100, 333, 1 << 20]) {
      const got: unknown[] = [];
      let records = 0;
      let annotations = 0;
      let next = 0;
      for (const c of await pieces(bytes, size)) {
        ok(c.kind === "chunk", `no rest for an intact file (chunk size ${size})`);
        equal(c.offset, next, "chunks follow each other");
        next = c.offset + c.length - c.preambleLength;
        const recs = await recordsOf(new Uint8Array(c.buffer, 0, c.length));
        got.push(...recs.map(plain));
        equal(c.records, recs.length);
        equal(c.annotations, recs.filter((r) => r.annotation !== undefined).length);
        records += c.records;
        annotations += c.annotations;
      }
      equal(next, bytes.length);
      deepEqual(got, whole);
      equal(records, RECORDS.length);
      equal(annotations, RECORDS.filter((r) => r.annotation !== undefined).length);
    }
  });

  Deno.test(`captureChunks({ shared: true }) cuts a ${format} file into the same chunks, in SharedArrayBuffers, reusing them`, async () => {
    const bytes = await capture(RECORDS, format);
    const plainChunks = await pieces(bytes, 333);
    const reuse: ArrayBufferLike[] = [];
    let i = 0;
    let reused = 0;
    const seen = new Set<ArrayBufferLike>();
    for await (const c of captureChunks(source(bytes), { chunkSize: 333, shared: true, reuse })) {
      const p = plainChunks[i++]!;
      ok(c.kind === "chunk" && p.kind === "chunk");
      ok(c.buffer instanceof SharedArrayBuffer, "a shared chunk");
      deepEqual([c.offset, c.length, c.preambleLength, c.records], [
        p.offset,
        p.length,
        p.preambleLength,
        p.records,
      ]);
      deepEqual(new Uint8Array(c.buffer, 0, c.length), new Uint8Array(p.buffer, 0, p.length));
      if (seen.has(c.buffer)) reused++;
      seen.add(c.buffer);
      reuse.push(c.buffer); // done with it: the next chunk may take it
    }
    equal(i, plainChunks.length);
    ok(reused > 0, "buffers put back were used again");
  });

  Deno.test(`captureChunks() stops at the damage of a ${format} file and says where`, async () => {
    const bytes = await capture(RECORDS, format);
    const cut = bytes.subarray(0, bytes.length - 5);
    const all = await pieces(cut, 200);
    const last = all.at(-1)!;
    equal(last.kind, "rest");
    const chunks = all.filter((c): c is CaptureChunk => c.kind === "chunk");
    const end = chunks.at(-1)!;
    equal(last.offset, end.offset + end.length - end.preambleLength);
    equal(chunks.reduce((n, c) => n + c.records, 0), RECORDS.length - 1);
    // Not a capture at all.
    deepEqual(await pieces(new TextEncoder().encode("hello world\n"), 200), [{ kind: "rest", offset: 0 }]);
  });
}

Deno.test("captureChunks() counts the packets of little- and big-endian sections and stops at a bad length inside", async () => {
  const ann = new TextEncoder().encode('{"event":"x","args":{}}');
  const pseudo = (code: number, body: Uint8Array) => {
    const p = new Uint8Array(24 + body.length);
    p.set([0x56, 0x53, 1, 24, code, 0], 0);
    p.set(body, 24);
    return p;
  };
  const packets = (le: boolean) => [
    epb(0, 1n, pseudo(4, SCMI_EXAMPLE.subarray(24)), le),
    epb(0, 2n, pseudo(255, ann), le), // an annotation
    epb(7, 3n, pseudo(255, ann), le), // no such interface: counted, not an annotation
    spb(pseudo(255, ann), le), // a Simple Packet Block on interface 0: an annotation
  ];
  const section = (le: boolean) => cat(shb(le), idb(147, 0, le), ...packets(le));
  const bytes = cat(section(true), section(false), section(true));
  for (const size of [1, 64, 1 << 20]) {
    const all = await pieces(bytes, size);
    ok(all.every((c) => c.kind === "chunk"), `no rest for an intact file (chunk size ${size})`);
    const chunks = all as CaptureChunk[];
    equal(chunks.reduce((n, c) => n + c.records, 0), 12, `records (chunk size ${size})`);
    equal(chunks.reduce((n, c) => n + c.annotations, 0), 6, `annotations (chunk size ${size})`);
  }
  // A packet block whose length is not a multiple of four, in the middle of a little-endian section.
  const head = cat(shb(true), idb(147, 0, true), ...packets(true));
  const bad = epb(0, 9n, pseudo(4, SCMI_EXAMPLE.subarray(24)), true);
  new DataView(bad.buffer, bad.byteOffset).setUint32(4, bad.length - 2, true);
  const damaged = cat(head, bad, ...packets(true));
  for (const size of [1, 64, 1 << 20]) {
    const all = await pieces(damaged, size);
    const rest = all.at(-1)!;
    deepEqual(rest, { kind: "rest", offset: head.length }, `stops at the bad block (chunk size ${size})`);
    equal(
      all.filter((c): c is CaptureChunk => c.kind === "chunk").reduce((n, c) => n + c.records, 0),
      4,
    );
  }
});
