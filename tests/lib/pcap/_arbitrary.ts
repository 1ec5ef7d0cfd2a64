/**
 * fast-check arbitraries for capture records.
 *
 * @module
 */
import fc from "fast-check";
import {
  type CaptureRecord,
  type Channel,
  MESSAGE_KINDS,
  PROTOCOL_TAGS,
  SIDES,
} from "../../../lib/record.ts";

const u16 = fc.integer({ min: 0, max: 0xffff });

/** Any channel. */
export const channelArb: fc.Arbitrary<Channel> = fc.record(
  { bus: u16, device: u16, src: u16, dst: u16, queue: u16 },
  { requiredKeys: [] },
);

/** Any record a writer can represent (timestamps within pcap's range). */
export const recordArb: fc.Arbitrary<CaptureRecord> = fc.record({
  timestampNs: fc.bigInt({ min: 0n, max: 0xffffffffn * 1_000_000_000n }),
  protocol: fc.option(fc.constantFrom(...PROTOCOL_TAGS), { nil: undefined }),
  kind: fc.constantFrom(...MESSAGE_KINDS),
  sender: fc.constantFrom(...SIDES),
  channel: channelArb,
  correlationId: fc.option(fc.integer({ min: 0, max: 0xffffffff }), { nil: undefined }),
  conduit: fc.option(fc.constantFrom("smc" as const, "hvc" as const), { nil: undefined }),
  data: fc.uint8Array({ maxLength: 80 }),
  extra: fc.nat({ max: 3 }),
  comment: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
}).map(({ extra, protocol, correlationId, conduit, comment, ...rest }) => {
  const r: CaptureRecord = { ...rest, originalLength: rest.data.length + extra };
  if (protocol !== undefined) r.protocol = protocol;
  if (correlationId !== undefined) r.correlationId = correlationId;
  if (conduit !== undefined) r.conduit = conduit;
  if (comment !== undefined) r.comment = comment;
  return r;
});

/** The members a round trip keeps, for comparison. */
export function essentials(r: CaptureRecord, withComment = true): Record<string, unknown> {
  return {
    timestampNs: r.timestampNs,
    protocol: r.protocol,
    kind: r.kind,
    sender: r.sender,
    channel: { ...r.channel },
    correlationId: r.correlationId,
    conduit: r.conduit,
    data: [...r.data],
    originalLength: r.originalLength,
    comment: withComment ? r.comment : undefined,
  };
}
