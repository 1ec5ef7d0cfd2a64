/**
 * Helpers for the simulator tests: encode a driver-side message, send it through a bus, decode the
 * answers.
 *
 * @module
 */
import { DecodeSession, type Message } from "../../../lib/codec/mod.ts";
import {
  type CaptureRecord,
  type Channel,
  makeRecord,
  type MessageKind,
  type ProtocolTag,
} from "../../../lib/record.ts";
import type { LoopbackBus } from "../../../lib/sim/mod.ts";

/** A bus with a decoder of what it answers. */
export class Driver {
  /** The bus. */
  bus: LoopbackBus;
  #session: DecodeSession;
  #t = 1_000_000n;
  /** @param bus The bus. */
  constructor(bus: LoopbackBus) {
    this.bus = bus;
    this.#session = new DecodeSession(bus.registry);
  }
  /**
   * Sends a message.
   * @param proto Protocol.
   * @param name Message name.
   * @param fields Fields.
   * @param chan Channel.
   * @param kind Kind.
   * @returns The answers (decoded with their requests) and their records.
   */
  send(
    proto: ProtocolTag,
    name: string,
    fields: Record<string, unknown> = {},
    chan: Channel = {},
    kind: MessageKind = "request",
  ): { msgs: Message[]; records: CaptureRecord[] } {
    const data = this.bus.registry.get(proto)!.encodeMessage({ name, kind, fields }, {
      registry: this.bus.registry,
    });
    const rec = makeRecord(data, {
      protocol: proto,
      kind,
      sender: "driver",
      channel: chan,
      timestampNs: this.#t += 1000n,
    });
    this.#session.decode(rec);
    const records = this.bus.send(rec).records;
    return { msgs: records.map((r) => this.#session.decode(r)!), records };
  }
}
