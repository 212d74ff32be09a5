/**
 * An exporter's memory: its RSS with the virtual board idle, what each open
 * byte stream adds, and whether either grows over a soak (a bounded loop on
 * loopback: byte streams opened, pushed through and closed, driver calls,
 * power cycles), sampled from /proc of the exporter process.
 *
 *   deno run -A bench/memory_bench.ts [SOAK_SECONDS] [STREAMS]     (default 600 100)
 *
 * Prints one JSON line: `{idleRssMB, perStreamKB, streams, soakS, soakStartRssMB,
 * soakEndRssMB, soakPeakRssMB, heldAfterSoakRssMB, rounds, samplesMB}`.
 */
import { connect } from "../mod.ts";
import { startExporterProcess } from "./_exporter.ts";
import { drain } from "./_servers.ts";

const SOAK_S = Number(Deno.args[0] ?? 600);
const STREAMS = Number(Deno.args[1] ?? 100);
const MiB = 1024 * 1024;

const local = await startExporterProcess(
  `apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {namespace: bench, name: memory}
export:
  power: {type: virtual.Power}
  serial: {type: virtual.Console}
  storage: {type: virtual.Storage}
  echo: {type: test.Echo}
`,
);
const rssMB = async () =>
  Number((await Deno.readTextFile(`/proc/${local.pid}/status`)).match(/VmRSS:\s+(\d+)/)![1]) /
  1024;
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

const root = await connect(local.host);
// deno-lint-ignore no-explicit-any
const board = root as any;
try {
  await board.echo.call("add", 1, 2);
  await settle(3000);
  const idleRssMB = await rssMB();

  // Held streams: each open, one chunk through it, kept open.
  const held = [];
  const chunk = new Uint8Array(64 * 1024).fill(1);
  for (let i = 0; i < STREAMS; i++) {
    const stream = await board.echo.stream("connect");
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    await writer.write(chunk);
    let got = 0;
    while (got < chunk.byteLength) got += (await reader.read()).value!.byteLength;
    held.push({ writer, reader });
  }
  await settle(2000);
  const heldRssMB = await rssMB();
  for (const { writer, reader } of held) {
    await writer.close();
    while (!(await reader.read()).done) { /* drain */ }
  }

  // The soak: the same work over and over, RSS sampled as it goes.
  const samples: number[] = [];
  const started = performance.now();
  let rounds = 0;
  let nextSample = 0;
  while (performance.now() - started < SOAK_S * 1000) {
    const stream = await board.echo.stream("sink");
    const answer = drain(stream.readable);
    const writer = stream.writable.getWriter();
    for (let sent = 0; sent < MiB; sent += chunk.byteLength) await writer.write(chunk);
    await writer.close();
    await answer;
    for (let i = 0; i < 50; i++) await board.echo.call("add", i, 1);
    await board.power.call("on");
    await board.power.call("off");
    rounds++;
    if (performance.now() - started >= nextSample) {
      samples.push(await rssMB());
      nextSample += Math.max(1000, SOAK_S * 1000 / 60);
    }
  }
  await settle(3000);
  const result = {
    idleRssMB: Number(idleRssMB.toFixed(1)),
    perStreamKB: Math.round((heldRssMB - idleRssMB) * 1024 / STREAMS),
    streams: STREAMS,
    soakS: SOAK_S,
    // The first tenth of the soak warms caches and JIT; growth is measured after it.
    soakStartRssMB: Number(samples[Math.floor(samples.length / 10)].toFixed(1)),
    soakEndRssMB: Number((await rssMB()).toFixed(1)),
    soakPeakRssMB: Number(Math.max(...samples).toFixed(1)),
    heldAfterSoakRssMB: Number(heldRssMB.toFixed(1)),
    rounds,
    samplesMB: samples.map((mb) => Math.round(mb)),
  };
  console.log(JSON.stringify(result));
} finally {
  await root.close();
  await local.close();
}
