/**
 * The hardware-test kit: the device fixture on every exit path, timing
 * helpers, the three ways the example suite runs, and the example scripts.
 */
import assert from "node:assert/strict";
import {
  denoDir,
  exampleSuiteArgs,
  jumpstarterCommand,
  ROOT,
  runDeno,
  runEntry,
  runInShell,
  VIRTUAL_BOARD as VIRTUAL,
} from "./_fixtures/run.ts";
import { Lab } from "./_fixtures/lab.ts";
import { device, eventually, withDevice, withTimeout } from "../testing.ts";
import type { VirtualBoard } from "../drivers/virtual/client.ts";
import { DriverTimeoutError, FailedPreconditionError } from "../src/driver/errors.ts";
import { leaseCondition } from "../src/client/lease_status.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

/** True while the private directory of a local exporter's socket exists. */
async function socketDirExists(host: string): Promise<boolean> {
  const dir = host.replace(/^unix:\/\//, "").replace(/\/[^/]*$/, "");
  try {
    await Deno.stat(dir);
    return true;
  } catch {
    return false;
  }
}

function fakeContext(name: string): Deno.TestContext {
  return { name, origin: "", step: () => Promise.resolve(true) } as unknown as Deno.TestContext;
}

Deno.test("eventually() retries until the condition holds, and times out with the last failure", async () => {
  let calls = 0;
  assert.equal(await eventually(() => ++calls >= 3 ? "done" : false, { interval: 5 }), "done");
  await assert.rejects(
    () =>
      eventually(() => {
        throw new Error("not yet");
      }, { timeout: 50, interval: 10, message: "The board" }),
    (e) =>
      e instanceof DriverTimeoutError &&
      /The board did not hold within 0\.05 s; last attempt: not yet/.test(e.message),
  );
});

Deno.test("withTimeout() bounds a step and clears its timer", async () => {
  assert.equal(await withTimeout(Promise.resolve(7), 1000), 7);
  await assert.rejects(
    () => withTimeout(new Promise((r) => setTimeout(r, 300)), 20, "power cycle"),
    (e) =>
      e instanceof DriverTimeoutError &&
      /power cycle did not finish within 0\.02 s/.test(e.message),
  );
  await new Promise((r) => setTimeout(r, 300));
});

Deno.test({
  name: "device() serves a local config when there is no session, and gives it back",
  ...opts,
  async fn() {
    let host: string;
    {
      await using dut = await device<VirtualBoard>({ exporterConfig: VIRTUAL });
      assert.equal(dut.origin, "local");
      host = dut.host;
      await dut.power.on();
      assert.ok(await socketDirExists(host), "a private exporter socket exists while in use");
    }
    assert.ok(!(await socketDirExists(host)), "the socket and its directory are gone");
  },
});

Deno.test({
  name:
    "withDevice() adds the console transcript and exporter log to a failure and releases the board",
  ...opts,
  async fn() {
    let host = "";
    const failing = withDevice<VirtualBoard>({ exporterConfig: VIRTUAL }, async (_t, dut) => {
      host = dut.host;
      await using serial = await dut.serial.open();
      await dut.power.on();
      await serial.expect(/login: /, { timeout: 5000 });
      throw new Error("the assertion that failed");
    });
    await assert.rejects(() => failing(fakeContext("failing")), (error: Error) => {
      assert.match(error.message, /the assertion that failed/);
      assert.match(error.message, /--- console 1 transcript/);
      assert.match(error.message, /login:/);
      assert.match(error.message, /--- exporter log/);
      assert.match(error.message, /power on/);
      return true;
    });
    assert.ok(!(await socketDirExists(host)));
  },
});

Deno.test({
  name: "withDevice() fails a test that runs past its timeout and still releases the board",
  ...opts,
  async fn() {
    let host = "";
    const slow = withDevice({ exporterConfig: VIRTUAL, timeout: 300 }, async (_t, dut) => {
      host = dut.host;
      await new Promise((r) => setTimeout(r, 2000));
    });
    await assert.rejects(
      () => slow(fakeContext("slow")),
      (e) =>
        e instanceof DriverTimeoutError &&
        /Test "slow" did not finish within 0\.3 s/.test(e.message),
    );
    assert.ok(!(await socketDirExists(host)));
  },
});

Deno.test("device() with no session, no client config and no exporter config says what to set", async () => {
  await assert.rejects(() => device({}), (error) => {
    assert.ok(error instanceof FailedPreconditionError);
    assert.match(error.message, /JUMPSTARTER_HOST/);
    assert.match(error.message, /exporterConfig/);
    assert.equal(error.message.split("\n").length, 1);
    return true;
  });
});

async function runInterrupted(env: Record<string, string>, signal: Deno.Signal) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", `${ROOT}/tests/_fixtures/interrupted.ts`],
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_DIR: denoDir(), ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("READY")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  child.kill(signal);
  const status = await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  await child.stderr.cancel().catch(() => {});
  return { status, out };
}

