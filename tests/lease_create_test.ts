/** `jumpstarter lease create` checks every option before the lease exists, and refuses what cannot be. */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { runEntry } from "./_fixtures/run.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "lease create refuses bad options before creating anything",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    const create = (...args: string[]) =>
      runEntry("cli.ts", ["--client-config", alice, "lease", "create", "-d", "5m", ...args]);

    const soon = await create("-l", "board=virtual", "--wait", "--timeout", "soon");
    assert.equal(soon.code, 2, soon.stderr);
    assert.match(soon.stderr, /Invalid duration "soon"/);
    const lone = await create("-l", "board=virtual", "--timeout", "5s");
    assert.equal(lone.code, 2, lone.stderr);
    assert.match(lone.stderr, /--timeout goes with --wait/);

    await using a = await lab.connect(alice);
    assert.deepEqual(await a.listLeases({ all: true }), [], "no lease may be left behind");
  },
});

Deno.test({
  name: "lease create of an exporter that does not exist fails with the reason",
  ...opts,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const ran = await runEntry("cli.ts", [
      "--client-config",
      alice,
      "lease",
      "create",
      "--exporter",
      "nope",
      "-d",
      "5m",
    ]);
    assert.equal(ran.code, 1, ran.stderr);
    assert.match(ran.stderr, /cannot be satisfied: .*no exporter named "nope"/);
    assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
  },
});
