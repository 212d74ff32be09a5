/**
 * The fast local channel end to end: negotiated when our exporter offers
 * it, gRPC otherwise; the same behaviour and the same errors on both paths;
 * backpressure with slow readers and writers; peers leaving mid-stream.
 */
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { testRegistry } from "./_fixtures/test_drivers.ts";
import { gzippedHello, hashedSource } from "./_fixtures/uploads.ts";
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { type LocalExporter, serveLocal } from "../src/exporter/local.ts";
import { connect, type Connected } from "../mod.ts";
import { eventually } from "../testing.ts";
import { GrpcSession } from "../src/client/session.ts";
import type { DriverClient } from "../src/client/driver_client.ts";
import { Driver } from "../src/driver/driver.ts";
import { byteStream, streaming, unary } from "../src/driver/exports.ts";
import { type Duplex, duplexPair } from "../src/driver/stream.ts";
import { messageChunks } from "../src/driver/message_chunks.ts";
import { readAll } from "../src/driver/read_all.ts";
import { DriverError } from "../src/driver/driver_error.ts";
import { NotImplementedError, UnavailableError } from "../src/driver/errors.ts";
import type { Registry } from "../src/driver/registry.ts";
import { CALL, FAST_PATH_LABEL, siblingPath, WINDOW } from "../src/transport/fast/protocol.ts";
import { encodeMessage, readMessage } from "../src/transport/fast/opening.ts";
import { textFrame } from "../src/transport/fast/call_frames.ts";
import { spliceConns } from "../src/transport/splice_conns.ts";

