import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { compileFilter, FilterSyntaxError } from "../../../lib/filter/mod.ts";
import { frames, registry } from "./_messages.ts";

const all = frames();
const ids = all.map((f) => f.id);

/** Which frames a filter selects. */
function select(filter: string): string[] {
  const c = compileFilter(filter, { registry });
  const start = all[0]!.record.timestampNs;
  return all.filter((f, i) => c.matches(f.record, f.message, { number: i + 1, startNs: start })).map((f) =>
    f.id
  );
}

const VMSG = ["vmsg.info.req", "vmsg.info.rsp", "vmsg.status.set", "vmsg.config.req"];
const SCMI = ["scmi.clock.req", "scmi.clock.ok", "scmi.clock.err", "scmi.base.ver"];

const TABLE: [string, string[]][] = [
  // Protocols, and a protocol carried inside another.
  ["vmsg", [...VMSG, "ffa.req2"]],
  ["scmi", SCMI],
  ["ffa", ["ffa.req2", "ffa.error"]],
  ["viommu", ["viommu.probe"]],
  ["not vmsg", ids.filter((i) => ![...VMSG, "ffa.req2"].includes(i))],
  ["frame.protocol == vmsg", VMSG],
  ["frame.protocol == virtio-msg", VMSG],
  ['frame.protocol == "ffa"', ["ffa.req2", "ffa.error"]],
  // Header fields, hex and enum names.
  ["scmi.hdr.protocol_id == 0x14", ["scmi.clock.req", "scmi.clock.ok", "scmi.clock.err"]],
  ["scmi.hdr.protocol_id == CLOCK", ["scmi.clock.req", "scmi.clock.ok", "scmi.clock.err"]],
  ["scmi.hdr.protocol_id eq 20", ["scmi.clock.req", "scmi.clock.ok", "scmi.clock.err"]],
  ["scmi.hdr.protocol_id == 024", ["scmi.clock.req", "scmi.clock.ok", "scmi.clock.err"]],
  ["scmi.hdr.protocol_id != CLOCK", ["scmi.base.ver"]],
  ["scmi.hdr.protocol_id in {BASE 0x20..0x30}", ["scmi.base.ver"]],
  ["scmi.hdr.protocol_id in {0x10..0x14}", SCMI],
  // The brief's example: errors of the clock protocol.
  ["scmi.hdr.protocol_id == 0x14 && scmi.clock.status != 0", ["scmi.clock.err"]],
  ["scmi.clock.status == NOT_FOUND", ["scmi.clock.err"]],
  ["scmi.clock.status == -4", ["scmi.clock.err"]],
  ["scmi.clock.status < SUCCESS", ["scmi.clock.err"]],
  ["scmi.clock.status", ["scmi.clock.ok", "scmi.clock.err"]],
  ["!scmi.clock.status && scmi", ["scmi.clock.req", "scmi.base.ver"]],
  // A body field of another prefix does not match (base status is not clock status).
  ["scmi.base.status == SUCCESS", ["scmi.base.ver"]],
  ["scmi.clock.status == SUCCESS", ["scmi.clock.ok"]],
  ["scmi.hdr.token >= 3 and scmi.hdr.token <= 3", ["scmi.clock.req", "scmi.clock.ok"]],
  ["scmi.hdr.type == COMMAND", SCMI],
  // u64 values compare as bigint.
  ["scmi.clock.rate == 4294967296", ["scmi.clock.ok"]],
  ["scmi.clock.rate > 0xffffffff", ["scmi.clock.ok"]],
  ["scmi.clock.rate == 18446744073709551615", []],
  // Bits and flags.
  ["vmsg.type.response", VMSG.concat("ffa.req2")],
  ["vmsg.type.response == 1", ["vmsg.info.rsp"]],
  ["vmsg.type.response == true", ["vmsg.info.rsp"]],
  ["vmsg.status.status.DRIVER_OK", ["vmsg.status.set"]],
  ["vmsg.status.status.DRIVER_OK == true", ["vmsg.status.set"]],
  ["vmsg.status.status.FAILED == false", ["vmsg.status.set"]],
  ["vmsg.status.status.FAILED == true", []],
  ["scmi.base.version.major == 2", ["scmi.base.ver"]],
  // Body enums, in the carrier too.
  ["vmsg.device_info.device_id == block", ["vmsg.info.rsp"]],
  ["vmsg.dev_num == 3", ["ffa.req2"]],
  ["vmsg.token == 9 && ffa.direct.sender == 0x8001", ["ffa.req2"]],
  ["msg.name == GET_DEVICE_INFO", ["vmsg.info.req", "vmsg.info.rsp"]],
  ['msg.name contains "CLOCK"', ["scmi.clock.req", "scmi.clock.ok", "scmi.clock.err"]],
  ['msg.name matches "^(?:GET|SET)_"', [
    "vmsg.info.req",
    "vmsg.info.rsp",
    "vmsg.status.set",
    "vmsg.config.req",
  ]],
  ['msg.name ~ "(?i)clock_rate"', ["scmi.clock.req", "scmi.clock.ok", "scmi.clock.err"]],
  ['msg.summary contains "NOT_FOUND"', ["scmi.clock.err"]],
  // One filter name, several layouts (config offset of GET_CONFIG; bus.devices.offset is another name).
  ["vmsg.config.offset == 4", ["vmsg.config.req"]],
  // Lists: any element.
  ["viommu.probe.properties.type == RESV_MEM", ["viommu.probe"]],
  ["viommu.probe.properties.subtype == MSI && viommu.probe.properties.start == 0xfee00000", ["viommu.probe"]],
  ["viommu.probe.properties.type == NONE", []],
  ["viommu.probe.tail.status == OK", ["viommu.probe"]],
  // FF-A error codes.
  ["ffa.error.code == INVALID_PARAMETERS", ["ffa.error"]],
  // frame.* pseudo-fields.
  ["frame.number == 1", ["vmsg.info.req"]],
  ["frame.number in {2, 4..5}", ["vmsg.info.rsp", "vmsg.config.req", "scmi.clock.req"]],
  ["frame.direction == response && frame.sender == device", [
    "vmsg.info.rsp",
    "scmi.clock.ok",
    "scmi.clock.err",
    "scmi.base.ver",
    "ffa.error",
    "viommu.probe",
  ]],
  ["frame.channel.device == 1", ["vmsg.info.req", "vmsg.info.rsp"]],
  ["frame.channel.device", ["vmsg.info.req", "vmsg.info.rsp"]],
  ["frame.time_relative >= 0.000006 && frame.time_relative < 0.0000065", ["scmi.clock.err"]],
  ["frame.len == 144", ["ffa.req2", "ffa.error"]],
  ["frame.len > 500", ["viommu.probe"]],
  // Bytes.
  ["ffa.direct.uuid == c6:60:28:b5:24:98:4a:a1:9d:e7:77:da:61:22:ab:f0", ["ffa.req2"]],
  ["ffa.direct.uuid contains 77:da", ["ffa.req2"]],
  ["ffa.direct.uuid == 00:11", []],
  // Precedence and grouping.
  ["scmi || ffa && frame.direction == request", [...SCMI, "ffa.req2"]],
  ["(scmi || ffa) && frame.direction == request", ["scmi.clock.req", "ffa.req2"]],
  ["not not scmi", SCMI],
  ["msg", ids],
  ["frame", ids],
  ["msg.malformed", []],
];

