// deno-lint-ignore-file no-console -- a benchmark script reports on stdout.
/**
 * Counts V8's deoptimizations in one `vioscope decode FILE` run (the CLI as users run it, with its
 * workers), by reason: `deno run --allow-read --allow-run bench/deopts.ts [FILE]`.
 *
 * A deopt throws away optimized code, which then runs slowly until it is optimized again; in a decode
 * worker that is warm-up lost. Most reasons hit one function (a type the code had not seen). Three hit
 * every function that relied on an assumption at once, and in a worker they came back at chunk
 * boundaries:
 * - `dependent property cell changed` (here: the first ArrayBuffer detached by a transfer);
 * - `dependent prototype chain changed`;
 * - `dependent field type constness changed`.
 * The script exits with status 1 when one of those marks any code (it lists the functions), so a change that brings
 * such a wave back shows up here (see docs/benchmarks.md).
 *
 * @module
 */

const WAVES = [
  "dependent property cell changed",
  "dependent prototype chain changed",
  "dependent field type constness changed",
];

const file = Deno.args[0] ?? new URL("./out/mixed_1m.pcapng", import.meta.url).pathname;
const main = new URL("../cli/main.ts", import.meta.url).pathname;
const out = await new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--v8-flags=--trace-deopt",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    main,
    "decode",
    file,
  ],
  stdout: "piped",
  stderr: "null",
}).output();
if (!out.success) {
  console.error(`vioscope decode ${file} failed (exit ${out.code})`);
  Deno.exit(2);
}

const counts = new Map<string, number>();
const waves = new Map<string, Set<string>>();
// V8's trace lines go to stdout among the summary lines; they start with "[bailout" or "[marking".
for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
  const bail = line.startsWith("[bailout");
  const mark = line.startsWith("[marking dependent code");
  if (!bail && !mark) continue;
  const reason = /reason: ([^)\]]*)/.exec(line)?.[1]?.trim() ?? "?";
  counts.set(reason, (counts.get(reason) ?? 0) + 1);
  if (mark && WAVES.includes(reason)) {
    const fn = /<SharedFunctionInfo ?([^>]*)>/.exec(line)?.[1] || "(generated)";
    let s = waves.get(reason);
    if (!s) waves.set(reason, s = new Set());
    s.add(fn);
  }
}
const rows = [...counts].sort((a, b) => b[1] - a[1]);
for (const [reason, n] of rows) console.log(`${String(n).padStart(5)}  ${reason}`);
console.log(`${String(rows.reduce((t, [, n]) => t + n, 0)).padStart(5)}  in all`);
for (const [reason, fns] of waves) console.log(`wave: ${reason}: ${[...fns].join(", ")}`);
Deno.exit(waves.size > 0 ? 1 : 0);
