/**
 * The virtual board's getty and shell: a login prompt, a tty that echoes
 * what is typed, and a few commands with `$?`, `;`, `&&` and `||`, enough
 * for console automation (`expect`, `run`) to meet something realistic.
 * It runs on the simulated board (the driver `shell.Shell` runs commands on
 * the exporter host).
 *
 * @module
 */
import { HOSTNAME, KERNEL_BUILD, KERNEL_RELEASE, LINUX_BANNER, MACHINE } from "./boot_log.ts";

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

type Operator = ";" | "&&" | "||";
type Builtin = (args: string[]) => number;

/** Prompt, line editing and command execution for one boot of the board. */
export class VirtualShell {
  #user?: string;
  #line = "";
  #status = 0;
  #afterCR = false;
  #escape: "" | "esc" | "csi" = "";
  #stopped = false;
  readonly #builtins: Record<string, Builtin>;

  constructor(readonly host: ShellHost) {
    this.#builtins = {
      echo: (args) => this.#echo(args),
      uname: (args) => this.#uname(args),
      cat: (args) => this.#cat(args),
      ls: (args) => this.#ls(args),
      uptime: () => this.#out(uptimeLine(this.host.uptime())),
      hostname: () => this.#out(HOSTNAME),
      whoami: () => this.#out(this.#user ?? "root"),
      pwd: () => this.#out(this.#home()),
      sha256sum: (args) => this.#sha256sum(args),
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
      this.#key(char);
    }
  }

  #key(char: string): void {
    // Escape sequences (arrow keys...) are swallowed: this tty has no line history.
    if (this.#escape === "esc") {
      this.#escape = char === "[" ? "csi" : "";
      return;
    }
    if (this.#escape === "csi") {
      if (char >= "@" && char <= "~") this.#escape = "";
      return;
    }
    const afterCR = this.#afterCR;
    this.#afterCR = char === "\r";
    if (char === "\x1b") {
      this.#escape = "esc";
    } else if (char === "\n" && afterCR) {
      // "\r\n" is one Enter.
    } else if (char === "\r" || char === "\n") {
      this.#print("\r\n");
      const line = this.#line;
      this.#line = "";
      this.#enter(line);
    } else if (char === "\x7f" || char === "\b") {
      if (this.#line) {
        this.#line = Array.from(this.#line).slice(0, -1).join("");
        this.#print("\b \b");
      }
    } else if (char === "\x03") {
      this.#line = "";
      this.#print("^C\r\n");
      this.#prompt();
    } else if (char === "\x04" && this.#line === "" && this.#user !== undefined) {
      this.#logout();
    } else if (char >= " " || char === "\t") {
      this.#line += char;
      this.#print(char);
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

  #echo(args: string[]): number {
    const newline = args[0] !== "-n";
    const text = (newline ? args : args.slice(1)).join(" ");
    this.#print(newline ? `${text}\r\n` : text);
    return 0;
  }

  #uname(args: string[]): number {
    const fields: Record<string, string> = {
      s: "Linux",
      n: HOSTNAME,
      r: KERNEL_RELEASE,
      v: KERNEL_BUILD,
      m: MACHINE,
      o: "GNU/Linux",
    };
    const wanted = new Set<string>();
    for (const arg of args) {
      if (!arg.startsWith("-")) return this.#out(`uname: extra operand '${arg}'`, 1);
      for (const flag of arg.slice(1)) {
        if (!(flag in fields || flag === "a")) {
          return this.#out(`uname: invalid option -- '${flag}'`, 1);
        }
        if (flag === "a") Object.keys(fields).forEach((f) => wanted.add(f));
        else wanted.add(flag);
      }
    }
    if (wanted.size === 0) wanted.add("s");
    return this.#out(
      Object.keys(fields).filter((f) => wanted.has(f)).map((f) => fields[f]).join(" "),
    );
  }

  #cat(args: string[]): number {
    const files: Record<string, () => string> = {
      "/proc/version": () => LINUX_BANNER,
      "/proc/uptime": () => {
        const up = this.host.uptime();
        return `${up.toFixed(2)} ${(up * 0.9).toFixed(2)}`;
      },
      "/etc/hostname": () => HOSTNAME,
      "/etc/os-release": () => 'NAME="Virtual Linux"\r\nVERSION="1.0"\r\nID=virtual',
    };
    let status = 0;
    for (const path of args) {
      const file = files[path];
      status = file ? this.#out(file()) : this.#out(`cat: ${path}: No such file or directory`, 1);
    }
    return status;
  }

  #ls(args: string[]): number {
    const dirs: Record<string, string> = {
      "/": "bin  dev  etc  home  lib  proc  root  sbin  sys  tmp  usr  var",
      "/dev": "console  mmcblk0  null  ttyS0  zero",
      "/root": "",
    };
    const paths = args.length === 0 ? [this.#home()] : args;
    let status = 0;
    for (const path of paths) {
      const listing = dirs[path.length > 1 ? path.replace(/\/$/, "") : path] ??
        (path === "." || path === "~" ? dirs[this.#home()] ?? "" : undefined);
      if (listing === undefined) {
        status = this.#out(`ls: cannot access '${path}': No such file or directory`, 2);
      } else if (listing) this.#out(listing);
    }
    return status;
  }

  #sha256sum(args: string[]): number {
    if (args.length === 0) return this.#out("sha256sum: reading stdin is not supported here", 1);
    let status = 0;
    for (const path of args) {
      if (path !== "/dev/mmcblk0") {
        status = this.#out(`sha256sum: ${path}: No such file or directory`, 1);
        continue;
      }
      const disk = this.host.disk();
      status = "error" in disk
        ? this.#out(`sha256sum: ${path}: ${disk.error}`, 1)
        : this.#out(`${disk.sha256}  ${path}`);
    }
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

/** An `uptime` line: ` 12:00:05 up 3 min,  1 user,  load average: 0.00, 0.00, 0.00`. */
function uptimeLine(seconds: number): string {
  const now = new Date().toTimeString().slice(0, 8);
  const minutes = Math.floor(seconds / 60);
  const up = minutes < 60
    ? `${minutes} min`
    : `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
  return ` ${now} up ${up},  1 user,  load average: 0.00, 0.00, 0.00`;
}

/**
 * Splits a command line at `;`, `&&` and `||` outside quotes. Returns a
 * syntax error message instead when an operator has no command before it.
 */
export function splitCommands(line: string): { text: string; next?: Operator }[] | string {
  const out: { text: string; next?: Operator }[] = [];
  let current = "";
  let quote: "'" | '"' | "" = "";
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quote) {
      if (char === "\\" && quote === '"') current += char + (line[++i] ?? "");
      else current += char;
      if (char === quote) quote = "";
      continue;
    }
    if (char === "\\") {
      current += char + (line[++i] ?? "");
      continue;
    }
    if (char === "'" || char === '"') quote = char;
    const op = char === ";"
      ? ";"
      : line.startsWith("&&", i)
      ? "&&"
      : line.startsWith("||", i)
      ? "||"
      : undefined;
    if (!op) {
      current += char;
      continue;
    }
    if (current.trim() === "") return `unexpected "${op}"`;
    out.push({ text: current, next: op });
    current = "";
    i += op.length - 1;
  }
  if (current.trim() !== "") out.push({ text: current });
  else if (out.length > 0 && out[out.length - 1].next !== ";") {
    return `command missing after "${out[out.length - 1].next}"`;
  }
  return out;
}

/**
 * Splits one command into words: whitespace separates, quotes group
 * (`'…'` literally, `"…"` with `$` expansion), `\` escapes, `$?` and
 * `$NAME` expand. Returns a syntax error message for an unterminated quote.
 */
export function expandWords(text: string, variable: (name: string) => string): string[] | string {
  const words: string[] = [];
  let word: string | undefined;
  let quote: "'" | '"' | "" = "";
  const add = (s: string) => word = (word ?? "") + s;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote === "'") {
      if (char === "'") quote = "";
      else add(char);
    } else if (char === "\\" && i + 1 < text.length) {
      add(text[++i]);
    } else if (char === "$") {
      const name = text[i + 1] === "?" ? "?" : /^[A-Za-z_]\w*/.exec(text.slice(i + 1))?.[0];
      if (name) {
        const value = variable(name);
        // An empty unquoted expansion makes no word, as in sh.
        if (value || quote) add(value);
        i += name.length;
      } else add(char);
    } else if (quote === '"') {
      if (char === '"') quote = "";
      else add(char);
    } else if (char === "'" || char === '"') {
      quote = char;
      add("");
    } else if (char === " " || char === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else add(char);
  }
  if (quote) return `unterminated ${quote} quote`;
  if (word !== undefined) words.push(word);
  return words;
}