for (const [filter, expected] of TABLE) {
  Deno.test(`compileFilter() selects [${expected.join(", ")}] for ${filter}`, () => {
    deepEqual(
      select(filter),
      expected.filter((x) => ids.includes(x)).sort((a, b) => ids.indexOf(a) - ids.indexOf(b)),
    );
  });
}

Deno.test("compileFilter() names an unknown field and suggests the closest", () => {
  const e = throws(() => compileFilter("vmsg && scmi.hdr.protcol_id == 1", { registry }), FilterSyntaxError);
  void e;
  try {
    compileFilter("vmsg && scmi.hdr.protcol_id == 1", { registry });
  } catch (err) {
    ok(err instanceof FilterSyntaxError);
    equal(err.column, 9);
    equal(
      err.reason,
      'Cannot compile filter: unknown field "scmi.hdr.protcol_id" at column 9 (did you mean "scmi.hdr.protocol_id"?)',
    );
    equal(err.message.split("\n")[2], "        ^");
  }
});

Deno.test("compileFilter() rejects a name that is not one of the field's enum names", () => {
  throws(
    () => compileFilter("scmi.hdr.protocol_id == CLOK", { registry }),
    (e: unknown) =>
      e instanceof FilterSyntaxError && e.column === 25 &&
      e.reason ===
        'Cannot compile filter: "CLOK" is not a value of scmi.hdr.protocol_id at column 25 (did you mean "CLOCK"?)',
  );
  throws(() => compileFilter("vmsg.dev_num == net", { registry }), /has no value names/);
  throws(
    () => compileFilter("frame.direction == reqest", { registry }),
    /one of unknown, request, response, event/,
  );
  throws(() => compileFilter("msg.name == GET_CONIFG", { registry }), /did you mean "GET_CONFIG"/);
  throws(() => compileFilter('msg.name matches "("', { registry }), /invalid regular expression/);
  throws(() => compileFilter("msg.name matches 5", { registry }), /needs a string/);
});

Deno.test("compileFilter() resolves an enum name per layout (same filter name, different tables)", () => {
  // rpmb.result has two enum tables (plain and eMMC); OK exists in both.
  const c = compileFilter("rpmb.result == OK", { registry });
  equal(typeof c.matches, "function");
  match(c.text, /OK/);
});
