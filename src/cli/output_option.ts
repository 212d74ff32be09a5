/**
 * The `-o, --output` option of list commands, apart from the printing
 * (`output.ts`) so that declaring a command does not load a YAML writer.
 *
 * @module
 */
import { Option } from "commander";

/** The `-o, --output` option. */
export function outputOption(): Option {
  return new Option("-o, --output <format>", "output format").choices([
    "table",
    "json",
    "yaml",
    "name",
  ]).default(
    "table",
  );
}
