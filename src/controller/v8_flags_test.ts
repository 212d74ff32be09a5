import assert from "node:assert/strict";
import { CONTROLLER_V8_FLAGS } from "./v8_flags.ts";

const root = new URL("../../", import.meta.url);

Deno.test("controller.ts runs with CONTROLLER_V8_FLAGS, and this deno accepts them", async () => {
  const shebang = (await Deno.readTextFile(new URL("controller.ts", root))).split("\n")[0];
  assert.equal(shebang, `#!/usr/bin/env -S deno run -A ${CONTROLLER_V8_FLAGS}`);
  // An unknown V8 flag makes deno exit 1 before running anything.
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["eval", CONTROLLER_V8_FLAGS, "console.log('started')"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(result.stdout).trim(), "started");
  assert.ok(result.success);
});

Deno.test("deno task compile bakes CONTROLLER_V8_FLAGS into the controller", async () => {
  const compile = await Deno.readTextFile(new URL("scripts/compile.ts", root));
  assert.match(compile, /name: "controller",[^}]*flags: \[CONTROLLER_V8_FLAGS\]/);
});
