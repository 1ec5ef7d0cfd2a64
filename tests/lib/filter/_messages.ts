/**
 * Decoded messages shared by the filter tests: one of each kind the filters must reach (header
 * bits, enums, flags, body prefixes, lists, nested virtio-msg in FF-A), with their records.
 *
 * @module
 */
import { type CaptureRecord, makeRecord, type MessageKind, type ProtocolTag } from "../../../lib/record.ts";
import {
  DecodeSession,
  defaultRegistry,
  type Message,
  type MessageInput,
  Registry,
} from "../../../lib/codec/mod.ts";
import { ffa, VIRTIO_MSG_FFA_UUID } from "../../../lib/codec/protocols/ffa.ts";

const base = defaultRegistry();
/** The built-in codecs plus FF-A (added here until the default registry has it). */
export const registry: Registry = base.get("ffa") ? base : new Registry([...base.codecs(), ffa]);

/** One test frame. */
export interface Frame {
  /** Label used in the tables. */
  id: string;
  record: CaptureRecord;
  message: Message;
}

function enc(tag: ProtocolTag, input: MessageInput, kind: MessageKind): Uint8Array {
  return registry.get(tag)!.encodeMessage({ ...input, kind }, { registry });
}

const specs: [string, ProtocolTag, MessageKind, MessageInput, Partial<CaptureRecord>?][] = [
  ["vmsg.info.req", "virtio-msg", "request", { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 7 } }, {
    channel: { bus: 0, device: 1 },
  }],
  ["vmsg.info.rsp", "virtio-msg", "response", {
    name: "GET_DEVICE_INFO",
    fields: {
      dev_num: 1,
      token: 7,
      device_id: 2,
      vendor_id: 0x554d4551,
      num_feature_bits: 64,
      config_size: 12,
      max_virtqueues: 2,
    },
  }, { channel: { bus: 0, device: 1 } }],
  ["vmsg.status.set", "virtio-msg", "request", {
    name: "SET_DEVICE_STATUS",
    fields: { dev_num: 2, status: 0x0f },
  }],
  ["vmsg.config.req", "virtio-msg", "request", {
    name: "GET_CONFIG",
    fields: { dev_num: 2, offset: 4, length: 8 },
  }],
  ["scmi.clock.req", "scmi", "request", {
    name: "CLOCK_RATE_GET",
    fields: { "hdr.protocol_id": 0x14, "hdr.msg_id": 6, "hdr.token": 3, clock_id: 5 },
  }],
  ["scmi.clock.ok", "scmi", "response", {
    name: "CLOCK_RATE_GET",
    fields: { "hdr.protocol_id": 0x14, "hdr.msg_id": 6, "hdr.token": 3, status: 0, rate: 0x1_0000_0000n },
  }],
  ["scmi.clock.err", "scmi", "response", {
    name: "CLOCK_RATE_GET",
    fields: { "hdr.protocol_id": 0x14, "hdr.msg_id": 6, "hdr.token": 4, status: -4 },
  }],
  ["scmi.base.ver", "scmi", "response", {
    name: "BASE_PROTOCOL_VERSION",
    fields: { "hdr.protocol_id": 0x10, "hdr.msg_id": 0, status: 0, version: 0x20000 },
  }],
  ["ffa.req2", "ffa", "request", {
    name: "FFA_MSG_SEND_DIRECT_REQ2",
    fields: {
      sender: 0x8001,
      receiver: 0x8002,
      uuid: VIRTIO_MSG_FFA_UUID,
      payload: { name: "GET_DEVICE_INFO", fields: { dev_num: 3, token: 9 } },
    },
  }],
  ["ffa.error", "ffa", "response", { name: "FFA_ERROR", fields: { code: -2 } }],
];

/** Builds the frames (decoded in order by one session, so responses are paired). */
export function frames(): Frame[] {
  const session = new DecodeSession(registry, { tree: false, pairing: "all" });
  const out: Frame[] = specs.map(([id, tag, kind, input, extra], i) => {
    const record = makeRecord(enc(tag, input, kind), {
      protocol: tag,
      kind,
      sender: kind === "request" ? "driver" : "device",
      timestampNs: 1_000_000_000n + BigInt(i) * 1000n,
      ...extra,
    });
    return { id, record, message: session.decode(record)! };
  });
  // A virtio-iommu PROBE response with a RESV_MEM MSI property (fixture bytes).
  const probe = Deno.readFileSync(
    new URL("../../../fixtures/virtio-iommu/probe_response_msi.bin", import.meta.url),
  );
  const record = makeRecord(probe, { protocol: "virtio-iommu", kind: "response", sender: "device" });
  out.push({ id: "viommu.probe", record, message: session.decode(record)! });
  return out;
}
