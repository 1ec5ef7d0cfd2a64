import { equal, ok } from "node:assert/strict";
import type { Command } from "commander";
import { vioscope } from "./_run.ts";
import { buildProgram } from "../../cli/program.ts";

function walk(cmd: Command): { commands: string[]; options: string[]; choices: string[] } {
  const commands: string[] = [];
  const options: string[] = [];
  const choices: string[] = [];
  const visit = (c: Command) => {
    for (const o of c.options) {
      if (o.long) options.push(o.long);
      for (const ch of o.argChoices ?? []) choices.push(ch);
    }
    for (const s of c.commands) {
      commands.push(s.name());
      visit(s);
    }
  };
  visit(cmd);
  return { commands, options, choices };
}

async function available(shell: string): Promise<boolean> {
  try {
    return (await new Deno.Command(shell, { args: ["-c", "true"], stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

async function syntaxCheck(shell: string, script: string, args: string[]): Promise<void> {
  if (!(await available(shell))) {
    // deno-lint-ignore no-console
    console.log(`skipped: ${shell} is not installed, so its completion script's syntax is not checked`);
    return;
  }
  const dir = await Deno.makeTempDir();
  try {
    const f = `${dir}/script`;
    await Deno.writeTextFile(f, script);
    const r = await new Deno.Command(shell, { args: [...args, f], stdout: "piped", stderr: "piped" })
      .output();
    equal(r.code, 0, new TextDecoder().decode(r.stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const tree = walk(buildProgram());

Deno.test("completions bash is valid bash naming every command, option and choice", async () => {
  const r = await vioscope(["completions", "bash"]);
  equal(r.code, 0, r.stderr);
  for (const c of tree.commands) ok(r.stdout.includes(c), `missing command ${c}`);
  for (const o of tree.options) ok(r.stdout.includes(o), `missing option ${o}`);
  for (const ch of tree.choices) ok(r.stdout.includes(ch), `missing choice ${ch}`);
  ok(r.stdout.includes("complete -o filenames -F _vioscope vioscope"));
  ok(r.stdout.includes("compgen -f"), "file completion");
  for (const c of ["completions", "export", "wireshark-plugin"]) ok(tree.commands.includes(c));
  await syntaxCheck("bash", r.stdout, ["-n"]);
});

Deno.test("completions bash completes commands, options and choices when run", async () => {
  if (!(await available("bash"))) return;
  const script = (await vioscope(["completions", "bash"])).stdout;
  const run = async (words: string[]) => {
    const prog = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${
      words.length - 1
    }; _vioscope; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await new Deno.Command("bash", { args: ["-c", prog], stdout: "piped" }).output();
    return new TextDecoder().decode(r.stdout).trim().split("\n");
  };
  ok((await run(["vioscope", "dec"])).includes("decode"));
  ok((await run(["vioscope", "decode", "--vmsg-d"])).includes("--vmsg-dialect"));
  const d = await run(["vioscope", "decode", "--vmsg-dialect", ""]);
  ok(d.includes("rfc2") && d.includes("rfc3"), d.join());
});

Deno.test("completions zsh and fish name every command", async () => {
  const z = await vioscope(["completions", "zsh"]);
  equal(z.code, 0, z.stderr);
  ok(z.stdout.startsWith("#compdef vioscope"));
  for (const c of tree.commands) {
    ok(z.stdout.includes(`${c}:`) || z.stdout.includes(`${c})`), `zsh lacks ${c}`);
  }
  await syntaxCheck("zsh", z.stdout, ["-n"]);
  const f = await vioscope(["completions", "fish"]);
  equal(f.code, 0, f.stderr);
  for (const c of tree.commands) ok(f.stdout.includes(`-a ${c} `), `fish lacks ${c}`);
  await syntaxCheck("fish", f.stdout, ["--no-execute"]);
});

Deno.test("completions rejects an unknown shell with exit code 2", async () => {
  const r = await vioscope(["completions", "tcsh"]);
  equal(r.code, 2);
});
