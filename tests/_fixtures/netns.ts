/**
 * A lab in network namespaces made by the test, for faults on real links:
 * the controller in one namespace behind a bridge (10.77.0.1), the exporter
 * and the client each in a namespace of their own on a veth pair to it
 * (10.77.0.2, 10.77.0.3). No address exists outside the namespaces. A link
 * is cut with `ip link set down`, loses packets through nftables, and gets
 * latency from a delaying proxy in front of the controller (the kernel has
 * no netem here). `close()` stops every process and deletes the namespaces.
 */
import { LabBase, type LabProcess, spawn } from "./lab.ts";
import { VIRTUAL_BOARD } from "./run.ts";
import { eventually } from "../../testing/eventually.ts";

const inCi = Deno.env.get("CI") === "true";
const CONTROLLER_IP = "10.77.0.1";
const PORT = 8082;
const HOSTS = { exp: "10.77.0.2", cli: "10.77.0.3" } as const;
export type Side = keyof typeof HOSTS;

async function run(command: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${command} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

function ip(...args: string[]): Promise<void> {
  return run("ip", ...args);
}

/** Why namespaces cannot be made here (undefined when they can); under CI=true that is a failure. */
export async function netnsUnavailable(): Promise<string | undefined> {
  const name = `jsprobe${Deno.pid}`;
  try {
    await ip("netns", "add", name);
    await ip("-n", name, "link", "add", "br0", "type", "bridge");
    await run("ip", "netns", "exec", name, "nft", "list", "tables");
    return undefined;
  } catch (error) {
    const why = `network namespaces, bridges or nftables are not available (need root, ` +
      `iproute2 and nftables): ${(error as Error).message}`;
    if (inCi) throw new Error(`CI=true: ${why}`);
    return why;
  } finally {
    await ip("netns", "del", name).catch(() => {});
  }
}

/** A controller, an exporter and a client, each in a namespace of its own. */
export class NetnsLab extends LabBase {
  controller!: LabProcess;
  readonly ns: { ctl: string; exp: string; cli: string };
  /** The controller's address, as the configs name it. */
  readonly endpoint = `${CONTROLLER_IP}:${PORT}`;
  #proxy?: LabProcess;

  private constructor(dir: string, tag: string) {
    super(dir);
    this.ns = { ctl: `${tag}ctl`, exp: `${tag}exp`, cli: `${tag}cli` };
  }

  static async start(serveArgs: string[] = []): Promise<NetnsLab> {
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-netns-" });
    const lab = new NetnsLab(dir, `js${Deno.pid % 100000}`);
    try {
      await lab.#plumb();
      lab.controller = lab.spawnIn("ctl", "controller.ts", [
        "serve",
        "--data-dir",
        `${dir}/data`,
        "--create",
        "--listen",
        lab.endpoint,
        "--log-level",
        "debug",
        ...serveArgs,
      ]);
      await eventually(() => lab.controller.log().includes("listening on"), {
        timeout: 20_000,
        interval: 50,
        message: "the controller in its namespace",
      });
    } catch (error) {
      await lab.close();
      throw error;
    }
    return lab;
  }

  async #plumb(): Promise<void> {
    const { ctl } = this.ns;
    await ip("netns", "add", ctl);
    await ip("-n", ctl, "link", "set", "lo", "up");
    await ip("-n", ctl, "link", "add", "br0", "type", "bridge");
    await ip("-n", ctl, "addr", "add", `${CONTROLLER_IP}/24`, "dev", "br0");
    await ip("-n", ctl, "link", "set", "br0", "up");
    for (const side of ["exp", "cli"] as const) {
      const ns = this.ns[side];
      // Made in the root namespace, so the names are unique to this lab; moved at once.
      const [outer, inner] = [`${this.ns.ctl}${side[0]}0`, `${this.ns.ctl}${side[0]}1`];
      await ip("netns", "add", ns);
      await ip("-n", ns, "link", "set", "lo", "up");
      await ip("link", "add", outer, "type", "veth", "peer", "name", inner);
      await ip("link", "set", outer, "netns", ctl);
      await ip("link", "set", inner, "netns", ns);
      await ip("-n", ctl, "link", "set", outer, "master", "br0");
      await ip("-n", ctl, "link", "set", outer, "up");
      await ip("-n", ns, "link", "set", inner, "name", "eth0");
      await ip("-n", ns, "addr", "add", `${HOSTS[side]}/24`, "dev", "eth0");
      await ip("-n", ns, "link", "set", "eth0", "up");
    }
  }

  protected storeArgs(): string[] {
    return ["--data-dir", `${this.dir}/data`];
  }

  /** Runs `deno run -A ENTRY args...` in a namespace of the lab. */
  spawnIn(where: keyof NetnsLab["ns"], entry: string, args: string[]): LabProcess {
    const process = spawn(entry, args, {}, ["ip", "netns", "exec", this.ns[where]]);
    this.processes.add(process);
    return process;
  }

  /** A client identity; its config names the controller (or `endpoint`). */
  async client(name: string, endpoint = this.endpoint): Promise<string> {
    return await this.create("client", name, [], endpoint);
  }

  /** An exporter with the virtual board in the exporter namespace; waits until it registers. */
  async exporter(name: string, labels: string[], endpoint = this.endpoint): Promise<LabProcess> {
    const config = await this.create(
      "exporter",
      name,
      labels,
      endpoint,
      "--export-from",
      VIRTUAL_BOARD,
    );
    const process = this.spawnIn("exp", "exporter.ts", ["serve", "--config", config]);
    await eventually(() => process.log().includes("registered with"), {
      timeout: 20_000,
      interval: 50,
      message: `exporter ${name} to register`,
    });
    return process;
  }

  /** Cuts (`up` false) or restores a side's link to the controller. */
  async link(side: Side, up: boolean): Promise<void> {
    await ip("-n", this.ns[side], "link", "set", "eth0", up ? "up" : "down");
  }

  /** Drops `percent` % of a side's packets, both ways (0 removes the rule). */
  async loss(side: Side, percent: number): Promise<void> {
    const ns = this.ns[side];
    await run("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "loss").catch(() => {});
    if (percent <= 0) return;
    const nft = (...args: string[]) => run("ip", "netns", "exec", ns, "nft", ...args);
    await nft("add", "table", "inet", "loss");
    for (const hook of ["input", "output"]) {
      await nft("add", "chain", "inet", "loss", hook, `{ type filter hook ${hook} priority 0; }`);
      await nft(
        "add",
        "rule",
        "inet",
        "loss",
        hook,
        "numgen",
        "random",
        "mod",
        "100",
        "<",
        String(percent),
        "drop",
      );
    }
  }

  /**
   * Starts a proxy in the controller's namespace that delays every chunk by
   * `delayMs` each way; returns its endpoint (name it in configs and in
   * `--advertise` to put the delay on every path to the controller).
   */
  async delayingProxy(delayMs: number, port = PORT + 1): Promise<string> {
    this.#proxy = this.spawnIn("ctl", "tests/_fixtures/delay_proxy.ts", [
      `${CONTROLLER_IP}:${port}`,
      this.endpoint,
      String(delayMs),
    ]);
    await eventually(() => this.#proxy!.log().includes("proxying"), {
      timeout: 20_000,
      interval: 50,
      message: "the delaying proxy",
    });
    return `${CONTROLLER_IP}:${port}`;
  }

  /** Stops every process, then deletes the namespaces (their links go with them). */
  override async close(): Promise<void> {
    try {
      await super.close();
    } finally {
      for (const ns of Object.values(this.ns)) await ip("netns", "del", ns).catch(() => {});
    }
  }
}
