import { deepEqual, equal, ok } from "node:assert/strict";
import { CaptureReader } from "../../lib/pcap/mod.ts";
import type { CaptureRecord } from "../../lib/record.ts";
import { TraceReader } from "../../lib/trace/mod.ts";
import { vioscope } from "./_run.ts";

const FIXTURES = new URL("../../fixtures/", import.meta.url);
const TRACE = new URL("qemu/virtio-iommu-blk.tid.log", FIXTURES).pathname;
const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

async function readCapture(path: string): Promise<{ records: CaptureRecord[]; error?: unknown }> {
  const f = await Deno.open(path);
  const records: CaptureRecord[] = [];
  try {
    for await (const r of new CaptureReader(f.readable, { uri: path })) records.push(r);
    return { records };
  } catch (error) {
    return { records, error };
  }
}

async function expected(text: string): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  const r = new TraceReader(ReadableStream.from([new TextEncoder().encode(text)]), { format: "qemu-log" });
  for await (const b of r.batches()) out.push(...b);
  return out;
}

function sameRecord(a: CaptureRecord, b: CaptureRecord, what: string): void {
  deepEqual(a.data, b.data, what);
  equal(a.timestampNs, b.timestampNs, what);
  equal(a.protocol, b.protocol, what);
  equal(a.kind, b.kind, what);
  equal(a.sender, b.sender, what);
  equal(a.comment, b.comment, what);
}

