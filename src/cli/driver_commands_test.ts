import assert from "node:assert/strict";
import { Command } from "commander";
import type { CliOutput, DriverCommand } from "../client/commands.ts";
import { addCommand } from "./driver_commands.ts";
import { ExitStatus } from "./run.ts";

function capture(): CliOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (t) => lines.push(t), err: (t) => lines.push(t), isTerminal: false };
}

const table: DriverCommand[] = [
  {
    name: "greet",
    description: "Say hello",
    arguments: [{ name: "<who>", description: "whom" }, { name: "[more...]", description: "more" }],
    options: [
      { flags: "--times <n>", description: "how often", default: "1" },
      { flags: "-e, --env <KEY=VALUE>", description: "a variable", repeatable: true },
      { flags: "--no-shout", description: "quietly" },
    ],
    examples: ["", "world --times 2"],
    run: ({ args, options, output }) =>
      output.out(
        JSON.stringify({ args, times: options.times, env: options.env, shout: options.shout }),
      ),
  },
  {
    name: "fail",
    description: "Exit with a status",
    examples: [""],
    run: () => ({ exitStatus: 4 }),
  },
];

Deno.test("addCommand() renders a command table: arguments, options, examples, exit status", async () => {
  const output = capture();
  const program = new Command("jumpstarter").exitOverride();
  const group = program.command("tools");
  for (const spec of table) addCommand(group, spec, output);
  await program.parseAsync(
    ["tools", "greet", "lab", "a", "b", "--times", "3", "-e", "A=1", "-e", "B=2", "--no-shout"],
    { from: "user" },
  );
  assert.deepEqual(JSON.parse(output.lines[0]), {
    args: { who: "lab", more: ["a", "b"] },
    times: "3",
    env: ["A=1", "B=2"],
    shout: false,
  });
  await assert.rejects(
    program.parseAsync(["tools", "fail"], { from: "user" }),
    (error: unknown) => error instanceof ExitStatus && error.status === 4,
  );
  let help = "";
  const greet = group.commands.find((c) => c.name() === "greet")!;
  greet.configureOutput({ writeOut: (text) => help += text });
  greet.outputHelp();
  assert.match(
    help,
    /Examples:\n {2}\$ jumpstarter tools greet\n {2}\$ jumpstarter tools greet world --times 2/,
  );
});
