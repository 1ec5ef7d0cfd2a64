/**
 * An explicit registry mapping protocol tags to codecs; no import side effects.
 *
 * @module
 */
import type { ProtocolTag } from "../record.ts";
import type { Codec } from "./define_protocol.ts";
import type { RegistryLike } from "./types.ts";

/** Maps protocol tags (and filter abbreviations) to codecs. */
export class Registry implements RegistryLike {
  #byTag = new Map<ProtocolTag, Codec>();
  #byAbbrev = new Map<string, Codec>();

  /** @param codecs Codecs to register. */
  constructor(codecs: Iterable<Codec> = []) {
    for (const c of codecs) this.add(c);
  }

  /**
   * Adds a codec.
   * @param codec The codec.
   * @throws {TypeError} When the tag or abbreviation is taken.
   */
  add(codec: Codec): void {
    if (this.#byTag.has(codec.tag)) throw new TypeError(`Cannot register ${codec.tag}: already registered`);
    if (this.#byAbbrev.has(codec.abbrev)) {
      throw new TypeError(`Cannot register ${codec.tag}: abbreviation "${codec.abbrev}" is taken`);
    }
    this.#byTag.set(codec.tag, codec);
    this.#byAbbrev.set(codec.abbrev, codec);
  }

  /**
   * Looks up a codec by protocol tag.
   * @param tag Protocol tag.
   * @returns The codec, if registered.
   */
  get(tag: ProtocolTag): Codec | undefined {
    return this.#byTag.get(tag);
  }

  /**
   * Looks up a codec by filter abbreviation (`vmsg`, `ffa`, ...).
   * @param abbrev Abbreviation.
   * @returns The codec, if registered.
   */
  byAbbrev(abbrev: string): Codec | undefined {
    return this.#byAbbrev.get(abbrev);
  }

  /** @returns All codecs, in registration order. */
  codecs(): Codec[] {
    return [...this.#byTag.values()];
  }
}
