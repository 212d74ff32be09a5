/**
 * The few assertions the tests use, on `node:assert/strict` (JSR's
 * `@std/assert` is unreachable from this project's machines).
 */
import assert from "node:assert/strict";

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

export function assert_(value: unknown, message?: string): asserts value {
  assert.ok(value, message);
}
export { assert_ as assert };

export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  assert.match(actual, pattern, message);
}

export function assertStringIncludes(actual: string, part: string): void {
  assert.ok(
    actual.includes(part),
    `expected ${JSON.stringify(actual)} to include ${JSON.stringify(part)}`,
  );
}

// deno-lint-ignore no-explicit-any
type ErrorClass = new (...args: any[]) => Error;

export function assertThrows(fn: () => unknown, cls?: ErrorClass, includes?: string): Error {
  try {
    fn();
  } catch (error) {
    check(error, cls, includes);
    return error as Error;
  }
  throw new assert.AssertionError({ message: "expected the function to throw" });
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  cls?: ErrorClass,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    check(error, cls, includes);
    return error as Error;
  }
  throw new assert.AssertionError({ message: "expected the promise to reject" });
}

function check(error: unknown, cls?: ErrorClass, includes?: string): void {
  if (cls && !(error instanceof cls)) {
    throw new assert.AssertionError({
      message: `expected ${cls.name}, got ${(error as Error)?.constructor?.name}: ${
        (error as Error)?.message
      }`,
    });
  }
  if (includes && !String((error as Error)?.message).includes(includes)) {
    throw new assert.AssertionError({
      message: `expected the message to include ${JSON.stringify(includes)}, got ${
        JSON.stringify((error as Error)?.message)
      }`,
    });
  }
}
