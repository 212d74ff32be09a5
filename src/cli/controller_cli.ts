/**
 * The `controller` command: `serve` and `admin` (identities, policies).
 *
 * @module
 */
import { Command, Option } from "commander";
import { parse as parseYaml } from "yaml";
import { loadExporterConfig } from "../config/exporter_config.ts";
import { ConfigError } from "../driver/config_check.ts";
import { Logger, parseLogLevel, stderrSink } from "../log.ts";
import { VERSION } from "../version.ts";
import { TokenAuthority } from "../controller/auth.ts";
import {
  clientConfigYaml,
  createIdentity,
  deleteIdentity,
  deletePolicy,
  type EndpointInfo,
  exporterConfigYaml,
  listIdentities,
  listPolicies,
  putPolicy,
  rotateIdentity,
  writePrivateFile,
} from "../controller/admin.ts";
import type { Identity, Kind } from "../controller/model.ts";
import { parseLabels } from "../controller/selector.ts";
import { openStore, type StoreOptions } from "../controller/store/open.ts";
import type { KvStore } from "../controller/store/kv.ts";
import { SqliteKv } from "../controller/store/sqlite.ts";
import type { EtcdKv } from "../controller/store/etcd.ts";
import { SoloCoordination } from "../controller/coordination.ts";
import { startController } from "../controller/server.ts";
import { parseDuration } from "../client/duration.ts";
import { ensureTlsPair } from "../controller/tls.ts";
import { outputOption, printList } from "./output.ts";
import { terminal, UsageError } from "./run.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface StoreFlags {
  dataDir?: string;
  store?: string;
  etcdCa?: string;
  etcdCert?: string;
  etcdKey?: string;
  etcdUser?: string;
}

/** The store the flags name: `--store` (etcd or sqlite), else the data dir. */
async function openConfiguredStore(flags: StoreFlags): Promise<SqliteKv | EtcdKv> {
  const spec = flags.store ?? flags.dataDir;
  if (!spec) {
    throw new UsageError("Give --data-dir DIR (embedded store) or --store etcd://HOST:PORT");
  }
  const tls = flags.etcdCa || flags.etcdCert || flags.etcdKey
    ? { ca: flags.etcdCa, cert: flags.etcdCert, key: flags.etcdKey }
    : undefined;
  const auth = flags.etcdUser
    ? { username: flags.etcdUser, password: Deno.env.get("JUMPSTARTER_ETCD_PASSWORD") ?? "" }
    : undefined;
  return await openStore(spec, { etcd: { tls, auth } as StoreOptions["etcd"] });
}

function parseListen(text: string): { host: string; port: number } {
  const m = text.match(/^(\[[^\]]+\]|[^:]+):(\d+)$/);
  if (!m) throw new UsageError(`Invalid --listen "${text}": use HOST:PORT, e.g. 0.0.0.0:8082`);
  return { host: m[1].replace(/^\[|\]$/g, ""), port: Number(m[2]) };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

function kindOf(text: string): Kind {
  if (text === "client" || text === "clients") return "Client";
  if (text === "exporter" || text === "exporters") return "Exporter";
  throw new UsageError(`Unknown kind "${text}": use client or exporter`);
}

async function endpointInfo(
  dataDir: string,
  endpoint: string,
  caFile?: string,
): Promise<EndpointInfo> {
  let caPem: string | undefined;
  if (caFile) caPem = await Deno.readTextFile(caFile);
  else caPem = await Deno.readTextFile(`${dataDir}/tls/cert.pem`).catch(() => undefined);
  // Several replicas: a comma-separated list, each given a scheme.
  const url = endpoint.split(",").map((e) => e.trim()).map((e) =>
    /^https?:\/\//.test(e) ? e : `${caPem ? "https" : "http"}://${e}`
  ).join(",");
  return { endpoint: url, caPem: url.includes("https://") ? caPem : undefined };
}

const serveHelp = `
Examples:
  $ controller serve --data-dir ./lab --listen 127.0.0.1:8082
  $ controller serve --data-dir /var/lib/jumpstarter --listen 0.0.0.0:8082 --tls-cert cert.pem --tls-key key.pem

One port serves ControllerService, ClientService and the router (gRPC, gRPC-Web, Connect),
plus GET /healthz and GET /metrics (Prometheus). On a non-loopback address without
--tls-cert/--tls-key, a self-signed pair is made in DATA_DIR/tls/ and its fingerprint printed.`;

