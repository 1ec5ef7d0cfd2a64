import { deepEqual, equal, ok } from "node:assert/strict";
import { compileFilter, filterFields } from "../../../lib/filter/mod.ts";
import { registry } from "./_messages.ts";

const fields = filterFields(registry);
const byName = new Map(fields.map((f) => [f.name, f]));

Deno.test("filterFields() lists each name once, with frame, msg and protocol entries first", () => {
  equal(new Set(fields.map((f) => f.name)).size, fields.length);
  equal(fields[0]!.name, "frame.number");
  for (const ab of ["vmsg", "ffa", "rpmb", "scmi", "viommu"]) equal(byName.get(ab)?.type, "protocol", ab);
});

Deno.test("filterFields() covers every name of each codec's fieldCatalog()", () => {
  for (const c of registry.codecs()) {
    for (const f of c.fieldCatalog()) ok(byName.has(f.name), f.name);
  }
});

Deno.test("filterFields() gives bit, flag and enum details", () => {
  equal(byName.get("vmsg.type.response")?.type, "bits");
  equal(byName.get("vmsg.status.status.DRIVER_OK")?.type, "bool");
  equal(byName.get("scmi.hdr.protocol_id")?.enum?.["20"], "CLOCK");
  deepEqual(byName.get("frame.direction")?.values, ["unknown", "request", "response", "event"]);
  equal(byName.get("viommu.probe.properties.type")?.enum?.["1"], "RESV_MEM");
});

Deno.test("compileFilter() accepts every listed field name", () => {
  for (const f of fields) compileFilter(f.name, { registry });
});
