import { equal, match, ok } from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The compile command of deno.json's `compile` task, writing to `out`. */
async function compileArgs(out: string): Promise<string[]> {
  const cfg = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const task: string = cfg.tasks.compile;
  const args = task.split(/\s+/).slice(1);
  const o = args.indexOf("-o");
  ok(o > 0, "the compile task names its output with -o");
  args[o + 1] = out;
  return args;
}

Deno.test("deno task compile builds a single binary that runs the built-in demo", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const bin = `${dir}/vioscope`;
    const args = await compileArgs(bin);
    ok(args.includes("--include"), "the demo capture is embedded with --include");
    const r = await new Deno.Command(Deno.execPath(), { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    if (
      !r.success && !Deno.env.get("DENORT_BIN") &&
      /dns error|download|error sending request|lookup address|network/i.test(text)
    ) {
      // deno-lint-ignore no-console
      console.log(
        "skipped: deno compile cannot download the Deno runtime here (no network); set DENORT_BIN to test",
      );
      return;
    }
    equal(r.code, 0, text);
    match(text, /demo\.pcapng/, "the compile report lists the embedded demo capture");
    // Run from another directory, so nothing is found relative to the working directory.
    const run = async (a: string[]) => {
      const p = await new Deno.Command(bin, { args: a, cwd: dir, stdout: "piped", stderr: "piped" }).output();
      return {
        code: p.code,
        out: new TextDecoder().decode(p.stdout),
        err: new TextDecoder().decode(p.stderr),
      };
    };
    const v = await run(["--version"]);
    equal(v.code, 0, v.err);
    const d = await run(["demo"]);
    equal(d.code, 0, d.err);
    ok(d.out.split("\n").length > 5, d.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
