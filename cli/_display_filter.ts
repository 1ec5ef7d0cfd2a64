/**
 * The `-Y, --display-filter <filter>` option shared by the commands that read messages.
 *
 * @module
 */
import type { Command } from "commander";
import type { Registry } from "../lib/codec/mod.ts";
import { compileFilter, type DisplayFilter } from "../lib/filter/mod.ts";

/**
 * Adds `-Y, --display-filter <filter>` (value in `displayFilter`).
 * @param cmd The command.
 * @returns The same command.
 */
export function addDisplayFilterOption(cmd: Command): Command {
  return cmd.option(
    "-Y, --display-filter <filter>",
    'only messages matching a display filter, e.g. "scmi.hdr.protocol_id == CLOCK && scmi.clock.status != 0" ' +
      "(see vioscope fields and docs/filters.md)",
  );
}

/**
 * Compiles the option's value, if given. A bad filter throws a FilterSyntaxError (a SyntaxError:
 * printed with its caret line, exit code 2).
 * @param text The option value.
 * @param registry The codecs.
 * @returns The filter, or undefined.
 */
export function displayFilterFrom(text: string | undefined, registry: Registry): DisplayFilter | undefined {
  return text === undefined ? undefined : compileFilter(text, { registry });
}
