/**
 * Distributed mode with real processes on loopback: a controller, exporters
 * with virtual boards, and clients (library and CLI).
 */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { exampleSuiteArgs, ROOT, runEntry } from "./_fixtures/run.ts";
import { acquire } from "../src/client/lease_acquire.ts";
import { leaseCondition, leaseShortName } from "../src/client/lease_status.ts";
import { waitForLease } from "../src/client/lease_wait.ts";
import type { VirtualBoard } from "../drivers/virtual/client.ts";
import type { DriverError } from "../src/driver/driver_error.ts";
import { connect, lease } from "../mod.ts";
import { eventually } from "../testing.ts";
import type { GrpcSession } from "../src/client/session.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "lease() by selector and by name drives a board through the router",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual", "site=a"]);
    await lab.exporter("bench-2", ["board=mock"], `${ROOT}/examples/mock-power.yaml`);
    {
      await using dut = await lease<VirtualBoard>({
        clientConfig: alice,
        selector: "board=virtual",
        duration: "2m",
      });
      await dut.power.on();
      // Driver calls and streams ride the fast channel, spliced raw through the router.
      assert.equal((dut.session as GrpcSession).path, "fast");
      const info = await dut.storage.info() as { mux: string };
      assert.equal(info.mux, "dut");
      await using serial = await dut.serial.open();
      await serial.expect(/login: /, { timeout: 10_000 });
    }
    {
      await using dut = await lease({
        clientConfig: alice,
        exporterName: "bench-2",
        duration: "1m",
      });
      await dut.power.call("on");
      assert.deepEqual([...dut.children.keys()], ["power"]);
    }
    await using controller = await lab.connect(alice);
    const leases = await controller.listLeases({ all: true });
    assert.equal(leases.length, 2);
    assert.ok(leases.every((l) => leaseCondition(l, "Ready")?.reason === "Released"));
  },
});

Deno.test({
  name: "two clients contending for one board are served in queue order",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const bob = await lab.client("bob");
    const carol = await lab.client("carol");
    await lab.exporter("bench-1", ["board=virtual"]);
    await using a = await lab.connect(alice);
    await using b = await lab.connect(bob);
    await using c = await lab.connect(carol);
    const first = leaseShortName(
      await a.createLease({ selector: "board=virtual", durationMs: 60_000 }),
    );
    await waitForLease(a, first, { timeoutMs: 5000 });
    const second = leaseShortName(
      await b.createLease({ selector: "board=virtual", durationMs: 60_000 }),
    );
    const third = leaseShortName(
      await c.createLease({ selector: "board=virtual", durationMs: 60_000 }),
    );
    const bobView = await b.getLease(second);
    assert.equal(bobView.context["jumpstarter.dev/queue-position"], "1");
    assert.ok(bobView.context["jumpstarter.dev/estimated-start"], "an estimated start is reported");
    assert.equal((await c.getLease(third)).context["jumpstarter.dev/queue-position"], "2");
    assert.equal(leaseCondition(bobView, "Pending")?.reason, "NotAvailable");
    await a.releaseLease(first);
    await waitForLease(b, second, { timeoutMs: 5000 });
    assert.equal(leaseCondition(await c.getLease(third), "Ready")?.status ?? "False", "False");
    await b.releaseLease(second);
    await waitForLease(c, third, { timeoutMs: 5000 });
    await c.releaseLease(third);
  },
});

Deno.test({
  name: "expiry cuts an active console stream on time",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    await using dut = await lease<VirtualBoard>({
      clientConfig: alice,
      selector: "board=virtual",
      duration: 3000,
    });
    const stream = await dut.serial.stream();
    const started = Date.now();
    await dut.power.on();
    const reader = stream.readable.getReader();
    let ended = false;
    try {
      while (!(await reader.read()).done) { /* read the boot log until the cut */ }
      ended = true;
    } catch {
      ended = true;
    }
    const elapsed = Date.now() - started;
    assert.ok(ended);
    assert.ok(elapsed < 6000, `stream cut after ${elapsed} ms, lease was 3 s`);
    await assert.rejects(() => dut.power.on());
  },
});

