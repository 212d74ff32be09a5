import assert from "node:assert/strict";
import { duplexPair } from "../../src/driver/stream.ts";
import { DriverTimeoutError, UnavailableError } from "../../src/driver/errors.ts";
import { Console } from "./console.ts";
import { pipeConsole } from "./pipe.ts";

const encoder = new TextEncoder();

/**
 * The far end of a console: `onLine` sees each line the console sends and
 * answers through `write`.
 */
function fakeDevice(
  onLine: (line: string, write: (text: string) => Promise<void>) => Promise<void> | void = () => {},
) {
  const [near, far] = duplexPair();
  const writer = far.writable.getWriter();
  const write = (text: string | Uint8Array) =>
    writer.write(typeof text === "string" ? encoder.encode(text) : text).catch(() => {});
  const received: string[] = [];
  const loop = (async () => {
    const decoder = new TextDecoder();
    let line = "";
    for await (const chunk of far.readable) {
      for (const char of decoder.decode(chunk, { stream: true })) {
        if (char !== "\n") {
          line += char;
          continue;
        }
        received.push(line);
        await onLine(line, write);
        line = "";
      }
    }
  })();
  return {
    duplex: near,
    /** A console on the near end (made on first use). */
    get console(): Console {
      return this.opened ??= new Console(near);
    },
    opened: undefined as Console | undefined,
    write,
    received,
    /** Ends the device's output (EOF to the console). */
    hangUp: () => writer.close().catch(() => {}),
    /** Waits for the device loop after the console closed. */
    stopped: () => loop.then(() => writer.close().catch(() => {})),
  };
}

/** A shell that understands the `run()` marker line and a few commands. */
function shell(line: string, write: (text: string) => Promise<void>): Promise<void> {
  let reply = `${line}\r\n`; // the tty echo
  const wrapped = line.match(/^echo (\w+)""(\w+); (.*); echo \w+""\w+\$\?$/);
  if (wrapped) {
    const [, a, b, command] = wrapped;
    const results: Record<string, [string, number]> = {
      "uname": ["Linux\r\n", 0],
      "false": ["", 1],
      "printf x": ["x", 0],
      "ls /": ["bin\r\netc\r\n", 0],
    };
    const [output, status] = results[command] ?? [`sh: ${command}: not found\r\n`, 127];
    reply += `${a}${b}\r\n${output}${a}${b}${status}\r\n`;
  }
  return write(reply + "# ");
}

Deno.test("Console.expect() returns the match and what came before, and consumes it", async () => {
  const device = fakeDevice();
  await using console = device.console;
  await device.write("U-Boot 2024.01\r\nvirtual login: ");
  const login = await console.expect(/(\w+) login: /);
  assert.equal(login.match, "virtual login: ");
  assert.equal(login.before, "U-Boot 2024.01\r\n");
  assert.deepEqual(login.captures, ["virtual"]);
  assert.equal(console.buffer, "");

  const later = console.expect("Password:");
  await device.write("Pass");
  await device.write("word: ");
  assert.equal((await later).before, "");
  assert.equal(console.buffer, " ");

  await device.write("id=42\n");
  assert.deepEqual((await console.expect(/id=(?<id>\d+)/)).groups, { id: "42" });
  await console.close();
  await device.stopped();
});

Deno.test("Console decodes UTF-8 split across chunks", async () => {
  const device = fakeDevice();
  await using console = device.console;
  const bytes = encoder.encode("température: 21°C\n");
  await device.write(bytes.subarray(0, 5));
  await device.write(bytes.subarray(5, 14));
  await device.write(bytes.subarray(14));
  assert.equal((await console.expect("\n")).before, "température: 21°C");
  await console.close();
  await device.stopped();
});

Deno.test("Console.expect() times out naming the pattern and the escaped latest output", async () => {
  const device = fakeDevice();
  await using console = device.console;
  await device.write("x".repeat(5000) + "\x1b[0mKernel panic\r\n");
  await assert.rejects(console.expect(/login: /, { timeout: 50 }), (error: Error) => {
    assert.ok(error instanceof DriverTimeoutError);
    assert.match(error.message, /^Timed out after 50 ms waiting for \/login: \/ on the console/);
    assert.ok(error.message.includes(String.raw`\u001b[0mKernel panic\r\n"`));
    const shown = error.message.slice(error.message.indexOf("last output: ") + 13);
    assert.equal(JSON.parse(shown).length, 2048);
    return true;
  });
  await console.close();
  await device.stopped();
});

Deno.test("Console.expect() fails when the stream ends first", async () => {
  const device = fakeDevice();
  await using console = device.console;
  const waiting = console.expect("login:");
  await device.write("bye\r\n");
  await device.hangUp();
  await assert.rejects(waiting, (error: Error) => {
    assert.ok(error instanceof UnavailableError);
    assert.match(error.message, /ended while waiting for "login:"; last output: "bye\\r\\n"/);
    return true;
  });
  await console.close();
  await device.stopped();
});

