import dgram from "node:dgram";
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { echoBack } from "../../tests/_fixtures/net.ts";
import { eventually, localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { FailedPreconditionError, UnavailableError } from "../../src/driver/errors.ts";
import { readAll } from "../../src/driver/read_all.ts";
import type { CompositeClient } from "../../src/client/driver_client.ts";
import { testContext } from "../virtual/_test_context.ts";
import { NetworkClient } from "./client.ts";
import { TcpNetwork } from "./tcp_network.ts";
import { UdpNetwork } from "./udp_network.ts";
import { UnixNetwork } from "./unix_network.ts";

/** A TCP (or unix) echo server that counts its open connections. */
class EchoServer implements AsyncDisposable {
  readonly listener: Deno.Listener;
  open = 0;
  accepted = 0;
  readonly #handlers = new Set<Promise<void>>();
  readonly #conns = new Set<Deno.Conn>();
  readonly #loop: Promise<void>;

  constructor(options: Deno.ListenOptions | Deno.UnixListenOptions & { transport: "unix" }) {
    this.listener = Deno.listen(options as Deno.ListenOptions);
    this.#loop = this.#accept();
  }

  get port(): number {
    return (this.listener.addr as Deno.NetAddr).port;
  }

  async #accept() {
    for await (const conn of this.listener) {
      this.open++;
      this.accepted++;
      this.#conns.add(conn);
      const handler = (async () => {
        try {
          await echoBack(conn);
        } catch {
          // A reset by the forwarder: the connection is gone.
        } finally {
          this.open--;
          this.#conns.delete(conn);
          try {
            conn.close();
          } catch { /* closed already */ }
        }
      })();
      this.#handlers.add(handler);
      handler.finally(() => this.#handlers.delete(handler));
    }
  }

  async [Symbol.asyncDispose]() {
    this.listener.close();
    await this.#loop;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch { /* closed already */ }
    }
    await Promise.allSettled([...this.#handlers]);
  }
}

function device(exports: Record<string, unknown>) {
  return localDevice<CompositeClient>(exporterConfigFrom({ export: exports }, Deno.cwd()));
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65536)));
  }
  return bytes;
}

/** Writes `payload` in pieces while reading everything back; returns what came back. */
async function roundTrip(conn: Deno.Conn, payload: Uint8Array): Promise<Uint8Array> {
  const back = readAll(conn.readable);
  for (let offset = 0; offset < payload.byteLength; offset += 50_000) {
    const piece = payload.subarray(offset, offset + 50_000);
    let sent = 0;
    while (sent < piece.byteLength) sent += await conn.write(piece.subarray(sent));
  }
  await conn.closeWrite();
  return await back;
}

/** Closes a connection that reading to EOF through `conn.readable` may have closed already. */
function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // conn.readable closes the connection at EOF.
  }
}

function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("TcpNetwork reports upstream's client label, connect and address", () => {
  const driver = new TcpNetwork({ host: "127.0.0.1", port: 22 }, testContext("ssh"));
  assert.equal(driver.clientLabel(), "jumpstarter_driver_network.client.NetworkClient");
  assert.deepEqual([...driver.methods().keys()].sort(), ["address", "connect"]);
  assert.equal(driver.methods().get("connect")?.kind, "stream");
  assert.equal(driver.address(), "tcp://127.0.0.1:22");
  assert.equal(
    new TcpNetwork({ host: "::1", port: 2222 }, testContext()).address(),
    "tcp://[::1]:2222",
  );
  assert.equal(
    new UdpNetwork({ host: "10.0.0.1", port: 53 }, testContext()).address(),
    "udp://10.0.0.1:53",
  );
});

Deno.test("TcpNetwork rejects a missing or bad port naming the config path", () => {
  assert.throws(
    () => new TcpNetwork({ host: "127.0.0.1" }, testContext("ssh")),
    (e) =>
      e instanceof ConfigError &&
      /port: expected a port number 1-65535, got nothing/.test(e.message),
  );
  assert.throws(
    () => new TcpNetwork({ host: "127.0.0.1", port: 70000 }, testContext("ssh")),
    (e) => e instanceof ConfigError && /got 70000/.test(e.message),
  );
  assert.throws(
    () => new TcpNetwork({ port: 22 }, testContext("ssh")),
    (e) => e instanceof ConfigError && /host/.test(e.message),
  );
  assert.throws(
    () => new UnixNetwork({}, testContext("sock")),
    (e) => e instanceof ConfigError && /path/.test(e.message),
  );
});

Deno.test("NetworkDriver.address() with enableAddress false is a FailedPreconditionError", async () => {
  await using dut = await device({
    ssh: {
      type: "jumpstarter_driver_network.driver.TcpNetwork",
      config: { host: "127.0.0.1", port: 22, enable_address: false },
    },
  });
  const ssh = dut.child("ssh", NetworkClient);
  await assert.rejects(
    () => ssh.address(),
    (e) => e instanceof FailedPreconditionError && /enableAddress is false/.test(e.message),
  );
  assert.equal(await ssh.transport(), "tcp");
});

