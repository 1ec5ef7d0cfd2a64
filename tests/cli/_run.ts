/**
 * Runs the CLI as a subprocess for the command tests.
 *
 * @module
 */

/** What a run printed and its exit code. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  bytes: Uint8Array;
}

const MAIN = new URL("../../cli/main.ts", import.meta.url).pathname;

/**
 * Runs `vioscope ARGS` with optional standard input.
 * @param args Arguments.
 * @param stdin Bytes for standard input.
 * @returns Output and exit code.
 */
export async function vioscope(args: string[], stdin?: Uint8Array): Promise<RunResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MAIN, ...args],
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const r = await child.output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr), bytes: r.stdout };
}
