/**
 * A lab on loopback for distributed-mode tests: a real controller process,
 * real exporter processes, identities made with the admin CLI. Everything
 * it starts is stopped by `close()`.
 */
import { ROOT, runEntry, spawnDeno, VIRTUAL_BOARD } from "./run.ts";
import { freePort } from "./net.ts";
import { loadClientConfig } from "../../src/config/client_config.ts";
import { ControllerClient } from "../../src/client/controller_client.ts";
import { eventually } from "../../testing/eventually.ts";

export { freePort };

export interface LabProcess {
  child: Deno.ChildProcess;
  log: () => string;
  /** Settles when its output has been read to the end. */
  drained: Promise<unknown>;
}

export function spawn(
  entry: string,
  args: string[],
  env: Record<string, string> = {},
  wrap?: string[],
): LabProcess {
  const { child, output, drained } = spawnDeno(["run", "-A", `${ROOT}/${entry}`, ...args], {
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    wrap,
  });
  return { child, log: output, drained };
}

/** How long a lab process may take to exit once told to. */
const EXIT_WAIT_MS = 15_000;

/**
 * What `Lab` and `HaLab` share, whatever stores the controller's state: a
 * temp dir for configs, the processes started, the admin CLI, exporters.
 */
export abstract class LabBase implements AsyncDisposable {
  readonly processes = new Set<LabProcess>();

  protected constructor(readonly dir: string) {}

  /** Where `controller admin` finds the state: `--data-dir DIR` or `--store URL`. */
  protected abstract storeArgs(): string[];

  /** Runs `controller admin ...` against the lab's state. */
  async admin(...args: string[]) {
    const ran = await runEntry("controller.ts", ["admin", ...this.storeArgs(), ...args]);
    if (ran.code !== 0) throw new Error(`admin ${args.join(" ")} failed: ${ran.stderr}`);
    return ran;
  }

  /** `admin create KIND NAME --label ... --endpoint ENDPOINT MORE... --out`; returns the config path. */
  protected async create(
    kind: "client" | "exporter",
    name: string,
    labels: string[],
    endpoint: string,
    ...more: string[]
  ): Promise<string> {
    const out = `${this.dir}/${name}.yaml`;
    await this.admin(
      "create",
      kind,
      name,
      ...labels.flatMap((l) => ["--label", l]),
      "--endpoint",
      endpoint,
      ...more,
      "--out",
      out,
    );
    return out;
  }

  /** A ControllerClient for a client config file. */
  async connect(configPath: string): Promise<ControllerClient> {
    return new ControllerClient(await loadClientConfig(configPath));
  }

  /** Starts (or restarts) the process of an existing exporter config; waits until it registers. */
  async startExporter(
    name: string,
    env: Record<string, string> = {},
    timeoutMs = 15_000,
  ): Promise<LabProcess> {
    const process = spawn("exporter.ts", [
      "serve",
      "--config",
      `${this.dir}/${name}.yaml`,
      "--log-level",
      "debug",
    ], env);
    this.processes.add(process);
    await eventually(() => process.log().includes("registered with"), {
      timeout: timeoutMs,
      interval: 50,
      message: `exporter ${name} to register`,
    });
    return process;
  }

  /**
   * Stops a process with SIGTERM (or `signal`) and waits until it exited and
   * its output is read. One that takes longer than `EXIT_WAIT_MS` is killed
   * and fails the test with the end of its log, instead of hanging it.
   */
  async stop(process: LabProcess, signal: Deno.Signal = "SIGTERM"): Promise<void> {
    this.processes.delete(process);
    try {
      process.child.kill(signal);
    } catch { /* exited */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) =>
      timer = setTimeout(() => resolve("late"), EXIT_WAIT_MS)
    );
    const ended = await Promise.race([
      Promise.all([process.child.status, process.drained]).then(() => "ended" as const),
      late,
    ]);
    clearTimeout(timer);
    if (ended === "ended") return;
    try {
      process.child.kill("SIGKILL");
    } catch { /* exited */ }
    await process.child.status;
    throw new Error(
      `A lab process was still running ${EXIT_WAIT_MS / 1000} s after ${signal}; its log ends:\n${
        process.log().slice(-2000)
      }`,
    );
  }

  /** Stops every process (all of them, even when one fails to stop) and removes the temp dir. */
  async close(): Promise<void> {
    const stopped = [];
    for (const process of [...this.processes]) {
      stopped.push(await this.stop(process, "SIGTERM").then(() => undefined, (error) => error));
    }
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    const failure = stopped.find((error) => error !== undefined);
    if (failure) throw failure;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** A controller, its data dir, and helpers to add identities and exporters. */
export class Lab extends LabBase {
  controller!: LabProcess;
  readonly endpoint: string;

  private constructor(dir: string, readonly port: number, readonly serveArgs: string[]) {
    super(dir);
    this.endpoint = `127.0.0.1:${port}`;
  }

  static async start(serveArgs: string[] = []): Promise<Lab> {
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-lab-" });
    const lab = new Lab(dir, freePort(), serveArgs);
    await lab.startController();
    return lab;
  }

  protected storeArgs(): string[] {
    return ["--data-dir", `${this.dir}/data`];
  }

  /** (Re)starts the controller process on the same port and data dir. */
  async startController(): Promise<void> {
    this.controller = spawn("controller.ts", [
      "serve",
      "--data-dir",
      `${this.dir}/data`,
      "--create",
      "--listen",
      this.endpoint,
      "--log-level",
      "debug",
      ...this.serveArgs,
    ]);
    this.processes.add(this.controller);
    await eventually(async () => {
      try {
        const res = await fetch(`http://${this.endpoint}/healthz`);
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    }, { timeout: 15_000, interval: 50, message: "the controller" });
  }

  /** Stops the controller with SIGTERM (or SIGKILL) and waits for it. */
  async stopController(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    await this.stop(this.controller, signal);
  }

  /** Creates a client; returns its config path. */
  async client(name: string, ...labels: string[]): Promise<string> {
    return await this.create("client", name, labels, this.endpoint);
  }

  /** Creates an exporter identity with the virtual board and starts its process; waits until online. */
  async exporter(
    name: string,
    labels: string[],
    exportFrom = VIRTUAL_BOARD,
    extraYaml = "",
    env: Record<string, string> = {},
  ): Promise<LabProcess> {
    const out = await this.create(
      "exporter",
      name,
      labels,
      this.endpoint,
      "--export-from",
      exportFrom,
    );
    if (extraYaml) await Deno.writeTextFile(out, extraYaml, { append: true });
    return await this.startExporter(name, env);
  }
}
