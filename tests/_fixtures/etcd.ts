/**
 * A real etcd cluster on loopback for store tests: three members (Debian's
 * `etcd-server` binary), data dirs in one temp dir, heartbeat and election
 * timeouts tuned low so leader elections take well under a second. Members
 * can be killed with SIGKILL and restarted on their data dirs; `close()`
 * stops every process and removes the temp dir.
 *
 * Without an `etcd` binary the tests that need it are skipped with a message,
 * except when `CI=true`: then they run and fail, so CI cannot go green
 * without them.
 *
 * Run as a program it is a campaigner for the election tests:
 * `deno run -A tests/_fixtures/etcd.ts campaign ENDPOINTS ELECTION REPLICA TTL`
 * prints `elected REPLICA` when it becomes leader and then waits to be killed.
 */
import { EtcdKv } from "../../src/controller/store/etcd_kv.ts";
import { freePort } from "./net.ts";
import { makeTestTls, type TestTls } from "./test_ca.ts";
import { spawnDeno, type Spawned } from "./run.ts";
import { eventually } from "../../testing/eventually.ts";

/** Path of the etcd binary, or undefined when none is installed. */
export const etcdBinary: string | undefined = findEtcd();

const inCi = Deno.env.get("CI") === "true";

/** True when the etcd tests must be skipped (no binary, and not in CI). */
export const skipEtcd: boolean = etcdBinary === undefined && !inCi;

if (skipEtcd && !import.meta.main) {
  console.error(
    "etcd tests skipped: no etcd binary found (install Debian's etcd-server or set ETCD_BIN); " +
      "with CI=true they fail instead",
  );
}

function findEtcd(): string | undefined {
  const explicit = Deno.env.get("ETCD_BIN");
  const dirs = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  const candidates = explicit ? [explicit] : [...dirs.map((d) => `${d}/etcd`), "/usr/bin/etcd"];
  for (const path of candidates) {
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch { /* not here */ }
  }
  return undefined;
}

/** One etcd member: its ports, data dir and (while running) its process. */
export interface EtcdMember {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  /** `127.0.0.1:PORT`, the form `EtcdKv` and `openStore` take. */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly logFile: string;
  process?: Deno.ChildProcess;
}

const live = new Set<EtcdCluster>();
globalThis.addEventListener("unload", () => {
  for (const cluster of live) cluster.killNow();
});

/** PEM files of a test CA, a server pair for 127.0.0.1 and a client pair. */
/** The throwaway CA and pairs of a TLS etcd cluster. */
export type EtcdTls = TestTls;

/** A loopback etcd cluster for tests. */
export class EtcdCluster implements AsyncDisposable {
  readonly members: EtcdMember[];
  readonly #token = crypto.randomUUID();
  /** Set when started with `{ tls: true }`: clients must use https and these files. */
  tls?: EtcdTls;
  #httpClient?: Deno.HttpClient;

  private constructor(readonly dir: string, size: number) {
    this.members = Array.from({ length: size }, (_, i) => {
      const clientPort = freePort();
      return {
        name: `m${i}`,
        clientPort,
        peerPort: freePort(),
        endpoint: `127.0.0.1:${clientPort}`,
        dataDir: `${dir}/m${i}`,
        logFile: `${dir}/m${i}.log`,
      };
    });
  }

  /**
   * Starts `size` members and waits until every one reports healthy. With
   * `tls`, clients must present a certificate signed by the test CA.
   */
  static async start(size = 3, options: { tls?: boolean } = {}): Promise<EtcdCluster> {
    if (etcdBinary === undefined) {
      throw new Error(
        "Cannot start an etcd cluster: no etcd binary (apt-get install etcd-server, or set ETCD_BIN)",
      );
    }
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-etcd-" });
    const cluster = new EtcdCluster(dir, size);
    live.add(cluster);
    try {
      if (options.tls) {
        cluster.tls = await makeTestTls(`${dir}/tls`);
        cluster.#httpClient = Deno.createHttpClient({
          caCerts: [await Deno.readTextFile(cluster.tls.ca)],
          cert: await Deno.readTextFile(cluster.tls.clientCert),
          key: await Deno.readTextFile(cluster.tls.clientKey),
        });
      }
      for (let i = 0; i < size; i++) cluster.#spawn(i);
      await cluster.waitHealthy();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** Client endpoints of every member (`127.0.0.1:PORT`), dead or alive. */
  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  /** `http://` or `https://` for client URLs. */
  get scheme(): string {
    return this.tls ? "https" : "http";
  }

