import assert from "node:assert/strict";
import { ConfigError } from "../driver/config_check.ts";
import {
  clientConfigFrom,
  clientConfigFromEnv,
  clientConfigPath,
  loadClientConfig,
} from "./client_config.ts";
import { denoDir, ROOT, runDeno } from "../../tests/_fixtures/run.ts";

const UPSTREAM = `apiVersion: jumpstarter.dev/v1alpha1
kind: ClientConfig
metadata:
  namespace: lab
  name: alice
endpoint: controller.lab:8082
tls:
  ca: LS0tLS1CRUdJTi
  insecure: true
token: secret-token
drivers:
  allow: [jumpstarter_driver_power.*, 7]
  unsafe: false
grpcOptions: {}
shell:
  use_profiles: false
leases:
  acquisition_timeout: 600
  retry_timeout: 0
`;

const DEFAULT_LEASES = {
  acquisitionTimeoutMs: undefined,
  dialTimeoutMs: 30_000,
  retryTimeoutMs: 300_000,
};

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "jumpstarter-client-config-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("loadClientConfig() reads every field of an upstream ClientConfig file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/alice.yaml`, UPSTREAM);
    assert.deepEqual(await loadClientConfig(`${dir}/alice.yaml`), {
      metadata: { namespace: "lab", name: "alice" },
      endpoint: "controller.lab:8082",
      tls: { ca: "LS0tLS1CRUdJTi", insecure: true },
      token: "secret-token",
      drivers: { allow: ["jumpstarter_driver_power.*", "7"], unsafe: false },
      leases: { acquisitionTimeoutMs: 600_000, dialTimeoutMs: 30_000, retryTimeoutMs: 0 },
      shell: { useProfiles: false },
      source: `${dir}/alice.yaml`,
    });
  });
});

Deno.test("clientConfigFrom() fills what a minimal config leaves out", () => {
  assert.deepEqual(clientConfigFrom({ endpoint: "127.0.0.1:8082", token: "t" }), {
    metadata: { namespace: "default", name: "client" },
    endpoint: "127.0.0.1:8082",
    tls: { ca: undefined, insecure: false },
    token: "t",
    drivers: { allow: [], unsafe: true },
    leases: DEFAULT_LEASES,
    shell: { useProfiles: true },
    source: undefined,
  });
  const odd = clientConfigFrom({
    endpoint: "e:1",
    token: "t",
    metadata: "bench",
    tls: { ca: "", insecure: false },
    drivers: { allow: "all" },
  });
  assert.deepEqual(odd.metadata, { namespace: "default", name: "client" });
  assert.deepEqual(odd.tls, { ca: undefined, insecure: false }, "only true makes it insecure");
  assert.deepEqual(odd.drivers, { allow: ["all"], unsafe: false }, "a string is a comma list");
});

Deno.test("clientConfigFrom() names the missing or wrong field and the source", () => {
  const cases: [unknown, string][] = [
    [["endpoint"], 'Invalid client config "a.yaml": expected a YAML mapping'],
    [null, 'Invalid client config "a.yaml": expected a YAML mapping'],
    [
      { kind: "ExporterConfig", endpoint: "e", token: "t" },
      'Invalid client config "a.yaml": kind is "ExporterConfig", expected "ClientConfig"',
    ],
    [
      { token: "t" },
      'Invalid client config "a.yaml": "endpoint" is missing (e.g. endpoint: ctl.lab:8082)',
    ],
    [
      { endpoint: "", token: "t" },
      'Invalid client config "a.yaml": "endpoint" is missing (e.g. endpoint: ctl.lab:8082)',
    ],
    [
      { endpoint: "grpcs://ctl:1", token: "t" },
      'Invalid client config "a.yaml": endpoint "grpcs://ctl:1" is not HOST:PORT (TLS), https://HOST:PORT or http://HOST:PORT (h2c)',
    ],
    [
      { endpoint: "ctl:1", token: "t", tls: { insecure: "yes" } },
      'Invalid client config "a.yaml": tls.insecure must be true or false, not "yes"',
    ],
    [
      { endpoint: "ctl:1", token: "t", tls: { ca: "not base64!" } },
      'Invalid client config "a.yaml": tls.ca must be the base64 of a PEM certificate (base64 -w0 ca.pem)',
    ],
    [{ endpoint: "e:1" }, 'Invalid client config "a.yaml": "token" is missing'],
    [{ endpoint: "e:1", token: 42 }, 'Invalid client config "a.yaml": "token" is missing'],
  ];
  for (const [doc, message] of cases) {
    assert.throws(() => clientConfigFrom(doc, "a.yaml"), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, message);
      return true;
    });
  }
  assert.throws(() => clientConfigFrom({ endpoint: "e:1" }), {
    message: 'Invalid client config: "token" is missing',
  });
});

Deno.test("loadClientConfig() says which file it cannot read or parse, in one line", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(() => loadClientConfig(`${dir}/none.yaml`), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.message, `Cannot read client config "${dir}/none.yaml": no such file`);
      return true;
    });
    await Deno.writeTextFile(`${dir}/bad.yaml`, "endpoint: [unclosed\ntoken: t\n");
    await assert.rejects(() => loadClientConfig(`${dir}/bad.yaml`), (e) => {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.message.startsWith(`Cannot parse client config "${dir}/bad.yaml": `), e.message);
      assert.ok(!e.message.includes("\n"), e.message);
      return true;
    });
  });
});

Deno.test("clientConfigPath() refuses an alias that is not a plain file name", () => {
  assert.match(clientConfigPath("lab-1.bench_2"), /\/jumpstarter\/clients\/lab-1\.bench_2\.yaml$/);
  for (const alias of ["", "../alice", "a/b", "a b"]) {
    assert.throws(() => clientConfigPath(alias), {
      name: "TypeError",
      message: `Invalid client alias "${alias}": use letters, digits, "-", "_", "."`,
    });
  }
});

/**
 * Runs resolveClientConfig() and the alias helpers in a fresh process (after
 * `useClientAlias(alias)` or with an explicit file when `action` says so), so
 * the environment it reads is set there and not in this test process.
 */
async function resolveIn(env: Record<string, string>, action?: ["file" | "use", string]) {
  const script = `
    const m = await import(${JSON.stringify(new URL("./client_config.ts", import.meta.url).href)});
    const [action, arg] = Deno.args;
    const used = action === "use"
      ? await m.useClientAlias(arg).then(() => null, (e) => ({ error: e.message }))
      : null;
    const resolved = await m.resolveClientConfig(action === "file" ? arg : undefined)
      .catch((e) => ({ error: e.message }));
    console.log(JSON.stringify({
      resolved: resolved ?? null,
      current: await m.currentClientAlias() ?? null,
      aliases: await m.listClientAliases(),
      ...(used ? { used } : {}),
    }));`;
  const ran = await runDeno(["eval", script, ...(action ?? [])], {
    cwd: ROOT,
    env: {
      DENO_DIR: denoDir(),
      JMP_CLIENT_CONFIG: "",
      JMP_ENDPOINT: "",
      JMP_TOKEN: "",
      JMP_NAMESPACE: "",
      JMP_NAME: "",
      ...env,
    },
  });
  assert.equal(ran.code, 0, ran.stderr);
  return JSON.parse(ran.stdout);
}

Deno.test("resolveClientConfig() takes a file, then JMP_CLIENT_CONFIG, then JMP_ENDPOINT and JMP_TOKEN, then the current alias", async () => {
  await withTempDir(async (dir) => {
    const home = { XDG_CONFIG_HOME: `${dir}/config` };
    // Nothing configured: local mode.
    assert.deepEqual(await resolveIn(home), { resolved: null, current: null, aliases: [] });

    // The current stored client.
    await Deno.mkdir(`${dir}/config/jumpstarter/clients`, { recursive: true });
    await Deno.writeTextFile(`${dir}/config/jumpstarter/clients/alice.yaml`, UPSTREAM);
    await Deno.writeTextFile(
      `${dir}/config/jumpstarter/clients/bob.yaml`,
      "endpoint: bob:8082\ntoken: b\n",
    );
    await Deno.writeTextFile(`${dir}/config/jumpstarter/config.yaml`, "current-client: bob\n");
    const stored = await resolveIn(home);
    assert.equal(stored.resolved.endpoint, "bob:8082");
    assert.equal(stored.resolved.source, `${dir}/config/jumpstarter/clients/bob.yaml`);
    assert.equal(stored.current, "bob");
    assert.deepEqual(stored.aliases, ["alice", "bob"]);

    // The environment names the controller and the token.
    const fromEnv = await resolveIn({
      ...home,
      JMP_ENDPOINT: "env:8082",
      JMP_TOKEN: "env-token",
      JMP_NAMESPACE: "lab",
      JMP_NAME: "ci",
    });
    assert.deepEqual(fromEnv.resolved, {
      metadata: { namespace: "lab", name: "ci" },
      endpoint: "env:8082",
      tls: { insecure: false },
      token: "env-token",
      drivers: { allow: [], unsafe: true },
      leases: { dialTimeoutMs: 30_000, retryTimeoutMs: 300_000 }, // through JSON
      shell: { useProfiles: true },
      source: "environment",
    });
    const endpointOnly = await resolveIn({ ...home, JMP_ENDPOINT: "env:8082" });
    assert.match(
      endpointOnly.resolved.error,
      /JMP_ENDPOINT is set but JMP_TOKEN, JMP_NAME are not/,
    );

    // JMP_CLIENT_CONFIG wins over the environment; an explicit file over both.
    const envAndFile = {
      ...home,
      JMP_ENDPOINT: "env:8082",
      JMP_TOKEN: "env-token",
      JMP_CLIENT_CONFIG: `${dir}/config/jumpstarter/clients/alice.yaml`,
    };
    assert.equal((await resolveIn(envAndFile)).resolved.endpoint, "controller.lab:8082");
    await Deno.writeTextFile(`${dir}/explicit.yaml`, "endpoint: explicit:1\ntoken: x\n");
    const explicit = await resolveIn(envAndFile, ["file", `${dir}/explicit.yaml`]);
    assert.equal(explicit.resolved.endpoint, "explicit:1");

    // A file that is not there is an error, not local mode.
    const missing = await resolveIn({ ...home, JMP_CLIENT_CONFIG: `${dir}/gone.yaml` });
    assert.deepEqual(missing.resolved, {
      error: `Cannot read client config "${dir}/gone.yaml": no such file`,
    });
  });
});

Deno.test("useClientAlias() makes a stored client current and refuses one not stored", async () => {
  await withTempDir(async (dir) => {
    const home = { XDG_CONFIG_HOME: `${dir}/config` };
    await Deno.mkdir(`${dir}/config/jumpstarter/clients`, { recursive: true });
    await Deno.writeTextFile(`${dir}/config/jumpstarter/clients/alice.yaml`, UPSTREAM);
    const used = await resolveIn(home, ["use", "alice"]);
    assert.equal(used.current, "alice");
    assert.equal(used.resolved.endpoint, "controller.lab:8082");
    assert.equal(
      await Deno.readTextFile(`${dir}/config/jumpstarter/config.yaml`),
      "apiVersion: jumpstarter.dev/v1alpha1\nkind: UserConfig\nconfig:\n  current-client: alice\n",
    );
    const refused = await resolveIn(home, ["use", "carol"]);
    assert.deepEqual(refused.used, {
      error: 'No stored client "carol": import it first (jumpstarter config client import)',
    });
    assert.equal(refused.current, "alice", "the current client stays");
  });
});

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("clientConfigFromEnv() is undefined when none of the variables is set", () => {
  assert.equal(clientConfigFromEnv(envOf({ JMP_NAMESPACE: "lab" })), undefined);
});

Deno.test("clientConfigFromEnv() builds a config from endpoint, token, name and CA", () => {
  const config = clientConfigFromEnv(envOf({
    JMP_ENDPOINT: "https://ctl.lab:8082",
    JMP_TOKEN: "t0ken",
    JMP_NAME: "alice",
    JMP_CA: "-----BEGIN CERTIFICATE-----",
  }));
  assert.deepEqual(config?.metadata, { namespace: "default", name: "alice" });
  assert.equal(config?.endpoint, "https://ctl.lab:8082");
  assert.equal(config?.tls.ca, "-----BEGIN CERTIFICATE-----");
  assert.equal(config?.source, "environment");
});

Deno.test("clientConfigFromEnv() names what is missing in one line, never the token", () => {
  for (
    const [vars, missing] of [
      [{ JMP_ENDPOINT: "https://ctl:8082" }, "JMP_TOKEN, JMP_NAME are not"],
      [{ JMP_TOKEN: "s3cret-token" }, "JMP_ENDPOINT, JMP_NAME are not"],
      [{ JMP_ENDPOINT: "https://ctl:8082", JMP_TOKEN: "s3cret-token" }, "JMP_NAME is not"],
    ] as const
  ) {
    assert.throws(
      () => clientConfigFromEnv(envOf(vars)),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.ok(error.message.includes(missing), error.message);
        assert.ok(!error.message.includes("s3cret"), "the token must not appear");
        assert.ok(!error.message.includes("\n"));
        return true;
      },
    );
  }
});

Deno.test("clientConfigFrom() refuses an apiVersion it does not know, naming the accepted ones", () => {
  assert.throws(
    () => clientConfigFrom({ apiVersion: "v1", endpoint: "c:1", token: "t" }, "alice.yaml"),
    /^ConfigError: Invalid client config "alice.yaml": apiVersion is "v1"; accepted: jumpstarter\.dev\/v1alpha1$/,
  );
});
