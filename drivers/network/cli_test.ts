/** The network CLI commands, run as real processes the way a user runs them. */
import assert from "node:assert/strict";
import { jumpstarterCommand, runEntry } from "../../tests/_fixtures/run.ts";

/** A TCP echo server for the duration of one test. */
function echoServer(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const handlers: Promise<void>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      handlers.push(
        conn.readable.pipeTo(conn.writable).catch(() => {}).finally(() => conns.delete(conn)),
      );
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async close() {
      listener.close();
      await loop;
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed by its streams */ }
      }
      await Promise.allSettled(handlers);
    },
  };
}

async function writeConfig(dir: string, exports: string): Promise<string> {
  const path = `${dir}/exporter.yaml`;
  await Deno.writeTextFile(
    path,
    `apiVersion: jumpstarter.dev/v1alpha1\nkind: ExporterConfig\nexport:\n${exports}`,
  );
  return path;
}

/** A stand-in `ssh` that talks through the forwarded port and exits 7. */
const FAKE_SSH = `#!/bin/bash
echo "ssh args: $*" >&2
exec 3<>/dev/tcp/127.0.0.1/$2
echo "hello through the forward" >&3
read -r line <&3
echo "echoed: $line"
exit 7
`;

Deno.test("jumpstarter network forward-tcp prints the bound address and forwards until SIGINT", async () => {
  const echo = echoServer();
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-network-cli-" });
  try {
    const config = await writeConfig(
      dir,
      `  network: {type: network.TcpNetwork, config: {host: 127.0.0.1, port: ${echo.port}}}\n`,
    );
    const [program, ...args] = jumpstarterCommand(
      "--exporter-config",
      config,
      "network",
      "forward-tcp",
      "0",
    );
    const child = new Deno.Command(program, {
      args,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const first = (await lines.read()).value ?? "";
    assert.match(first, /^127\.0\.0\.1:\d+\n$/);
    const port = Number(first.trim().split(":")[1]);
    for (let i = 0; i < 3; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(new TextEncoder().encode(`ping ${i}`));
      await conn.closeWrite();
      const back = new TextDecoder().decode(
        await new Response(conn.readable).arrayBuffer(),
      );
      assert.equal(back, `ping ${i}`);
    }
    child.kill("SIGINT");
    const status = await child.status;
    await lines.cancel();
    const stderr = await new Response(child.stderr).text();
    assert.equal(status.code, 0, stderr);
  } finally {
    await echo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jumpstarter ssh runs ssh through a forwarded port and returns its status", async () => {
  const echo = echoServer();
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-network-cli-" });
  try {
    await Deno.mkdir(`${dir}/bin`);
    await Deno.writeTextFile(`${dir}/bin/ssh`, FAKE_SSH, { mode: 0o755 });
    const config = await writeConfig(
      dir,
      `  board-ssh: {type: network.TcpNetwork, config: {host: 127.0.0.1, port: ${echo.port}}}\n` +
        `  dns: {type: network.UdpNetwork, config: {host: 127.0.0.1, port: 53}}\n`,
    );
    const env = { PATH: `${dir}/bin:${Deno.env.get("PATH")}` };
    const top = await runEntry(
      "cli.ts",
      ["--exporter-config", config, "ssh", "--user", "root", "--", "uname", "-a"],
      env,
    );
    assert.equal(top.code, 7, top.stderr);
    assert.equal(top.stdout, "echoed: hello through the forward\n");
    assert.match(
      top.stderr,
      /ssh args: -p \d+ -o StrictHostKeyChecking=no -o UserKnownHostsFile=\/dev\/null -o LogLevel=ERROR root@127\.0\.0\.1 uname -a/,
    );

    // The same through the driver's own group: a failing ssh is one line and status 1.
    const group = await runEntry("cli.ts", ["--exporter-config", config, "board-ssh", "ssh"], env);
    assert.equal(group.code, 1);
    assert.match(group.stderr, /Error: ssh exited with status 7/);
  } finally {
    await echo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jumpstarter ssh with a driver named ssh keeps that driver's own commands", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-network-cli-" });
  try {
    const config = await writeConfig(
      dir,
      "  ssh: {type: network.TcpNetwork, config: {host: 192.0.2.10, port: 22}}\n" +
        "  other: {type: network.TcpNetwork, config: {host: 192.0.2.11, port: 22}}\n",
    );
    const address = await runEntry("cli.ts", ["--exporter-config", config, "ssh", "address"]);
    assert.deepEqual(address, { code: 0, stdout: "tcp://192.0.2.10:22\n", stderr: "" });
    const unknown = await runEntry("cli.ts", [
      "--exporter-config",
      config,
      "ssh",
      "--driver",
      "nope",
    ]);
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      'Error: No network driver named "nope" (network drivers: ssh, other)\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("jumpstarter network commands have help with examples and reject bad ports in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-network-cli-" });
  try {
    const config = await writeConfig(
      dir,
      "  network: {type: network.TcpNetwork, config: {host: 127.0.0.1, port: 22}}\n",
    );
    for (const command of ["forward-tcp", "forward-udp", "forward-unix", "address", "ssh"]) {
      const help = await runEntry("cli.ts", [
        "--exporter-config",
        config,
        "network",
        command,
        "--help",
      ]);
      assert.equal(help.code, 0, help.stderr);
      assert.ok(help.stdout.includes(`$ jumpstarter network ${command}`), help.stdout);
    }
    const top = await runEntry("cli.ts", ["--exporter-config", config, "ssh", "--help"]);
    assert.match(top.stdout, /\$ jumpstarter ssh --user root -- uname -a/);
    const bad = await runEntry("cli.ts", [
      "--exporter-config",
      config,
      "network",
      "forward-tcp",
      "99999",
    ]);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr, 'Error: Invalid port "99999": use a number from 0 to 65535\n');
    const none = await runEntry("cli.ts", ["--exporter-config", "examples/mock-power.yaml", "ssh"]);
    assert.equal(none.code, 2);
    assert.ok(none.stderr.startsWith("Error: No TCP network driver to ssh through"), none.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