  #spawn(i: number): void {
    const m = this.members[i];
    const tls = this.tls
      ? [
        "--cert-file",
        this.tls.serverCert,
        "--key-file",
        this.tls.serverKey,
        "--trusted-ca-file",
        this.tls.ca,
        "--client-cert-auth",
      ]
      : [];
    const initialCluster = this.members.map((p) => `${p.name}=http://127.0.0.1:${p.peerPort}`)
      .join(",");
    m.process = new Deno.Command(etcdBinary!, {
      args: [
        "--name",
        m.name,
        "--data-dir",
        m.dataDir,
        "--listen-client-urls",
        `${this.scheme}://${m.endpoint}`,
        "--advertise-client-urls",
        `${this.scheme}://${m.endpoint}`,
        "--listen-peer-urls",
        `http://127.0.0.1:${m.peerPort}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${m.peerPort}`,
        "--initial-cluster",
        initialCluster,
        "--initial-cluster-token",
        this.#token,
        "--initial-cluster-state",
        "new",
        "--heartbeat-interval",
        "50",
        "--election-timeout",
        "300",
        "--logger",
        "zap",
        "--log-outputs",
        m.logFile,
        ...tls,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  }

  /** Waits until every running member answers `/health` with a leader. */
  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const m of this.members.filter((m) => m.process)) {
      await eventually(() => this.#healthy(m), {
        timeout: Math.max(0, deadline - Date.now()),
        interval: 50,
        message: `etcd member ${m.name}'s health`,
      }).catch((error) => {
        throw new Error(`${(error as Error).message}:\n${this.logTail(m)}`);
      });
    }
  }

  async #healthy(m: EtcdMember): Promise<boolean> {
    try {
      const res = await fetch(`${this.scheme}://${m.endpoint}/health`, {
        signal: AbortSignal.timeout(1000),
        client: this.#httpClient,
      });
      const body = await res.json() as { health?: string };
      return res.ok && body.health === "true";
    } catch {
      return false;
    }
  }

  /** Calls etcd's JSON gateway (`/v3/...`) on the first running member; returns the JSON answer. */
  async gateway(path: string, body: unknown, token?: string): Promise<Record<string, unknown>> {
    const m = this.members.find((m) => m.process)!;
    const res = await fetch(`${this.scheme}://${m.endpoint}/v3/${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: token ? { authorization: token } : {},
      client: this.#httpClient,
    });
    const answer = await res.json();
    if (!res.ok) throw new Error(`etcd ${path} failed: ${JSON.stringify(answer)}`);
    return answer;
  }

  /** Turns on etcd authentication with a `root` user having `password`. */
  async enableAuth(password: string): Promise<void> {
    await this.gateway("auth/role/add", { name: "root" });
    await this.gateway("auth/user/add", { name: "root", password });
    await this.gateway("auth/user/grant", { user: "root", role: "root" });
    await this.gateway("auth/enable", {});
  }

  /** The last lines of a member's log, for failure messages. */
  logTail(m: EtcdMember, lines = 15): string {
    try {
      return Deno.readTextFileSync(m.logFile).trimEnd().split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }

  /** Kills member `i` with SIGKILL and waits for it to exit. */
  async kill(i: number): Promise<void> {
    const process = this.members[i].process;
    if (!process) return;
    this.members[i].process = undefined;
    try {
      process.kill("SIGKILL");
    } catch { /* already exited */ }
    await process.status;
  }

  /** Restarts member `i` on its data dir; `wait` waits until it is healthy again. */
  async restart(i: number, wait = true): Promise<void> {
    await this.kill(i);
    this.#spawn(i);
    if (wait) await this.waitHealthy();
  }

  /** Sends SIGKILL to every member without waiting (process exit path). */
  killNow(): void {
    for (const m of this.members) {
      try {
        m.process?.kill("SIGKILL");
      } catch { /* exited */ }
    }
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch { /* gone */ }
  }

  /** Kills every member and removes the data dirs. */
  async close(): Promise<void> {
    for (let i = 0; i < this.members.length; i++) await this.kill(i);
    this.#httpClient?.close();
    this.#httpClient = undefined;
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    live.delete(this);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Starts a campaigner child process (see the module doc); resolves once it is spawned. */
export function spawnCampaigner(
  endpoints: string[],
  election: string,
  replicaId: string,
  ttlSeconds: number,
): Spawned {
  return spawnDeno([
    "run",
    "-A",
    new URL(import.meta.url).pathname,
    "campaign",
    endpoints.join(","),
    election,
    replicaId,
    String(ttlSeconds),
  ], { env: { NO_COLOR: "1" } });
}

async function campaignMain(args: string[]): Promise<void> {
  const [endpoints, election, replicaId, ttl] = args;
  const store = await EtcdKv.open({ endpoints: endpoints.split(",") });
  const leadership = store.campaign(election, replicaId, { ttlSeconds: Number(ttl) });
  leadership.onChange((leader) => console.log(leader ? `elected ${replicaId}` : "not leader"));
  setInterval(() => {}, 1 << 30); // stays up until killed
}

if (import.meta.main) {
  const [command, ...rest] = Deno.args;
  if (command !== "campaign") {
    console.error("usage: etcd.ts campaign ENDPOINTS ELECTION REPLICA TTL");
    Deno.exit(2);
  }
  await campaignMain(rest);
}
