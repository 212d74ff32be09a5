import assert from "node:assert/strict";
import { Command } from "commander";
import type { CliOutput, DriverCommand } from "../client/commands.ts";
import type { DriverClient } from "../client/driver_client.ts";
import { addCommand, plainCall } from "./driver_commands.ts";
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

Deno.test("plainCall() runs what commander would for plain words, and leaves the rest to it", async () => {
  const seen: unknown[] = [];
  const spec = (
    name: string,
    args: string[],
    extra: Partial<DriverCommand> = {},
  ): DriverCommand => ({
    name,
    description: name,
    arguments: args.map((a) => ({ name: a, description: a })),
    examples: [""],
    run: ({ args, options }) => void seen.push({ name, args, options }),
    ...extra,
  });
  const copy = spec("copy", ["<src>", "[dst]"], { aliases: ["cp"] });
  const many = spec("many", ["<first>", "[rest...]"]);
  const tuned = spec("tuned", [], {
    options: [{ flags: "--speed <n>", description: "speed", default: "1" }],
  });
  const flagged = spec("flagged", [], { options: [{ flags: "--fast", description: "fast" }] });
  // A driver tree by shape only: plainCall reads `children` and `commands()`.
  const node = (commands: DriverCommand[], children: [string, unknown][] = []) =>
    ({ commands: () => commands, children: new Map(children) }) as unknown as DriverClient;
  const power = node([spec("on", [])]);
  const storage = node([copy, many, tuned, flagged]);
  const root = node([], [["power", power], ["storage", storage], [
    "dut",
    node([], [["power", power]]),
  ]]);
  // The same tree as commander commands, as addDriverCommands builds it.
  const program = new Command("jumpstarter").exitOverride();
  const group = (parent: Command, name: string, commands: DriverCommand[]) => {
    const sub = parent.command(name).exitOverride();
    for (const c of commands) addCommand(sub, c, capture()).exitOverride();
    return sub;
  };
  group(program, "power", [spec("on", [])]);
  group(program, "storage", [copy, many, tuned, flagged]);
  group(group(program, "dut", []), "power", [spec("on", [])]);

  for (
    const argv of [
      ["power", "on"],
      ["dut", "power", "on"],
      ["storage", "copy", "a"],
      ["storage", "cp", "a", "b"],
      ["storage", "many", "a"],
      ["storage", "many", "a", "b", "c"],
      // No option default: plain while no option is given.
      ["storage", "flagged"],
    ]
  ) {
    const plain = plainCall(root, argv);
    assert.ok(plain, `${argv.join(" ")} is plain`);
    seen.length = 0;
    await plain.spec.run({ args: plain.args, options: {}, output: capture() });
    await program.parseAsync(argv, { from: "user" });
    assert.equal(seen.length, 2);
    assert.deepEqual(seen[0], seen[1], argv.join(" "));
  }
  for (
    const argv of [
      [],
      ["power"],
      ["power", "off"],
      ["nope", "on"],
      ["on"],
      ["power", "on", "--help"],
      ["power", "on", "extra"],
      ["storage", "copy"],
      ["storage", "copy", "a", "b", "c"],
      ["storage", "copy", "-"],
      ["storage", "tuned"],
      ["dut", "on"],
    ]
  ) {
    assert.equal(plainCall(root, argv), undefined, argv.join(" "));
  }
});
