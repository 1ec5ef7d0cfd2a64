/**
 * Types of the codec engine: field declarations, protocol declarations and decoded messages.
 *
 * A protocol is declared once as data ({@linkcode ProtocolSpec}); the engine derives decoding,
 * encoding, the field tree, summary lines, JSON and the filter field names from that declaration.
 *
 * @module
 */
import type { CaptureRecord, Channel, Conduit, MessageKind, ProtocolTag } from "../record.ts";
import type { BytesSink, SummarySink } from "./sink.ts";

/** Integer wire types. 64-bit values decode to `bigint`, the others to `number`. */
export type IntType = "u8" | "u16" | "u32" | "u64" | "i8" | "i16" | "i32" | "i64";

/** Byte order of a field. */
export type Endian = "le" | "be";

/** A plain value a field decodes to (and encodes from). */
export type Value = number | bigint | boolean | string | Uint8Array | number[] | bigint[] | ValueMap;

/** Named values, keyed by the field's short name. */
export interface ValueMap {
  [name: string]: Value | undefined;
}

/** A bit range inside an integer field; its value is `(field & mask) >> lowest set bit of mask`. */
export interface BitSpec {
  /** Short name; the filter name is the container's name plus `.name`. */
  name: string;
  /** The bits (contiguous). */
  mask: number | bigint;
  /** Value names. */
  enum?: Readonly<Record<number, string>>;
  /** Show the value in hex. */
  hex?: boolean;
  /** Human label for the field tree. */
  label?: string;
  /** These bits must be zero ("reserved-nonzero" issue otherwise). */
  reserved?: boolean;
  /**
   * Label used when the bits are listed in {@linkcode ProtocolSpec.summaryHeader} as
   * `container.bits` (defaults to that dotted name).
   */
  summary?: string;
}

/** How long a variable field is. */
export type LengthSpec =
  | number
  | "rest"
  | {
    /** Short name of an earlier integer field (same layout) that holds the count. */
    field: string;
    /** Bytes per unit of the count (default 1). */
    scale?: number;
    /** Added after scaling (may be negative). */
    add?: number;
  };

interface FieldBase {
  /** Short name, snake_case as on the wire or in the spec. */
  name: string;
  /** Human label for the field tree (defaults to the name). */
  label?: string;
  /** One-line description, shown by `vioscope fields`. */
  doc?: string;
  /** Include in the one-line summary (as `name=value`, or with this label). */
  summary?: boolean | string;
  /**
   * Present only when a predicate over the values decoded so far holds (scapy's ConditionalField).
   * The predicate sees the layout's values and the context. A predicate must depend only on the
   * context and on values decoded before the first field it is attached to: the compiled decoder
   * evaluates each distinct predicate function once per message and reuses the result.
   */
  when?: (values: ValueMap, ctx: DecodeContext) => boolean;
  /**
   * The predicates whose conjunction `when` is, when a field combines several (a variant guard and
   * the field's own condition): the compiled decoder evaluates each shared part once per message.
   */
  whenAll?: readonly ((values: ValueMap, ctx: DecodeContext) => boolean)[];
  /** Present only in these dialects (a static condition, so the fast path can compile it). */
  dialects?: readonly string[];
}

/** An integer field (optionally with enum names, flag names and bit sub-fields). */
export interface IntField extends FieldBase {
  /** Discriminant. */
  kind: "int";
  /** Wire type. */
  type: IntType;
  /** Byte order (defaults to the protocol's). */
  endian?: Endian;
  /** Value names. */
  enum?: Readonly<Record<number, string>>;
  /** Flag names: name → mask. Each flag becomes a boolean child `name.flag`. */
  flags?: Readonly<Record<string, number | bigint>>;
  /** Bit-range children. */
  bits?: readonly BitSpec[];
  /** Show in hex. */
  hex?: boolean;
  /** Must be zero. */
  reserved?: boolean;
  /** Default used when encoding without a value. */
  default?: number | bigint;
  /** Filled in at encode time when not given. */
  auto?: AutoSpec;
}

/** How an automatic field is computed on encode. */
export type AutoSpec =
  | "total_length"
  | { lengthOf: string; scale?: number; add?: number }
  | { countOf: string };

