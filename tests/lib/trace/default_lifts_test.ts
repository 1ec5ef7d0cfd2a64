import { deepEqual, equal, ok } from "node:assert/strict";
import { DecodeSession } from "../../../lib/codec/mod.ts";
import type { CaptureRecord } from "../../../lib/record.ts";
import { defaultLifts, Lifter } from "../../../lib/trace/mod.ts";
import { fixture, readAll, registry } from "./_helpers.ts";

/** Records of the real trace by line number, decoded. */
async function realTrace() {
  const text = fixture("qemu/virtio-iommu-blk.tid.log");
  const { records } = await readAll(text, "qemu-log", { uri: "virtio-iommu-blk.tid.log" });
  const session = new DecodeSession(registry());
  const byLine = new Map<number, { r: CaptureRecord; m: ReturnType<DecodeSession["decode"]> }>();
  for (const r of records) byLine.set(r.source!.line!, { r, m: session.decode(r) });
  return { lines: text.split("\n"), byLine };
}

Deno.test("defaultLifts() lifts the real virtio-iommu trace into messages whose values match the text", async () => {
  const { lines, byLine } = await realTrace();
  const counts: Record<string, number> = {};
  lines.forEach((line, i) => {
    const got = byLine.get(i + 1);
    if (line === "") return;
    ok(got, `line ${i + 1} gave a record`);
    const { r, m } = got;
    let x: RegExpExecArray | null;
    const name = /:(\w+)/.exec(line)![1]!;
    counts[name] = (counts[name] ?? 0) + 1;
    if ((x = /virtio_iommu_attach domain=(\d+) endpoint=(\d+)$/.exec(line))) {
      equal(m!.name, "ATTACH");
      equal(r.kind, "request");
      equal(r.sender, "driver");
      equal(m!.values.domain, Number(x[1]));
      equal(m!.values.endpoint, Number(x[2]));
      equal(r.channel.device, Number(x[2]));
      deepEqual(m!.issues, []);
    } else if (
      (x = /virtio_iommu_map domain=(\d+) virt_start=(0x\w+) virt_end=(0x\w+) phys_start=(0x\w+) flags=(\d+)$/
        .exec(line))
    ) {
      equal(m!.name, "MAP");
      equal(r.kind, "request");
      equal(m!.values.domain, Number(x[1]));
      equal(m!.values.virt_start, BigInt(x[2]!));
      equal(m!.values.virt_end, BigInt(x[3]!));
      equal(m!.values.phys_start, BigInt(x[4]!));
      equal(m!.values.flags, Number(x[5]));
      deepEqual(m!.issues, []);
    } else if (
      (x = /virtio_iommu_unmap(_done)? domain=(\d+) virt_start=(0x\w+) virt_end=(0x\w+)$/.exec(line))
    ) {
      equal(m!.name, "UNMAP");
      equal(r.kind, x[1] ? "response" : "request");
      equal(r.sender, x[1] ? "device" : "driver");
      equal(m!.values.domain, Number(x[2]));
      equal(m!.values.virt_start, BigInt(x[3]!));
      equal(m!.values.virt_end, BigInt(x[4]!));
      if (x[1]) {
        equal(m!.values["tail.status"], 0);
        equal(m!.request?.name, "UNMAP", "unmap_done pairs with its unmap");
      }
      deepEqual(m!.issues, []);
    } else if (
      (x = /virtio_iommu_fill_resv_property dev= (\d+), type=(\d+) start=(0x\w+) end=(0x\w+)$/.exec(line))
    ) {
      equal(m!.name, "PROBE");
      equal(r.kind, "response");
      equal(m!.values.endpoint, Number(x[1]));
      const [p] = m!.values.properties as unknown as Record<string, unknown>[];
      equal(p!.type, 1);
      equal(p!.subtype, Number(x[2]));
      equal(p!.start, BigInt(x[3]!));
      equal(p!.end, BigInt(x[4]!));
    } else if ((x = /virtio_set_status vdev (0x\w+) val (\d+)$/.exec(line))) {
      equal(m!.name, "SET_DEVICE_STATUS");
      equal(m!.values.status, Number(x[2]));
      equal(r.channel.device, x[1] === "0x55f3f7a9cb70" ? 0 : 1);
      equal(m!.values.dev_num, r.channel.device);
    } else if ((x = /virtio_queue_notify vdev (0x\w+) n (\d+) vq/.exec(line))) {
      equal(m!.name, "EVENT_AVAIL");
      equal(r.sender, "driver");
      equal(m!.values.vq_index, Number(x[2]));
    } else if (/virtio_notify(_irqfd)? vdev/.test(line)) {
      equal(m!.name, "EVENT_USED");
      equal(r.sender, "device");
      equal(m!.values.vq_index, 0);
    } else {
      equal(r.annotation, name, line);
      const j = JSON.parse(new TextDecoder().decode(r.data));
      equal(j.event, name);
    }
  });
  deepEqual(
    [
      counts.virtio_iommu_attach,
      counts.virtio_iommu_map,
      counts.virtio_iommu_unmap,
      counts.virtio_set_status,
    ],
    [2, 37, 36, 43],
  );
});

