import assert from "node:assert/strict";
import { type ShellHost, VirtualShell } from "./guest_shell.ts";
import { expandWords, splitCommands } from "./shell_syntax.ts";

function shell(): {
  shell: VirtualShell;
  output: () => string;
  host: ShellHost & { events: string[] };
} {
  let text = "";
  const events: string[] = [];
  const host = {
    events,
    print: (t: string) => void (text += t),
    uptime: () => 125,
    disk: () => ({ error: "No medium found" }),
    poweroff: () => void events.push("poweroff"),
    reboot: () => void events.push("reboot"),
  };
  const created = new VirtualShell(host);
  return {
    shell: created,
    host,
    output: () => {
      const out = text;
      text = "";
      return out;
    },
  };
}

Deno.test("splitCommands() splits at ; && || outside quotes", () => {
  assert.deepEqual(splitCommands("false; echo $?"), [
    { text: "false", next: ";" },
    { text: " echo $?" },
  ]);
  assert.deepEqual(splitCommands(`echo "a;b" && echo 'c||d' || true;`), [
    { text: `echo "a;b" `, next: "&&" },
    { text: ` echo 'c||d' `, next: "||" },
    { text: " true", next: ";" },
  ]);
  assert.equal(splitCommands("; ls"), `unexpected ";"`);
  assert.equal(splitCommands("ls &&"), `command missing after "&&"`);
});

Deno.test("expandWords() handles quotes, escapes and variables", () => {
  const vars = (name: string) => ({ "?": "1", USER: "root" })[name] ?? "";
  assert.deepEqual(expandWords(`echo JMP""abc$?`, vars), ["echo", "JMPabc1"]);
  assert.deepEqual(expandWords(`echo "$USER  x" '$USER' \\$USER $NOPE ""`, vars), [
    "echo",
    "root  x",
    "$USER",
    "$USER",
    "",
  ]);
  assert.equal(expandWords(`echo "open`, vars), `unterminated " quote`);
});

Deno.test("VirtualShell logs in, runs commands and reports syntax errors", () => {
  const { shell: sh, output, host } = shell();
  sh.start();
  assert.equal(output(), "\r\nvirtual-board login: ");
  sh.input("root\r");
  assert.equal(output(), "root\r\nroot@virtual-board:~# ");
  sh.input("uname -rm\n");
  assert.equal(output(), "uname -rm\r\n6.1.0-virtual aarch64\r\nroot@virtual-board:~# ");
  sh.input("uname x\necho $?\n");
  assert.match(output(), /uname: extra operand 'x'\r\n.*echo \$\?\r\n1\r\n/s);
  sh.input("echo 'oops\n");
  assert.match(output(), /sh: syntax error: unterminated ' quote\r\n/);
  sh.input("cat /proc/uptime; ls /nope; sha256sum /dev/mmcblk0\n");
  const out = output();
  assert.match(out, /125\.00 112\.50\r\n/);
  assert.match(out, /ls: cannot access '\/nope': No such file or directory\r\n/);
  assert.match(out, /sha256sum: \/dev\/mmcblk0: No medium found\r\n/);
  sh.input("\x1b[Aecho ok\n");
  assert.equal(output(), "echo ok\r\nok\r\nroot@virtual-board:~# ");
  sh.input("poweroff\necho ignored\n");
  assert.match(output(), /Reached target Power-Off\.\r\n$/);
  assert.deepEqual(host.events, ["poweroff"]);
});
