/**
 * power.HttpPower against small local HTTP servers standing in for a
 * Tasmota plug, Shelly Gen1 and Gen2 devices and a generic REST PDU.
 */
import assert from "node:assert/strict";
import { localDevice } from "../../testing.ts";
import { exporterConfigFrom } from "../../src/config/exporter_config.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import {
  DriverTimeoutError,
  FailedPreconditionError,
  NotImplementedError,
  UnavailableError,
} from "../../src/driver/errors.ts";
import { ROOT } from "../../tests/_fixtures/run.ts";
import { testContext } from "../virtual/_test_context.ts";
import type { PowerClient } from "./client.ts";
import { HttpPower } from "./http.ts";

interface Seen {
  method: string;
  path: string;
  body: string;
  authorization: string | null;
  headers: Headers;
  at: number;
}

/** A local HTTP server that records every request and answers with `answer`. */
function plugServer(
  answer: (url: URL, request: Request, body: string) => Response | Promise<Response>,
) {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const url = new URL(request.url);
      const body = await request.text();
      seen.push({
        method: request.method,
        path: url.pathname + url.search,
        body,
        authorization: request.headers.get("authorization"),
        headers: request.headers,
        at: performance.now(),
      });
      return await answer(url, request, body);
    },
  );
  return {
    seen,
    host: `127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function powerConfig(config: Record<string, unknown>) {
  return exporterConfigFrom({ export: { power: { type: "power.HttpPower", config } } }, Deno.cwd());
}

async function take<T>(iterable: AsyncIterable<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
    if (out.length >= count) break;
  }
  return out;
}

Deno.test("HttpPower tasmota preset switches with cm?cmnd=Power and reads ENERGY from Status 8", async () => {
  let power = "OFF";
  await using plug = plugServer((url) => {
    if (url.searchParams.get("user") !== "admin" || url.searchParams.get("password") !== "s3cret") {
      return new Response("Unauthorized", { status: 401 });
    }
    const command = url.searchParams.get("cmnd") ?? "";
    if (command === "Power On") power = "ON";
    if (command === "Power Off") power = "OFF";
    if (command === "Status 8") {
      return Response.json({
        StatusSNS: { ENERGY: { Voltage: 229, Current: power === "ON" ? 0.31 : 0 } },
      });
    }
    return Response.json({ POWER: power });
  });
  await using dut = await localDevice(powerConfig({
    preset: "tasmota",
    host: plug.host,
    username: "admin",
    password: "s3cret",
    interval: 0.01,
  }));
  const client = dut.power as PowerClient;
  await client.on();
  assert.deepEqual(await take(client.read(), 2), [
    { voltage: 229, current: 0.31 },
    { voltage: 229, current: 0.31 },
  ]);
  await client.off();
  assert.deepEqual(plug.seen.map((s) => s.path.replace(/user=admin&password=s3cret&/, "")), [
    "/cm?cmnd=Power%20On",
    "/cm?cmnd=Status%208",
    "/cm?cmnd=Status%208",
    "/cm?cmnd=Power%20Off",
  ]);
  assert.equal(power, "OFF");
});

Deno.test("HttpPower tasmota without energy monitoring: read() is NotImplementedError", async () => {
  await using plug = plugServer(() =>
    Response.json({ StatusSNS: { Time: "2026-01-01T00:00:00" } })
  );
  await using dut = await localDevice(
    powerConfig({ preset: "tasmota", host: plug.host, channel: 2 }),
  );
  await assert.rejects(take((dut.power as PowerClient).read(), 1), NotImplementedError);
  await (dut.power as PowerClient).on().catch(() => {});
  assert.equal(plug.seen.at(-1)?.path, "/cm?cmnd=Power2%20On");
});

Deno.test("HttpPower shelly (Gen1) uses /relay/N with basic auth; a meter without voltage cannot read", async () => {
  let ison = false;
  await using plug = plugServer((url) => {
    if (url.pathname === "/relay/1") {
      ison = url.searchParams.get("turn") === "on";
      return Response.json({ ison, has_timer: false });
    }
    return Response.json({ power: 12.5, is_valid: true, total: 4 });
  });
  await using dut = await localDevice(powerConfig({
    preset: "shelly",
    host: `http://${plug.host}`,
    channel: 1,
    username: "lab",
    password: "pw",
  }));
  const client = dut.power as PowerClient;
  await client.on();
  assert.equal(ison, true);
  await client.off();
  assert.equal(ison, false);
  await assert.rejects(take(client.read(), 1), (error: Error) => {
    assert.ok(error instanceof NotImplementedError);
    assert.match(
      error.message,
      /does not report voltage and current .* GET http:\/\/[\d.:]+\/meter\/1/,
    );
    return true;
  });
  assert.deepEqual(plug.seen.map((s) => s.path), [
    "/relay/1?turn=on",
    "/relay/1?turn=off",
    "/meter/1",
  ]);
  assert.ok(plug.seen.every((s) => s.authorization === `Basic ${btoa("lab:pw")}`));
});