Deno.test({
  name: "revoked, rotated and wrong-kind tokens fail at once",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const bob = await lab.client("bob");
    await lab.exporter("bench-1", ["board=virtual"]);
    await using a = await lab.connect(alice);
    assert.equal((await a.listExporters()).length, 1);
    await lab.admin("delete", "client", "alice");
    await assert.rejects(() => a.listExporters(), { code: "unauthenticated" });
    await using b = await lab.connect(bob);
    await b.listExporters();
    const copy = `${lab.dir}/bob-old.yaml`;
    await Deno.copyFile(bob, copy);
    await lab.admin("rotate", "client", "bob", "--endpoint", lab.endpoint, "--out", bob);
    await using old = await lab.connect(copy);
    await assert.rejects(() => old.listExporters(), { code: "unauthenticated" });
    await using rotated = await lab.connect(bob);
    assert.equal((await rotated.listExporters()).length, 1);
    // An exporter's token cannot act as a client.
    const exporterAsClient = `${lab.dir}/exporter-as-client.yaml`;
    const text = (await Deno.readTextFile(`${lab.dir}/bench-1.yaml`)).replace(
      "kind: ExporterConfig",
      "kind: ClientConfig",
    );
    await Deno.writeTextFile(exporterAsClient, text);
    await using impostor = await lab.connect(exporterAsClient);
    await assert.rejects(
      () => impostor.listExporters(),
      (e) => ["unauthenticated", "permission_denied"].includes((e as DriverError).code),
    );
  },
});

Deno.test({
  name:
    "a client cannot dial another client's lease; stream tokens are single-use; unpaired streams time out",
  ...opts,
  async fn() {
    await using lab = await Lab.start(["--pairing-timeout", "1s"]);
    const alice = await lab.client("alice");
    const bob = await lab.client("bob");
    const exporter = await lab.exporter("bench-1", ["board=virtual"]);
    await using a = await lab.connect(alice);
    await using b = await lab.connect(bob);
    const name = leaseShortName(
      await a.createLease({ selector: "board=virtual", durationMs: 60_000 }),
    );
    await waitForLease(a, name, { timeoutMs: 5000 });
    await assert.rejects(() => b.dial(name), { code: "not_found" });
    const { routerEndpoint, routerToken } = await a.dial(name);
    const router = a.router(routerEndpoint);
    // The exporter pairs with the first use of the token; a replay is refused.
    const first = router.stream((async function* () {})(), {
      headers: { authorization: `Bearer ${routerToken}` },
    });
    for await (const _ of first) { /* drain */ }
    const replay = router.stream((async function* () {})(), {
      headers: { authorization: `Bearer ${routerToken}` },
    });
    await assert.rejects(async () => {
      for await (const _ of replay) { /* drain */ }
    }, { message: /already used/ });
    // A forged token is refused.
    const forged = router.stream((async function* () {})(), {
      headers: { authorization: `Bearer ${routerToken.replace(/\.[^.]+$/, ".x")}` },
    });
    await assert.rejects(async () => {
      for await (const _ of forged) { /* drain */ }
    }, { message: /Invalid/ });
    // With the exporter frozen its side never comes: the router closes ours after the pairing timeout.
    exporter.child.kill("SIGSTOP");
    try {
      const { routerToken: lonely } = await a.dial(name);
      const started = Date.now();
      const unpaired = router.stream(
        // deno-lint-ignore require-yield
        (async function* () {
          await new Promise((r) => setTimeout(r, 4000));
        })(),
        { headers: { authorization: `Bearer ${lonely}` } },
      );
      await assert.rejects(async () => {
        for await (const _ of unpaired) { /* drain */ }
      }, { message: /No peer connected within 1 s/ });
      const waited = Date.now() - started;
      assert.ok(waited >= 900 && waited < 3000, `closed after ${waited} ms`);
    } finally {
      exporter.child.kill("SIGCONT");
    }
    await a.releaseLease(name);
  },
});

Deno.test({
  name: "bad lease requests fail with one clear line",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await using a = await lab.connect(alice);
    await assert.rejects(() => a.createLease({ selector: "board=virtual", durationMs: 0 }), {
      code: "invalid_argument",
    });
    await assert.rejects(() => a.createLease({ selector: "board=virtual", durationMs: -5 }), {
      code: "invalid_argument",
    });
    await assert.rejects(() => a.createLease({ selector: "board in (x", durationMs: 1000 }), {
      message: /Invalid selector/,
    });
    const missing = await a.createLease({ exporterName: "nope", durationMs: 60_000 });
    assert.equal(leaseCondition(missing, "Unsatisfiable")?.reason, "ExporterNotFound");
    await assert.rejects(() => waitForLease(a, leaseShortName(missing)), {
      message: /cannot be satisfied/,
    });
    const cli = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "lease",
      "create",
      "--selector",
      "a=b",
      "--duration",
      "0s",
    ]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /Invalid duration/);
    const cli2 = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "lease",
      "create",
      "--selector",
      "a in (",
      "--duration",
      "5m",
    ]);
    assert.equal(cli2.code, 2);
    assert.equal(cli2.stderr.trim().split("\n").length, 1, cli2.stderr);
  },
});

