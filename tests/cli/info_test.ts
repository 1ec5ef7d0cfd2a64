import { deepEqual, equal, ok } from "node:assert/strict";
import { vioscope } from "./_run.ts";

const DEMO = new URL("../../fixtures/pcap/five_protocols.pcapng", import.meta.url).pathname;
const RAW = new URL("../../fixtures/pcap/scmi_text2pcap.pcapng", import.meta.url).pathname;

Deno.test("vioscope info summarises the demo capture", async () => {
  const r = await vioscope(["info", DEMO]);
  equal(r.code, 0, r.stderr);
  ok(/File format:\s+pcapng/.test(r.stdout), r.stdout);
  ok(/Byte order:\s+little-endian/.test(r.stdout));
  ok(/#0: USER0 \(147\), snaplen unlimited, ts resolution ns, name "vioscope"/.test(r.stdout), r.stdout);
  ok(/Records:\s+10\n/.test(r.stdout));
  ok(/ {2}virtio-msg\s+2\n/.test(r.stdout));
  ok(/ {2}request from driver\s+5\n/.test(r.stdout));
  ok(/First record:\s+2023-11-14T22:13:20\.000000000Z \(1700000000\.000000000\)/.test(r.stdout), r.stdout);
  ok(/Duration:\s+0\.000510000 s/.test(r.stdout));
  ok(/Message bytes:\s+1396/.test(r.stdout));
});

Deno.test("vioscope info --json --decode-as reads a raw text2pcap capture", async () => {
  const r = await vioscope(["info", "--json", "--decode-as", "USER0=scmi", RAW]);
  equal(r.code, 0, r.stderr);
  const o = JSON.parse(r.stdout);
  equal(o.records, 2);
  deepEqual(o.protocols, { scmi: 2 });
  deepEqual(o.directions, { "unknown from device": 1, "unknown from driver": 1 });
  equal(o.first, "1704164645.123456789");
  equal(o.last, "1704164645.123460000");
  equal(o.duration, "0.000003211");
  equal(o.interfaces[0].name, "Fake IF, text2pcap");
  equal(o.interfaces[0].linkTypeName, "USER0 (147)");
  const plain = JSON.parse((await vioscope(["info", "--json", RAW])).stdout);
  deepEqual(plain.protocols, { unknown: 2 });
});

Deno.test("vioscope info prints what it read from a damaged file, then the error, exit 2", async () => {
  const bytes = await Deno.readFile(DEMO);
  const dir = await Deno.makeTempDir();
  try {
    const cut = `${dir}/cut.pcapng`;
    await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 10));
    const r = await vioscope(["info", cut]);
    equal(r.code, 2);
    ok(/Records:\s+9\n/.test(r.stdout), r.stdout);
    ok(/Damaged:\s+yes/.test(r.stdout));
    ok(
      /^vioscope: error: Cannot read capture ".*cut\.pcapng": truncated Enhanced Packet Block at byte \d+ \(block length \d+, \d+ bytes left\)\n$/
        .test(r.stderr),
      r.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("vioscope info rejects a bad --decode-as with exit 2", async () => {
  const r = await vioscope(["info", "--decode-as", "USER16=scmi", DEMO]);
  equal(r.code, 2);
  ok(/Cannot use --decode-as "USER16=scmi": USER16 does not exist/.test(r.stderr), r.stderr);
  const r2 = await vioscope(["info", "--decode-as", "USER0=nope", DEMO]);
  ok(/unknown protocol "nope"/.test(r2.stderr), r2.stderr);
});

Deno.test("vioscope info reads standard input", async () => {
  const r = await vioscope(["info", "--json", "-"], await Deno.readFile(DEMO));
  equal(r.code, 0, r.stderr);
  equal(JSON.parse(r.stdout).records, 10);
});
