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