Deno.test({
  name:
    "an exporter killed mid-lease marks the lease and cuts the client; with requeue it moves on",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const first = await lab.exporter("bench-1", ["board=virtual"]);
    await using dut = await lease<VirtualBoard>({
      clientConfig: alice,
      exporterName: "bench-1",
      duration: "5m",
    });
    const name = (dut as unknown as { lease: { name: string } }).lease.name;
    await dut.power.on();
    await lab.stop(first, "SIGKILL");
    await using a = await lab.connect(alice);
    await eventually(
      async () => leaseCondition(await a.getLease(name), "ExporterOffline")?.status === "True",
      { timeout: 5000, interval: 50, message: "the lease to report its exporter offline" },
    );
    await assert.rejects(() => dut.power.on());
    await a.releaseLease(name);
    // Re-queue: a lease that opted in moves to another matching exporter.
    const bench2 = await lab.exporter("bench-2", ["board=virtual"]);
    const requeued = leaseShortName(
      await a.createLease({
        selector: "board=virtual",
        durationMs: 60_000,
        requeueOnExporterLoss: true,
      }),
    );
    const ready = await waitForLease(a, requeued, { timeoutMs: 5000 });
    assert.match(ready.exporter ?? "", /bench-2/);
    await lab.startExporter("bench-1");
    await lab.stop(bench2, "SIGKILL");
    await eventually(
      async () => (await a.getLease(requeued)).exporter?.endsWith("bench-1") ?? false,
      { timeout: 10_000, interval: 50, message: "the lease to move to bench-1" },
    );
  },
});

Deno.test({
  name: "a controller restart keeps leases; exporters re-attach and the lease works again",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    await using a = await lab.connect(alice);
    const name = leaseShortName(
      await a.createLease({ selector: "board=virtual", durationMs: 120_000 }),
    );
    await waitForLease(a, name, { timeoutMs: 5000 });
    await lab.stopController("SIGKILL");
    await lab.startController();
    await using a2 = await lab.connect(alice);
    const after = await a2.getLease(name);
    assert.equal(leaseCondition(after, "Ready")?.status, "True");
    await eventually(async () => (await a2.listExporters())[0]?.online === true, {
      timeout: 15_000,
      interval: 50,
      message: "the exporter to re-attach",
    });
    await using held = await acquire({ clientConfig: alice, leaseName: name, timeoutMs: 0 });
    await using dut = await connect<VirtualBoard>(held.tunnel.host);
    await dut.power.on();
    await a2.releaseLease(name);
  },
});

Deno.test({
  name: "jumpstarter shell --selector runs the local-mode example suite unchanged, then releases",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    const ran = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "shell",
      "--selector",
      "board=virtual",
      "--duration",
      "10m",
      "--",
      Deno.execPath(),
      ...exampleSuiteArgs(),
    ]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.match(ran.stdout, /1 passed \(4 steps\)/);
    const list = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "lease",
      "list",
      "--all",
      "-o",
      "json",
    ]);
    const leases = JSON.parse(list.stdout);
    assert.equal(leases.length, 1);
    assert.match(leases[0].state, /Released/);
    const exporters = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "exporters",
      "list",
      "-o",
      "name",
    ]);
    assert.equal(exporters.stdout.trim(), "bench-1");
  },
});

Deno.test({
  name: "lease hooks run before and after each lease",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const marks = `${lab.dir}/hooks.log`;
    const exporter = await lab.exporter(
      "bench-1",
      ["board=virtual"],
      undefined,
      `hooks:
  beforeLease:
    script: echo "before $LEASE_NAME $CLIENT_NAME" >> ${marks}
    timeout: 10
  afterLease:
    script: echo "after $LEASE_NAME" >> ${marks}
    timeout: 10
`,
    );
    {
      await using dut = await lease({
        clientConfig: alice,
        selector: "board=virtual",
        duration: "1m",
      });
      await dut.power.call("on");
    }
    await eventually(
      async () => (await Deno.readTextFile(marks).catch(() => "")).includes("after"),
      { timeout: 15_000, interval: 50, message: "the afterLease hook" },
    );
    const lines = (await Deno.readTextFile(marks)).trim().split("\n");
    assert.equal(lines.length, 2, exporter.log());
    assert.match(lines[0], /before /);
    assert.match(lines[0], / alice/);
  },
});

