/**
 * Short constructors for field declarations, so protocol files read like the spec's tables.
 *
 * @example
 * ```ts
 * import { u16, u32, bytes } from "./fields.ts";
 * import { equal } from "node:assert/strict";
 * const layout = [u32("offset"), u32("length"), bytes("data", { field: "length" })];
 * equal(layout[2]!.kind, "bytes");
 * equal(u16("x", { hex: true }).type, "u16");
 * ```
 *
 * @module
 */
import type {
  ArrayField,
  BytesField,
  CustomField,
  Field,
  GroupField,
  IntField,
  IntType,
  LengthSpec,
  NestedField,
  StringField,
} from "./types.ts";
import type { ProtocolTag } from "../record.ts";

/** Options of an integer field (everything but kind, name and type). */
export type IntOptions = Omit<IntField, "kind" | "name" | "type">;

function int(type: IntType) {
  return (name: string, options: IntOptions = {}): IntField => ({ kind: "int", name, type, ...options });
}

/** An unsigned 8-bit field. */
export const u8: (name: string, options?: IntOptions) => IntField = int("u8");
/** An unsigned 16-bit field. */
export const u16: (name: string, options?: IntOptions) => IntField = int("u16");
/** An unsigned 32-bit field. */
export const u32: (name: string, options?: IntOptions) => IntField = int("u32");
/** An unsigned 64-bit field (decodes to bigint). */
export const u64: (name: string, options?: IntOptions) => IntField = int("u64");
/** A signed 8-bit field. */
export const i8: (name: string, options?: IntOptions) => IntField = int("i8");
/** A signed 16-bit field. */
export const i16: (name: string, options?: IntOptions) => IntField = int("i16");
/** A signed 32-bit field. */
export const i32: (name: string, options?: IntOptions) => IntField = int("i32");
/** A signed 64-bit field. */
export const i64: (name: string, options?: IntOptions) => IntField = int("i64");

/**
 * A reserved integer that must be zero.
 * @param name Short name.
 * @param type Wire type.
 * @returns The field.
 */
export function reserved(name: string, type: IntType = "u32"): IntField {
  return { kind: "int", name, type, reserved: true, hex: true };
}

/**
 * A byte string.
 * @param name Short name.
 * @param length Length spec.
 * @param options More options.
 * @returns The field.
 */
export function bytes(
  name: string,
  length: LengthSpec,
  options: Omit<BytesField, "kind" | "name" | "length"> = {},
): BytesField {
  return { kind: "bytes", name, length, ...options };
}

/**
 * A fixed-size NUL-padded string.
 * @param name Short name.
 * @param length Size in bytes.
 * @param options More options.
 * @returns The field.
 */
export function str(
  name: string,
  length: number,
  options: Omit<StringField, "kind" | "name" | "length"> = {},
): StringField {
  return { kind: "string", name, length, ...options };
}

/**
 * An array of integers.
 * @param name Short name.
 * @param element Element type.
 * @param count Count spec.
 * @param options More options.
 * @returns The field.
 */
export function array(
  name: string,
  element: IntType,
  count: LengthSpec,
  options: Omit<ArrayField, "kind" | "name" | "element" | "count"> = {},
): ArrayField {
  return { kind: "array", name, element, count, ...options };
}

/**
 * A struct, once or repeated.
 * @param name Short name.
 * @param fields Member fields.
 * @param options `count` for repetition, and more.
 * @returns The field.
 */
export function group(
  name: string,
  fields: readonly Field[],
  options: Omit<GroupField, "kind" | "name" | "fields"> = {},
): GroupField {
  return { kind: "group", name, fields, ...options };
}

/**
 * A carrier area holding a message of another protocol.
 * @param name Short name.
 * @param protocol Inner protocol.
 * @param length Carrier length.
 * @param options More options.
 * @returns The field.
 */
export function nested(
  name: string,
  protocol: ProtocolTag,
  length: LengthSpec,
  options: Omit<NestedField, "kind" | "name" | "protocol" | "length"> = {},
): NestedField {
  return { kind: "nested", name, protocol, length, ...options };
}

/**
 * A custom field (escape hatch).
 * @param field The full declaration without `kind`.
 * @returns The field.
 */
export function custom(field: Omit<CustomField, "kind">): CustomField {
  return { kind: "custom", ...field };
}
