import { equal, match, ok } from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const MAIN = new URL("cli/main.ts", ROOT).pathname;

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, cwd, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  const r = { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  if (r.code !== 0) throw new Error(`Cannot run ${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r;
}

Deno.test("vioscope textconv prints the golden, timestamp-free lines", async () => {
  const r = await run(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-env",
    MAIN,
    "textconv",
    "fixtures/diff/base.pcapng",
  ], ROOT.pathname);
  equal(r.stdout, await Deno.readTextFile(new URL("fixtures/diff/base.textconv.txt", ROOT)));
  ok(!/1700000000|base\.pcapng|vioscope/.test(r.stdout));
});

Deno.test("vioscope textconv gives equal text for pcapng and JSON Lines of the same conversation", async () => {
  const a = await run(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-env",
    MAIN,
    "textconv",
    "fixtures/diff/base.pcapng",
  ], ROOT.pathname);
  const b = await run(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-env",
    MAIN,
    "textconv",
    "fixtures/diff/base.jsonl",
  ], ROOT.pathname);
  equal(a.stdout, b.stdout);
});

Deno.test("git diff shows decoded message lines through diff.vioscope.textconv", async () => {
  const dir = await Deno.makeTempDir({ prefix: "vioscope_git_" });
  try {
    const env = {
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: dir,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    };
    const git = (...args: string[]) => run("git", args, dir, env);
    await git("init", "-q");
    await git(
      "config",
      "diff.vioscope.textconv",
      `${Deno.execPath()} run --allow-read --allow-env ${MAIN} textconv`,
    );
    await git("config", "diff.vioscope.cachetextconv", "true");
    await Deno.writeTextFile(`${dir}/.gitattributes`, "*.pcapng diff=vioscope\n*.pcap diff=vioscope\n");
    await Deno.copyFile(new URL("fixtures/diff/base.pcapng", ROOT), `${dir}/trace.pcapng`);
    await git("add", ".");
    await git("commit", "-q", "-m", "base");
    await Deno.copyFile(new URL("fixtures/diff/change.pcapng", ROOT), `${dir}/trace.pcapng`);
    await git("commit", "-q", "-am", "change");
    const r = await git("diff", "--no-color", "HEAD~1", "HEAD", "--", "trace.pcapng");
    const lines = r.stdout.split("\n");
    ok(!lines.some((l) => l.startsWith("Binary files")), r.stdout);
    ok(
      lines.includes(
        "-drv→dev virtio-msg   dev1       SET_DEVICE_STATUS dev=1 tok=4 status=0x0000000b (ACKNOWLEDGE|DRIVER|FEATURES_OK)",
      ),
      r.stdout,
    );
    ok(
      lines.includes(
        "+drv→dev virtio-msg   dev1       SET_DEVICE_STATUS dev=1 tok=4 status=0x0000000f (ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK)",
      ),
      r.stdout,
    );
    match(
      r.stdout,
      /^\+dev→drv virtio-msg {3}dev1 {7}GET_CONFIG rsp dev=1 tok=5 gen=0 off=0 len=8 data=0000200000000000$/m,
    );
    equal(lines.filter((l) => /^[-+][^-+]/.test(l)).length, 6);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
