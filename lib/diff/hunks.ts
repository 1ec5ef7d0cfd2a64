/**
 * Grouping a diff's entries into unified-diff hunks with context lines.
 *
 * @module
 */

/** A field whose value differs between the two messages of a change. */
export interface FieldChange {
  /** Filter name (`vmsg.config.offset`), or `frame.latency` / `frame.time_delta` for timing. */
  field: string;
  /** Value in the old trace; absent when the field is new. */
  a?: string;
  /** Value in the new trace; absent when the field disappeared. */
  b?: string;
}

/**
 * One step of the alignment. Indexes are 0-based message numbers in the old (`a`) and new (`b`)
 * traces; a delete's `b` (an insert's `a`) is where it falls in the other trace.
 */
export type DiffEntry =
  | { op: "equal"; a: number; b: number; length: number }
  | { op: "delete"; a: number; b: number }
  | { op: "insert"; a: number; b: number }
  | { op: "change"; a: number; b: number; changes: FieldChange[] };

/** One line of a hunk: one message (or a pair, for a change). */
export interface HunkLine {
  /** What happened to the message. */
  op: "equal" | "delete" | "insert" | "change";
  /** Index in the old trace (for an insert: how many old messages come before it). */
  a: number;
  /** Index in the new trace (for a delete: how many new messages come before it). */
  b: number;
  /** Field changes, for `change`. */
  changes?: FieldChange[];
}

/** A unified-diff hunk: `@@ -aStart,aLength +bStart,bLength @@`. */
export interface Hunk {
  /** 1-based first old message (or the message before, when `aLength` is 0). */
  aStart: number;
  /** Old messages covered (context, deleted and changed). */
  aLength: number;
  /** 1-based first new message (or the message before, when `bLength` is 0). */
  bStart: number;
  /** New messages covered (context, inserted and changed). */
  bLength: number;
  /** The lines. */
  lines: HunkLine[];
}

/**
 * Groups entries into hunks, keeping `context` unchanged messages around each change and merging
 * hunks whose context would touch.
 *
 * @example One change with one line of context
 * ```ts
 * import { toHunks } from "./hunks.ts";
 * import { equal } from "node:assert/strict";
 * const hunks = toHunks([
 *   { op: "equal", a: 0, b: 0, length: 5 },
 *   { op: "delete", a: 5, b: 5 },
 *   { op: "equal", a: 6, b: 5, length: 5 },
 * ], 1);
 * equal(hunks.length, 1);
 * equal(hunks[0]!.aStart, 5);
 * equal(hunks[0]!.lines.length, 3);
 * ```
 *
 * @param entries The alignment.
 * @param context Unchanged messages shown before and after each change.
 * @returns The hunks.
 */
export function toHunks(entries: readonly DiffEntry[], context = 3): Hunk[] {
  const hunks: Hunk[] = [];
  let cur: HunkLine[] | undefined;
  const eq = (lines: HunkLine[], e: { a: number; b: number }, from: number, to: number) => {
    for (let i = from; i < to; i++) lines.push({ op: "equal", a: e.a + i, b: e.b + i });
  };
  const close = () => {
    if (cur) hunks.push(makeHunk(cur));
    cur = undefined;
  };
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.op === "equal") {
      if (!cur) continue;
      const next = entries[i + 1];
      const more = next !== undefined && next.op !== "equal";
      if (more && e.length <= 2 * context) eq(cur, e, 0, e.length);
      else {
        eq(cur, e, 0, Math.min(context, e.length));
        close();
      }
      continue;
    }
    if (!cur) {
      cur = [];
      const prev = entries[i - 1];
      if (prev?.op === "equal") eq(cur, prev, Math.max(0, prev.length - context), prev.length);
    }
    if (e.op === "delete" || e.op === "insert") cur.push({ op: e.op, a: e.a, b: e.b });
    else cur.push({ op: "change", a: e.a, b: e.b, changes: e.changes });
  }
  close();
  return hunks;
}

function makeHunk(lines: HunkLine[]): Hunk {
  let aLength = 0, bLength = 0;
  for (const l of lines) {
    if (l.op !== "insert") aLength++;
    if (l.op !== "delete") bLength++;
  }
  const first = lines[0]!;
  // An empty side points at the message before the hunk (GNU diff convention).
  return {
    aStart: aLength ? first.a + 1 : first.a,
    aLength,
    bStart: bLength ? first.b + 1 : first.b,
    bLength,
    lines,
  };
}
