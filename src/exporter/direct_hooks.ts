/**
 * The config's lease hooks in direct mode, as upstream's standalone exporter
 * runs them: `beforeLease` once before the port opens (so no client sees the
 * board before it is ready), `afterLease` once after the port closes. A hook
 * drives the drivers through a private unix socket (mode 0600 in a 0700
 * folder) that takes no passphrase, since only the exporter's user reaches it.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { type RpcServer, serveUnix } from "../transport/server.ts";
import type { Exporter } from "./exporter.ts";
import { hookFrom } from "./hooks.ts";
import { type HookRun, runAfterLease, runBeforeLease } from "./lease_hooks.ts";
import { exporterRoutes } from "./service.ts";

/** The hooks of a direct exporter, with the socket they use. */
export class DirectHooks {
  private constructor(
    readonly exporter: Exporter,
    readonly log: Logger,
    readonly dir: string,
    readonly socket: RpcServer,
  ) {}

  /** Starts the hooks' socket when the config has hooks; undefined when it has none. */
  static async open(exporter: Exporter, log: Logger): Promise<DirectHooks | undefined> {
    const hooks = exporter.config.hooks;
    if (!hookFrom(hooks, "beforeLease") && !hookFrom(hooks, "afterLease")) return undefined;
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-hooks-" });
    await Deno.chmod(dir, 0o700);
    const socket = await serveUnix(`${dir}/hooks.sock`, exporterRoutes(exporter));
    return new DirectHooks(exporter, log, dir, socket);
  }

  #run(failures: string[]): HookRun {
    return {
      env: {
        JUMPSTARTER_HOST: this.socket.address,
        LEASE_NAME: "standalone",
        EXPORTER_NAME: this.exporter.config.metadata.name,
      },
      log: this.log,
      setStatus: () => Promise.resolve(),
      exit: (reason) => failures.push(reason),
    };
  }

  /** Runs beforeLease; throws when its failure policy is not `warn`. */
  async before(): Promise<void> {
    const failures: string[] = [];
    const hook = hookFrom(this.exporter.config.hooks, "beforeLease");
    if (!(await runBeforeLease(hook, this.#run(failures)))) {
      throw new Error(
        `beforeLease hook failed (onFailure: ${hook!.onFailure}): not serving; see the log above`,
      );
    }
  }

  /** Runs afterLease (its failure is logged); then closes the socket. */
  async after(): Promise<void> {
    try {
      await runAfterLease(hookFrom(this.exporter.config.hooks, "afterLease"), this.#run([]));
    } finally {
      await this.close();
    }
  }

  /** Closes the socket and removes its folder. */
  async close(): Promise<void> {
    await this.socket.close();
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
