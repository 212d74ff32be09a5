/**
 * Headless Chromium for the dashboard tests: Debian's `chromium` driven by
 * playwright-core (no browser download). Without it the tests skip with a
 * message, except under CI=true, where they fail. Every page's console
 * errors are collected, and screenshots go to `test-output/<test>/`.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { ROOT } from "./run.ts";

export const CHROMIUM = Deno.env.get("JMP_CHROMIUM") ?? "/usr/bin/chromium";
const CI = Deno.env.get("CI") === "true";

/** Why the browser tests cannot run here, or undefined. */
export async function browserMissing(): Promise<string | undefined> {
  const found = await Deno.stat(CHROMIUM).then(() => true, () => false);
  return found ? undefined : `${CHROMIUM} is not installed (apt-get install chromium)`;
}

/** A test that needs Chromium (and whatever else `missing` names): skipped without, failing under CI. */
export function browserTest(
  name: string,
  missing: string | undefined,
  fn: () => Promise<void>,
): void {
  if (missing && !CI) console.warn(`Skipping "${name}": ${missing}`);
  Deno.test({
    name,
    ignore: missing !== undefined && !CI,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      if (missing) throw new Error(`CI=true and ${missing}`);
      await fn();
    },
  });
}

/** Launches headless Chromium with nothing reaching for the network. */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Console errors and uncaught exceptions of every page given to `watch`. */
export class ConsoleErrors {
  readonly errors: string[] = [];

  watch(page: Page): Page {
    page.on("console", (message) => {
      if (message.type() === "error") this.errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => this.errors.push(`${page.url()}: ${error.message}`));
    return page;
  }
}

/** Where a test's screenshots go: `test-output/<test>/` (made on first use). */
export async function outputDir(test: string): Promise<string> {
  const dir = `${Deno.env.get("JMP_TEST_OUTPUT") ?? `${ROOT}/test-output`}/${test}`;
  await Deno.mkdir(dir, { recursive: true });
  return dir;
}
