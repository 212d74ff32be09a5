/** What decides local or leased: a named lease only, never a stored client config alone. */
import assert from "node:assert/strict";
import { runEntry } from "./_fixtures/run.ts";

async function withHome(body: (env: Record<string, string>) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir();
  try {
    await body({ HOME: home, XDG_RUNTIME_DIR: home, XDG_CONFIG_HOME: `${home}/config` });
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("a stored current client does not turn a local driver command into a leased one", async () => {
  await withHome(async (env) => {
    const clients = `${env.XDG_CONFIG_HOME}/jumpstarter/clients`;
    await Deno.mkdir(clients, { recursive: true });
    // A controller that is not there: a leased command would fail to reach it.
    await Deno.writeTextFile(
      `${clients}/alice.yaml`,
      "apiVersion: jumpstarter.dev/v1alpha1\nkind: ClientConfig\nendpoint: http://127.0.0.1:9\ntoken: t\n",
    );
    await Deno.writeTextFile(
      `${env.XDG_CONFIG_HOME}/jumpstarter/config.yaml`,
      "current-client: alice\n",
    );
    const ran = await runEntry("cli.ts", ["storage", "info"], env);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /"sha256"/);
  });
});

Deno.test("a named lease without a client config is one clear line", async () => {
  await withHome(async (env) => {
    const ran = await runEntry("cli.ts", ["--lease", "abc", "power", "on"], env);
    assert.equal(ran.code, 2, ran.stderr);
    assert.match(ran.stderr, /Lease "abc" needs a client config: give --client-config FILE/);
    assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
  });
});
