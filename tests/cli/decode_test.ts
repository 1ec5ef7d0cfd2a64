import { deepEqual, equal, match, ok } from "node:assert/strict";

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

async function run(
  args: string[],
  stdin?: Uint8Array | string,
): Promise<{ code: number; out: string; err: string }> {
  const p = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MAIN, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const w = p.stdin.getWriter();
    await w.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin);
    await w.close();
  }
  const o = await p.output();
  return { code: o.code, out: new TextDecoder().decode(o.stdout), err: new TextDecoder().decode(o.stderr) };
}

const INPUT = [
  {
    proto: "virtio-msg",
    ts: "1.000000000",
    name: "GET_DEVICE_INFO",
    fields: { dev_num: 1, token: 1 },
    chan: { device: 1 },
  },
  {
    proto: "virtio-msg",
    ts: "1.000012000",
    name: "GET_DEVICE_INFO",
    kind: "response",
    chan: { device: 1 },
    fields: {
      dev_num: 1,
      token: 1,
      device_id: 2,
      vendor_id: "0x554d4551",
      num_feature_bits: 64,
      config_size: 12,
      max_virtqueues: 2,
    },
  },
  {
    proto: "virtio-msg",
    ts: "1.000020000",
    name: "SET_DEVICE_STATUS",
    chan: { device: 1 },
    fields: { dev_num: 1, token: 2, status: "ACKNOWLEDGE|DRIVER|FEATURES_OK" },
  },
  {
    proto: "scmi",
    ts: "1.000030000",
    name: "BASE_PROTOCOL_VERSION",
    chan: { queue: 0 },
    fields: { "hdr.token": 7 },
  },
].map((o) => JSON.stringify(o)).join("\n") + "\n";

async function fixture(): Promise<string> {
  const dir = await Deno.makeTempDir();
  const f = `${dir}/in.pcapng`;
  const r = await run(["encode", "-", "-w", f], INPUT);
  equal(r.code, 0, r.err);
  return f;
}

Deno.test("decode prints one summary line per message with time, direction, protocol, channel and info", async () => {
  const f = await fixture();
  const r = await run(["decode", f]);
  equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split("\n");
  equal(lines.length, 4);
  match(lines[0]!, /^\s+1\s+0\.000000 drv→dev virtio-msg\s+dev1\s+GET_DEVICE_INFO dev=1 tok=1$/);
  match(
    lines[1]!,
    /^\s+2\s+0\.000012 dev→drv virtio-msg\s+dev1\s+GET_DEVICE_INFO rsp dev=1 tok=1 device=block/,
  );
  match(lines[2]!, /SET_DEVICE_STATUS dev=1 tok=2 status=0x0000000b \(ACKNOWLEDGE\|DRIVER\|FEATURES_OK\)$/);
  match(lines[3]!, /^\s+4\s+0\.000030 drv→dev scmi\s+q0\s+BASE_PROTOCOL_VERSION/);
});

Deno.test("decode -V prints the field tree with filter names and -x the field spans", async () => {
  const f = await fixture();
  const v = await run(["decode", "-V", "-c", "1", f]);
  equal(v.code, 0, v.err);
  match(v.out, /msg_id: 0x02 {2}\[vmsg\.msg_id\]/);
  match(v.out, /dev_num: 1 {2}\[vmsg\.dev_num\]/);
  ok(!v.out.includes("SET_DEVICE_STATUS"), "-c 1 stops after one message");
  const x = await run(["decode", "-x", "-c", "1", f]);
  match(x.out, /0000 {2}00 02 01 00 01 00 08 00/);
  match(x.out, /0002-0003 {2}vmsg\.dev_num = 1/);
});

Deno.test("decode --jsonl | encode reproduces the capture's bytes exactly", async () => {
  const f = await fixture();
  const j = await run(["decode", "--jsonl", f]);
  equal(j.code, 0, j.err);
  const objs = j.out.trim().split("\n").map((l) => JSON.parse(l));
  equal(objs.length, 4);
  deepEqual(Object.keys(objs[0]).slice(0, 4), ["no", "ts", "dir", "from"]);
  equal(objs[0].name, "GET_DEVICE_INFO");
  equal(objs[0].fields["vmsg.dev_num"], 1);
  equal(objs[1].fields["vmsg.device_info.vendor_id"], 0x554d4551);
  const out = `${await Deno.makeTempDir()}/copy.pcapng`;
  const e = await run(["encode", "-", "-w", out], j.out);
  equal(e.code, 0, e.err);
  const a = await run(["decode", "--jsonl", out]);
  deepEqual(a.out.trim().split("\n").map((l) => JSON.parse(l).hex), objs.map((o) => o.hex));
  deepEqual(await Deno.readFile(out), await Deno.readFile(f));
});

