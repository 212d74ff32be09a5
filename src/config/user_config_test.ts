import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../driver/config_check.ts";
import { currentClientFrom, userConfigText } from "./user_config.ts";
import { runEntry } from "../../tests/_fixtures/run.ts";

const UPSTREAM_USER_CONFIG =
  "apiVersion: jumpstarter.dev/v1alpha1\nkind: UserConfig\nconfig:\n  current-client: alice\n";

Deno.test("currentClientFrom() reads upstream's UserConfig shape and the older top-level key", () => {
  assert.equal(currentClientFrom(parseYaml(UPSTREAM_USER_CONFIG), "c.yaml"), "alice");
  assert.equal(currentClientFrom({ "current-client": "bob" }, "c.yaml"), "bob");
  assert.equal(
    currentClientFrom({ kind: "UserConfig", config: { "current-client": null } }),
    undefined,
  );
  assert.equal(currentClientFrom(null), undefined);
});

Deno.test("currentClientFrom() refuses another kind or a non-string alias in one line", () => {
  assert.throws(
    () => currentClientFrom({ kind: "ClientConfig" }, "c.yaml"),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === 'Invalid user config "c.yaml": kind is "ClientConfig", expected "UserConfig"',
  );
  assert.throws(
    () => currentClientFrom({ config: { "current-client": 7 } }, "c.yaml"),
    /config\.current-client is 7, expected a client alias/,
  );
});

Deno.test("userConfigText() writes upstream's shape, which currentClientFrom() reads back", () => {
  assert.equal(userConfigText("alice"), UPSTREAM_USER_CONFIG);
  assert.equal(currentClientFrom(parseYaml(userConfigText(undefined))), undefined);
});

const CLIENT = "apiVersion: jumpstarter.dev/v1alpha1\nkind: ClientConfig\n" +
  "metadata: { namespace: default, name: alice }\nendpoint: http://127.0.0.1:9\ntoken: t\n";

Deno.test("config client list and use: an upstream config.yaml is read, and written back in its shape", async () => {
  const home = await Deno.makeTempDir();
  try {
    const env = { HOME: home, XDG_CONFIG_HOME: `${home}/xdg` };
    const dir = `${home}/xdg/jumpstarter`;
    await Deno.mkdir(`${dir}/clients`, { recursive: true });
    await Deno.writeTextFile(`${dir}/clients/alice.yaml`, CLIENT);
    await Deno.writeTextFile(`${dir}/clients/bob.yaml`, CLIENT.replace("alice", "bob"));
    await Deno.writeTextFile(`${dir}/config.yaml`, UPSTREAM_USER_CONFIG);
    const listed = await runEntry("cli.ts", ["config", "client", "list", "-o", "json"], env);
    assert.equal(listed.code, 0, listed.stderr);
    const rows = JSON.parse(listed.stdout);
    assert.deepEqual(rows.map((r: { alias: string; current: string }) => [r.alias, r.current]), [
      ["alice", "*"],
      ["bob", ""],
    ]);
    const used = await runEntry("cli.ts", ["config", "client", "use", "bob"], env);
    assert.equal(used.code, 0, used.stderr);
    assert.equal(
      await Deno.readTextFile(`${dir}/config.yaml`),
      UPSTREAM_USER_CONFIG.replace("alice", "bob"),
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("an empty XDG_CONFIG_HOME means ~/.config; JMP_CLIENT_CONFIG_HOME replaces the folder", async () => {
  const home = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${home}/alice.yaml`, CLIENT);
    const env = { HOME: home, XDG_CONFIG_HOME: "", JMP_CLIENT_CONFIG_HOME: "" };
    const imported = await runEntry(
      "cli.ts",
      ["config", "client", "import", `${home}/alice.yaml`],
      env,
    );
    assert.equal(imported.code, 0, imported.stderr);
    assert.ok((await Deno.stat(`${home}/.config/jumpstarter/clients/alice.yaml`)).isFile);
    assert.ok((await Deno.stat(`${home}/.config/jumpstarter/config.yaml`)).isFile);

    const own = { HOME: home, JMP_CLIENT_CONFIG_HOME: `${home}/own` };
    const again = await runEntry(
      "cli.ts",
      ["config", "client", "import", `${home}/alice.yaml`],
      own,
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      await Deno.readTextFile(`${home}/own/config.yaml`),
      UPSTREAM_USER_CONFIG,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
