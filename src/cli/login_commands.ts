/**
 * `jumpstarter login` (single sign-on with an OpenID Connect issuer: a
 * browser with PKCE, or the device code flow on a terminal with no browser)
 * and `jumpstarter auth status`. Their work is in `login_actions.ts`, loaded
 * when one of them runs.
 *
 * @module
 */
import type { Command } from "commander";

const loginHelp = `
Examples:
  $ jumpstarter login --endpoint https://lab.example.com:8082 --issuer https://sso.example.com/realms/lab
  $ jumpstarter login -e lab.example.com:8082 --issuer https://sso.example.com --device-flow
  $ jumpstarter login --client ci --endpoint ... --issuer ... --client-id jumpstarter-cli --name ci-bot

Opens the issuer's login page (the URL is printed too), gets a token with PKCE and a refresh
token, and stores them in the client config ~/.config/jumpstarter/clients/ALIAS.yaml (mode 0600),
made current. With --device-flow, or without a display (no DISPLAY or WAYLAND_DISPLAY) unless
--no-device-flow, it prints a code to enter on another device instead. The token is refreshed before it expires. The issuer
registers the client id with redirect URI http://127.0.0.1/callback (any port).`;

const statusHelp = `
Examples:
  $ jumpstarter auth status
  $ jumpstarter --client-config ci.yaml auth status

Shows the client config in use, its token's issuer, user and expiry, and whether a refresh token
is stored. Exits 1 when the token has expired and cannot be refreshed, or there is none.`;

/** Adds `login` and `auth status` to the program. */
export function addLoginCommands(program: Command): void {
  program
    .command("login")
    .description("Log in with single sign-on (OpenID Connect) and store a client config")
    .option("-e, --endpoint <url>", "the controller (host:port, https://... or http://...)")
    .requiredOption("--issuer <url>", "the OpenID Connect issuer URL")
    .option("--client-id <id>", "the client id registered at the issuer", "jumpstarter-cli")
    .option("--client <alias>", "store as this client alias (default: the --name)")
    .option("--namespace <ns>", "the client identity's namespace", "default")
    .option("--name <name>", "the client identity's name (default: from the token's user)")
    .option("--device-flow", "use the device code flow (a code to enter on another device)")
    .option("--no-device-flow", "use the browser even without a display")
    .option("--callback-port <port>", "the loopback port the browser comes back to (default: any)")
    .option("--no-browser", "only print the login URL, do not open a browser")
    .option("--ca <file>", "CA of the controller (PEM)")
    .option("--issuer-ca <file>", "CA of the issuer, if not a public one (PEM)")
    .addHelpText("after", loginHelp)
    .action(async (options) => {
      const { login } = await import("./login_actions.ts");
      await login(options);
    });
  program
    .command("auth")
    .description("Single sign-on state")
    .addHelpText("after", "\nExample:\n  $ jumpstarter auth status")
    .command("status")
    .description("Show the token in use: issuer, user, expiry, refresh")
    .addHelpText("after", statusHelp)
    .action(async () => {
      const { authStatus } = await import("./login_actions.ts");
      const globals = program.opts<{ clientConfig?: string }>();
      await authStatus(globals.clientConfig);
    });
}
