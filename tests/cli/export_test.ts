import { deepEqual, equal, match, ok } from "node:assert/strict";
import { vioscope } from "./_run.ts";
import { checkTrace } from "../lib/export/_trace_check.ts";

const DEMO = new URL("../../fixtures/demo/demo.pcapng", import.meta.url).pathname;
const DIFF = new URL("../../fixtures/diff/base.pcapng", import.meta.url).pathname;

Deno.test("export --perfetto writes a trace-event JSON file that follows the format rules", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/trace.json`;
    const r = await vioscope(["export", "--perfetto", DEMO, "-o", out]);
    equal(r.code, 0, r.stderr);
    equal(r.stdout, "");
    const text = await Deno.readTextFile(out);
    deepEqual(checkTrace(text), []);
    ok(JSON.parse(text).traceEvents.length > 20);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export --perfetto reads standard input and writes standard output", async () => {
  const r = await vioscope(["export", "--perfetto", "-"], await Deno.readFile(DIFF));
  equal(r.code, 0, r.stderr);
  deepEqual(checkTrace(r.stdout), []);
  match(r.stdout, /"name":"GET_DEVICE_INFO"/);
  match(r.stdout, /"vmsg\.msg_id":2/);
});

Deno.test("export reads JSON Lines from decode --jsonl", async () => {
  const dec = await vioscope(["decode", "--jsonl", DIFF]);
  const r = await vioscope(["export", "--perfetto"], new TextEncoder().encode(dec.stdout));
  equal(r.code, 0, r.stderr);
  deepEqual(checkTrace(r.stdout), []);
});

Deno.test("export without a format or with a missing file fails with exit code 2", async () => {
  const a = await vioscope(["export", DEMO]);
  equal(a.code, 2);
  match(a.stderr, /Cannot export: no format chosen \(use --perfetto\)/);
  const b = await vioscope(["export", "--perfetto", "/nonexistent/x.pcapng"]);
  equal(b.code, 2);
  match(b.stderr, /Cannot open/);
});
