import { deepEqual, equal, ok } from "node:assert/strict";
import { vioscope } from "./_run.ts";

Deno.test("fields lists every filter field as name, type and description, tab-separated", async () => {
  const r = await vioscope(["fields"]);
  equal(r.code, 0);
  const rows = r.stdout.trimEnd().split("\n").map((l) => l.split("\t"));
  ok(rows.every((c) => c.length === 3), "three columns");
  const byName = new Map(rows.map((c) => [c[0]!, c]));
  deepEqual(byName.get("frame.number"), ["frame.number", "u32", "record number, from 1"]);
  deepEqual(byName.get("scmi"), ["scmi", "protocol", "Arm SCMI"]);
  equal(byName.get("scmi.hdr.protocol_id")?.[1], "bits");
  equal(byName.get("vmsg.status.status.DRIVER_OK")?.[1], "bool");
  equal(byName.get("vmsg.type.response")?.[1], "bits");
  equal(byName.get("viommu.probe.properties.type")?.[1], "u16");
  for (const p of ["vmsg", "ffa", "rpmb", "scmi", "viommu", "msg.name", "frame.direction"]) {
    ok(byName.has(p), p);
  }
});

Deno.test("fields PROTO takes a tag or an abbreviation; --json carries enum names", async () => {
  const a = await vioscope(["fields", "viommu"]);
  const b = await vioscope(["fields", "virtio-iommu"]);
  equal(a.code, 0);
  equal(a.stdout, b.stdout);
  ok(a.stdout.split("\n").filter(Boolean).every((l) => l.startsWith("viommu")));
  const v = await vioscope(["fields", "virtio-msg", "--json"]);
  equal(v.code, 0);
  const list = JSON.parse(v.stdout) as { name: string; enum?: Record<string, string> }[];
  ok(list.every((f) => f.name === "vmsg" || f.name.startsWith("vmsg.")));
  equal(list.find((f) => f.name === "vmsg.device_info.device_id")?.enum?.["2"], "block");
  const frame = await vioscope(["fields", "frame"]);
  ok(frame.stdout.split("\n").filter(Boolean).every((l) => l.startsWith("frame.")));
});

Deno.test("fields exits 2 for an unknown protocol", async () => {
  const r = await vioscope(["fields", "tcp"]);
  equal(r.code, 2);
  ok(r.stderr.startsWith('vioscope: error: Cannot list fields of "tcp": unknown protocol'));
});