/** What the probe driver saw, for assertions. */
const seen = {
  produced: 0,
  accepted: 0,
  ticks: 0,
  ticksEnded: false,
  hold: [] as string[],
  absorbed: undefined as undefined | { size: number } | { error: string },
};
function resetSeen() {
  Object.assign(seen, {
    produced: 0,
    accepted: 0,
    ticks: 0,
    ticksEnded: false,
    hold: [],
    absorbed: undefined,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A driver whose byte streams, streaming calls and resources record what happens to them. */
class ProbeDriver extends Driver {
  static override client = "test.ProbeClient";

  @byteStream({ description: "Endless 64 KiB chunks, produced only when pulled" })
  source(): Duplex {
    const chunk = new Uint8Array(64 * 1024).fill(1);
    return {
      readable: new ReadableStream<Uint8Array>({
        pull(controller) {
          seen.produced += chunk.byteLength;
          controller.enqueue(chunk.slice());
        },
      }),
      writable: new WritableStream(),
    };
  }

  @byteStream({ description: "Accepts one chunk per 20 ms" })
  slowSink(): Duplex {
    const [near, far] = duplexPair(1);
    far.readable.pipeTo(
      new WritableStream({
        async write(chunk) {
          await sleep(20);
          seen.accepted += chunk.byteLength;
        },
      }),
    ).catch(() => {});
    return near;
  }

  @byteStream({ description: "Records how each side of the stream ends" })
  hold(): Duplex {
    return {
      readable: new ReadableStream<Uint8Array>({
        cancel: () => void seen.hold.push("readable cancelled"),
      }),
      writable: new WritableStream<Uint8Array>({
        close: () => void seen.hold.push("writable closed"),
        abort: () => void seen.hold.push("writable aborted"),
      }),
    };
  }

  @byteStream({ description: "Echoes datagrams, each chunk whole" })
  datagrams(): Duplex {
    const [near, far] = duplexPair();
    far.readable.pipeTo(far.writable).catch(() => {});
    return messageChunks(near);
  }

  @streaming({ description: "Counts forever" })
  async *ticks(): AsyncGenerator<number> {
    try {
      while (true) {
        seen.ticks++;
        yield seen.ticks;
      }
    } finally {
      seen.ticksEnded = true;
    }
  }

  @streaming({ description: "Yields once, then fails" })
  async *failing(): AsyncGenerator<number> {
    yield 1;
    await sleep(1);
    throw new NotImplementedError("failing() stops here");
  }

  @unary({ description: "A result that cannot be sent" })
  badResult(): number {
    return NaN;
  }

  @unary({ description: "Reads a resource to its end; records how it ended" })
  async absorb(handle: unknown): Promise<number> {
    let size = 0;
    try {
      for await (const chunk of this.context.openResource(handle)) size += chunk.byteLength;
    } catch (error) {
      seen.absorbed = { error: (error as Error).message };
      throw error;
    }
    seen.absorbed = { size };
    return size;
  }

  @unary({
    description: "Writes `size` bytes to a resource the client downloads",
    params: [
      "object",
      "number",
    ],
  })
  async emit(handle: unknown, size: number): Promise<number> {
    const writer = this.context.resourceWriter!(handle).getWriter();
    for (let sent = 0; sent < size;) {
      const n = Math.min(100_000, size - sent);
      await writer.write(new Uint8Array(n).map((_, i) => (sent + i) % 251));
      sent += n;
    }
    await writer.close();
    return size;
  }
}

const registry = {
  driver: (type: string, path: string) =>
    type === "test.Probe" ? ProbeDriver : testRegistry.driver(type, path),
  client: (label: string | undefined) => testRegistry.client(label),
  types: () => [...testRegistry.types(), "test.Probe"],
  load: (uses: { type: string; path: string }[]) =>
    testRegistry.load(uses.filter(({ type }) => type !== "test.Probe")),
  loadClients: (labels: (string | undefined)[]) => testRegistry.loadClients(labels),
} as unknown as Registry;

const CONFIG = `
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {namespace: lab, name: fast}
export:
  echo: {type: test.Echo}
  probe: {type: test.Probe}
`;

async function serve(options: { fastPath?: boolean } = {}): Promise<LocalExporter> {
  resetSeen();
  return await serveLocal(parseExporterConfig(CONFIG, Deno.cwd()), registry, options);
}

const probeOf = (root: Connected) => root.child<DriverClient>("probe");

type Path = "fast" | "grpc";
const PATHS: Path[] = ["fast", "grpc"];

async function client(local: LocalExporter, path: Path): Promise<Connected> {
  const root = await connect(local.host, { fastPath: path === "fast" });
  assert.deepEqual((root.session as GrpcSession).path, path);
  return root;
}

// Negotiation and fallback.

Deno.test("connect() takes the fast channel the exporter offers, and the report advertises it", async () => {
  await using local = await serve();
  assert.deepEqual((await Deno.stat(siblingPath(local.socketPath))).mode! & 0o777, 0o600);
  // An upstream-style client sees the offer as one more label on GetReport.
  const grpc = await GrpcSession.attach(
    GrpcSession.forAddress({ kind: "unix", path: local.socketPath }),
    local.host,
  );
  assert.equal(grpc.report.labels[FAST_PATH_LABEL], "sibling");
  await grpc.session.close();

  await using root = await connect(local.host);
  assert.equal((root.session as GrpcSession).path, "fast");
  assert.equal(root.exporter.labels[FAST_PATH_LABEL], "sibling");
  assert.equal(await root.echo.call("add", 2, 3), 5);
  const stream = await root.echo.stream();
  await stream.writable.close();
  await readAll(stream.readable);
  assert.equal(local.fast!.stats.sessions, 1);
  assert.equal(local.fast!.stats.calls, 1);
  assert.equal(local.fast!.stats.streams, 1);
});

Deno.test("connect() uses gRPC when the exporter does not offer the fast channel", async () => {
  await using local = await serve({ fastPath: false });
  assert.equal(local.fast, undefined);
  await assert.rejects(() => Deno.lstat(siblingPath(local.socketPath)), Deno.errors.NotFound);
  await using root = await connect(local.host);
  assert.equal((root.session as GrpcSession).path, "grpc");
  assert.equal(root.exporter.labels[FAST_PATH_LABEL], undefined);
  assert.equal(await root.echo.call("add", 2, 3), 5);
});

Deno.test("connect() falls back to gRPC when the offered sibling is gone", async () => {
  await using local = await serve();
  await local.fast!.close();
  await using root = await connect(local.host);
  assert.equal((root.session as GrpcSession).path, "grpc");
  assert.equal(root.exporter.labels[FAST_PATH_LABEL], "sibling");
  assert.equal(await root.echo.call("add", 2, 3), 5);
});

Deno.test("connect() falls back to gRPC when the sibling refuses, hangs up or speaks nonsense", async () => {
  await using local = await serve();
  const path = siblingPath(local.socketPath);
  await local.fast!.close();
  const behaviours: ((conn: Deno.Conn) => Promise<void>)[] = [
    async (conn) => {
      await readMessage(conn);
      await conn.write(encodeMessage({ ok: false, code: "unimplemented", message: "no" }));
    },
    async () => {},
    async (conn) => {
      await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    },
    async (conn) => {
      // Answers, but without a report offering the channel.
      await readMessage(conn);
      await conn.write(encodeMessage({ ok: true, session: "s", report: { labels: {} } }));
    },
  ];
  for (const behave of behaviours) {
    const listener = Deno.listen({ transport: "unix", path });
    const serving = (async () => {
      for await (const conn of listener) {
        await behave(conn).catch(() => {});
        conn.close();
      }
    })();
    {
      await using root = await connect(local.host);
      assert.equal((root.session as GrpcSession).path, "grpc");
      assert.equal(await root.echo.call("add", 1, 1), 2);
    }
    listener.close();
    await serving;
    await Deno.remove(path).catch(() => {});
  }
});

Deno.test("connect() refuses another exporter's fast channel in place of the sibling", async () => {
  await using a = await serve();
  await using b = await serve();
  // A's sibling now leads to B's channel: neither the socket nor the exporter match.
  await a.fast!.close();
  await Deno.symlink(siblingPath(b.socketPath), siblingPath(a.socketPath));
  await using root = await connect(a.host);
  assert.equal((root.session as GrpcSession).path, "grpc");
  assert.deepEqual(root.exporter.uuid, a.exporter.uuid);
  assert.equal(await root.echo.call("add", 1, 2), 3);
  assert.equal(b.fast!.stats.calls, 0);
});

/** Forwards every connection to `from` on to `to` (as a lease tunnel does). */
function forward(from: string, to: string) {
  const listener = Deno.listen({ transport: "unix", path: from });
  const conns = new Set<Deno.Conn>();
  const piping = new Set<Promise<unknown>>();
  const accepting = (async () => {
    for await (const a of listener) {
      const b = await Deno.connect({ transport: "unix", path: to });
      conns.add(a).add(b);
      // Both directions, half-closes carried, as a lease tunnel does.
      const both = spliceConns(a, b);
      piping.add(both);
    }
  })();
  return async () => {
    listener.close();
    await accepting;
    for (const conn of conns) {
      try {
        conn.close();
      } catch { /* closed */ }
    }
    await Promise.allSettled([...piping]);
  };
}

Deno.test("connect() keeps a tunnelled fast channel when gRPC reports the same exporter", async () => {
  await using local = await serve();
  const dir = await Deno.makeTempDir();
  const tunnel = `${dir}/tunnel.sock`;
  const stops = [
    forward(tunnel, local.socketPath),
    forward(siblingPath(tunnel), siblingPath(local.socketPath)),
  ];
  try {
    await using root = await connect(`unix://${tunnel}`);
    assert.equal((root.session as GrpcSession).path, "fast");
    assert.equal(await root.echo.call("add", 2, 2), 4);
    // One hello through the tunnel, not a second one after GetReport.
    assert.equal(local.fast!.stats.sessions, 1);
  } finally {
    for (const stop of stops) await stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a fast channel cut under the client (a router replica died) opens again at the next call", async () => {
  await using local = await serve();
  const dir = await Deno.makeTempDir();
  const tunnel = `${dir}/tunnel.sock`;
  const carry = () => [
    forward(tunnel, local.socketPath),
    forward(siblingPath(tunnel), siblingPath(local.socketPath)),
  ];
  let stops = carry();
  try {
    await using root = await connect(`unix://${tunnel}`);
    assert.equal((root.session as GrpcSession).path, "fast");
    assert.equal(await root.echo.call("add", 1, 1), 2);
    // Every carried connection dies; the next call fails, as gRPC's would.
    for (const stop of stops) await stop();
    const failure = await eventually(
      () => root.echo.call("add", 1, 2).then(() => false, (error: unknown) => error),
      { timeout: 3000, interval: 10, message: "a call to fail" },
    );
    assert.ok(failure instanceof DriverError, `a call with nothing carrying it: ${failure}`);
    // Carried again (another replica): calls and streams work, on a new fast session.
    stops = carry();
    assert.equal(await root.echo.call("add", 2, 2), 4);
    assert.equal((root.session as GrpcSession).path, "fast");
    assert.equal(local.fast!.stats.sessions, 2);
    const stream = await root.echo.stream("sink");
    const answer = readAll(stream.readable);
    const writer = stream.writable.getWriter();
    await writer.write(new Uint8Array(1000));
    await writer.close();
    assert.equal(new TextDecoder().decode(await answer), "1000");
  } finally {
    for (const stop of stops) await stop();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fastPath: false and JMP_FAST_PATH=off keep a client on gRPC", async () => {
  await using local = await serve();
  {
    await using root = await connect(local.host, { fastPath: false });
    assert.equal((root.session as GrpcSession).path, "grpc");
  }
  Deno.env.set("JMP_FAST_PATH", "off");
  try {
    await using root = await connect(local.host);
    assert.equal((root.session as GrpcSession).path, "grpc");
  } finally {
    Deno.env.delete("JMP_FAST_PATH");
  }
  assert.equal(local.fast!.stats.sessions, 0);
});

// The same behaviour on both paths.

/** What an error looks like to a caller. */
async function failure(run: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await run();
  } catch (error) {
    const e = error as DriverError;
    return { class: e.constructor.name, name: e.name, code: e.code, message: e.message };
  }
  return { class: "none" };
}

async function drain(iterable: AsyncIterable<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

Deno.test("errors are the same domain errors, codes and messages on both paths", async () => {
  await using local = await serve();
  const results: Record<Path, Record<string, unknown>[]> = { fast: [], grpc: [] };
  for (const path of PATHS) {
    await using root = await client(local, path);
    const session = root.session;
    const unknown = "00000000-0000-0000-0000-000000000000";
    results[path] = [
      await failure(() => root.echo.call("nope")),
      await failure(() => root.echo.call("add", 1)),
      await failure(() => root.echo.call("add", 1, "x")),
      await failure(() => root.echo.call("unsupported")),
      await failure(() => root.echo.call("count", 2)),
      await failure(() => session.call(unknown, "add", [1, 2])),
      await failure(() => root.probe.call("badResult")),
      await failure(() => root.echo.call("add", 1, NaN)),
      await failure(() => drain(root.echo.streamingCall("add", 1, 2))),
      await failure(() => drain(root.probe.streamingCall("failing"))),
      await failure(() => root.echo.stream("nope")),
      await failure(() => session.openStream(unknown, "connect")),
      await failure(() => session.upload(unknown, new Blob(["x"]).stream())),
      await failure(() =>
        root.echo.upload(new Blob(["x"]).stream(), { encoding: "lz4" as "gzip" })
      ),
    ];
  }
  assert.deepEqual(results.fast, results.grpc);
  assert.equal(results.fast[0].class, "DriverNotFoundError");
  assert.equal(results.fast[2].code, "invalid_argument");
  assert.equal(results.fast[3].class, "NotImplementedError");
  assert.equal(results.fast[6].message, "Cannot encode result: NaN is not a finite number");
  assert.equal(results.fast[7].class, "TypeError");
});

for (const path of PATHS) {
  Deno.test(`calls, streaming calls and values (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    assert.equal(await root.echo.call("add", 2, 3), 5);
    const value = { a: [1, null, "é"], b: { c: true }, d: new Date(0), e: undefined };
    assert.deepEqual(await root.echo.call("identity", value), {
      a: [1, null, "é"],
      b: { c: true },
      d: "1970-01-01T00:00:00.000Z",
    });
    assert.deepEqual(await drain(root.echo.streamingCall("count", 5)), [1, 2, 3, 4, 5]);
    const concurrent = await Promise.all(
      Array.from({ length: 50 }, (_, i) => root.echo.call("add", i, 1)),
    );
    assert.deepEqual(concurrent, Array.from({ length: 50 }, (_, i) => i + 1));
    // Stopping early ends the driver's generator.
    for await (const n of probeOf(root).streamingCall<number>("ticks")) if (n >= 3) break;
    await eventually(() => seen.ticksEnded, {
      timeout: 3000,
      interval: 10,
      message: "the streaming call to end on the exporter",
    });
  });

  Deno.test(`byte streams carry data both ways, and datagram chunks stay whole (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    const stream = await root.echo.stream();
    const sent = new Uint8Array(3_000_000).map((_, i) => (i * 7) % 251);
    const back = readAll(stream.readable);
    const writer = stream.writable.getWriter();
    for (let i = 0; i < sent.byteLength; i += 100_000) {
      await writer.write(sent.subarray(i, i + 100_000));
    }
    await writer.close();
    assert.deepEqual(await back, sent);

    const datagrams = await root.probe.stream("datagrams");
    const reader = datagrams.readable.getReader();
    const dgWriter = datagrams.writable.getWriter();
    for (const size of [1, 1200, 9000, 0, 65507]) {
      const datagram = new Uint8Array(size).fill(size % 256);
      await dgWriter.write(datagram);
      if (size === 0) continue;
      const { value } = await reader.read();
      assert.deepEqual(value!.byteLength, size);
    }
    await reader.cancel();
    await dgWriter.close().catch(() => {});
  });

  Deno.test(`a driver that releases chunks gets every byte intact, its memory reused (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    const stream = await root.echo.stream("hashSink");
    const answer = readAll(stream.readable);
    const writer = stream.writable.getWriter();
    const expected = createHash("sha256");
    // 24 MiB of changing bytes in uneven writes: a buffer reused before the driver's
    // write settled (the driver delays some) would change what it hashed.
    let seed = 1;
    for (let sent = 0, i = 0; sent < 24 * 1024 * 1024; i++) {
      const chunk = new Uint8Array([1, 4096, 65536, 300_000, 1_000_000][i % 5]);
      for (let j = 0; j < chunk.byteLength; j += 4096) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        chunk.fill(seed & 0xff, j, j + 4096);
      }
      expected.update(chunk);
      await writer.write(chunk);
      sent += chunk.byteLength;
    }
    await writer.close();
    assert.deepEqual(new TextDecoder().decode(await answer), expected.digest("hex"));
  });

  Deno.test(`a 64 MiB upload arrives intact, with progress; a download too (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    const size = 64 * 1024 * 1024;
    const { source, sha256 } = hashedSource(size);
    let progress = 0;
    const upload = await root.echo.upload(source, {
      size,
      onProgress: (n: number) => progress = n,
    });
    const [result, sent] = await Promise.all([
      root.echo.call("digest", upload.handle),
      upload.done,
    ]);
    assert.deepEqual(result, { size, sha256: sha256() });
    assert.deepEqual(sent, size);
    assert.deepEqual(progress, size);

    const { gz, expected } = gzippedHello();
    const zipped = await root.echo.upload(gz, { encoding: "gzip" });
    const [unzipped] = await Promise.all([root.echo.call("digest", zipped.handle), zipped.done]);
    assert.deepEqual(unzipped, expected);

    const download = await root.probe.download();
    const [emitted, bytes] = await Promise.all([
      root.probe.call("emit", download.handle, 1_000_000),
      readAll(download.readable),
    ]);
    assert.equal(emitted, 1_000_000);
    assert.deepEqual(bytes, new Uint8Array(1_000_000).map((_, i) => i % 251));
  });

  // Backpressure.

  Deno.test(`a slow reader holds the driver back instead of buffering without bound (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    const stream = await root.probe.stream("source");
    const reader = stream.readable.getReader();
    await reader.read();
    await sleep(300);
    const stalled = seen.produced;
    await sleep(300);
    assert.deepEqual(seen.produced, stalled, "the driver kept producing for a reader that stopped");
    // The fast channel holds about a socket buffer and a queue of 1 MiB a side;
    // gRPC's HTTP/2 windows let far more through (about 80 MB measured here).
    if (path === "fast") {
      assert.ok(stalled < 8 * 1024 * 1024, `${stalled} bytes ahead of the reader`);
    }
    // And it flows again when the reader does.
    let read = 0;
    while (read < 2 * stalled) read += (await reader.read()).value!.byteLength;
    await reader.cancel();
    await stream.writable.close().catch(() => {});
  });

  Deno.test(`a slow driver holds the writer back (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    const stream = await root.probe.stream("slowSink");
    const writer = stream.writable.getWriter();
    const chunk = new Uint8Array(64 * 1024);
    let written = 0;
    // The driver takes 3.2 MB/s; without backpressure this loop would write gigabytes.
    for (const deadline = Date.now() + 1000; Date.now() < deadline;) {
      await writer.write(chunk);
      written += chunk.byteLength;
    }
    const ahead = written - seen.accepted;
    assert.ok(ahead < 8 * 1024 * 1024, `${ahead} bytes accepted ahead of a slow driver`);
    await writer.abort().catch(() => {});
    await stream.readable.cancel().catch(() => {});
  });

  Deno.test(`a slow consumer holds a streaming call back (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    const ticks = probeOf(root).streamingCall<number>("ticks")[Symbol.asyncIterator]();
    assert.equal((await ticks.next()).value, 1);
    await sleep(300);
    const stalled = seen.ticks;
    await sleep(300);
    assert.deepEqual(seen.ticks, stalled, "the driver kept producing for a consumer that stopped");
    if (path === "fast") assert.ok(stalled <= WINDOW + 2, `${stalled} items ahead of the consumer`);
    for (let i = 0; i < 2 * stalled; i++) await ticks.next();
    await ticks.return!();
    await eventually(() => seen.ticksEnded, {
      timeout: 3000,
      interval: 10,
      message: "the streaming call to end on the exporter",
    });
  });

  // Peers leaving mid-stream.

  Deno.test(`a client closing mid-stream ends the driver's streams and calls (${path})`, async () => {
    await using local = await serve();
    {
      const root = await client(local, path);
      const held = await root.probe.stream("hold");
      await held.writable.getWriter().write(new Uint8Array([1, 2, 3]));
      const ticks = root.probe.streamingCall("ticks")[Symbol.asyncIterator]();
      await ticks.next();
      await root.close();
      await ticks.next().catch(() => {});
    }
    await eventually(() => seen.ticksEnded, {
      timeout: 3000,
      interval: 10,
      message: "the streaming call to end",
    });
    await eventually(
      () =>
        seen.hold.includes("readable cancelled") && seen.hold.some((s) => s.startsWith("writable")),
      { timeout: 3000, interval: 10, message: "both sides of the driver's stream to end" },
    );
    await using again = await client(local, path);
    assert.equal(await again.echo.call("add", 40, 2), 42);
  });

  Deno.test(`an exporter closing mid-stream ends the client's stream cleanly (${path})`, async () => {
    const local = await serve();
    await using root = await client(local, path);
    const stream = await root.echo.stream();
    const reader = stream.readable.getReader();
    const writer = stream.writable.getWriter();
    await writer.write(new Uint8Array([1]));
    await reader.read();
    const reading = reader.read().then(
      (result: ReadableStreamReadResult<Uint8Array>) => result.done ? "ended" : "data",
      (error: unknown) =>
        error instanceof UnavailableError || error instanceof DriverError ? "error" : error,
    );
    await local.close();
    const outcome = await Promise.race([reading, sleep(3000).then(() => "hung")]);
    assert.ok(
      outcome === "ended" || outcome === "error",
      `read after the exporter left: ${outcome}`,
    );
    let failed = false;
    for (let i = 0; i < 50 && !failed; i++) {
      await writer.write(new Uint8Array(64 * 1024)).catch(() => failed = true);
    }
    assert.ok(failed, "writes kept succeeding after the exporter left");
    await assert.rejects(() => root.echo.call("add", 1, 2), DriverError);
  });

  Deno.test(`an exporter closing ends a stream whose driver never sends (${path})`, async () => {
    const local = await serve();
    await using root = await client(local, path);
    const held = await root.probe.stream("hold");
    const reader = held.readable.getReader();
    const reading = reader.read().catch(() => undefined);
    const closed = local.close().then(() => "closed");
    assert.equal(await Promise.race([closed, sleep(5000).then(() => "hung")]), "closed");
    assert.ok(seen.hold.includes("readable cancelled"), `the driver saw: ${seen.hold.join(", ")}`);
    await reading;
  });

  Deno.test(`an upload whose source fails mid-way fails the driver's read too (${path})`, async () => {
    await using local = await serve();
    await using root = await client(local, path);
    let sent = 0;
    const source = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent >= 4 * 1024 * 1024) {
          await sleep(50);
          controller.error(new Error("disk read failed"));
          return;
        }
        sent += 256 * 1024;
        controller.enqueue(new Uint8Array(256 * 1024));
      },
    });
    const upload = await root.probe.upload(source);
    const [call, done] = await Promise.allSettled([
      root.probe.call("absorb", upload.handle),
      upload.done,
    ]);
    assert.equal(call.status, "rejected");
    assert.equal(done.status, "rejected");
    assert.ok(seen.absorbed && "error" in seen.absorbed, "the driver saw a clean end of data");
  });
}

