/**
 * ClientConfig fields acting on a real lease: drivers.allow refuses a board
 * whose drivers it does not allow (in lease() and in a shell's commands),
 * leases.acquisition_timeout bounds the wait.
 */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { runEntry } from "./_fixtures/run.ts";
import { lease } from "../mod.ts";
import { parse as parseYaml, stringify } from "yaml";

Deno.test({
  name: "drivers.allow and leases.acquisition_timeout act on leases",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual"]);
    const base = parseYaml(await Deno.readTextFile(alice)) as Record<string, unknown>;
    const variant = async (name: string, fields: Record<string, unknown>) => {
      const path = `${lab.dir}/${name}.yaml`;
      await Deno.writeTextFile(path, stringify({ ...base, ...fields }), { mode: 0o600 });
      return path;
    };
    const restricted = await variant("alice-power-only", {
      drivers: { allow: ["jumpstarter_driver_power.*"], unsafe: false },
    });
    await assert.rejects(
      () => lease({ clientConfig: restricted, selector: "board=virtual", duration: "1m" }),
      /Driver "(serial|storage)" needs client class ".*", which the client config's drivers\.allow does not match/,
    );
    const shell = await runEntry("cli.ts", [
      "--client-config",
      restricted,
      "shell",
      "--selector",
      "board=virtual",
      "--duration",
      "1m",
      "--",
      Deno.execPath(),
      "run",
      "-A",
      "cli.ts",
      "power",
      "on",
    ]);
    assert.notEqual(shell.code, 0);
    assert.match(shell.stderr, /drivers\.allow does not match/);
    assert.equal(shell.stderr.trim().split("\n").length, 1, shell.stderr);

    const allowed = await variant("alice-all", { drivers: { allow: ["jumpstarter_driver_*"] } });
    {
      await using dut = await lease({
        clientConfig: allowed,
        selector: "board=virtual",
        duration: "1m",
      });
      await dut.children.get("power")!.call("on");
    }

    const impatient = await variant("alice-impatient", { leases: { acquisition_timeout: 5 } });
    const started = Date.now();
    await assert.rejects(
      () => lease({ clientConfig: impatient, selector: "board=none", duration: "1m" }),
      /was not ready within 5 s/,
    );
    assert.ok(Date.now() - started < 15_000);
  },
});
