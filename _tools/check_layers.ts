// deno-lint-ignore-file no-console -- a check script reports on stdout/stderr.
/**
 * Checks the dependency layers of the library (STYLE.md §7): `cli → lib/*`; `lib/sim → lib/codec`;
 * `lib/diff`, `lib/filter`, `lib/export → lib/codec`; `lib/codec`, `lib/pcap → lib/record` only;
 * `lib/trace → lib/codec` (lifting trace events into messages needs the codecs to encode them — the
 * problem wins over the first sketch, which had tables passed in). No `lib/` file imports `cli/`.
 *
 * Run: npx -y deno@2.9.6 run --allow-read _tools/check_layers.ts
 *
 * @module
 */
const ROOT = new URL("../", import.meta.url);

/** Which top-level lib modules each lib module may import (besides itself and lib/*.ts leaf files). */
const ALLOWED: Record<string, string[]> = {
  codec: [],
  pcap: [],
  trace: ["codec", "pcap"],
  filter: ["codec"],
  diff: ["codec", "filter"],
  export: ["codec", "pcap", "filter"],
  sim: ["codec", "pcap"],
};

const problems: string[] = [];
async function walk(dir: URL): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) await walk(u);
    else if (e.name.endsWith(".ts")) await check(u);
  }
}
async function check(file: URL): Promise<void> {
  const rel = file.pathname.slice(ROOT.pathname.length);
  const mod = rel.split("/")[1]!;
  const text = await Deno.readTextFile(file);
  for (const m of text.matchAll(/^\s*(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
    const spec = m[1]!;
    if (!spec.startsWith(".")) continue;
    const target = new URL(spec, file).pathname.slice(ROOT.pathname.length);
    if (target.startsWith("cli/")) problems.push(`${rel}: imports ${target} (lib must not import cli)`);
    const t = target.split("/");
    if (t[0] !== "lib" || t.length < 3) continue;
    const to = t[1]!;
    if (to !== mod && !(ALLOWED[mod] ?? []).includes(to)) {
      problems.push(
        `${rel}: imports lib/${to} (lib/${mod} may import ${
          (ALLOWED[mod] ?? []).join(", ") || "only lib/*.ts"
        })`,
      );
    }
  }
}
await walk(new URL("lib/", ROOT));
if (problems.length) {
  for (const p of problems) console.error(p);
  Deno.exit(1);
}
console.log("layers ok");
