import assert from "node:assert/strict";
import { redactLogMessage } from "./log_stream.ts";

Deno.test("redactLogMessage() hides the exporter token, token shapes, URL credentials and named secrets", () => {
  const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlX2hlcmU";
  const line = redactLogMessage(
    `on: running \`curl -H "Authorization: Bearer ${jwt}" http://admin:hunter2@plug/relay?password=hunter2&on=1 --token=abc123 exporter-s3cret\``,
    ["exporter-s3cret"],
  );
  for (const secret of [jwt, "hunter2", "abc123", "exporter-s3cret"]) {
    assert.ok(!line.includes(secret), `${secret} in: ${line}`);
  }
  assert.match(line, /Bearer \*\*\*/);
  assert.match(line, /http:\/\/\*\*\*:\*\*\*@plug\/relay\?password=\*\*\*&on=1/);
  assert.equal(redactLogMessage("power on", []), "power on", "plain lines pass unchanged");
  assert.equal(
    redactLogMessage("Token revoked: it was rotated", []),
    "Token revoked: it was rotated",
  );
});