Deno.test("HttpPower shelly-gen2 uses the RPC API and reads voltage and current", async () => {
  let output = false;
  await using plug = plugServer((url) => {
    if (url.pathname === "/rpc/Switch.Set") {
      const was = output;
      output = url.searchParams.get("on") === "true";
      return Response.json({ was_on: was });
    }
    return Response.json({ id: 0, output, apower: 68.2, voltage: 230.4, current: 0.297 });
  });
  await using dut = await localDevice(powerConfig({ preset: "shelly-gen2", host: plug.host }));
  const client = dut.power as PowerClient;
  await client.on();
  assert.deepEqual(await take(client.read(), 1), [{ voltage: 230.4, current: 0.297 }]);
  await client.off();
  assert.deepEqual(plug.seen.map((s) => s.path), [
    "/rpc/Switch.Set?id=0&on=true",
    "/rpc/Switch.GetStatus?id=0",
    "/rpc/Switch.Set?id=0&on=false",
  ]);
});

Deno.test("HttpPower generic REST sends the configured method, URL, body and headers", async () => {
  await using plug = plugServer((_url, request) =>
    request.method === "GET"
      ? Response.json({ outlets: [{ readings: { v: 12.1, a: 1.5 } }] })
      : new Response(null, { status: 204 })
  );
  const base = `http://${plug.host}/api/outlets/3`;
  await using dut = await localDevice(powerConfig({
    on: { method: "PUT", url: base, body: { state: "on" }, headers: { "X-Token": "t0k" } },
    off: {
      url: base,
      body: "state=off",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    },
    read: { url: base, voltage: "outlets.0.readings.v", current: "outlets.0.readings.a" },
  }));
  const client = dut.power as PowerClient;
  await client.on();
  await client.off();
  assert.deepEqual(await take(client.read(), 1), [{ voltage: 12.1, current: 1.5 }]);
  const [on, off, read] = plug.seen;
  assert.deepEqual([on.method, on.path, on.body], ["PUT", "/api/outlets/3", '{"state":"on"}']);
  assert.equal(on.headers.get("x-token"), "t0k");
  assert.equal(on.headers.get("content-type"), "application/json");
  assert.deepEqual([off.method, off.body], ["POST", "state=off"]);
  assert.equal(off.headers.get("content-type"), "application/x-www-form-urlencoded");
  assert.equal(read.method, "GET");
});

Deno.test("HttpPower reports HTTP errors, timeouts, refusals and a plug in the wrong state in one line", async () => {
  await using plug = plugServer(async (url) => {
    if (url.pathname === "/slow") await new Promise((r) => setTimeout(r, 300));
    if (url.pathname === "/broken") {
      return new Response("boom", { status: 500, statusText: "Internal Server Error" });
    }
    if (url.pathname === "/denied") {
      return new Response("no", { status: 401, statusText: "Unauthorized" });
    }
    if (url.pathname === "/relay/0") return Response.json({ ison: false });
    return new Response("ok");
  });
  const rest = (path: string) => ({
    on: `http://${plug.host}${path}`,
    off: `http://${plug.host}/ok`,
    timeout: 0.1,
  });
  await using slow = await localDevice(powerConfig(rest("/slow")));
  await assert.rejects((slow.power as PowerClient).on(), (error: Error) => {
    assert.ok(error instanceof DriverTimeoutError);
    assert.equal(
      error.message,
      `Power plug did not answer on (GET http://${plug.host}/slow) within 0.1 s`,
    );
    return true;
  });
  await (slow.power as PowerClient).off();

  await using broken = await localDevice(powerConfig(rest("/broken")));
  await assert.rejects((broken.power as PowerClient).on(), (error: Error) => {
    assert.ok(error instanceof UnavailableError);
    assert.equal(
      error.message,
      `Power plug answered 500 Internal Server Error to on (GET http://${plug.host}/broken)`,
    );
    return true;
  });
  await using denied = await localDevice(powerConfig(rest("/denied")));
  await assert.rejects(
    (denied.power as PowerClient).on(),
    /answered 401 Unauthorized .*: check username and password$/,
  );

  await using stuck = await localDevice(powerConfig({ preset: "shelly", host: plug.host }));
  await assert.rejects((stuck.power as PowerClient).on(), (error: Error) => {
    assert.ok(error instanceof FailedPreconditionError);
    assert.equal(error.message, "The power plug reports off after switching it on");
    return true;
  });

  const refused = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (refused.addr as Deno.NetAddr).port;
  refused.close();
  await using gone = await localDevice(
    powerConfig({ preset: "tasmota", host: `127.0.0.1:${closedPort}` }),
  );
  await assert.rejects((gone.power as PowerClient).on(), (error: Error) => {
    assert.ok(error instanceof UnavailableError);
    assert.match(
      error.message,
      new RegExp(
        `^Cannot reach the power plug for on \\(GET http://127\\.0\\.0\\.1:${closedPort}/cm\\?cmnd=Power%20On\\): `,
      ),
    );
    return true;
  });
});

