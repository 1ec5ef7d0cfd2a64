import { equal } from "node:assert/strict";
import { createFfaPeer, createVirtioMsgBus, LoopbackBus } from "../../../lib/sim/mod.ts";
import { VIRTIO_MSG_FFA_UUID } from "../../../lib/codec/mod.ts";
import type { Message } from "../../../lib/codec/mod.ts";
import { Driver } from "./_helpers.ts";

const VM = { bus: 0, src: 1, dst: 0x8000 };
function driver() {
  return new Driver(new LoopbackBus([createVirtioMsgBus(), createFfaPeer()]));
}
const call = (d: Driver, name: string, fields: Record<string, unknown> = {}, chan = VM) =>
  d.send("ffa", name, fields, chan).msgs[0]!;
const code = (m: Message) => (m.name === "FFA_ERROR" ? m.values["code"] : "SUCCESS");

Deno.test("FFA_VERSION answers the peer's version to a compatible caller, NOT_SUPPORTED otherwise", () => {
  equal(call(driver(), "FFA_VERSION", { version: 0x10001 }).values["version"], 0x10002);
  equal(call(driver(), "FFA_VERSION", { version: 0x20000 }).values["version"], 0xffffffff);
  equal(call(driver(), "FFA_VERSION", { version: 0x10003 }).values["version"], 0xffffffff);
  const d = driver();
  call(d, "FFA_VERSION", { version: 0x10001 });
  call(d, "FFA_ID_GET");
  // Locked after another call: the negotiated version comes back.
  equal(call(d, "FFA_VERSION", { version: 0x10002 }).values["version"], 0x10001);
});

Deno.test("FFA_ID_GET returns the caller's id from the channel, and the return goes back to it", () => {
  const d = driver();
  const r = d.send("ffa", "FFA_ID_GET", {}, { bus: 0, src: 7, dst: 0x8000 });
  equal(r.msgs[0]!.name, "FFA_SUCCESS");
  equal(r.msgs[0]!.values["id"], 7);
  equal(r.records[0]!.channel.dst, 7);
  equal(r.records[0]!.channel.src, 0x8000);
  equal(call(d, "FFA_SPM_ID_GET").values["id"], 0x8000);
});

const req2 = (sender: number, inner: Record<string, unknown>, receiver = 0x8001) => ({
  sender,
  receiver,
  uuid: VIRTIO_MSG_FFA_UUID,
  payload: { proto: "virtio-msg", kind: "request", ...inner },
});

Deno.test("a direct request claiming another endpoint's id is refused with INVALID_PARAMETERS", () => {
  const d = driver();
  const r = call(
    d,
    "FFA_MSG_SEND_DIRECT_REQ2",
    req2(2, { name: "GET_DEVICE_INFO", fields: { dev_num: 0, token: 1 } }),
    {
      bus: 0,
      src: 1,
      dst: 0x8001,
    },
  );
  equal(r.name, "FFA_ERROR");
  equal(r.values["code"], -2);
  const n = call(d, "FFA_NOTIFICATION_SET", { sender: 2, receiver: 1, bitmap_lo: 1 });
  equal(n.values["code"], -2);
  const g = call(d, "FFA_NOTIFICATION_GET", { receiver: 3, flags: 3 });
  equal(g.values["code"], -2);
});

Deno.test("FFA_MSG_SEND_DIRECT_REQ2 to the virtio-msg partition reaches the virtio-msg bus and comes back in RESP2", () => {
  const d = driver();
  const chan = { bus: 0, src: 1, dst: 0x8001 };
  const r = call(
    d,
    "FFA_MSG_SEND_DIRECT_REQ2",
    req2(1, { name: "GET_DEVICE_INFO", fields: { dev_num: 1, token: 5 } }),
    chan,
  );
  equal(r.name, "FFA_MSG_SEND_DIRECT_RESP2");
  equal(r.values["sender"], 0x8001);
  equal(r.values["receiver"], 1);
  const inner = r.values["payload"] as unknown as Message;
  equal(inner.protocol, "virtio-msg");
  equal(inner.name, "GET_DEVICE_INFO");
  equal(inner.kind, "response");
  equal(inner.values["token"], 5);
  equal(inner.values["device_id"], 1);
  // The bus keeps its state across carriers: a status write is seen by a later read.
  call(
    d,
    "FFA_MSG_SEND_DIRECT_REQ2",
    req2(1, { name: "SET_DEVICE_STATUS", fields: { dev_num: 1, token: 1, status: 3 } }),
    chan,
  );
  const st = call(
    d,
    "FFA_MSG_SEND_DIRECT_REQ2",
    req2(1, { name: "GET_DEVICE_STATUS", fields: { dev_num: 1, token: 1 } }),
    chan,
  );
  equal((st.values["payload"] as unknown as Message).values["status"], 3);
  // A wrong UUID or a partition that does not take REQ2 is refused.
  const bad = call(d, "FFA_MSG_SEND_DIRECT_REQ2", {
    ...req2(1, { name: "PING", fields: { data: 1 } }),
    uuid: "11111111-2222-3333-4444-555555555555",
  }, chan);
  equal(bad.values["code"], -2);
  const noReq2 = call(
    d,
    "FFA_MSG_SEND_DIRECT_REQ2",
    req2(1, { name: "PING", fields: { data: 1 } }, 0x8002),
    chan,
  );
  equal(noReq2.values["code"], -6);
});

