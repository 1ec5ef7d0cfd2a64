import { deepEqual, equal, match, ok } from "node:assert/strict";
import { createCaptureWriter } from "../../lib/pcap/mod.ts";
import type { CaptureRecord } from "../../lib/record.ts";
import { mixedRecord } from "../../bench/_mixed.ts";
import { plainDecodeFile, prestartCount } from "../../cli/_parallel_input.ts";
import { PLAIN_DECODE_VALUES, plainDecodeOptions } from "../../cli/_decode_plain.ts";
import { decodeCommand } from "../../cli/decode.ts";
import { sessionOptions } from "../../cli/_codec_options.ts";
import { inputOptions } from "../../cli/_input.ts";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

interface Run {
  code: number;
  out: Uint8Array;
  err: string;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MAIN, ...args],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, out: o.stdout, err: new TextDecoder().decode(o.stderr) };
}

/** What the parallel run reported about itself (VIOSCOPE_PARALLEL_STATS). */
interface Stats {
  workers: number;
  main: number;
  replaced: number;
  rest: boolean;
  /** Started without the option parser (`_decode_plain.ts`). */
  quick: boolean;
}

function statsOf(err: string): Stats | undefined {
  const m =
    /parallel decode: \d+ chunks, (\d+) merged from workers, (\d+) decoded on the main thread, (\d+) lines replaced(, read again from byte \d+)?( \(quick start\))?$/m
      .exec(err);
  if (!m) return undefined;
  return {
    workers: Number(m[1]),
    main: Number(m[2]),
    replaced: Number(m[3]),
    rest: m[4] !== undefined,
    quick: m[5] !== undefined,
  };
}

/**
 * Decodes a file with `--threads 1` and on two worker threads (forced on small files, with small
 * chunks) and checks that both print the same bytes, the same errors and exit the same way.
 */
async function sameBothWays(file: string, chunk: number, args: string[] = []): Promise<Stats> {
  const seq = await run(["decode", "--threads", "1", ...args, file]);
  const par = await run(["decode", "--threads", "2", ...args, file], {
    VIOSCOPE_PARALLEL_MIN: "0",
    VIOSCOPE_PARALLEL_CHUNK: String(chunk),
    VIOSCOPE_PARALLEL_STATS: "1",
  });
  const stats = statsOf(par.err);
  ok(stats, `the parallel path ran for ${file}: ${par.err}`);
  // `decode --threads 2 FILE` needs no option parser (cli/_decode_plain.ts); with options it does.
  equal(stats.quick, args.length === 0, `quick start for ${args.join(" ") || "no options"}`);
  const err = par.err.split("\n").filter((l) => !l.includes("parallel decode:")).join("\n");
  equal(par.code, seq.code, `${file} (chunk ${chunk}): exit status`);
  equal(err, seq.err, `${file} (chunk ${chunk}): standard error`);
  ok(
    par.out.length === seq.out.length && par.out.every((b, i) => b === seq.out[i]),
    `${file} (chunk ${chunk}) ${args.join(" ")}: the same bytes on standard output`,
  );
  return stats;
}

async function writeCapture(
  path: string,
  records: Iterable<CaptureRecord>,
  format: "pcap" | "pcapng" = "pcapng",
) {
  const f = await Deno.open(path, { write: true, create: true, truncate: true });
  const w = createCaptureWriter(f.writable, { format });
  for (const r of records) await w.write(r);
  await w.close();
}

/** Start and end of every pcapng block (little-endian files). */
function blockOffsets(bytes: Uint8Array): { start: number; end: number }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { start: number; end: number }[] = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    const len = v.getUint32(at + 4, true);
    out.push({ start: at, end: at + len });
    at += len;
  }
  return out;
}

function* mixed(n: number): Iterable<CaptureRecord> {
  for (let i = 0; i < n; i++) yield mixedRecord(i);
}

/** An FF-A FFA_VERSION call, or its return (decoded as a version only when paired with its call). */
function versionFrame(i: number, call: boolean, correlationId: number, kind = true): CaptureRecord {
  const data = new Uint8Array(144);
  const v = new DataView(data.buffer);
  v.setUint32(0, call ? 0x84000063 : kind ? 0x10002 : 0x84000061, true);
  v.setUint32(8, call ? 0x10002 : 0, true);
  return {
    timestampNs: 1_000_000_000n + BigInt(i) * 1000n,
    protocol: "ffa",
    kind: kind ? (call ? "request" : "response") : "unknown",
    sender: call ? "driver" : "device",
    channel: { src: 1, dst: 2 },
    correlationId,
    conduit: "smc",
    data,
    originalLength: 144,
  };
}