Deno.test("NetworkClient.connect() opens a new connection to the target per stream", async () => {
  await using echo = new EchoServer({ hostname: "127.0.0.1", port: 0 });
  await using dut = await device({
    net: { type: "network.TcpNetwork", config: { host: "127.0.0.1", port: echo.port } },
  });
  const net = dut.child("net", NetworkClient);
  assert.equal(await net.address(), `tcp://127.0.0.1:${echo.port}`);
  const streams = await Promise.all([net.connect(), net.connect(), net.connect()]);
  const answers = streams.map((s, i) => {
    const back = readAll(s.readable);
    const writer = s.writable.getWriter();
    writer.write(new TextEncoder().encode(`stream ${i}`)).then(() => writer.close());
    return back;
  });
  const texts = (await Promise.all(answers)).map((b) => new TextDecoder().decode(b));
  assert.deepEqual(texts, ["stream 0", "stream 1", "stream 2"]);
  assert.equal(echo.accepted, 3);
  await eventually(() => assert.equal(echo.open, 0), { timeout: 5000, interval: 10 });
});

Deno.test("NetworkClient.forwardTcp() carries 50 parallel connections with their data intact", async () => {
  await using echo = new EchoServer({ hostname: "127.0.0.1", port: 0 });
  await using dut = await device({
    net: { type: "network.TcpNetwork", config: { host: "127.0.0.1", port: echo.port } },
  });
  const errors: unknown[] = [];
  await using forward = await dut.child("net", NetworkClient).forwardTcp(0, {
    onError: (e) => errors.push(e),
  });
  assert.equal(forward.address, `127.0.0.1:${forward.port}`);
  const payloads = Array.from({ length: 50 }, (_, i) => randomBytes(64 * 1024 + i * 4099));
  const results = await Promise.all(payloads.map(async (payload) => {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: forward.port });
    try {
      return await roundTrip(conn, payload);
    } finally {
      closeQuietly(conn);
    }
  }));
  results.forEach((back, i) => {
    assert.deepEqual(back.byteLength, payloads[i].byteLength, `connection ${i} length`);
    assert.deepEqual(sha256(back), sha256(payloads[i]), `connection ${i} checksum`);
  });
  assert.equal(echo.accepted, 50);
  assert.deepEqual(errors, []);
  await eventually(() => assert.equal(echo.open, 0), { timeout: 5000, interval: 10 });
});

Deno.test("NetworkClient.forwardTcp() closing one connection mid-way leaves the others intact", async () => {
  await using echo = new EchoServer({ hostname: "127.0.0.1", port: 0 });
  await using dut = await device({
    net: { type: "network.TcpNetwork", config: { host: "127.0.0.1", port: echo.port } },
  });
  await using forward = await dut.child("net", NetworkClient).forwardTcp(0, {
    onError: () => {},
  });
  const conns = await Promise.all(
    Array.from({ length: 8 }, () => Deno.connect({ hostname: "127.0.0.1", port: forward.port })),
  );
  const first = randomBytes(100_000);
  const readers = conns.map((c) => c.readable.getReader());
  // Half of each payload through every connection, and its echo back.
  for (const [i, conn] of conns.entries()) {
    await conn.write(first.subarray(0, 50_000));
    let got = 0;
    while (got < 50_000) got += (await readers[i].read()).value!.byteLength;
  }
  await eventually(() => assert.equal(echo.open, 8), { timeout: 5000, interval: 10 });
  // Drop one connection in the middle of its transfer.
  readers[3].releaseLock();
  conns[3].close();
  await eventually(() => assert.equal(echo.open, 7), { timeout: 5000, interval: 10 });
  assert.equal(forward.active, 7);
  // The others finish.
  const rest = conns.map(async (conn, i) => {
    if (i === 3) return;
    const chunks: Uint8Array[] = [];
    const done = (async () => {
      while (true) {
        const { value, done } = await readers[i].read();
        if (done) break;
        chunks.push(value);
      }
    })();
    await conn.write(first.subarray(50_000));
    await conn.closeWrite();
    await done;
    const back = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let offset = 0;
    for (const c of chunks) back.set(c, (offset += c.byteLength) - c.byteLength);
    assert.deepEqual(sha256(back), sha256(first.subarray(50_000)), `connection ${i}`);
    closeQuietly(conn);
  });
  await Promise.all(rest);
  await eventually(() => assert.equal(echo.open, 0), { timeout: 5000, interval: 10 });
});

