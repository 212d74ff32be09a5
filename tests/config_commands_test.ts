/** `jumpstarter config client create` and `config exporter create|list|edit|delete`, as a user runs them. */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { ROOT, runDeno, runEntry } from "./_fixtures/run.ts";
import { denoDir } from "./_fixtures/run.ts";

async function withHome(body: (env: Record<string, string>, home: string) => Promise<void>) {
  const home = await Deno.makeTempDir();
  try {
    await body({ HOME: home, XDG_CONFIG_HOME: "", JMP_CLIENT_CONFIG_HOME: "" }, home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** `jumpstarter ARGS` with `stdin` piped in. */
async function withStdin(args: string[], env: Record<string, string>, stdin: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/cli.ts`, ...args],
    env: { NO_COLOR: "1", DENO_DIR: denoDir(), ...env },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

Deno.test("config client create writes an upstream ClientConfig (0600), reads the token from stdin, and uses it", async () => {
  await withHome(async (env, home) => {
    const ran = await withStdin(
      [
        "config",
        "client",
        "create",
        "alice",
        "-e",
        "https://ctl.lab:8082",
        "-t",
        "-",
        "-a",
        "jumpstarter_driver_power.*",
      ],
      env,
      "s3cret-token\n",
    );
    assert.equal(ran.code, 0, ran.stderr);
    const path = `${home}/.config/jumpstarter/clients/alice.yaml`;
    assert.equal(ran.stdout.trim(), path);
    assert.ok(!ran.stdout.includes("s3cret") && !ran.stderr.includes("s3cret"));
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const doc = parseYaml(await Deno.readTextFile(path)) as Record<string, unknown>;
    assert.equal(doc.kind, "ClientConfig");
    assert.equal(doc.token, "s3cret-token");
    assert.deepEqual(doc.drivers, { allow: ["jumpstarter_driver_power.*"], unsafe: false });
    assert.deepEqual(doc.metadata, { namespace: "default", name: "alice" });
    const current = parseYaml(await Deno.readTextFile(`${home}/.config/jumpstarter/config.yaml`));
    assert.deepEqual(current, {
      apiVersion: "jumpstarter.dev/v1alpha1",
      kind: "UserConfig",
      config: { "current-client": "alice" },
    });

    const again = await runEntry("cli.ts", [
      "config",
      "client",
      "create",
      "alice",
      "-e",
      "x",
      "-t",
      "y",
    ], env);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /Client config "alice" exists/);
  });
});

Deno.test("config exporter create, list, edit, delete; exporter serve --exporter finds the alias", async () => {
  await withHome(async (env, home) => {
    const dir = `${home}/.config/jumpstarter/exporters`;
    const created = await runEntry(
      "cli.ts",
      [
        "config",
        "exporter",
        "create",
        "bench-1",
        "-e",
        "http://127.0.0.1:9",
        "-t",
        "tok",
        "--namespace",
        "lab",
      ],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), `${dir}/bench-1.yaml`);
    assert.equal((await Deno.stat(`${dir}/bench-1.yaml`)).mode! & 0o777, 0o600);

    const listed = await runEntry("cli.ts", ["config", "exporter", "list", "-o", "json"], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      JSON.parse(listed.stdout).map((r: { alias: string }) => r.alias).includes("bench-1"),
      true,
    );

    // The "editor" adds a driver tree; edit then checks the result.
    const editor = `${home}/editor.sh`;
    await Deno.writeTextFile(
      editor,
      `#!/bin/sh\nsed -i 's/^export: {}$/export: {power: {type: power.MockPower}}/' "$1"\n`,
    );
    await Deno.chmod(editor, 0o755);
    const edited = await runEntry("cli.ts", ["config", "exporter", "edit", "bench-1"], {
      ...env,
      VISUAL: editor,
    });
    assert.equal(edited.code, 0, edited.stderr);
    assert.match(edited.stdout, /Checked .*bench-1\.yaml/);
    assert.match(await Deno.readTextFile(`${dir}/bench-1.yaml`), /power.MockPower/);

    // Serve it locally by alias: a driver command through it works.
    const socket = `${home}/b.sock`;
    const serve = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}/exporter.ts`,
        "serve",
        "--local",
        "--exporter",
        "bench-1",
        "--socket",
        socket,
      ],
      env: { DENO_DIR: denoDir(), ...env },
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      let ran = { code: -1, stdout: "", stderr: "" };
      for (let i = 0; i < 100 && ran.code !== 0; i++) {
        await new Promise((r) => setTimeout(r, 200));
        ran = await runEntry("cli.ts", ["power", "on"], {
          ...env,
          JUMPSTARTER_HOST: `unix://${socket}`,
        });
      }
      assert.equal(ran.code, 0, ran.stderr);
    } finally {
      serve.kill("SIGTERM");
      await serve.status;
      await serve.stderr.cancel();
    }

    const noAlias = await runEntry("exporter.ts", ["serve", "--exporter", "nope"], env);
    assert.equal(noAlias.code, 2);
    assert.match(
      noAlias.stderr,
      /No exporter config "nope" in .* \(create one with: jumpstarter config exporter create nope\)/,
    );

    const deleted = await runEntry("cli.ts", ["config", "exporter", "delete", "bench-1"], env);
    assert.equal(deleted.code, 0, deleted.stderr);
    await assert.rejects(() => Deno.stat(`${dir}/bench-1.yaml`));
    const gone = await runEntry("cli.ts", ["config", "exporter", "delete", "bench-1"], env);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /No exporter config "bench-1"/);
  });
  void runDeno;
});
