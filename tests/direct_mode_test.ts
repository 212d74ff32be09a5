/**
 * Direct mode (issue 18 item 8) at the library level: a direct exporter on
 * TLS (pinned fingerprint, CA) and plaintext, the passphrase right, wrong and
 * missing, one client at a time, upstream's stack (grpc-js) reaching our
 * exporter, and our client reaching an exporter implemented the upstream way.
 */
import assert from "node:assert/strict";
import * as net from "node:net";
import * as tls from "node:tls";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { connect, loadExporterConfig, registry, type VirtualBoard } from "../mod.ts";
import { serveDirect } from "../src/exporter/direct.ts";
import { ensureTlsPair } from "../src/transport/tls_pair.ts";
import { ExporterService } from "../src/gen/jumpstarter/v1/jumpstarter_pb.ts";
import { DriverError } from "../src/driver/driver_error.ts";
import { PinMismatchError } from "../src/transport/tls_pin.ts";
import {
  type ServiceError,
  status,
  upstreamClient,
  upstreamCredentials,
  upstreamDirectExporter,
} from "./_fixtures/upstream_grpc.ts";
import { VIRTUAL_BOARD } from "./_fixtures/run.ts";

const PASS = "correct horse battery staple";

async function tlsPair() {
  const dir = await Deno.makeTempDir({ prefix: "direct-tls-" });
  const pair = await ensureTlsPair(dir, "127.0.0.1");
  return { ...pair, dir };
}

async function direct(options: { tls?: { cert: string; key: string }; passphrase?: string }) {
  const config = await loadExporterConfig(VIRTUAL_BOARD);
  return await serveDirect(config, registry, { host: "127.0.0.1", port: 0, ...options });
}

const isUnauthenticated = (error: unknown) =>
  error instanceof DriverError && error.code === "unauthenticated" &&
  /invalid or missing passphrase/.test(error.message);

Deno.test("direct mode over TLS with a pinned fingerprint: the passphrase is required, right or refused and counted", async () => {
  const pair = await tlsPair();
  await using exporter = await direct({ tls: pair, passphrase: PASS });
  assert.match(exporter.address, /^https:\/\/127\.0\.0\.1:\d+$/);
  {
    await using dut = await connect<VirtualBoard>(exporter.address, {
      registry,
      direct: { passphrase: PASS, fingerprint: pair.fingerprint },
    });
    await dut.power.on();
    assert.equal(exporter.gate.holder, "127.0.0.1");
  }
  await assert.rejects(
    connect(exporter.address, {
      registry,
      direct: { passphrase: "wrong", fingerprint: pair.fingerprint },
    }),
    isUnauthenticated,
  );
  await assert.rejects(
    connect(exporter.address, { registry, direct: { fingerprint: pair.fingerprint } }),
    isUnauthenticated,
  );
  assert.equal(exporter.gate.refused, 2);
  // A pin that does not match stops before anything is sent: no call reached the gate.
  const other = "AA:".repeat(31) + "AA";
  await assert.rejects(
    connect(exporter.address, { registry, direct: { passphrase: PASS, fingerprint: other } }),
    (error) => error instanceof PinMismatchError && error.message.includes(pair.fingerprint),
  );
  assert.equal(exporter.gate.refused, 2);
  // Without a pin or CA the self-signed certificate is not trusted.
  await assert.rejects(
    connect(exporter.address, { registry, direct: { passphrase: PASS } }),
    /self[- ]signed|certificate/i,
  );
  await Deno.remove(pair.dir, { recursive: true });
});

Deno.test("direct mode over TLS trusting a CA file (the exporter's own certificate)", async () => {
  const pair = await tlsPair();
  await using exporter = await direct({ tls: pair, passphrase: PASS });
  await using dut = await connect<VirtualBoard>(exporter.address, {
    registry,
    direct: { passphrase: PASS, ca: pair.cert },
  });
  await dut.power.on();
  const other = await tlsPair();
  await assert.rejects(
    connect(exporter.address, { registry, direct: { passphrase: PASS, ca: other.cert } }),
    /certificate|signature/i,
  );
  await Deno.remove(pair.dir, { recursive: true });
  await Deno.remove(other.dir, { recursive: true });
});

