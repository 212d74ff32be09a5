/**
 * The virtual board's getty and shell: a login prompt, a tty that echoes
 * what is typed, and a few commands with `$?`, `;`, `&&` and `||`, enough
 * for console automation (`expect`, `run`) to meet something realistic.
 * It runs on the simulated board (the driver `shell.Shell` runs commands on
 * the exporter host).
 *
 * @module
 */
import { HOSTNAME } from "./boot_log.ts";
import { cat, type CommandIo, echo, ls, sha256sum, uname, uptimeLine } from "./guest_commands.ts";
import { LineDiscipline } from "./line_discipline.ts";
import { expandWords, splitCommands } from "./shell_syntax.ts";

/** What the shell needs from the board it runs on. */
export interface ShellHost {
  /** Writes to the console. */
  print(text: string): void;
  /** Seconds since power on. */
  uptime(): number;
  /** The disk the board sees (`/dev/mmcblk0`), or why it sees none. */
  disk(): { size: number; sha256: string } | { error: string };
  /** Shuts the board down (after the shell printed its last lines). */
  poweroff(): void;
  /** Restarts the board. */
  reboot(): void;
}

type Builtin = (args: string[]) => number;

/** Login, prompt and commands for one boot of the board (line editing: `LineDiscipline`). */
export class VirtualShell {
  #user?: string;
  #status = 0;
  #stopped = false;
  readonly #tty = new LineDiscipline({
    print: (text) => this.#print(text),
    line: (line) => this.#enter(line),
    interrupt: () => this.#prompt(),
    endOfFile: () => {
      if (this.#user !== undefined) this.#logout();
    },
  });
  readonly #builtins: Record<string, Builtin>;

  constructor(readonly host: ShellHost) {
    const io: CommandIo = {
      print: (text) => this.#print(text),
      out: (text, status) => this.#out(text, status),
      home: () => this.#home(),
      uptime: () => this.host.uptime(),
      disk: () => this.host.disk(),
    };
    this.#builtins = {
      echo: (args) => echo(io, args),
      uname: (args) => uname(io, args),
      cat: (args) => cat(io, args),
      ls: (args) => ls(io, args),
      uptime: () => this.#out(uptimeLine(this.host.uptime())),
      hostname: () => this.#out(HOSTNAME),
      whoami: () => this.#out(this.#user ?? "root"),
      pwd: () => this.#out(this.#home()),
      sha256sum: (args) => sha256sum(io, args),
      true: () => 0,
      false: () => 1,
      help: () => this.#out(`Commands: ${Object.keys(this.#builtins).sort().join(", ")}`),
      exit: () => this.#logout(),
      logout: () => this.#logout(),
      poweroff: () => this.#poweroff(),
      reboot: () => this.#reboot(),
    };
  }

  /** Shows the login prompt. */
  start(): void {
    this.#print(`\r\n${HOSTNAME} login: `);
  }

  /** Ignores all further input (the board went down). */
  stop(): void {
    this.#stopped = true;
  }

  /** Handles typed characters like a tty in canonical mode with echo. */
  input(text: string): void {
    for (const char of text) {
      if (this.#stopped) return;
      this.#tty.key(char);
    }
  }

  #enter(line: string): void {
    if (this.#user === undefined) {
      const user = line.trim();
      if (user) this.#user = user;
      this.#prompt();
      return;
    }
    this.#execute(line);
    if (!this.#stopped && this.#user !== undefined) this.#prompt();
  }

  #prompt(): void {
    const user = this.#user;
    this.#print(
      user === undefined
        ? `${HOSTNAME} login: `
        : `${user}@${HOSTNAME}:~${user === "root" ? "#" : "$"} `,
    );
  }

  #execute(line: string): void {
    const commands = splitCommands(line);
    if (typeof commands === "string") {
      this.#out(`sh: syntax error: ${commands}`);
      this.#status = 2;
      return;
    }
    let run = true;
    for (const { text, next } of commands) {
      if (run) {
        const argv = expandWords(text, (name) => this.#variable(name));
        if (typeof argv === "string") {
          this.#out(`sh: syntax error: ${argv}`);
          this.#status = 2;
          return;
        }
        if (argv.length > 0) {
          const [name, ...args] = argv;
          const builtin = Object.hasOwn(this.#builtins, name) ? this.#builtins[name] : undefined;
          this.#status = builtin ? builtin(args) : this.#out(`sh: ${name}: not found`, 127);
          if (this.#stopped || this.#user === undefined) return;
        }
      }
      run = next === "&&" ? this.#status === 0 : next === "||" ? this.#status !== 0 : true;
    }
  }

  #variable(name: string): string {
    const env: Record<string, string> = {
      "?": String(this.#status),
      USER: this.#user ?? "",
      HOME: this.#home(),
      HOSTNAME,
      SHELL: "/bin/sh",
      PWD: this.#home(),
    };
    return env[name] ?? "";
  }

  #home(): string {
    return this.#user === "root" ? "/root" : `/home/${this.#user}`;
  }

  #print(text: string): void {
    this.host.print(text);
  }

  /** Prints one line of output; returns `status` for use as an exit status. */
  #out(text: string, status = 0): number {
    this.#print(`${text}\r\n`);
    return status;
  }

  #logout(): number {
    this.#user = undefined;
    this.#print("logout\r\n");
    this.start();
    return 0;
  }

  #poweroff(): number {
    this.#print(
      "[  OK  ] Stopped target Multi-User System.\r\n[  OK  ] Reached target Power-Off.\r\n",
    );
    this.stop();
    this.host.poweroff();
    return 0;
  }

  #reboot(): number {
    this.#print("[  OK  ] Reached target Reboot.\r\n");
    this.stop();
    this.host.reboot();
    return 0;
  }
}
