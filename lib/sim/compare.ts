/**
 * Field-by-field comparison of a captured and a simulated message (their `messageToJson` fields,
 * flattened to filter names), and the acceptance check used when a trace has no captured responses.
 *
 * @module
 */
import { messageToJson } from "../codec/describe.ts";
import type { Message } from "../codec/types.ts";
import { FFA_ERRORS } from "../codec/protocols/ffa.ts";

/** One field that differs. */
export interface FieldDivergence {
  /** Filter name (`vmsg.token`, `ffa.direct.payload.vmsg.config.generation`, or `name`). */
  field: string;
  /** Captured value (JSON text; `(absent)` when the field is missing). */
  captured: string;
  /** Simulated value (JSON text; `(absent)` when the field is missing). */
  simulated: string;
}

/**
 * Flattens a message's JSON fields into filter name → JSON text. Nested messages contribute their
 * own filter names under the carrier's (`ffa.direct.payload` + `.` + `vmsg.token`), groups their
 * members (`name.member`), lists their items (`name[i].member`).
 *
 * @example
 * ```ts
 * import { flattenFields } from "./compare.ts";
 * import { equal } from "node:assert/strict";
 * const m = flattenFields({ "a.x": 1, "a.g": { y: 2 }, "a.l": [{ z: 3 }] });
 * equal(m.get("a.g.y"), "2");
 * equal(m.get("a.l[0].z"), "3");
 * ```
 *
 * @param fields `messageToJson(msg).fields`.
 * @param prefix Prefix of every key.
 * @param out Map to add to.
 * @returns Filter name → JSON text.
 */
export function flattenFields(
  fields: Record<string, unknown>,
  prefix = "",
  out: Map<string, string> = new Map(),
): Map<string, string> {
  for (const [k, v] of Object.entries(fields)) {
    const key = prefix + k;
    if (Array.isArray(v) && v.some((x) => typeof x === "object" && x !== null)) {
      v.forEach((item, i) => {
        if (typeof item === "object" && item !== null) {
          flattenFields(item as Record<string, unknown>, `${key}[${i}].`, out);
        } else out.set(`${key}[${i}]`, JSON.stringify(item));
      });
    } else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if ("proto" in o && "fields" in o && typeof o["fields"] === "object") {
        out.set(`${key}.name`, JSON.stringify(o["name"]));
        flattenFields(o["fields"] as Record<string, unknown>, `${key}.`, out);
      } else flattenFields(o, `${key}.`, out);
    } else out.set(key, JSON.stringify(v));
  }
  return out;
}

/**
 * Tells whether a filter name is covered by an ignore list: an exact name, or a prefix followed by
 * `.` or `[` (so `vmsg.token` ignores `ffa.direct.payload.vmsg.token` only when given in full, and
 * `ffa.direct.payload` ignores the whole nested message).
 *
 * @param field Filter name.
 * @param ignore Names and prefixes.
 * @returns True to skip the field.
 */
export function isIgnored(field: string, ignore: readonly string[]): boolean {
  for (const p of ignore) {
    if (field === p || field.startsWith(p + ".") || field.startsWith(p + "[")) return true;
    // A nested field matches by its own filter name too: `...payload.vmsg.token` ↔ `vmsg.token`.
    const at = field.indexOf("." + p);
    if (at >= 0) {
      const rest = field.slice(at + 1 + p.length);
      if (rest === "" || rest.startsWith(".") || rest.startsWith("[")) return true;
    }
  }
  return false;
}

/**
 * Compares two messages field by field (names first, then every filter field of either).
 *
 * @example
 * ```ts
 * import { compareMessages } from "./compare.ts";
 * import { defaultRegistry } from "../codec/mod.ts";
 * import { deepEqual } from "node:assert/strict";
 * const registry = defaultRegistry();
 * const c = registry.get("virtio-msg")!;
 * const m = (tok: number) => c.decodeBytes(c.encodeMessage({ name: "PING", kind: "response", fields: { token: tok, data: 1 } }, { registry }), { registry });
 * deepEqual(compareMessages(m(1), m(2)), [{ field: "vmsg.token", captured: "1", simulated: "2" }]);
 * deepEqual(compareMessages(m(1), m(2), ["vmsg.token"]), []);
 * ```
 *
 * @param captured The captured message (decoded with the field tree).
 * @param simulated The simulated one.
 * @param ignore Filter names or prefixes to leave out.
 * @returns The differing fields, in the captured message's field order.
 */
