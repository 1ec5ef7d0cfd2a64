import { deepEqual, equal, throws } from "node:assert/strict";
import { decodePseudoHeader, encodePseudoHeader } from "../../../lib/pcap/mod.ts";
import { makeRecord } from "../../../lib/record.ts";
import { SCMI_EXAMPLE } from "./_build.ts";

Deno.test("encodePseudoHeader() writes the example of docs/capture-format.md", () => {
  const r = makeRecord(new Uint8Array([0, 4, 1, 16]), {
    protocol: "scmi",
    kind: "request",
    sender: "driver",
    channel: { queue: 0 },
  });
  deepEqual([...encodePseudoHeader(r)], [...SCMI_EXAMPLE.subarray(0, 24)]);
});

Deno.test("encodePseudoHeader() sets present bits, conduit and correlation id", () => {
  const h = encodePseudoHeader(makeRecord(new Uint8Array(0), {
    protocol: "ffa",
    kind: "event",
    sender: "device",
    conduit: "hvc",
    channel: { bus: 0x1234, dst: 7 },
    correlationId: 0x01020304,
  }));
  equal(h[4], 2);
  equal(h[5], 3 | (2 << 2) | (2 << 4));
  equal(h[6], 1 | 8 | 32);
  deepEqual([...h.subarray(8, 10)], [0x34, 0x12]);
  deepEqual([...h.subarray(14, 16)], [7, 0]);
  deepEqual([...h.subarray(20, 24)], [4, 3, 2, 1]);
});

Deno.test("encodePseudoHeader() rejects out-of-range channel values and correlation ids", () => {
  throws(() => encodePseudoHeader(makeRecord(new Uint8Array(0), { channel: { src: 65536 } })), RangeError);
  throws(() => encodePseudoHeader(makeRecord(new Uint8Array(0), { correlationId: -1 })), /correlation id -1/);
});

Deno.test("decodePseudoHeader() reads what encodePseudoHeader() wrote and rejects bad magic/version", () => {
  const r = makeRecord(new Uint8Array(0), {
    protocol: "virtio-iommu",
    kind: "response",
    sender: "device",
    channel: { device: 9, queue: 1 },
    correlationId: 77,
  });
  const h = decodePseudoHeader(encodePseudoHeader(r))!;
  equal(h.protocol, "virtio-iommu");
  equal(h.protocolCode, 5);
  equal(h.kind, "response");
  equal(h.sender, "device");
  deepEqual(h.channel, { device: 9, queue: 1 });
  equal(h.correlationId, 77);
  equal(h.headerLength, 24);
  const bad = encodePseudoHeader(r);
  bad[0] = 0x57;
  equal(decodePseudoHeader(bad), undefined);
  const v2 = encodePseudoHeader(r);
  v2[2] = 2;
  equal(decodePseudoHeader(v2), undefined);
  const short = encodePseudoHeader(r);
  short[3] = 30;
  equal(decodePseudoHeader(short), undefined, "header_length beyond the packet");
  const annotation = encodePseudoHeader(r);
  annotation[4] = 255;
  equal(decodePseudoHeader(annotation)!.protocol, undefined);
  equal(decodePseudoHeader(annotation)!.protocolCode, 255);
});
