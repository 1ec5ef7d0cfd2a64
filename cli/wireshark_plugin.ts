/**
 * `vioscope wireshark-plugin -o vioscope.lua`: writes a Wireshark Lua dissector generated from the
 * protocol declarations, so Wireshark and tshark show vioscope captures with vioscope's field names.
 *
 * @module
 */
import { Command } from "commander";
import { defaultRegistry } from "../lib/codec/mod.ts";
import { generateLuaPlugin } from "../lib/export/mod.ts";
import denoJson from "../deno.json" with { type: "json" };
import { openOutput, TextOut, warn } from "./_io.ts";

interface PluginOptions {
  output: string;
  limits?: boolean;
}

/**
 * Builds the `wireshark-plugin` command.
 * @returns The command.
 */
export function wiresharkPluginCommand(): Command {
  return new Command("wireshark-plugin")
    .description("write a Wireshark/tshark Lua dissector for vioscope captures (same field names)")
    .option("-o, --output <file>", "output file; - for standard output", "-")
    .option("--limits", "list on standard error what the Lua dissector does not decode")
    .addHelpText(
      "after",
      `
Examples:
  vioscope wireshark-plugin -o vioscope.lua
  tshark -X lua_script:vioscope.lua -r capture.pcapng -Y 'vmsg.msg_id == 2'
  tshark -X lua_script:vioscope.lua -r capture.pcapng -T fields -e vmsg.msg_id -e vmsg.dev_num
  cp vioscope.lua ~/.local/lib/wireshark/plugins/      # load it in every Wireshark session`,
    )
    .action(async (o: PluginOptions) => {
      const r = generateLuaPlugin(defaultRegistry(), { version: denoJson.version });
      const stream = await openOutput(o.output);
      const out = new TextOut(stream);
      try {
        await out.line(r.lua);
      } finally {
        await out.close();
        if (o.output !== "-") await stream.close().catch(() => {});
      }
      if (o.limits) { for (const l of r.limits) warn(l); }
    });
}
