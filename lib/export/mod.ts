/**
 * Exports of decoded captures to other tools: a Chrome/Perfetto JSON timeline and a Wireshark Lua
 * dissector generated from the protocol declarations.
 *
 * @example
 * ```ts
 * import { defaultRegistry, perfettoTs, wiresharkLuaPlugin } from "../../mod.ts";
 * import { equal, match } from "node:assert/strict";
 * equal(perfettoTs(1_500n), "1.500");
 * match(wiresharkLuaPlugin(defaultRegistry()), /scmi\.hdr\.token/);
 * ```
 *
 * @module
 */
export * from "./perfetto.ts";
export * from "./lua_plugin.ts";
