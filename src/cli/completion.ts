/**
 * `jumpstarter completion bash|zsh|fish`: a completion script for the
 * command tree (commands, subcommands and their options), printed for the
 * shell to source. Driver commands depend on the exporter, so they are
 * completed by asking `jumpstarter --help` of the session at completion
 * time (`JUMPSTARTER_HOST` or the local default).
 *
 * @module
 */
import type { Command } from "commander";
import { UsageError } from "./run.ts";

/** Every command path (space-separated) with its subcommand names and option flags. */
export function completionTable(program: Command): Map<string, string[]> {
  const table = new Map<string, string[]>();
  const visit = (command: Command, path: string) => {
    const words = [
      ...command.commands.filter((c) => !c.name().startsWith("_")).flatMap((c) => [
        c.name(),
        ...c.aliases(),
      ]),
      ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f)),
    ];
    table.set(path, words);
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, "");
  return table;
}

function bash(table: Map<string, string[]>): string {
  const cases = [...table].map(([path, words]) => `    "${path}") words="${words.join(" ")}" ;;`);
  return `# jumpstarter bash completion: eval "$(jumpstarter completion bash)"
_jumpstarter() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word words
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$word" in -*) ;; *) path="\${path:+$path }$word" ;; esac
  done
  case "$path" in
${cases.join("\n")}
    *) words="$(jumpstarter \${path} --help 2>/dev/null | awk '/^Commands:/{c=1;next} c&&/^  [a-z]/{print $1}')" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _jumpstarter jumpstarter
`;
}

function zsh(table: Map<string, string[]>): string {
  return `#compdef jumpstarter
# jumpstarter zsh completion: source <(jumpstarter completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(table).split("\n").slice(1).join("\n")}`;
}

function fish(table: Map<string, string[]>): string {
  const lines = ["# jumpstarter fish completion: jumpstarter completion fish | source"];
  lines.push("complete -c jumpstarter -f");
  for (const [path, words] of table) {
    const condition = path
      ? `__fish_seen_subcommand_from ${path.split(" ").pop()}`
      : "__fish_use_subcommand";
    const commands = words.filter((w) => !w.startsWith("-"));
    const flags = words.filter((w) => w.startsWith("--")).map((w) => w.slice(2));
    if (commands.length) {
      lines.push(`complete -c jumpstarter -n '${condition}' -a '${commands.join(" ")}'`);
    }
    for (const flag of flags) lines.push(`complete -c jumpstarter -n '${condition}' -l ${flag}`);
  }
  return lines.join("\n") + "\n";
}

/** The script for `shell`. */
export function completionScript(program: Command, shell: string): string {
  const table = completionTable(program);
  if (shell === "bash") return bash(table);
  if (shell === "zsh") return zsh(table);
  if (shell === "fish") return fish(table);
  throw new UsageError(`Unknown shell "${shell}": use bash, zsh or fish`);
}

/** Adds `completion SHELL` to the program. */
export function addCompletionCommand(program: Command): void {
  program
    .command("completion")
    .description("Print a completion script for bash, zsh or fish")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      `
Examples:
  $ eval "$(jumpstarter completion bash)"          # in ~/.bashrc
  $ source <(jumpstarter completion zsh)            # in ~/.zshrc
  $ jumpstarter completion fish > ~/.config/fish/completions/jumpstarter.fish
`,
    )
    .action((shell: string) => {
      Deno.stdout.writeSync(new TextEncoder().encode(completionScript(program, shell)));
    });
}
