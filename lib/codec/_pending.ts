/**
 * The requests of one protocol waiting for their responses, by pairing key, in the order they came.
 *
 * Mostly one request waits at a time (an FF-A call, then its return), so a lone entry is kept in two
 * fields and the Map is used only while two or more wait. A Map that an entry keeps filling and
 * emptying costs a C++ call per pair: V8 reallocates an emptied Map's table when the last entry is
 * deleted, or rehashes it every few pairs when it never empties.
 *
 * @module
 */

/** Entries by key, in insertion order (a subset of `Map`'s behaviour). */
export class PendingTable<V> {
  /** The lone entry's key; undefined when the entries (if any) are in `#more`. */
  #oneKey: string | undefined = undefined;
  #one: V | undefined = undefined;
  /** The entries while two or more wait (or what is left of them). Empty whenever `#oneKey` is set. */
  #more = new Map<string, V>();

  /** How many entries there are. */
  get size(): number {
    return this.#oneKey !== undefined ? 1 : this.#more.size;
  }

  /**
   * The entry under a key.
   * @param key The key.
   * @returns The entry, or undefined.
   */
  get(key: string): V | undefined {
    if (this.#oneKey !== undefined) return this.#oneKey === key ? this.#one : undefined;
    return this.#more.size === 0 ? undefined : this.#more.get(key);
  }

  /**
   * Whether there is an entry under a key.
   * @param key The key.
   * @returns True when there is.
   */
  has(key: string): boolean {
    if (this.#oneKey !== undefined) return this.#oneKey === key;
    return this.#more.size !== 0 && this.#more.has(key);
  }

  /**
   * Adds an entry last. The key must not be in the table (delete it first).
   * @param key The key.
   * @param value The entry.
   */
  add(key: string, value: V): void {
    const more = this.#more;
    if (this.#oneKey !== undefined) {
      more.set(this.#oneKey, this.#one!);
      this.#oneKey = undefined;
      this.#one = undefined;
    } else if (more.size === 0) {
      this.#oneKey = key;
      this.#one = value;
      return;
    }
    more.set(key, value);
  }

  /**
   * Deletes the entry under a key.
   * @param key The key.
   * @returns Whether there was one.
   */
  delete(key: string): boolean {
    if (this.#oneKey !== undefined) {
      if (this.#oneKey !== key) return false;
      this.#oneKey = undefined;
      this.#one = undefined;
      return true;
    }
    return this.#more.size !== 0 && this.#more.delete(key);
  }

  /** Deletes every entry. */
  clear(): void {
    this.#oneKey = undefined;
    this.#one = undefined;
    if (this.#more.size !== 0) this.#more.clear();
  }

  /** The oldest entry's key, or undefined when the table is empty. */
  oldestKey(): string | undefined {
    return this.#oneKey ?? this.#more.keys().next().value;
  }

  /** The entries, oldest first. */
  *[Symbol.iterator](): IterableIterator<[string, V]> {
    if (this.#oneKey !== undefined) yield [this.#oneKey, this.#one!];
    else yield* this.#more;
  }
}