/** A byte string. */
export interface BytesField extends FieldBase {
  /** Discriminant. */
  kind: "bytes";
  /** Length in bytes. */
  length: LengthSpec;
  /** Must be all zero. */
  reserved?: boolean;
  /** Show as UUID (16 bytes). */
  uuid?: boolean;
}

/** A fixed-size, NUL-padded ASCII/UTF-8 string. */
export interface StringField extends FieldBase {
  /** Discriminant. */
  kind: "string";
  /** Size in bytes. */
  length: number;
}

/** An array of integers. */
export interface ArrayField extends FieldBase {
  /** Discriminant. */
  kind: "array";
  /** Element type. */
  element: IntType;
  /** Number of elements. */
  count: LengthSpec;
  /** Byte order (defaults to the protocol's). */
  endian?: Endian;
  /** Show elements in hex. */
  hex?: boolean;
}

/** A repeated or single group of fields (a struct). */
export interface GroupField extends FieldBase {
  /** Discriminant. */
  kind: "group";
  /** The group's fields. */
  fields: readonly Field[];
  /** Repetitions (absent = exactly one, not an array). */
  count?: LengthSpec;
}

/** Bytes that carry a message of another (or the same) protocol. */
export interface NestedField extends FieldBase {
  /** Discriminant. */
  kind: "nested";
  /** Protocol of the inner message. */
  protocol: ProtocolTag;
  /** Length of the carrier area. */
  length: LengthSpec;
  /** Decode only when this holds; otherwise the area is plain bytes. */
  nestWhen?: (values: ValueMap, ctx: DecodeContext) => boolean;
  /**
   * Declarative stand-in for {@linkcode NestedField.nestWhen} for tools that cannot run code (the
   * generated Wireshark dissector): nest when an earlier bytes field holds one of the given values.
   * For such tools a hint replaces both `nestWhen` and the field's `when`: the field is present (and
   * decoded as {@linkcode NestedField.protocol}) exactly when a hint holds, and absent otherwise, so
   * later alternative fields take the area. With {@linkcode NestedField.nestHeuristic} as well,
   * either may hold.
   */
  nestIf?: NestIf;
  /**
   * Declarative stand-in for a heuristic `nestWhen` (see {@linkcode NestedField.nestIf} for how tools
   * use it). `"virtio-msg"`: the area looks like a message of {@linkcode NestedField.protocol} —
   * reserved header bits zero, a known message (header select values name a body), the total length
   * (`totalLengthField`) at least the header and at most the area, and only zero bytes after it.
   */
  nestHeuristic?: "virtio-msg";
}

/** See {@linkcode NestedField.nestIf}. */
export interface NestIf {
  /** Short name of an earlier bytes field in the same layout. */
  field: string;
  /** Values (hex, lower case, in wire order) for which the area carries a nested message. */
  bytesIn: readonly string[];
  /** And the area is not all zero. */
  nonZero?: boolean;
}

/** Result of decoding a custom field. */
export interface CustomDecoded {
  /** The value. */
  value: Value;
  /** Offset just past the field. */
  end: number;
  /** Display text. */
  display?: string;
  /** Issues found. */
  issues?: DecodeIssue[];
}

/** An escape hatch for a layout the declarative kinds cannot express. */
export interface CustomField extends FieldBase {
  /** Discriminant. */
  kind: "custom";
  /** Filter type shown by `vioscope fields`. */
  type: string;
  /** Decodes at `offset`; must not read past `end`. `values` holds the layout's values so far. */
  decode(view: DataView, offset: number, end: number, ctx: DecodeContext, values: ValueMap): CustomDecoded;
  /** Encodes a value. */
  encode(value: Value | undefined, values: ValueMap, ctx: EncodeContext): Uint8Array;
  /**
   * How tools that cannot run {@linkcode CustomField.decode} (the generated Wireshark dissector)
   * should read these bytes: a declarative field of the same width (its name and `when` are taken
   * from this field), or `"skip"` for a zero-width field they leave out. Undefined = untranslatable.
   */
  wire?: Field | "skip";
  /** With {@linkcode CustomField.wire}: show the stand-in only when its bytes are not all zero. */
  wireHideEmpty?: boolean;
}