export function compareMessages(
  captured: Message,
  simulated: Message,
  ignore: readonly string[] = [],
): FieldDivergence[] {
  const out: FieldDivergence[] = [];
  if (captured.name !== simulated.name && !isIgnored("name", ignore)) {
    out.push({ field: "name", captured: captured.name, simulated: simulated.name });
  }
  const a = flattenFields(messageToJson(captured).fields);
  const b = flattenFields(messageToJson(simulated).fields);
  for (const [k, v] of a) {
    if (isIgnored(k, ignore)) continue;
    const w = b.get(k);
    if (w !== v) out.push({ field: k, captured: v, simulated: w ?? "(absent)" });
  }
  for (const [k, w] of b) {
    if (!a.has(k) && !isIgnored(k, ignore)) out.push({ field: k, captured: "(absent)", simulated: w });
  }
  // A differing field's bits and flags (`vmsg.status.status.FEATURES_OK`) say the same thing again.
  const names = new Set(out.map((d) => d.field));
  return out.filter((d) => {
    for (let i = d.field.lastIndexOf("."); i > 0; i = d.field.lastIndexOf(".", i - 1)) {
      if (names.has(d.field.slice(0, i))) return false;
    }
    return true;
  });
}

/**
 * Tells whether a device answer refuses its request (used when a trace has no captured responses to
 * compare with): an FF-A error or an unsupported version, an SCMI status other than SUCCESS, an RPMB
 * result other than OK, a virtio-iommu status other than OK, a virtio-msg FEATURES_OK that did not
 * stick, a rejected SET_CONFIG, a missing virtqueue or an FF-A bus error/failure.
 *
 * @param rsp The simulated answer.
 * @param req The request it answers.
 * @returns Why it is a refusal, or undefined when the request was accepted.
 */
export function refusal(rsp: Message, req: Message): string | undefined {
  const v = rsp.values;
  switch (rsp.protocol) {
    case "ffa":
      if (rsp.name === "FFA_ERROR") return `FFA_ERROR ${errorName(Number(v["code"]))}`;
      if (rsp.name === "FFA_VERSION" && Number(v["version"]) === 0xffffffff) {
        return "FFA_VERSION NOT_SUPPORTED";
      }
      if (
        rsp.name === "FFA_MSG_SEND_DIRECT_RESP2" && typeof v["payload"] === "object" && v["payload"] !== null
      ) {
        const inner = v["payload"] as unknown as Message;
        const innerReq = req.values["payload"] as unknown as Message | undefined;
        if (innerReq && typeof innerReq === "object" && "values" in innerReq) return refusal(inner, innerReq);
      }
      return undefined;
    case "scmi": {
      const s = v["status"];
      return typeof s === "number" && s !== 0 ? `SCMI status ${s}` : undefined;
    }
    case "rpmb": {
      const r = v["result"];
      return typeof r === "number" && (r & 0x7f) !== 0 ? `RPMB result 0x${r.toString(16)}` : undefined;
    }
    case "virtio-iommu": {
      const s = v["tail.status"];
      return typeof s === "number" && s !== 0 ? `virtio-iommu status ${s}` : undefined;
    }
    case "virtio-msg":
      if (rsp.name === "FFA_ERROR") {
        return `virtio-msg bus FFA_ERROR for msg 0x${Number(v["original_msg_id"]).toString(16)}`;
      }
      if (rsp.name !== req.name && rsp.kind === "response") return `answered with ${rsp.name}`;
      if (v["result"] !== undefined && Number(v["result"]) !== 0) return `result ${v["result"]}`;
      if (
        rsp.name === "SET_DEVICE_STATUS" && (Number(req.values["status"]) & 8) && !(Number(v["status"]) & 8)
      ) {
        return "FEATURES_OK refused";
      }
      if (rsp.name === "SET_CONFIG" && Number(req.values["length"] ?? 0) > 0 && Number(v["length"]) === 0) {
        return "SET_CONFIG rejected (stale generation)";
      }
      if (rsp.name === "GET_VQUEUE" && Number(v["max_size"]) === 0) return "no such virtqueue";
      return undefined;
  }
  return undefined;
}

function errorName(code: number): string {
  return FFA_ERRORS[code] ?? String(code);
}
