import { deepEqual, throws } from "node:assert/strict";
import { parseDecodeAs } from "../../cli/_options.ts";
import { UserError } from "../../cli/_io.ts";

Deno.test("parseDecodeAs() accepts USERn and link-type numbers", () => {
  deepEqual(parseDecodeAs([]), new Map());
  deepEqual(
    parseDecodeAs(["USER0=scmi", "user15=virtio-iommu", "150=ffa", "USER0=scmi"]),
    new Map([[147, "scmi"], [162, "virtio-iommu"], [150, "ffa"]]),
  );
});

Deno.test("parseDecodeAs() rejects malformed values with clear messages", () => {
  throws(
    () => parseDecodeAs(["scmi"]),
    (e) => e instanceof UserError && /expected USERn=PROTOCOL/.test(e.message),
  );
  throws(() => parseDecodeAs(["USER16=scmi"]), /USER16 does not exist/);
  throws(() => parseDecodeAs(["70000=scmi"]), /link type 70000 exceeds 65535/);
  throws(() => parseDecodeAs(["USER0=foo"]), /unknown protocol "foo"/);
  throws(() => parseDecodeAs(["USER0=scmi", "147=rpmb"]), /already decoded as scmi/);
});
