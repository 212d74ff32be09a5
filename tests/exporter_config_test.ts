import { assertEquals, assertThrows } from "./_fixtures/assert.ts";
import { parseExporterConfig } from "../src/config/exporter_config.ts";
import { ConfigError } from "../src/driver/config_check.ts";

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
  assertEquals(config.metadata, { namespace: "lab", name: "bench-1" });
  assertEquals(config.endpoint, "grpc.lab.example:443");
  assertEquals(config.tls.insecure, true);
  assertEquals(config.export.power, {
    kind: "driver",
    type: "jumpstarter_driver_power.driver.MockPower",
    config: { interval: 0.5 },
    description: undefined,
    children: {},
  });
  assertEquals(config.export.alias, { kind: "ref", ref: "power" });
  assertEquals(Object.keys((config.export.group as { children: object }).children), ["a"]);
});

Deno.test("parseExporterConfig() names the bad path in one line", () => {
  assertThrows(
    () => parseExporterConfig("export: [1]", "/"),
    ConfigError,
    '"export" must map names',
  );
  assertThrows(
    () => parseExporterConfig("export:\n  power: {config: {}}", "/"),
    ConfigError,
    'export.power: "type" is missing',
  );
  assertThrows(
    () => parseExporterConfig("export:\n  power: {type: x, config: [1]}", "/"),
    ConfigError,
    "export.power.config: expected a mapping",
  );
  assertThrows(
    () => parseExporterConfig("kind: ClientConfig\nexport: {a: {type: x}}", "/"),
    ConfigError,
    'kind is "ClientConfig"',
  );
  assertThrows(
    () => parseExporterConfig("export: {a: [", "/", "f.yaml"),
    ConfigError,
    'Cannot parse exporter config "f.yaml"',
  );
});
