/**
 * The codec engine and the built-in protocols: bytes into named, typed fields and back, all derived
 * from one declaration per protocol.
 *
 * @example Decoding a virtio-msg request
 * ```ts
 * import { defaultRegistry } from "../../mod.ts";
 * import { equal } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const msg = registry.get("virtio-msg")!.decodeBytes(new Uint8Array([0, 2, 1, 0, 1, 0, 8, 0]), { registry });
 * equal(msg.name, "GET_DEVICE_INFO");
 * equal(msg.values.dev_num, 1);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./fields.ts";
export * from "./define_protocol.ts";
export * from "./registry.ts";
export * from "./describe.ts";
export * from "./protocols/mod.ts";
export * from "./session.ts";
export * from "./sink.ts";
