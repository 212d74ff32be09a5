/**
 * The exporter and client end to end over a real unix socket, with a test
 * driver: report, calls, errors, streams, uploads, and hostile clients.
 */
import * as http2 from "node:http2";
import * as net from "node:net";
import assert from "node:assert/strict";
import { EchoDriver, testRegistry } from "./_fixtures/test_drivers.ts";
import { gzippedHello, hashedSource } from "./_fixtures/uploads.ts";
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { serveLocal } from "../src/exporter/local.ts";
import { connect } from "../mod.ts";
import { DriverNotFoundError, NotImplementedError } from "../src/driver/errors.ts";
import { CLIENT_LABEL, NAME_LABEL } from "../src/driver/driver_report.ts";
import { SocketInUseError } from "../src/transport/socket_claim.ts";

const CONFIG = `
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {namespace: lab, name: bench}
export:
  echo:
    type: test.Echo
    description: an echo driver
  group:
    type: composite.Composite
    children:
      inner: {type: test.Echo}
  alias: {ref: group.inner}
`;

async function serve() {
  return await serveLocal(parseExporterConfig(CONFIG, Deno.cwd()), testRegistry);
}

Deno.test("exporter serves its tree on a 0600 unix socket and reports it pre-order", async () => {
  await using local = await serve();
  assert.deepEqual((await Deno.stat(local.socketPath)).mode! & 0o777, 0o600);
  await using root = await connect(local.host);
  const reports = root.children;
  assert.deepEqual([...reports.keys()], ["echo", "group", "alias"]);
  assert.equal(root.echo.labels[NAME_LABEL], "echo");
  assert.equal(root.echo.labels[CLIENT_LABEL], "test.EchoClient");
  assert.equal(root.echo.description, "an echo driver");
  assert.equal(root.echo.report.methodsDescription.add, "Add two numbers");
  assert.deepEqual(root.group.inner.report.parentUuid, root.group.uuid);
  assert.equal(root.alias.labels[CLIENT_LABEL], "test.EchoClient");
  assert.equal(root.exporter.labels["jumpstarter.dev/name"], "bench");
});

Deno.test("driver calls return results and map errors to domain errors", async () => {
  await using local = await serve();
  await using root = await connect(local.host);
  assert.equal(await root.echo.call("add", 2, 3), 5);
  assert.equal(await root.alias.call("add", 1, 1), 2);
  assert.deepEqual(await root.echo.call("identity", { a: [1, null] }), { a: [1, null] });
  await assert.rejects(
    () => root.echo.call("nope"),
    (e) => e instanceof DriverNotFoundError && /no method "nope"/.test(e.message),
  );
  await assert.rejects(() => root.echo.call("add", 1), { message: /takes 2 arguments, got 1/ });
  await assert.rejects(() => root.echo.call("add", 1, "x"), {
    message: /must be a number/,
    code: "invalid_argument",
  });
  await assert.rejects(() => root.echo.call("unsupported"), NotImplementedError);
  await assert.rejects(
    () => root.echo.call("count", 2),
    (e) => e instanceof DriverNotFoundError && /streaming call/.test(e.message),
  );
  const missing = root.echo.session.call("00000000-0000-0000-0000-000000000000", "add", [1, 2]);
  await assert.rejects(
    () => missing,
    (e) => e instanceof DriverNotFoundError && /No driver with uuid/.test(e.message),
  );
});

Deno.test("streaming calls yield every result", async () => {
  await using local = await serve();
  await using root = await connect(local.host);
  const seen: number[] = [];
  for await (const n of root.child("echo").streamingCall<number>("count", 5)) seen.push(n);
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
});

Deno.test("byte streams carry data both ways, and a client vanishing mid-stream harms nothing", async () => {
  await using local = await serve();
  {
    await using root = await connect(local.host);
    const stream = await root.echo.stream();
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    const chunk = new Uint8Array(100_000).map((_, i) => i % 251);
    await writer.write(chunk);
    let got = 0;
    while (got < chunk.byteLength) got += (await reader.read()).value!.byteLength;
    assert.deepEqual(got, chunk.byteLength);
    await writer.close();
    assert.ok((await reader.read()).done);
    // Leave a second stream open and drop the whole connection.
    const dangling = await root.echo.stream();
    await dangling.writable.getWriter().write(new Uint8Array([1, 2, 3]));
  }
  await using again = await connect(local.host);
  assert.equal(await again.echo.call("add", 40, 2), 42);
});

Deno.test("a 64 MiB resource upload arrives intact", async () => {
  await using local = await serve();
  await using root = await connect(local.host);
  const size = 64 * 1024 * 1024;
  const { source, sha256 } = hashedSource(size);
  let progress = 0;
  const upload = await root.echo.upload(source, {
    size,
    onProgress: (sent: number) => progress = sent,
  });
  const [result, sent] = await Promise.all([root.echo.call("digest", upload.handle), upload.done]);
  assert.deepEqual(result, { size, sha256: sha256() });
  assert.deepEqual(sent, size);
  assert.deepEqual(progress, size);
});

Deno.test("a gzip upload is decompressed on the exporter", async () => {
  await using local = await serve();
  await using root = await connect(local.host);
  const { gz, expected } = gzippedHello();
  const upload = await root.echo.upload(gz, { encoding: "gzip" });
  const [result] = await Promise.all([root.echo.call("digest", upload.handle), upload.done]);
  assert.deepEqual(result, expected);
});

