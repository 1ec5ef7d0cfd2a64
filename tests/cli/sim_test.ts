import { deepEqual, equal, match } from "node:assert/strict";
import { CaptureReader } from "../../lib/pcap/mod.ts";
import type { CaptureRecord } from "../../lib/record.ts";

const ROOT = new URL("../../", import.meta.url);

async function sim(...args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "cli/main.ts", "sim", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

async function records(path: string | URL): Promise<CaptureRecord[]> {
  const out: CaptureRecord[] = [];
  const f = await Deno.open(path);
  for await (const r of new CaptureReader(f.readable)) out.push(r);
  return out;
}

Deno.test("vioscope sim regenerates the committed fixture exactly", async () => {
  const out = await Deno.makeTempFile({ suffix: ".pcapng" });
  try {
    const r = await sim("--scenario", "fixtures/sim/virtio-msg-ffa.json", "-w", out);
    equal(r.code, 0, r.stderr);
    match(r.stderr, /wrote 90 records \(45 from the driver\)/);
    const a = await records(out);
    const b = await records(new URL("fixtures/sim/virtio-msg-ffa.pcapng", ROOT));
    equal(a.length, b.length);
    a.forEach((r, i) => {
      deepEqual([r.timestampNs, r.protocol, r.kind, r.sender, r.channel, [...r.data]], [
        b[i]!.timestampNs,
        b[i]!.protocol,
        b[i]!.kind,
        b[i]!.sender,
        b[i]!.channel,
        [...b[i]!.data],
      ]);
    });
  } finally {
    await Deno.remove(out);
  }
});

Deno.test("vioscope sim writes JSON Lines and reports scenario errors by step", async () => {
  const r = await sim("--scenario", "fixtures/sim/viommu.json", "-w", "-", "--format", "jsonl");
  equal(r.code, 0, r.stderr);
  equal(r.stdout.trim().split("\n").length, 16);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/bad.json`,
      '{"steps": [{"wait": 1}, {"proto": "scmi", "name": "NOPE"}]}',
    );
    const bad = await sim("--scenario", `${dir}/bad.json`, "-w", `${dir}/o.pcapng`);
    equal(bad.code, 2);
    match(bad.stderr, /Cannot send scmi NOPE: .*unknown message name "NOPE"/);
    await Deno.writeTextFile(
      `${dir}/bad2.json`,
      '{"steps": [{"macro": "virtio-msg-ffa-bringup"}, {"wait": "x"}]}',
    );
    const bad2 = await sim("--scenario", `${dir}/bad2.json`, "-w", `${dir}/o.pcapng`);
    equal(bad2.code, 2);
    match(bad2.stderr, /steps\[1\]\.wait must be microseconds/);
    const noProfile = await sim(
      "--scenario",
      "fixtures/sim/rpmb.json",
      "--profile",
      `${dir}/none.json`,
      "-w",
      `${dir}/o.pcapng`,
    );
    equal(noProfile.code, 2);
    match(noProfile.stderr, /Cannot read the simulator profile/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