/** Any field declaration. */
export type Field = IntField | BytesField | StringField | ArrayField | GroupField | NestedField | CustomField;

/** One message body: its name, how the header selects it, and its fields per kind. */
export interface BodySpec {
  /** The spec's own name for the message, e.g. `GET_DEVICE_INFO`. */
  name: string;
  /** Header values that select this body (the protocol's `selectBy` fields); arrays list alternatives. */
  select: Readonly<Record<string, number | bigint | readonly (number | bigint)[]>>;
  /** Filter-name group for the body's fields (`vmsg.<prefix>.<field>`); empty = directly under the protocol. */
  prefix: string;
  /** Fields of the request (the call), per kind. */
  request?: readonly Field[];
  /** Fields of the response (the return). */
  response?: readonly Field[];
  /** Fields of the event. */
  event?: readonly Field[];
  /** A one-line description for `vioscope fields`. */
  doc?: string;
}

/** What the engine knows while decoding. */
export interface DecodeContext {
  /** Selected dialect of the protocol being decoded. */
  dialect: string;
  /** All selected dialects, by protocol tag (`--vmsg-dialect rfc2`, ...). */
  dialects: Readonly<Partial<Record<ProtocolTag, string>>>;
  /** Kind from the capture record, when the bytes themselves cannot tell. */
  recordKind: MessageKind;
  /** The request this message answers, when pairing found one. */
  request?: Message;
  /** The registry, for nested messages. */
  registry: RegistryLike;
  /** Protocol-specific options (e.g. RPMB key). */
  options: Readonly<Record<string, unknown>>;
  /** Nesting depth. */
  depth: number;
  /** False when only values are wanted (no field tree): custom decoders may skip display text. */
  tree?: boolean;
  /** False: leave `summary` empty; the caller writes it later with `Codec.summarizeTo`. */
  summary?: boolean;
}

/** What the engine knows while encoding. */
export interface EncodeContext {
  /** Selected dialect. */
  dialect: string;
  /** All dialects. */
  dialects: Readonly<Partial<Record<ProtocolTag, string>>>;
  /** Kind being encoded. */
  kind: MessageKind;
  /** The registry, for nested messages. */
  registry: RegistryLike;
  /** Protocol-specific options. */
  options: Readonly<Record<string, unknown>>;
}

/** The part of the registry the engine needs (avoids an import cycle). */
export interface RegistryLike {
  /** Looks up a codec by tag. */
  get(tag: ProtocolTag): CodecLike | undefined;
}

/** The part of a codec the engine needs for nesting. */
export interface CodecLike {
  /** Protocol tag. */
  readonly tag: ProtocolTag;
  /** Decodes bytes (`tree` false: values and summary only). */
  decodeBytes(
    data: Uint8Array,
    ctx: Partial<DecodeContext> & { registry: RegistryLike },
    tree?: boolean,
  ): Message;
  /** The dialect used when none is selected. */
  readonly defaultDialect?: string;
  /** Decodes bytes with a complete context whose `dialect` is this protocol's (faster than `decodeBytes`). */
  decodeWith?(data: Uint8Array, ctx: DecodeContext, tree: boolean): Message;
  /** Encodes a message description. */
  encodeMessage(input: MessageInput, ctx: Partial<EncodeContext> & { registry: RegistryLike }): Uint8Array;
  /** Writes a message's one-line summary into a sink. */
  summarizeTo(out: SummarySink, msg: Message, body?: undefined, registry?: RegistryLike): void;
  /**
   * Writes the summary of a clean message straight from its bytes (see `ProtocolSpec.summaryLine`);
   * returns its name, or undefined to have the caller decode it.
   */
  summaryLine?(
    data: Uint8Array,
    ctx: DecodeContext,
    out: BytesSink,
    request: PairedRequest | undefined,
    start?: number,
    end?: number,
  ): string | undefined;
}

/** The request a response was paired with, as a decode session keeps it (decoded only when needed). */
export interface PairedRequest {
  /** The request's record. */
  readonly record: CaptureRecord;
  /** Its message name. */
  readonly name: string;
  /** Its decoded message, when it has been decoded. */
  readonly message: Message | undefined;
}

