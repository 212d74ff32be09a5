import assert from "node:assert/strict";
import { FailedPreconditionError, UnavailableError } from "../driver/errors.ts";
import { dialWithRetry } from "./dial_retry.ts";

Deno.test("dialWithRetry() retries a lease that is not ready within dial_timeout", async () => {
  let calls = 0;
  const result = await dialWithRetry(() => {
    calls++;
    if (calls < 3) return Promise.reject(new FailedPreconditionError('Lease "l" is not ready yet'));
    return Promise.resolve("ok");
  }, { dialTimeoutMs: 5_000, retryTimeoutMs: 0 });
  assert.equal(result, "ok");
  assert.equal(calls, 3);
});

Deno.test("dialWithRetry() gives up at once on an ended lease, and when the budget is spent", async () => {
  let calls = 0;
  await assert.rejects(
    () =>
      dialWithRetry(() => {
        calls++;
        return Promise.reject(new FailedPreconditionError('Lease "l" has ended'));
      }, { dialTimeoutMs: 5_000, retryTimeoutMs: 5_000 }),
    /has ended/,
  );
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(
    () =>
      dialWithRetry(() => {
        calls++;
        return Promise.reject(new UnavailableError("controller unreachable"));
      }, { dialTimeoutMs: 5_000, retryTimeoutMs: 0 }),
    /unreachable/,
  );
  assert.equal(calls, 1, "retry_timeout 0 means no retry");
  const started = Date.now();
  await assert.rejects(
    () =>
      dialWithRetry(
        () => Promise.reject(new UnavailableError("controller unreachable")),
        { dialTimeoutMs: 0, retryTimeoutMs: 600 },
      ),
    /unreachable/,
  );
  assert.ok(Date.now() - started < 3_000);
});
