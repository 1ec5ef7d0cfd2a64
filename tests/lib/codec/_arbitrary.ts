/**
 * fast-check arbitraries derived from a protocol declaration: valid message inputs for every body
 * and kind. Shared by the protocol tests.
 *
 * @module
 */
import fc from "fast-check";
import type { Codec, Field, MessageInput } from "../../../lib/codec/mod.ts";
import { layoutFor } from "../../../lib/codec/mod.ts";
import type { MessageKind } from "../../../lib/record.ts";

const KINDS: MessageKind[] = ["request", "response", "event"];

function intArb(type: string, e?: Readonly<Record<number, string>>): fc.Arbitrary<number | bigint> {
  if (e && Object.keys(e).length && type !== "u64") {
    return fc.constantFrom(...Object.keys(e).map(Number));
  }
  switch (type) {
    case "u8":
      return fc.integer({ min: 0, max: 0xff });
    case "u16":
      return fc.integer({ min: 0, max: 0xffff });
    case "u32":
      return fc.integer({ min: 0, max: 0xffffffff });
    case "i32":
      return fc.integer({ min: -0x80000000, max: 0x7fffffff });
    case "i8":
      return fc.integer({ min: -128, max: 127 });
    case "i16":
      return fc.integer({ min: -32768, max: 32767 });
    case "u64":
      return fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    default:
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
  }
}

/**
 * Values for a field list (skipping auto, reserved and custom fields, which take defaults).
 * @param fields Declarations.
 * @returns Record arbitrary keyed by short name.
 */
export function fieldsArb(fields: readonly Field[]): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    switch (f.kind) {
      case "int":
        if (f.auto || f.reserved) continue;
        if (f.bits?.some((b) => b.reserved)) {
          const keep = f.bits.filter((b) => !b.reserved).reduce((m, b) => m | BigInt(b.mask), 0n);
          parts[f.name] = intArb(f.type).map((v) => {
            const r = BigInt(v) & keep;
            return f.type === "u64" || f.type === "i64" ? r : Number(r);
          });
        } else parts[f.name] = intArb(f.type, f.enum);
        break;
      case "bytes":
        if (f.reserved) continue;
        parts[f.name] = typeof f.length === "number"
          ? fc.uint8Array({ minLength: f.length, maxLength: f.length })
          : fc.uint8Array({ maxLength: 48 });
        break;
      case "string":
        parts[f.name] = fc.stringMatching(new RegExp(`^[A-Za-z0-9_]{0,${f.length}}$`));
        break;
      case "array":
        parts[f.name] = fc.array(intArb(f.element), {
          maxLength: typeof f.count === "number" ? f.count : 8,
          minLength: typeof f.count === "number" ? f.count : 0,
        });
        break;
      case "group":
        parts[f.name] = f.count === undefined
          ? fieldsArb(f.fields)
          : fc.array(fieldsArb(f.fields), { maxLength: 4 });
        break;
      default:
        continue;
    }
  }
  return fc.record(parts);
}

/**
 * Valid message inputs for every body and kind of a codec.
 * @param codec Codec.
 * @param dialect Dialect.
 * @param header Header values to fix (e.g. sizes) or generate.
 * @returns Arbitrary MessageInput.
 */
export function messageArb(
  codec: Codec,
  dialect: string,
  header: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<MessageInput> {
  const options: fc.Arbitrary<MessageInput>[] = [];
  for (const body of codec.spec.bodies) {
    for (const kind of KINDS) {
      const layout = layoutFor(body, kind);
      if (!layout) continue;
      if (kind === "event" && !body.event) continue;
      if (kind === "request" && !body.request) continue;
      options.push(
        fc.tuple(header, fieldsArb(layout)).map(([h, b]) => ({
          name: body.name,
          kind,
          dialect,
          fields: { ...h, ...b },
        })),
      );
    }
  }
  return fc.oneof(...options);
}