Deno.test("decode on worker threads prints the sequential bytes for a mixed capture whose FF-A pairs straddle chunks", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/mixed.pcapng`;
    await writeCapture(f, mixed(3000));
    for (const chunk of [1, 5000, 65536]) {
      const st = await sameBothWays(f, chunk);
      ok(st.workers > 0, "chunks were merged from the workers");
      ok(st.replaced > 0, "responses were paired with requests of earlier chunks");
      equal(st.main, 0);
    }
    const p = `${dir}/mixed.pcap`;
    await writeCapture(p, mixed(3000), "pcap");
    const st = await sameBothWays(p, 4000);
    ok(st.workers > 0 && st.replaced > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode on worker threads prints the sequential bytes for every fixture capture", async () => {
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      if (e.isDirectory) await walk(`${dir}/${e.name}`);
      else if (/\.pcap(ng)?$/.test(e.name)) files.push(`${dir}/${e.name}`);
    }
  }
  await walk(`${ROOT}fixtures`);
  ok(files.length >= 10);
  for (const f of files) {
    const st = await sameBothWays(f, 1);
    // RPMB records have a stream tracker: those chunks are decoded on the main thread, in order.
    if (f.includes("rpmb")) ok(st.main > 0, `${f}: RPMB chunks decoded on the main thread`);
  }
  for (const f of files.filter((f) => f.includes("scmi_"))) {
    await sameBothWays(f, 1, ["--decode-as", "USER0=scmi"]);
  }
});

Deno.test("decode on worker threads numbers records like the sequential path around annotation records", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const format of ["pcapng", "pcap"]) {
      const f = `${dir}/trace.${format}`;
      const c = await run([
        "convert",
        `${ROOT}fixtures/qemu/virtio-iommu-blk.iso.log`,
        "--format",
        format,
        "-w",
        f,
      ]);
      equal(c.code, 0, c.err);
      for (const chunk of [1, 4096]) {
        const st = await sameBothWays(f, chunk);
        equal(st.main, 0, "annotation records are counted while cutting: no chunk is decoded again");
        await sameBothWays(f, chunk, ["--all-events"]);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode on worker threads pairs FF-A calls and returns across chunks as in order, up to the pending limit", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Random calls and returns over a few correlation ids, with and without record kinds.
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (const kind of [true, false]) {
      const f = `${dir}/random-${kind}.pcapng`;
      await writeCapture(
        f,
        Array.from({ length: 1500 }, (_, i) => versionFrame(i, rnd() < 0.5, Math.floor(rnd() * 3), kind)),
      );
      for (const chunk of [1, 600]) ok((await sameBothWays(f, chunk)).replaced > 0);
    }
    // 5000 calls, then their returns: the session forgets the oldest 904 calls, so their returns
    // are unpaired; chunks that could reach the limit are decoded on the main thread.
    const n = 5000;
    const f = `${dir}/evict.pcapng`;
    await writeCapture(f, [
      ...Array.from({ length: n }, (_, i) => versionFrame(i, true, i)),
      ...Array.from({ length: n }, (_, i) => versionFrame(n + i, false, i)),
    ]);
    const st = await sameBothWays(f, 100_000);
    ok(st.main > 0);
    const text = new TextDecoder().decode((await run(["decode", "--threads", "1", f])).out);
    equal(text.match(/UNKNOWN rsp/g)?.length, 904);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode on worker threads of a damaged capture prints the same lines, error and exit status", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/mixed.pcapng`;
    await writeCapture(f, mixed(600));
    const bytes = await Deno.readFile(f);
    const cut = `${dir}/cut.pcapng`;
    for (const n of [10, 1000, 40_001, bytes.length - 150, bytes.length - 4]) {
      await Deno.writeFile(cut, bytes.subarray(0, n));
      const st = await sameBothWays(cut, 3000);
      ok(st.rest, "the capture reader took over at the damage");
      const r = await run(["decode", cut], { VIOSCOPE_PARALLEL_MIN: "0", VIOSCOPE_PARALLEL_CHUNK: "3000" });
      equal(r.code, 2);
      match(r.err, /cut\.pcapng/);
    }
    // A damaged block length in the middle (seen while cutting), and a damaged trailer (seen only
    // by the reader, in a worker).
    const blocks = blockOffsets(bytes);
    for (const [i, where] of [[200, 4], [300, -4]] as const) {
      const bad = bytes.slice();
      const b = blocks[i]!;
      const v = new DataView(bad.buffer);
      v.setUint32(where > 0 ? b.start + where : b.end + where, 0x7ffffff0, true);
      await Deno.writeFile(cut, bad);
      ok((await sameBothWays(cut, 3000)).rest);
    }
    const p = `${dir}/mixed.pcap`;
    await writeCapture(p, mixed(600), "pcap");
    const pb = await Deno.readFile(p);
    await Deno.writeFile(`${dir}/cut.pcap`, pb.subarray(0, pb.length - 7));
    ok((await sameBothWays(`${dir}/cut.pcap`, 3000)).rest);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("decode --threads rejects a bad value and keeps small files on the main thread", async () => {
  const r = await run(["decode", "--threads", "0", `${ROOT}fixtures/demo/demo.pcapng`]);
  equal(r.code, 2);
  match(r.err, /Cannot use --threads "0"/);
  const s = await run(["decode", `${ROOT}fixtures/demo/demo.pcapng`], { VIOSCOPE_PARALLEL_STATS: "1" });
  equal(s.code, 0, s.err);
  equal(statsOf(s.err), undefined, "below VIOSCOPE_PARALLEL_MIN: sequential");
});

Deno.test("decode workers start early only for a summary-line decode of a large pcap or pcapng file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const big = `${dir}/big.pcapng`;
    await writeCapture(big, mixed(2000));
    const size = (await Deno.stat(big)).size;
    const small = `${ROOT}fixtures/demo/demo.pcapng`;
    const text = `${dir}/big.txt`;
    await Deno.writeFile(text, new Uint8Array(size));
    Deno.env.set("VIOSCOPE_PARALLEL_MIN", String(size));
    const want = (navigator.hardwareConcurrency ?? 1) >= 2 ? 2 : 0;
    equal(await prestartCount(["decode", big]), want);
    equal(await prestartCount(["decode", "--all-events", big]), want);
    equal(await prestartCount(["decode", "--threads", "3", big]), 3);
    equal(await prestartCount(["decode", "--threads=4", big]), 4);
    equal(await prestartCount(["decode", "--threads", "1", big]), 0);
    equal(await prestartCount(["decode", "--threads", "zero", big]), 0, "a bad value is decode's to report");
    for (const opt of [["-V"], ["-x"], ["-Vc", "1"], ["--jsonl"], ["--json"], ["-Y", "ffa"], ["-c", "5"]]) {
      equal(await prestartCount(["decode", ...opt, big]), 0, opt.join(" "));
    }
    equal(await prestartCount(["decode", small]), 0, "below VIOSCOPE_PARALLEL_MIN");
    equal(await prestartCount(["decode", text]), 0, "not pcap or pcapng");
    equal(await prestartCount(["decode", "-"]), 0, "standard input");
    equal(await prestartCount(["diff", big, big]), 0, "another command");
  } finally {
    Deno.env.delete("VIOSCOPE_PARALLEL_MIN");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a plain decode FILE command line is recognised, and nothing else is", () => {
  equal(plainDecodeFile(["decode", "a.pcapng"]), "a.pcapng");
  equal(plainDecodeFile(["decode", "--threads", "3", "a.pcapng"]), "a.pcapng");
  equal(plainDecodeFile(["decode", "a.pcapng", "--threads", "3"]), "a.pcapng");
  equal(plainDecodeFile(["decode", "--threads=4", "a.pcapng"]), "a.pcapng");
  equal(
    plainDecodeFile(["decode", "a.pcapng", "--threads"]),
    undefined,
    "a missing value is commander's to report",
  );
  equal(plainDecodeFile(["decode"]), undefined);
  equal(plainDecodeFile(["decode", "a.pcapng", "b.pcapng"]), undefined);
  equal(plainDecodeFile(["decode", "--all-events", "a.pcapng"]), undefined);
  equal(plainDecodeFile(["decode", "-V", "a.pcapng"]), undefined);
  equal(plainDecodeFile(["decode", "--", "a.pcapng"]), undefined);
  equal(plainDecodeFile(["decode", "-"]), undefined);
  equal(plainDecodeFile(["info", "a.pcapng"]), undefined);
});

Deno.test("a plain decode FILE runs with exactly the options the decode command gives it", async () => {
  const lines: [string[], string][] = [
    [["a.pcapng"], "auto"],
    [["--threads", "3", "a.pcapng"], "3"],
    [["a.pcapng", "--threads=5"], "5"],
  ];
  for (const [args, threads] of lines) {
    let values: Record<string, unknown> | undefined;
    let file: string | undefined;
    const cmd = decodeCommand().exitOverride().action((f: string, o: Record<string, unknown>) => {
      file = f;
      values = o;
    });
    await cmd.parseAsync(args, { from: "user" });
    // Every value the command has, nothing more: a new option with a default must be added here.
    deepEqual(values, { ...PLAIN_DECODE_VALUES, threads }, args.join(" "));
    equal(file, "a.pcapng");
    // What `vioscope decode` hands the parallel decode (cli/decode.ts), from those values.
    const o = values as typeof PLAIN_DECODE_VALUES;
    const plain = await plainDecodeOptions(file!, 2);
    deepEqual(plain.session, await sessionOptions(o));
    deepEqual(plain.input, inputOptions(o));
    equal(plain.allEvents, false);
  }
});
