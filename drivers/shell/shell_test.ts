/** shell.Shell with real scripts, through a real exporter and the CLI. */
import assert from "node:assert/strict";
import { eventually, localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { cliWithConfig } from "../../tests/_fixtures/run.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { ShellClient } from "./client.ts";
import { Shell } from "./driver.ts";

function shellConfig(dir: string, config: Record<string, unknown>) {
  return exporterConfigFrom({ export: { tools: { type: "shell.Shell", config } } }, dir);
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

Deno.test("Shell streams stdout and stderr as they come, then the exit status", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using dut = await localDevice(shellConfig(dir, {
      methods: {
        build: {
          command: "echo compiling; sleep 0.3; echo 'warning: x' >&2; echo done; exit 3",
          description: "Build the firmware",
        },
      },
    }));
    const tools = dut.tools as ShellClient;
    const started = performance.now();
    const seen: { stdout: string; stderr: string; code: number | null; at: number }[] = [];
    for await (const chunk of tools.output("build")) {
      seen.push({ ...chunk, at: performance.now() - started });
    }
    assert.equal(seen[0].stdout, "compiling\n");
    assert.ok(seen[0].at < 250, `first output after ${seen[0].at} ms, before the script ended`);
    assert.equal(seen.map((c) => c.stdout).join(""), "compiling\ndone\n");
    assert.equal(seen.map((c) => c.stderr).join(""), "warning: x\n");
    assert.equal(seen.at(-1)?.code, 3);
    assert.ok(seen.slice(0, -1).every((c) => c.code === null));
    assert.equal(tools.report.methodsDescription.build, "Build the firmware");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Shell passes arguments as $1... and the environment from config and call", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using dut = await localDevice(shellConfig(dir, {
      shell: ["/bin/sh", "-c"],
      env: { BOARD: "rpi4" },
      allowEnv: ["EXTRA"],
      methods: { show: 'printf "%s|%s|%s|%s|%s|%s" "$0" "$1" "$2" "$#" "$BOARD" "$EXTRA"; pwd' },
    }));
    const tools = dut.tools as ShellClient;
    const result = await tools.run("show", ["a b", "c;d"], { env: { EXTRA: "yes" } });
    assert.deepEqual(result, {
      stdout: `show|a b|c;d|2|rpi4|yes${await Deno.realPath(dir)}\n`,
      stderr: "",
      code: 0,
    });
    assert.deepEqual(await tools.listMethods(), ["show"]);
    const tuples = [];
    for await (const chunk of tools.streamingCall("call_method", "show", {}, "x")) {
      tuples.push(chunk);
    }
    assert.deepEqual(tuples.at(-1), ["", "", 0], "upstream's [stdout, stderr, code] shape");
    const direct = [];
    for await (const chunk of tools.streamingCall("show", "z")) direct.push(chunk);
    assert.match((direct[0] as string[])[0], /^show\|z\|/);
    await assert.rejects(tools.run("missing"), /No shell method "missing" \(configured: show\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Shell timeout kills the whole process group and ends with status 124", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using dut = await localDevice(shellConfig(dir, {
      methods: {
        hang: { command: "sleep 60 & echo $! > child.pid; echo started; wait", timeout: 0.5 },
      },
    }));
    const started = performance.now();
    const result = await (dut.tools as ShellClient).run("hang");
    assert.ok(performance.now() - started < 5000);
    assert.equal(result.code, 124);
    assert.equal(result.stdout, "started\n");
    assert.equal(result.stderr, "Timed out after 0.5 s: killed hang\n");
    const pid = Number(await Deno.readTextFile(`${dir}/child.pid`));
    await eventually(() => !alive(pid), { timeout: 5000, interval: 20 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Shell kills the script when the client stops reading", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await using dut = await localDevice(shellConfig(dir, {
      methods: { follow: "sleep 60 & echo $! > child.pid; echo ready; wait" },
    }));
    for await (const chunk of (dut.tools as ShellClient).output("follow")) {
      if (chunk.stdout.includes("ready")) break;
    }
    const pid = Number(await Deno.readTextFile(`${dir}/child.pid`));
    await eventually(() => !alive(pid), { timeout: 5000, interval: 20 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Shell rejects a bad method config in one line", () => {
  const make = (config: Record<string, unknown>) => () => new Shell(config, testContext("tools"));
  assert.throws(make({}), /config\.methods: expected a mapping/);
  assert.throws(
    make({ methods: { "bad name": "true" } }),
    /config\.methods\.bad name: expected a name/,
  );
  assert.throws(make({ methods: { close: "true" } }), /not a built-in property of the driver/);
  assert.throws(make({ methods: { x: { description: "no command" } } }), ConfigError);
  assert.throws(make({ methods: { x: "true" }, shell: "bash" }), /config\.shell: expected a list/);
});

Deno.test("jumpstarter <shell> METHOD streams output and exits with the command's status", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/shell.yaml`,
      [
        "export:",
        "  tools:",
        "    type: shell.Shell",
        "    config:",
        "      methods:",
        "        greet: {command: 'echo \"hello $1 from $WHERE\"; echo oops >&2; exit 4', description: Say hello}",
        "        ok: 'true'",
        "      allowEnv: [WHERE]",
      ].join("\n"),
    );
    const cli = cliWithConfig(`${dir}/shell.yaml`);
    const greet = await cli("tools", "greet", "-e", "WHERE=the lab", "world");
    assert.deepEqual(greet, { code: 4, stdout: "hello world from the lab\n", stderr: "oops\n" });
    assert.deepEqual(await cli("tools", "ok"), { code: 0, stdout: "", stderr: "" });
    const help = await cli("tools", "--help");
    assert.match(help.stdout, /greet \[options\] \[args\.\.\.\]\s+Say hello/);
    const greetHelp = await cli("tools", "greet", "--help");
    assert.match(greetHelp.stdout, /\$ jumpstarter tools greet arg1 arg2/);
    const bad = await cli("tools", "greet", "-e", "NOEQUALS");
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'Error: Invalid --env "NOEQUALS": use KEY=VALUE\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Shell lets a client set only the variables allowEnv lists, never the operator's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const marker = `${dir}/escalated`;
    await Deno.writeTextFile(`${dir}/evil.sh`, `touch ${marker}\n`);
    await using dut = await localDevice(shellConfig(dir, {
      shell: ["/bin/bash", "-c"],
      env: { BOARD: "rpi4" },
      allowEnv: ["VERBOSE", "BOARD"],
      methods: { show: 'echo "$BOARD $VERBOSE"' },
    }));
    const tools = dut.tools as ShellClient;
    for (
      const [name, value] of [["BASH_ENV", `${dir}/evil.sh`], ["LD_PRELOAD", "x.so"], ["PATH", dir]]
    ) {
      await assert.rejects(
        tools.run("show", [], { env: { [name]: value } }),
        (error: Error) =>
          error.message.includes(`Environment variable ${name} may not be set by a client`),
      );
    }
    // Listed, but the operator set it: the operator's value stands.
    await assert.rejects(tools.run("show", [], { env: { BOARD: "mine" } }), /BOARD may not be set/);
    const ok = await tools.run("show", [], { env: { VERBOSE: "1" } });
    assert.equal(ok.stdout, "rpi4 1\n");
    assert.equal(await Deno.stat(marker).then(() => true, () => false), false, "no escalation");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
