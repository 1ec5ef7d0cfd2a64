import { equal, throws } from "node:assert/strict";
import { DEFAULT_PROFILE, parseProfile, ProfileError } from "../../../lib/sim/mod.ts";

Deno.test("parseProfile() keeps absent sections, replaces given ones and drops null ones", () => {
  const p = parseProfile(
    '{"ffa": {"partitions": [{"id": 32769, "uuid": "c66028b5-2498-4aa1-9de7-77da6122abf0"}]}, "rpmb": null}',
  );
  equal(p.ffa?.partitions.length, 1);
  equal(p.rpmb, undefined);
  equal(p.virtioMsg?.devices.length, DEFAULT_PROFILE.virtioMsg?.devices.length);
});

Deno.test("parseProfile() names the offending key", () => {
  const bad: [string, RegExp][] = [
    [
      '{"virtioMsg": {"devices": [{"dev_num": 70000, "device_id": 1, "features": "0x1", "config": ""}]}}',
      /virtioMsg\.devices\[0\]\.dev_num must be a whole number from 0 to 65535/,
    ],
    [
      '{"virtioMsg": {"devices": [{"dev_num": 1, "device_id": 1, "features": "zz", "config": ""}]}}',
      /virtioMsg\.devices\[0\]\.features must be a number as text/,
    ],
    ['{"ffa": {"partitions": [{"id": 1, "uuid": "nope"}]}}', /ffa\.partitions\[0\]\.uuid must be a UUID/],
    ['{"rpmb": {"key": "0011"}}', /rpmb\.key must be 32 bytes of hex, not 2/],
    [
      '{"scmi": {"clocks": [{"name": "a", "rates": [], "rate": 1}]}}',
      /scmi\.clocks\[0\]\.rates must list at least one rate/,
    ],
    [
      '{"virtioIommu": {"endpoints": [1], "resv_mem": [{"endpoint": 1, "start": "0", "end": "1", "subtype": "x"}]}}',
      /virtioIommu\.resv_mem\[0\]\.subtype must be "reserved" or "msi"/,
    ],
    ['{"virtioMsg": {"devices": [], "extra": 1}}', /virtioMsg\.extra is not a profile key/],
    ['{"gpu": {}}', /gpu is not a profile key/],
  ];
  for (const [text, re] of bad) {
    throws(
      () => parseProfile(text, { source: "p.json" }),
      (e) =>
        e instanceof ProfileError && re.test(e.message) &&
        e.message.startsWith("Cannot load the simulator profile p.json: "),
    );
  }
  throws(() => parseProfile("{"), /not JSON/);
});
