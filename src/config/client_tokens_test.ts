import assert from "node:assert/strict";
import { loadClientConfig } from "./client_config.ts";
import { storeClientTokens } from "./client_tokens.ts";

const CONFIG = `apiVersion: jumpstarter.dev/v1alpha1
kind: ClientConfig
metadata:
  namespace: lab
  name: alice
endpoint: controller.lab:8082
# a comment the user wrote
token: old-token
refresh_token: old-refresh
drivers:
  allow: []
  unsafe: true
`;

Deno.test("refresh_token is read, and storeClientTokens() rewrites both tokens, keeping the rest, mode 0600", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/alice.yaml`;
  await Deno.writeTextFile(path, CONFIG, { mode: 0o644 });
  assert.equal((await loadClientConfig(path)).refreshToken, "old-refresh");
  await storeClientTokens(path, { token: "new-token", refreshToken: "new-refresh" });
  const text = await Deno.readTextFile(path);
  assert.match(text, /# a comment the user wrote/);
  const config = await loadClientConfig(path);
  assert.equal(config.token, "new-token");
  assert.equal(config.refreshToken, "new-refresh");
  assert.equal(config.endpoint, "controller.lab:8082");
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  await storeClientTokens(path, { token: "controller-token" });
  assert.equal((await loadClientConfig(path)).refreshToken, undefined);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["alice.yaml"]);
  await Deno.remove(dir, { recursive: true });
});
