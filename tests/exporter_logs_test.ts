/** The exporter's log stream for the session holder: local, through a lease, and without secrets. */
import assert from "node:assert/strict";
import { Lab } from "./_fixtures/lab.ts";
import { runEntry } from "./_fixtures/run.ts";
import { connect, parseExporterConfig, serveLocal } from "../mod.ts";
import { type ExporterLogLine, followExporterLogs } from "../src/client/exporter_logs.ts";
import { eventually } from "../testing.ts";

const JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX2hlcmU";

Deno.test("followExporterLogs() streams driver logs with secrets left out", async () => {
  const config = parseExporterConfig(
    `token: exporter-s3cret-token
export:
  power:
    type: power.CommandPower
    config:
      "on": "true http://admin:hunter2@plug.lab/relay?password=hunter2 Bearer ${JWT} exporter-s3cret-token"
      "off": "true"
`,
    Deno.cwd(),
  );
  await using exporter = await serveLocal(config);
  const lines: ExporterLogLine[] = [];
  const stop = new AbortController();
  const following = followExporterLogs(exporter.host, (l) => lines.push(l), stop.signal);
  try {
    await using dut = await connect(exporter.socketPath);
    await new Promise((r) => setTimeout(r, 200)); // the stream is open before the call logs
    await dut.children.get("power")!.call("on");
    await eventually(() => lines.some((l) => l.message === "power on"), {
      timeout: 5_000,
      interval: 20,
      message: "the power on record",
    });
  } finally {
    stop.abort();
    await following;
  }
  const text = lines.map((l) => l.message).join("\n");
  assert.match(text, /on: running `true http:\/\/\*\*\*:\*\*\*@plug\.lab/, text);
  for (const secret of ["hunter2", JWT, "exporter-s3cret-token"]) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
});

Deno.test({
  name: "jumpstarter shell --exporter-logs shows the leased exporter's log lines",
  sanitizeOps: false,
  sanitizeResources: false,
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
      "5m",
      "--exporter-logs",
      "--",
      "sh",
      "-c",
      `${Deno.execPath()} run -A cli.ts power on && sleep 0.5`,
    ]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stderr, /INFO +\[exporter power\] power on/);
    const token = (await Deno.readTextFile(`${lab.dir}/bench-1.yaml`)).match(/token: (\S+)/)![1];
    assert.ok(!ran.stderr.includes(token));
  },
});
