/**
 * A lab on loopback for distributed-mode tests: a real controller process,
 * real exporter processes, identities made with the admin CLI. Everything
 * it starts is stopped by `close()`.
 */
import { ROOT, runEntry } from "./run.ts";
import { loadClientConfig } from "../../src/config/client_config.ts";
import { ControllerClient } from "../../src/client/controller_client.ts";

/** A free TCP port on loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

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
): LabProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/${entry}`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  return { child, log: () => text, drained };
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/** A controller, its data dir, and helpers to add identities and exporters. */
export class Lab implements AsyncDisposable {
  readonly processes = new Set<LabProcess>();
  controller!: LabProcess;
  readonly endpoint: string;

  private constructor(readonly dir: string, readonly port: number, readonly serveArgs: string[]) {
    this.endpoint = `127.0.0.1:${port}`;
  }

  static async start(serveArgs: string[] = []): Promise<Lab> {
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-lab-" });
    const lab = new Lab(dir, freePort(), serveArgs);
    await lab.startController();
    return lab;
  }

  /** (Re)starts the controller process on the same port and data dir. */
  async startController(): Promise<void> {
    this.controller = spawn("controller.ts", [
      "serve",
      "--data-dir",
      `${this.dir}/data`,
      "--listen",
      this.endpoint,
      "--log-level",
      "debug",
      ...this.serveArgs,
    ]);
    this.processes.add(this.controller);
    await waitUntil("the controller", async () => {
      try {
        const res = await fetch(`http://${this.endpoint}/healthz`);
        await res.body?.cancel();
        return res.ok;
      } catch {
        return false;
      }
    });
  }

  /** Stops the controller with SIGTERM (or SIGKILL) and waits for it. */
  async stopController(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    await this.stop(this.controller, signal);
  }

  async stop(process: LabProcess, signal: Deno.Signal = "SIGTERM"): Promise<void> {
    try {
      process.child.kill(signal);
    } catch { /* exited */ }
    await process.child.status;
    await process.drained;
    this.processes.delete(process);
  }

  /** Runs `controller admin ...` against the lab's data dir. */
  async admin(...args: string[]) {
    const ran = await runEntry("controller.ts", [
      "admin",
      "--data-dir",
      `${this.dir}/data`,
      ...args,
    ]);
    if (ran.code !== 0) throw new Error(`admin ${args.join(" ")} failed: ${ran.stderr}`);
    return ran;
  }

  /** Creates a client; returns its config path. */
  async client(name: string, ...labels: string[]): Promise<string> {
    const out = `${this.dir}/${name}.yaml`;
    await this.admin(
      "create",
      "client",
      name,
      ...labels.flatMap((l) => ["--label", l]),
      "--endpoint",
      this.endpoint,
      "--out",
      out,
    );
    return out;
  }

  /** A ControllerClient for a client config file. */
  async connect(configPath: string): Promise<ControllerClient> {
    return new ControllerClient(await loadClientConfig(configPath));
  }

  /** Creates an exporter identity with the virtual board and starts its process; waits until online. */
  async exporter(
    name: string,
    labels: string[],
    exportFrom = `${ROOT}/examples/virtual-board.yaml`,
    extraYaml = "",
    env: Record<string, string> = {},
  ): Promise<LabProcess> {
    const out = `${this.dir}/${name}.yaml`;
    await this.admin(
      "create",
      "exporter",
      name,
      ...labels.flatMap((l) => ["--label", l]),
      "--endpoint",
      this.endpoint,
      "--export-from",
      exportFrom,
      "--out",
      out,
    );
    if (extraYaml) await Deno.writeTextFile(out, extraYaml, { append: true });
    return await this.startExporter(name, env);
  }

  /** Starts (or restarts) the process of an existing exporter config. */
  async startExporter(name: string, env: Record<string, string> = {}): Promise<LabProcess> {
    const process = spawn("exporter.ts", [
      "serve",
      "--config",
      `${this.dir}/${name}.yaml`,
      "--log-level",
      "debug",
    ], env);
    this.processes.add(process);
    await waitUntil(
      `exporter ${name} to register`,
      () => process.log().includes("registered with"),
    );
    return process;
  }

  async close(): Promise<void> {
    for (const process of [...this.processes]) await this.stop(process, "SIGTERM");
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

export { waitUntil };
