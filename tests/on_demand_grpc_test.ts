/**
 * A local exporter's gRPC socket loads its HTTP/2 stack at the first
 * connection (`src/transport/on_demand_server.ts`): connections made before
 * that are all served, and closing removes the socket whatever was loaded.
 */
import assert from "node:assert/strict";
import { connect, loadExporterConfig, serveLocal } from "../mod.ts";
import type { VirtualBoard } from "../drivers/virtual/client.ts";

const BOARD = new URL("../examples/virtual-board.yaml", import.meta.url).pathname;

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test("gRPC clients connecting at once to a fresh local exporter are all served", async () => {
  const local = await serveLocal(await loadExporterConfig(BOARD), { fastPath: false });
  assert.equal((await Deno.stat(local.socketPath)).mode! & 0o777, 0o600);
  const clients = await Promise.all(
    [1, 2, 3].map(() => connect<VirtualBoard>(local.host, { fastPath: false })),
  );
  await Promise.all(clients.map((dut) => dut.power.on()));
  for (const dut of clients) {
    for await (const reading of dut.power.read()) {
      assert.equal(reading.voltage > 0, true);
      break;
    }
  }
  // Closing with clients still connected ends them and removes the socket.
  await local.close();
  assert.equal(await exists(local.socketPath), false);
  await Promise.all(clients.map((dut) => dut.close()));
});

Deno.test("a local exporter nobody connected to over gRPC closes and removes its socket", async () => {
  const local = await serveLocal(await loadExporterConfig(BOARD), { fastPath: false });
  assert.equal(await exists(local.socketPath), true);
  await local.close();
  assert.equal(await exists(local.socketPath), false);
});