/** How a protocol classifies a decoded header. */
export interface Classification {
  /** Body key (see {@linkcode ProtocolSpec.classify}); undefined = unknown message. */
  key: string | undefined;
  /** Request, response or event. */
  kind: MessageKind;
  /** Name to use for an unknown message. */
  unknownName?: string;
}

/**
 * What a session reads of a record before the record is built (see `DecodeSession.summaryLineAt`):
 * its protocol and kind, and the fields pairing keys are made of (see
 * {@linkcode ProtocolSpec.recordPairKey}). Every {@linkcode CaptureRecord} is one.
 */
export interface RecordHead {
  /** Protocol. */
  readonly protocol?: ProtocolTag | undefined;
  /** Request, response, event or unknown. */
  readonly kind: MessageKind;
  /** SMC or HVC. */
  readonly conduit?: Conduit | undefined;
  /** Channel. */
  readonly channel: Channel;
  /** Correlation id. */
  readonly correlationId?: number | undefined;
}

/** A protocol, declared once. */
export interface ProtocolSpec {
  /** Protocol tag. */
  tag: ProtocolTag;
  /** Filter abbreviation: `vmsg`, `ffa`, `rpmb`, `scmi`, `viommu`. */
  abbrev: string;
  /** Display name. */
  title: string;
  /** Default byte order. */
  endian: Endian;
  /** Dialects, first is the default. */
  dialects: readonly string[];
  /** Header fields per dialect (fields directly under the abbrev). */
  header: (dialect: string) => readonly Field[];
  /** Header field names (short, dotted for bits) whose values select the body. */
  selectBy: readonly string[];
  /** Tells the kind from the header values (and the record's kind). */
  kindOf: (header: ValueMap, ctx: DecodeContext) => MessageKind;
  /** Header values that encode a kind, applied on encode unless set. */
  kindHeader?: (kind: MessageKind, body: BodySpec) => ValueMap;
  /** Overrides body selection (e.g. FF-A returns decoded by their call). Returns a body name. */
  classify?: (header: ValueMap, view: DataView, ctx: DecodeContext) => Classification | undefined;
  /** Message bodies. */
  bodies: readonly BodySpec[];
  /** Name of the header field holding the message's total length (bytes past it are padding). */
  totalLengthField?: string;
  /**
   * Key fields printed right after the name in summaries, before body summary fields. An entry may
   * name a header field or a bit range of one (`hdr.token`).
   */
  summaryHeader?: readonly string[];
  /**
   * Custom summary text placed after the name and kind, replacing the header keys and body summary
   * fields (notes and the malformed marker are still appended); undefined = the declared fields.
   */
  summaryText?: (msg: Message) => string | undefined;
  /**
   * The same text as `summaryText`, written piece by piece into a sink (used in preference to it;
   * lets `vioscope decode` write summaries straight into its output bytes). `registry` writes nested
   * messages decoded without a summary (see `writeNested`).
   */
  summaryWrite?: (out: SummarySink, msg: Message, registry: RegistryLike | undefined) => void;
  /**
   * Summary lines without decoding, for protocols with `summaryWrite` (the others get theirs compiled
   * from the declaration): writes the name, kind and summary of a clean message straight from its
   * bytes into `out` and returns the name, or returns undefined to have the caller decode it (the
   * caller drops whatever was written). The message is `data[start, stop)` (a record's bytes, or a
   * span of a larger buffer: no view is made per message). `request` is the request a response was
   * paired with. Must write exactly what decoding and `summarizeTo` write, and, for a protocol with
   * `recordPairKey`, only accept messages whose kind is the record's kind.
   */
  summaryLine?: (
    data: Uint8Array,
    ctx: DecodeContext,
    out: BytesSink,
    request: PairedRequest | undefined,
    start: number,
    stop: number,
  ) => string | undefined;
  /**
   * Pairing key: a request and its response share it (scapy's hashret). `msg.record` is set when
   * decoding from records, so keys may use the channel.
   */
  pairKey?: (msg: Message) => string | undefined;
  /**
   * The pairing key from the record alone (channel, conduit, correlation id) for a record whose kind
   * is known, when the protocol's key does not depend on the bytes: a session then pairs before
   * decoding, so a response that needs its request is decoded once. Must agree with `pairKey`.
   */
  recordPairKey?: (record: RecordHead) => string | undefined;
  /** Responses are decoded with the layout of their request (FF-A returns): decode again once paired. */
  responseNeedsRequest?: boolean;
  /** Checks after decoding (e.g. MAC verification); may add issues or fields. */
  postDecode?: (msg: Message, ctx: DecodeContext) => void;
  /** Hook after encoding (e.g. computing a MAC); returns the final bytes. */
  postEncode?: (bytes: Uint8Array, input: MessageInput, ctx: EncodeContext) => Uint8Array;
  /** Minimum size for a frame to be a message at all (e.g. 144 for FF-A frames). */
  fixedSize?: number;
  /**
   * Creates per-stream state (one per decode session): sees every decoded message of this protocol
   * in capture order, after pairing, e.g. to group RPMB frames into operations and verify their MAC.
   */
  tracker?: (options: Readonly<Record<string, unknown>>) => StreamTracker;
}

