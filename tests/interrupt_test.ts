/**
 * Nothing left behind when a waiting command is stopped: `shell`, `run`,
 * `lease create --wait` and the test fixture, interrupted while their lease
 * waits in the queue, release it; a selector that matches no exporter fails
 * at once unless asked to wait.
 */
import assert from "node:assert/strict";
import { eventually } from "../testing.ts";
import { Lab } from "./_fixtures/lab.ts";
import { denoDir, ROOT, spawnDeno } from "./_fixtures/run.ts";
import { leaseCondition } from "../src/client/lease_status.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** A lab whose one board is taken by bob, so alice's lease waits in the queue. */
async function busyLab() {
  const lab = await Lab.start();
  const alice = await lab.client("alice");
  const bob = await lab.client("bob");
  await lab.exporter("bench-1", ["board=virtual"]);
  await using b = await lab.connect(bob);
  await b.createLease({ selector: "board=virtual", durationMs: 600_000 });
  return { lab, alice };
}

/** Starts `cli.ts args...` with a private TMPDIR; resolves once its output matches `ready`. */
async function startWaiting(tmp: string, args: string[], ready: RegExp) {
  const spawned = spawnDeno(["run", "-A", `${ROOT}/cli.ts`, ...args], {
    env: { NO_COLOR: "1", DENO_DIR: denoDir(), TMPDIR: tmp },
  });
  await eventually(() => ready.test(spawned.output()), {
    timeout: 20_000,
    interval: 50,
    message: `${ready} in the output`,
  });
  return spawned;
}

/** Sends `signal` to a spawned CLI and waits for it to end and its output to be read. */
async function interrupt(spawned: ReturnType<typeof spawnDeno>, signal: Deno.Signal) {
  spawned.child.kill(signal);
  const status = await spawned.child.status;
  await spawned.drained;
  return status;
}

async function aliceLeases(lab: Lab, alice: string) {
  await using a = await lab.connect(alice);
  return await a.listLeases();
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.test({
    name:
      `jumpstarter shell stopped by ${signal} while queued releases its lease and leaves no files`,
    ...opts,
    async fn() {
      const { lab, alice } = await busyLab();
      await using _lab = lab;
      const tmp = await Deno.makeTempDir();
      try {
        const shell = await startWaiting(tmp, [
          "--client-config",
          alice,
          "shell",
          "--selector",
          "board=virtual",
          "--",
          "true",
        ], /position 1 in the queue/);
        assert.equal((await aliceLeases(lab, alice)).length, 1, "alice's lease waits");
        const status = await interrupt(shell, signal);
        assert.equal(status.code, 128 + (signal === "SIGINT" ? 2 : 15), shell.output());
        assert.match(shell.output(), new RegExp(`Stopped waiting for a board \\(${signal}\\)`));
        assert.deepEqual(await aliceLeases(lab, alice), [], "no lease is left");
        assert.deepEqual([...Deno.readDirSync(tmp)], [], "no temp file is left");
      } finally {
        await Deno.remove(tmp, { recursive: true });
      }
    },
  });
}

Deno.test({
  name: "jumpstarter run and lease create --wait stopped while queued release their leases",
  ...opts,
  async fn() {
    const { lab, alice } = await busyLab();
    await using _lab = lab;
    const tmp = await Deno.makeTempDir();
    try {
      for (
        const args of [
          ["run", "--selector", "board=virtual", `${ROOT}/examples/power_cycle.ts`],
          ["lease", "create", "-l", "board=virtual", "-d", "5m", "--wait"],
        ]
      ) {
        const waiting = await startWaiting(
          tmp,
          ["--client-config", alice, ...args],
          /position 1 in the queue/,
        );
        const status = await interrupt(waiting, "SIGINT");
        assert.equal(status.code, 130, waiting.output());
        assert.deepEqual(await aliceLeases(lab, alice), [], `no lease is left by ${args[0]}`);
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "the test fixture stopped while queued shows its queue line and releases its lease",
  ...opts,
  async fn() {
    const { lab, alice } = await busyLab();
    await using _lab = lab;
    const spawned = spawnDeno(["test", "-A", `${ROOT}/tests/_fixtures/interrupted.ts`], {
      env: {
        NO_COLOR: "1",
        DENO_DIR: denoDir(),
        FIXTURE_SELECTOR: "board=virtual",
        JMP_CLIENT_CONFIG: alice,
      },
    });
    await eventually(() => /position 1 in the queue/.test(spawned.output()), {
      timeout: 30_000,
      interval: 50,
      message: "the fixture's queue line",
    });
    await interrupt(spawned, "SIGINT");
    await eventually(async () => (await aliceLeases(lab, alice)).length === 0, {
      timeout: 10_000,
      interval: 100,
      message: "the fixture's lease to be released",
    });
  },
});

Deno.test({
  name: "a selector no exporter matches fails at once with the reason, unless asked to wait",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const tmp = await Deno.makeTempDir();
    try {
      const started = Date.now();
      const fast = spawnDeno([
        "run",
        "-A",
        `${ROOT}/cli.ts`,
        "--client-config",
        alice,
        "shell",
        "--selector",
        "board=nothing",
        "--",
        "true",
      ], { env: { NO_COLOR: "1", DENO_DIR: denoDir(), TMPDIR: tmp } });
      const status = await fast.child.status;
      await fast.drained;
      assert.equal(status.code, 1, fast.output());
      assert.match(fast.output(), /cannot be satisfied: No exporter matches "board=nothing"/);
      assert.ok(Date.now() - started < 15_000);
      assert.deepEqual(await aliceLeases(lab, alice), [], "the lease was released");

      const patient = await startWaiting(tmp, [
        "--client-config",
        alice,
        "shell",
        "--selector",
        "board=nothing",
        "--wait-for-exporter",
        "--",
        "true",
      ], /No exporter matches "board=nothing"/);
      const [waiting] = await aliceLeases(lab, alice);
      assert.equal(leaseCondition(waiting, "Unsatisfiable")?.status, "True");
      await interrupt(patient, "SIGTERM");
      assert.deepEqual(await aliceLeases(lab, alice), []);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
