import assert from "node:assert/strict";
import { exporterConfigFrom, parseExporterConfig } from "./exporter_config.ts";
import { ConfigError } from "../driver/config_check.ts";

Deno.test("parseExporterConfig() reads the upstream shape", () => {
  const config = parseExporterConfig(
    `
apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: {namespace: lab, name: bench-1}
endpoint: grpc.lab.example:443
token: secret
tls: {insecure: true}
export:
  power:
    type: jumpstarter_driver_power.driver.MockPower
    config: {interval: 0.5}
  group:
    type: composite.Composite
    children:
      a: {type: power.MockPower}
  alias: {ref: power}
`,
    "/etc",
  );
  assert.deepEqual(config.metadata, { namespace: "lab", name: "bench-1" });
  assert.equal(config.endpoint, "grpc.lab.example:443");
  assert.equal(config.tls.insecure, true);
  assert.deepEqual(config.export.power, {
    kind: "driver",
    type: "jumpstarter_driver_power.driver.MockPower",
    config: { interval: 0.5 },
    description: undefined,
    methodsDescription: {},
    children: {},
  });
  assert.deepEqual(config.export.alias, { kind: "ref", ref: "power" });
  assert.deepEqual(Object.keys((config.export.group as { children: object }).children), ["a"]);
});

Deno.test("parseExporterConfig() names the bad path in one line", () => {
  assert.throws(
    () => parseExporterConfig("export: [1]", "/"),
    (e) => e instanceof ConfigError && /"export" must map names/.test(e.message),
  );
  assert.throws(
    () => parseExporterConfig("export:\n  power: {config: {}}", "/"),
    (e) => e instanceof ConfigError && /export\.power: "type" is missing/.test(e.message),
  );
  assert.throws(
    () => parseExporterConfig("export:\n  power: {type: x, config: [1]}", "/"),
    (e) => e instanceof ConfigError && /export\.power\.config: expected a mapping/.test(e.message),
  );
  assert.throws(
    () => parseExporterConfig("kind: ClientConfig\nexport: {a: {type: x}}", "/"),
    (e) => e instanceof ConfigError && /kind is "ClientConfig"/.test(e.message),
  );
  assert.throws(
    () => parseExporterConfig("export: {a: [", "/", "f.yaml"),
    (e) => e instanceof ConfigError && /Cannot parse exporter config "f\.yaml"/.test(e.message),
  );
});

Deno.test("exporterConfigFrom() refuses an apiVersion it does not know, naming the accepted ones", () => {
  const doc = { apiVersion: "jumpstarter.dev/v2", export: { power: { type: "power.MockPower" } } };
  assert.throws(
    () => exporterConfigFrom(doc, "/tmp", "bench.yaml"),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message ===
        'Invalid exporter config "bench.yaml": apiVersion is "jumpstarter.dev/v2"; accepted: jumpstarter.dev/v1alpha1',
  );
  const { apiVersion } = exporterConfigFrom({ export: doc.export }, "/tmp");
  assert.equal(apiVersion, "jumpstarter.dev/v1alpha1");
});
