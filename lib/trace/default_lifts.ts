/**
 * The built-in lift table: which trace events are which protocol messages.
 *
 * QEMU (log, simple or ftrace backend):
 *
 * | event | message |
 * | --- | --- |
 * | `virtio_set_status vdev val` | virtio-msg SET_DEVICE_STATUS request, `status = val`, driver → device |
 * | `virtio_queue_notify vdev n vq` | virtio-msg EVENT_AVAIL, `vq_index = n`, driver → device |
 * | `virtio_notify vdev vq`, `virtio_notify_irqfd vdev vq` | virtio-msg EVENT_USED, device → driver (vq index learnt from `virtio_queue_notify`) |
 * | `virtio_iommu_attach domain endpoint` | virtio-iommu ATTACH request |
 * | `virtio_iommu_detach domain endpoint` | virtio-iommu DETACH request |
 * | `virtio_iommu_map domain virt_start virt_end phys_start flags` | virtio-iommu MAP request |
 * | `virtio_iommu_unmap domain virt_start virt_end` | virtio-iommu UNMAP request |
 * | `virtio_iommu_unmap_done domain virt_start virt_end` | virtio-iommu UNMAP response, status OK |
 * | `virtio_iommu_fill_resv_property dev type start end` | virtio-iommu PROBE response with one RESV_MEM property |
 * | `virtio_iommu_report_fault reason flags endpoint addr` | virtio-iommu FAULT event |
 *
 * The virtio device of a generic event is its `vdev` pointer, numbered in order of appearance
 * (first = 0) into `channel.device` and `dev_num`.
 *
 * Linux ftrace: `scmi_msg_dump` (all three format generations) is an SCMI message whose header is
 * rebuilt from `pt`, `msg_id`, `seq` and the tag `t` (CMND command, RESP response, DLYD delayed
 * response, NOTI notification; lower-case = raw mode; `!RESP`, `!DLYD`, `!NOTI`, `!UNKN` = a message
 * Linux rejected, kept with a comment). `scmi_xfer_begin`, `scmi_xfer_response_wait`,
 * `scmi_xfer_end` and `scmi_rx_done` stay annotations with numeric arguments and, on `xfer_end` and
 * `rx_done`, `duration_ns` since the transfer's `xfer_begin`.
 *
 * @module
 */
import type { MessageKind, Side } from "../record.ts";
import { argBigInt, argNumber, type LiftContext, type LiftedMessage, type LiftTable } from "./lift.ts";
import type { TraceEvent } from "./trace_event.ts";

const MAX_STATE = 65536;

interface VqState {
  /** vq pointer → [vdev, index]. */
  byPtr: Map<string, number>;
  /** vdev → one known [pointer, index]. */
  anchor: Map<string, [bigint, number]>;
  /** Distance between consecutive VirtQueue structs, once two of one device were seen. */
  stride?: bigint;
}

function vqState(ctx: LiftContext): VqState {
  let s = ctx.state.get("virtio.vq") as VqState | undefined;
  if (!s) ctx.state.set("virtio.vq", s = { byPtr: new Map(), anchor: new Map() });
  return s;
}

function bounded<K, V>(m: Map<K, V>, k: K, v: V): void {
  if (m.size >= MAX_STATE && !m.has(k)) m.delete(m.keys().next().value!);
  m.set(k, v);
}

function ptr(e: TraceEvent, name: string): string {
  const v = e.args[name];
  if (v === undefined) throw new SyntaxError(`Cannot read argument ${name}: it is missing`);
  return String(v);
}

function vqIndex(e: TraceEvent, ctx: LiftContext): number {
  const s = vqState(ctx);
  const vq = ptr(e, "vq");
  const known = s.byPtr.get(vq);
  if (known !== undefined) return known;
  const anchor = s.anchor.get(ptr(e, "vdev"));
  if (anchor && s.stride) {
    const d = argBigInt(e, "vq") - anchor[0];
    if (d % s.stride === 0n) {
      const n = anchor[1] + Number(d / s.stride);
      if (n >= 0 && n < 65536) return n;
    }
  }
  throw new RangeError(`vq ${vq} was not seen in virtio_queue_notify, so its index is unknown`);
}

function learnVq(e: TraceEvent, ctx: LiftContext, n: number): void {
  const s = vqState(ctx);
  const vq = ptr(e, "vq");
  const vdev = ptr(e, "vdev");
  bounded(s.byPtr, vq, n);
  const p = argBigInt(e, "vq");
  const a = s.anchor.get(vdev);
  if (!a) bounded(s.anchor, vdev, [p, n]);
  else if (!s.stride && a[1] !== n) {
    const d = (p - a[0]) / BigInt(n - a[1]);
    if (d > 0n && d * BigInt(n - a[1]) === p - a[0]) s.stride = d;
  }
}

function vmsg(
  e: TraceEvent,
  ctx: LiftContext,
  name: string,
  kind: MessageKind,
  sender: Side,
  fields: Record<string, unknown>,
  queue?: number,
): LiftedMessage {
  const dev = ctx.deviceNumber(ptr(e, "vdev"));
  return {
    protocol: "virtio-msg",
    name,
    kind,
    sender,
    fields: { dev_num: dev, token: 0, ...fields },
    channel: queue === undefined ? { device: dev } : { device: dev, queue },
  };
}

