/**
 * A highly available lab on loopback: a 3-member etcd cluster, three
 * controller replicas sharing it, exporters and clients. Everything it starts
 * is stopped by `close()`.
 */
import { EtcdCluster } from "./etcd.ts";
import { freePort, LabBase, type LabProcess, spawn } from "./lab.ts";
import { VIRTUAL_BOARD } from "./run.ts";
import { eventually } from "../../testing/eventually.ts";

export interface Replica {
  id: string;
  port: number;
  endpoint: string;
  process?: LabProcess;
}

export class HaLab extends LabBase {
  readonly replicas: Replica[];

  private constructor(
    dir: string,
    readonly etcd: EtcdCluster,
    count: number,
    /** More `controller serve` arguments for every replica (e.g. `--election-ttl 1s`). */
    readonly replicaArgs: string[] = [],
  ) {
    super(dir);
    this.replicas = Array.from({ length: count }, (_, i) => {
      const port = freePort();
      return { id: `r${i}`, port, endpoint: `127.0.0.1:${port}` };
    });
  }

  static async start(count = 3, replicaArgs: string[] = []): Promise<HaLab> {
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-ha-" });
    const etcd = await EtcdCluster.start(3);
    const lab = new HaLab(dir, etcd, count, replicaArgs);
    try {
      for (let i = 0; i < count; i++) await lab.startReplica(i);
    } catch (error) {
      await lab.close();
      throw error;
    }
    return lab;
  }

  protected storeArgs(): string[] {
    return ["--store", this.store];
  }

  get store(): string {
    return `etcd://${this.etcd.members.map((m) => m.endpoint).join(",")}`;
  }

  /** Every replica's endpoint, comma-separated (what configs list). */
  get endpoints(): string {
    return this.replicas.map((r) => r.endpoint).join(",");
  }

  async startReplica(i: number): Promise<void> {
    const replica = this.replicas[i];
    replica.process = spawn("controller.ts", [
      "serve",
      "--store",
      this.store,
      "--replica-id",
      replica.id,
      "--listen",
      replica.endpoint,
      "--log-level",
      "debug",
      ...this.replicaArgs,
    ]);
    this.processes.add(replica.process);
    await eventually(async () => (await this.health(i)) !== undefined, {
      timeout: 20_000,
      interval: 50,
      message: `replica ${replica.id}`,
    });
  }

  /** The replica's /healthz, or undefined when it does not answer. */
  async health(i: number): Promise<{ replica: string; leader: boolean } | undefined> {
    try {
      const res = await fetch(`http://${this.replicas[i].endpoint}/healthz`);
      return res.ok ? await res.json() : (await res.body?.cancel(), undefined);
    } catch {
      return undefined;
    }
  }

  /** Index of the leading replica (waits until one leads). */
  async leader(): Promise<number> {
    let found = -1;
    await eventually(async () => {
      for (let i = 0; i < this.replicas.length; i++) {
        if (this.replicas[i].process && (await this.health(i))?.leader) {
          found = i;
          return true;
        }
      }
      return false;
    }, { timeout: 20_000, interval: 50, message: "a leader" });
    return found;
  }

  async killReplica(i: number, signal: Deno.Signal = "SIGKILL"): Promise<void> {
    const process = this.replicas[i].process;
    if (!process) return;
    await this.stop(process, signal);
    this.replicas[i].process = undefined;
  }

  /** A client whose config names `endpoints` (default: every replica). */
  async client(name: string, endpoints = this.endpoints): Promise<string> {
    return await this.create("client", name, [], endpoints);
  }

  /** An exporter with the virtual board attached to `endpoints` (default: every replica). */
  async exporter(name: string, labels: string[], endpoints = this.endpoints): Promise<LabProcess> {
    await this.create("exporter", name, labels, endpoints, "--export-from", VIRTUAL_BOARD);
    return await this.startExporter(name, {}, 20_000);
  }

  /** Stops every process and removes the temp dir, then stops the etcd cluster. */
  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      await this.etcd.close();
    }
  }
}
