/**
 * GPIO lines through libgpiod's tools. This machine has no GPIO chip (and
 * no gpio-sim module), so the real `gpioset` (apt `gpiod`) is run against a
 * missing chip and must fail in one line; the v1 and v2 tools' arguments,
 * the held `gpioset`, reads and edge waits are checked with stand-in tools
 * that keep the line's value in a file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { DriverTimeoutError } from "../../src/driver/errors.ts";
import { findProgram } from "../../src/driver/find_program.ts";
import { localDevice } from "../../testing.ts";
import type { PowerClient } from "../power/client.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { GpioClient } from "./client.ts";
import { DigitalInput, Gpio } from "./gpio.ts";

const CI = Deno.env.get("CI") === "true";
const missing = await findProgram("gpioset") === undefined ? "gpioset is not installed" : undefined;
if (missing && !CI) console.warn(`Skipping the gpioset test: ${missing} (apt-get install gpiod)`);

/** Stand-in gpioset/gpioget/gpiomon of tool generation `version` in a fresh directory. */
async function fakeTools(version: 1 | 2) {
  const dir = await Deno.makeTempDir();
  const head = (name: string) =>
    `#!/bin/sh\n[ "$1" = --version ] && { echo "${name} (libgpiod) v${version}.1"; exit 0; }\necho "${name} $*" >> "${dir}/calls"\n`;
  const tools = {
    gpioset: `${head("gpioset")}for a; do last=$a; done\necho "\${last#*=}" > "${dir}/value"\n` +
      `trap 'exit 0' TERM\nwhile :; do sleep 0.02; done\n`,
    gpioget: `${head("gpioget")}cat "${dir}/value" 2>/dev/null || echo 0\n`,
    gpiomon: `${
      head("gpiomon")
    }while [ ! -e "${dir}/edge" ]; do sleep 0.02; done\necho "event: RISING EDGE"\n`,
  };
  for (const [name, text] of Object.entries(tools)) {
    await Deno.writeTextFile(join(dir, name), text);
    await Deno.chmod(join(dir, name), 0o755);
  }
  return {
    dir,
    config: Object.fromEntries(Object.keys(tools).map((name) => [name, join(dir, name)])),
    calls: async () => (await Deno.readTextFile(join(dir, "calls"))).trim().split("\n"),
    value: () => Deno.readTextFile(join(dir, "value")).then((t) => t.trim()),
  };
}

Deno.test({
  name: "Gpio with the real gpioset and no GPIO chip fails in one line naming the line",
  ignore: missing !== undefined && !CI,
  fn: async () => {
    const gpio = new Gpio({ device: "/dev/gpiochip-none", line: 17 }, testContext("gpio"));
    await assert.rejects(gpio.on(), (e: Error) => {
      assert.match(
        e.message,
        /^driving GPIO line 17 of \/dev\/gpiochip-none active failed: \S*gpioset: error setting the GPIO line values: No such file or directory$/,
      );
      assert.ok(!e.message.includes("\n"));
      return true;
    });
    await gpio.close();
  },
});

Deno.test("Gpio (alias DigitalOutput) holds the line with v1 gpioset, pulses it and reads it", async () => {
  const tools = await fakeTools(1);
  {
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        led: {
          type: "jumpstarter_driver_gpiod.driver.DigitalOutput",
          config: {
            device: "gpiochip1",
            line: 5,
            active_low: true,
            drive: "open_drain",
            ...tools.config,
          },
        },
      },
    }, Deno.cwd()));
    const led = dut.child<GpioClient>("led");
    await led.on();
    assert.equal(await tools.value(), "1");
    assert.equal(await led.readPin(), "active");
    await led.pulse(0.05);
    assert.equal(await tools.value(), "0");
    assert.equal(await led.readPin(), "inactive");
    assert.deepEqual(led.commands().map((c) => c.name), ["on", "off", "pulse", "read", "wait"]);
  }
  const calls = await tools.calls();
  assert.equal(calls[0], "gpioset --mode=signal -l --drive=open-drain gpiochip1 5=1");
  assert.equal(calls[1], "gpioget -l gpiochip1 5");
  assert.deepEqual(calls.slice(2, 4), [
    "gpioset --mode=signal -l --drive=open-drain gpiochip1 5=1",
    "gpioset --mode=signal -l --drive=open-drain gpiochip1 5=0",
  ]);
  await Deno.remove(tools.dir, { recursive: true });
});

Deno.test("DigitalInput with v2 tools reads the line and waits for an edge, or times out", async () => {
  const tools = await fakeTools(2);
  const input = new DigitalInput(
    { device: "/dev/gpiochip0", line: "BUTTON", bias: "pull-up", ...tools.config },
    testContext("button"),
  );
  assert.equal(await input.read_pin(), "inactive");
  await assert.rejects(
    input.on(),
    /Cannot drive GPIO line BUTTON of \/dev\/gpiochip0: it is configured as an input/,
  );
  await assert.rejects(
    input.wait_for_edge("falling", 0.2),
    (e: Error) =>
      e instanceof DriverTimeoutError &&
      e.message === "No falling edge on GPIO line BUTTON of /dev/gpiochip0 within 0.2 s",
  );
  const waiting = input.wait_for_active(5);
  await new Promise((r) => setTimeout(r, 100));
  await Deno.writeTextFile(join(tools.dir, "edge"), "");
  await waiting;
  assert.deepEqual(await tools.calls(), [
    "gpioget -c /dev/gpiochip0 --bias=pull-up --numeric BUTTON",
    "gpiomon -c /dev/gpiochip0 --bias=pull-up -e falling -n 1 BUTTON",
    "gpiomon -c /dev/gpiochip0 --bias=pull-up -e rising -n 1 BUTTON",
  ]);
  await input.close();
  await Deno.remove(tools.dir, { recursive: true });
});

Deno.test("GpioPower (alias PowerSwitch) is power on a GPIO line, driven at start by initial_value", async () => {
  const tools = await fakeTools(2);
  {
    await using dut = await localDevice(exporterConfigFrom({
      export: {
        power: {
          type: "jumpstarter_driver_gpiod.driver.PowerSwitch",
          config: { line: 26, initial_value: "inactive", ...tools.config },
        },
      },
    }, Deno.cwd()));
    assert.equal(await tools.value(), "0");
    const power = dut.child<PowerClient>("power");
    await power.on();
    assert.equal(await tools.value(), "1");
    await power.cycle(0);
    assert.equal(await tools.value(), "1");
  }
  assert.equal((await tools.calls())[0], "gpioset -c /dev/gpiochip0 26=0");
  await Deno.remove(tools.dir, { recursive: true });
});

Deno.test("Gpio checks its config before running any tool", () => {
  const make = (config: Record<string, unknown>) => new Gpio(config, testContext("gpio"));
  assert.throws(
    () => make({}),
    /config.line: expected the line's offset \(e.g. 17\) or name, got null/,
  );
  assert.throws(
    () => make({ line: 1, bias: "up" }),
    /config.bias: expected one of as-is, disable, pull-up, pull-down/,
  );
  assert.throws(
    () => make({ line: 1, initial_value: "high" }),
    /initial_value: expected active or inactive/,
  );
  assert.throws(() => make({ line: 1, direction: "both" }), /direction: expected output or input/);
});
