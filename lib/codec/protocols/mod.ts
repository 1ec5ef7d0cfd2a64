/**
 * The built-in protocol codecs and the default registry.
 *
 * @module
 */
import { Registry } from "../registry.ts";
import { virtioMsg } from "./virtio_msg.ts";

export { virtioMsg } from "./virtio_msg.ts";

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
  return new Registry([virtioMsg]);
}
