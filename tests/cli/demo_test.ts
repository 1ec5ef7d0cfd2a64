import { equal, match, ok } from "node:assert/strict";
import { vioscope } from "./_run.ts";

Deno.test("vioscope demo replays the built-in capture live and reports no divergence", async () => {
  const r = await vioscope(["demo", "--speed", "20"]);
  equal(r.code, 0, r.stderr);
  match(
    r.stdout,
    /FFA_MSG_SEND_DIRECT_REQ2 0x0001→0x8001 uuid=c66028b5-… \[virtio-msg GET_DEVICE_INFO dev=0 tok=1\]/,
  );
  match(
    r.stdout,
    /dev→drv ffa .* FFA_MSG_SEND_DIRECT_RESP2 rsp 0x8001→0x0001 \[virtio-msg GET_DEVICE_INFO rsp dev=0/,
  );
  for (const p of ["scmi", "rpmb", "virtio-iommu"]) ok(new RegExp(`drv→dev ${p}`).test(r.stdout), p);
  match(r.stdout, /^replay of demo\.pcapng \(built in\): 68 messages, 67 answers compared$/m);
  match(r.stdout, /^divergences: 0$/m);
  match(r.stdout, /^lateness: p50 /m);
});