Deno.test("capture writes every event of a QEMU log as pcapng, quietly when nothing is wrong", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/t.pcapng`;
  const r = await vioscope(["capture", TRACE, "-w", out]);
  equal(r.code, 0, r.stderr);
  equal(r.stderr, "");
  const { records, error } = await readCapture(out);
  equal(error, undefined);
  const want = await expected(Deno.readTextFileSync(TRACE));
  equal(records.length, 624);
  records.forEach((rec, i) => sameRecord(rec, want[i]!, `record ${i}`));
  equal(records.filter((x) => x.protocol === "virtio-iommu").length, 113);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("capture reads standard input and writes pcap and JSON Lines", async () => {
  const dir = await Deno.makeTempDir();
  const bytes = Deno.readFileSync(TRACE);
  for (const [name, format] of [["t.pcap", "pcap"], ["t.jsonl", "jsonl"]]) {
    const r = await vioscope(["capture", "-", "-w", `${dir}/${name}`], bytes);
    equal(r.code, 0, r.stderr);
    const { records, error } = await readCapture(`${dir}/${name}`);
    equal(error, undefined, format);
    equal(records.length, 624, format);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("capture warns about unreadable lines with their number and summarises the skips", async () => {
  const dir = await Deno.makeTempDir();
  const text =
    "virtio_set_status vdev 0x1 val 1\nthis is not a trace line\nvirtio_set_status vdev 0x1 val 3\n!!!\n";
  const r = await vioscope(["capture", "-w", `${dir}/t.pcapng`], new TextEncoder().encode(text));
  equal(r.code, 0);
  ok(r.stderr.includes("<stdin>:line 2: skipped: not a QEMU trace line"), r.stderr);
  ok(r.stderr.includes("<stdin>:line 4: skipped"), r.stderr);
  ok(r.stderr.includes("skipped 2 of 4 lines (2 not a QEMU trace line)"), r.stderr);
  equal((await readCapture(`${dir}/t.pcapng`)).records.length, 2);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("capture rate-limits warnings", async () => {
  const dir = await Deno.makeTempDir();
  const text = "junk!\n".repeat(500) + "virtio_set_status vdev 0x1 val 1\n";
  const r = await vioscope(["capture", "-w", `${dir}/t.pcapng`], new TextEncoder().encode(text));
  equal(r.code, 0);
  const lines = r.stderr.trim().split("\n");
  ok(lines.length <= 15, `${lines.length} warning lines`);
  ok(lines.at(-1)!.includes("skipped 500 of 501 lines"), lines.at(-1));
  const shown = lines.length - 1;
  ok(lines.at(-1)!.includes(`500 warnings (${500 - shown} not shown)`), lines.at(-1));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("capture reads ftrace, hex dumps with --proto, and --from overrides detection", async () => {
  const dir = await Deno.makeTempDir();
  const ft = await vioscope([
    "capture",
    new URL("ftrace/scmi-lkml.trace", FIXTURES).pathname,
    "-w",
    `${dir}/s.jsonl`,
  ]);
  equal(ft.code, 0, ft.stderr);
  const lines = Deno.readTextFileSync(`${dir}/s.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
  equal(lines.filter((l) => l.proto === "scmi").length, 7);
  const hex = "O\n000000 00 40 00 00\n000004\n";
  const h = await vioscope(
    ["capture", "--proto", "scmi", "-w", `${dir}/h.pcapng`],
    new TextEncoder().encode(hex),
  );
  equal(h.code, 0, h.stderr);
  const { records } = await readCapture(`${dir}/h.pcapng`);
  equal(records[0]!.protocol, "scmi");
  equal(records[0]!.sender, "driver");
  const forced = await vioscope(
    ["capture", "--from", "hexdump", "-w", `${dir}/f.pcapng`],
    new TextEncoder().encode("virtio_set_status vdev 0x1 val 1\n"),
  );
  ok(forced.stderr.includes("not a hex dump line"), forced.stderr);
  const bad = await vioscope(
    ["capture", "--proto", "usb", "-w", `${dir}/x.pcapng`],
    new TextEncoder().encode(hex),
  );
  equal(bad.code, 2);
  ok(bad.stderr.includes('Cannot use --proto "usb"'));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("decode reads a piped QEMU trace directly, and --all-events shows the other events", async () => {
  const bytes = Deno.readFileSync(TRACE);
  const r = await vioscope(["decode", "-"], bytes);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  equal(lines.length, 217);
  ok(lines.some((l) => l.includes("ATTACH domain=0 endpoint=32")));
  ok(
    lines.some((l) =>
      l.includes("MAP domain=0 virt_start=0xffffe000 virt_end=0xffffffff phys_start=0x26ca000 flags=3")
    ),
  );
  ok(lines.some((l) => l.includes("SET_DEVICE_STATUS dev=1 tok=0 status=0x0000000f")));
  const all = await vioscope(["decode", "--all-events", "-"], bytes);
  const allLines = all.stdout.trim().split("\n");
  equal(allLines.length, 624);
  ok(
    allLines.some((l) =>
      l.includes("virtio_blk_handle_read vdev=0x55f3f7a9cb70 req=0x55f3f7f6e2c0 sector=0 nsectors=1")
    ),
  );
  const info = await vioscope(["info", TRACE]);
  equal(info.code, 0, info.stderr);
  ok(/Records:\s+624/.test(info.stdout), info.stdout);
});

Deno.test("capture killed with SIGKILL mid-stream leaves every complete record readable", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/live.pcapng`;
  const all = Deno.readTextFileSync(TRACE).split("\n").filter((l) => l !== "");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MAIN, "capture", "-", "-w", out],
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const w = child.stdin.getWriter();
  const enc = new TextEncoder();
  const countRecords = async () => (await readCapture(out).catch(() => ({ records: [] }))).records.length;
  // Feed slowly, in small bursts; wait until the first 300 lines are all on disk.
  let sent = 0;
  for (; sent < 300; sent += 20) {
    await w.write(enc.encode(all.slice(sent, sent + 20).join("\n") + "\n"));
    await new Promise((r) => setTimeout(r, 5));
  }
  const deadline = Date.now() + 20000;
  while (await countRecords() < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  // More lines, then half a line, and the kill while it is still reading.
  await w.write(enc.encode(all.slice(300, 400).join("\n") + "\n" + all[400]!.slice(0, 20)));
  sent = 400;
  child.kill("SIGKILL");
  const status = await child.status;
  equal(status.signal, "SIGKILL");
  await w.close().catch(() => {});
  const { records } = await readCapture(out);
  ok(records.length >= 300, `${records.length} records survived`);
  ok(records.length <= sent);
  const want = await expected(all.slice(0, sent).join("\n") + "\n");
  records.forEach((rec, i) => sameRecord(rec, want[i]!, `record ${i}`));
  await Deno.remove(dir, { recursive: true });
});
