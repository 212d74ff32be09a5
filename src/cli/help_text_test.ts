import assert from "node:assert/strict";
import { renderHelp } from "../../scripts/gen_help.ts";
import { TOP_LEVEL_HELP } from "./help_text.ts";

Deno.test("the help cli.ts prints without loading the CLI is what the CLI renders (else: deno run -A scripts/gen_help.ts)", async () => {
  assert.equal(TOP_LEVEL_HELP, await renderHelp());
});

Deno.test("jumpstarter --help, -h and no arguments print it and exit 0", async () => {
  for (const args of [["--help"], ["-h"], []]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../../cli.ts", import.meta.url).pathname, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, args.join(" "));
    assert.equal(new TextDecoder().decode(out.stdout), TOP_LEVEL_HELP, args.join(" "));
  }
});
