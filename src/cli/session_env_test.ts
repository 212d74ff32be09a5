import assert from "node:assert/strict";
import { driversEnv, shellArgv } from "./session_env.ts";

Deno.test("shellArgv() starts bash, zsh and fish without rc files unless use_profiles", () => {
  assert.deepEqual(shellArgv(true, "/bin/bash"), ["/bin/bash"]);
  assert.deepEqual(shellArgv(false, "/bin/bash"), ["/bin/bash", "--norc", "--noprofile"]);
  assert.deepEqual(shellArgv(false, "/usr/bin/zsh"), ["/usr/bin/zsh", "--no-rcs"]);
  assert.deepEqual(shellArgv(false, "/usr/bin/fish"), ["/usr/bin/fish", "--no-config"]);
  assert.deepEqual(shellArgv(false, "/bin/sh"), ["/bin/sh"]);
});

Deno.test("driversEnv() passes a restricting policy on as JMP_DRIVERS_ALLOW", () => {
  assert.deepEqual(driversEnv({ allow: ["a.*"], unsafe: true }), {});
  assert.deepEqual(driversEnv({ allow: ["a.*", "b.*"], unsafe: false }), {
    JMP_DRIVERS_ALLOW: "a.*,b.*",
  });
  assert.deepEqual(driversEnv({ allow: [], unsafe: false }), {
    JMP_DRIVERS_ALLOW: "jumpstarter_driver_composite.*",
  });
});

Deno.test("sessionTimeouts() reads upstream's timeout flags; retry 0 means no retry", async () => {
  const { parseDuration } = await import("../client/duration.ts");
  const { sessionTimeouts } = await import("./session_env.ts");
  assert.deepEqual(
    sessionTimeouts(
      { acquisitionTimeout: "1m", dialTimeout: "10s", retryTimeout: "0" },
      parseDuration,
    ),
    { timeoutMs: 60_000, dialRetry: { dialTimeoutMs: 10_000, retryTimeoutMs: 0 } },
  );
  assert.deepEqual(sessionTimeouts({ timeout: "30s" }, parseDuration), {
    timeoutMs: 30_000,
    dialRetry: {},
  });
  assert.throws(() => sessionTimeouts({ acquisitionTimeout: "4s" }, parseDuration), /at least 5s/);
  assert.throws(
    () => sessionTimeouts({ retryTimeout: "soon" }, parseDuration),
    /Invalid duration "soon"/,
  );
});
