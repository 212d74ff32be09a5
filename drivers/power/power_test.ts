import assert from "node:assert/strict";
import type { ClientSession } from "../../src/client/client_session.ts";
import type { CliOutput } from "../../src/client/commands.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import { DriverTimeoutError, NotImplementedError } from "../../src/driver/errors.ts";
import type { JsonValue } from "../../src/driver/json_value.ts";
import { testContext } from "../virtual/_test_context.ts";
import { PowerClient } from "./client.ts";
import { CommandPower } from "./command.ts";
import { parseReading } from "./parse_reading.ts";
import { PowerDriver } from "./interface.ts";
import { MockPower } from "./mock.ts";

async function collect<T>(iterable: AsyncIterable<T>, limit = Infinity): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

Deno.test("PowerDriver exports on, off, cycle and read with upstream's client label", () => {
  const power = new MockPower({}, testContext("power"));
  assert.equal(power.clientLabel(), "jumpstarter_driver_power.client.PowerClient");
  const methods = power.methods();
  assert.deepEqual([...methods.keys()].sort(), ["cycle", "off", "on", "read"]);
  assert.equal(methods.get("read")?.kind, "streaming");
  assert.deepEqual(methods.get("cycle")?.params, ["number?"]);
});

Deno.test("PowerDriver.read() of a driver that cannot measure is NotImplementedError", () => {
  class Switch extends PowerDriver {
    override on(): void {}
    override off(): void {}
  }
  assert.throws(() => new Switch({}, testContext()).read(), NotImplementedError);
});

Deno.test("MockPower on() and off() track the state and log it", () => {
  const context = testContext("power");
  const power = new MockPower({}, context);
  assert.equal(power.powered, false);
  power.on();
  assert.equal(power.powered, true);
  power.off();
  assert.equal(power.powered, false);
  assert.deepEqual(context.records.map((r) => r.message), ["power on", "power off"]);
  assert.equal(context.records[0].uuid, power.uuid);
});

Deno.test("MockPower cycle() switches off, waits, switches on", async () => {
  const context = testContext("power");
  const power = new MockPower({}, context);
  power.on();
  const started = performance.now();
  await power.cycle(0.05);
  assert.ok(performance.now() - started >= 45);
  assert.equal(power.powered, true);
  assert.deepEqual(context.records.map((r) => r.message), ["power on", "power off", "power on"]);
  await assert.rejects(power.cycle(-1), RangeError);
});

Deno.test("MockPower read() yields two readings by default, current following the state", async () => {
  const power = new MockPower({ interval: 0.01 }, testContext());
  assert.deepEqual(await collect(power.read()), [
    { voltage: 5, current: 0 },
    { voltage: 5, current: 0 },
  ]);
  power.on();
  assert.deepEqual((await collect(power.read()))[0], { voltage: 5, current: 0.5 });
});

Deno.test("MockPower read() with readings 0 streams until the consumer stops", async () => {
  const power = new MockPower({ interval: 0, readings: 0 }, testContext());
  assert.equal((await collect(power.read(), 5)).length, 5);
});

Deno.test("MockPower rejects a bad config value naming its path", () => {
  assert.throws(
    () => new MockPower({ interval: "fast" }, testContext("power")),
    (error: Error) =>
      error instanceof ConfigError && error.message.includes("export.power.config.interval"),
  );
});

Deno.test("PowerDriver close() cancels a cycle waiting between off and on", async () => {
  const power = new MockPower({}, testContext());
  const cycling = power.cycle(30);
  power.close();
  await assert.rejects(cycling, (error: Error) => error.name === "AbortError");
  assert.equal(power.powered, false);
});

Deno.test("CommandPower runs its commands in the config directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const power = new CommandPower(
      { on: "touch outlet", off: "rm -f outlet" },
      testContext("pdu", dir),
    );
    await power.on();
    assert.ok((await Deno.stat(`${dir}/outlet`)).isFile);
    await power.off();
    await assert.rejects(Deno.stat(`${dir}/outlet`), Deno.errors.NotFound);
    await power.cycle(0);
    assert.ok((await Deno.stat(`${dir}/outlet`)).isFile);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CommandPower reports a failing command with its status and last error line", async () => {
  const power = new CommandPower(
    { on: "echo warming up >&2; echo 'outlet 3: no such port' >&2; exit 3", off: "true" },
    testContext(),
  );
  await assert.rejects(power.on(), (error: Error) => {
    assert.match(error.message, /Power command "on"/);
    assert.match(error.message, /exit 3/);
    assert.match(error.message, /exited with status 3: outlet 3: no such port$/);
    return true;
  });
});

