/**
 * The display-filter parser: filter text to a syntax tree. Field names are not checked here
 * ({@linkcode compileFilter} does that against the protocol declarations).
 *
 * Grammar (Wireshark's display-filter language, the parts vioscope uses):
 *
 * ```
 * filter  = or
 * or      = and { ("or" | "||") and }
 * and     = unary { ("and" | "&&") unary }
 * unary   = ("not" | "!") unary | "(" filter ")" | test
 * test    = FIELD [ relop value | "in" "{" item { [","] item } "}" ]
 * relop   = "==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "matches" | "~" | eq ne lt le gt ge
 * item    = value [ ".." value ]
 * value   = INT | FLOAT | STRING | BYTES | "true" | "false" | NAME
 * ```
 *
 * @module
 */
import { type Token, tokenize } from "./_lexer.ts";
import { FilterSyntaxError } from "./filter_syntax_error.ts";

/** Comparison operators (word forms are normalised: `eq` → `==`, `~` → `matches`). */
export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "contains" | "matches";

/** A literal on the right of an operator. `pos` is the 0-based offset in the filter text. */
export type FilterValue =
  | { kind: "int"; value: bigint; pos?: number }
  | { kind: "float"; value: number; pos?: number }
  | { kind: "string"; value: string; pos?: number }
  | { kind: "bytes"; value: Uint8Array; pos?: number }
  | { kind: "bool"; value: boolean; pos?: number }
  | { kind: "name"; value: string; pos?: number };

/** A field reference. */
export interface FieldRef {
  /** Filter name (`scmi.hdr.protocol_id`, `frame.len`, `vmsg`). */
  name: string;
  /** 0-based offset in the filter text. */
  pos?: number;
}

/** One element of an `in { … }` set: a value or an inclusive range. */
export type SetItem = FilterValue | { kind: "range"; from: FilterValue; to: FilterValue };

/** A display-filter syntax tree. */
export type FilterNode =
  | { type: "and" | "or"; left: FilterNode; right: FilterNode }
  | { type: "not"; operand: FilterNode }
  | { type: "exists"; field: FieldRef }
  | { type: "compare"; op: CompareOp; field: FieldRef; value: FilterValue }
  | { type: "in"; field: FieldRef; items: SetItem[] };

/**
 * Parses a display filter into a syntax tree.
 *
 * @example Parsing a filter
 * ```ts
 * import { parseFilter } from "../../mod.ts";
 * import { equal } from "node:assert/strict";
 * const ast = parseFilter("scmi.hdr.protocol_id == 0x14 && !scmi.clock.status");
 * equal(ast.type, "and");
 * ```
 *
 * @param text The filter.
 * @returns The tree (with `pos` offsets on fields and values).
 * @throws {FilterSyntaxError} With the column of the first token that does not fit.
 */
export function parseFilter(text: string): FilterNode {
  const toks = tokenize(text);
  let i = 0;
  const peek = (): Token => toks[i]!;
  const next = (): Token => toks[i++]!;
  const fail = (t: Token, expected: string): never => {
    const what = t.type === "eof" ? "end of filter" : JSON.stringify(t.text);
    throw new FilterSyntaxError(
      `Cannot parse filter: unexpected ${what} at {column}, expected ${expected}`,
      text,
      t.pos,
    );
  };

  function parseOr(): FilterNode {
    let left = parseAnd();
    while (peek().type === "or") {
      next();
      left = { type: "or", left, right: parseAnd() };
    }
    return left;
  }
  function parseAnd(): FilterNode {
    let left = parseUnary();
    while (peek().type === "and") {
      next();
      left = { type: "and", left, right: parseUnary() };
    }
    return left;
  }
  function parseUnary(): FilterNode {
    const t = peek();
    if (t.type === "not") {
      next();
      return { type: "not", operand: parseUnary() };
    }
    if (t.type === "(") {
      next();
      if (peek().type === ")") fail(peek(), "a test");
      const inner = parseOr();
      if (peek().type !== ")") fail(peek(), '")"');
      next();
      return inner;
    }
    if (t.type !== "name") fail(t, "a field name");
    next();
    const field: FieldRef = { name: t.text, pos: t.pos };
    const op = peek();
    if (op.type === "op") {
      next();
      return { type: "compare", op: op.value as CompareOp, field, value: parseValue() };
    }
    if (op.type === "in") {
      next();
      if (peek().type !== "{") fail(peek(), '"{"');
      next();
      const items: SetItem[] = [];
      while (true) {
        const from = parseValue();
        if (peek().type === "..") {
          next();
          items.push({ kind: "range", from, to: parseValue() });
        } else items.push(from);
        if (peek().type === ",") next();
        if (peek().type === "}") {
          next();
          break;
        }
      }
      return { type: "in", field, items };
    }
    return { type: "exists", field };
  }
  function parseValue(): FilterValue {
    const t = peek();
    switch (t.type) {
      case "int":
        next();
        return { kind: "int", value: t.value as bigint, pos: t.pos };
      case "float":
        next();
        return { kind: "float", value: t.value as number, pos: t.pos };
      case "string":
        next();
        return { kind: "string", value: t.value as string, pos: t.pos };
      case "bytes":
        next();
        return { kind: "bytes", value: t.value as Uint8Array, pos: t.pos };
      case "bool":
        next();
        return { kind: "bool", value: t.value as boolean, pos: t.pos };
      case "name":
        next();
        return { kind: "name", value: t.text, pos: t.pos };
      default:
        return fail(t, "a value");
    }
  }

  if (peek().type === "eof") fail(peek(), "a test");
  const tree = parseOr();
  if (peek().type !== "eof") fail(peek(), '"and", "or" or the end');
  return tree;
}
