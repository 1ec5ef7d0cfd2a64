/**
 * Throughput and memory of `vioscope capture` on a long QEMU log piped through standard input.
 *
 * Synthetic trace lines (the `TID@SEC.USEC:` form, with the mix of a virtio-iommu + virtio-blk
 * guest: MAP/UNMAP/UNMAP_done, status writes, notifies, and events kept as annotations) are
 * generated on the fly — nothing is stored — and written into the child's standard input until
 * SIZE bytes went through. The child's resident memory is sampled from /proc/<pid>/status (VmRSS)
 * every 200 ms; flat memory means the last samples are no larger than the early ones.
 *
 * Usage:
 *   npx -y deno@2.9.6 run -A bench/capture_throughput.ts [SIZE] [OUT]
 *   SIZE: bytes of trace, with k/M/G suffix (default 2G, or $BENCH_BYTES)
 *   OUT:  capture file to write (default /dev/null, or $BENCH_OUT)
 *
 * @module
 */

const MAIN = new URL("../cli/main.ts", import.meta.url).pathname;

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmMgG]?)$/.exec(s.trim());
  if (!m) throw new TypeError(`Cannot use size "${s}": expected a number with an optional k, M or G`);
  const mul = { "": 1, k: 1e3, m: 1 << 20, g: 1 << 30 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * mul);
}

/** One block of realistic lines; timestamps advance per block so the stream stays monotonic. */
function block(base: number, lines: string[]): void {
  lines.length = 0;
  const vdevBlk = "0x55f3f7a9cb70";
  const vdevIommu = "0x55f3f79c5000";
  for (let i = 0; i < 2000; i++) {
    const t = base + i * 7;
    const ts = `5475@${1795237400 + Math.floor(t / 1e6)}.${String(t % 1e6).padStart(6, "0")}:`;
    const iova = (0xfff00000 + (i % 256) * 0x1000).toString(16);
    switch (i % 10) {
      case 0:
        lines.push(`${ts}virtio_queue_notify vdev ${vdevBlk} n 0 vq 0x55f3f7aa7c80`);
        break;
      case 1:
        lines.push(
          `${ts}virtio_iommu_map domain=0 virt_start=0x${iova} virt_end=0x${
            iova.slice(0, -3)
          }fff phys_start=0x26ca000 flags=3`,
        );
        break;
      case 2:
        lines.push(
          `${ts}virtio_iommu_translate mr=virtio-iommu-memory-region-4-32 rid=32 addr=0x${iova} flag=1`,
        );
        break;
      case 3:
        lines.push(`${ts}virtio_iommu_translate_out 0x${iova} -> 0x26ca000 for sid=32`);
        break;
      case 4:
        lines.push(`${ts}virtio_blk_handle_read vdev ${vdevBlk} req 0x55f3f7f6e2c0 sector ${i} nsectors 8`);
        break;
      case 5:
        lines.push(`${ts}virtio_notify_irqfd vdev ${vdevBlk} vq 0x55f3f7aa7c80`);
        break;
      case 6:
        lines.push(
          `${ts}virtio_iommu_unmap domain=0 virt_start=0x${iova} virt_end=0x${iova.slice(0, -3)}fff`,
        );
        break;
      case 7:
        lines.push(
          `${ts}virtio_iommu_unmap_done domain=0 virt_start=0x${iova} virt_end=0x${iova.slice(0, -3)}fff`,
        );
        break;
      case 8:
        lines.push(`${ts}virtio_set_status vdev ${vdevIommu} val 15`);
        break;
      default:
        lines.push(`${ts}virtio_pci_notify_write 0x0 = 0x0 (2)`);
    }
  }
}

async function main(): Promise<void> {
  const size = parseSize(Deno.args[0] ?? Deno.env.get("BENCH_BYTES") ?? "2G");
  const out = Deno.args[1] ?? Deno.env.get("BENCH_OUT") ?? "/dev/null";
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-write", "--allow-env", MAIN, "capture", "-", "-w", out],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const rss: number[] = [];
  const sample = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`));
      if (m) rss.push(Number(m[1]) / 1024);
    } catch {
      // The child has exited.
    }
  }, 200);
  const enc = new TextEncoder();
  const w = child.stdin.getWriter();
  const t0 = performance.now();
  let bytes = 0;
  let lines = 0;
  let base = 0;
  const buf: string[] = [];
  while (bytes < size) {
    block(base, buf);
    base += 2000 * 7;
    const chunk = enc.encode(buf.join("\n") + "\n");
    await w.write(chunk);
    bytes += chunk.length;
    lines += buf.length;
  }
  await w.close();
  const [status, err] = await Promise.all([child.status, new Response(child.stderr).text()]);
  const secs = (performance.now() - t0) / 1000;
  clearInterval(sample);
  const early = rss.slice(Math.min(5, rss.length - 1), Math.min(15, rss.length));
  const late = rss.slice(-10);
  const max = (a: number[]) => a.length ? Math.max(...a).toFixed(1) : "-";
  const result = {
    exit: status.code,
    bytes,
    lines,
    seconds: Number(secs.toFixed(2)),
    linesPerSecond: Math.round(lines / secs),
    megabytesPerSecond: Number((bytes / (1 << 20) / secs).toFixed(1)),
    rssMiB: { samples: rss.length, earlyMax: max(early), lateMax: max(late), max: max(rss) },
    stderr: err.trim().slice(0, 300),
  };
  // deno-lint-ignore no-console
  console.log(JSON.stringify(result, null, 2));
  if (status.code !== 0) Deno.exit(1);
}

if (import.meta.main) await main();
