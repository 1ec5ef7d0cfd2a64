/**
 * The vioscope entry point. `--version` answers before the command modules load (start-up time is a
 * feature), and so does a plain `decode FILE` that runs on worker threads (`_decode_plain.ts`);
 * everything else loads cli/program.ts, which builds the command tree.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import { plainDecodeFile, prestartDecodeWorkers } from "./_parallel_input.ts";

if (import.meta.main) {
  const args = Deno.args;
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) {
    Deno.stdout.writeSync(new TextEncoder().encode(`${denoJson.version}\n`));
    Deno.exit(0);
  }
  // A parallel decode's workers load while the rest of the CLI does.
  const workers = await prestartDecodeWorkers(args);
  const file = workers > 0 ? plainDecodeFile(args) : undefined;
  if (file !== undefined) {
    // `vioscope decode FILE` with nothing else to parse: no option parser, no other command.
    const { decodePlain } = await import("./_decode_plain.ts");
    Deno.exit(await decodePlain(file, workers));
  }
  const { main } = await import("./program.ts");
  Deno.exit(await main(args));
}