/** Per-stream state a protocol keeps across messages. */
export interface StreamTracker {
  /**
   * Sees a decoded message (in capture order). May push `issues` and `notes` onto it; the session
   * recomputes the summary afterwards.
   */
  observe(msg: Message): void;
}

/** A problem found while decoding; never thrown. */
export interface DecodeIssue {
  /** Kind of problem. */
  code: "truncated" | "bad-value" | "length-mismatch" | "unknown-message" | "reserved-nonzero" | "bad-mac";
  /** Filter name of the field concerned, when there is one. */
  field?: string;
  /** Byte offset in the message. */
  offset: number;
  /** Human explanation. */
  message: string;
}

/** A decoded field. */
export interface FieldValue {
  /** Filter name, e.g. `vmsg.dev_num`. */
  name: string;
  /** Human label. */
  label: string;
  /** Decoded value. */
  value: Value;
  /** First byte (inclusive), relative to the message start. */
  start: number;
  /** Last byte (exclusive). */
  end: number;
  /** Display text, e.g. `0x0002 (GET_DEVICE_INFO)`. */
  display: string;
  /** Child fields (bits, flags, group members, nested message fields). */
  children?: FieldValue[];
  /** The nested message, for nested fields. */
  nested?: Message;
  /** True for bit-range and flag children of an integer. */
  bit?: boolean;
}

/** A decoded message. */
export interface Message {
  /** Protocol tag. */
  protocol: ProtocolTag;
  /** The spec's name, or `UNKNOWN_…` for an unknown id. */
  name: string;
  /** Request, response or event. */
  kind: MessageKind;
  /** Dialect it was decoded with. */
  dialect: string;
  /** The field tree. */
  fields: FieldValue[];
  /** Named values by short name (header values flat; body values flat; groups nested). */
  values: ValueMap;
  /** Body prefix (for filter names of body fields). */
  prefix: string;
  /** Problems found. */
  issues: DecodeIssue[];
  /** True when the bytes ended before the message did. */
  truncated: boolean;
  /** The message bytes (a view). */
  data: Uint8Array;
  /** Bytes after the decoded layout that belong to no field (view). */
  tail?: Uint8Array;
  /** The record it came from, when decoded from a record. */
  record?: CaptureRecord;
  /** Summary text (without time/direction/channel). */
  summary: string;
  /** The request this response answers, when a decode session paired them. */
  request?: Message;
  /** Short verdicts added by stream trackers (e.g. `mac ok`, `op 3 frame 2/2`), shown in the summary. */
  notes?: string[];
}

/** What `encode` takes: a name, a kind and some values (short names or filter names). */
export interface MessageInput {
  /** Message name (spec name); optional when `select` header values are given. */
  name?: string;
  /** Request / response / event (default: the body's only kind, or request). */
  kind?: MessageKind;
  /** Values by short name (`msg_id`), filter name (`vmsg.msg_id`) or body-prefixed name (`config.offset`). */
  fields?: Readonly<Record<string, unknown>>;
  /** Dialect (defaults to the context's). */
  dialect?: string;
}
