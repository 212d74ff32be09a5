/**
 * The dashboard over TLS, as a controller on a real address serves it:
 * HTTP/2 in headless chromium, a Secure session cookie, the event stream,
 * and the board page's bridge reaching a real exporter process through the
 * router over TLS (trusting the controller's self-signed certificate).
 * Screenshot: test-output/dashboard-tls/.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import {
  browserMissing,
  browserTest,
  ConsoleErrors,
  launchChromium,
  outputDir,
} from "./_fixtures/browser.ts";
import { freePort, spawn } from "./_fixtures/lab.ts";
import { cli, VIRTUAL_BOARD } from "./_fixtures/run.ts";
import { eventually } from "../testing/eventually.ts";
import { Logger } from "../src/log.ts";
import { ensureTlsPair } from "../src/transport/tls_pair.ts";
import { openDataDir } from "../src/controller/store/data_dir.ts";
import { startController } from "../src/controller/server.ts";
import { createIdentity } from "../src/controller/admin.ts";
import { clientConfigYaml, exporterConfigYaml } from "../src/controller/config_files.ts";
import { boardOpener } from "../src/cli/dashboard_boards.ts";

browserTest(
  "dashboard over TLS: HTTP/2, a Secure cookie, live updates, a board's power through the router",
  await browserMissing(),
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "jumpstarter-dashboard-tls-" });
    const tls = await ensureTlsPair(`${dir}/tls`, "127.0.0.1");
    const store = await openDataDir(`${dir}/data`);
    const server = await startController({
      store,
      host: "127.0.0.1",
      port: freePort(),
      tls: { cert: tls.cert, key: tls.key },
      log: new Logger("controller"),
      boards: boardOpener,
    });
    const info = { endpoint: server.url, caPem: tls.cert };
    const authority = server.controller.authority;
    const made = await createIdentity(store, authority, "Client", "default", "alice", {});
    const alice = `${dir}/alice.yaml`;
    await Deno.writeTextFile(alice, clientConfigYaml(made.identity, made.token, info));
    const board = await createIdentity(store, authority, "Exporter", "default", "bench-1", {});
    const exportTree = (parse(await Deno.readTextFile(VIRTUAL_BOARD)) as { export: never }).export;
    await Deno.writeTextFile(
      `${dir}/bench-1.yaml`,
      exporterConfigYaml(board.identity, board.token, info, exportTree),
    );
    const exporter = spawn("exporter.ts", ["serve", "--config", `${dir}/bench-1.yaml`]);
    const browser = await launchChromium();
    try {
      await eventually(() => exporter.log().includes("registered with"), {
        timeout: 15_000,
        message: "the exporter to register over TLS",
      });
      const url = await cli(alice, "dashboard", "--print-url");
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/login\?code=/);
      const errors = new ConsoleErrors();
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = errors.watch(await context.newPage());
      await page.goto(url);
      await page.locator('[data-key="default/bench-1"]').waitFor({ timeout: 15_000 });
      const protocol = await page.evaluate(() =>
        (performance.getEntriesByType("navigation")[0] as unknown as { nextHopProtocol: string })
          .nextHopProtocol
      );
      assert.equal(protocol, "h2");
      const [session] = await context.cookies();
      assert.equal(session.secure, true, "the session cookie is Secure on TLS");
      assert.equal(session.httpOnly, true);

      await page.locator("#live").getByText("live").waitFor({ timeout: 10_000 });
      const lease = await cli(alice, "lease", "create", "--exporter", "bench-1", "-d", "5m");
      const row = page.locator(`#leases tr[data-lease="${lease}"]`);
      await row.getByText("Board").click();
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
      await page.getByRole("button", { name: "Cycle" }).click();
      await page.locator("#power-state").getByText("on").waitFor({ timeout: 15_000 });
      await page.getByRole("button", { name: "Off" }).click();
      await page.locator("#power-state").getByText("off").waitFor({ timeout: 15_000 });
      await page.screenshot({ path: `${await outputDir("dashboard-tls")}/01-board-power.png` });
      assert.deepEqual(errors.errors, [], "no console errors");
      await context.close();
    } finally {
      await browser.close();
      exporter.child.kill("SIGTERM");
      await Promise.all([exporter.child.status, exporter.drained]);
      await server.close();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