Deno.test("decode --json prints one JSON array", async () => {
  const f = await fixture();
  const r = await run(["decode", "--json", f]);
  const arr = JSON.parse(r.out);
  equal(arr.length, 4);
  equal(arr[3].proto, "scmi");
});

Deno.test("decode reads standard input", async () => {
  const f = await fixture();
  const r = await run(["decode", "-"], await Deno.readFile(f));
  equal(r.code, 0, r.err);
  equal(r.out.trim().split("\n").length, 4);
});

Deno.test("decode of a truncated capture prints every complete message, then the error, and exits 2", async () => {
  const f = await fixture();
  const bytes = await Deno.readFile(f);
  const cut = `${await Deno.makeTempDir()}/cut.pcapng`;
  await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 10));
  const r = await run(["decode", cut]);
  equal(r.code, 2);
  equal(r.out.trim().split("\n").length, 3);
  match(r.err, /cut\.pcapng/);
  match(r.err, /byte \d+|offset \d+/);
  ok(!/\n\s+at /.test(r.err), "no stack trace");
});

Deno.test("decode of a directory names it and exits 2, with and without worker threads", async () => {
  const dir = await Deno.makeTempDir();
  for (const args of [["decode", dir], ["decode", "--threads", "1", dir], ["decode", "--jsonl", dir]]) {
    const r = await run(args);
    equal(r.code, 2, args.join(" "));
    equal(r.err, `vioscope: error: Cannot read "${dir}": it is a directory\n`);
  }
});

Deno.test("decode marks a malformed message and keeps going", async () => {
  const bad = JSON.stringify({ proto: "virtio-msg", ts: "1.0", dir: "request", hex: "0002010001002000" }) +
    "\n" +
    JSON.stringify({ proto: "virtio-msg", ts: "1.1", dir: "request", hex: "0002010002000800" }) + "\n";
  const r = await run(["decode", "-"], bad);
  equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  match(lines[0]!, /GET_DEVICE_INFO dev=1 tok=1 \[Malformed: truncated\]/);
  match(lines[1]!, /GET_DEVICE_INFO dev=1 tok=2$/);
  const j = await run(["decode", "--jsonl", "-"], bad);
  match(JSON.parse(j.out.split("\n")[0]!).error, /msg_size says 32 bytes, only 8 present/);
});

Deno.test("decode rejects a bad option value with exit 2 and no stack trace", async () => {
  const r = await run(["decode", "--vmsg-dialect", "rfc9", "-"], "");
  equal(r.code, 2);
  match(r.err, /rfc9/);
  const k = await run(["decode", "--rpmb-key", "abcd", "-"], "");
  equal(k.code, 2);
  match(k.err, /32 bytes/);
});

Deno.test("encode names the field of an impossible value and exits 2", async () => {
  const r = await run(
    ["encode", "-", "-w", "-", "-F", "hex"],
    JSON.stringify({ proto: "virtio-msg", name: "GET_DEVICE_INFO", fields: { dev_num: 70000 } }) + "\n",
  );
  equal(r.code, 2);
  match(r.err, /line 1: Cannot encode field "vmsg\.dev_num": value 70000 exceeds 16 bits/);
});

Deno.test("encode -F hex writes text2pcap-compatible blocks", async () => {
  const r = await run(
    ["encode", "-", "-w", "-", "-F", "hex"],
    JSON.stringify({
      proto: "virtio-msg",
      name: "GET_CONFIG",
      fields: { dev_num: 1, token: 1, offset: 0, length: 6 },
    }) +
      "\n",
  );
  equal(r.code, 0, r.err);
  match(
    r.out,
    /^# virtio-msg request GET_CONFIG dev=1 tok=1 off=0 len=6\n000000 00 05 01 00 01 00 10 00 00 00 00 00 06 00 00 00\n/,
  );
});
