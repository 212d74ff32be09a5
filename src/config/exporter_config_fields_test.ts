import assert from "node:assert/strict";
import { ConfigError } from "../driver/config_check.ts";
import { parseExporterConfig } from "./exporter_config.ts";

const BASE = "export:\n  power:\n    type: power.MockPower\n";
const parse = (extra: string) => parseExporterConfig(extra + BASE, Deno.cwd(), "e.yaml");

function refuses(extra: string, message: string | RegExp) {
  assert.throws(() => parse(extra), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
}

Deno.test("parseExporterConfig() reads motd and exitOnLeaseEnd", () => {
  const config = parse("motd: Bench 3, ask Ana before flashing\nexitOnLeaseEnd: true\n");
  assert.equal(config.motd, "Bench 3, ask Ana before flashing");
  assert.equal(config.exitOnLeaseEnd, true);
  assert.equal(parse("").exitOnLeaseEnd, false);
  assert.equal(parse("").motd, undefined);
  refuses("motd: [a]\n", 'Invalid exporter config "e.yaml": motd is a list; expected text');
  refuses(
    "exitOnLeaseEnd: yes please\n",
    'Invalid exporter config "e.yaml": exitOnLeaseEnd is "yes please"; expected true or false',
  );
});

Deno.test("parseExporterConfig() accepts upstream's default failureDetection and refuses others", () => {
  parse("failureDetection: {maxRapidFailures: 5, rapidFailureWindow: 60}\n");
  refuses(
    "failureDetection: {maxRapidFailures: 3}\n",
    /^Unsupported exporter config "e\.yaml": failureDetection\.maxRapidFailures is 3, but this exporter does not restart itself/,
  );
  refuses("failureDetection: {tries: 3}\n", /failureDetection\.tries is not a known key/);
});

Deno.test("parseExporterConfig() accepts an empty grpcOptions and refuses any option", () => {
  parse("grpcOptions: {}\n");
  refuses(
    "grpcOptions: {grpc.max_send_message_length: 100}\n",
    /^Unsupported exporter config "e\.yaml": grpcOptions grpc\.max_send_message_length cannot be applied/,
  );
});

Deno.test("parseExporterConfig() reads a driver's methods_description", () => {
  const config = parseExporterConfig(
    "export:\n  power:\n    type: power.MockPower\n    methods_description:\n      on: Close relay 3\n",
    Deno.cwd(),
  );
  const node = config.export.power;
  assert.ok(node.kind === "driver");
  assert.deepEqual(node.methodsDescription, { on: "Close relay 3" });
  assert.throws(
    () =>
      parseExporterConfig(
        "export:\n  power:\n    type: power.MockPower\n    methods_description: {on: 3}\n",
        Deno.cwd(),
      ),
    /^ConfigError: Invalid exporter config at export\.power\.methods_description\.on: expected text, got 3$/,
  );
});
