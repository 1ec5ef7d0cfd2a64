/**
 * A Chrome/Perfetto JSON trace of a capture, written as it is read: one process per protocol, one
 * thread per channel, each request→response as an async slice carrying the decoded fields, a flow
 * arrow from every request to its response, and instants for events, unpaired messages and
 * annotations. Open the result in ui.perfetto.dev (or chrome://tracing).
 *
 * @module
 */
import type { CaptureRecord, ProtocolTag } from "../record.ts";
import { PROTOCOL_TAGS } from "../record.ts";
import { formatChannel } from "../format.ts";
import { DecodeSession, type DecodeSessionOptions } from "../codec/session.ts";
import { messageToJson } from "../codec/describe.ts";
import type { Registry } from "../codec/registry.ts";
import type { Message } from "../codec/types.ts";

/** Options of {@linkcode perfettoJson}. */
export interface PerfettoOptions {
  /** Dialects and protocol options for decoding (pairing is always `all`, trees always built). */
  session?: Omit<DecodeSessionOptions, "tree" | "pairing">;
  /**
   * Most requests kept waiting for their response; older ones are written as unpaired instants,
   * so memory stays flat on endless inputs.
   * @default {4096}
   */
  maxPending?: number;
  /**
   * Events written per yielded text chunk.
   * @default {256}
   */
  chunkEvents?: number;
}

/** Process id of records whose protocol is not known. */
export const PERFETTO_PID_UNKNOWN = 90;
/** Process id of annotation records (trace events that are not messages). */
export const PERFETTO_PID_ANNOTATIONS = 91;

/**
 * The process id of a protocol's track group: its index in {@linkcode PROTOCOL_TAGS} plus one.
 * @param tag Protocol tag, or undefined for unknown.
 * @returns The pid.
 */
export function perfettoPid(tag: ProtocolTag | undefined): number {
  return tag ? PROTOCOL_TAGS.indexOf(tag) + 1 : PERFETTO_PID_UNKNOWN;
}

/**
 * Nanoseconds as trace-event microseconds with exactly three decimals, exact (no floats).
 *
 * @example
 * ```ts
 * import { perfettoTs } from "./perfetto.ts";
 * import { equal } from "node:assert/strict";
 * equal(perfettoTs(1_234_567n), "1234.567");
 * equal(perfettoTs(-5n), "-0.005");
 * ```
 *
 * @param ns Nanoseconds.
 * @returns JSON number text.
 */
export function perfettoTs(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  return `${neg ? "-" : ""}${a / 1000n}.${(a % 1000n).toString().padStart(3, "0")}`;
}

interface Pending {
  req: Message;
  record: CaptureRecord;
  pid: number;
  tid: number;
}

/**
 * Turns batches of records into the text of a trace-event JSON object
 * (`{"traceEvents":[…],"displayTimeUnit":"ns","otherData":{…}}`), yielded in chunks as records
 * arrive. Timestamps are relative to the first record (its absolute time is in `otherData.start`).
 *
 * @example Two messages become one slice
 * ```ts
 * import { defaultRegistry, makeRecord, perfettoJson } from "../../mod.ts";
 * import { equal } from "node:assert/strict";
 * const req = makeRecord(new Uint8Array([0, 2, 1, 0, 1, 0, 8, 0]), { protocol: "virtio-msg", kind: "request" });
 * const rsp = makeRecord(new Uint8Array([1, 2, 1, 0, 1, 0, 8, 0]), { protocol: "virtio-msg", kind: "response", timestampNs: 1500n });
 * let text = "";
 * for await (const chunk of perfettoJson([[req, rsp]], defaultRegistry())) text += chunk;
 * const events = JSON.parse(text).traceEvents;
 * equal(events.find((e: { ph: string }) => e.ph === "e").ts, 1.5);
 * ```
 *
 * @param batches Records in capture order, in batches.
 * @param registry Codecs.
 * @param options Decode options, pending limit, chunk size.
 * @returns Text chunks; their concatenation is the JSON document.
 */
