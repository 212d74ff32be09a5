/**
 * The dashboard's board page in a real browser, on a real QEMU board served
 * by a real exporter through a real controller: the serial console shows
 * the boot log, typed commands run on the board, power off shows, and a
 * revoked client's session stops working. Skipped without chromium, qemu
 * or the test guest, except under CI=true, where it fails.
 * Screenshots: test-output/dashboard-board/.
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
import { cli, ROOT } from "./_fixtures/run.ts";

const GUEST = `${ROOT}/.cache/guest`;

async function qemuMissing(): Promise<string | undefined> {
  const has = (path: string) => Deno.stat(path).then(() => true, () => false);
  if (!await has("/usr/bin/qemu-system-x86_64")) return "qemu-system-x86_64 is not installed";
  if (!await has(`${GUEST}/vmlinuz`)) return `the test guest is not built in ${GUEST}`;
  return undefined;
}

const QEMU_BOARD = `apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata: { namespace: default, name: qemu }
export:
  board:
    type: qemu.Qemu
    config:
      kernel: ${GUEST}/vmlinuz
      initrd: ${GUEST}/initrd.img
      append: console=tty0 console=ttyS0 quiet panic=-1
      memory: 256
  power: { ref: board.power }
  serial: { ref: board.serial }
  video: { ref: board.video }
`;

type ConsolePage = { boardConsole?: { text(): string } };

browserTest(
  "dashboard board page: QEMU boot log in the console, a typed command runs, power off, revoked session ends",
  (await browserMissing()) ?? (await qemuMissing()),
  async () => {
    const shots = await outputDir("dashboard-board");
    await using lab = await Lab.start();
    const alice = await lab.client("alice");
    const board = `${lab.dir}/qemu-board.yaml`;
    await Deno.writeTextFile(board, QEMU_BOARD);
    await lab.exporter("qemu-1", ["board=qemu"], board);
    const lease = await cli(
      alice,
      "lease",
      "create",
      "--exporter",
      "qemu-1",
      "-d",
      "10m",
      "--wait",
    );
    const url = await cli(alice, "dashboard", "--print-url");

    const browser = await launchChromium();
    try {
      const errors = new ConsoleErrors();
      const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
      const home = errors.watch(await context.newPage());
      await home.goto(url);
      await home.locator(`#leases tr[data-lease="${lease}"]`).getByText("Board").click();
      await home.waitForURL(/\/board\//);
      const page = home;
      await page.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });
      await page.locator("#console-state").getByText("open").waitFor({ timeout: 15_000 }).catch(
        async (error) => {
          throw new Error(
            `${error.message}\npage error: ${await page.locator("#board-error")
              .innerText()}\nexporter log: ${
              [...lab.processes].map((p) => p.log().slice(-1500)).join("\n---\n")
            }`,
          );
        },
      );
      assert.equal(
        await page.locator("#screen").isHidden(),
        false,
        "the board has a video driver: its screen shows",
      );
      const consoleText = () =>
        page.evaluate(() => (globalThis as ConsolePage).boardConsole!.text());
      const waitConsole = async (pattern: RegExp, what: string) => {
        const deadline = Date.now() + 60_000;
        while (!pattern.test(await consoleText())) {
          if (Date.now() > deadline) {
            assert.fail(`the console never showed ${what}; it shows:\n${await consoleText()}`);
          }
          await page.waitForTimeout(200);
        }
      };
      await page.getByRole("button", { name: "On" }).click();
      await page.locator("#power-state").getByText("on").waitFor({ timeout: 30_000 });
      await waitConsole(/Jumpstarter test guest/, "the boot log");
      await waitConsole(/login: *$/m, "the login prompt");
      await page.locator("#console .xterm-helper-textarea").focus();
      await page.keyboard.type("root\r");
      await waitConsole(/# *$/m, "a shell prompt");
      await page.keyboard.type("echo dash$((6 * 7))\r");
      await waitConsole(/^dash42\s*$/m, "the command's output");
      // The board's screen, live from its video driver through the router.
      const naturalWidth = () =>
        page.locator("#screen-img").evaluate((img) =>
          (img as { naturalWidth: number }).naturalWidth
        );
      const shown = Date.now();
      while (await naturalWidth() === 0) {
        if (Date.now() - shown > 30_000) assert.fail("the board's screen never showed a frame");
        await new Promise((r) => setTimeout(r, 200));
      }
      const width = await naturalWidth();
      assert.ok(width >= 640, `the screen image is ${width} pixels wide`);
      await page.screenshot({ path: `${shots}/01-console.png`, fullPage: true });

      await page.getByRole("button", { name: "Off" }).click();
      await page.locator("#power-state").getByText("off").waitFor({ timeout: 30_000 });
      await page.screenshot({ path: `${shots}/02-power-off.png` });

      // Revoking the client ends its session: the open page is logged out.
      const overview = errors.watch(await context.newPage());
      await overview.goto(`http://${lab.endpoint}/`);
      await overview.locator("#live").getByText("live").waitFor({ timeout: 10_000 });
      await lab.admin("delete", "client", "alice");
      for (const [name, p] of [["overview", overview], ["board", page]] as const) {
        await p.locator("#login-required").waitFor({ timeout: 10_000 }).catch(async (error) => {
          throw new Error(
            `${name}: ${error.message}\n${p.url()}\n${(await p.content()).slice(0, 3000)}\n${
              lab.controller.log().slice(-3000)
            }\n${errors.errors.join("\n")}`,
          );
        });
      }
      const [session] = await context.cookies();
      const res = await fetch(`http://${lab.endpoint}/api/state`, {
        headers: { cookie: `${session.name}=${session.value}` },
      });
      await res.body?.cancel();
      assert.equal(res.status, 401, "the revoked client's cookie no longer works");
      await overview.screenshot({ path: `${shots}/03-revoked.png` });
      assert.deepEqual(errors.errors, [], "no console errors");
      await context.close();
    } finally {
      await browser.close();
    }
  },
);