function viommu(
  name: string,
  kind: MessageKind,
  fields: Record<string, unknown>,
  endpoint?: number,
): LiftedMessage {
  const queue = kind === "event" ? 1 : 0;
  return {
    protocol: "virtio-iommu",
    name,
    kind,
    sender: kind === "request" ? "driver" : "device",
    fields,
    channel: endpoint !== undefined && endpoint <= 0xffff ? { device: endpoint, queue } : { queue },
  };
}

const SCMI_BAD: Readonly<Record<number, string>> = {
  [-1]: "MSG_UNEXPECTED: token not in flight",
  [-2]: "MSG_INVALID: wrong message type for the transfer state",
  [-3]: "MSG_UNKNOWN: bad message type",
  [-4]: "MSG_NOMEM: no memory for the message",
  [-5]: "MSG_MBOX_SPURIOUS: spurious mailbox interrupt",
};

const SCMI_TAGS: Readonly<
  Record<string, { type: number; kind: MessageKind; sender: Side; status: boolean }>
> = {
  CMND: { type: 0, kind: "request", sender: "driver", status: false },
  RESP: { type: 0, kind: "response", sender: "device", status: true },
  DLYD: { type: 2, kind: "response", sender: "device", status: true },
  NOTI: { type: 3, kind: "event", sender: "device", status: false },
  UNKN: { type: 0, kind: "unknown", sender: "device", status: false },
};

function hexArg(e: TraceEvent, name: string): number {
  const v = e.args[name];
  if (v === undefined) throw new SyntaxError(`Cannot read argument ${name}: it is missing`);
  const s = String(v);
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new SyntaxError(`Cannot read argument ${name}: "${s}" is not hex`);
  return parseInt(s, 16);
}

function hexBytes(s: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) {
    throw new SyntaxError(`Cannot read the payload: "${s.slice(0, 40)}" is not whole hex bytes`);
  }
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function scmiMsgDump(e: TraceEvent): LiftedMessage {
  const tag = String(e.args["t"] ?? "");
  const bad = tag.startsWith("!");
  const upper = (bad ? tag.slice(1) : tag).toUpperCase();
  const raw = !bad && tag !== upper;
  const t = SCMI_TAGS[upper];
  if (!t) throw new SyntaxError(`Cannot read tag t=${tag}: not CMND, RESP, DLYD or NOTI`);
  const pt = hexArg(e, "pt");
  const msgId = hexArg(e, "msg_id");
  const seq = hexArg(e, "seq");
  const s = argNumber(e, "s");
  const payload = bad ? new Uint8Array(0) : hexBytes(String(e.args["pyld"] ?? ""));
  const withStatus = t.status && !bad;
  const data = new Uint8Array(4 + (withStatus ? 4 : 0) + payload.length);
  const view = new DataView(data.buffer);
  const hdr = (msgId & 0xff) | (t.type << 8) | ((pt & 0xff) << 10) | ((seq & 0x3ff) << 18);
  view.setUint32(0, hdr >>> 0, true);
  if (withStatus) view.setInt32(4, s, true);
  data.set(payload, withStatus ? 8 : 4);
  const m: LiftedMessage = { protocol: "scmi", kind: t.kind, sender: t.sender, data, channel: {} };
  const ch = m.channel!;
  if (e.args["id"] !== undefined) ch.bus = argNumber(e, "id");
  if (e.args["ch"] !== undefined) ch.queue = hexArg(e, "ch");
  const notes: string[] = [];
  if (bad) notes.push(`Linux rejected this ${upper} (t=${tag}, s=${s}: ${SCMI_BAD[s] ?? "unknown reason"})`);
  if (raw) notes.push("raw mode (injected through debugfs)");
  if (seq > 0x3ff) notes.push(`seq ${seq} does not fit the 10-bit token`);
  if (notes.length) m.comment = notes.join("; ");
  return m;
}

