/** The three executables as a user runs them: real processes, real sockets. */
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./_fixtures/assert.ts";
import {
  exampleSuiteArgs,
  jumpstarterCommand,
  ROOT,
  runEntry,
  runInShell,
  VIRTUAL_BOARD as VIRTUAL,
  waitForPath,
} from "./_fixtures/run.ts";

Deno.test("jumpstarter --help lists commands with examples", async () => {
  const ran = await runEntry("cli.ts", ["--help"]);
  assertEquals(ran.code, 0);
  assertStringIncludes(ran.stdout, "shell");
  assertStringIncludes(ran.stdout, "Examples:");
  assertStringIncludes(ran.stdout, "jumpstarter power on");
});

Deno.test("jumpstarter shell -- CMD exits with the command's status", async () => {
  const ran = await runInShell(VIRTUAL, [
    "sh",
    "-c",
    'test -S "${JUMPSTARTER_HOST#unix://}" && exit 7',
  ]);
  assertEquals(ran.code, 7, ran.stderr);
});

Deno.test("driver commands run inside a shell session", async () => {
  const script = [
    [...jumpstarterCommand("power", "on")].join(" "),
    [...jumpstarterCommand("power", "read", "--count", "1")].join(" "),
    [...jumpstarterCommand("storage", "info")].join(" "),
  ].join(" && ");
  const ran = await runInShell(VIRTUAL, ["sh", "-c", script]);
  assertEquals(ran.code, 0, ran.stderr);
  assertMatch(ran.stdout, /V/);
  assertStringIncludes(ran.stdout, "sha256");
});

Deno.test("a driver command with no session serves the built-in virtual board in-process", async () => {
  const home = await Deno.makeTempDir();
  const ran = await runEntry("cli.ts", ["power", "on"], { HOME: home, XDG_RUNTIME_DIR: home });
  assertEquals(ran.code, 0, ran.stderr);
  const help = await runEntry("cli.ts", ["power", "--help"], { HOME: home, XDG_RUNTIME_DIR: home });
  assertEquals(help.code, 0);
  for (const name of ["on", "off", "cycle", "read"]) assertStringIncludes(help.stdout, name);
  await Deno.remove(home, { recursive: true });
});

Deno.test("unknown driver, unknown method: one clear line and a non-zero exit", async () => {
  const home = await Deno.makeTempDir();
  const env = { HOME: home, XDG_RUNTIME_DIR: home };
  const driver = await runEntry("cli.ts", ["powr", "on"], env);
  assertEquals(driver.code, 2);
  assertStringIncludes(driver.stderr, "unknown command 'powr'");
  const method = await runEntry("cli.ts", ["power", "explode"], env);
  assertEquals(method.code, 2);
  assertStringIncludes(method.stderr, "unknown command 'explode'");
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
    assertEquals(ran.code, 2, file);
    assertStringIncludes(ran.stderr, expected);
    assertEquals(ran.stderr.trim().split("\n").length, 1, ran.stderr);
    assert(!ran.stderr.includes("    at "), "no stack trace");
  }
  const missing = await runEntry("exporter.ts", [
    "serve",
    "--local",
    "--config",
    `${dir}/none.yaml`,
  ]);
  assertEquals(missing.code, 2);
  assertStringIncludes(missing.stderr, "no such file");
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
    await waitForPath(socket);
    assertEquals((await Deno.stat(socket)).mode! & 0o777, 0o600);
    const on = await runEntry("cli.ts", ["power", "on"], { JUMPSTARTER_HOST: `unix://${socket}` });
    assertEquals(on.code, 0, on.stderr);
  } finally {
    daemon.kill("SIGTERM");
  }
  const status = await daemon.status;
  await daemon.stderr.cancel();
  assertEquals(status.code, 0);
  let exists = true;
  try {
    await Deno.lstat(socket);
  } catch {
    exists = false;
  }
  assert(!exists, "socket removed on SIGTERM");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("controller and exporter parse --help", async () => {
  for (const entry of ["controller.ts", "exporter.ts"] as const) {
    const ran = await runEntry(entry, ["--help"]);
    assertEquals(ran.code, 0, ran.stderr);
    assertStringIncludes(ran.stdout, "serve");
  }
});

Deno.test("the example suite passes inside a shell session", async () => {
  const ran = await runInShell(VIRTUAL, [Deno.execPath(), ...exampleSuiteArgs()]);
  assertEquals(ran.code, 0, ran.stdout + ran.stderr);
  assertMatch(ran.stdout, /ok \| 1 passed \(4 steps\)/);
});

Deno.test("the shebang script runs as a file inside a shell session", async () => {
  const ran = await runInShell(VIRTUAL, [`${ROOT}/examples/power_cycle.ts`], {
    PATH: `${Deno.execPath().replace(/\/[^/]*$/, "")}:${Deno.env.get("PATH") ?? ""}`,
  });
  assertEquals(ran.code, 0, ran.stdout + ran.stderr);
  assertStringIncludes(ran.stdout, "board is up: login prompt seen");
});
