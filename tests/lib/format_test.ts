import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { ByteSink, formatChannel, summaryLine } from "../../lib/format.ts";
import { CaptureReader } from "../../lib/pcap/mod.ts";
import { DecodeSession, defaultRegistry } from "../../lib/codec/mod.ts";
import { type CaptureRecord, makeRecord } from "../../lib/record.ts";

const dec = new TextDecoder();

/** The line a ByteSink writes (columns, then the Info text), starting in a buffer that must grow. */
function bytesLine(no: number, r: CaptureRecord, t0: bigint, info: string): string {
  const sink = new ByteSink(8);
  sink.text("x");
  sink.summaryPrefix(no, r, t0);
  sink.text(info);
  sink.newline();
  return dec.decode(sink.take()).slice(1);
}

Deno.test("ByteSink summary lines are exactly the UTF-8 of summaryLine plus a newline (fast-check)", () => {
  const id = fc.option(fc.integer({ min: 0, max: 0xfffff }), { nil: undefined });
  const record = fc.record({
    ts: fc.bigInt({ min: -(1n << 60n), max: 1n << 62n }),
    sender: fc.constantFrom("driver", "device", "unknown"),
    protocol: fc.constantFrom(undefined, "virtio-msg", "ffa", "rpmb", "scmi", "virtio-iommu"),
    bus: id,
    device: id,
    src: id,
    dst: id,
    queue: id,
  });
  fc.assert(
    fc.property(
      record,
      fc.integer({ min: 1, max: 2 ** 40 }),
      fc.bigInt({ min: -(1n << 60n), max: 1n << 62n }),
      fc.string({ unit: "grapheme", maxLength: 200 }),
      (x, no, t0, info) => {
        const ch: CaptureRecord["channel"] = {};
        for (const k of ["bus", "device", "src", "dst", "queue"] as const) {
          if (x[k] !== undefined) ch[k] = x[k];
        }
        const r = makeRecord(new Uint8Array(1), {
          timestampNs: x.ts,
          sender: x.sender as CaptureRecord["sender"],
          channel: ch,
          ...(x.protocol ? { protocol: x.protocol as CaptureRecord["protocol"] & string } : {}),
        });
        equal(bytesLine(no, r, t0, info), summaryLine(no, r, t0, info) + "\n");
      },
    ),
    { numRuns: 5000 },
  );
});

Deno.test("ByteSink summary columns are exact at the edges of their fast paths (numbers, seconds, 2^53 ns)", () => {
  const t0 = 1_700_000_000_123_456_789n;
  const deltas = [0n, 999n, 1000n, 999_999_999n, 1_000_000_000n, 59_999_999_999n];
  // Whole seconds past 2^31 µs (integer division ends there), and the end of exact doubles.
  for (const edge of [2_147_483_648_000n, 9_007_199_254_740_991n, 1n << 62n, 1n << 64n]) {
    for (let k = -2001n; k <= 2001n; k += 1000n) deltas.push(edge + k);
    deltas.push(edge - 1n, edge, edge + 1n);
  }
  const numbers = [1, 9, 10, 999_999, 1_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40 + 7, 2 ** 53 - 1];
  for (const d of deltas) {
    for (const no of numbers) {
      const r = makeRecord(new Uint8Array(1), {
        timestampNs: t0 + d,
        sender: "driver",
        channel: { device: 3 },
      });
      equal(bytesLine(no, r, t0, "x"), summaryLine(no, r, t0, "x") + "\n", `no ${no}, +${d} ns`);
      equal(
        bytesLine(no, r, t0 + d + d, "x"),
        summaryLine(no, r, t0 + d + d, "x") + "\n",
        `no ${no}, -${d} ns`,
      );
    }
  }
  const late = makeRecord(new Uint8Array(1), { timestampNs: t0 + 2_147_483_648_000_001n });
  equal(bytesLine(7, late, t0, "").slice(0, 22), "     7 2147483.648000 ");
});

