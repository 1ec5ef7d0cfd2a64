/**
 * The simulator: device models for every protocol (virtio-msg bus and devices, an FF-A peer, an
 * SCMI platform, an RPMB device, a virtio-iommu), the loopback bus that connects a driver side to
 * them through the codecs, profiles, the scripted driver, and replay with timing and comparison.
 *
 * @example Bring up a virtio-msg device over FF-A and count the records
 * ```ts
 * import { createModels, LoopbackBus, runScenario } from "./mod.ts";
 * import { ok } from "node:assert/strict";
 * const bus = new LoopbackBus(createModels(), { pairAnswers: true });
 * const records = runScenario({ steps: [{ macro: "virtio-msg-ffa-bringup", devices: [0] }] }, bus);
 * ok(records.length > 40);
 * ```
 *
 * @module
 */
export * from "./types.ts";
export * from "./profile.ts";
export * from "./bus.ts";
export * from "./models.ts";
export * from "./virtio_msg_device.ts";
export * from "./ffa_peer.ts";
export * from "./scmi_platform.ts";
export * from "./rpmb_device.ts";
export * from "./viommu_device.ts";
export * from "./compare.ts";
export * from "./replay.ts";
export * from "./scheduler.ts";
export * from "./scenario.ts";
