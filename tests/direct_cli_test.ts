/**
 * Direct mode (issue 18 item 8) from the command line, as a user runs it:
 * `exporter serve --tls-grpc-listener` with a self-signed pair made on first
 * start (its fingerprint printed, the same on the next start, the key 0600)
 * or in plaintext, and `jumpstarter shell --tls-grpc` with the passphrase
 * right (commands inside the session reach the board) and wrong (one line,
 * status 1, counted by the exporter), and bad flags refused before anything
 * starts.
 */
import assert from "node:assert/strict";
import {
  denoDir,
  exampleSuiteArgs,
  ROOT,
  runEntry,
  spawnDeno,
  VIRTUAL_BOARD,
} from "./_fixtures/run.ts";
import { ensureTlsPair } from "../src/transport/tls_pair.ts";

const PASS = "s3cret-bench";

async function startExporter(state: string, ...flags: string[]) {
  const spawned = spawnDeno(
    [
      "run",
      "-A",
      `${ROOT}/exporter.ts`,
      "serve",
      "--exporter-config", // upstream's name for --config
      VIRTUAL_BOARD,
      "--tls-grpc-listener",
      "127.0.0.1:0",
      ...flags,
    ],
    { env: { XDG_STATE_HOME: state, NO_COLOR: "1", DENO_DIR: denoDir() } },
  );
  const deadline = Date.now() + 60_000;
  let match: RegExpMatchArray | null = null;
  while (!(match = spawned.output().match(/direct mode on (https?):\/\/127\.0\.0\.1:(\d+)/))) {
    if (Date.now() > deadline) throw new Error(`the exporter did not start:\n${spawned.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 100));
  const fingerprint = spawned.output().match(/fingerprint: ([0-9A-F:]{95})/)?.[1];
  return {
    port: Number(match[2]),
    scheme: match[1],
    fingerprint,
    output: spawned.output,
    async stop() {
      spawned.child.kill("SIGTERM");
      const status = await spawned.child.status;
      await spawned.drained;
      return status;
    },
  };
}

/** `jumpstarter shell --tls-grpc 127.0.0.1:PORT FLAGS...` */
function directShell(port: number, ...flags: string[]) {
  return runEntry("cli.ts", ["shell", "--tls-grpc", `127.0.0.1:${port}`, ...flags]);
}

const powerOn = ["--", "sh", "-c", "jumpstarter power on && echo ON"];

Deno.test("exporter serve --tls-grpc-listener (self-signed) and jumpstarter shell --tls-grpc --passphrase", async () => {
  const state = await Deno.makeTempDir({ prefix: "direct-cli-" });
  const exporter = await startExporter(state, "--passphrase", PASS);
  try {
    assert.equal(exporter.scheme, "https");
    assert.ok(exporter.fingerprint, `a fingerprint is printed:\n${exporter.output()}`);
    const key = await Deno.stat(`${state}/jumpstarter/direct-tls/virtual-board/key.pem`);
    assert.equal(key.mode! & 0o777, 0o600);
    const shell = (...flags: string[]) =>
      directShell(exporter.port, "--tls-fingerprint", exporter.fingerprint!, ...flags);
    const ok = await shell(
      "--passphrase",
      PASS,
      "--",
      "sh",
      "-c",
      "jumpstarter power on && echo ON",
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ON/);
    // A script (env()) and a test suite (device()) inside the session reach the board too.
    const script = await runEntry("cli.ts", [
      "run",
      "--tls-grpc",
      `127.0.0.1:${exporter.port}`,
      "--tls-fingerprint",
      exporter.fingerprint!,
      "--passphrase",
      PASS,
      `${ROOT}/examples/power_cycle.ts`,
    ]);
    assert.equal(script.code, 0, script.stderr);
    assert.match(script.stdout, /login prompt seen/);
    const suite = await shell("--passphrase", PASS, "--", Deno.execPath(), ...exampleSuiteArgs());
    assert.equal(suite.code, 0, suite.stdout + suite.stderr);
    const wrong = await shell("--passphrase", "not-it", "--", "true");
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stderr.trim().split("\n").length, 1, wrong.stderr);
    assert.match(wrong.stderr, /refused the connection: invalid or missing passphrase/);
    assert.doesNotMatch(wrong.stderr, /not-it|\n\s+at /);
  } finally {
    const status = await exporter.stop();
    assert.equal(status.code, 0, exporter.output());
  }
  assert.match(exporter.output(), /wrong passphrase \(1 refused so far\)/);
  assert.doesNotMatch(exporter.output(), /not-it|s3cret-bench/);
  // The pair was made on the first start only: the next start presents the same certificate.
  const again = await startExporter(state, "--passphrase", PASS);
  const fingerprint = again.fingerprint;
  await again.stop();
  assert.equal(fingerprint, exporter.fingerprint);
  await Deno.remove(state, { recursive: true });
});

Deno.test("exporter serve --tls-grpc-insecure and jumpstarter shell --tls-grpc-insecure", async () => {
  const state = await Deno.makeTempDir({ prefix: "direct-cli-" });
  const exporter = await startExporter(state, "--tls-grpc-insecure");
  try {
    assert.equal(exporter.scheme, "http");
    const ok = await directShell(exporter.port, "--tls-grpc-insecure", ...powerOn);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ON/);
  } finally {
    await exporter.stop();
  }
  await Deno.remove(state, { recursive: true });
});

Deno.test("exporter serve --tls-cert/--tls-key and jumpstarter shell --ca", async () => {
  const state = await Deno.makeTempDir({ prefix: "direct-cli-" });
  const pair = await ensureTlsPair(`${state}/pair`, "127.0.0.1");
  const exporter = await startExporter(
    state,
    "--tls-cert",
    `${state}/pair/cert.pem`,
    "--tls-key",
    `${state}/pair/key.pem`,
    "--passphrase",
    PASS,
  );
  try {
    assert.equal(exporter.fingerprint, pair.fingerprint);
    const ok = await directShell(
      exporter.port,
      "--ca",
      `${state}/pair/cert.pem`,
      "--passphrase",
      PASS,
      ...powerOn,
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ON/);
    // Without a way to trust the certificate: one line that says how.
    const untrusted = await directShell(exporter.port, "--passphrase", PASS, "--", "true");
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /trust it with --tls-fingerprint .* or --ca FILE/);
  } finally {
    await exporter.stop();
  }
  await Deno.remove(state, { recursive: true });
});

Deno.test("direct-mode flags: bad values get one line and status 2 before anything starts", async () => {
  const cases: [("cli.ts" | "exporter.ts"), string[], RegExp][] = [
    ["exporter.ts", ["serve", "-c", VIRTUAL_BOARD, "--tls-grpc-listener", "99999"], /port from 1/],
    [
      "exporter.ts",
      ["serve", "-c", VIRTUAL_BOARD, "--tls-grpc-listener", "1234", "--tls-cert", "c.pem"],
      /--tls-cert and --tls-key go together/,
    ],
    ["exporter.ts", ["serve", "-c", VIRTUAL_BOARD, "--passphrase", "x"], /add --tls-grpc-listener/],
    ["cli.ts", ["shell", "--passphrase", "x", "--", "true"], /add --tls-grpc HOST:PORT/],
    ["exporter.ts", ["serve", "--tls-grpc-listener", "1234"], /Give the exporter config/],
    [
      "cli.ts",
      [
        "shell",
        "--tls-grpc",
        "h:1",
        "--tls-grpc-insecure",
        "--tls-fingerprint",
        "AA",
        "--",
        "true",
      ],
      /drop --ca \/ --tls-fingerprint/,
    ],
    ["cli.ts", ["shell", "--tls-grpc", "no port", "--", "true"], /give HOST:PORT/],
  ];
  for (const [entry, args, message] of cases) {
    const ran = await runEntry(entry, args);
    assert.equal(ran.code, 2, `${args.join(" ")}: ${ran.stderr}`);
    assert.equal(ran.stderr.trim().split("\n").length, 1, ran.stderr);
    assert.match(ran.stderr, message);
  }
});