Deno.test({
  name: "access policies set priority and maximum duration",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const ci = await lab.client("ci", "team=ci");
    const dev = await lab.client("dev", "team=dev");
    await lab.admin(
      "policy",
      "set",
      "ci",
      "--exporters",
      "board=virtual",
      "--clients",
      "team=ci",
      "--priority",
      "10",
      "--max-duration",
      "1h",
    );
    await lab.admin(
      "policy",
      "set",
      "dev",
      "--exporters",
      "board=virtual",
      "--clients",
      "team=dev",
      "--priority",
      "0",
      "--max-duration",
      "10m",
    );
    await lab.exporter("bench-1", ["board=virtual"]);
    await using c = await lab.connect(ci);
    await using d = await lab.connect(dev);
    const holding = leaseShortName(
      await d.createLease({ selector: "board=virtual", durationMs: 60_000 }),
    );
    await waitForLease(d, holding, { timeoutMs: 5000 });
    // dev queues first, ci second; ci has the higher priority and goes first.
    const devWaiting = leaseShortName(
      await d.createLease({ selector: "board=virtual", durationMs: 60_000 }),
    );
    const ciWaiting = leaseShortName(
      await c.createLease({ selector: "board=virtual", durationMs: 60_000 }),
    );
    assert.equal((await c.getLease(ciWaiting)).context["jumpstarter.dev/queue-position"], "1");
    assert.equal((await d.getLease(devWaiting)).context["jumpstarter.dev/queue-position"], "2");
    await d.releaseLease(holding);
    await waitForLease(c, ciWaiting, { timeoutMs: 5000 });
    // Longer than dev's policy allows: never admitted, and extending past it is refused.
    const tooLong = await d.createLease({ selector: "board=virtual", durationMs: 3_600_000 });
    assert.equal(leaseCondition(tooLong, "Unsatisfiable")?.reason, "NoExporter");
    await assert.rejects(() => c.extendLease(ciWaiting, 2 * 3_600_000), {
      message: /maximum duration/,
    });
    await c.extendLease(ciWaiting, 30 * 60_000);
    // A client no policy admits cannot lease at all.
    const outsider = await lab.client("outsider");
    await using o = await lab.connect(outsider);
    await assert.rejects(() => o.createLease({ selector: "board=virtual", durationMs: 1000 }), {
      code: "unauthenticated",
    });
  },
});

Deno.test({
  name: "controller on a non-loopback address serves TLS with a self-signed pair its configs trust",
  ...opts,
  async fn() {
    const { freePort } = await import("./_fixtures/lab.ts");
    const dir = await Deno.makeTempDir();
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}/controller.ts`,
        "serve",
        "--data-dir",
        `${dir}/data`,
        "--create",
        "--listen",
        `0.0.0.0:${port}`,
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      let stderr = "";
      const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
      const deadline = Date.now() + 20_000;
      while (!/controller \S+ listening/.test(stderr)) {
        if (Date.now() > deadline) throw new Error(`the controller did not start: ${stderr}`);
        const { value, done } = await reader.read();
        if (done) break;
        stderr += value;
      }
      assert.match(stderr, /SHA-256 fingerprint:/);
      reader.releaseLock();
      void child.stderr.cancel().catch(() => {});
      const made = await runEntry("controller.ts", [
        "admin",
        "--data-dir",
        `${dir}/data`,
        "create",
        "client",
        "alice",
        "--endpoint",
        `127.0.0.1:${port}`,
        "--out",
        `${dir}/alice.yaml`,
      ]);
      assert.equal(made.code, 0, made.stderr);
      const text = await Deno.readTextFile(`${dir}/alice.yaml`);
      // Upstream's form: a bare HOST:PORT is TLS, trusted through tls.ca.
      assert.ok(text.includes(`endpoint: 127.0.0.1:${port}\n`), text);
      assert.match(text, /ca: LS0t/);
      const list = await runEntry("cli.ts", [
        "--client-config",
        `${dir}/alice.yaml`,
        "exporters",
        "list",
      ]);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /No resources found\./);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "config client import/list/use/delete manage stored client configs",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const home = await Deno.makeTempDir();
    const env = { HOME: home, XDG_CONFIG_HOME: `${home}/.config` };
    const imported = await runEntry("cli.ts", [
      "config",
      "client",
      "import",
      alice,
      "--alias",
      "lab",
    ], env);
    assert.equal(imported.code, 0, imported.stderr);
    assert.deepEqual(
      (await Deno.stat(`${home}/.config/jumpstarter/clients/lab.yaml`)).mode! & 0o777,
      0o600,
    );
    const listed = await runEntry("cli.ts", ["config", "client", "list", "-o", "json"], env);
    assert.equal(JSON.parse(listed.stdout)[0].current, "*");
    const leases = await runEntry("cli.ts", ["lease", "list"], env);
    assert.equal(leases.code, 0, leases.stderr);
    assert.match(leases.stdout, /No resources found\./);
    // A stored client does not make a driver command leased: it stays local.
    const local = await runEntry("cli.ts", ["power", "on"], env);
    assert.equal(local.code, 0, local.stderr);
    const deleted = await runEntry("cli.ts", ["config", "client", "delete", "lab"], env);
    assert.equal(deleted.code, 0);
    const none = await runEntry("cli.ts", ["lease", "list"], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No client config/);
    await Deno.remove(home, { recursive: true });
  },
});
