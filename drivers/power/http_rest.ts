/**
 * The generic REST mode of `HttpPower`: the `on`, `off` and `read` requests
 * as the config describes them, and where the `read` answer has its numbers.
 *
 * @module
 */
import type { DriverConfig } from "../../src/driver/driver_context.ts";
import { ConfigError } from "../../src/driver/config_check.ts";
import type { HttpPowerRequests } from "./http_presets.ts";
import { requestSpec } from "./http_request.ts";

/**
 * The requests of the REST mode from the config at `path` (`on` and `off`
 * required, `read` with the dotted paths of `voltage` and `current`).
 */
export function restRequests(config: DriverConfig, path: string): HttpPowerRequests {
  const on = requestSpec(config.on, `${path}.on`, true)!;
  const off = requestSpec(config.off, `${path}.off`, true)!;
  const read = requestSpec(config.read, `${path}.read`, false);
  if (!read) return { on, off, read };
  const paths = config.read as Record<string, unknown>;
  for (const key of ["voltage", "current"]) {
    if (typeof paths[key] !== "string" || paths[key] === "") {
      throw new ConfigError(
        `Invalid config ${path}.read.${key}: expected the dotted path of the ${key} in the JSON answer (e.g. "StatusSNS.ENERGY.Voltage"), got ${
          JSON.stringify(paths[key] ?? null)
        }`,
      );
    }
  }
  return {
    on,
    off,
    read,
    readPaths: { voltage: paths.voltage as string, current: paths.current as string },
  };
}
