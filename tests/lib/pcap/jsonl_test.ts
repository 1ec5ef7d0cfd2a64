import { deepEqual, equal, throws } from "node:assert/strict";
import { jsonToRecord, parseJsonLine, recordToJsonLine } from "../../../lib/pcap/mod.ts";
import { makeRecord } from "../../../lib/record.ts";

Deno.test("recordToJsonLine() writes every key of docs/capture-format.md", () => {
  const r = makeRecord(new Uint8Array([0xab, 0x01]), {
    timestampNs: 5n,
    protocol: "ffa",
    kind: "event",
    sender: "device",
    channel: { src: 1, dst: 2 },
    correlationId: 9,
    conduit: "smc",
    comment: "c",
    originalLength: 4,
  });
  equal(
    recordToJsonLine(r),
    '{"ts":"0.000000005","dir":"event","from":"device","proto":"ffa","chan":{"src":1,"dst":2},"corr":9,' +
      '"conduit":"smc","comment":"c","orig_len":4,"hex":"ab01"}',
  );
  const back = parseJsonLine(recordToJsonLine(r));
  deepEqual({ ...back, data: [...back.data] }, { ...r, data: [...r.data] });
});

Deno.test("parseJsonLine() ignores unknown keys and defaults dir/from", () => {
  const r = parseJsonLine('{"no":1,"name":"X","ts":"2","hex":"00","fields":[]}');
  equal(r.kind, "unknown");
  equal(r.sender, "unknown");
  equal(r.protocol, undefined);
  equal(r.timestampNs, 2_000_000_000n);
});

Deno.test("parseJsonLine() names the bad key", () => {
  throws(() => parseJsonLine("{"), /not valid JSON/);
  throws(() => parseJsonLine("[]"), /not a JSON object/);
  throws(() => parseJsonLine('{"hex":"00"}'), /"ts" must be a string/);
  throws(() => parseJsonLine('{"ts":"x","hex":"00"}'), /"ts" must be seconds\.fraction/);
  throws(() => parseJsonLine('{"ts":"1","hex":"0g"}'), /"hex" must be an even number of hex digits/);
  throws(() => parseJsonLine('{"ts":"1","hex":"","proto":"tcp"}'), /"proto" "tcp" is not a protocol tag/);
  throws(
    () => parseJsonLine('{"ts":"1","hex":"","chan":{"queue":65536}}'),
    /"chan\.queue" must be a whole number/,
  );
  throws(() => parseJsonLine('{"ts":"1","hex":"00","orig_len":0}'), /less than the 1 bytes/);
  throws(() => jsonToRecord({ ts: "1", hex: "", conduit: "svc" }), /"conduit" must be "smc" or "hvc"/);
});
