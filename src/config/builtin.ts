/**
 * The built-in virtual board: what local mode serves when the user has no
 * exporter config of their own. Kept in code so compiled binaries carry it.
 *
 * @module
 */
import { type ExporterConfig, parseExporterConfig } from "./exporter_config.ts";
import { configDir } from "./user_config.ts";

/** YAML of the built-in virtual board (the same as examples/virtual-board.yaml). */
export const VIRTUAL_BOARD_YAML = `apiVersion: jumpstarter.dev/v1alpha1
kind: ExporterConfig
metadata:
  namespace: default
  name: virtual-board
description: A simulated board with power, a serial console and storage
export:
  power:
    type: virtual.Power
  serial:
    type: virtual.Console
  storage:
    type: virtual.Storage
`;

/** The built-in virtual board config. */
export function builtinVirtualBoard(): ExporterConfig {
  return parseExporterConfig(VIRTUAL_BOARD_YAML, Deno.cwd(), "built-in virtual board");
}

/** `~/.config/jumpstarter/exporters/default.yaml` (the user's default local exporter). */
export function defaultExporterConfigPath(): string {
  return `${configDir()}/exporters/default.yaml`;
}
