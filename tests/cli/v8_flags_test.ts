import { equal, ok } from "node:assert/strict";
import { compileLine, LINE_WRITER_NAME } from "../../lib/codec/_compile_line.ts";
import { u8 } from "../../lib/codec/fields.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FLAG = `--v8-flags=--turbo-filter=-${LINE_WRITER_NAME}`;

Deno.test("the line writers are compiled under the name the tasks' V8 flag leaves to Maglev", () => {
  const w = compileLine([u8("a", { summary: true })], "le", "", "X", [], () => "", () => "");
  ok(w, "a one-byte layout compiles");
  // V8's --turbo-filter matches the function's own name exactly: renamed, the flag does nothing.
  equal(w.name, LINE_WRITER_NAME);
});

Deno.test("deno.json's vioscope, demo and compile tasks pass the V8 flag", async () => {
  const tasks: Record<string, string> = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  for (const name of ["vioscope", "demo", "compile"]) {
    const args = tasks[name]!.split(/\s+/);
    ok(args.includes(FLAG), `task ${name} passes ${FLAG}: ${tasks[name]}`);
    // Before the script: after it, the flag would be the script's argument.
    ok(args.indexOf(FLAG) < args.findIndex((a) => a.endsWith("cli/main.ts")), `task ${name}: flag first`);
  }
});
