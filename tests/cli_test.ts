/** The three executables as a user runs them: real processes, real sockets. */
import assert from "node:assert/strict";
import {
  exampleSuiteArgs,
  jumpstarterCommand,
  ROOT,
  runEntry,
  runInShell,
  VIRTUAL_BOARD as VIRTUAL,
} from "./_fixtures/run.ts";
import { eventually } from "../testing.ts";

Deno.test("jumpstarter --help lists commands with examples", async () => {
  const ran = await runEntry("cli.ts", ["--help"]);
  assert.equal(ran.code, 0);
  assert.match(ran.stdout, /shell/);
  assert.match(ran.stdout, /Examples:/);
  assert.match(ran.stdout, /jumpstarter power on/);
});

Deno.test("jumpstarter shell -- CMD exits with the command's status", async () => {
  const ran = await runInShell(VIRTUAL, [
    "sh",
    "-c",
    'test -S "${JUMPSTARTER_HOST#unix://}" && exit 7',
  ]);
  assert.equal(ran.code, 7, ran.stderr);
});

Deno.test("driver commands run inside a shell session", async () => {
  const script = [
    [...jumpstarterCommand("power", "on")].join(" "),
    [...jumpstarterCommand("power", "read", "--count", "1")].join(" "),
    [...jumpstarterCommand("storage", "info")].join(" "),
  ].join(" && ");
  const ran = await runInShell(VIRTUAL, ["sh", "-c", script]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /V/);
  assert.match(ran.stdout, /sha256/);
});

Deno.test("a driver command with no session serves the built-in virtual board in-process", async () => {
  const home = await Deno.makeTempDir();
  const ran = await runEntry("cli.ts", ["power", "on"], { HOME: home, XDG_RUNTIME_DIR: home });
  assert.equal(ran.code, 0, ran.stderr);
  const help = await runEntry("cli.ts", ["power", "--help"], { HOME: home, XDG_RUNTIME_DIR: home });
  assert.equal(help.code, 0);
  for (const name of ["on", "off", "cycle", "read"]) {
    assert.ok(help.stdout.includes(name), help.stdout);
  }
  await Deno.remove(home, { recursive: true });
});

Deno.test("unknown driver, unknown method: one clear line and a non-zero exit", async () => {
  const home = await Deno.makeTempDir();
  const env = { HOME: home, XDG_RUNTIME_DIR: home };
  const driver = await runEntry("cli.ts", ["powr", "on"], env);
  assert.equal(driver.code, 2);
  assert.match(driver.stderr, /unknown command 'powr'/);
  const method = await runEntry("cli.ts", ["power", "explode"], env);
  assert.equal(method.code, 2);
  assert.match(method.stderr, /unknown command 'explode'/);
  await Deno.remove(home, { recursive: true });
});

Deno.test("malformed YAML and an unknown driver type: one line, exit 2, no stack trace", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/bad.yaml`, "export:\n  power: {type: [unclosed\n");
  await Deno.writeTextFile(`${dir}/unknown.yaml`, "export:\n  power:\n    type: power.Nope\n");
  for (
    const [file, expected] of [["bad.yaml", "Cannot parse exporter config"], [
      "unknown.yaml",
      'Unknown driver type "power.Nope" at export.power; known types: ',
    ]]
  ) {
    const ran = await runInShell(`${dir}/${file}`, ["true"]);
    assert.equal(ran.code, 2, file);
    assert.ok(ran.stderr.includes(expected), ran.stderr);
    assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
    assert.ok(!ran.stderr.includes("    at "), "no stack trace");
  }
  const missing = await runEntry("exporter.ts", [
    "serve",
    "--local",
    "--config",
    `${dir}/none.yaml`,
  ]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("exporter serve --local runs as a daemon; SIGTERM removes its socket", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/board.sock`;
  const daemon = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}/exporter.ts`,
      "serve",
      "--local",
      "--config",
      VIRTUAL,
      "--socket",
      socket,
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await eventually(() => Deno.lstat(socket), { timeout: 15_000, interval: 50, message: socket });
    assert.deepEqual((await Deno.stat(socket)).mode! & 0o777, 0o600);
    const on = await runEntry("cli.ts", ["power", "on"], { JUMPSTARTER_HOST: `unix://${socket}` });
    assert.equal(on.code, 0, on.stderr);
  } finally {
    daemon.kill("SIGTERM");
  }
  const status = await daemon.status;
  await daemon.stderr.cancel();
  assert.equal(status.code, 0);
  let exists = true;
  try {
    await Deno.lstat(socket);
  } catch {
    exists = false;
  }
  assert.ok(!exists, "socket removed on SIGTERM");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("controller and exporter parse --help", async () => {
  for (const entry of ["controller.ts", "exporter.ts"] as const) {
    const ran = await runEntry(entry, ["--help"]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /serve/);
  }
});

Deno.test("the example suite passes inside a shell session", async () => {
  const ran = await runInShell(VIRTUAL, [Deno.execPath(), ...exampleSuiteArgs()]);
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(ran.stdout, /ok \| 1 passed \(4 steps\)/);
});

Deno.test("the shebang script runs as a file inside a shell session", async () => {
  const ran = await runInShell(VIRTUAL, [`${ROOT}/examples/power_cycle.ts`], {
    PATH: `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH") ?? ""}`,
  });
  assert.equal(ran.code, 0, ran.stdout + ran.stderr);
  assert.match(ran.stdout, /board is up: login prompt seen/);
});
