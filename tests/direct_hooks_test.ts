/**
 * Direct mode runs the config's lease hooks as upstream's standalone
 * exporter does: beforeLease before the port opens (driving the drivers
 * through a private socket), afterLease after it closes; a beforeLease
 * failure that is not `warn` keeps the exporter from serving.
 */
import assert from "node:assert/strict";
import { parseExporterConfig, registry } from "../mod.ts";
import { serveDirect } from "../src/exporter/direct.ts";
import { ROOT } from "./_fixtures/run.ts";

function config(dir: string, before: string, onFailure = "exit") {
  return parseExporterConfig(
    `
metadata: { name: hooked }
export:
  power: { type: power.MockPower }
hooks:
  beforeLease: { script: '${before}', timeout: 60, onFailure: ${onFailure} }
  afterLease: { script: 'echo after > ${dir}/after', timeout: 60 }
`,
    dir,
  );
}

Deno.test("direct mode: beforeLease runs (and reaches the drivers) before the port opens, afterLease after it closes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "direct-hooks-" });
  const cli = `"${Deno.execPath()}" run -A ${ROOT}/cli.ts`;
  const before = `${cli} power on && echo "$LEASE_NAME" > ${dir}/before`;
  const exporter = await serveDirect(config(dir, before), registry, {
    host: "127.0.0.1",
    port: 0,
  });
  assert.equal((await Deno.readTextFile(`${dir}/before`)).trim(), "standalone");
  await assert.rejects(Deno.stat(`${dir}/after`));
  await exporter.close();
  assert.equal((await Deno.readTextFile(`${dir}/after`)).trim(), "after");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("direct mode: a failing beforeLease (onFailure: exit) keeps the port closed; warn goes on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "direct-hooks-" });
  await assert.rejects(
    serveDirect(config(dir, "exit 3"), registry, { host: "127.0.0.1", port: 0 }),
    /beforeLease hook failed \(onFailure: exit\): not serving/,
  );
  const warned = await serveDirect(config(dir, "exit 3", "warn"), registry, {
    host: "127.0.0.1",
    port: 0,
  });
  await warned.close();
  await Deno.remove(dir, { recursive: true });
});
