/**
 * `jumpstarter dashboard`: a one-time login URL for the controller's web
 * dashboard, as the configured client. What it does is in
 * `dashboard_action.ts`, loaded when it runs.
 *
 * @module
 */
import type { Command } from "commander";

/** Adds `dashboard` to the program. */
export function addDashboardCommand(program: Command): void {
  const command = program
    .command("dashboard")
    .description(
      "Print a one-time login URL for the controller's web dashboard (valid once, for one minute)",
    )
    .option("--open", "open the URL in the default browser (xdg-open or open)")
    .option("--print-url", "print only the URL on stdout (for scripts)")
    .action(async (options) =>
      (await import("./dashboard_action.ts")).dashboardLogin(program, options)
    );
  command.addHelpText(
    "after",
    "\nExamples:\n  $ jumpstarter dashboard --open\n" +
      "  $ jumpstarter --client-config lab.yaml dashboard --print-url\n\n" +
      "The controller serves the dashboard on its own port; the URL logs this client in once.\n",
  );
}
