/** The driver example configs: each loads, and composite + ref drive from the CLI. */
import assert from "node:assert/strict";
import { ROOT, runEntry } from "./_fixtures/run.ts";
import { loadExporterConfig } from "../src/config/exporter_config.ts";
import { Exporter } from "../src/exporter/exporter.ts";
import { registry } from "../drivers/registry.ts";

const EXAMPLES = [
  "serial-pty",
  "storage-file",
  "http-power",
  "shell",
  "composite",
  "bench-hardware",
  "video",
  "qemu-screen",
];

Deno.test("driver example configs load and build their driver trees", async () => {
  for (const name of EXAMPLES) {
    const config = await loadExporterConfig(`${ROOT}/examples/${name}.yaml`);
    const exporter = await Exporter.create(config, registry);
    try {
      assert.ok(exporter.tree.report().length > 1, name);
    } finally {
      await exporter.close();
    }
  }
});

Deno.test("composite.yaml: nested groups and ref aliases drive the same drivers from the CLI", async () => {
  const home = await Deno.makeTempDir();
  const config = `${ROOT}/examples/composite.yaml`;
  const cli = (...args: string[]) =>
    runEntry("cli.ts", ["--exporter-config", config, ...args], {
      HOME: home,
      XDG_RUNTIME_DIR: home,
    });
  try {
    const nested = await cli("bench", "rack", "outlet", "read");
    assert.equal(nested.code, 0, nested.stderr);
    assert.equal(nested.stdout, "5.00 V  0.00 A\n");
    const script = [
      "set -e",
      `${Deno.execPath()} run -A ${ROOT}/cli.ts power on`,
      `${Deno.execPath()} run -A ${ROOT}/cli.ts bench power read`,
      `${Deno.execPath()} run -A ${ROOT}/cli.ts bench rack outlet read`,
      `${Deno.execPath()} run -A ${ROOT}/cli.ts hello hello world`,
      `${Deno.execPath()} run -A ${ROOT}/cli.ts bench tools hello ref`,
    ].join("\n");
    const session = await runEntry(
      "cli.ts",
      ["shell", "--exporter-config", config, "--", "sh", "-c", script],
      { HOME: home, XDG_RUNTIME_DIR: home },
    );
    assert.equal(session.code, 0, session.stderr);
    assert.equal(
      session.stdout,
      "5.00 V  0.50 A\n5.00 V  0.00 A\nhello world\nhello ref\n",
      "power on through the ref powered bench.power, not the rack outlet",
    );
    const help = await cli("bench", "--help");
    assert.equal(help.code, 0);
    for (const child of ["power", "tools", "rack"]) {
      assert.ok(help.stdout.includes(child), help.stdout);
    }
    const unknown = await cli("bench", "rack", "socket", "on");
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'socket'/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
