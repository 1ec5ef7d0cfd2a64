import { equal } from "node:assert/strict";
import { detectFormat, sniffStream } from "../../../lib/trace/mod.ts";
import { createCaptureWriter } from "../../../lib/pcap/mod.ts";
import { makeRecord } from "../../../lib/record.ts";
import { encodeSimple, FIXTURES } from "./_helpers.ts";
import { qemuTraceFormats } from "../../../lib/trace/mod.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("detectFormat() recognises every fixture", () => {
  const cases: [string, string][] = [
    ["qemu/virtio-iommu-blk.tid.log", "qemu-log"],
    ["qemu/virtio-iommu-blk.noprefix.log", "qemu-log"],
    ["qemu/virtio-iommu-blk.iso.log", "qemu-log"],
    ["ftrace/scmi-lkml.trace", "ftrace"],
    ["ftrace/scmi-trace-cmd.txt", "ftrace"],
    ["ftrace/qemu-marker.trace", "ftrace"],
  ];
  for (const [f, want] of cases) equal(detectFormat(Deno.readFileSync(new URL(f, FIXTURES)), true), want, f);
});

Deno.test("detectFormat() tells binaries and JSON Lines apart", async () => {
  const chunks: Uint8Array[] = [];
  for (const format of ["pcapng", "pcap"] as const) {
    chunks.length = 0;
    const w = createCaptureWriter(new WritableStream({ write: (c) => void chunks.push(c) }), { format });
    await w.write(makeRecord(new Uint8Array([1])));
    await w.close();
    equal(detectFormat(chunks[0]!, false), format);
  }
  const simple = encodeSimple([], qemuTraceFormats(), { littleEndian: false });
  equal(detectFormat(simple, false), "qemu-simple");
  equal(detectFormat(simple.subarray(0, 8), false), undefined, "needs 16 bytes");
  equal(detectFormat(enc('\n  {"ts":"1.000000000","hex":"00"}\n'), false), "jsonl");
});

Deno.test("detectFormat() waits for a complete line, skips comments and falls back to qemu-log", () => {
  equal(detectFormat(enc("virtio_set_st"), false), undefined);
  equal(detectFormat(enc("virtio_set_st"), true), "qemu-log");
  equal(detectFormat(enc("# some comment\n"), false), undefined);
  equal(detectFormat(enc("# some comment\n0000 01 02\n"), false), "hexdump");
  equal(detectFormat(enc("I\n"), false), undefined, "too short to tell yet");
  equal(detectFormat(enc("I\n"), true), "hexdump");
  equal(detectFormat(enc("!!!\n"), true), "qemu-log");
  equal(detectFormat(new Uint8Array(0), true), "qemu-log");
});

Deno.test("sniffStream() returns as soon as the first line is there and replays every byte", async () => {
  let pulls = 0;
  const parts = [enc("virtio_set_status vdev 0x1 val 0\nvirt"), enc("io_set_status vdev 0x1 val 1\n")];
  const src = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulls < parts.length) c.enqueue(parts[pulls++]!);
      else c.close();
    },
  }, { highWaterMark: 0 });
  const { format, stream } = await sniffStream(src);
  equal(format, "qemu-log");
  equal(pulls, 1, "did not wait for more input");
  equal(
    await new Response(stream).text(),
    "virtio_set_status vdev 0x1 val 0\nvirtio_set_status vdev 0x1 val 1\n",
  );
  const forced = await sniffStream(ReadableStream.from([enc("x")]), "hexdump");
  equal(forced.format, "hexdump");
});