const adminHelp = `
Examples:
  $ controller admin --data-dir ./lab create client alice --endpoint 127.0.0.1:8082 --out alice.yaml
  $ controller admin --data-dir ./lab create exporter bench-1 --label board=virtual \\
      --endpoint 127.0.0.1:8082 --export-from examples/virtual-board.yaml --out bench-1.yaml
  $ controller admin --data-dir ./lab list -o yaml
  $ controller admin --data-dir ./lab rotate client alice --endpoint 127.0.0.1:8082 --out alice.yaml
  $ controller admin --data-dir ./lab delete exporter bench-1
  $ controller admin --data-dir ./lab policy set ci --exporters board=virtual --clients team=ci --max-duration 2h --priority 10`;

/** Runs the `controller` CLI. */
export async function controllerMain(argv: string[]): Promise<number> {
  const program = new Command("controller")
    .description("Lease exporters to clients, authenticate them with JWTs and route their streams")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (text) => terminal.err(text.trimEnd()) });

  program
    .command("serve")
    .description("Serve the controller and router on one HTTP/2 port")
    .option("--data-dir <dir>", "where the embedded store (SQLite) and TLS files live")
    .option(
      "--store <spec>",
      "etcd://HOST:PORT[,HOST:PORT...] to share state between replicas (default: the data dir)",
    )
    .option(
      "--replica-id <id>",
      "this replica's name in health, metrics and leader election (default: HOST:PORT)",
    )
    .option("--etcd-ca <file>", "CA of the etcd cluster (PEM)")
    .option("--etcd-cert <file>", "client certificate for etcd (PEM)")
    .option("--etcd-key <file>", "client key for etcd (PEM)")
    .option("--etcd-user <name>", "etcd user (password from JUMPSTARTER_ETCD_PASSWORD)")
    .option("--listen <host:port>", "address to listen on", "127.0.0.1:8082")
    .option("--tls-cert <file>", "TLS certificate (PEM)")
    .option("--tls-key <file>", "TLS private key (PEM)")
    .option(
      "--advertise <url>",
      "router URL handed to clients and exporters (default: from --listen)",
    )
    .option("--pairing-timeout <duration>", "close a router stream whose peer never comes", "30s")
    .addOption(new Option("--log-level <level>", "debug, info, warning, error").default("info"))
    .option("--log-json", "log as JSON lines")
    .addHelpText("after", serveHelp)
    .action(async (options) => {
      const { host, port } = parseListen(options.listen);
      const log = new Logger("controller");
      log.attach(stderrSink(parseLogLevel(options.logLevel), options.logJson === true));
      let tls: { cert: string; key: string } | undefined;
      if (options.tlsCert || options.tlsKey) {
        if (!options.tlsCert || !options.tlsKey) {
          throw new UsageError("Give both --tls-cert and --tls-key");
        }
        tls = {
          cert: await Deno.readTextFile(options.tlsCert),
          key: await Deno.readTextFile(options.tlsKey),
        };
      } else if (!isLoopback(host)) {
        if (!options.dataDir) {
          throw new UsageError(
            "A non-loopback --listen without --tls-cert/--tls-key needs --data-dir for its self-signed pair",
          );
        }
        const pair = await ensureTlsPair(`${options.dataDir}/tls`, host);
        tls = { cert: pair.cert, key: pair.key };
        terminal.err(
          `Serving TLS with a self-signed certificate (${options.dataDir}/tls/cert.pem)`,
        );
        terminal.err(`SHA-256 fingerprint: ${pair.fingerprint}`);
      }
      // A server keeps serving: a stray rejection (an etcd client's background
      // call failing while etcd has no quorum) is logged, not fatal.
      globalThis.addEventListener("unhandledrejection", (event) => {
        event.preventDefault();
        log.error(
          `unexpected: ${event.reason instanceof Error ? event.reason.message : event.reason}`,
        );
      });
      const store = await openConfiguredStore(options);
      const replicaId = options.replicaId ?? `${Deno.hostname()}:${port}`;
      const coordination = store instanceof SqliteKv
        ? new SoloCoordination(store, replicaId)
        : new (await import("../controller/etcd_coordination.ts")).EtcdCoordination(
          store as EtcdKv,
          replicaId,
        );
      const server = await startController({
        store,
        host,
        port,
        tls,
        advertise: options.advertise,
        pairingTimeoutMs: parseDuration(options.pairingTimeout),
        coordination,
        log,
      });
      log.info(`controller ${replicaId} listening on ${server.url} (store ${store.description})`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          Deno.removeSignalListener("SIGTERM", stop);
          Deno.removeSignalListener("SIGINT", stop);
          resolve();
        };
        Deno.addSignalListener("SIGTERM", stop);
        Deno.addSignalListener("SIGINT", stop);
      });
      log.info("shutting down");
      await server.close();
    });

  const admin = program
    .command("admin")
    .description("Manage clients, exporters and access policies in a data directory or etcd store")
    .option("--data-dir <dir>", "the controller's data directory")
    .option("--store <spec>", "etcd://HOST:PORT[,...] when the controllers share etcd")
    .option("--etcd-ca <file>", "CA of the etcd cluster (PEM)")
    .option("--etcd-cert <file>", "client certificate for etcd (PEM)")
    .option("--etcd-key <file>", "client key for etcd (PEM)")
    .option("--etcd-user <name>", "etcd user (password from JUMPSTARTER_ETCD_PASSWORD)")
    .option("--namespace <ns>", "namespace", "default")
    .addHelpText("after", adminHelp);
  const withStore = async <T>(
    fn: (store: KvStore, authority: TokenAuthority) => Promise<T>,
  ) => {
    const store = await openConfiguredStore(admin.opts<StoreFlags>());
    try {
      return await fn(store, await TokenAuthority.open(store));
    } finally {
      await store.close();
    }
  };
  const ns = () => admin.opts<{ namespace: string }>().namespace;

  admin
    .command("create")
    .description("Register a client or exporter and write its ready-to-use config file (mode 0600)")
    .argument("<kind>", "client or exporter")
    .argument("<name>", "its name")
    .option("--label <k=v>", "a label (repeatable)", collect, [])
    .requiredOption("--endpoint <host:port>", "where it reaches the controller")
    .requiredOption("--out <file>", "config file to write")
    .option("--ca <file>", "CA certificate to trust (default: DATA_DIR/tls/cert.pem when present)")
    .option("--export-from <file>", "exporter: copy the export: tree from this local-mode config")
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab create exporter bench-1 --label board=virtual --endpoint 127.0.0.1:8082 --out bench-1.yaml\n",
    )
    .action(async (kindText: string, name: string, options) => {
      const kind = kindOf(kindText);
      const labels = parseLabels(options.label);
      let exportTree: Record<string, unknown> | undefined;
      if (options.exportFrom) {
        if (kind !== "Exporter") throw new UsageError("--export-from is for exporters");
        await loadExporterConfig(options.exportFrom);
        exportTree = (parseYaml(await Deno.readTextFile(options.exportFrom)) as {
          export: Record<string, unknown>;
        }).export;
      }
      const info = await endpointInfo(admin.opts().dataDir, options.endpoint, options.ca);
      await withStore(async (store, authority) => {
        const { identity, token } = await createIdentity(
          store,
          authority,
          kind,
          ns(),
          name,
          labels,
        );
        const text = kind === "Client"
          ? clientConfigYaml(identity, token, info)
          : exporterConfigYaml(identity, token, info, exportTree);
        await writePrivateFile(options.out, text);
      });
      terminal.out(`Created ${kind.toLowerCase()} "${name}"; its config is in ${options.out}`);
    });

  admin
    .command("list")
    .description("List clients and exporters")
    .argument("[kind]", "client or exporter (default: both)")
    .addOption(outputOption())
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab list exporters -o yaml\n",
    )
    .action(async (kindText: string | undefined, options) => {
      const identities = await withStore((store) =>
        listIdentities(store, kindText ? kindOf(kindText) : undefined)
      );
      const rows = identities.map((i: Identity) => ({
        kind: i.kind,
        namespace: i.namespace,
        name: i.name,
        labels: i.labels,
        generation: i.generation,
        created: i.createdAt,
      }));
      printList(
        rows,
        options.output,
        ["kind", "namespace", "name", "labels", "created"],
        (r) => `${r.kind.toLowerCase()}/${r.name}`,
      );
    });

  admin
    .command("delete")
    .description("Delete a client or exporter; its token stops working at once")
    .argument("<kind>", "client or exporter")
    .argument("<name>", "its name")
    .addHelpText("after", "\nExample:\n  $ controller admin --data-dir ./lab delete client alice\n")
    .action(async (kindText: string, name: string) => {
      await withStore((store) =>
        deleteIdentity(store, { kind: kindOf(kindText), namespace: ns(), name })
      );
      terminal.out(`Deleted ${kindText} "${name}"`);
    });

  admin
    .command("rotate")
    .description(
      "Issue a new token (the old one stops working at once) and rewrite the config file",
    )
    .argument("<kind>", "client or exporter")
    .argument("<name>", "its name")
    .requiredOption("--endpoint <host:port>", "where it reaches the controller")
    .requiredOption("--out <file>", "config file to write")
    .option("--ca <file>", "CA certificate to trust")
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab rotate client alice --endpoint 127.0.0.1:8082 --out alice.yaml\n",
    )
    .action(async (kindText: string, name: string, options) => {
      const kind = kindOf(kindText);
      const info = await endpointInfo(admin.opts().dataDir, options.endpoint, options.ca);
      await withStore(async (store, authority) => {
        const { identity, token } = await rotateIdentity(store, authority, {
          kind,
          namespace: ns(),
          name,
        });
        let exportTree: Record<string, unknown> | undefined;
        if (kind === "Exporter") {
          const previous = await Deno.readTextFile(options.out).then((t) =>
            parseYaml(t) as { export?: Record<string, unknown> }
          ).catch(() => undefined);
          exportTree = previous?.export;
        }
        const text = kind === "Client"
          ? clientConfigYaml(identity, token, info)
          : exporterConfigYaml(identity, token, info, exportTree);
        await writePrivateFile(options.out, text);
      });
      terminal.out(
        `Rotated the token of ${kindText} "${name}"; the new config is in ${options.out}`,
      );
    });

  const policy = admin.command("policy").description(
    "Access policies: which clients may lease which exporters",
  );
  policy
    .command("set")
    .description("Create or replace an access policy")
    .argument("<name>", "policy name")
    .option("--exporters <selector>", "exporters it covers", "")
    .option("--clients <selector>", "clients it admits (default: all)", "")
    .option("--max-duration <duration>", "longest lease, e.g. 2h")
    .option("--priority <n>", "priority of admitted leases (higher first)", "0")
    .addHelpText(
      "after",
      "\nExample:\n  $ controller admin --data-dir ./lab policy set ci --exporters board=virtual --clients team=ci --max-duration 2h --priority 10\n",
    )
    .action(async (name: string, options) => {
      const priority = Number(options.priority);
      if (!Number.isInteger(priority)) {
        throw new UsageError(`Invalid --priority "${options.priority}": use a whole number`);
      }
      await withStore((store) =>
        putPolicy(store, {
          name,
          exporterSelector: options.exporters,
          clientSelector: options.clients,
          maxDurationMs: options.maxDuration ? parseDuration(options.maxDuration) : undefined,
          priority,
        })
      );
      terminal.out(`Policy "${name}" set`);
    });
  policy
    .command("list")
    .description("List access policies")
    .addOption(outputOption())
    .action(async (options) => {
      const policies = await withStore((store) => listPolicies(store));
      printList(policies as unknown as Record<string, unknown>[], options.output, [
        "name",
        "exporterSelector",
        "clientSelector",
        "maxDurationMs",
        "priority",
      ], (p) => String(p.name));
    });
  policy
    .command("delete")
    .description("Delete an access policy")
    .argument("<name>", "policy name")
    .action(async (name: string) => {
      await withStore((store) => deletePolicy(store, name));
      terminal.out(`Policy "${name}" deleted`);
    });

  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof TypeError) throw new ConfigError(error.message);
    throw error;
  }
  return 0;
}
