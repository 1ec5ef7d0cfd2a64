/**
 * Prints a display-filter syntax tree back to filter text.
 *
 * @module
 */
import type { FilterNode, FilterValue, SetItem } from "./parse_filter.ts";

const PREC: Readonly<Record<FilterNode["type"], number>> = {
  or: 1,
  and: 2,
  not: 3,
  exists: 4,
  compare: 4,
  in: 4,
};

/**
 * Prints a filter tree as text that {@linkcode parseFilter} reads back to the same tree: words for
 * the boolean operators, parentheses only where the structure needs them, integers in decimal.
 *
 * @example Printing a parsed filter
 * ```ts
 * import { parseFilter, printFilter } from "../../mod.ts";
 * import { equal } from "node:assert/strict";
 * equal(printFilter(parseFilter("!(a.b==1||c)&&d in {1 2..3}")), "not (a.b == 1 or c) and d in {1, 2..3}");
 * ```
 *
 * @param node The tree.
 * @returns Filter text.
 */
export function printFilter(node: FilterNode): string {
  return print(node, 0);
}

function print(node: FilterNode, min: number): string {
  let s: string;
  switch (node.type) {
    case "or":
      s = `${print(node.left, 1)} or ${print(node.right, 2)}`;
      break;
    case "and":
      s = `${print(node.left, 2)} and ${print(node.right, 3)}`;
      break;
    case "not":
      s = `not ${print(node.operand, 3)}`;
      break;
    case "exists":
      s = node.field.name;
      break;
    case "compare":
      s = `${node.field.name} ${node.op} ${printValue(node.value)}`;
      break;
    case "in":
      s = `${node.field.name} in {${node.items.map(printItem).join(", ")}}`;
      break;
  }
  return PREC[node.type] < min ? `(${s})` : s;
}

function printItem(item: SetItem): string {
  return item.kind === "range" ? `${printValue(item.from)}..${printValue(item.to)}` : printValue(item);
}

/**
 * Prints one literal.
 * @param v The value.
 * @returns Its filter text.
 */
export function printValue(v: FilterValue): string {
  switch (v.kind) {
    case "int":
      return v.value.toString();
    case "float": {
      const s = String(v.value);
      return /[.eE]/.test(s) ? s : `${s}.0`;
    }
    case "string":
      return JSON.stringify(v.value);
    case "bytes":
      return Array.from(v.value, (b) => b.toString(16).padStart(2, "0")).join(":");
    case "bool":
      return String(v.value);
    case "name":
      return v.value;
  }
}
