/** Upstream ExporterConfig fields that act: motd, methods_description (in help), exitOnLeaseEnd. */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { runEntry } from "./_fixtures/run.ts";
import { connect, lease, loadExporterConfig, serveLocal } from "../mod.ts";
import { eventually } from "../testing.ts";

const CONFIG = `apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: { name: bench }
description: a bench
motd: Bench 3, ask Ana before flashing
export:
  power:
    type: jumpstarter_driver_power.driver.MockPower
    methods_description:
      "on": Close relay 3 (the DUT's 12 V rail)
`;

async function withConfig(text: string, body: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/bench.yaml`, text);
    await body(`${dir}/bench.yaml`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("motd is the session's message and methods_description the driver's help", async () => {
  await withConfig(CONFIG, async (path) => {
    await using exporter = await serveLocal(await loadExporterConfig(path));
    await using dut = await connect(exporter.socketPath);
    assert.equal(dut.exporter.motd, "Bench 3, ask Ana before flashing");
    const help = await runEntry("cli.ts", ["--exporter-config", path, "power", "--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /on\s+.*Close relay 3 \(the DUT's 12 V rail\)/);
    assert.match(help.stdout, /off\s+Power the device off/);
  });
});

Deno.test("a methods_description for a method the driver lacks is one clear line", async () => {
  await withConfig(CONFIG.replace('"on":', "blink:"), async (path) => {
    const ran = await runEntry("cli.ts", ["--exporter-config", path, "power", "on"]);
    assert.equal(ran.code, 2, ran.stderr);
    assert.match(
      ran.stderr,
      /export\.power\.methods_description\.blink: the driver has no method "blink" \(it has: .*on.*\)/,
    );
    assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
  });
});

Deno.test({
  name: "exitOnLeaseEnd: the exporter exits 0 after its first lease ends",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const exporter = await lab.exporter(
      "bench-1",
      ["board=virtual"],
      undefined,
      "exitOnLeaseEnd: true\n",
    );
    let exited = false;
    void exporter.child.status.then(() => exited = true);
    {
      await using dut = await lease({
        clientConfig: alice,
        selector: "board=virtual",
        duration: "1m",
      });
      await dut.power.call("on");
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(exited, false, "still serving during the lease");
    }
    await eventually(() => exited, {
      timeout: 20_000,
      interval: 50,
      message: "the exporter to exit",
    });
    const status = await exporter.child.status;
    assert.equal(status.code, 0, exporter.log());
    assert.match(exporter.log(), /exitOnLeaseEnd is set/);
  },
});
