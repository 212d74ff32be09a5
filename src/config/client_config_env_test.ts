import assert from "node:assert/strict";
import { ConfigError } from "../driver/config_check.ts";
import { clientConfigFromEnv } from "./client_config.ts";

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