Deno.test("Console.run() returns the output and exit status, not the echoed command", async () => {
  const device = fakeDevice(shell);
  await using console = device.console;
  assert.deepEqual(await console.run("uname", { prompt: "# " }), { output: "Linux", status: 0 });
  assert.deepEqual(await console.run("false"), { output: "", status: 1 });
  assert.deepEqual(await console.run("printf x"), { output: "x", status: 0 });
  assert.deepEqual(await console.run("ls /"), { output: "bin\netc", status: 0 });
  assert.deepEqual(await console.run("frobnicate"), {
    output: "sh: frobnicate: not found",
    status: 127,
  });
  assert.match(device.received[0], /^echo JMP""\w+; uname; echo JMP""\w+\$\?$/);
  await assert.rejects(console.run("  "), TypeError);
  await console.close();
  await device.stopped();
});

Deno.test("Console.run() times out naming the command", async () => {
  const device = fakeDevice((line, write) => write(line + "\r\n"));
  await using console = device.console;
  await assert.rejects(
    console.run("sleep 100", { timeout: 50 }),
    (error: Error) =>
      error instanceof DriverTimeoutError &&
      error.message.startsWith("Timed out after 50 ms waiting for `sleep 100` to finish"),
  );
  await console.close();
  await device.stopped();
});

Deno.test("Console.waitForPrompt() keeps sending newlines until the prompt shows", async () => {
  let enters = 0;
  const device = fakeDevice((_line, write) => ++enters >= 3 ? write("\r\nlogin: ") : undefined);
  await using console = device.console;
  await device.write("stale login: ");
  await console.waitForPrompt("login: ", { interval: 20, timeout: 2000 });
  assert.equal(enters, 3);
  const silent = fakeDevice();
  await assert.rejects(
    silent.console.waitForPrompt("$ ", { interval: 10, timeout: 30 }),
    /Timed out after 30 ms waiting for the prompt "\$ "/,
  );
  await silent.console.close();
  await silent.stopped();
  await console.close();
  await device.stopped();
});

Deno.test("Console.transcript records sent and received lines with timestamps", async () => {
  const device = fakeDevice(shell);
  const console = device.console;
  await device.write("login: ");
  await console.expect("login: ");
  await console.sendLine("root");
  await console.expect("# ");
  const text = console.transcript.text();
  assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} < login: root\n/m);
  assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} > root\n/m);
  assert.match(text, /^\d\d:\d\d:\d\d\.\d{3} < # \n$/m);
  const path = await Deno.makeTempFile();
  try {
    await console.saveTranscript(path);
    assert.equal(await Deno.readTextFile(path), text);
  } finally {
    await Deno.remove(path);
  }
  await console.close();
  await console.close();
  await assert.rejects(console.send("x"), /closed console/);
  await assert.rejects(console.expect("never"), UnavailableError);
  await device.stopped();
});

Deno.test("Console sends bytes as they are and lines with its newline", async () => {
  const [near, far] = duplexPair();
  const console = new Console(near, { newline: "\r" });
  const reader = far.readable.getReader();
  await console.send(new Uint8Array([3]));
  await console.sendLine("boot");
  assert.deepEqual((await reader.read()).value, new Uint8Array([3]));
  assert.equal(new TextDecoder().decode((await reader.read()).value), "boot\r");
  reader.releaseLock();
  await far.writable.close();
  await console.close();
});

Deno.test("pipeConsole() copies input to the console and output to a file until input ends", async () => {
  const device = fakeDevice((line, write) => write(`got ${line}\n`));
  const path = await Deno.makeTempFile();
  const chunks: string[] = [];
  try {
    await pipeConsole(device.duplex, {
      input: ReadableStream.from([encoder.encode("a\nb\n")]),
      output: new WritableStream({ write: (c) => void chunks.push(new TextDecoder().decode(c)) }),
      file: path,
      linger: 100,
    });
    assert.equal(chunks.join(""), "got a\ngot b\n");
    assert.equal(await Deno.readTextFile(path), "got a\ngot b\n");
    assert.deepEqual(device.received, ["a", "b"]);
  } finally {
    await Deno.remove(path);
  }
  await device.stopped();
});

Deno.test("pipeConsole() without input copies output until aborted or the stream ends", async () => {
  const device = fakeDevice();
  const chunks: string[] = [];
  const stop = new AbortController();
  const piping = pipeConsole(device.duplex, {
    output: new WritableStream({
      write: (c) => {
        chunks.push(new TextDecoder().decode(c));
        stop.abort();
      },
    }),
    signal: stop.signal,
  });
  await device.write("hello\n");
  await piping;
  assert.deepEqual(chunks, ["hello\n"]);

  const ended = fakeDevice();
  const copy = pipeConsole(ended.duplex, { output: new WritableStream() });
  await ended.hangUp();
  await copy;
  await ended.duplex.writable.close();
  await device.duplex.writable.close();
  await Promise.all([device.stopped(), ended.stopped()]);
});
