/**
 * Diff benchmark: two 1,000,000-message virtio-msg traces (pcapng, in bench/out/, generated on the
 * first run) that differ by 1% (inserted, deleted and changed messages), diffed by the CLI in a
 * child process; prints wall time, peak RSS and the `--stat` totals. Target: < 10 s, < 1 GB.
 *
 *   npx -y deno@2.9.6 run --allow-read --allow-write --allow-run --allow-env bench/diff_bench.ts [N]
 *
 * @module
 */
import { defaultRegistry } from "../lib/codec/mod.ts";
import { createCaptureWriter } from "../lib/pcap/mod.ts";
import { type CaptureRecord, makeRecord, type MessageKind } from "../lib/record.ts";

const N = Number(Deno.args[0] ?? 1_000_000);
const OUT = new URL("out/", import.meta.url);
const registry = defaultRegistry();
const vmsg = registry.get("virtio-msg")!;

/** A message template; tokens are patched into bytes 4-5 (RFC3 header). */
interface Template {
  data: Uint8Array;
  kind: MessageKind;
  sender: "driver" | "device";
  token: boolean;
}

function template(name: string, kind: MessageKind, fields: Record<string, unknown>): Template {
  return {
    data: vmsg.encodeMessage({ name, kind, fields: { dev_num: 1, ...fields } }, { registry }),
    kind,
    sender: kind === "request" || name === "EVENT_AVAIL" ? "driver" : "device",
    token: kind !== "event",
  };
}

/** One I/O round of a block device: notify, used, then a config read pair and a status pair. */
function cycle(i: number): Template[] {
  return [
    template("EVENT_AVAIL", "event", { vq_index: 0, next_offset_wrap: i & 0xffff }),
    template("EVENT_USED", "event", { vq_index: 0 }),
    template("GET_CONFIG", "request", { offset: (i % 4) * 4, length: 4 }),
    template("GET_CONFIG", "response", { generation: 0, offset: (i % 4) * 4, data: "00100000" }),
    template("GET_DEVICE_STATUS", "request", {}),
    template("GET_DEVICE_STATUS", "response", { status: 0x0f }),
  ];
}

// Templates for 64 variants of the cycle (the event next-offset and config offset vary).
const CYCLES = Array.from({ length: 64 }, (_, i) => cycle(i));
const INSERTED = template("PING", "request", { dev_num: 0, data: 0xdeadbeef });

async function generate(
  path: URL,
  edited: boolean,
): Promise<{ inserted: number; deleted: number; changed: number }> {
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const w = createCaptureWriter(file.writable, { format: "pcapng" });
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const counts = { inserted: 0, deleted: 0, changed: 0 };
  let t = 1_700_000_000_000_000_000n, token = 0, source = 0;
  const emit = async (tpl: Template, tok: number) => {
    const data = tpl.data.slice();
    if (tpl.token) new DataView(data.buffer).setUint16(4, tok, true);
    t += 10_000n;
    const r: CaptureRecord = makeRecord(data, {
      timestampNs: t,
      protocol: "virtio-msg",
      kind: tpl.kind,
      sender: tpl.sender,
      channel: { device: 1 },
    });
    await w.write(r);
  };
  for (let i = 0; source < N; i++) {
    for (const tpl of CYCLES[i % 64]!) {
      if (source++ >= N) break;
      if (tpl.kind !== "response") token = (token + 1) & 0xffff;
      // 1% edits: a third each inserted, deleted, changed (decided per message, same seed both runs).
      const roll = rand();
      if (edited && roll < 0.0033) {
        counts.inserted++;
        await emit(INSERTED, 0);
      } else if (edited && roll < 0.0066) {
        counts.deleted++;
        continue;
      } else if (edited && roll < 0.01) {
        counts.changed++;
        await emit({ ...tpl, data: patch(tpl) }, token);
        continue;
      }
      await emit(tpl, token);
    }
  }
  await w.close();
  return counts;
}

/** A changed copy: same message, one field value different. */
function patch(tpl: Template): Uint8Array {
  const d = tpl.data.slice();
  if (d.length > 8) d[d.length - 1]! ^= 0x01; // last body byte (data, length, vq_index, offset)
  else d[2]! ^= 0x01; // no body: dev_num
  return d;
}

await Deno.mkdir(OUT, { recursive: true });
const a = new URL(`diff_a_${N}.pcapng`, OUT), b = new URL(`diff_b_${N}.pcapng`, OUT);
let made: { inserted: number; deleted: number; changed: number } | undefined;
try {
  await Deno.stat(b);
  await Deno.stat(a);
} catch {
  const t0 = performance.now();
  await generate(a, false);
  made = await generate(b, true);
  // deno-lint-ignore no-console
  console.log(
    `generated ${a.pathname} and ${b.pathname} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  // deno-lint-ignore no-console
  console.log(`edits made: ${JSON.stringify(made)}`);
}

const main = new URL("../cli/main.ts", import.meta.url).pathname;
const t0 = performance.now();
const out = await new Deno.Command("/usr/bin/time", {
  args: [
    "-f",
    "%e s wall, %U s user + %S s sys CPU, %M KiB peak RSS",
    Deno.execPath(),
    "run",
    "--allow-read",
    "--allow-env",
    main,
    "diff",
    "--stat",
    a.pathname,
    b.pathname,
  ],
  stdout: "piped",
  stderr: "piped",
}).output();
const ms = performance.now() - t0;
const dec = new TextDecoder();
// deno-lint-ignore no-console
console.log(dec.decode(out.stdout).trimEnd());
// deno-lint-ignore no-console
console.log(`exit ${out.code}; ${dec.decode(out.stderr).trim()}; measured ${(ms / 1000).toFixed(2)} s`);
