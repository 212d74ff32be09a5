import assert from "node:assert/strict";
import { ConfigError } from "../driver/config_check.ts";
import { Logger, type LogRecord } from "../log.ts";
import { type Hook, hookCommand, hookFrom, runHook } from "./hooks.ts";

Deno.test("hookFrom() reads a hook, with a 120 s timeout and warn by default", () => {
  assert.deepEqual(hookFrom({ beforeLease: { script: "j power on" } }, "beforeLease"), {
    script: "j power on",
    timeoutMs: 120_000,
    onFailure: "warn",
  });
  const hooks = { afterLease: { script: "j power off", timeout: 2.5, onFailure: "endLease" } };
  assert.deepEqual(hookFrom(hooks, "afterLease"), {
    script: "j power off",
    timeoutMs: 2500,
    onFailure: "endLease",
  });
  assert.equal(hookFrom(hooks, "beforeLease"), undefined);
  assert.equal(hookFrom({ beforeLease: null }, "beforeLease"), undefined);
  assert.equal(
    hookFrom({ beforeLease: { script: "x", timeout: "30", onFailure: "exit" } }, "beforeLease")
      ?.timeoutMs,
    30_000,
  );
});

Deno.test("hookFrom() names the bad setting in a ConfigError", () => {
  const cases: [unknown, string][] = [
    ["j power on", "hooks.beforeLease: expected {script, timeout, onFailure}"],
    [["j power on"], "hooks.beforeLease: expected {script, timeout, onFailure}"],
    [{ timeout: 5 }, "hooks.beforeLease: expected {script, timeout, onFailure}"],
    [{ script: "x", timeout: 0 }, "hooks.beforeLease.timeout: expected seconds > 0"],
    [{ script: "x", timeout: "soon" }, "hooks.beforeLease.timeout: expected seconds > 0"],
    [
      { script: "x", onFailure: "retry" },
      'hooks.beforeLease.onFailure: "retry" is not warn, endLease or exit',
    ],
  ];
  for (const [raw, where] of cases) {
    assert.throws(() => hookFrom({ beforeLease: raw }, "beforeLease"), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `Invalid exporter config at ${where}`);
      return true;
    });
  }
});

function hook(script: string, timeoutMs = 10_000): Hook {
  return { script, timeoutMs, onFailure: "warn" };
}

function recorded(): { log: Logger; lines: () => string[] } {
  const records: LogRecord[] = [];
  const log = new Logger("hook");
  log.attach((record) => records.push(record));
  return { log, lines: () => records.map((r) => `${r.level} ${r.message}`) };
}

Deno.test("runHook() logs stdout as info and stderr as warnings, line by line, with its env", async () => {
  const { log, lines } = recorded();
  const script = 'echo "host $JUMPSTARTER_HOST"; echo oops >&2; printf "two\\nlines\\nno end"';
  assert.equal(
    await runHook(hook(script), { JUMPSTARTER_HOST: "unix:///tmp/x.sock" }, log),
    undefined,
  );
  const logged = lines();
  assert.deepEqual(logged.filter((l) => l.startsWith("info")), [
    "info host unix:///tmp/x.sock",
    "info two",
    "info lines",
    "info no end",
  ]);
  assert.deepEqual(logged.filter((l) => l.startsWith("warning")), ["warning oops"]);
});

Deno.test("runHook() reports a failing script by its exit status", async () => {
  const { log } = recorded();
  assert.equal(await runHook(hook("exit 3"), {}, log), "exited with status 3");
  assert.equal(await runHook(hook("false"), {}, log), "exited with status 1");
});

Deno.test("runHook() kills a script that runs past its timeout", async () => {
  const { log } = recorded();
  const started = performance.now();
  assert.equal(await runHook(hook("exec sleep 30", 200), {}, log), "timed out after 0.2 s");
  const took = performance.now() - started;
  assert.ok(took < 5000, `took ${took.toFixed(0)} ms`);
});

Deno.test("hookFrom() takes upstream's exec; hookCommand() runs a script file or inline text with it", async () => {
  const parsed = hookFrom({ beforeLease: { script: "echo hi", exec: "/bin/bash" } }, "beforeLease");
  assert.equal(parsed?.exec, "/bin/bash");
  assert.throws(
    () => hookFrom({ beforeLease: { script: "x", exec: 3 } }, "beforeLease"),
    /hooks\.beforeLease\.exec: expected an interpreter/,
  );
  assert.deepEqual(await hookCommand({ script: "echo hi", timeoutMs: 1, onFailure: "warn" }), [
    "/bin/sh",
    ["-c", "echo hi"],
  ]);
  assert.deepEqual(
    await hookCommand({ script: "echo hi", exec: "bash", timeoutMs: 1, onFailure: "warn" }),
    ["bash", ["-c", "echo hi"]],
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/hook.sh`, "echo from-file $BASH_VERSION\n");
    const fileHook: Hook = {
      script: `${dir}/hook.sh`,
      exec: "/bin/bash",
      timeoutMs: 10_000,
      onFailure: "warn",
    };
    assert.deepEqual(await hookCommand(fileHook), ["/bin/bash", [`${dir}/hook.sh`]]);
    const log = new Logger("test");
    const records: LogRecord[] = [];
    log.attach((r) => records.push(r));
    assert.equal(await runHook(fileHook, {}, log), undefined);
    assert.match(records.map((r) => r.message).join("\n"), /^from-file \d/, "bash ran the file");
    assert.equal(
      await runHook({ ...fileHook, exec: `${dir}/no-such-interpreter` }, {}, log),
      `cannot start "${dir}/no-such-interpreter": not found`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
