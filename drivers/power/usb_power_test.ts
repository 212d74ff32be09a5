/**
 * The USB power switches: `power.Sispmctl` and `power.Uhubctl` run the real
 * `sispmctl` and `uhubctl` (apt), which find no device on this machine and
 * must say so in one line; `power.Ykush` finds no `ykushcmd` (not packaged)
 * and says that. What each passes its tool, and how it reads the state back,
 * is checked with stand-in programs recording their arguments.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { findProgram } from "../../src/driver/find_program.ts";
import { testContext } from "../virtual/_test_context.ts";
import { Sispmctl } from "./sispmctl.ts";
import { portState, Uhubctl } from "./uhubctl.ts";
import { Ykush } from "./ykush.ts";

const CI = Deno.env.get("CI") === "true";

function needs(tool: string) {
  return findProgram(tool).then((path) => {
    if (path === undefined && !CI) console.warn(`Skipping a ${tool} test: apt-get install ${tool}`);
    return { ignore: path === undefined && !CI };
  });
}

Deno.test({
  name: "Sispmctl runs the real sispmctl and, with no power strip attached, says so in one line",
  ...(await needs("sispmctl")),
  fn: async () => {
    const strip = new Sispmctl({ outlet: 2 }, testContext("power"));
    await assert.rejects(strip.on(), (e: Error) => {
      assert.match(
        e.message,
        /^sispmctl outlet 2 on \(sispmctl\) exited with status 1: No GEMBIRD SiS-PM found\. Check USB connections, please! \(is the power strip plugged in/,
      );
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  },
});

Deno.test({
  name: "Uhubctl runs the real uhubctl and, with no such hub, says so in one line",
  ...(await needs("uhubctl")),
  fn: async () => {
    const hub = new Uhubctl({ location: "1-1.4", port: 2 }, testContext("power"));
    await assert.rejects(
      hub.off(),
      /^DriverError: USB hub 1-1.4 port 2 off \(uhubctl\) exited with status 1: No compatible devices detected at location 1-1.4! \(check location/,
    );
  },
});

Deno.test("Ykush without ykushcmd fails naming it and where it comes from", async () => {
  const hub = new Ykush({ port: 2, program: "ykushcmd-not-installed" }, testContext("power"));
  await assert.rejects(
    hub.on(),
    /^FailedPreconditionError: "ykushcmd-not-installed" is not installed \(not found in PATH\): build ykushcmd from github.com\/Yepkit\/ykush/,
  );
  await hub.reset(); // logged, not thrown
});

/** A stand-in tool that records its arguments and prints `answer`. */
async function standIn(dir: string, name: string, answer = "") {
  const path = join(dir, name);
  await Deno.writeTextFile(path, `#!/bin/sh\necho "$*" >> "${dir}/calls"\nprintf '${answer}'\n`);
  await Deno.chmod(path, 0o755);
  return {
    path,
    calls: async () => (await Deno.readTextFile(join(dir, "calls"))).trim().split("\n"),
  };
}

Deno.test("the USB power switches pass outlet, port, hub and serial to their tools", async () => {
  const dir = await Deno.makeTempDir();
  const sis = await standIn(dir, "sispmctl", "1\\n");
  const strip = new Sispmctl(
    { outlet: 3, serial: "01:01:5f:41:9d", program: sis.path },
    testContext(),
  );
  await strip.on();
  await strip.off();
  assert.equal(await strip.state(), "on");
  assert.deepEqual(await sis.calls(), [
    "-D 01:01:5f:41:9d -o 3",
    "-D 01:01:5f:41:9d -f 3",
    "-D 01:01:5f:41:9d -q -n -g 3",
  ]);
  await Deno.remove(join(dir, "calls"));
  const ykush = await standIn(dir, "ykushcmd");
  const hub = new Ykush({ serial: "YK21234", program: ykush.path, default: "on" }, testContext());
  await hub.off();
  await hub.reset();
  assert.deepEqual(await ykush.calls(), ["-s YK21234 -d a", "-s YK21234 -u a"]);
  await Deno.remove(join(dir, "calls"));
  const uhub = await standIn(
    dir,
    "uhubctl",
    "Current status for hub 1-1.4\\n  Port 2: 0000 off\\n",
  );
  const usb = new Uhubctl(
    { location: "1-1.4", port: "2", repeat: 3, program: uhub.path },
    testContext(),
  );
  await usb.on();
  await usb.off();
  assert.equal(await usb.state(), "off");
  assert.deepEqual(await uhub.calls(), [
    "-l 1-1.4 -p 2 -a on",
    "-l 1-1.4 -p 2 -a off -r 3",
    "-l 1-1.4 -p 2",
  ]);
  assert.equal(portState("  Port 1: 0503 power highspeed enable connect [0424:ec00]", "1"), "on");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the USB power switches check their config before running anything", () => {
  assert.throws(
    () => new Sispmctl({ outlet: 5 }, testContext()),
    /outlet: expected 1..4 or all, got 5/,
  );
  assert.throws(
    () => new Ykush({ port: 4 }, testContext()),
    /port: expected 1, 2, 3 or all, got 4/,
  );
  assert.throws(
    () => new Ykush({ default: "maybe" }, testContext()),
    /default: expected on or off/,
  );
  assert.throws(() => new Uhubctl({ port: 1 }, testContext()), /location: expected a string/);
  assert.throws(
    () => new Uhubctl({ location: "1-1; reboot", port: 1 }, testContext()),
    /location: expected a hub location like 1-1.4/,
  );
});
