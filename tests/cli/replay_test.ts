import { equal, match, ok } from "node:assert/strict";
import { CaptureReader } from "../../lib/pcap/mod.ts";

const ROOT = new URL("../../", import.meta.url);

async function replay(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", "cli/main.ts", "replay", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** Every committed simulator capture, with the profile it was made with. */
const FIXTURES: [string, string[]][] = [
  ...[...Deno.readDirSync(new URL("fixtures/sim/", ROOT))]
    .filter((e) => e.isFile && e.name.endsWith(".pcapng"))
    .map((e): [string, string[]] => [
      `fixtures/sim/${e.name}`,
      e.name === "rpmb-program-key.pcapng" ? ["--profile", "fixtures/sim/rpmb-blank.profile.json"] : [],
    ]),
  ["fixtures/demo/demo.pcapng", []],
];

Deno.test("vioscope replay finds zero divergences in every simulator fixture", async () => {
  ok(FIXTURES.length >= 8);
  for (const [file, extra] of FIXTURES) {
    const r = await replay("--topspeed", ...extra, file);
    equal(r.code, 0, `${file}: ${r.stdout}${r.stderr}`);
    match(r.stdout, /^divergences: 0$/m, file);
    ok(!/divergence #/.test(r.stdout), file);
  }
});

Deno.test("vioscope replay reports the one altered response and exits 1", async () => {
  const r = await replay("--topspeed", "fixtures/sim/altered/virtio-msg-loopback-altered.pcapng");
  equal(r.code, 1, r.stderr);
  const lines = r.stdout.split("\n").filter((l) => l.startsWith("divergence "));
  equal(lines.length, 1, r.stdout);
  equal(
    lines[0],
    "divergence #57 SET_DEVICE_STATUS dev=1 tok=5 status=0x0000000b (ACKNOWLEDGE|DRIVER|FEATURES_OK): vmsg.status.status: 11 → 3",
  );
  match(r.stdout, /^divergences: 1$/m);
  const ignored = await replay(
    "--topspeed",
    "--ignore",
    "vmsg.status",
    "fixtures/sim/altered/virtio-msg-loopback-altered.pcapng",
  );
  equal(ignored.code, 0, ignored.stdout);
});

Deno.test("vioscope replay paces with --speed and --loop, reports lateness, writes the simulated exchange", async () => {
  const out = await Deno.makeTempFile({ suffix: ".pcapng" });
  try {
    const r = await replay("--speed", "4", "--loop", "2", "-w", out, "fixtures/sim/scmi-clocks.pcapng");
    equal(r.code, 0, r.stdout + r.stderr);
    match(r.stdout, /: 46 messages \(2 loops\), 46 answers compared/);
    match(r.stdout, /^lateness: p50 [\d.]+ µs, p99 [\d.]+ µs, max [\d.]+ µs, last message [\d.]+ µs$/m);
    let n = 0;
    const file = await Deno.open(out);
    for await (const _ of new CaptureReader(file.readable)) n++;
    equal(n, 92);
  } finally {
    await Deno.remove(out);
  }
});

Deno.test("vioscope replay --json lists the divergences; bad options exit 2", async () => {
  const r = await replay("--topspeed", "--json", "fixtures/sim/altered/virtio-msg-loopback-altered.pcapng");
  equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  equal(j.divergences, 1);
  equal(j.list[0].field, "vmsg.status.status");
  equal(j.list[0].no, 57);
  const bad = await replay("--speed", "0", "fixtures/sim/rpmb.pcapng");
  equal(bad.code, 2);
  match(bad.stderr, /Cannot use --speed "0"/);
  const prof = await replay("--profile", "fixtures/sim/virtio-msg-ffa.json", "fixtures/sim/rpmb.pcapng");
  equal(prof.code, 2);
  match(prof.stderr, /description is not a profile key/);
});

Deno.test("vioscope replay of requests only checks that the device accepts them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Keep the driver's records only (JSON Lines, one per line).
    const conv = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "cli/main.ts",
        "convert",
        "fixtures/sim/scmi-clocks.pcapng",
        "-w",
        `${dir}/all.jsonl`,
      ],
      cwd: ROOT,
    }).output();
    equal(conv.code, 0);
    const lines = (await Deno.readTextFile(`${dir}/all.jsonl`)).split("\n").filter((l) =>
      l.includes('"driver"')
    );
    await Deno.writeTextFile(`${dir}/req.jsonl`, lines.join("\n") + "\n");
    const r = await replay("--topspeed", `${dir}/req.jsonl`);
    equal(r.code, 1, r.stdout + r.stderr);
    match(r.stdout, /checked for acceptance/);
    // The SCMI scenario ends with a rate set on a clock that does not exist.
    match(r.stdout, /divergence #\d+ CLOCK_RATE_SET .*: refused: SCMI status -\d+/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vioscope replay of a real QEMU log accepts every request; only suppressed notifications differ", async () => {
  // fixtures/qemu: Linux 6.12 probing a virtio-iommu and a virtio-blk behind it under QEMU 7.2.
  const r = await replay(
    "--topspeed",
    "--profile",
    "fixtures/sim/qemu-x86.profile.json",
    "fixtures/qemu/virtio-iommu-blk.tid.log",
  );
  equal(r.code, 1, r.stderr);
  const lines = r.stdout.split("\n").filter((l) => l.startsWith("divergence #"));
  ok(lines.length > 0);
  // The simulator answers every ATTACH/MAP/UNMAP/PROBE/status write as QEMU did; what remains are
  // EVENT_USED notifications QEMU suppressed (VIRTIO_RING_F_EVENT_IDX), which the model does not model.
  for (const l of lines) match(l, /EVENT_AVAIL evt .*: extra event EVENT_USED/, l);
  ok(!/refused/.test(r.stdout));
});
