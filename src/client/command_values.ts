/**
 * Values crossing the command line: a command's arguments and options read
 * from its input (numbers checked, lists, JSON or plain strings), and a
 * call's result formatted for the terminal.
 *
 * @module
 */
import type { JsonValue } from "../driver/json_value.ts";
import type { CommandInput } from "./commands.ts";

/**
 * Parses a numeric option value, or throws a `RangeError` naming the option
 * and the value.
 *
 * @example
 * ```ts
 * import { parseNumberOption } from "./command_values.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(parseNumberOption("--count", "3", { min: 1, integer: true }), 3);
 * assert.throws(() => parseNumberOption("--count", "zero"), RangeError);
 * ```
 */
export function parseNumberOption(
  option: string,
  text: string,
  { min = 0, integer = false }: { min?: number; integer?: boolean } = {},
): number {
  const value = Number(text);
  if (
    text.trim() === "" || !Number.isFinite(value) || value < min ||
    (integer && !Number.isInteger(value))
  ) {
    throw new RangeError(
      `Invalid ${option} "${text}": use a ${integer ? "whole number" : "number"} >= ${min}`,
    );
  }
  return value;
}

/** The value of a string option, or `undefined` when absent. */
export function stringOption(input: CommandInput, name: string): string | undefined {
  const value = input.options[name];
  return typeof value === "string" ? value : undefined;
}

/** The values of a repeatable option (empty when it was not given). */
export function listOption(input: CommandInput, name: string): string[] {
  const value = input.options[name];
  return Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
}

/** The value of a positional argument given as one word. */
export function stringArg(input: CommandInput, name: string): string | undefined {
  const value = input.args[name];
  return typeof value === "string" ? value : undefined;
}

/** The values of a variadic positional argument (empty when none were given). */
export function listArg(input: CommandInput, name: string): string[] {
  const value = input.args[name];
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Parses one CLI argument: JSON when it parses, else the plain string. */
export function parseCliArg(text: string): JsonValue {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Formats a call result for the terminal. */
export function formatResult(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}
