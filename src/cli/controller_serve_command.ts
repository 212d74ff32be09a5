/**
 * `controller serve`: its options and help. What it does is in
 * `controller_serve_action.ts`, loaded when it runs, so `--help` stays quick.
 *
 * @module
 */
import { type Command, Option } from "commander";

const action = () => import("./controller_serve_action.ts");

const serveHelp = `
Examples:
  $ controller serve --data-dir ./lab --create --listen 127.0.0.1:8082
  $ controller serve --data-dir /var/lib/jumpstarter --listen 0.0.0.0:8082 --tls-cert cert.pem --tls-key key.pem
  $ controller serve --data-dir ./lab --listen 0.0.0.0:8082 --tls-cert c.pem --tls-key k.pem \\
      --router-endpoint lab.example.com:443

One port serves ControllerService, ClientService and the router (gRPC, gRPC-Web, Connect),
plus GET /healthz, GET /metrics (Prometheus) and the web dashboard at / (log in with a
one-time URL from \`jumpstarter dashboard\`; see docs/dashboard.md). On a non-loopback address without
--tls-cert/--tls-key, a self-signed pair is made in DATA_DIR/tls/ and its fingerprint printed.
With TLS, Dial and Listen hand out router addresses as HOST:PORT (upstream's form).`;

/** Adds `serve` to the program. */
export function addServeCommand(program: Command): void {
  program
    .command("serve")
    .description("Serve the controller and router on one HTTP/2 port")
    .option("--data-dir <dir>", "where the embedded store (SQLite) and TLS files live")
    .option("--create", "make --data-dir (a new, empty store) if it does not exist")
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
    .option(
      "--election-ttl <duration>",
      "with etcd: how long a crashed leader's claim lasts, so the failover time (etcd's floor: " +
        "1.5 × its election timeout)",
      "5s",
    )
    .option("--listen <host:port>", "address to listen on", "127.0.0.1:8082")
    .option("--tls-cert <file>", "TLS certificate (PEM)")
    .option("--tls-key <file>", "TLS private key (PEM)")
    .option(
      "--router-endpoint <host:port>",
      "router address clients and exporters reach (behind NAT or a load balancer); repeat for several, handed out in turn (default: from --listen)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "--auth-config <file>",
      "trust tokens of these OpenID Connect issuers (jwt: list, upstream's shape)",
    )
    .option("--advertise <url>", "same as one --router-endpoint (kept for older scripts)")
    .option("--pairing-timeout <duration>", "close a router stream whose peer never comes", "30s")
    .option("--max-lease-duration <duration>", "the longest lease this controller gives", "7d")
    .option(
      "--lease-history <duration>",
      "how long ended leases are kept for lease list --all",
      "7d",
    )
    .option(
      "--lease-history-count <count>",
      "most ended leases kept (the controller's memory grows with them up to this)",
      "10000",
    )
    .option(
      "--client-keepalive-timeout <duration>",
      "end a lease whose session (shell, run, test fixture) sent no keepalive for this long",
      "60s",
    )
    .option(
      "--max-connections <n>",
      "most open connections; new ones are closed past it (default: half the open-file limit)",
    )
    .option(
      "--first-byte-timeout <duration>",
      "close a connection that sends nothing (or no TLS handshake) for this long",
      "10s",
    )
    .addOption(new Option("--log-level <level>", "debug, info, warning, error").default("info"))
    .option("--log-json", "log as JSON lines")
    .addHelpText("after", serveHelp)
    .action(async (options) => (await action()).serve(options));
}
