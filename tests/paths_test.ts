/** Paths a command is given are used, never made up: a missing folder is refused unless --create asks. */
import assert from "node:assert/strict";
import { runEntry, VIRTUAL_BOARD } from "./_fixtures/run.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("controller admin and serve refuse a data dir that does not exist; --create makes it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = `${dir}/nonexistent/lab`;
    for (
      const args of [["admin", "--data-dir", missing, "list"], ["serve", "--data-dir", missing]]
    ) {
      const ran = await runEntry("controller.ts", args);
      assert.equal(ran.code, 2, ran.stderr);
      assert.match(ran.stderr, /Data dir ".*\/nonexistent\/lab" does not exist: .*--create/);
      assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
      assert.equal(await exists(`${dir}/nonexistent`), false, "nothing may be created");
    }
    const made = await runEntry("controller.ts", [
      "admin",
      "--data-dir",
      missing,
      "--create",
      "list",
      "-o",
      "name",
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(await exists(`${missing}/controller.db`), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exporter serve refuses a --socket in a folder that does not exist", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ran = await runEntry("exporter.ts", [
      "serve",
      "--local",
      "--config",
      VIRTUAL_BOARD,
      "--socket",
      `${dir}/nonexistent/dir/x.sock`,
    ]);
    assert.equal(ran.code, 2, ran.stderr);
    assert.match(
      ran.stderr,
      /folder ".*\/nonexistent\/dir" does not exist; create it, or give --create/,
    );
    assert.equal(await exists(`${dir}/nonexistent`), false, "nothing may be created");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
