/**
 * An upstream exporter in our lab, over TLS: the stand-in of
 * `_fixtures/upstream_exporter.ts` (upstream's registration flow on an
 * independent gRPC stack) reads the ExporterConfig our admin wrote (a bare
 * `host:port` and `tls.ca`), registers, shows in `jumpstarter exporters list`
 * with its labels and the statuses it reports, is leased by selector, and our
 * client drives it through our router: `power on` and a console byte stream.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { MixedLab, opensslMissing } from "./_fixtures/mixed_lab.ts";
import { REPORTS, STATUS, UpstreamExporter } from "./_fixtures/upstream_exporter.ts";
import { runEntry } from "./_fixtures/run.ts";
import { lease } from "../mod.ts";
import { eventually } from "../testing.ts";
import { readAll } from "../src/driver/read_all.ts";

const CI = Deno.env.get("CI") === "true";

/** `jumpstarter exporters list -o json` with alice's config file. */
async function exportersList(configPath: string): Promise<Record<string, unknown>[]> {
  const ran = await runEntry("cli.ts", [
    "--client-config",
    configPath,
    "exporters",
    "list",
    "-o",
    "json",
  ]);
  assert.equal(ran.code, 0, ran.stderr);
  return JSON.parse(ran.stdout);
}

/** The conditions of alice's leases, from `jumpstarter lease list -o json`. */
async function leaseConditions(configPath: string): Promise<string> {
  const ran = await runEntry("cli.ts", [
    "--client-config",
    configPath,
    "lease",
    "list",
    "-o",
    "json",
  ]);
  assert.equal(ran.code, 0, ran.stderr);
  return JSON.stringify(JSON.parse(ran.stdout).map((l: { conditions: unknown }) => l.conditions));
}

Deno.test({
  name:
    "an upstream exporter registers with the config admin wrote, lists with its labels and status, and our client drives it through the router over TLS",
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: opensslMissing && !CI,
  async fn() {
    await using lab = await MixedLab.start();
    const alice = await lab.client("alice");
    const aliceFile = `${lab.dir}/alice.yaml`;
    await Deno.writeTextFile(aliceFile, alice.yaml, { mode: 0o600 });
    const box = await lab.exporter("box", { board: "upstream-box" });
    // What upstream's ExporterConfig loader needs: a bare endpoint it can dial, a base64 CA.
    const written = parse(box.yaml);
    assert.equal(written.endpoint, lab.endpoint);
    assert.match(atob(written.tls.ca), /BEGIN CERTIFICATE/);
    await using exporter = new UpstreamExporter(box.upstream, { board: "upstream-box" });
    await exporter.start(lab.dir);

    const listed = (await exportersList(aliceFile)).find((e) => JSON.stringify(e).includes("box"));
    assert.ok(listed, "the upstream exporter is listed");
    const text = JSON.stringify(listed);
    assert.match(text, /upstream-box/, "with its labels");
    assert.match(text, /AVAILABLE/, "and the status it reported");

    {
      await using dut = await lease({
        clientConfig: alice.ours,
        selector: "board=upstream-box",
        duration: "5m",
      });
      // Our client built its tree from upstream's class paths.
      await dut.power.on();
      const power = REPORTS[1].uuid;
      assert.ok(exporter.calls.includes(`${power}.on`), exporter.calls.join(", "));
      const console = await dut.serial.stream("connect");
      const back = readAll(console.readable);
      const writer = console.writable.getWriter();
      await writer.write(new TextEncoder().encode("login: root\n"));
      await writer.close();
      assert.equal(new TextDecoder().decode(await back), "login: root\n");
      // The statuses it reported on the lease show in the list, and on the lease.
      await exporter.reportStatus(STATUS.BEFORE_LEASE_HOOK, "Running beforeLease hook");
      assert.match(
        await leaseConditions(aliceFile),
        /"type":"ExporterStatus","status":"True","reason":"BeforeLeaseHook","message":"Running beforeLease hook"/,
      );
      await exporter.reportStatus(STATUS.LEASE_READY, "Ready for commands");
      assert.match(JSON.stringify(await exportersList(aliceFile)), /LEASE_READY/);
      assert.match(
        await leaseConditions(aliceFile),
        /"type":"ExporterStatus","status":"True","reason":"LeaseReady"/,
      );
    }

    // Its lease ended: it reports AVAILABLE again; gone, it is offline.
    let last = "";
    await eventually(
      async () => (last = JSON.stringify(await exportersList(aliceFile))).includes("AVAILABLE"),
      { timeout: 15_000, interval: 200, message: "the exporter's AVAILABLE after the lease" },
    ).catch((error) => {
      throw new Error(`${error.message}: ${last}`);
    });
    await exporter.close();
    await eventually(
      async () => /OFFLINE|"online":\s*false/i.test(JSON.stringify(await exportersList(aliceFile))),
      { timeout: 15_000, interval: 200, message: "the exporter shown offline" },
    );
  },
});

/**
 * A TCP relay to `port` that can freeze: its connections stay open and
 * forward nothing more, as a link to a vanished host (or a hung process) is.
 */
function freezableRelay(port: number) {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connect({ host: "127.0.0.1", port });
    for (const [from, to] of [[inbound, outbound], [outbound, inbound]]) {
      sockets.add(from);
      from.on("data", (chunk) => {
        if (!frozen) to.write(chunk);
      });
      from.on("error", () => {});
      from.on("close", () => to.destroy());
    }
  });
  return {
    listen: () =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
      ),
    freeze: () => frozen = true,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

Deno.test({
  name:
    "an upstream exporter, which reports status changes only, stays online past the heartbeat timeout (it answers PINGs); one whose link goes silent goes offline",
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: opensslMissing && !CI,
  async fn() {
    await using lab = await MixedLab.start(undefined, 1500);
    const alice = await lab.client("alice");
    const aliceFile = `${lab.dir}/alice.yaml`;
    await Deno.writeTextFile(aliceFile, alice.yaml, { mode: 0o600 });
    const quiet = await lab.exporter("quiet", { board: "quiet" });
    const silent = await lab.exporter("silent", { board: "silent" });
    await using upstream = new UpstreamExporter(quiet.upstream, { board: "quiet" });
    await upstream.start(lab.dir);
    // The other one reaches the controller through a relay that then stops forwarding.
    const relay = freezableRelay(Number(lab.endpoint.split(":").at(-1)));
    const relayPort = await relay.listen();
    await using frozen = new UpstreamExporter(
      { ...silent.upstream, endpoint: `127.0.0.1:${relayPort}` },
      { board: "silent" },
    );
    await Deno.mkdir(`${lab.dir}/b`);
    await frozen.start(`${lab.dir}/b`);
    const row = (list: unknown[], name: string) =>
      JSON.stringify(list.find((e) => JSON.stringify(e).includes(name)));
    try {
      // Both stay online past the timeout while their links answer PINGs.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      let list = await exportersList(aliceFile);
      assert.match(row(list, "quiet"), /AVAILABLE/, row(list, "quiet"));
      assert.match(row(list, "silent"), /AVAILABLE/, row(list, "silent"));
      relay.freeze();
      await new Promise((resolve) => setTimeout(resolve, 3500));
      list = await exportersList(aliceFile);
      assert.match(row(list, "quiet"), /AVAILABLE/, row(list, "quiet"));
      assert.match(row(list, "silent"), /OFFLINE|"online":\s*false/i, row(list, "silent"));
    } finally {
      relay.close();
    }
  },
});
