/** `jumpstarter shell` as a user and a supervisor meet it: PATH inside, signals to the group, leftovers. */
import assert from "node:assert/strict";
import { denoDir, ROOT, VIRTUAL_BOARD } from "./_fixtures/run.ts";

/** Runs the CLI with a private TMPDIR (so leftovers are seen) and a PATH without `jumpstarter`. */
function cli(tmp: string, args: string[], stdout: "piped" | "null" = "piped") {
  return new Deno.Command("setsid", {
    args: [Deno.execPath(), "run", "-A", `${ROOT}/cli.ts`, ...args],
    cwd: tmp,
    env: {
      TMPDIR: tmp,
      HOME: tmp,
      XDG_RUNTIME_DIR: tmp,
      PATH: "/usr/bin:/bin",
      NO_COLOR: "1",
      DENO_DIR: denoDir(),
    },
    clearEnv: true,
    stdin: "null",
    stdout,
    stderr: "piped",
  }).spawn();
}

async function leftovers(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names;
}

/** True once process `pid` leads its own process group (field 5 of /proc/PID/stat). */
async function leadsGroup(pid: number): Promise<boolean> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2] === String(pid);
}

/**
 * Sends SIGTERM to the CLI's whole process group (setsid made it the leader),
 * as timeout(1) and systemd do; checks it ended with 128+15, no stack trace,
 * and nothing left in `tmp`.
 */
async function terminateGroup(
  child: Deno.ChildProcess,
  tmp: string,
  what = "",
  alsoWait: Promise<unknown> = Promise.resolve(),
): Promise<void> {
  // The group exists once setsid(1) has made the child its leader: signalled before, `kill`
  // finds no such group (a race of the test, not of the CLI).
  for (let i = 0; i < 200 && !(await leadsGroup(child.pid)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const kill = await new Deno.Command("kill", { args: ["-TERM", "--", `-${child.pid}`] }).output();
  assert.equal(kill.code, 0);
  const [status, stderr] = await Promise.all([
    child.status,
    new Response(child.stderr).text(),
    alsoWait,
  ]);
  assert.equal(status.code, 128 + 15, stderr);
  assert.doesNotMatch(stderr, /already terminated|\n\s+at /);
  assert.deepEqual(await leftovers(tmp), [], what);
}

Deno.test("jumpstarter shell puts the running CLI on PATH as jumpstarter and removes it after", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const ran = await cli(tmp, [
      "shell",
      "--exporter-config",
      VIRTUAL_BOARD,
      "--",
      "sh",
      "-c",
      "jumpstarter power on && jumpstarter power read --count 1",
    ]).output();
    const stderr = new TextDecoder().decode(ran.stderr);
    assert.equal(ran.code, 0, stderr);
    assert.match(new TextDecoder().decode(ran.stdout), /\d\.\d\d V/);
    assert.deepEqual(await leftovers(tmp), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("SIGTERM to jumpstarter shell's process group ends it cleanly, leaving no temp files", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const child = cli(tmp, [
      "shell",
      "--exporter-config",
      VIRTUAL_BOARD,
      "--",
      "sh",
      "-c",
      "echo ready; exec sleep 30",
    ]);
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!seen.includes("ready")) {
      const { value, done } = await reader.read();
      assert.ok(!done, "the session ended before its command ran");
      seen += value;
    }
    await terminateGroup(child, tmp, "", reader.cancel());
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("SIGTERM to shell's group at any moment of its start leaves no temp files", async () => {
  // While the CLI loads, while the exporter starts, as the command is spawned,
  // and once it runs: each must end with 128+15 or the signal, and nothing left.
  for (const delayMs of [0, 60, 120, 180, 240, 300]) {
    const tmp = await Deno.makeTempDir();
    try {
      const child = cli(tmp, [
        "shell",
        "--exporter-config",
        VIRTUAL_BOARD,
        "--",
        "sh",
        "-c",
        "exec sleep 30",
      ], "null");
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      await terminateGroup(child, tmp, `signalled after ${delayMs} ms`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  }
});
