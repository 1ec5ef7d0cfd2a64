import { deepEqual, equal, ok } from "node:assert/strict";
import { CaptureReader } from "../../../lib/pcap/mod.ts";
import type { CaptureRecord } from "../../../lib/record.ts";
import {
  compareMessages,
  createModels,
  DEFAULT_PROFILE,
  isIgnored,
  LoopbackBus,
  planReplay,
  profileOptions,
  Replayer,
  simRegistry,
} from "../../../lib/sim/mod.ts";

async function read(name: string): Promise<CaptureRecord[]> {
  const bytes = await Deno.readFile(new URL(`../../../fixtures/sim/${name}`, import.meta.url));
  const out: CaptureRecord[] = [];
  for await (const r of new CaptureReader(ReadableStream.from([bytes]))) out.push(r);
  return out;
}

function replay(records: CaptureRecord[], ignore: string[] = []) {
  const registry = simRegistry();
  const decode = { registry, options: profileOptions(DEFAULT_PROFILE) };
  const plan = planReplay(records, decode);
  const r = new Replayer(new LoopbackBus(createModels(), { ...decode, pairAnswers: true }), plan, {
    ...decode,
    ignore,
  });
  const divs = plan.items.flatMap((_, i) => r.step(i).divergences);
  divs.push(...r.finish());
  return { plan, divs, totals: r.totals };
}

Deno.test("planReplay() pairs RPMB results with their write, not with RESULT_READ", async () => {
  const recs = await read("rpmb.pcapng");
  const { plan } = replay(recs);
  const write = plan.items.find((it) => it.request.data[511] === 0x03)!;
  equal(write.captured.length, 1);
  equal(write.captured[0]!.data[510], 0x03);
  const resultRead = plan.items.find((it) => it.request.data[511] === 0x05)!;
  equal(resultRead.captured.length, 0);
});

Deno.test("Replayer finds no divergence in a simulated capture, also for deferred answers", async () => {
  for (const f of ["rpmb.pcapng", "virtio-msg-ffa.pcapng"]) {
    const { divs, totals } = replay(await read(f));
    deepEqual(divs.map((d) => d.text), [], f);
    ok(totals.compared > 0);
  }
});

Deno.test("Replayer reports an altered answer field, a missing and an extra answer", async () => {
  const recs = await read("virtio-msg-loopback.pcapng");
  // PING rsp data 0xdeadbeef → 0xdeadbeee.
  const i = recs.findIndex((r) =>
    r.sender === "device" && r.data[0] === 3 && r.data[1] === 3 && r.data[8] === 0xef
  );
  const altered = recs.slice();
  const data = recs[i]!.data.slice();
  data[8] = 0xee;
  altered[i] = { ...recs[i]!, data };
  const { divs } = replay(altered);
  equal(divs.length, 1);
  equal(divs[0]!.type, "field");
  equal(divs[0]!.field, "vmsg.bus.ping.data");
  equal(divs[0]!.captured, String(0xdeadbeee));
  equal(divs[0]!.simulated, String(0xdeadbeef));
  equal(replay(altered, ["vmsg.bus.ping"]).divs.length, 0);
  const missing = replay(recs.filter((_, k) => k !== i)).divs;
  deepEqual(missing.map((d) => d.type), ["extra"]);
  const dup = recs.slice();
  dup.splice(i + 1, 0, recs[i]!);
  deepEqual(replay(dup).divs.map((d) => d.type), ["missing"]);
});

Deno.test("Replayer checks acceptance when the trace has no captured answers", async () => {
  const recs = (await read("virtio-msg-loopback.pcapng")).filter((r) => r.sender === "driver");
  const { plan, divs } = replay(recs);
  equal(plan.hasResponses, false);
  // The stale SET_CONFIG, the refused FEATURES_OK, the missing queue and the absent device.
  deepEqual(divs.map((d) => d.simulated), [
    "SET_CONFIG rejected (stale generation)",
    "no such virtqueue",
    "FEATURES_OK refused",
    "no answer",
  ]);
});

Deno.test("compareMessages() leaves out the bits of a differing field; isIgnored() takes prefixes", () => {
  equal(isIgnored("ffa.direct.payload.vmsg.token", ["vmsg.token"]), true);
  equal(isIgnored("vmsg.tokens", ["vmsg.token"]), false);
  equal(isIgnored("ffa.success.partitions[0].id", ["ffa.success.partitions"]), true);
  const registry = simRegistry();
  const c = registry.get("virtio-msg")!;
  const m = (status: number) =>
    c.decodeBytes(
      c.encodeMessage({ name: "SET_DEVICE_STATUS", kind: "response", fields: { status } }, { registry }),
      {
        registry,
      },
    );
  deepEqual(compareMessages(m(0xb), m(0x3)), [{
    field: "vmsg.status.status",
    captured: "11",
    simulated: "3",
  }]);
});
