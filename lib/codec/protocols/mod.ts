/**
 * The built-in protocol codecs and the default registry.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import { virtioMsg } from "./virtio_msg.ts";
import { rpmb } from "./rpmb.ts";
import { virtioIommu } from "./virtio_iommu.ts";
import { scmi } from "./scmi.ts";
import { ffa } from "./ffa.ts";

export * from "./virtio_msg.ts";
export * from "./rpmb.ts";
export * from "./virtio_iommu.ts";
export * from "./scmi.ts";
export * from "./ffa.ts";

/**
 * A registry holding every built-in codec.
 *
 * @example
 * ```ts
 * import { defaultRegistry } from "../../../mod.ts";
 * import { equal } from "node:assert/strict";
 * equal(defaultRegistry().get("virtio-msg")?.abbrev, "vmsg");
 * ```
 *
 * @returns A new registry.
 */
export function defaultRegistry(): Registry {
  return new Registry([virtioMsg, ffa, rpmb, scmi, virtioIommu]);
}
