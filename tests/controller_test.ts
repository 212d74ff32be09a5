/**
 * Distributed mode with real processes on loopback: a controller, exporters
 * with virtual boards, and clients (library and CLI).
 */
import { assert, assertEquals, assertRejects, assertStringIncludes } from "./_fixtures/assert.ts";
import { Lab, waitUntil } from "./_fixtures/lab.ts";
import { exampleSuiteArgs, ROOT, runEntry } from "./_fixtures/run.ts";
import { acquire, leaseCondition, leaseShortName, waitForLease } from "../src/client/lease.ts";
import type { VirtualBoard } from "../drivers/virtual/client.ts";
import type { DriverError } from "../src/driver/driver_error.ts";
import { connect, lease } from "../mod.ts";
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
      assertEquals((dut.session as GrpcSession).path, "fast");
      const info = await dut.storage.info() as { mux: string };
      assertEquals(info.mux, "dut");
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
      assertEquals([...dut.children.keys()], ["power"]);
    }
    await using controller = await lab.connect(alice);
    const leases = await controller.listLeases({ all: true });
    assertEquals(leases.length, 2);
    assert(leases.every((l) => leaseCondition(l, "Ready")?.reason === "Released"));
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
    assertEquals(bobView.context["jumpstarter.dev/queue-position"], "1");
    assert(bobView.context["jumpstarter.dev/estimated-start"], "an estimated start is reported");
    assertEquals((await c.getLease(third)).context["jumpstarter.dev/queue-position"], "2");
    assertEquals(leaseCondition(bobView, "Pending")?.reason, "NotAvailable");
    await a.releaseLease(first);
    await waitForLease(b, second, { timeoutMs: 5000 });
    assertEquals(leaseCondition(await c.getLease(third), "Ready")?.status ?? "False", "False");
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
    assert(ended);
    assert(elapsed < 6000, `stream cut after ${elapsed} ms, lease was 3 s`);
    await assertRejects(() => dut.power.on());
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
    assertEquals((await a.listExporters()).length, 1);
    await lab.admin("delete", "client", "alice");
    const revoked = await assertRejects(() => a.listExporters());
    assertEquals((revoked as DriverError).code, "unauthenticated");
    await using b = await lab.connect(bob);
    await b.listExporters();
    const copy = `${lab.dir}/bob-old.yaml`;
    await Deno.copyFile(bob, copy);
    await lab.admin("rotate", "client", "bob", "--endpoint", lab.endpoint, "--out", bob);
    await using old = await lab.connect(copy);
    assertEquals(
      (await assertRejects(() => old.listExporters()) as DriverError).code,
      "unauthenticated",
    );
    await using rotated = await lab.connect(bob);
    assertEquals((await rotated.listExporters()).length, 1);
    // An exporter's token cannot act as a client.
    const exporterAsClient = `${lab.dir}/exporter-as-client.yaml`;
    const text = (await Deno.readTextFile(`${lab.dir}/bench-1.yaml`)).replace(
      "kind: ExporterConfig",
      "kind: ClientConfig",
    );
    await Deno.writeTextFile(exporterAsClient, text);
    await using impostor = await lab.connect(exporterAsClient);
    const denied = await assertRejects(() => impostor.listExporters());
    assert(["unauthenticated", "permission_denied"].includes((denied as DriverError).code));
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
    const stolen = await assertRejects(() => b.dial(name));
    assertEquals((stolen as DriverError).code, "not_found");
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
    await assertRejects(
      async () => {
        for await (const _ of replay) { /* drain */ }
      },
      Error,
      "already used",
    );
    // A forged token is refused.
    const forged = router.stream((async function* () {})(), {
      headers: { authorization: `Bearer ${routerToken.replace(/\.[^.]+$/, ".x")}` },
    });
    await assertRejects(
      async () => {
        for await (const _ of forged) { /* drain */ }
      },
      Error,
      "Invalid",
    );
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
      await assertRejects(
        async () => {
          for await (const _ of unpaired) { /* drain */ }
        },
        Error,
        "No peer connected within 1 s",
      );
      const waited = Date.now() - started;
      assert(waited >= 900 && waited < 3000, `closed after ${waited} ms`);
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
    const zero = await assertRejects(() =>
      a.createLease({ selector: "board=virtual", durationMs: 0 })
    );
    assertEquals((zero as DriverError).code, "invalid_argument");
    const negative = await assertRejects(() =>
      a.createLease({ selector: "board=virtual", durationMs: -5 })
    );
    assertEquals((negative as DriverError).code, "invalid_argument");
    const malformed = await assertRejects(() =>
      a.createLease({ selector: "board in (x", durationMs: 1000 })
    );
    assertStringIncludes(malformed.message, "Invalid selector");
    const missing = await a.createLease({ exporterName: "nope", durationMs: 60_000 });
    assertEquals(leaseCondition(missing, "Unsatisfiable")?.reason, "ExporterNotFound");
    await assertRejects(
      () => waitForLease(a, leaseShortName(missing)),
      Error,
      "cannot be satisfied",
    );
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
    assertEquals(cli.code, 2);
    assertStringIncludes(cli.stderr, "Invalid duration");
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
    assertEquals(cli2.code, 2);
    assertEquals(cli2.stderr.trim().split("\n").length, 1, cli2.stderr);
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
    await waitUntil(
      "the lease to report its exporter offline",
      async () => leaseCondition(await a.getLease(name), "ExporterOffline")?.status === "True",
      5000,
    );
    await assertRejects(() => dut.power.on());
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
    assertStringIncludes(ready.exporter ?? "", "bench-2");
    await lab.startExporter("bench-1");
    await lab.stop(bench2, "SIGKILL");
    await waitUntil(
      "the lease to move to bench-1",
      async () => (await a.getLease(requeued)).exporter?.endsWith("bench-1") ?? false,
      10_000,
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
    assertEquals(leaseCondition(after, "Ready")?.status, "True");
    await waitUntil(
      "the exporter to re-attach",
      async () => (await a2.listExporters())[0]?.online === true,
      15_000,
    );
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
    assertEquals(ran.code, 0, ran.stdout + ran.stderr);
    assertStringIncludes(ran.stdout, "1 passed (4 steps)");
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
    assertEquals(leases.length, 1);
    assertStringIncludes(leases[0].state, "Released");
    const exporters = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "exporters",
      "list",
      "-o",
      "name",
    ]);
    assertEquals(exporters.stdout.trim(), "bench-1");
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
    await waitUntil(
      "the afterLease hook",
      async () => (await Deno.readTextFile(marks).catch(() => "")).includes("after"),
    );
    const lines = (await Deno.readTextFile(marks)).trim().split("\n");
    assertEquals(lines.length, 2, exporter.log());
    assertStringIncludes(lines[0], "before ");
    assertStringIncludes(lines[0], " alice");
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
    assertEquals((await c.getLease(ciWaiting)).context["jumpstarter.dev/queue-position"], "1");
    assertEquals((await d.getLease(devWaiting)).context["jumpstarter.dev/queue-position"], "2");
    await d.releaseLease(holding);
    await waitForLease(c, ciWaiting, { timeoutMs: 5000 });
    // Longer than dev's policy allows: never admitted, and extending past it is refused.
    const tooLong = await d.createLease({ selector: "board=virtual", durationMs: 3_600_000 });
    assertEquals(leaseCondition(tooLong, "Unsatisfiable")?.reason, "NoExporter");
    const extend = await assertRejects(() => c.extendLease(ciWaiting, 2 * 3_600_000));
    assertStringIncludes(extend.message, "maximum duration");
    await c.extendLease(ciWaiting, 30 * 60_000);
    // A client no policy admits cannot lease at all.
    const outsider = await lab.client("outsider");
    await using o = await lab.connect(outsider);
    assertEquals(
      (await assertRejects(() =>
        o.createLease({ selector: "board=virtual", durationMs: 1000 })
      ) as DriverError).code,
      "unauthenticated",
    );
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
      assertStringIncludes(stderr, "SHA-256 fingerprint:");
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
      assertEquals(made.code, 0, made.stderr);
      const text = await Deno.readTextFile(`${dir}/alice.yaml`);
      assertStringIncludes(text, `endpoint: https://127.0.0.1:${port}`);
      const list = await runEntry("cli.ts", [
        "--client-config",
        `${dir}/alice.yaml`,
        "exporters",
        "list",
      ]);
      assertEquals(list.code, 0, list.stderr);
      assertStringIncludes(list.stdout, "No resources found.");
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
    assertEquals(imported.code, 0, imported.stderr);
    assertEquals(
      (await Deno.stat(`${home}/.config/jumpstarter/clients/lab.yaml`)).mode! & 0o777,
      0o600,
    );
    const listed = await runEntry("cli.ts", ["config", "client", "list", "-o", "json"], env);
    assertEquals(JSON.parse(listed.stdout)[0].current, "*");
    const leases = await runEntry("cli.ts", ["lease", "list"], env);
    assertEquals(leases.code, 0, leases.stderr);
    assertStringIncludes(leases.stdout, "No resources found.");
    const local = await runEntry("cli.ts", ["power", "on"], env);
    assertEquals(local.code, 2);
    assertStringIncludes(local.stderr, "jumpstarter shell --selector");
    const deleted = await runEntry("cli.ts", ["config", "client", "delete", "lab"], env);
    assertEquals(deleted.code, 0);
    const none = await runEntry("cli.ts", ["lease", "list"], env);
    assertEquals(none.code, 1);
    assertStringIncludes(none.stderr, "No client config");
    await Deno.remove(home, { recursive: true });
  },
});