Deno.test("direct mode in plaintext (--tls-grpc-insecure): passphrase right and wrong", async () => {
  await using exporter = await direct({ passphrase: PASS });
  assert.match(exporter.address, /^http:\/\//);
  {
    await using dut = await connect<VirtualBoard>(exporter.address, {
      registry,
      direct: { passphrase: PASS },
    });
    await dut.power.on();
  }
  await assert.rejects(
    connect(exporter.address, { registry, direct: { passphrase: "nope" } }),
    isUnauthenticated,
  );
  assert.equal(exporter.gate.refused, 1);
});

/** A GetReport from another peer address (127.0.0.2), over TLS pinned by CA. */
async function reportFrom(localAddress: string, port: number, ca: string) {
  const manager = new Http2SessionManager(`https://127.0.0.1:${port}`, {}, {
    createConnection: () =>
      tls.connect({
        socket: net.connect({ host: "127.0.0.1", port, localAddress }),
        servername: undefined,
        ca,
        ALPNProtocols: ["h2"],
      }),
  });
  try {
    const client = createClient(
      ExporterService,
      createGrpcTransport({ baseUrl: `https://127.0.0.1:${port}`, sessionManager: manager }),
    );
    return await client.getReport({}, { headers: { "x-jumpstarter-passphrase": PASS } });
  } finally {
    manager.abort();
  }
}

Deno.test("direct mode serves one client at a time: another address is refused until the holder disconnects", async () => {
  const pair = await tlsPair();
  await using exporter = await direct({ tls: pair, passphrase: PASS });
  const dut = await connect<VirtualBoard>(exporter.address, {
    registry,
    direct: { passphrase: PASS, ca: pair.cert },
  });
  await dut.power.on();
  // The same client's second connection (a command inside its shell) shares the board.
  const report = await reportFrom("127.0.0.1", exporter.port, pair.cert);
  assert.ok(report.reports.length > 1);
  await assert.rejects(
    reportFrom("127.0.0.2", exporter.port, pair.cert),
    (error) =>
      error instanceof ConnectError && error.code === Code.FailedPrecondition &&
      /serves another client \(127\.0\.0\.1\)/.test(error.rawMessage),
  );
  assert.equal(exporter.gate.busy, 1);
  await dut.close();
  // The holder's connections close asynchronously: wait for the board to be free.
  for (let i = 0; i < 100 && exporter.gate.holder; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(exporter.gate.holder, undefined);
  const later = await reportFrom("127.0.0.2", exporter.port, pair.cert);
  assert.ok(later.reports.length > 1);
  assert.equal(exporter.gate.holder, "127.0.0.2");
  await Deno.remove(pair.dir, { recursive: true });
});

Deno.test("upstream's stack (grpc-js, x-jumpstarter-passphrase metadata) reaches our direct exporter over TLS", async () => {
  const pair = await tlsPair();
  await using exporter = await direct({ tls: pair, passphrase: PASS });
  const target = `127.0.0.1:${exporter.port}`;
  const credentials = upstreamCredentials(pair.cert);
  // Deno's TLS refuses an IP address as SNI name: the certificate names localhost too.
  const options = { "grpc.ssl_target_name_override": "localhost" };
  const client = upstreamClient(target, credentials, PASS, options);
  try {
    const report = await client.call<{
      reports: { uuid: string; labels: Record<string, string> }[];
    }>("GetReport", {});
    const power = report.reports.find((r) => r.labels["jumpstarter.dev/name"] === "power");
    assert.ok(power, "the report names the power driver");
    await client.call("DriverCall", { uuid: power.uuid, method: "on", args: [] });
    const status = await client.call<{ status: string }>("GetStatus", {});
    assert.equal(status.status, "EXPORTER_STATUS_LEASE_READY");
  } finally {
    client.close();
  }
  const wrong = upstreamClient(target, credentials, "wrong", options);
  try {
    await assert.rejects(wrong.call("GetReport", {}), (error: ServiceError) => {
      // What upstream's `jmp shell` turns into "Authentication failed: invalid or missing passphrase".
      return error.code === status.UNAUTHENTICATED &&
        error.details === "invalid or missing passphrase";
    });
  } finally {
    wrong.close();
  }
  assert.equal(exporter.gate.refused, 1);
  await Deno.remove(pair.dir, { recursive: true });
});

Deno.test("upstream's stack reaches our direct exporter in plaintext (jmp shell --tls-grpc-insecure)", async () => {
  await using exporter = await direct({});
  const client = upstreamClient(`127.0.0.1:${exporter.port}`, upstreamCredentials());
  try {
    const report = await client.call<{ reports: unknown[] }>("GetReport", {});
    assert.ok(report.reports.length > 1);
  } finally {
    client.close();
  }
});

Deno.test("our client reaches a direct exporter implemented the upstream way (grpc-js, passphrase interceptor)", async () => {
  const upstream = await upstreamDirectExporter(PASS);
  try {
    {
      await using dut = await connect<VirtualBoard>(`http://${upstream.address}`, {
        registry,
        direct: { passphrase: PASS },
      });
      await dut.power.on();
      await dut.power.off();
    }
    assert.deepEqual(upstream.calls.driverCalls.map((c) => c.method), ["on", "off"]);
    await assert.rejects(
      connect(`http://${upstream.address}`, { registry, direct: { passphrase: "wrong" } }),
      isUnauthenticated,
    );
    assert.equal(upstream.calls.refused, 1);
  } finally {
    await upstream.close();
  }
});

Deno.test("direct mode bounds its connections: past 64 open ones a new one is closed at once", async () => {
  await using exporter = await direct({ passphrase: PASS });
  const sockets: net.Socket[] = [];
  const closed = new Set<number>();
  for (let i = 0; i < 65; i++) {
    const socket = net.connect(exporter.port, "127.0.0.1");
    socket.on("error", () => {});
    socket.on("close", () => closed.add(i));
    await new Promise((resolve) => socket.once("connect", resolve));
    sockets.push(socket);
  }
  for (let i = 0; i < 100 && !closed.has(64); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual([...closed], [64]);
  for (const socket of sockets) socket.destroy();
  await new Promise((r) => setTimeout(r, 100));
  await using dut = await connect<VirtualBoard>(exporter.address, {
    registry,
    direct: { passphrase: PASS },
  });
  await dut.power.on();
});
