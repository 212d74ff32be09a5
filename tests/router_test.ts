/**
 * Byte streams through the router with real processes (a controller and an
 * exporter) on loopback, each side on the raw splice or on the
 * wire-compatible gRPC Stream: all four pairings carry the same bytes, hold
 * a writer back while its reader stalls, and end cleanly when a peer closes
 * mid-stream. The exporter's `network.TcpNetwork` driver reaches a TCP echo
 * server run by this test, as it would reach a board's port.
 */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { echoBack } from "./_fixtures/net.ts";
import { lease } from "../mod.ts";
import { eventually } from "../testing.ts";
import type { GrpcSession } from "../src/client/session.ts";
import type { Duplex } from "../src/driver/stream.ts";
import { readAll } from "../src/driver/read_all.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A TCP echo server: echoes each connection until its end of data. */
function echoServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    try {
      await echoBack(conn);
      await conn.closeWrite();
    } catch {
      // Closed by the test or by the exporter.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch { /* closed */ }
    }
  };
  void (async () => {
    for await (const conn of listener) void serve(conn);
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    conns,
    close() {
      listener.close();
      for (const conn of conns) conn.close();
    },
  };
}

function pattern(size: number, seed: number): Uint8Array {
  return new Uint8Array(size).map((_, i) => (i * 131 + seed) % 251);
}

async function writeInChunks(stream: Duplex, data: Uint8Array, close = true): Promise<void> {
  const writer = stream.writable.getWriter();
  for (let i = 0; i < data.byteLength; i += 100_000) {
    await writer.write(data.subarray(i, i + 100_000));
  }
  if (close) await writer.close();
  else writer.releaseLock();
}

/**
 * Bytes a stalled raw path can hold: six TCP hops (client, router, exporter
 * and the echo target, both ways), each with a send buffer and a receive
 * buffer that the kernel may grow to its maximum (this machine's
 * `tcp_rmem` maximum is 32 MB), plus room for the processes' own buffers.
 */
function stallBytes(): number {
  const max = (file: string, fallback: number) => {
    try {
      return Number(Deno.readTextFileSync(file).trim().split(/\s+/).at(-1)) || fallback;
    } catch {
      return fallback;
    }
  };
  const perHop = max("/proc/sys/net/ipv4/tcp_rmem", 6 << 20) +
    max("/proc/sys/net/ipv4/tcp_wmem", 4 << 20);
  return Math.max(96 << 20, 6 * perHop + (32 << 20));
}

for (
  const [clientRaw, exporterRaw] of [[true, true], [true, false], [false, true], [false, false]]
) {
  const name = `client ${clientRaw ? "raw" : "gRPC"}, exporter ${exporterRaw ? "raw" : "gRPC"}`;
  Deno.test({
    name:
      `router (${name}): bytes arrive intact, a stalled reader holds the writer back, a peer closing mid-stream ends the stream`,
    ...opts,
    async fn() {
      const echo = echoServer();
      await using lab = await Lab.start();
      try {
        const alice = await lab.client("alice");
        const exportFrom = `${lab.dir}/echo-export.yaml`;
        await Deno.writeTextFile(
          exportFrom,
          `apiVersion: jumpstarter.dev/v1alpha1\nkind: ExporterConfig\nmetadata: {namespace: default, name: echo}\nexport:\n  echo: {type: network.TcpNetwork, config: {host: 127.0.0.1, port: ${echo.port}}}\n`,
        );
        await lab.exporter(
          "echo-1",
          ["kind=echo"],
          exportFrom,
          "",
          exporterRaw ? {} : { JMP_ROUTER_SPLICE: "off" },
        );
        await using dut = await lease({
          clientConfig: alice,
          selector: "kind=echo",
          duration: "5m",
          routerSplice: clientRaw,
        });
        // The fast channel needs raw splices end to end; otherwise gRPC, without a word.
        assert.deepEqual(
          (dut.session as GrpcSession).path,
          clientRaw && exporterRaw ? "fast" : "grpc",
        );

        // Intact, both ways at once.
        {
          const stream = await dut.echo.stream("connect");
          const sent = pattern(8 * 1024 * 1024, 1);
          const back = readAll(stream.readable);
          await writeInChunks(stream, sent);
          const received = await back;
          assert.deepEqual(received.byteLength, sent.byteLength);
          assert.ok(received.every((byte, i) => byte === sent[i]), "bytes changed on the way");
        }

        // A stalled reader: the writer is held back (bounded buffering), then nothing is lost.
        {
          const stream = await dut.echo.stream("connect");
          // More than every socket buffer on the way can hold, or the writer never stalls.
          const sent = pattern(clientRaw && exporterRaw ? stallBytes() : 96 * 1024 * 1024, 7);
          const writer = stream.writable.getWriter();
          let accepted = 0;
          const writing = (async () => {
            for (let i = 0; i < sent.byteLength; i += 256 * 1024) {
              await writer.write(sent.subarray(i, i + 256 * 1024));
              accepted = i + 256 * 1024;
            }
            await writer.close();
          })();
          // Let the pipeline fill while nobody reads.
          let last = -1;
          while (last !== accepted) {
            last = accepted;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
          assert.ok(
            accepted < sent.byteLength,
            `all ${accepted} bytes accepted with nobody reading`,
          );
          const received = await readAll(stream.readable);
          await writing;
          assert.deepEqual(received.byteLength, sent.byteLength);
          assert.ok(received.every((byte, i) => byte === sent[i]), "bytes changed after the stall");
        }

        // The board's side closes mid-stream: the client's stream ends, the next one works.
        {
          const stream = await dut.echo.stream("connect");
          await writeInChunks(stream, pattern(1000, 3), false);
          const reader = stream.readable.getReader();
          assert.equal((await reader.read()).value?.byteLength !== undefined, true);
          await eventually(() => echo.conns.size === 1, {
            timeout: 15_000,
            interval: 50,
            message: "the echo server to hold the connection",
          });
          for (const conn of echo.conns) conn.close();
          const ended = await Promise.race([
            (async () => {
              while (true) {
                const { done } = await reader.read();
                if (done) return "ended";
              }
            })().catch(() => "failed"),
            new Promise((resolve) => setTimeout(() => resolve("hung"), 10_000)),
          ]);
          assert.ok(ended === "ended" || ended === "failed", `after the board closed: ${ended}`);
          await stream.writable.abort().catch(() => {});
        }

        // The client gives a stream up mid-way: the exporter closes its connection to the board.
        {
          const stream = await dut.echo.stream("connect");
          await writeInChunks(stream, pattern(1000, 4), false);
          await eventually(() => echo.conns.size === 1, {
            timeout: 15_000,
            interval: 50,
            message: "the echo server to hold the connection",
          });
          await stream.readable.cancel();
          await stream.writable.abort().catch(() => {});
          await eventually(() => echo.conns.size === 0, {
            timeout: 15_000,
            interval: 50,
            message: "the exporter to close the board's connection",
          });
          const again = await dut.echo.stream("connect");
          const back = readAll(again.readable);
          await writeInChunks(again, pattern(5000, 5));
          assert.equal((await back).byteLength, 5000);
        }
      } finally {
        echo.close();
      }
    },
  });
}