Deno.test("ByteSink number and time columns stay exact when counted up from the previous line (fast-check)", () => {
  // The number column counts up in place from the last line and the whole seconds are kept from
  // it: runs of consecutive numbers across digit boundaries, with jumps and repeats, and times
  // that cross whole seconds, into one sink and into two taking turns.
  const starts = [1, 8, 98, 998, 9_998, 99_998, 999_990, 999_998];
  const step = fc.record({
    jump: fc.oneof(
      { weight: 8, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom(...starts, 0, 1_000_000, 2 ** 40) },
      { weight: 1, arbitrary: fc.constant("repeat" as const) },
    ),
    dt: fc.oneof(
      fc.bigInt({ min: 0n, max: 2_000n }),
      fc.bigInt({ min: 0n, max: 1_500_000_000n }),
      fc.constantFrom(999_999_999n, 1_000_000_000n),
    ),
    sink: fc.boolean(),
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...starts),
      fc.array(step, { minLength: 1, maxLength: 60 }),
      (first, steps) => {
        const t0 = 1_700_000_000_000_000_000n;
        const sinks = [new ByteSink(8), new ByteSink(8)];
        const want = ["", ""];
        let no = first - 1;
        let ts = t0 + 99_999_000_000_000n - 3_000_000_000n; // near the widest whole seconds, 99999
        for (const s of steps) {
          no = s.jump === "repeat" ? no : s.jump ?? no + 1;
          ts += s.dt;
          const r = makeRecord(new Uint8Array(1), {
            timestampNs: ts,
            sender: "device",
            channel: { device: 1 },
          });
          const k = s.sink ? 1 : 0;
          sinks[k]!.summaryPrefix(no, r, t0);
          sinks[k]!.newline();
          want[k] += summaryLine(no, r, t0, "") + "\n";
        }
        for (const k of [0, 1]) equal(dec.decode(sinks[k]!.take()), want[k]);
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("ByteSink summary lines match summaryLine on every record of the fixtures", async () => {
  let n = 0;
  for (const f of ["pcap/five_protocols.pcapng", "sim/virtio-msg-ffa.pcapng", "demo/demo.pcapng"]) {
    const file = await Deno.open(new URL(`../../fixtures/${f}`, import.meta.url));
    const session = new DecodeSession(defaultRegistry(), { tree: false, pairing: "needed" });
    let t0: bigint | undefined;
    for await (const batch of new CaptureReader(file.readable).batches()) {
      for (const r of batch) {
        t0 ??= r.timestampNs;
        const info = session.decode(r)?.summary ?? "";
        n++;
        equal(bytesLine(n, r, t0, info), summaryLine(n, r, t0, info) + "\n");
      }
    }
  }
  equal(n >= 50, true, `${n} records`);
});

Deno.test("summaries written into a ByteSink by a lazy session equal the summary lines of an eager one", async () => {
  let n = 0;
  for (
    const f of [
      "pcap/five_protocols.pcapng",
      "sim/virtio-msg-ffa.pcapng",
      "sim/ffa-discovery.pcapng",
      "sim/rpmb-program-key.pcapng",
      "sim/scmi-clocks.pcapng",
      "demo/demo.pcapng",
      "diff/base.pcapng",
    ]
  ) {
    const url = new URL(`../../fixtures/${f}`, import.meta.url);
    const eager = new DecodeSession(defaultRegistry(), { tree: false, pairing: "needed" });
    const lazy = new DecodeSession(defaultRegistry(), { tree: false, pairing: "needed", summaries: false });
    const records: CaptureRecord[] = [];
    for await (const batch of new CaptureReader((await Deno.open(url)).readable).batches()) {
      records.push(...batch);
    }
    const t0 = records[0]!.timestampNs;
    const sink = new ByteSink(16);
    let want = "";
    records.forEach((r, i) => {
      const m = lazy.decode(r);
      const e = eager.decode(r);
      equal(m?.summary ?? "", "", "lazy sessions leave the summary empty");
      sink.summaryPrefix(i + 1, r, t0);
      if (m) lazy.summaryTo(sink, m);
      sink.newline();
      want += summaryLine(i + 1, r, t0, e?.summary ?? "") + "\n";
      n++;
    });
    equal(dec.decode(sink.take()), want, f);
  }
  equal(n >= 60, true, `${n} records`);
});

Deno.test("formatChannel's cache of recent channels never returns another channel's text (fast-check)", () => {
  const hex4 = (v: number | undefined) => v === undefined ? "?" : "0x" + v.toString(16).padStart(4, "0");
  const expected = (c: CaptureRecord["channel"]) => {
    const p: string[] = [];
    if (c.bus !== undefined) p.push(`bus${c.bus}`);
    if (c.device !== undefined) p.push(`dev${c.device}`);
    if (c.src !== undefined || c.dst !== undefined) p.push(`${hex4(c.src)}→${hex4(c.dst)}`);
    if (c.queue !== undefined) p.push(`q${c.queue}`);
    return p.length ? p.join("/") : "-";
  };
  // Negative ids too: the cache keys an absent id as -1, and -1 itself as -2.
  const small = fc.option(fc.integer({ min: -2, max: 3 }), { nil: undefined });
  const channel = fc.record({ bus: small, device: small, src: small, dst: small, queue: small }).map((x) => {
    const c: CaptureRecord["channel"] = {};
    for (const k of ["bus", "device", "src", "dst", "queue"] as const) if (x[k] !== undefined) c[k] = x[k];
    return c;
  });
  fc.assert(
    fc.property(fc.array(channel, { minLength: 1, maxLength: 40 }), (chs) => {
      for (const c of chs) equal(formatChannel(c), expected(c));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("a sink over a SharedArrayBuffer grows into a larger SharedArrayBuffer, its bytes kept", () => {
  for (const shared of [true, false]) {
    const sink = new ByteSink(0);
    sink.buf = new Uint8Array(shared ? new SharedArrayBuffer(4) : new ArrayBuffer(4));
    sink.text("abc");
    sink.text("defghij");
    equal(sink.buf.buffer instanceof SharedArrayBuffer, shared);
    ok(sink.buf.length >= 10);
    equal(new TextDecoder().decode(sink.buf.slice(0, sink.off)), "abcdefghij");
  }
});