export async function* perfettoJson(
  batches: AsyncIterable<CaptureRecord[]> | Iterable<CaptureRecord[]>,
  registry: Registry,
  options: PerfettoOptions = {},
): AsyncGenerator<string> {
  const session = new DecodeSession(registry, { ...options.session, tree: true, pairing: "all" });
  const maxPending = options.maxPending ?? 4096;
  const chunkEvents = options.chunkEvents ?? 256;
  const pending = new Map<Message, Pending>();
  const threads = new Map<string, number>();
  const processes = new Set<number>();
  let out: string[] = [];
  let first = true;
  let t0: bigint | undefined;
  let nextId = 1;

  const emit = (ev: Record<string, unknown>, ts?: bigint) => {
    // `ts` is spliced in as exact number text; JSON.stringify would round through a double.
    let text = JSON.stringify(ev);
    if (ts !== undefined) text = `{"ts":${perfettoTs(ts - (t0 ?? 0n))},` + text.slice(1);
    out.push((first ? "\n" : ",\n") + text);
    first = false;
  };
  const processName = (pid: number) => {
    if (processes.has(pid)) return;
    processes.add(pid);
    const name = pid === PERFETTO_PID_UNKNOWN
      ? "unknown protocol"
      : pid === PERFETTO_PID_ANNOTATIONS
      ? "annotations"
      : PROTOCOL_TAGS[pid - 1]!;
    emit({ ph: "M", name: "process_name", pid, tid: 0, args: { name } });
    emit({ ph: "M", name: "process_sort_index", pid, tid: 0, args: { sort_index: pid } });
  };
  const threadOf = (pid: number, r: CaptureRecord) => {
    const chan = formatChannel(r.channel);
    const key = `${pid}|${chan}`;
    let tid = threads.get(key);
    if (tid === undefined) {
      tid = threads.size + 1;
      threads.set(key, tid);
      processName(pid);
      emit({ ph: "M", name: "thread_name", pid, tid, args: { name: chan === "-" ? "(no channel)" : chan } });
    }
    return tid;
  };
  const args = (r: CaptureRecord, msg: Message | undefined) => {
    const a: Record<string, unknown> = {
      kind: r.kind,
      from: r.sender,
      channel: formatChannel(r.channel),
    };
    if (r.correlationId !== undefined) a["corr"] = r.correlationId;
    if (r.comment !== undefined) a["comment"] = r.comment;
    if (msg) {
      const j = messageToJson(msg);
      a["summary"] = msg.summary;
      a["fields"] = j.fields;
      if (j.error) a["error"] = j.error;
    } else a["bytes"] = r.data.length;
    return a;
  };
  const instant = (r: CaptureRecord, msg: Message | undefined, name: string, pid: number, tid: number) => {
    emit(
      { ph: "i", s: "t", name, cat: r.protocol ?? "vioscope", pid, tid, args: args(r, msg) },
      r.timestampNs,
    );
  };
  // Written when its response is given up on, so after later records: an async slice of zero
  // length (async events may come in any order; thread instants should not go back in time).
  const unpaired = (p: Pending) => {
    const id = nextId++;
    const base = { name: `${p.req.name} (no response)`, cat: p.record.protocol!, id, pid: p.pid, tid: p.tid };
    emit({ ph: "b", ...base, args: { request: args(p.record, p.req) } }, p.record.timestampNs);
    emit({ ph: "e", ...base }, p.record.timestampNs);
  };

  out.push('{"traceEvents":[');
  for await (const batch of batches) {
    for (const r of batch) {
      t0 ??= r.timestampNs;
      if (r.annotation !== undefined) {
        const pid = PERFETTO_PID_ANNOTATIONS;
        const tid = threadOf(pid, r);
        let a: unknown;
        try {
          a = JSON.parse(new TextDecoder().decode(r.data))?.args;
        } catch {
          a = undefined;
        }
        emit(
          { ph: "i", s: "t", name: r.annotation, cat: "annotation", pid, tid, args: { args: a ?? null } },
          r.timestampNs,
        );
        continue;
      }
      const msg = session.decode(r);
      const pid = perfettoPid(msg ? r.protocol : undefined);
      const tid = threadOf(pid, r);
      if (!msg) {
        instant(r, undefined, r.protocol ? `${r.protocol} message` : "unknown message", pid, tid);
      } else if (msg.kind === "request") {
        pending.set(msg, { req: msg, record: r, pid, tid });
        if (pending.size > maxPending) {
          const oldest = pending.keys().next().value!;
          unpaired(pending.get(oldest)!);
          pending.delete(oldest);
        }
      } else if (msg.kind === "response" && msg.request && pending.has(msg.request)) {
        const p = pending.get(msg.request)!;
        pending.delete(msg.request);
        const id = nextId++;
        const cat = r.protocol!;
        emit({
          ph: "b",
          name: p.req.name,
          cat,
          id,
          pid: p.pid,
          tid: p.tid,
          bind_id: id,
          flow_out: true,
          args: { request: args(p.record, p.req) },
        }, p.record.timestampNs);
        emit(
          { ph: "n", name: `${msg.name} rsp`, cat, id, pid: p.pid, tid: p.tid, bind_id: id, flow_in: true },
          r.timestampNs,
        );
        emit(
          { ph: "e", name: p.req.name, cat, id, pid: p.pid, tid: p.tid, args: { response: args(r, msg) } },
          r.timestampNs,
        );
      } else {
        const name = msg.kind === "event" ? msg.name : `${msg.name}${msg.kind === "response" ? " rsp" : ""}`;
        instant(r, msg, name, pid, tid);
      }
      if (out.length >= chunkEvents) {
        yield out.join("");
        out = [];
      }
    }
  }
  for (const p of pending.values()) unpaired(p);
  pending.clear();
  const other: Record<string, unknown> = { generator: "vioscope" };
  if (t0 !== undefined) {
    other["start"] = `${t0 / 1_000_000_000n}.${(t0 % 1_000_000_000n).toString().padStart(9, "0")}`;
  }
  out.push(`\n],"displayTimeUnit":"ns","otherData":${JSON.stringify(other)}}\n`);
  yield out.join("");
}