Deno.test("CommandPower kills a command that runs past its timeout", async () => {
  const power = new CommandPower(
    { on: "sleep 5; echo late", off: "true", timeout: 0.2 },
    testContext(),
  );
  const started = performance.now();
  await assert.rejects(power.on(), (error: Error) => {
    assert.ok(error instanceof DriverTimeoutError);
    assert.match(error.message, /timed out after 0.2 s: `sleep 5; echo late`/);
    return true;
  });
  assert.ok(performance.now() - started < 2000, "the whole process group was killed");
});

Deno.test("CommandPower runs a cycle command with the wait in its environment", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const power = new CommandPower(
      { on: "false", off: "false", cycle: 'echo "$JUMPSTARTER_POWER_WAIT" > waited' },
      testContext("pdu", dir),
    );
    await power.cycle(7);
    assert.equal(await Deno.readTextFile(`${dir}/waited`), "7\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CommandPower read() polls its read command", async () => {
  const power = new CommandPower(
    { on: "true", off: "true", read: "echo starting; echo 12.1 0.75", interval: 0 },
    testContext(),
  );
  assert.deepEqual(await collect(power.read(), 2), [
    { voltage: 12.1, current: 0.75 },
    { voltage: 12.1, current: 0.75 },
  ]);
  const plain = new CommandPower({ on: "true", off: "true" }, testContext());
  assert.throws(() => plain.read(), NotImplementedError);
});

Deno.test("CommandPower needs on and off commands", () => {
  assert.throws(() => new CommandPower({ on: "true" }, testContext("pdu")), (error: Error) => {
    assert.ok(error instanceof ConfigError);
    assert.match(
      error.message,
      /export\.pdu\.config\.off: expected a string \(this key is required\)/,
    );
    return true;
  });
});

Deno.test("parseReading() accepts plain, unit-suffixed and JSON readings", () => {
  assert.deepEqual(parseReading("5.0 0.5\n"), { voltage: 5, current: 0.5 });
  assert.deepEqual(parseReading("4.98V 1.2A"), { voltage: 4.98, current: 1.2 });
  assert.deepEqual(parseReading('{"voltage": 3.3, "current": 0.1}'), {
    voltage: 3.3,
    current: 0.1,
  });
  assert.throws(() => parseReading("n/a", "meter"), /printed by `meter`.*got "n\/a"/);
  assert.throws(() => parseReading('{"voltage": "5"}'), /expected "VOLTAGE CURRENT"/);
});

/** A session that records calls and streams canned readings. */
function fakeSession(calls: unknown[][]): ClientSession {
  return {
    call(_uuid, method, args) {
      calls.push([method, ...args]);
      return Promise.resolve(null);
    },
    async *streamingCall(_uuid, method, args) {
      calls.push([method, ...args]);
      for (let i = 0; i < 10; i++) yield { voltage: 5, current: i / 10 } as JsonValue;
    },
    openStream: () => Promise.reject(new Error("not used")),
    upload: () => Promise.reject(new Error("not used")),
  };
}

function fakeOutput(): CliOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (t) => lines.push(t), err: (t) => lines.push(t), isTerminal: false };
}

function powerClient(calls: unknown[][]): PowerClient {
  return new PowerClient(fakeSession(calls), {
    uuid: "u1",
    labels: { "jumpstarter.dev/name": "power" },
    methodsDescription: {},
  });
}

Deno.test("PowerClient calls the driver methods by their upstream names", async () => {
  const calls: unknown[][] = [];
  const power = powerClient(calls);
  await power.on();
  await power.off();
  await power.cycle();
  await power.cycle(3);
  assert.equal((await collect(power.read(), 2)).length, 2);
  assert.deepEqual(calls, [["on"], ["off"], ["cycle"], ["cycle", 3], ["read"]]);
});

Deno.test("PowerClient.commands() offers on, off, cycle and read with examples", async () => {
  const calls: unknown[][] = [];
  const output = fakeOutput();
  const commands = powerClient(calls).commands();
  assert.deepEqual(commands.map((c) => c.name), ["on", "off", "cycle", "read"]);
  const command = (name: string) => commands.find((c) => c.name === name)!;
  const run = (name: string, options: Record<string, string>) =>
    command(name).run({ args: {}, options, output });

  await run("cycle", { wait: "0.5" });
  await run("read", { count: "2" });
  assert.deepEqual(calls, [["cycle", 0.5], ["read"]]);
  assert.deepEqual(output.lines, ["5.00 V  0.00 A", "5.00 V  0.10 A"]);
  await assert.rejects(
    async () => await run("read", { count: "x" }),
    (error: Error) => error instanceof RangeError && /Invalid --count "x"/.test(error.message),
  );
  assert.deepEqual(command("cycle").examples, ["", "--wait 5"]);
  assert.deepEqual(command("cycle").options?.map((o) => o.flags), ["--wait <seconds>"]);
});
