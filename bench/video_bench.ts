/**
 * Video snapshot latency on the QEMU board (examples/qemu-board.yaml, its
 * 720x400 VGA text screen after boot), beside its baseline from the same run
 * and the same VM:
 *
 * - `dut.video.snapshot()` through the local exporter (unix socket, fast
 *   channel; and over gRPC): QMP screendump to a PNG file, read, base64,
 *   the call, decoded on the client;
 * - the bound: the same QMP screendump and file read done in the exporter's
 *   own process, with no call around it.
 *
 * The exporter runs in this process (the bench reaches its QEMU machine for
 * the baseline). Prints one JSON line: p50/p99 in ms and the sample count.
 *
 *   deno run -A bench/video_bench.ts [SAMPLES]
 */
import { connect, loadExporterConfig, type QemuBoard, serveLocal } from "../mod.ts";
import type { Qemu } from "../drivers/qemu/qemu.ts";

const SAMPLES = Number(Deno.args[0] ?? 50);
const ROOT = new URL("..", import.meta.url).pathname;

await using exporter = await serveLocal(
  await loadExporterConfig(`${ROOT}examples/qemu-board.yaml`),
);
const board = exporter.exporter.tree.root.children.get("board") as Qemu;
await using dut = await connect<QemuBoard>(exporter.host);
await using grpcDut = await connect<QemuBoard>(exporter.host, { fastPath: false });
await using serial = await dut.serial.open({ timeout: 120_000 });
await dut.power.on();
await serial.expect("login:");

async function screendump(): Promise<Uint8Array> {
  const file = await Deno.makeTempFile({ suffix: ".png" });
  try {
    await board.machine.qmp("screendump", { filename: file, format: "png" }, "off");
    return await Deno.readFile(file);
  } finally {
    await Deno.remove(file);
  }
}

const kinds = {
  fast: () => dut.video.snapshot(),
  grpc: () => grpcDut.video.snapshot(),
  raw: screendump,
};
const times: Record<keyof typeof kinds, number[]> = { fast: [], grpc: [], raw: [] };
let frameBytes = 0;
for (let i = 0; i < SAMPLES + 5; i++) {
  for (
    const [kind, grab] of Object.entries(kinds) as [keyof typeof kinds, () => Promise<Uint8Array>][]
  ) {
    const started = performance.now();
    frameBytes = (await grab()).length;
    if (i >= 5) times[kind].push(performance.now() - started);
  }
}
await dut.power.off();

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

console.log(JSON.stringify({
  samples: SAMPLES,
  snapshotP50: percentile(times.fast, 0.5),
  snapshotP99: percentile(times.fast, 0.99),
  grpcSnapshotP50: percentile(times.grpc, 0.5),
  screendumpP50: percentile(times.raw, 0.5),
  pngBytes: frameBytes,
}));
