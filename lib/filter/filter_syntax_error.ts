/**
 * The error a display filter raises when it cannot be parsed or compiled.
 *
 * @module
 */

/**
 * A display filter that cannot be parsed (bad syntax) or compiled (unknown field, a value that is
 * not a name of the field's enum). The message's first line says what and where
 * (`Cannot parse filter: unexpected ")" at column 17`); the next two lines repeat the filter and
 * put a caret under the column.
 *
 * @example Catching a filter error
 * ```ts
 * import { FilterSyntaxError, parseFilter } from "../../mod.ts";
 * import { equal, ok } from "node:assert/strict";
 * try {
 *   parseFilter("scmi.hdr.token == )");
 * } catch (e) {
 *   ok(e instanceof FilterSyntaxError);
 *   equal(e.column, 19);
 *   equal(e.message.split("\n")[2], "                  ^");
 * }
 * ```
 */
export class FilterSyntaxError extends SyntaxError {
  /** 1-based column of the offending character. */
  readonly column: number;
  /** The whole filter text. */
  readonly filter: string;
  /** The first line of the message, without the filter and caret lines. */
  readonly reason: string;

  /**
   * @param reason What is wrong, e.g. `Cannot parse filter: unexpected ")"` (the column is appended).
   * @param filter The filter text.
   * @param offset 0-based offset of the offending character.
   */
  constructor(reason: string, filter: string, offset: number) {
    const column = offset + 1;
    const line = `${reason.replace("{column}", `column ${column}`)}`;
    const first = reason.includes("{column}") ? line : `${line} at column ${column}`;
    super(`${first}\n${filter}\n${" ".repeat(offset)}^`);
    this.name = "FilterSyntaxError";
    this.column = column;
    this.filter = filter;
    this.reason = first;
  }
}
