/** The controller's data directory: one server at a time, its key-holding files 0600, an empty store refused. */
import assert from "node:assert/strict";
import { eventually } from "../testing.ts";
import { freePort } from "./_fixtures/lab.ts";
import { ROOT, runEntry, spawnDeno } from "./_fixtures/run.ts";

Deno.test({
  name: "a second controller on a served data dir is refused; the store files are 0600",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir(); // made by the operator, mode 0700 from mktemp
    await Deno.chmod(dir, 0o755);
    const first = spawnDeno([
      "run",
      "-A",
      `${ROOT}/controller.ts`,
      "serve",
      "--data-dir",
      dir,
      "--listen",
      `127.0.0.1:${freePort()}`,
    ]);
    try {
      await eventually(() => first.output().includes("listening on"), {
        timeout: 20_000,
        interval: 50,
        message: "the first controller to listen",
      });
      const second = await runEntry("controller.ts", [
        "serve",
        "--data-dir",
        dir,
        "--listen",
        `127.0.0.1:${freePort()}`,
      ]);
      assert.equal(second.code, 2, second.stderr);
      assert.match(
        second.stderr,
        new RegExp(`in use by the controller with pid ${first.child.pid}: stop it first`),
      );
      assert.equal(second.stderr.trim().split("\n").length, 1, second.stderr);
      for (const name of ["controller.db", "controller.db-wal", "controller.db-shm"]) {
        const mode = (await Deno.stat(`${dir}/${name}`)).mode! & 0o777;
        assert.equal(mode, 0o600, `${name} is ${mode.toString(8)}`);
      }
    } finally {
      first.child.kill("SIGTERM");
      await first.child.status;
      await first.drained;
    }
    assert.equal(
      await Deno.stat(`${dir}/controller.pid`).then(() => true, () => false),
      false,
      "the claim is let go at shutdown",
    );
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test("an empty (0-byte) store file is refused, not started anew with a new signing key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/controller.db`, new Uint8Array());
    for (const args of [["admin", "--data-dir", dir, "list"], ["serve", "--data-dir", dir]]) {
      const ran = await runEntry("controller.ts", [
        ...args,
        ...(args[0] === "serve" ? ["--listen", `127.0.0.1:${freePort()}`] : []),
      ]);
      assert.equal(ran.code, 2, ran.stderr);
      assert.match(ran.stderr, /is empty \(0 bytes\): it holds no signing key/);
      assert.equal((await Deno.stat(`${dir}/controller.db`)).size, 0, "left as it was");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