Deno.test({
  name: "a test interrupted by SIGINT gives back its local board: no process or socket left",
  ...opts,
  async fn() {
    const { status, out } = await runInterrupted({ FIXTURE_EXPORTER_CONFIG: VIRTUAL }, "SIGINT");
    assert.match(out, /READY local/);
    assert.ok(!status.success);
    const host = out.match(/READY local (\S+)/)![1];
    // deno test exits at once on Ctrl-C; the fixture's guardian cleans up right after.
    await eventually(async () => !(await socketDirExists(host)), {
      timeout: 5000,
      interval: 50,
      message: "the exporter's socket to be gone",
    });
    const guardians = await new Deno.Command("pgrep", {
      args: ["-f", `guardian_main.ts ${host.replace(/^unix:\/\//, "").replace(/\/[^/]*$/, "")}`],
      stdout: "piped",
    }).output();
    assert.equal(
      new TextDecoder().decode(guardians.stdout).trim(),
      "",
      "no guardian process is left",
    );
  },
});

Deno.test({
  name:
    "leased boards: released on SIGTERM; a selector that matches nothing fails with the lease's reason",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    const { status, out } = await runInterrupted({
      FIXTURE_SELECTOR: "board=virtual",
      JMP_CLIENT_CONFIG: alice,
    }, "SIGTERM");
    assert.match(out, /READY lease/);
    assert.ok(!status.success);
    await using a = await lab.connect(alice);
    await eventually(async () => {
      const leases = await a.listLeases({ all: true });
      return leases.length === 1 && leaseCondition(leases[0], "Ready")?.reason === "Released";
    }, { timeout: 5000, interval: 50, message: "the lease to be released" });
    const started = Date.now();
    await assert.rejects(
      () => device({ selector: "board=nothing", clientConfig: alice, acquireTimeout: 1000 }),
      (error) => {
        assert.ok(error instanceof DriverTimeoutError);
        assert.match(error.message, /No exporter matches "board=nothing"/);
        return true;
      },
    );
    assert.ok(Date.now() - started >= 900);
    const leases = await a.listLeases();
    assert.equal(leases.length, 0, "the unsatisfied lease was released");
  },
});

Deno.test({
  name: "the example suite runs three ways: local config, inside a shell, and through a lease",
  ...opts,
  async fn() {
    const local = await runEntry("cli.ts", []).then(() =>
      runDeno(exampleSuiteArgs(), { cwd: ROOT, env: { NO_COLOR: "1" } })
    );
    assert.equal(local.code, 0, local.stderr);
    assert.match(local.stdout, /1 passed \(4 steps\)/);
    const inShell = await runInShell(VIRTUAL, [Deno.execPath(), ...exampleSuiteArgs()]);
    assert.equal(inShell.code, 0, inShell.stdout + inShell.stderr);
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    const leased = await runDeno(exampleSuiteArgs(), {
      cwd: ROOT,
      env: { NO_COLOR: "1", JMP_CLIENT_CONFIG: alice },
    });
    assert.equal(leased.code, 0, leased.stdout + leased.stderr);
    assert.match(leased.stdout, /1 passed \(4 steps\)/);
    await using a = await lab.connect(alice);
    assert.equal((await a.listLeases({ all: true })).length, 1, "the suite leased a board itself");
  },
});

Deno.test({
  name: "example scripts run as files (shebang) and through jumpstarter run",
  ...opts,
  async fn() {
    const path = `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH") ?? ""}`;
    const dir = await Deno.makeTempDir();
    const flash = await runInShell(VIRTUAL, [`${ROOT}/examples/flash_and_boot.ts`], {
      PATH: path,
    });
    assert.equal(flash.code, 0, flash.stdout + flash.stderr);
    assert.match(flash.stdout, /the board booted and sees the flashed image/);
    const capture = await runEntry("cli.ts", [
      "run",
      "--exporter-config",
      VIRTUAL,
      `${ROOT}/examples/capture_console.ts`,
      "--",
      `${dir}/boot.log`,
    ]);
    assert.equal(capture.code, 0, capture.stdout + capture.stderr);
    const log = await Deno.readTextFile(`${dir}/boot.log`);
    assert.match(log, /login:/);
    assert.match(log, /Linux version/);
    const cycle = await runEntry("cli.ts", [
      "run",
      "--exporter-config",
      VIRTUAL,
      `${ROOT}/examples/power_cycle.ts`,
    ]);
    assert.equal(cycle.code, 0, cycle.stderr);
    assert.match(cycle.stdout, /board is up: login prompt seen/);
    const missing = await runEntry("cli.ts", ["run", "nope.ts"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot run "nope\.ts": no such file/);
    void jumpstarterCommand;
    await Deno.remove(dir, { recursive: true });
  },
});