Deno.test("NetworkClient.connect() to a closed port fails that stream and the exporter keeps serving", async () => {
  const port = closedPort();
  await using echo = new EchoServer({ hostname: "127.0.0.1", port: 0 });
  await using dut = await device({
    dead: { type: "network.TcpNetwork", config: { host: "127.0.0.1", port } },
    live: { type: "network.TcpNetwork", config: { host: "127.0.0.1", port: echo.port } },
  });
  const dead = dut.child("dead", NetworkClient);
  await assert.rejects(async () => await readAll((await dead.connect()).readable), (error) => {
    assert.ok(error instanceof UnavailableError);
    assert.ok(error.message.includes(`Cannot connect to 127.0.0.1:${port}`), error.message);
    assert.match(error.message, /refused/);
    return true;
  });

  // Through a forwarder: the local connection ends and the error is reported.
  const errors: unknown[] = [];
  await using forward = await dead.forwardTcp(0, { onError: (e) => errors.push(e) });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: forward.port });
  const back = await readAll(conn.readable).catch(() => new Uint8Array());
  closeQuietly(conn);
  assert.equal(back.byteLength, 0);
  assert.equal(errors.length, 1);
  assert.ok(
    String((errors[0] as Error).message).includes(`127.0.0.1:${port}`),
    String((errors[0] as Error).message),
  );

  // The same exporter still answers calls and other streams.
  assert.equal(await dead.address(), `tcp://127.0.0.1:${port}`);
  const live = await dut.child("live", NetworkClient).connect();
  const echoed = readAll(live.readable);
  const writer = live.writable.getWriter();
  await writer.write(new TextEncoder().encode("still serving"));
  await writer.close();
  assert.equal(new TextDecoder().decode(await echoed), "still serving");
});

Deno.test("NetworkClient.forwardUdp() round-trips datagrams with their boundaries", async () => {
  const server = dgram.createSocket("udp4");
  server.on("message", (msg, from) => server.send(msg, from.port, from.address));
  await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", () => resolve()));
  const port = server.address().port;
  try {
    await using dut = await device({
      dns: { type: "network.UdpNetwork", config: { host: "127.0.0.1", port } },
    });
    const dns = dut.child("dns", NetworkClient);
    assert.equal(await dns.transport(), "udp");

    // A stream: each chunk is one datagram both ways.
    const stream = await dns.connect();
    const reader = stream.readable.getReader();
    const writer = stream.writable.getWriter();
    for (const size of [1, 1200, 9000]) {
      const datagram = randomBytes(size);
      await writer.write(datagram);
      const { value } = await reader.read();
      assert.deepEqual(sha256(value!), sha256(datagram), `datagram of ${size} bytes`);
    }
    await reader.cancel();
    await writer.close().catch(() => {});

    // A forwarder: a local UDP client talks to the echo server through the exporter.
    await using forward = await dns.forwardUdp(0, { idleTimeout: 5000 });
    const client = dgram.createSocket("udp4");
    await new Promise<void>((resolve) =>
      client.connect(forward.port, "127.0.0.1", () => resolve())
    );
    const received: Uint8Array[] = [];
    const gotAll = new Promise<void>((resolve) =>
      client.on("message", (msg) => {
        received.push(new Uint8Array(msg));
        if (received.length === 3) resolve();
      })
    );
    const sent = [randomBytes(10), randomBytes(500), randomBytes(4000)];
    for (const datagram of sent) client.send(datagram);
    await gotAll;
    assert.deepEqual(received.map((d) => d.byteLength).sort((a, b) => a - b), [10, 500, 4000]);
    assert.deepEqual(new Set(received.map(sha256)), new Set(sent.map(sha256)));
    assert.equal(forward.active, 1);
    await new Promise<void>((resolve) => client.close(() => resolve()));
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

Deno.test("NetworkClient.forwardUnix() round-trips through a UnixNetwork target", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-network-test-" });
  try {
    await using echo = new EchoServer({ transport: "unix", path: `${dir}/target.sock` });
    await using dut = await localDevice<CompositeClient>(
      exporterConfigFrom({
        export: { console: { type: "network.UnixNetwork", config: { path: "target.sock" } } },
      }, dir),
    );
    const client = dut.child("console", NetworkClient);
    assert.equal(await client.address(), `unix://${dir}/target.sock`);
    await using forward = await client.forwardUnix(`${dir}/local.sock`);
    assert.equal(forward.address, `${dir}/local.sock`);
    const payloads = [randomBytes(300_000), randomBytes(7)];
    for (const payload of payloads) {
      const conn = await Deno.connect({ transport: "unix", path: `${dir}/local.sock` });
      const back = await roundTrip(conn, payload);
      closeQuietly(conn);
      assert.deepEqual(sha256(back), sha256(payload));
    }
    await eventually(() => assert.equal(echo.open, 0), { timeout: 5000, interval: 10 });
    await forward.close();
    await assert.rejects(() => Deno.lstat(`${dir}/local.sock`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NetworkDriver.close() ends every open connection", async () => {
  await using echo = new EchoServer({ hostname: "127.0.0.1", port: 0 });
  const driver = new TcpNetwork({ host: "127.0.0.1", port: echo.port }, testContext("net"));
  const streams = await Promise.all([driver.connect(), driver.connect()]);
  await eventually(() => assert.equal(echo.open, 2), { timeout: 5000, interval: 10 });
  assert.equal(driver.connections, 2);
  await driver.close();
  assert.equal(driver.connections, 0);
  await eventually(() => assert.equal(echo.open, 0), { timeout: 5000, interval: 10 });
  for (const s of streams) assert.ok(await s.readable.getReader().read().then((r) => r.done));
});
