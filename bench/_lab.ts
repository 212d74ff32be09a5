/**
 * An in-process lab for benchmarks: a controller on a temp SQLite store and
 * loopback port, identities made with the admin functions, exporters
 * attached in-process.
 */
import { Logger } from "../src/log.ts";
import { openDataDir } from "../src/controller/store/sqlite.ts";
import { startController } from "../src/controller/server.ts";
import { TokenAuthority } from "../src/controller/auth.ts";
import { clientConfigYaml, createIdentity, exporterConfigYaml } from "../src/controller/admin.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";
import { parse } from "yaml";

export async function startLab() {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-bench-lab-" });
  const store = await openDataDir(`${dir}/data`);
  const server = await startController({
    store,
    host: "127.0.0.1",
    port: 0,
    // In-process exporters never heartbeat: keep them online for the whole run.
    heartbeatTimeoutMs: 3_600_000,
    log: new Logger("controller"),
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
