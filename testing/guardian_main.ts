/**
 * The device fixture's guardian: a small process that outlives a test run
 * killed mid-way (Ctrl-C, SIGKILL, a crash) and gives its board back.
 *
 * It reads its stdin, a pipe from the test process, until the end. The test
 * process writes `released` when it gave the board back itself; if the pipe
 * closes without that, the test process died, and the guardian removes the
 * local exporter's socket directory (GUARD_DIR) or releases the lease
 * (GUARD_LEASE with JMP_ENDPOINT, JMP_TOKEN, JMP_NAMESPACE, JMP_NAME, JMP_CA).
 *
 * @module
 */
import { ControllerClient } from "../src/client/controller_client.ts";
import { clientConfigFrom } from "../src/config/client_config.ts";

// The terminal's Ctrl-C reaches the whole process group: it is for the test run, not for us.
Deno.addSignalListener("SIGINT", () => {});

const text = await new Response(Deno.stdin.readable).text();
if (!text.includes("released")) {
  const env = (name: string) => Deno.env.get(name) ?? "";
  if (env("GUARD_DIR")) await Deno.remove(env("GUARD_DIR"), { recursive: true }).catch(() => {});
  if (env("GUARD_LEASE")) {
    const config = clientConfigFrom({
      endpoint: env("JMP_ENDPOINT"),
      token: env("JMP_TOKEN"),
      metadata: { namespace: env("JMP_NAMESPACE"), name: env("JMP_NAME") },
      tls: { ca: env("JMP_CA") },
    });
    await using controller = new ControllerClient(config);
    await controller.releaseLease(env("GUARD_LEASE")).catch(() => {});
  }
}
Deno.exit(0);
