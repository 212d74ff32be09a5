import assert from "node:assert/strict";
import { Command } from "commander";
import { addExamples, commandLine } from "./help.ts";

Deno.test("commandLine() names a command from its program down", () => {
  const jumpstarter = new Command("jumpstarter");
  const on = jumpstarter.command("power").command("on");
  assert.equal(commandLine(on), "jumpstarter power on");
  assert.equal(commandLine(jumpstarter), "jumpstarter");
  assert.equal(commandLine(new Command("exporter").command("serve")), "exporter serve");
  assert.equal(commandLine(new Command("controller").command("admin")), "controller admin");
});

Deno.test("commandLine() puts a driver's commands under jumpstarter when no program holds them", () => {
  assert.equal(commandLine(new Command("power")), "jumpstarter power");
  assert.equal(commandLine(new Command("storage").command("flash")), "jumpstarter storage flash");
});

/** The help `command` prints, as a user sees it, without the trailing blank lines. */
function help(command: Command): string {
  let text = "";
  command.configureOutput({ writeOut: (s) => text += s });
  command.outputHelp();
  return text.trimEnd();
}

Deno.test("addExamples() ends the help with the examples on the full command line", () => {
  const flash = new Command("flash");
  addExamples(flash, "disk.img", "", "--target sdb disk.img");
  // Built when the help is shown: the command is placed under its parents afterwards.
  new Command("jumpstarter").addCommand(new Command("storage").addCommand(flash));
  assert.ok(
    help(flash).endsWith(
      [
        "",
        "Examples:",
        "  $ jumpstarter storage flash disk.img",
        "  $ jumpstarter storage flash",
        "  $ jumpstarter storage flash --target sdb disk.img",
      ].join("\n"),
    ),
    help(flash),
  );
});

Deno.test("addExamples() says Example for one and returns the command", () => {
  const serve = new Command("serve");
  new Command("exporter").addCommand(serve);
  assert.equal(addExamples(serve, "--local"), serve);
  assert.ok(help(serve).endsWith("\n\nExample:\n  $ exporter serve --local"), help(serve));
});
