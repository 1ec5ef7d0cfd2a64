/**
 * Interoperability with Wireshark's tools (text2pcap, editcap, capinfos, tshark). Every test that
 * runs a tool is skipped, with a message saying so, when tshark is not installed.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createCaptureWriter } from "../../../lib/pcap/mod.ts";
import { makeRecord } from "../../../lib/record.ts";
import { readOk } from "./_build.ts";

function hasTool(name: string): boolean {
  try {
    const r = new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return r.success;
  } catch {
    return false;
  }
}

const hasTshark = hasTool("tshark") && hasTool("text2pcap") && hasTool("editcap") && hasTool("capinfos");
if (!hasTshark) {
  // deno-lint-ignore no-console
  console.log(
    "interop_test: skipping the Wireshark interop tests: tshark/text2pcap/editcap/capinfos not installed",
  );
}

const FIXTURES = new URL("../../../fixtures/pcap/", import.meta.url);
const T1 = 1_704_164_645_123_456_789n;
const T2 = 1_704_164_645_123_460_000n;

async function run(cmd: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr), code: r.code };
}

/** tshark's stderr without the "running as root" notice. */
function realWarnings(stderr: string): string {
  return stderr.split("\n").filter((l) =>
    l.trim() !== "" && !/^-+$/.test(l.trim()) && !/Running as user "root"/.test(l)
  ).join("\n");
}

async function readFile(path: string | URL) {
  return await readOk(await Deno.readFile(path), { decodeAs: new Map([[147, "scmi"]]) });
}

Deno.test({
  name: "CaptureReader reads the text2pcap and editcap fixtures",
  fn: async () => {
    for (
      const [file, t1, dir] of [
        ["scmi_text2pcap.pcapng", T1, true],
        ["scmi_text2pcap.pcap", 1_704_164_645_123_456_000n, false],
        ["scmi_editcap_us.pcap", 1_704_164_645_123_456_000n, false],
        ["scmi_editcap_ns.pcap", T1, false],
      ] as const
    ) {
      const { records, info } = await readFile(new URL(file, FIXTURES));
      equal(records.length, 2, file);
      equal(info.interfaces[0]!.linkType, 147, file);
      deepEqual([...records[0]!.data], [0x00, 0x04, 0x01, 0x10], file);
      equal(records[1]!.data.length, 12, file);
      equal(records[0]!.timestampNs, t1, file);
      equal(records[1]!.timestampNs, T2, file);
      equal(records[0]!.protocol, "scmi");
      equal(records[0]!.sender, dir ? "driver" : "unknown", file);
      equal(records[1]!.sender, dir ? "device" : "unknown", file);
    }
  },
});

Deno.test({
  name: "CaptureReader reads what text2pcap and editcap make now (pcap, pcapng, ns)",
  ignore: !hasTshark,
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const txt = new URL("scmi.txt", FIXTURES).pathname;
      const fmt = "%Y-%m-%d %H:%M:%S.%f";
      const ng = `${dir}/a.pcapng`;
      equal((await run("text2pcap", ["-q", "-l", "147", "-D", "-t", fmt, txt, ng])).code, 0);
      equal(
        (await run("text2pcap", ["-q", "-F", "pcap", "-D", "-l", "147", "-t", fmt, txt, `${dir}/a.pcap`]))
          .code,
        0,
      );
      equal((await run("editcap", ["-F", "nsecpcap", ng, `${dir}/ns.pcap`])).code, 0);
      const a = await readFile(ng);
      deepEqual(a.records.map((r) => [r.timestampNs, r.data.length, r.sender]), [[T1, 4, "driver"], [
        T2,
        12,
        "device",
      ]]);
      const b = await readFile(`${dir}/a.pcap`);
      deepEqual(b.records.map((r) => [r.timestampNs, r.data.length]), [[1_704_164_645_123_456_000n, 4], [
        T2,
        12,
      ]]);
      equal(b.info.interfaces[0]!.tsResolution, "us");
      const c = await readFile(`${dir}/ns.pcap`);
      deepEqual(c.records.map((r) => [r.timestampNs, r.data.length]), [[T1, 4], [T2, 12]]);
      equal(c.info.interfaces[0]!.tsResolution, "ns");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

for (const format of ["pcapng", "pcap"] as const) {
  Deno.test({
    name: `vioscope's ${format} output passes capinfos and tshark with the same records and timestamps`,
    ignore: !hasTshark,
    fn: async () => {
      const dir = await Deno.makeTempDir();
      try {
        const path = `${dir}/out.${format}`;
        const file = await Deno.open(path, { write: true, create: true, truncate: true });
        const w = createCaptureWriter(file.writable, { format });
        const times = [1_700_000_000_000_000_001n, 1_700_000_000_123_456_789n, 1_700_000_005_999_999_999n];
        for (const [i, t] of times.entries()) {
          await w.write(makeRecord(new Uint8Array(i * 5 + 4).fill(i), {
            timestampNs: t,
            protocol: "scmi",
            kind: i % 2 ? "response" : "request",
            sender: i % 2 ? "device" : "driver",
            channel: { queue: i },
            comment: `record ${i}`,
          }));
        }
        await w.close();
        const ci = await run("capinfos", [path]);
        equal(ci.code, 0, ci.stderr);
        equal(realWarnings(ci.stderr), "");
        ok(/Number of packets:\s+3/.test(ci.stdout), ci.stdout);
        ok(/nanoseconds/.test(ci.stdout), ci.stdout);
        const ts = await run("tshark", [
          "-r",
          path,
          "-T",
          "fields",
          "-e",
          "frame.time_epoch",
          "-e",
          "frame.len",
          "-e",
          format === "pcapng" ? "frame.packet_flags_direction" : "frame.number",
          ...(format === "pcapng" ? ["-e", "frame.comment"] : []),
        ]);
        equal(ts.code, 0, ts.stderr);
        equal(realWarnings(ts.stderr), "");
        const rows = ts.stdout.trim().split("\n").map((l) => l.split("\t"));
        equal(rows.length, 3);
        for (const [i, t] of times.entries()) {
          const [sec, frac] = rows[i]![0]!.split(".");
          equal(BigInt(sec!) * 1_000_000_000n + BigInt(frac!.padEnd(9, "0")), t);
          equal(Number(rows[i]![1]), 24 + i * 5 + 4);
          if (format === "pcapng") {
            equal(Number(rows[i]![2]), i % 2 ? 1 : 2);
            equal(rows[i]![3], `record ${i}`);
          }
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
