/**
 * The guardian of a board, from the test's side: a child process that gives
 * the board back if the test process dies without doing so
 * (`guardian_main.ts` is the child).
 *
 * @module
 */
import type { HeldLease } from "../src/client/lease_acquire.ts";
import type { ClientConfig } from "../src/config/client_config.ts";

/** A running guardian; `done()` tells it the board was given back and waits for it to exit. */
export interface Guardian {
  done(): Promise<void>;
}

/**
 * Starts the guardian of a board: if this process dies without giving the
 * board back (`deno test` exits at once on Ctrl-C, or SIGKILL), the
 * guardian removes the local socket or releases the lease.
 */
export function startGuardian(env: Record<string, string>): Guardian {
  const child = new Deno.Command(Deno.execPath(), {
    // The board's name in the arguments shows in `ps` what each guardian watches.
    args: [
      "run",
      "-A",
      new URL("./guardian_main.ts", import.meta.url).href,
      env.GUARD_DIR ?? env.GUARD_LEASE,
    ],
    env,
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  return {
    async done() {
      await writer.write(new TextEncoder().encode("released\n")).catch(() => {});
      await writer.close().catch(() => {});
      await child.status;
    },
  };
}

/** What the guardian needs: the local socket's folder, or the lease and its client identity. */
export function guardianEnv(held: HeldLease | undefined, host: string): Record<string, string> {
  if (!held) return { GUARD_DIR: host.replace(/^unix:\/\//, "").replace(/\/[^/]*$/, "") };
  return leaseGuardianEnv(held.name, held.controller.config);
}

/** What the guardian of a lease needs: its name and the client identity that may release it. */
export function leaseGuardianEnv(lease: string, config: ClientConfig): Record<string, string> {
  return {
    GUARD_LEASE: lease,
    JMP_ENDPOINT: config.endpoint,
    JMP_TOKEN: config.token,
    JMP_NAMESPACE: config.metadata.namespace,
    JMP_NAME: config.metadata.name,
    JMP_CA: config.tls.ca ?? "",
  };
}