Deno.test("RX/TX buffers: map once, release only a full RX buffer, bad addresses refused", () => {
  const d = driver();
  equal(
    code(call(d, "FFA_RXTX_MAP", { func: 0xc4000066, tx_addr: 0x1000n, rx_addr: 0x1000n, page_count: 1 })),
    -2,
  );
  equal(
    code(call(d, "FFA_RXTX_MAP", { func: 0xc4000066, tx_addr: 0x1000n, rx_addr: 0x2000n, page_count: 1 })),
    "SUCCESS",
  );
  equal(
    code(call(d, "FFA_RXTX_MAP", { func: 0xc4000066, tx_addr: 0x3000n, rx_addr: 0x4000n, page_count: 1 })),
    -6,
  );
  equal(code(call(d, "FFA_RX_RELEASE")), -6);
  const info = call(d, "FFA_PARTITION_INFO_GET", { uuid: "00000000-0000-0000-0000-000000000000" });
  equal(info.values["count"], 2);
  equal(info.values["desc_size"], 24);
  equal(code(call(d, "FFA_PARTITION_INFO_GET", { uuid: "00000000-0000-0000-0000-000000000000" })), -4);
  equal(code(call(d, "FFA_RX_RELEASE")), "SUCCESS");
  equal(code(call(d, "FFA_RX_RELEASE")), -6);
  equal(code(call(d, "FFA_PARTITION_INFO_GET", { uuid: "11111111-2222-3333-4444-555555555555" })), -2);
});

Deno.test("PARTITION_INFO_GET_REGS lists the partitions in SUCCESS_64 registers", () => {
  const r = call(driver(), "FFA_PARTITION_INFO_GET_REGS", { uuid: new Uint8Array(16), start_index: 0 });
  equal(r.values["func"], 0xc4000061);
  equal(r.values["last_index"], 1);
  const parts = r.values["partitions"] as unknown as { id: number }[];
  equal(parts.map((p) => p.id).join(), `${0x8001},${0x8002}`);
});

Deno.test("memory shares: fragments, a handle, reclaim by the owner only", () => {
  const d = driver();
  call(d, "FFA_RXTX_MAP", { func: 0xc4000066, tx_addr: 0x1000n, rx_addr: 0x2000n, page_count: 1 });
  const frag = call(d, "FFA_MEM_SHARE", { total_length: 200, fragment_length: 100 });
  equal(frag.name, "FFA_MEM_FRAG_RX");
  equal(frag.values["fragment_offset"], 100);
  const done = call(d, "FFA_MEM_FRAG_TX", {
    handle_lo: frag.values["handle_lo"],
    handle_hi: frag.values["handle_hi"],
    fragment_length: 100,
  });
  equal(done.name, "FFA_SUCCESS");
  const h = { "handle_lo": done.values["handle_lo"], "handle_hi": done.values["handle_hi"] };
  equal(code(call(d, "FFA_MEM_RECLAIM", h, { bus: 0, src: 2, dst: 0x8000 })), -6);
  equal(code(call(d, "FFA_MEM_RECLAIM", h)), "SUCCESS");
  equal(code(call(d, "FFA_MEM_RECLAIM", h)), -2);
});

Deno.test("notifications: bind, set by the bound sender, get clears, unbound bits are denied", () => {
  const d = driver();
  equal(code(call(d, "FFA_NOTIFICATION_SET", { sender: 1, receiver: 1, bitmap_lo: 2 })), -6);
  equal(code(call(d, "FFA_NOTIFICATION_BIND", { sender: 1, receiver: 1, bitmap_lo: 2 })), "SUCCESS");
  equal(code(call(d, "FFA_NOTIFICATION_BIND", { sender: 0x8001, receiver: 1, bitmap_lo: 2 })), -6);
  equal(code(call(d, "FFA_NOTIFICATION_SET", { sender: 1, receiver: 1, bitmap_lo: 2 })), "SUCCESS");
  equal(call(d, "FFA_NOTIFICATION_GET", { receiver: 1, flags: 3 }).values["vm_bitmap_lo"], 2);
  equal(call(d, "FFA_NOTIFICATION_GET", { receiver: 1, flags: 3 }).values["vm_bitmap_lo"], 0);
  equal(code(call(d, "FFA_NOTIFICATION_INFO_GET", { func: 0xc4000083 })), -9);
});

Deno.test("FFA_FEATURES knows the implemented calls and refuses the rest", () => {
  const d = driver();
  equal(code(call(d, "FFA_FEATURES", { feature: 0xc400008d })), "SUCCESS");
  equal(call(d, "FFA_FEATURES", { feature: 0x84000066 }).values["properties"], 0x10000);
  equal(code(call(d, "FFA_FEATURES", { feature: 0x84000090 })), -1);
  equal(code(call(d, "FFA_CONSOLE_LOG", { count: 1 })), -1);
});