Deno.test("a client that dies mid-upload never passes for a complete upload (fast)", async () => {
  await using local = await serve();
  await using root = await client(local, "fast");
  const path = siblingPath(local.socketPath);
  // The dying client, spoken by hand: its session, a resource, a call, half the data.
  const calls = await Deno.connect({ transport: "unix", path });
  await calls.write(encodeMessage({ v: 1, kind: "calls" }));
  const { session } = await readMessage(calls) as { session: string };
  const data = await Deno.connect({ transport: "unix", path });
  await data.write(encodeMessage({
    v: 1,
    kind: "resource",
    uuid: root.probe.uuid,
    x_jmp_content_encoding: null,
    session,
  }));
  const { resource } = await readMessage(data) as { resource: unknown };
  await calls.write(
    textFrame(1, CALL, JSON.stringify([root.probe.uuid, "absorb", [resource]])),
  );
  await data.write(new Uint8Array(1024 * 1024));
  // Dies: every socket closes, which reads as an end of data, without DONE.
  data.close();
  calls.close();
  await eventually(() => seen.absorbed !== undefined, {
    timeout: 3000,
    interval: 10,
    message: "the driver to finish reading",
  });
  assert.ok("error" in seen.absorbed!, `the driver took a cut-off upload as complete`);
  // The exporter serves on.
  assert.equal(await root.echo.call("add", 1, 2), 3);
});
