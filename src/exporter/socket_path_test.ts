import assert from "node:assert/strict";
import { denoDir, ROOT, runDeno } from "../../tests/_fixtures/run.ts";

/** defaultSocketPath(name) in a fresh process with `env`, so this one's stays as it is. */
async function defaultSocketPathIn(env: Record<string, string>, name?: string): Promise<string> {
  const url = new URL("./socket_path.ts", import.meta.url).href;
  const script = `const { defaultSocketPath } = await import(${JSON.stringify(url)});
    console.log(defaultSocketPath(...Deno.args));`;
  const ran = await runDeno(["eval", script, ...(name ? [name] : [])], {
    cwd: ROOT,
    env: { DENO_DIR: denoDir(), ...env },
  });
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout.trim();
}

Deno.test("defaultSocketPath() is under XDG_RUNTIME_DIR, else under ~/.local/state", async () => {
  assert.equal(
    await defaultSocketPathIn({ XDG_RUNTIME_DIR: "/run/user/1000", HOME: "/home/lab" }, "bench"),
    "/run/user/1000/jumpstarter/bench.sock",
  );
  assert.equal(
    await defaultSocketPathIn({ XDG_RUNTIME_DIR: "", HOME: "/home/lab" }),
    "/home/lab/.local/state/jumpstarter/default.sock",
  );
});
