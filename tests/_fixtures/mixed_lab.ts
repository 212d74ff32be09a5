/**
 * A mixed lab for tests: our controller (in this process) serving TLS with a
 * throwaway CA, identities whose config files `admin` would write (a bare
 * `host:port` endpoint and `tls.ca`, upstream's form), read both as our
 * ClientConfig and as upstream's stand-in (`upstream_stack.ts`) reads them.
 */
import { parse } from "yaml";
import { Logger } from "../../src/log.ts";
import { openDataDir } from "../../src/controller/store/data_dir.ts";
import { type ControllerServer, startController } from "../../src/controller/server.ts";
import { TokenAuthority } from "../../src/controller/auth.ts";
import { clientConfigYaml, exporterConfigYaml } from "../../src/controller/config_files.ts";
import { createIdentity } from "../../src/controller/admin.ts";
import { type ClientConfig, clientConfigFrom } from "../../src/config/client_config.ts";
import type { ControllerClient } from "../../src/client/controller_client.ts";
import { eventually } from "../../testing/eventually.ts";
import { makeTestTls } from "./test_ca.ts";
import type { UpstreamConfig } from "./upstream_stack.ts";

/** Whether openssl (for the test CA) is missing; tests skip then, and fail under CI=true. */
export const opensslMissing: boolean = (() => {
  try {
    return !new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return true;
  }
})();

/** An identity's config file text, read as ours and as upstream's stand-in reads it. */
export interface LabIdentity {
  yaml: string;
  ours: ClientConfig;
  upstream: UpstreamConfig;
}

/** The lab. */
export class MixedLab implements AsyncDisposable {
  private constructor(
    readonly dir: string,
    readonly server: ControllerServer,
    readonly authority: TokenAuthority,
    readonly caPem: string,
    readonly store: Awaited<ReturnType<typeof openDataDir>>,
  ) {}

  /** Starts the controller on a free loopback port with TLS; `routerEndpoints` as the CLI's. */
  static async start(
    routerEndpoints?: string[],
    heartbeatTimeoutMs?: number,
  ): Promise<MixedLab> {
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-mixed-lab-" });
    const tls = await makeTestTls(`${dir}/tls`);
    const store = await openDataDir(`${dir}/data`);
    const server = await startController({
      store,
      host: "127.0.0.1",
      port: 0,
      tls: {
        cert: await Deno.readTextFile(tls.serverCert),
        key: await Deno.readTextFile(tls.serverKey),
      },
      routerEndpoints,
      heartbeatTimeoutMs,
      log: new Logger("controller"),
    });
    const authority = await TokenAuthority.open(store);
    return new MixedLab(dir, server, authority, await Deno.readTextFile(tls.ca), store);
  }

  /** `host:port`, as `admin create --endpoint` is given it. */
  get endpoint(): string {
    return `127.0.0.1:${this.server.port}`;
  }

  async #identity(
    kind: "Client" | "Exporter",
    name: string,
    labels: Record<string, string>,
  ): Promise<LabIdentity> {
    const { identity, token } = await createIdentity(
      this.store,
      this.authority,
      kind,
      "default",
      name,
      labels,
    );
    const info = { endpoint: this.endpoint, caPem: this.caPem };
    const yaml = kind === "Client"
      ? clientConfigYaml(identity, token, info)
      : exporterConfigYaml(identity, token, info, { power: { type: "power.MockPower" } });
    const doc = parse(yaml);
    return {
      yaml,
      ours: clientConfigFrom({ ...doc, kind: "ClientConfig" }),
      upstream: {
        endpoint: doc.endpoint,
        tls: { ca: doc.tls.ca },
        identity: { kind, namespace: "default", name, token },
      },
    };
  }

  client(name: string): Promise<LabIdentity> {
    return this.#identity("Client", name, {});
  }

  exporter(name: string, labels: Record<string, string>): Promise<LabIdentity> {
    return this.#identity("Exporter", name, labels);
  }

  /** Creates a lease with our client and waits until it is Ready; returns its name. */
  async lease(client: ControllerClient, selector: string): Promise<string> {
    const created = await client.createLease({ selector, durationMs: 600_000 });
    const name = created.name.replace(/^.*\//, "");
    await eventually(async () => {
      const lease = await client.getLease(name);
      return lease.conditions.some((c) => c.type === "Ready" && c.status === "True");
    }, { timeout: 15_000, interval: 50, message: `lease ${name} to be Ready` });
    return name;
  }

  async close(): Promise<void> {
    await this.server.close();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
