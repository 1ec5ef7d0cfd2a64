/**
 * Options shared by every command that decodes messages: dialects and protocol switches.
 *
 * @module
 */
import type { Command } from "commander";
import type { DecodeSessionOptions } from "../lib/codec/mod.ts";
import type { ProtocolTag } from "../lib/record.ts";
import { UserError } from "./_io.ts";

/** Raw option values as commander parses them. */
export interface CodecOptionValues {
  vmsgDialect?: string;
  vmsgFfaVersion?: string;
  viommuDialect?: string;
  rpmbEmmc?: boolean;
  rpmbKey?: string;
}

/**
 * Adds the dialect and protocol options to a command.
 * @param cmd The command.
 * @returns The same command.
 */
export function addCodecOptions(cmd: Command): Command {
  // Options made by the command (`createOption`): this module loads without commander, for
  // `vioscope decode FILE`'s quick start (`_decode_plain.ts`).
  return cmd
    .addOption(
      cmd.createOption("--vmsg-dialect <dialect>", "virtio-msg header dialect (latest = rfc3)")
        .choices(["rfc3", "latest", "rfc2"]).default("rfc3"),
    )
    .addOption(
      cmd.createOption("--vmsg-ffa-version <variant>", "virtio-msg FF-A bus VERSION message variant")
        .choices(["v2025", "v2026", "v2026-proto"]).default("v2025"),
    )
    .addOption(
      cmd.createOption("--viommu-dialect <dialect>", "virtio-iommu dialect").choices(["current", "v0.7"])
        .default("current"),
    )
    .option(
      "--rpmb-emmc",
      "decode the eMMC probe pass-through draft (REQ_EMMC_CMD 0x0040, RESP_EMMC_CMD 0x4000)",
    )
    .option("--rpmb-key <HEX|@FILE>", "RPMB authentication key (32 bytes) to verify every MAC");
}

/**
 * Turns option values into decode-session options.
 * @param o Option values.
 * @returns Session options.
 */
export async function sessionOptions(o: CodecOptionValues): Promise<DecodeSessionOptions> {
  const dialects: Partial<Record<ProtocolTag, string>> = {};
  if (o.vmsgDialect && o.vmsgDialect !== "latest") dialects["virtio-msg"] = o.vmsgDialect;
  if (o.viommuDialect) dialects["virtio-iommu"] = o.viommuDialect;
  const options: Record<string, unknown> = {};
  if (o.vmsgFfaVersion) options["vmsgFfaVersion"] = o.vmsgFfaVersion;
  if (o.rpmbEmmc) options["rpmbEmmc"] = true;
  if (o.rpmbKey) options["rpmbKey"] = await readKey(o.rpmbKey);
  return { dialects, options };
}

/**
 * Reads an RPMB key given as hex or `@FILE` (raw 32 bytes, or hex text).
 * @param spec Option value.
 * @returns 32 bytes.
 */
export async function readKey(spec: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  if (spec.startsWith("@")) {
    const path = spec.slice(1);
    let raw: Uint8Array;
    try {
      raw = await Deno.readFile(path);
    } catch (e) {
      throw new UserError(`Cannot read the RPMB key file "${path}": ${e instanceof Error ? e.message : e}`);
    }
    const text = new TextDecoder().decode(raw).trim();
    bytes = raw.length === 32 ? raw : parseHexKey(text, path);
  } else bytes = parseHexKey(spec, "--rpmb-key");
  if (bytes.length !== 32) {
    throw new UserError(`Cannot use the RPMB key: it is ${bytes.length} bytes, RPMB keys are 32 bytes`);
  }
  return bytes;
}

function parseHexKey(text: string, where: string): Uint8Array {
  const s = text.replace(/^0x/i, "").replace(/[\s:]/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new UserError(`Cannot use the RPMB key from ${where}: not hex`);
  return new Uint8Array(s.match(/../g)?.map((x) => parseInt(x, 16)) ?? []);
}
