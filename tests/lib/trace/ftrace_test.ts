import { deepEqual, equal, ok } from "node:assert/strict";
import { FtraceParser, type TraceEvent } from "../../../lib/trace/mod.ts";

const p = new FtraceParser();
const ev = (line: string) => p.parseLine(line, 1) as TraceEvent;

Deno.test("FtraceParser.parseLine() reads trace and trace_pipe lines with 4- and 5-column flags", () => {
  const a = ev(
    "     cpufreq-set-276     [000] .....   139.905724: scmi_msg_dump: pt=13 t=CMND msg_id=07 seq=0091 s=0 pyld=000000008066ab13",
  );
  equal(a.name, "scmi_msg_dump");
  equal(a.comm, "cpufreq-set");
  equal(a.pid, 276);
  equal(a.cpu, 0);
  equal(a.timestampNs, 139_905724000n);
  deepEqual(a.args, { pt: "13", t: "CMND", msg_id: "07", seq: "0091", s: "0", pyld: "000000008066ab13" });
  const b = ev(
    " irq/35-mhu_db_l-81      [000] d.h. 14183.447809: scmi_msg_dump: id=0 ch=10 pt=15 t=resp msg_id=06 seq=0000 s=0 pyld=",
  );
  equal(b.comm, "irq/35-mhu_db_l");
  equal(b.pid, 81);
  equal(b.args.pyld, "");
  const c = ev(
    "          <idle>-0       [001] d.h2.   100.243094: scmi_rx_done: pt=13 msg_id=07 seq=0092 transfer_id=92 msg_type=0",
  );
  equal(c.comm, "<idle>");
  equal(c.pid, 0);
});

Deno.test("FtraceParser.parseLine() reads trace-cmd report lines (no flags, padded names, ns, tgid)", () => {
  const a = ev(
    "     kworker/0:1-41    [000]  52.118400112: scmi_xfer_begin:      pt=10 msg_id=00 seq=0000 transfer_id=0 poll=0 inflight=1",
  );
  equal(a.name, "scmi_xfer_begin");
  equal(a.timestampNs, 52_118400112n);
  equal(a.args.inflight, "1");
  const b = ev(
    "            bash-1234  (   1234) [002] ...1. 5075.958079: sched_switch: prev_comm=bash prev_pid=1234",
  );
  equal(b.name, "sched_switch");
  equal(b.cpu, 2);
  const c = ev(
    "     kworker/1:2-77    [001]  52.500000000: scmi_fc_call:         pt=13 msg_id=07 res_id:0 sub_id:0 vals=330000000:0",
  );
  deepEqual(c.args, { pt: "13", msg_id: "07", res_id: "0", sub_id: "0", vals: "330000000:0" });
});

Deno.test("FtraceParser.parseLine() skips headers quietly and reports lost events and junk", () => {
  for (const h of ["# tracer: nop", "#", "cpus=4", "CPU 3 is empty", "version = 6", ""]) {
    equal(p.parseLine(h, 1), undefined, h);
  }
  equal(p.parseLine("CPU:1 [LOST 3 EVENTS]", 1), "the kernel lost 3 events on CPU 1");
  ok(String(p.parseLine("random words here", 1)).startsWith("not an ftrace event line"));
});

Deno.test("FtraceParser.parseLine() reads QEMU events from trace markers (ftrace trace backend)", () => {
  const a = ev(
    "qemu-system-x86-5475 [000] ..... 37400.495951: tracing_mark_write: virtio_iommu_attach domain=0 endpoint=32",
  );
  equal(a.name, "virtio_iommu_attach");
  deepEqual(a.args, { domain_id: 0, ep_id: 32 });
  equal(a.timestampNs, 37400_495951000n);
  equal(a.pid, 5475);
  const b = ev("qemu-5475 [000] ..... 1.000001: print: tracing_mark_write: virtio_set_status vdev 0x1 val 3");
  equal(b.name, "virtio_set_status");
  equal(b.args.val, 3);
  const c = ev("bash-1 [000] ..... 1.000001: tracing_mark_write: hello there");
  equal(c.name, "tracing_mark_write");
  equal(c.args.text, "hello there");
});
