import { deepEqual, equal, match, ok } from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("cli/main.ts", ROOT).pathname;

async function vioscope(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", MAIN, ...args],
    cwd: ROOT.pathname,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const golden = (name: string) => Deno.readTextFile(new URL(`fixtures/diff/${name}`, ROOT));

Deno.test("vioscope diff prints the golden unified diff for changed fields and exits 1", async () => {
  const r = await vioscope("diff", "fixtures/diff/base.pcapng", "fixtures/diff/change.pcapng");
  equal(r.code, 1);
  equal(r.stdout, await golden("change.expected.txt"));
  match(r.stdout, /^~ .*SET_DEVICE_STATUS dev=1 tok=4/m);
  match(r.stdout, /^ {6}vmsg\.status\.status: 11 → 15$/m);
});

Deno.test("vioscope diff --markdown prints the golden pull-request comment", async () => {
  const r = await vioscope("diff", "--markdown", "fixtures/diff/base.pcapng", "fixtures/diff/insert.pcapng");
  equal(r.code, 1);
  equal(r.stdout, await golden("insert.expected.md"));
});

Deno.test("vioscope diff exits 0 with no output for the same conversation in another format", async () => {
  const r = await vioscope("diff", "fixtures/diff/base.jsonl", "fixtures/diff/base.pcapng");
  equal(r.code, 0);
  equal(r.stdout, "");
});

Deno.test("vioscope diff exits 2 on a missing file", async () => {
  const r = await vioscope("diff", "fixtures/diff/base.pcapng", "fixtures/diff/missing.pcapng");
  equal(r.code, 2);
  match(r.stderr, /Cannot open "fixtures\/diff\/missing\.pcapng"/);
});

Deno.test("vioscope diff exits 2 on a bad --timing value", async () => {
  const r = await vioscope(
    "diff",
    "--timing",
    "fast",
    "fixtures/diff/base.pcapng",
    "fixtures/diff/base.pcapng",
  );
  equal(r.code, 2);
  match(r.stderr, /Cannot use --timing "fast"/);
});

Deno.test("vioscope diff --stat counts edits per message", async () => {
  const r = await vioscope("diff", "--stat", "fixtures/diff/base.pcapng", "fixtures/diff/delete.pcapng");
  equal(r.code, 1);
  deepEqual(r.stdout.split("\n"), [
    " virtio-msg   EVENT_USED                +0 -1 ~0",
    " 1 message differs: 0 inserted(+), 1 deleted(-), 0 changed(~); 17 unchanged",
    "",
  ]);
});

Deno.test("vioscope diff --json lists the edits with 1-based message numbers", async () => {
  const r = await vioscope("diff", "--json", "fixtures/diff/base.pcapng", "fixtures/diff/reorder.pcapng");
  equal(r.code, 1);
  const j = JSON.parse(r.stdout);
  deepEqual(
    j.edits.map((e: { op: string; a: number; b: number; name: string }) => [e.op, e.a, e.b, e.name]),
    [
      ["delete", 15, 14, "EVENT_AVAIL"],
      ["insert", 16, 16, "EVENT_AVAIL"],
    ],
  );
  equal(j.identical, false);
});

Deno.test("vioscope diff --ignore '*.token' hides renumbered tokens; -U sets the context", async () => {
  const r = await vioscope(
    "diff",
    "--ignore",
    "*.token",
    "-U",
    "0",
    "fixtures/diff/base.pcapng",
    "fixtures/diff/shifted.pcapng",
  );
  equal(r.code, 1);
  deepEqual(r.stdout.split("\n").slice(2, 5), [
    "@@ -10,0 +11,2 @@",
    "+ drv→dev virtio-msg   dev1       GET_CONFIG dev=1 tok=6 off=8 len=4",
    "+ dev→drv virtio-msg   dev1       GET_CONFIG rsp dev=1 tok=6 gen=0 off=8 len=4 data=01000000",
  ]);
});

Deno.test("vioscope diff --timing flags a late response", async () => {
  const same = await vioscope("diff", "fixtures/diff/base.pcapng", "fixtures/diff/timing.pcapng");
  equal(same.code, 0);
  const r = await vioscope(
    "diff",
    "--timing",
    "1ms",
    "fixtures/diff/base.pcapng",
    "fixtures/diff/timing.pcapng",
  );
  equal(r.code, 1);
  match(r.stdout, /frame\.latency: 100\.000us → 5\.100ms/);
});

Deno.test("vioscope diff --color always paints edits; never and NO_COLOR do not", async () => {
  const r = await vioscope(
    "diff",
    "--color",
    "always",
    "fixtures/diff/base.pcapng",
    "fixtures/diff/delete.pcapng",
  );
  ok(r.stdout.includes("\x1b[31m- "));
  const plain = await vioscope("diff", "fixtures/diff/base.pcapng", "fixtures/diff/delete.pcapng");
  ok(!plain.stdout.includes("\x1b["));
});
