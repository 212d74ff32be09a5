/**
 * The dashboard in a real browser (Debian's chromium through playwright-core)
 * against a real controller and real exporters: login with the URL the CLI
 * prints, the exporter and lease views, live updates, lease actions, and
 * what a visitor without a session gets. The board page (console, power) is
 * in dashboard_board_test.ts. Screenshots: test-output/dashboard/.
 */
import assert from "node:assert/strict";
import {
  browserMissing,
  browserTest,
  ConsoleErrors,
  launchChromium,
  outputDir,
} from "./_fixtures/browser.ts";
import { Lab } from "./_fixtures/lab.ts";
import { cli } from "./_fixtures/run.ts";

browserTest(
  "dashboard: log in with the printed URL, two exporters, a CLI lease appears live; a client works only its own leases, an admin releases any",
  await browserMissing(),
  async () => {
    const shots = await outputDir("dashboard");
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    await lab.exporter("bench-1", ["board=virtual", "site=lab-a"]);
    await lab.exporter("bench-2", ["board=virtual", "site=lab-b"]);
    const base = `http://${lab.endpoint}`;

    const url = await cli(alice, "dashboard", "--print-url");
    assert.match(
      url,
      /^http:\/\/127\.0\.0\.1:\d+\/login\?code=[\w-]{43}$/,
      "only the URL on stdout",
    );

    // Nobody sees anything without logging in.
    const anonymous = await fetch(`${base}/`);
    const page401 = await anonymous.text();
    assert.match(page401, /jumpstarter dashboard/);
    assert.doesNotMatch(page401, /bench-1/);
    for (const path of ["/api/state", "/api/events", "/assets/app.js", "/board/x"]) {
      const res = await fetch(`${base}${path}`);
      const body = await res.text();
      assert.ok(!body.includes("bench-1"), `${path} shows nothing without a session`);
      if (path.startsWith("/api/")) assert.equal(res.status, 401, path);
    }

    const browser = await launchChromium();
    try {
      const errors = new ConsoleErrors();
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = errors.watch(await context.newPage());
      await page.goto(url);
      assert.equal(new URL(page.url()).pathname, "/", "the login redirects to the dashboard");
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-key="default/bench-1"]').waitFor({ timeout: 15_000 });
      await page.locator('[data-key="default/bench-2"]').waitFor({ timeout: 15_000 });
      assert.match(await page.locator("#me").innerText(), /default\/alice/);
      const bench1 = await page.locator('[data-key="default/bench-1"]').innerText();
      assert.match(bench1, /available/);
      assert.match(bench1, /board=virtual site=lab-a/);
      assert.match(bench1, /power \(PowerClient\), serial \(PySerialClient\)/, "the driver tree");
      const [session] = await context.cookies();
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, "Strict");
      await page.screenshot({ path: `${shots}/01-exporters.png` });
      // Logins are logged by who, never by code or token.
      const log = lab.controller.log();
      assert.match(log, /dashboard login: Client\/default\/alice/);
      assert.ok(!log.includes(new URL(url).searchParams.get("code")!), "no login code in the log");
      const token = (await Deno.readTextFile(alice)).match(/token: (\S+)/)![1];
      assert.ok(!log.includes(token), "no token in the log");

      // The login URL works once.
      const again = await fetch(url, { redirect: "manual" });
      await again.body?.cancel();
      assert.equal(again.status, 401, "a used login URL is refused");

      // Filters: the CLI's selector syntax, and text.
      await page.fill("#selector", "site=lab-b");
      await page.locator('[data-key="default/bench-1"]').waitFor({ state: "detached" });
      assert.equal(await page.locator('[data-key="default/bench-2"]').count(), 1);
      await page.fill("#selector", "site in (lab-a");
      await page.locator("#selector-error").getByText(/selector/i).waitFor();
      await page.fill("#selector", "");
      await page.fill("#text", "bench-1");
      await page.locator('[data-key="default/bench-2"]').waitFor({ state: "detached" });
      await page.fill("#text", "");

      // A lease made with the CLI appears without a reload.
      await page.evaluate(() => (globalThis as unknown as { stayed: boolean }).stayed = true);
      const lease = await cli(alice, "lease", "create", "--exporter", "bench-1", "-d", "10m");
      const row = page.locator(`#leases tr[data-lease="${lease}"]`);
      await row.waitFor({ timeout: 5_000 });
      await page.locator('[data-key="default/bench-1"]').getByText(`${lease} (alice)`).waitFor();
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as { stayed: boolean }).stayed),
        true,
      );
      assert.match(await row.innerText(), /alice\s+bench-1/);
      // A second lease on the same board queues behind the first.
      const queued = await cli(alice, "lease", "create", "--exporter", "bench-1", "-d", "5m");
      await page.locator(`#leases tr[data-lease="${queued}"]`).getByText(/^#1/).waitFor({
        timeout: 5_000,
      });
      await page.screenshot({ path: `${shots}/02-lease-live.png` });

      // State changes need the session's CSRF token and this origin.
      const cookie = `${session.name}=${session.value}`;
      const csrfTries: Record<string, string>[] = [{ cookie }, { cookie, "x-csrf-token": "wrong" }];
      for (const headers of csrfTries) {
        const res = await fetch(`${base}/api/leases/default/${lease}/release`, {
          method: "POST",
          headers,
        });
        await res.body?.cancel();
        assert.equal(res.status, 403);
      }
      await row.getByText("+30m").click();
      await row.getByText(/^(39|40)m/).waitFor({ timeout: 5_000 });
      await row.getByText("Release").click();
      await row.waitFor({ state: "detached", timeout: 5_000 });

      // Another client's lease: alice sees it but may not work it; an admin may release it.
      const bob = await lab.client("bob");
      const ops = await lab.client("ops", "jumpstarter.dev/dashboard=admin");
      const bobs = await cli(bob, "lease", "create", "--exporter", "bench-2", "-d", "10m");
      const bobRow = page.locator(`#leases tr[data-lease="${bobs}"]`);
      await bobRow.waitFor({ timeout: 5_000 });
      assert.equal(await bobRow.getByRole("button").count(), 0, "no actions on bob's lease");
      assert.equal(await bobRow.getByRole("link").count(), 0, "no board page for bob's lease");
      const { csrf } = await (await fetch(`${base}/api/state`, { headers: { cookie } })).json();
      const refused = await fetch(`${base}/api/leases/default/${bobs}/release`, {
        method: "POST",
        headers: { cookie, "x-csrf-token": csrf },
      });
      assert.equal(refused.status, 403, await refused.text());
      const board = await fetch(`${base}/api/boards/${bobs}`, { headers: { cookie } });
      assert.equal(board.status, 404, await board.text());
      const admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const adminPage = errors.watch(await admin.newPage());
      await adminPage.goto(await cli(ops, "dashboard", "--print-url"));
      await adminPage.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
      assert.match(await adminPage.locator("#me").innerText(), /\(admin\)/);
      const adminRow = adminPage.locator(`#leases tr[data-lease="${bobs}"]`);
      await adminRow.getByText("Release").click();
      await adminRow.waitFor({ state: "detached", timeout: 5_000 });
      await bobRow.waitFor({ state: "detached", timeout: 5_000 });
      await adminPage.screenshot({ path: `${shots}/03-admin.png` });
      await admin.close();
      assert.deepEqual(errors.errors, [], "no console errors");
      await context.close();
    } finally {
      await browser.close();
    }
  },
);
