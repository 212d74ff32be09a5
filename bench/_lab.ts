/**
 * An in-process lab for benchmarks: a controller on a temp SQLite store and
 * loopback port, identities made with the admin functions, exporters
 * attached in-process.
 */
import { Logger } from "../src/log.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { startController } from "../src/controller/server.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { clientConfigYaml, exporterConfigYaml } from "../src/controller/config_files.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { parse } from "yaml";
import type { Controller } from "../src/controller/controller.ts";
import type { Identity } from "../src/controller/model.ts";
import { CONTROLLER_V8_FLAGS } from "../src/controller/v8_flags.ts";

export async function startLab(options: { leaseRetentionCount?: number } = {}) {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-bench-lab-" });
  const store = await openDataDir(`${dir}/data`);
  const server = await startController({
    store,
    host: "127.0.0.1",
    port: 0,
    // In-process exporters never heartbeat: keep them online for the whole run.
    heartbeatTimeoutMs: 3_600_000,
    log: new Logger("controller"),
    ...options,
  });
  const authority = await TokenAuthority.open(store);
  const info = { endpoint: server.url };
  return {
    dir,
    server,
    async client(name: string) {
      const { identity, token } = await createIdentity(
        store,
        authority,
        "Client",
        "default",
        name,
        {},
      );
      return clientConfigFrom(parse(clientConfigYaml(identity, token, info)));
    },
    async exporterYaml(
      name: string,
      labels: Record<string, string>,
      exportTree: Record<string, unknown>,
    ) {
      const { identity, token } = await createIdentity(
        store,
        authority,
        "Exporter",
        "default",
        name,
        labels,
      );
      return exporterConfigYaml(identity, token, info, exportTree);
    },
    async close() {
      await server.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Starts `controller serve` as its own process on `dataDir`; resolves once
 * /healthz answers. With `tls` (PEM file paths) it serves TLS and the
 * endpoint is the bare `127.0.0.1:PORT` configs hold; `serveArgs` are added
 * to `controller serve`'s.
 */
export async function startControllerProcess(
  dataDir: string,
  port: number,
  tls?: { cert: string; key: string; ca: string },
  serveArgs: string[] = [],
): Promise<{ child: Deno.ChildProcess; endpoint: string }> {
  const root = new URL("..", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CONTROLLER_V8_FLAGS,
      // e.g. BENCH_CONTROLLER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the controller
      ...(Deno.env.get("BENCH_CONTROLLER_FLAGS")?.split(" ").filter(Boolean) ?? []),
      `${root}controller.ts`,
      "serve",
      "--data-dir",
      dataDir,
      "--create",
      "--listen",
      `127.0.0.1:${port}`,
      "--log-level",
      "warning",
      ...(tls ? ["--tls-cert", tls.cert, "--tls-key", tls.key] : []),
      ...serveArgs,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const client = tls
    ? Deno.createHttpClient({ caCerts: [await Deno.readTextFile(tls.ca)] })
    : undefined;
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  try {
    while (true) {
      try {
        const res = await fetch(`${url}/healthz`, { client });
        await res.body?.cancel();
        if (res.ok) return { child, endpoint: tls ? `127.0.0.1:${port}` : url };
      } catch { /* starting */ }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client?.close();
  }
}

/** Registers `count` online exporters (`board=virtual`, `index=i`) straight into a controller. */
export async function registerExporters(controller: Controller, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const identity: Identity = {
      kind: "Exporter",
      namespace: "default",
      name: `board-${i}`,
      uid: crypto.randomUUID(),
      labels: { board: "virtual", index: String(i) },
      generation: 1,
      createdAt: new Date().toISOString(),
    };
    controller.identities.set(`Exporter/default/${identity.name}`, identity);
    await controller.register(identity, {}, []);
    controller.attachStatus(identity, () => {});
  }
}

/**
 * Raises the nice value of every thread of process `pid` (this one by
 * default) to `nice`: a load generator on this one machine standing in for
 * other hosts takes only the CPU the processes under test leave. Raising it
 * needs no privilege. Threads made later inherit it from the thread that
 * makes them.
 */
export async function yieldCpu(nice: number, pid = Deno.pid): Promise<void> {
  const { setPriority } = await import("node:os");
  for (const entry of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      setPriority(Number(entry.name), nice);
    } catch { /* the thread ended meanwhile */ }
  }
}
