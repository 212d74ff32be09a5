/**
 * A lease does not outlive the session that made it: `jumpstarter shell`
 * keeps its lease alive while it holds it, and when the shell is SIGKILLed
 * the controller ends the lease after `--client-keepalive-timeout`, with the
 * reason ClientGone. Leases of clients that send no keepalive (upstream's)
 * keep today's behaviour. The next session removes the dead one's folders.
 */
import assert from "node:assert/strict";
import { eventually } from "../testing.ts";
import { Lab } from "./_fixtures/lab.ts";
import { denoDir, ROOT, spawnDeno } from "./_fixtures/run.ts";
import { leaseCondition } from "../src/client/lease_status.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const TIMEOUT_S = 3;

Deno.test({
  name: "a SIGKILLed shell's lease is ended by the controller; others' leases stay",
  ...opts,
  async fn() {
    await using lab = await Lab.start(["--client-keepalive-timeout", `${TIMEOUT_S}s`]);
    const alice = await lab.client("alice");
    const bob = await lab.client("bob");
    await lab.exporter("bench-1", ["board=virtual"]);
    await lab.exporter("bench-2", ["board=other"]);
    const tmp = await Deno.makeTempDir();
    const pidFile = `${tmp}.pid`;
    try {
      // bob leases as an upstream client does: no keepalive asked for, none sent.
      await using b = await lab.connect(bob);
      const upstream = await b.createLease({ selector: "board=other", durationMs: 600_000 });
      const shell = leasedShell(alice, tmp, ["sh", "-c", `echo $$ > ${pidFile}; exec sleep 120`]);
      await using a = await lab.connect(alice);
      try {
        await eventually(() => Deno.stat(pidFile).then(() => true, () => false), {
          timeout: 30_000,
          interval: 100,
          message: "the shell's command to start",
        });
        const [held] = await a.listLeases();
        assert.equal(leaseCondition(held, "Ready")?.status, "True");
        // Held well past the timeout: the shell's keepalives keep it.
        await new Promise((r) => setTimeout(r, (TIMEOUT_S + 2) * 1000));
        assert.equal((await a.listLeases()).length, 1, "a live shell's lease stays");

        shell.child.kill("SIGKILL");
        await shell.child.status;
        const killedAt = Date.now();
        await eventually(async () => (await a.listLeases()).length === 0, {
          timeout: (TIMEOUT_S + 10) * 1000,
          interval: 100,
          message: "the controller to end the lease of the killed shell",
        });
        const detectMs = Date.now() - killedAt;
        console.log(
          `lease of a SIGKILLed shell ended after ${detectMs} ms (timeout ${TIMEOUT_S} s)`,
        );
        const ended = await a.getLease(held.name.split("/").pop()!);
        const ready = leaseCondition(ended, "Ready");
        assert.equal(ready?.reason, "ClientGone");
        assert.match(ready?.message ?? "", /Client "alice" sent no keepalive for [\d.]+ s/);

        const still = await b.getLease(upstream.name.split("/").pop()!);
        assert.equal(still.effectiveEndTime, undefined, "the lease without keepalive stays");
        assert.equal(still.context["jumpstarter.dev/client-keepalive"], undefined);
      } finally {
        await killCommand(pidFile);
        try {
          shell.child.kill("SIGKILL");
        } catch { /* already gone */ }
        await shell.child.status;
        await shell.drained;
      }
      assert.notDeepEqual([...Deno.readDirSync(tmp)], [], "a killed shell cannot remove its own");
      // The next session (the board is free again) removes what the dead one left.
      const next = leasedShell(alice, tmp, ["true"]);
      assert.equal((await next.child.status).code, 0);
      await next.drained;
      assert.deepEqual([...Deno.readDirSync(tmp)].map((e) => e.name), [], "no temp file is left");
      assert.deepEqual(await a.listLeases(), [], "no lease is left");
    } finally {
      await Deno.remove(tmp, { recursive: true });
      await Deno.remove(pidFile).catch(() => {});
    }
  },
});

/** `jumpstarter shell --selector board=virtual -- command...` as alice, with its own TMPDIR. */
function leasedShell(config: string, tmp: string, command: string[]) {
  return spawnDeno(
    ["run", "-A", `${ROOT}/cli.ts`, "--client-config", config, "shell", "-l", "board=virtual"]
      .concat(["--", ...command]),
    { env: { NO_COLOR: "1", DENO_DIR: denoDir(), TMPDIR: tmp } },
  );
}

/** Kills the shell's command, which a SIGKILL of the shell leaves running. */
async function killCommand(pidFile: string): Promise<void> {
  const pid = Number(await Deno.readTextFile(pidFile).catch(() => ""));
  if (!pid) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch { /* gone */ }
}
