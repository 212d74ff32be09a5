/**
 * An upstream client drives our exporter process through our router over
 * TLS: `exporter serve` registers with the ExporterConfig our admin wrote,
 * and the client side is the independent grpc-js stack of
 * `_fixtures/upstream_stack.ts` doing what upstream's `jmp shell` does:
 * ClientService CreateLease, GetLease until Ready, Dial, a local socket whose
 * every connection is forwarded over a router stream, and ExporterService
 * GetReport and DriverCall on that socket. DeleteLease ends the lease, and the
 * open tunnel with it.
 */
import assert from "node:assert/strict";
import { MixedLab, opensslMissing } from "./_fixtures/mixed_lab.ts";
import { clientServiceClient, unary, upstreamTunnel } from "./_fixtures/upstream_stack.ts";
import { upstreamClient, upstreamCredentials } from "./_fixtures/upstream_grpc.ts";
import { spawn } from "./_fixtures/lab.ts";
import { eventually } from "../testing.ts";

const CI = Deno.env.get("CI") === "true";

// deno-lint-ignore no-explicit-any
type Any = any;

Deno.test({
  name:
    "an upstream client leases our exporter process over TLS and calls GetReport and DriverCall on it through our router",
  sanitizeOps: false,
  sanitizeResources: false,
  ignore: opensslMissing && !CI,
  async fn() {
    await using lab = await MixedLab.start();
    const alice = await lab.client("alice");
    const box = await lab.exporter("ours", { board: "ours" });
    await Deno.writeTextFile(`${lab.dir}/ours.yaml`, box.yaml, { mode: 0o600 });
    const exporter = spawn("exporter.ts", ["serve", "--config", `${lab.dir}/ours.yaml`]);
    const api = clientServiceClient(alice.upstream);
    let side: { close(): Promise<void> } | undefined;
    let driver: ReturnType<typeof upstreamClient> | undefined;
    try {
      await eventually(() => exporter.log().includes("registered with"), {
        timeout: 20_000,
        message: "our exporter to register over TLS",
      });
      const parent = "namespaces/default";
      const created: Any = await unary(api, "CreateLease", {
        parent,
        lease: { selector: "board=ours", duration: { seconds: 600 } },
      });
      const leaseName = created.name.replace(/^.*\//, "");
      await eventually(async () => {
        const lease: Any = await unary(api, "GetLease", { name: created.name });
        return lease.conditions.some((c: Any) => c.type === "Ready" && c.status === "True");
      }, { timeout: 15_000, interval: 100, message: "the lease to be Ready" });

      const path = `${lab.dir}/client.sock`;
      side = upstreamTunnel(alice.upstream, leaseName, path);
      driver = upstreamClient(`unix://${path}`, upstreamCredentials());
      const report: Any = await driver.call("GetReport", {});
      const power = report.reports.find((r: Any) =>
        r.labels["jumpstarter.dev/client"] === "jumpstarter_driver_power.client.PowerClient"
      );
      assert.ok(power, JSON.stringify(report.reports.map((r: Any) => r.labels)));
      await driver.call("DriverCall", { uuid: power.uuid, method: "on", args: [] });
      await driver.call("DriverCall", { uuid: power.uuid, method: "off", args: [] });

      // The lease ends: the tunnel's calls stop reaching the exporter.
      await unary(api, "DeleteLease", { name: created.name });
      await eventually(
        () =>
          driver!.call("DriverCall", { uuid: power.uuid, method: "on", args: [] }).then(
            () => false,
            () => true,
          ),
        { timeout: 15_000, interval: 200, message: "calls to fail once the lease ended" },
      );
    } finally {
      driver?.close();
      await side?.close();
      api.close();
      exporter.child.kill("SIGTERM");
      await exporter.child.status;
      await exporter.drained;
    }
  },
});