/** Normalises an scmi_xfer_* / scmi_rx_done event's arguments into numbers (gen A decimal, B/C hex). */
function scmiXfer(e: TraceEvent, ctx: LiftContext): undefined {
  const genA = e.args["protocol_id"] !== undefined;
  const num = (k: string, hex: boolean) => {
    const v = e.args[k];
    if (v === undefined) return undefined;
    const s = String(v);
    return hex
      ? (/^[0-9a-fA-F]+$/.test(s) ? parseInt(s, 16) : undefined)
      : (/^-?\d+$/.test(s) ? Number(s) : undefined);
  };
  const out: Record<string, number | string> = {};
  const set = (k: string, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("protocol_id", genA ? num("protocol_id", false) : num("pt", true));
  set("msg_id", num("msg_id", !genA));
  set("seq", num("seq", !genA));
  set("transfer_id", num("transfer_id", !genA));
  for (const k of ["poll", "tmo_ms", "msg_type", "inflight"]) set(k, num(k, false));
  set("status", num("status", false) ?? num("s", false));
  for (const [k, v] of Object.entries(e.args)) {
    if (
      ![
        "pt",
        "protocol_id",
        "msg_id",
        "seq",
        "transfer_id",
        "poll",
        "tmo_ms",
        "msg_type",
        "inflight",
        "s",
        "status",
      ].includes(k)
    ) {
      out[k] = typeof v === "bigint" ? v.toString() : v;
    }
  }
  const id = out["transfer_id"];
  let begins = ctx.state.get("scmi.begin") as Map<number, bigint> | undefined;
  if (!begins) ctx.state.set("scmi.begin", begins = new Map());
  if (typeof id === "number" && e.timestampNs !== undefined) {
    if (e.name === "scmi_xfer_begin") bounded(begins, id, e.timestampNs);
    else {
      const t0 = begins.get(id);
      if (t0 !== undefined) {
        out["duration_ns"] = Number(e.timestampNs - t0);
        if (e.name === "scmi_xfer_end") begins.delete(id);
      }
    }
  }
  e.args = out;
  return undefined;
}

/**
 * The built-in rules (see the module documentation for the table).
 *
 * @example
 * ```ts
 * import { defaultLifts, Lifter } from "./mod.ts";
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { equal } from "node:assert/strict";
 * const lifter = new Lifter(defaultLifts(), { registry: defaultRegistry() });
 * const [r] = lifter.lift({ name: "virtio_queue_notify", args: { vdev: "0x1", n: 2, vq: "0x2" } }, 0n);
 * equal(r!.protocol, "virtio-msg");
 * equal(r!.channel.queue, 2);
 * ```
 *
 * @returns Rules by event name.
 */
export function defaultLifts(): LiftTable {
  return {
    virtio_set_status: (e, ctx) =>
      vmsg(e, ctx, "SET_DEVICE_STATUS", "request", "driver", { status: argNumber(e, "val") }),
    virtio_queue_notify: (e, ctx) => {
      const n = argNumber(e, "n");
      learnVq(e, ctx, n);
      return vmsg(e, ctx, "EVENT_AVAIL", "event", "driver", { vq_index: n, next_offset_wrap: 0 }, n);
    },
    virtio_notify: (e, ctx) => {
      const n = vqIndex(e, ctx);
      return vmsg(e, ctx, "EVENT_USED", "event", "device", { vq_index: n }, n);
    },
    virtio_notify_irqfd: (e, ctx) => {
      const n = vqIndex(e, ctx);
      return vmsg(e, ctx, "EVENT_USED", "event", "device", { vq_index: n }, n);
    },
    virtio_iommu_attach: (e) => {
      const endpoint = argNumber(e, "ep_id", "endpoint");
      return viommu(
        "ATTACH",
        "request",
        { domain: argNumber(e, "domain_id", "domain"), endpoint, flags: 0 },
        endpoint,
      );
    },
    virtio_iommu_detach: (e) => {
      const endpoint = argNumber(e, "ep_id", "endpoint");
      return viommu("DETACH", "request", { domain: argNumber(e, "domain_id", "domain"), endpoint }, endpoint);
    },
    virtio_iommu_map: (e) =>
      viommu("MAP", "request", {
        domain: argNumber(e, "domain_id", "domain"),
        virt_start: argBigInt(e, "virt_start"),
        virt_end: argBigInt(e, "virt_end"),
        phys_start: argBigInt(e, "phys_start"),
        flags: argNumber(e, "flags"),
      }),
    virtio_iommu_unmap: (e) =>
      viommu("UNMAP", "request", {
        domain: argNumber(e, "domain_id", "domain"),
        virt_start: argBigInt(e, "virt_start"),
        virt_end: argBigInt(e, "virt_end"),
      }),
    virtio_iommu_unmap_done: (e) =>
      viommu("UNMAP", "response", {
        domain: argNumber(e, "domain_id", "domain"),
        virt_start: argBigInt(e, "virt_start"),
        virt_end: argBigInt(e, "virt_end"),
        "tail.status": 0,
      }),
    virtio_iommu_fill_resv_property: (e) => {
      const endpoint = argNumber(e, "devid", "dev");
      const m = viommu("PROBE", "response", {
        endpoint,
        properties: [{
          type: 1,
          subtype: argNumber(e, "subtype", "type"),
          start: argBigInt(e, "start"),
          end: argBigInt(e, "end"),
        }],
        "tail.status": 0,
      }, endpoint);
      m.comment = "one RESV_MEM property per virtio_iommu_fill_resv_property event";
      return m;
    },
    virtio_iommu_report_fault: (e) => {
      const endpoint = argNumber(e, "endpoint");
      return viommu("FAULT", "event", {
        reason: argNumber(e, "reason"),
        flags: argNumber(e, "flags"),
        endpoint,
        address: argBigInt(e, "addr", "address"),
      }, endpoint);
    },
    scmi_msg_dump: (e) => scmiMsgDump(e),
    scmi_xfer_begin: scmiXfer,
    scmi_xfer_response_wait: scmiXfer,
    scmi_xfer_end: scmiXfer,
    scmi_rx_done: scmiXfer,
  };
}
