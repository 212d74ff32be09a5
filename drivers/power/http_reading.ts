/**
 * Taking a `PowerReading` out of a plug's JSON answer: the dotted paths of
 * its voltage and current, and the values at them.
 *
 * @module
 */
import { NotImplementedError } from "../../src/driver/errors.ts";
import { type HttpRequestSpec, shownRequest } from "./http_request.ts";
import type { PowerReading } from "./reading.ts";

/** Where a reading's numbers are in a JSON response (dotted paths, `emeters.0.voltage`). */
export interface ReadingPaths {
  voltage: string;
  current: string;
}

/** A value at a dotted path of parsed JSON (`a.b.0.c`). */
export function valueAt(data: unknown, path: string): unknown {
  let value = data;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The reading in `answer`, the plug's answer to `request`; NotImplementedError when it has none. */
export function readingFrom(
  answer: string,
  request: HttpRequestSpec,
  paths: ReadingPaths,
): PowerReading {
  const data = parseJson(answer, request);
  const voltage = valueAt(data, paths.voltage);
  const current = valueAt(data, paths.current);
  if (typeof voltage !== "number" || typeof current !== "number") {
    throw new NotImplementedError(
      `The power plug does not report voltage and current (no numbers at "${paths.voltage}" and "${paths.current}" in its answer to ${
        shownRequest(request)
      })`,
    );
  }
  return { voltage, current };
}

function parseJson(text: string, spec: HttpRequestSpec): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new NotImplementedError(
      `The power plug's answer to ${
        shownRequest(spec)
      } is not JSON, so no reading can be taken from it`,
    );
  }
}