Deno.test("defaultLifts() keeps the status sequence of both devices", async () => {
  const { byLine } = await realTrace();
  const seq = new Map<number, number[]>();
  for (const { r, m } of byLine.values()) {
    if (m?.name !== "SET_DEVICE_STATUS") continue;
    const s = seq.get(r.channel.device!) ?? [];
    s.push(m.values.status as number);
    seq.set(r.channel.device!, s);
  }
  // Both devices end at ACKNOWLEDGE|DRIVER|FEATURES_OK|DRIVER_OK after 1, 3, 11.
  for (const s of seq.values()) {
    const last = s.slice(s.lastIndexOf(1));
    deepEqual(last.slice(0, 4), [1, 3, 11, 15]);
  }
});

Deno.test("defaultLifts() learns virtqueue pointers and reports unknown ones", () => {
  const lifter = new Lifter(defaultLifts(), { registry: registry() });
  const [u] = lifter.lift({ name: "virtio_notify", args: { vdev: "0x1000", vq: "0x2000" } }, 0n);
  equal(u!.annotation, "virtio_notify");
  ok(u!.comment?.includes("index is unknown"));
  equal(lifter.stats.failed, 1);
  lifter.lift({ name: "virtio_queue_notify", args: { vdev: "0x1000", n: 0, vq: "0x2000" } }, 1n);
  lifter.lift({ name: "virtio_queue_notify", args: { vdev: "0x1000", n: 2, vq: "0x2110" } }, 2n);
  const [k] = lifter.lift({ name: "virtio_notify_irqfd", args: { vdev: "0x1000", vq: "0x2088" } }, 3n);
  equal(k!.protocol, "virtio-msg");
  equal(k!.channel.queue, 1, "index 1 from the stride between vq 0 and vq 2");
  equal(k!.channel.device, 0);
});

Deno.test("defaultLifts() lifts report_fault and detach", () => {
  const lifter = new Lifter(defaultLifts(), { registry: registry() });
  const s = new DecodeSession(registry());
  const [f] = lifter.lift({
    name: "virtio_iommu_report_fault",
    args: { reason: 2, flags: 0x101, endpoint: 8, addr: 0xdead000n },
  }, 0n);
  const m = s.decode(f!)!;
  equal(m.name, "FAULT");
  equal(f!.kind, "event");
  equal(f!.channel.queue, 1);
  equal(m.values.reason, 2);
  equal(m.values.address, 0xdead000n);
  const [dt] = lifter.lift({ name: "virtio_iommu_detach", args: { domain_id: 3, ep_id: 8 } }, 0n);
  const md = s.decode(dt!)!;
  equal(md.name, "DETACH");
  equal(md.values.domain, 3);
});

