/**
 * Option parsing shared by the commands that read captures: `--decode-as USERn=PROTOCOL`.
 *
 * @module
 */
import type { Command } from "commander";
import { isProtocolTag, LINKTYPE_USER0, PROTOCOL_TAGS, type ProtocolTag } from "../lib/record.ts";
import { UserError } from "./_io.ts";

/**
 * Parses `--decode-as` values: `USERn=PROTOCOL` (n 0–15, any case) or `LINKTYPE=PROTOCOL`
 * (a link-type number such as `147=scmi`).
 *
 * @example
 * ```ts
 * import { parseDecodeAs } from "./_options.ts";
 * import { deepEqual } from "node:assert/strict";
 * deepEqual(parseDecodeAs(["USER0=scmi", "150=ffa"]), new Map([[147, "scmi"], [150, "ffa"]]));
 * ```
 *
 * @param values The option values, in order.
 * @returns Link type → protocol.
 * @throws {UserError} For a malformed value, an unknown protocol or a link type given twice.
 */
export function parseDecodeAs(values: readonly string[]): Map<number, ProtocolTag> {
  const map = new Map<number, ProtocolTag>();
  for (const value of values) {
    const m = /^\s*(?:user(\d+)|(\d+))\s*=\s*([a-z-]+)\s*$/i.exec(value);
    if (!m) {
      throw new UserError(
        `Cannot use --decode-as "${value}": expected USERn=PROTOCOL or LINKTYPE=PROTOCOL, e.g. USER0=scmi or 147=scmi`,
      );
    }
    let linkType: number;
    if (m[1] !== undefined) {
      const n = Number(m[1]);
      if (n > 15) {
        throw new UserError(`Cannot use --decode-as "${value}": USER${n} does not exist (USER0 to USER15)`);
      }
      linkType = LINKTYPE_USER0 + n;
    } else {
      linkType = Number(m[2]);
      if (linkType > 0xffff) {
        throw new UserError(`Cannot use --decode-as "${value}": link type ${linkType} exceeds 65535`);
      }
    }
    const protocol = m[3]!.toLowerCase();
    if (!isProtocolTag(protocol)) {
      throw new UserError(
        `Cannot use --decode-as "${value}": unknown protocol "${m[3]}" (one of ${PROTOCOL_TAGS.join(", ")})`,
      );
    }
    const before = map.get(linkType);
    if (before !== undefined && before !== protocol) {
      throw new UserError(
        `Cannot use --decode-as "${value}": link type ${linkType} is already decoded as ${before}`,
      );
    }
    map.set(linkType, protocol);
  }
  return map;
}

/**
 * Adds the repeatable `--decode-as <USERn=PROTOCOL>` option (values collected in `decodeAs`).
 * @param cmd The command.
 * @returns The same command.
 */
export function addDecodeAsOption(cmd: Command): Command {
  return cmd.option(
    "--decode-as <USERn=PROTOCOL>",
    `read packets of a link type as bare PROTOCOL messages without vioscope's pseudo-header (repeatable; ` +
      `n 0-15 or a link-type number; PROTOCOL one of ${PROTOCOL_TAGS.join(", ")})`,
    collect,
    [] as string[],
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
