import assert from "node:assert/strict";
import { ConfigError } from "../driver/config_check.ts";
import {
  checkGrpcOptions,
  driversPolicyFrom,
  leaseTimeoutsFrom,
  shellSettingsFrom,
} from "./client_config_fields.ts";

const noEnv = () => undefined;
const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

function refuses(fn: () => unknown, message: string | RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
}

Deno.test("driversPolicyFrom() reads upstream's list, comma string, UNSAFE and JMP_DRIVERS_ALLOW", () => {
  assert.deepEqual(driversPolicyFrom({}, "", noEnv), { allow: [], unsafe: true });
  assert.deepEqual(
    driversPolicyFrom({ drivers: { allow: ["jumpstarter_driver_power.*"] } }, "", noEnv),
    { allow: ["jumpstarter_driver_power.*"], unsafe: false },
    "a list without unsafe allows only the list",
  );
  assert.deepEqual(
    driversPolicyFrom({ drivers: { allow: "a.*, b.*", unsafe: true } }, "", noEnv),
    { allow: ["a.*", "b.*"], unsafe: true },
  );
  assert.deepEqual(
    driversPolicyFrom({ drivers: { allow: ["a.*", "UNSAFE"], unsafe: false } }, "", noEnv),
    { allow: ["a.*"], unsafe: true },
  );
  assert.deepEqual(
    driversPolicyFrom({ drivers: { allow: [] } }, "", envOf({ JMP_DRIVERS_ALLOW: "x.*,y.*" })),
    { allow: ["x.*", "y.*"], unsafe: false },
    "the environment wins over the file",
  );
  refuses(
    () => driversPolicyFrom({ drivers: { allow: [{ a: 1 }] } }, ' "c.yaml"', noEnv),
    'Invalid client config "c.yaml": drivers.allow must list driver class names, not a mapping',
  );
  refuses(
    () => driversPolicyFrom({ drivers: ["a"] }, "", noEnv),
    "Invalid client config: drivers must be a mapping, not a list",
  );
});

Deno.test("leaseTimeoutsFrom() reads seconds with upstream's bounds and JMP_RETRY_TIMEOUT", () => {
  assert.deepEqual(leaseTimeoutsFrom({}, "", noEnv), {
    acquisitionTimeoutMs: undefined,
    dialTimeoutMs: 30_000,
    retryTimeoutMs: 300_000,
  });
  assert.deepEqual(
    leaseTimeoutsFrom(
      { leases: { acquisition_timeout: 60, dial_timeout: 2.5, retry_timeout: 0 } },
      "",
      noEnv,
    ),
    { acquisitionTimeoutMs: 60_000, dialTimeoutMs: 2_500, retryTimeoutMs: 0 },
  );
  assert.equal(
    leaseTimeoutsFrom({}, "", envOf({ JMP_RETRY_TIMEOUT: "12" })).retryTimeoutMs,
    12_000,
  );
  refuses(
    () => leaseTimeoutsFrom({ leases: { acquisition_timeout: 2 } }, ' "c.yaml"', noEnv),
    'Invalid client config "c.yaml": leases.acquisition_timeout is 2; expected whole seconds, at least 5',
  );
  refuses(
    () => leaseTimeoutsFrom({ leases: { dial_timeout: 0 } }, "", noEnv),
    /leases\.dial_timeout is 0; expected seconds > 0/,
  );
  refuses(
    () => leaseTimeoutsFrom({ leases: { retry_timeout: "soon" } }, "", noEnv),
    /leases\.retry_timeout is "soon"; expected seconds >= 0/,
  );
});

Deno.test("shellSettingsFrom() takes a boolean use_profiles", () => {
  assert.deepEqual(shellSettingsFrom({}, ""), { useProfiles: true });
  assert.deepEqual(shellSettingsFrom({ shell: { use_profiles: false } }, ""), {
    useProfiles: false,
  });
  refuses(
    () => shellSettingsFrom({ shell: { use_profiles: "no" } }, ""),
    'Invalid client config: shell.use_profiles is "no"; expected true or false',
  );
});

Deno.test("checkGrpcOptions() accepts upstream's empty mapping and refuses any option, naming it", () => {
  checkGrpcOptions({}, "client config");
  checkGrpcOptions({ grpcOptions: {} }, "client config");
  refuses(
    () =>
      checkGrpcOptions({ grpcOptions: { "grpc.keepalive_time_ms": 1000 } }, 'client config "c"'),
    /^Unsupported client config "c": grpcOptions grpc\.keepalive_time_ms cannot be applied .*; remove grpcOptions$/,
  );
});
