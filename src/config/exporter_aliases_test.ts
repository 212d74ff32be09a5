import assert from "node:assert/strict";
import { ConfigError } from "../driver/config_check.ts";
import { ROOT, runDeno } from "../../tests/_fixtures/run.ts";
import { checkExporterAlias, newExporterConfigText } from "./exporter_aliases.ts";
import { parse as parseYaml } from "yaml";

Deno.test("checkExporterAlias() refuses path separators and dot names", () => {
  assert.equal(checkExporterAlias("bench-1.a_b"), "bench-1.a_b");
  for (const alias of ["", ".", "..", "a/b", "../x", "a b"]) {
    assert.throws(() => checkExporterAlias(alias), ConfigError);
  }
});

Deno.test("newExporterConfigText() writes upstream's shape", () => {
  const doc = parseYaml(
    newExporterConfigText({ namespace: "lab", name: "b1", endpoint: "https://c:1", token: "t" }),
  );
  assert.deepEqual(doc, {
    apiVersion: "jumpstarter.dev/v1alpha1",
    kind: "ExporterConfig",
    metadata: { namespace: "lab", name: "b1" },
    endpoint: "https://c:1",
    token: "t",
    grpcOptions: {},
    export: {},
  });
});

/** Runs the alias lookups in a fresh process with its own config home and system folder. */
async function lookups(home: string, system: string, value: string) {
  const script = `
    const m = await import(${
    JSON.stringify(new URL("./exporter_aliases.ts", import.meta.url).href)
  });
    const [system, value] = Deno.args;
    let path;
    try { path = m.exporterConfigPathFor(value, system); } catch (e) { path = { error: e.message }; }
    console.log(JSON.stringify({ list: m.listExporterAliases(system), path }));`;
  const ran = await runDeno(["eval", script, system, value], {
    cwd: ROOT,
    env: { HOME: home, XDG_CONFIG_HOME: "", JMP_CLIENT_CONFIG_HOME: "" },
  });
  assert.equal(ran.code, 0, ran.stderr);
  return JSON.parse(ran.stdout);
}

Deno.test("exporterConfigPathFor() and listExporterAliases(): user first, then the system folder", async () => {
  const home = await Deno.makeTempDir();
  try {
    const user = `${home}/.config/jumpstarter/exporters`;
    const system = `${home}/etc-exporters`;
    await Deno.mkdir(user, { recursive: true });
    await Deno.mkdir(system, { recursive: true });
    await Deno.writeTextFile(`${user}/bench-1.yaml`, "x");
    await Deno.writeTextFile(`${system}/bench-1.yaml`, "x");
    await Deno.writeTextFile(`${system}/rack.yaml`, "x");
    const found = await lookups(home, system, "bench-1");
    assert.equal(found.path, `${user}/bench-1.yaml`);
    assert.deepEqual(found.list, [
      { alias: "bench-1", path: `${user}/bench-1.yaml`, system: false },
      { alias: "rack", path: `${system}/rack.yaml`, system: true },
    ]);
    assert.equal((await lookups(home, system, "rack")).path, `${system}/rack.yaml`);
    assert.equal(
      (await lookups(home, system, "lab/x.yaml")).path,
      "lab/x.yaml",
      "a path stays a path",
    );
    const missing = await lookups(home, system, "nope");
    assert.match(
      missing.path.error,
      /^No exporter config "nope": not a file, and no alias in .* \(create one with: jumpstarter config exporter create nope\)$/,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
