/**
 * `vioscope fields [PROTO]`: every display-filter field with its type and description (like
 * `tshark -G fields`), tab-separated, or as JSON.
 *
 * @module
 */
import { Command } from "commander";
import { defaultRegistry } from "../lib/codec/mod.ts";
import { filterFields } from "../lib/filter/mod.ts";
import { TextOut, UserError } from "./_io.ts";

interface FieldsOptions {
  json?: boolean;
}

/**
 * Builds the `fields` command.
 * @returns The command.
 */
export function fieldsCommand(): Command {
  return new Command("fields")
    .description("list the display-filter fields (name, type, description), tab-separated")
    .argument("[proto]", "only this protocol: a tag (virtio-msg), an abbreviation (vmsg), frame or msg")
    .option("--json", "print a JSON array of {name, protocol, type, doc, enum?, values?}")
    .addHelpText(
      "after",
      `
Examples:
  vioscope fields scmi | grep clock
  vioscope fields --json | jq '.[] | select(.enum) | .name'
  vioscope decode -Y 'scmi.hdr.protocol_id == CLOCK' capture.pcapng`,
    )
    .action(async (proto: string | undefined, o: FieldsOptions) => {
      const registry = defaultRegistry();
      let fields = filterFields(registry);
      if (proto !== undefined) {
        const tag = registry.byAbbrev(proto)?.tag ?? proto;
        fields = fields.filter((f) => f.protocol === tag);
        if (fields.length === 0) {
          const known = ["frame", "msg", ...registry.codecs().flatMap((c) => [c.tag, c.abbrev])];
          throw new UserError(
            `Cannot list fields of "${proto}": unknown protocol (one of ${[...new Set(known)].join(", ")})`,
          );
        }
      }
      const out = new TextOut();
      if (o.json) await out.line(JSON.stringify(fields, null, 2));
      else for (const f of fields) await out.line(`${f.name}\t${f.type}\t${f.doc}`);
      await out.close();
    });
}
