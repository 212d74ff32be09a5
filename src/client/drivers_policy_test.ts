import assert from "node:assert/strict";
import { FailedPreconditionError } from "../driver/errors.ts";
import { checkDriversPolicy, driverAllowed, globMatches } from "./drivers_policy.ts";
import { connect } from "./connect.ts";
import { loadExporterConfig, registry, serveLocal } from "../../mod.ts";

Deno.test("globMatches() follows fnmatch: *, ?, [set], [!set], literal dots", () => {
  assert.ok(
    globMatches("jumpstarter_driver_power.*", "jumpstarter_driver_power.client.PowerClient"),
  );
  assert.ok(!globMatches("jumpstarter_driver_power.*", "jumpstarter_driver_powerX"));
  assert.ok(!globMatches("a.b", "aXb"));
  assert.ok(globMatches("a?c", "abc"));
  assert.ok(globMatches("[ab]x", "bx") && !globMatches("[!ab]x", "bx"));
  assert.ok(!globMatches("Power*", "power"), "case-sensitive");
});

Deno.test("driverAllowed() lets unsafe through, composites always, others by the list", () => {
  assert.ok(driverAllowed({ allow: [], unsafe: true }, "x.Y"));
  assert.ok(
    driverAllowed(
      { allow: [], unsafe: false },
      "jumpstarter_driver_composite.client.CompositeClient",
    ),
  );
  assert.ok(!driverAllowed({ allow: ["a.*"], unsafe: false }, "x.Y"));
});

Deno.test("checkDriversPolicy() names the driver, its client class and the fix", () => {
  const reports = [{
    labels: {
      "jumpstarter.dev/client": "jumpstarter_driver_opendal.client.StorageMuxClient",
      "jumpstarter.dev/name": "storage",
    },
  }];
  assert.throws(
    () => checkDriversPolicy({ allow: ["jumpstarter_driver_power.*"], unsafe: false }, reports),
    (e: unknown) => {
      assert.ok(e instanceof FailedPreconditionError);
      assert.equal(
        e.message,
        'Driver "storage" needs client class "jumpstarter_driver_opendal.client.StorageMuxClient", which the client config\'s drivers.allow does not match (allowed: jumpstarter_driver_power.*); add a pattern such as "jumpstarter_driver_opendal.*" or set drivers.unsafe: true',
      );
      return true;
    },
  );
});

Deno.test("connect() refuses an exporter whose drivers the policy does not allow, and closes the session", async () => {
  await using exporter = await serveLocal(await loadExporterConfig("examples/virtual-board.yaml"));
  await assert.rejects(
    () =>
      connect(exporter.socketPath, {
        registry,
        drivers: { allow: ["jumpstarter_driver_power.*"], unsafe: false },
      }),
    /Driver "serial" needs client class|Driver "storage" needs client class/,
  );
  const reports = await connect(exporter.socketPath, {
    registry,
    drivers: { allow: [], unsafe: true },
  });
  await reports.close();
  await using dut = await connect(exporter.socketPath, {
    registry,
    drivers: { allow: ["jumpstarter_driver_*"], unsafe: false },
  });
  assert.ok(dut.children.has("power"));
});
