/**
 * The device models of a profile: one per protocol section the profile has.
 *
 * @module
 */
import { createFfaPeer } from "./ffa_peer.ts";
import { createRpmbDevice } from "./rpmb_device.ts";
import { createScmiPlatform } from "./scmi_platform.ts";
import { createViommuDevice } from "./viommu_device.ts";
import { createVirtioMsgBus } from "./virtio_msg_device.ts";
import { DEFAULT_PROFILE } from "./profile.ts";
import type { DeviceModel, SimProfile } from "./types.ts";

/**
 * Creates a model for every section of a profile (virtio-msg bus, FF-A peer, SCMI platform, RPMB
 * device, virtio-iommu device); a section the profile lacks gets no model.
 *
 * @example
 * ```ts
 * import { createModels } from "./models.ts";
 * import { equal } from "node:assert/strict";
 * equal(createModels().map((m) => m.protocol).join(), "virtio-msg,ffa,scmi,rpmb,virtio-iommu");
 * equal(createModels({ ffa: { partitions: [] } }).length, 1);
 * ```
 *
 * @param profile The profile (default: the built-in one).
 * @returns The models.
 */
export function createModels(profile: SimProfile = DEFAULT_PROFILE): DeviceModel[] {
  const models: DeviceModel[] = [];
  if (profile.virtioMsg) models.push(createVirtioMsgBus(profile.virtioMsg));
  if (profile.ffa) models.push(createFfaPeer(profile.ffa));
  if (profile.scmi) models.push(createScmiPlatform(profile.scmi));
  if (profile.rpmb) models.push(createRpmbDevice(profile.rpmb));
  if (profile.virtioIommu) models.push(createViommuDevice(profile.virtioIommu));
  return models;
}
