// deno-lint-ignore-file camelcase -- profile keys are JSON written by users, snake_case like the wire fields.
/**
 * The simulator's contract: device models implement the device side of a protocol and answer
 * decoded requests with messages described by name and fields; the loopback bus encodes them with
 * the same codecs that decode captures, so a simulated trace and a captured one are byte-comparable.
 *
 * @module
 */
import type { Registry } from "../codec/registry.ts";
import type { Message, MessageInput } from "../codec/types.ts";
import type { CaptureRecord, Channel, Conduit, MessageKind, ProtocolTag, Side } from "../record.ts";

/** One message a model sends back (or forward, for nested protocols). */
export interface SimOutput {
  /** Protocol of the message. */
  protocol: ProtocolTag;
  /** What to encode (name, kind, fields); ignored when `bytes` is given. */
  input?: MessageInput;
  /** Already-encoded bytes (e.g. an RPMB frame with a MAC computed by the model). */
  bytes?: Uint8Array;
  /** Kind of the record (default: the input's kind, else "response"). */
  kind?: MessageKind;
  /** Sender of the record (default: "device"). */
  sender?: Side;
  /** Channel (default: the request's channel). */
  channel?: Channel;
  /** Conduit for FF-A frames (default: the request's). */
  conduit?: Conduit;
  /** Delay after the request, in ns (default 0: the response follows at once; delayed responses and events may come later). */
  delayNs?: bigint;
  /** Correlation id (default: the request's). */
  correlationId?: number;
}

/** What a model sees besides the request. */
export interface SimContext {
  /** Codecs (models may decode nested payloads or encode frames themselves). */
  registry: Registry;
  /** Simulated time of the request, ns. */
  now: bigint;
  /** The request's record (channel, conduit, correlation id). */
  record: CaptureRecord;
  /**
   * Delivers a nested message to another model on the same bus (virtio-msg-ffa: an FF-A direct
   * request carrying a virtio-msg frame) and returns what that model answered.
   */
  deliver(protocol: ProtocolTag, msg: Message, record: CaptureRecord): SimOutput[];
  /** Protocol options (RPMB key, dialects) as decode sessions get them. */
  options: Readonly<Record<string, unknown>>;
}

/** A device model: the device side of one protocol, with state. */
export interface DeviceModel {
  /** Protocol served. */
  readonly protocol: ProtocolTag;
  /**
   * Handles one driver-side message (request or driver→device event). Returns the messages the
   * device sends (responses, delayed responses, events), in order; an empty array means "no reply"
   * (e.g. an event, or a malformed request the spec says to drop).
   */
  handle(msg: Message, ctx: SimContext): SimOutput[];
  /** Returns the model to its power-on state. */
  reset(): void;
}

/** The simulator profile: which devices exist and how they are configured (JSON; see docs/sim-profile.md). */
export interface SimProfile {
  /** virtio-msg devices on the bus, by device number. */
  virtioMsg?: {
    devices: {
      dev_num: number;
      device_id: number;
      vendor_id?: number;
      features: string | number[];
      config: string;
      max_virtqueues?: number;
      queue_max_size?: number;
      refuse_features?: string;
    }[];
    bus_max_msg_size?: number;
  };
  /** FF-A partitions and the SPMC's own settings. */
  ffa?: {
    version?: string;
    own_id?: number;
    partitions: {
      id: number;
      uuid: string;
      properties?: number;
      exec_contexts?: number;
      virtio_msg?: boolean;
    }[];
  };
  /** SCMI platform. */
  scmi?: {
    vendor?: string;
    sub_vendor?: string;
    impl_version?: number;
    agents?: { id: number; name: string; denied_protocols?: number[] }[];
    clocks?: { name: string; rates: number[]; rate: number; enabled?: boolean }[];
    perf_domains?: { name: string; levels: { perf: number; power: number; latency_us: number }[] }[];
    power_domains?: { name: string; state?: number }[];
    sensors?: { name: string; value: number; unit?: number }[];
    reset_domains?: { name: string; latency_us?: number }[];
    voltage_domains?: { name: string; levels_uv: number[]; level_uv: number }[];
  };
  /** RPMB device. */
  rpmb?: { key?: string; capacity_blocks?: number; write_counter?: number; emmc?: boolean };
  /** virtio-iommu device. */
  virtioIommu?: {
    page_size_mask?: string;
    input_range?: [string, string];
    domain_range?: [number, number];
    bypass?: boolean;
    /** Endpoint ids the device serves, or "any" (QEMU serves every device behind it). */
    endpoints: number[] | "any";
    /** RESV_MEM regions; endpoint "any" applies a region to every endpoint. */
    resv_mem?: { endpoint: number | "any"; start: string; end: string; subtype: "reserved" | "msi" }[];
  };
}