Deno.test("defaultLifts() turns scmi_msg_dump of every generation into SCMI messages", async () => {
  const { records, warnings } = await readAll(fixture("ftrace/scmi-lkml.trace"), "ftrace");
  deepEqual(warnings, []);
  const s = new DecodeSession(registry());
  const msgs = records.filter((r) => r.protocol === "scmi").map((r) => ({ r, m: s.decode(r)! }));
  equal(msgs.length, 7);
  const [cmd, rsp] = msgs;
  equal(cmd!.m.name, "PERF_LEVEL_SET");
  equal(cmd!.r.kind, "request");
  equal(cmd!.r.sender, "driver");
  equal(cmd!.m.values["hdr.token"], 0x91);
  equal(cmd!.m.values.performance_level, 330000000);
  equal(new DataView(cmd!.r.data.buffer, cmd!.r.data.byteOffset).getUint32(0, true), 0x02444c07);
  equal(rsp!.m.name, "PERF_LEVEL_SET");
  equal(rsp!.r.kind, "response");
  equal(rsp!.m.values.status, 0);
  equal(rsp!.m.request?.name, "PERF_LEVEL_SET");
  const raw = msgs.filter((x) => x.r.comment?.includes("raw mode"));
  equal(raw.length, 4);
  equal(raw[0]!.r.channel.bus, 0);
  equal(raw[0]!.r.channel.queue, 0x10);
  equal(raw[1]!.m.values.value, 821n);
  equal(raw[3]!.m.values.status, -1);
  // Annotations keep numbers and timing.
  const end = records.find((r) => r.annotation === "scmi_xfer_end")!;
  const j = JSON.parse(new TextDecoder().decode(end.data));
  deepEqual(j, {
    event: "scmi_xfer_end",
    args: { protocol_id: 19, msg_id: 7, seq: 145, transfer_id: 145, status: 0, duration_ns: 1012000 },
  });
  const rx = records.filter((r) => r.annotation === "scmi_rx_done").map((r) =>
    JSON.parse(new TextDecoder().decode(r.data)).args
  );
  equal(rx[1].transfer_id, 0x92, "gen B prints transfer_id in hex");
  equal(rx[1].duration_ns, 200000);
});

Deno.test("defaultLifts() reads trace-cmd report output: delayed responses, notifications and rejected messages", async () => {
  const { records, warnings } = await readAll(fixture("ftrace/scmi-trace-cmd.txt"), "ftrace");
  equal(warnings.length, 1);
  ok(warnings[0]!.reason.includes("lost 3 events"));
  equal(warnings[0]!.line, 13);
  const s = new DecodeSession(registry());
  const byName = (n: string) => records.map((r) => ({ r, m: s.decode(r) })).filter((x) => x.m?.name === n);
  const [dlyd] = byName("CLOCK_RATE_SET_COMPLETE");
  equal(dlyd!.r.kind, "response");
  equal(dlyd!.m!.values.rate, 400000000n);
  equal(dlyd!.r.timestampNs, 52_125000000n);
  const [noti] = byName("SENSOR_UPDATE");
  equal(noti!.r.kind, "event");
  equal(noti!.r.sender, "device");
  const bad = records.find((r) => r.comment?.includes("rejected"))!;
  ok(bad.comment!.includes("MSG_UNEXPECTED"));
  equal(bad.protocol, "scmi");
  equal(bad.data.length, 4);
  const fc = records.find((r) => r.annotation === "scmi_fc_call")!;
  ok(new TextDecoder().decode(fc.data).includes('"res_id":"0"'));
});

Deno.test("defaultLifts() reads QEMU events written through the ftrace backend", async () => {
  const { records, warnings } = await readAll(fixture("ftrace/qemu-marker.trace"), "ftrace");
  deepEqual(warnings, []);
  const { records: ref } = await readAll(
    fixture("qemu/virtio-iommu-blk.tid.log").split("\n").slice(99, 140).join("\n"),
    "qemu-log",
  );
  equal(records.length, ref.length);
  for (let i = 0; i < ref.length; i++) {
    deepEqual(records[i]!.data, ref[i]!.data);
    equal(records[i]!.protocol, ref[i]!.protocol);
  }
  ok(records.some((r) => r.protocol === "virtio-iommu"));
});