Deno.test("HttpPower rejects a bad config in one line", () => {
  const make = (config: Record<string, unknown>) => () =>
    new HttpPower(config, testContext("power"));
  assert.throws(make({}), ConfigError);
  assert.throws(
    make({ preset: "kasa", host: "x" }),
    /preset: expected one of tasmota, shelly, shelly-gen2, rest/,
  );
  assert.throws(
    make({ preset: "tasmota" }),
    /config\.host: expected a string \(this key is required\)/,
  );
  assert.throws(
    make({ on: "ftp://x", off: "http://x" }),
    /config\.on\.url: expected an http:\/\/ or https:\/\/ URL/,
  );
  assert.throws(
    make({ on: "http://x/on", off: "http://x/off", read: { url: "http://x/r", voltage: "v" } }),
    /config\.read\.current: expected the dotted path of the current/,
  );
});

Deno.test("jumpstarter power cycle --wait drives an HTTP plug off, waits, on", async () => {
  await using plug = plugServer((url) =>
    Response.json({ POWER: url.searchParams.get("cmnd")?.endsWith("On") ? "ON" : "OFF" })
  );
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/plug.yaml`,
      `export:\n  power:\n    type: power.HttpPower\n    config: {preset: tasmota, host: "${plug.host}"}\n`,
    );
    const ran = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}/cli.ts`,
        "--exporter-config",
        `${dir}/plug.yaml`,
        "power",
        "cycle",
        "--wait",
        "0.4",
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(ran.code, 0, new TextDecoder().decode(ran.stderr));
    assert.deepEqual(plug.seen.map((s) => s.path), ["/cm?cmnd=Power%20Off", "/cm?cmnd=Power%20On"]);
    assert.ok(plug.seen[1].at - plug.seen[0].at >= 390, "stayed off for the wait");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("HttpPower keeps credentials out of every message; user:password@ in a URL becomes basic auth", async () => {
  await using plug = plugServer((url, request) =>
    url.pathname === "/ok" &&
      request.headers.get("authorization") === `Basic ${btoa("admin:s3cret")}`
      ? new Response(null, { status: 204 })
      : new Response("no", { status: 401, statusText: "Unauthorized" })
  );
  const refused = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (refused.addr as Deno.NetAddr).port;
  refused.close();
  await using dut = await localDevice(powerConfig({
    on: `http://admin:s3cret@${plug.host}/ok`,
    off: `http://admin:s3cret@${plug.host}/denied?token=t0ps3cret&state=off`,
    read: {
      url: `http://admin:s3cret@127.0.0.1:${closedPort}/read?password=s3cret`,
      voltage: "v",
      current: "a",
    },
  }));
  const power = dut.power as PowerClient;
  await power.on();
  assert.equal(plug.seen[0].authorization, `Basic ${btoa("admin:s3cret")}`);
  for (
    const attempt of [
      () => power.off(),
      () => take(power.read(), 1),
    ]
  ) {
    await assert.rejects(attempt(), (error: Error) => {
      assert.doesNotMatch(error.message, /s3cret|t0ps3cret/);
      assert.match(error.message, /\*\*\*/);
      return true;
    });
  }
});