Deno.test("a second exporter cannot take a socket in use; a stale socket is replaced", async () => {
  await using local = await serve();
  const config = parseExporterConfig(CONFIG, Deno.cwd());
  await assert.rejects(
    () => serveLocal(config, testRegistry, { socketPath: local.socketPath }),
    (e) => e instanceof SocketInUseError && /another exporter is serving there/.test(e.message),
  );
  const dir = await Deno.makeTempDir();
  const stale = `${dir}/stale.sock`;
  const listener = Deno.listen({ transport: "unix", path: stale });
  listener.close();
  await using second = await serveLocal(config, testRegistry, { socketPath: stale });
  await using root = await connect(second.host);
  assert.equal(await root.echo.call("add", 1, 2), 3);
  await second.close();
  await Deno.remove(dir, { recursive: true });
});

/** Raw HTTP/2 client so the test controls :authority and when it sends. */
async function rawH2<T>(socketPath: string, fn: (session: http2.ClientHttp2Session) => Promise<T>) {
  const session = http2.connect("http://localhost", {
    createConnection: () => net.connect(socketPath),
  });
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

function grpcFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.byteLength);
  new DataView(out.buffer).setUint32(1, payload.byteLength);
  out.set(payload, 5);
  return out;
}

Deno.test("a percent-encoded socket path as :authority (grpcio) does not crash the exporter", async () => {
  await using local = await serve();
  const status = await rawH2(
    local.socketPath,
    (session) =>
      new Promise<string | undefined>((resolve, reject) => {
        const req = session.request({
          ":method": "POST",
          ":path": "/jumpstarter.v1.ExporterService/GetReport",
          ":authority": encodeURIComponent(local.socketPath),
          "content-type": "application/grpc",
          te: "trailers",
        });
        let grpcStatus: string | undefined;
        req.on("response", (headers) => grpcStatus = headers["grpc-status"] as string | undefined);
        req.on("trailers", (trailers) => grpcStatus = trailers["grpc-status"] as string);
        req.on("data", () => {});
        req.on("end", () => resolve(grpcStatus));
        req.on("error", reject);
        req.end(grpcFrame(new Uint8Array(0)));
      }),
  );
  assert.equal(status, "0");
  await using root = await connect(local.host);
  assert.equal(await root.echo.call("add", 1, 2), 3);
});

Deno.test("Stream answers with headers before the client sends anything (upstream waits for them)", async () => {
  await using local = await serve();
  await using root = await connect(local.host);
  const request = JSON.stringify({ kind: "driver", uuid: root.echo.uuid, method: "connect" });
  const headers = await rawH2(
    local.socketPath,
    (session) =>
      new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const req = session.request({
          ":method": "POST",
          ":path": "/jumpstarter.v1.RouterService/Stream",
          "content-type": "application/grpc",
          te: "trailers",
          request,
        });
        const timer = setTimeout(() => reject(new Error("no response headers within 2 s")), 2000);
        req.on("response", (h) => {
          clearTimeout(timer);
          req.close();
          resolve(h);
        });
        req.on("error", () => {});
      }),
  );
  assert.equal(Number(headers[":status"]), 200);
  assert.equal(headers["content-type"], "application/grpc+proto");
});

Deno.test("the driver test harness serves a driver in memory", async () => {
  const { driverHarness } = await import("../testing.ts");
  await using root = await driverHarness(EchoDriver);
  assert.equal(await root.dut.call("add", 2, 2), 4);
});

Deno.test("LogStream follows driver logs; GetStatus, Reset and EndSession answer", async () => {
  const { GrpcSession } = await import("../src/client/session.ts");
  const { ExporterStatus } = await import("../src/gen/jumpstarter/v1/common_pb.ts");
  await using local = await serve();
  const { session, report } = await GrpcSession.open(local.host);
  await using _ = session;
  const echoUuid = report.reports.find((r) => r.labels[NAME_LABEL] === "echo")!.uuid;
  const stop = new AbortController();
  const logs = session.exporter.logStream({}, { signal: stop.signal })[Symbol.asyncIterator]();
  const first = logs.next();
  // Give the stream a moment to attach before the driver logs.
  await new Promise((r) => setTimeout(r, 50));
  local.exporter.tree.get(echoUuid).log.info("hello from echo");
  const entry = (await first).value!;
  assert.equal(entry.message, "hello from echo");
  assert.equal(entry.severity, "INFO");
  assert.deepEqual(entry.uuid, echoUuid);
  stop.abort();
  await logs.next().catch(() => {});
  const status = await session.exporter.getStatus({});
  assert.deepEqual(status.status, ExporterStatus.LEASE_READY);
  await session.exporter.reset({});
  assert.equal((await session.exporter.endSession({})).success, true);
});

Deno.test("generic driver commands call any reported method with JSON arguments", async () => {
  const { Command } = await import("commander");
  const { addDriverCommands } = await import("../src/cli/driver_commands.ts");
  await using local = await serve();
  await using root = await connect(local.host);
  const printed: string[] = [];
  const program = new Command("jumpstarter").exitOverride();
  addDriverCommands(program, root, {
    out: (text) => printed.push(text),
    err: (text) => printed.push(text),
    isTerminal: false,
  });
  await program.parseAsync(["echo", "add", "40", "2"], { from: "user" });
  await program.parseAsync(["group", "inner", "identity", '{"a":1}'], { from: "user" });
  assert.deepEqual(printed, ["42", '{\n  "a": 1\n}']);
});
