/**
 * Display-filter cost: reads and decodes a 1M-message pcapng (mixed protocols: virtio-msg, SCMI,
 * virtio-iommu, FF-A carrying virtio-msg) with and without `-Y` filters, and prints the overhead.
 * The target is at most 30% over plain decoding.
 *
 * Usage: `npx -y deno@2.9.6 run --allow-read --allow-write --allow-run bench/filter_bench.ts [N]`
 * (writes `bench/out/filter_<N>.pcapng` once).
 *
 * @module
 */
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import { CaptureReader } from "../lib/pcap/mod.ts";
import { DecodeSession, defaultRegistry, type MessageInput } from "../lib/codec/mod.ts";
import { compileFilter } from "../lib/filter/mod.ts";
import { type CaptureRecord, makeRecord, type MessageKind, type ProtocolTag } from "../lib/record.ts";
import { VIRTIO_MSG_FFA_UUID } from "../lib/codec/protocols/ffa.ts";

const registry = defaultRegistry();

function templates(): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  const add = (tag: ProtocolTag, kind: MessageKind, input: MessageInput) => {
    const data = registry.get(tag)!.encodeMessage({ ...input, kind }, { registry });
    out.push(makeRecord(data, { protocol: tag, kind, sender: kind === "request" ? "driver" : "device" }));
  };
  for (let i = 0; i < 8; i++) {
    add("virtio-msg", "request", { name: "GET_DEVICE_INFO", fields: { dev_num: i, token: i } });
    add("virtio-msg", "response", {
      name: "GET_DEVICE_INFO",
      fields: { dev_num: i, token: i, device_id: 1 + (i % 3), vendor_id: 1, num_feature_bits: 64 },
    });
    add("scmi", "request", {
      name: "CLOCK_RATE_GET",
      fields: { "hdr.protocol_id": 0x14, "hdr.msg_id": 6, "hdr.token": i, clock_id: i },
    });
    add("scmi", "response", {
      name: "CLOCK_RATE_GET",
      fields: {
        "hdr.protocol_id": 0x14,
        "hdr.msg_id": 6,
        "hdr.token": i,
        status: i === 3 ? -4 : 0,
        rate: 1000n,
      },
    });
    add("virtio-msg", "request", {
      name: "SET_DEVICE_STATUS",
      fields: { dev_num: i, token: i, status: 0x0f },
    });
    add("virtio-iommu", "request", { name: "ATTACH", fields: { domain: 1, endpoint: i } });
    if (registry.get("ffa")) {
      add("ffa", "request", {
        name: "FFA_MSG_SEND_DIRECT_REQ2",
        fields: {
          sender: 0x8001,
          receiver: 0x8002,
          uuid: VIRTIO_MSG_FFA_UUID,
          payload: { name: "GET_DEVICE_INFO", fields: { dev_num: i, token: 100 + i } },
        },
      });
    }
  }
  return out;
}

async function generate(n: number): Promise<string> {
  const path = new URL(`./out/filter_${n}.pcapng`, import.meta.url).pathname;
  try {
    await Deno.stat(path);
    return path;
  } catch {
    // write it
  }
  await Deno.mkdir(new URL("./out/", import.meta.url), { recursive: true });
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const w = createCaptureWriter(file.writable);
  const t = templates();
  for (let i = 0; i < n; i++) {
    const r = t[i % t.length]!;
    await w.write({ ...r, timestampNs: 1_700_000_000_000_000_000n + BigInt(i) * 1000n });
  }
  await w.close();
  return path;
}

async function run(path: string, filter?: string): Promise<{ ms: number; matched: number }> {
  const f = filter === undefined ? undefined : compileFilter(filter, { registry });
  const session = new DecodeSession(registry, { tree: false, pairing: "needed" });
  const file = await Deno.open(path);
  const t = performance.now();
  let matched = 0;
  let no = 0;
  let t0: bigint | undefined;
  const frame = { number: 0, startNs: 0n };
  for await (const batch of new CaptureReader(file.readable).batches()) {
    for (const r of batch) {
      no++;
      t0 ??= r.timestampNs;
      const m = session.decode(r);
      if (f) {
        frame.number = no;
        frame.startNs = t0;
        if (f.matches(r, m, frame)) matched++;
      } else matched++;
    }
  }
  return { ms: performance.now() - t, matched };
}

const FILTERS: (string | undefined)[] = [
  undefined,
  "scmi.hdr.protocol_id == 0x14 && scmi.clock.status != 0",
  "vmsg.device_info.device_id == block",
  "vmsg.status.status.DRIVER_OK && frame.direction == request",
  'scmi.hdr.protocol_id in {CLOCK SENSOR} || viommu.attach.endpoint in {1..3} || msg.name contains "RATE"',
];

if (import.meta.main && Deno.args[1] === "--one") {
  // Child process: one configuration, best of 3 runs; prints JSON.
  const path = await generate(Number(Deno.args[0]));
  const f = FILTERS[Number(Deno.args[2])];
  let best: { ms: number; matched: number } | undefined;
  for (let i = 0; i < 3; i++) {
    const r = await run(path, f);
    if (!best || r.ms < best.ms) best = r;
  }
  // deno-lint-ignore no-console
  console.log(JSON.stringify(best));
} else if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 1_000_000);
  await generate(n);
  // Each configuration in its own process, so JIT and heap state of one do not bias the next.
  const best = new Map<string, { ms: number; matched: number }>();
  for (let i = 0; i < FILTERS.length; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        new URL(import.meta.url).pathname,
        String(n),
        "--one",
        String(i),
      ],
      stderr: "inherit",
    }).output();
    best.set(FILTERS[i] ?? "(no filter)", JSON.parse(new TextDecoder().decode(out.stdout)));
  }
  const base = best.get("(no filter)")!.ms;
  const lines = [`${n} records, each in its own process, best of 3 (read + decode, tree off):`];
  for (const [k, r] of best) {
    const pct = ((r.ms / base - 1) * 100).toFixed(1);
    lines.push(
      `  ${r.ms.toFixed(0).padStart(6)} ms  ${
        k === "(no filter)" ? "      " : `${Number(pct) >= 0 ? "+" : ""}${pct}%`.padStart(6)
      }  ${r.matched.toString().padStart(8)} matched  ${k}`,
    );
  }
  // deno-lint-ignore no-console
  console.log(lines.join("\n"));
}
