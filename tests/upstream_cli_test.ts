/**
 * Upstream's CLI spellings on a local exporter: serial start-console,
 * power read --interval, storage flash -t NAME:FILE, driver list,
 * completion scripts, and the session timeout flags' checks.
 */
import assert from "node:assert/strict";
import { ROOT, runEntry } from "./_fixtures/run.ts";

async function withDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const BOARD = (dir: string) =>
  `apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
export:
  power: { type: power.MockPower, config: { interval: 0.05, readings: 0 } }
  storage: { type: storage.FileStorageMux, config: { path: ${dir}/disk.img } }
  serial: { type: virtual.Console }
`;

Deno.test("serial start-console, power read --interval and flash -t NAME:FILE work as upstream's", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/board.yaml`, BOARD(dir));
    const cli = (...args: string[]) =>
      runEntry("cli.ts", ["--exporter-config", `${dir}/board.yaml`, ...args], { HOME: dir });

    const help = await cli("serial", "start-console", "--help");
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Interactive terminal on the console/);

    const started = performance.now();
    const read = await cli("power", "read", "--interval", "0.3", "--count", "3");
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim().split("\n").length, 3);
    assert.ok(performance.now() - started >= 600, "three readings 0.3 s apart");

    await Deno.writeTextFile(`${dir}/a.img`, "first image");
    await Deno.writeTextFile(`${dir}/b.img`, "second image, longer");
    const flashed = await cli(
      "storage",
      "flash",
      "-t",
      `default:${dir}/a.img`,
      "-t",
      `disk.img:${dir}/b.img`,
    );
    assert.equal(flashed.code, 0, flashed.stderr);
    assert.match(flashed.stdout, /Flashed .*a\.img to default/);
    assert.match(flashed.stdout, /Flashed .*b\.img to disk\.img/);
    assert.equal(
      await Deno.readTextFile(`${dir}/disk.img`),
      "second image, longer",
      "flashed in order",
    );

    const unknown = await cli("storage", "flash", "-t", `boot:${dir}/a.img`);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /Unknown target "boot"/);
    assert.equal(unknown.stderr.trim().split("\n").length, 1, unknown.stderr);
    const mixed = await cli("storage", "flash", `${dir}/a.img`, "-t", `boot:${dir}/a.img`);
    assert.match(mixed.stderr, /Give IMAGE \[--target NAME\], or -t NAME:FILE pairs, not both/);
  });
});

Deno.test("driver list shows each type with its upstream class path", async () => {
  const ran = await runEntry("cli.ts", ["driver", "list", "-o", "json"]);
  assert.equal(ran.code, 0, ran.stderr);
  const rows = JSON.parse(ran.stdout) as { type: string; upstream: string; client: string }[];
  const qemu = rows.find((r) => r.type === "qemu.Qemu");
  assert.equal(qemu?.upstream, "jumpstarter_driver_qemu.driver.Qemu");
  assert.equal(
    rows.find((r) => r.type === "serial.PySerial")?.client,
    "jumpstarter_driver_pyserial.client.PySerialClient",
  );
});

Deno.test("completion bash completes verbs and subcommands; zsh and fish scripts; an unknown shell is one line", async () => {
  const script = await runEntry("cli.ts", ["completion", "bash"]);
  assert.equal(script.code, 0, script.stderr);
  const probe = `${script.stdout}
COMP_WORDS=(jumpstarter get ""); COMP_CWORD=2; _jumpstarter; echo "get: \${COMPREPLY[*]}"
COMP_WORDS=(jumpstarter config ex); COMP_CWORD=2; _jumpstarter; echo "config: \${COMPREPLY[*]}"
COMP_WORDS=(jumpstarter sh); COMP_CWORD=1; _jumpstarter; echo "top: \${COMPREPLY[*]}"`;
  const out = await new Deno.Command("bash", { args: ["-c", probe], cwd: ROOT }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.match(text, /get: .*leases.*exporters/);
  assert.match(text, /config: exporter/);
  assert.match(text, /top: shell/);
  for (const shell of ["zsh", "fish"]) {
    const ran = await runEntry("cli.ts", ["completion", shell]);
    assert.equal(ran.code, 0, ran.stderr);
    assert.match(ran.stdout, /jumpstarter/);
  }
  assert.match(
    (await runEntry("cli.ts", ["completion", "fish"])).stdout,
    /complete -c jumpstarter -n '__fish_seen_subcommand_from get' -a 'leases lease exporters exporter'/,
  );
  const bad = await runEntry("cli.ts", ["completion", "tcsh"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown shell "tcsh": use bash, zsh or fish/);
});

Deno.test("shell's upstream timeout flags are checked before anything is leased", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/c.yaml`, "endpoint: http://127.0.0.1:9\ntoken: t\n");
    const ran = await runEntry("cli.ts", [
      "--client-config",
      `${dir}/c.yaml`,
      "shell",
      "--selector",
      "board=x",
      "--acquisition-timeout",
      "2s",
      "--",
      "true",
    ], { HOME: dir });
    assert.equal(ran.code, 2);
    assert.match(ran.stderr, /Invalid --acquisition-timeout "2s": at least 5s/);
    const both = await runEntry("cli.ts", [
      "--client-config",
      `${dir}/c.yaml`,
      "shell",
      "--selector",
      "board=x",
      "--timeout",
      "1m",
      "--acquisition-timeout",
      "1m",
      "--",
      "true",
    ], { HOME: dir });
    assert.match(both.stderr, /Give --timeout or --acquisition-timeout, not both/);
    const names = await runEntry("cli.ts", [
      "--client-config",
      `${dir}/c.yaml`,
      "shell",
      "-n",
      "bench-1",
      "--exporter",
      "bench-2",
      "--",
      "true",
    ], { HOME: dir });
    assert.equal(names.code, 2);
    assert.match(names.stderr, /Give --exporter or --name, not both/);
  });
});
