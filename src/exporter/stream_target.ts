/**
 * What a byte-stream request asks for (a driver's byte stream or a
 * resource), read from the gRPC `request` header or a fast-channel header,
 * which carry the same fields.
 *
 * @module
 */

/** What a byte-stream request (the gRPC `request` header, a fast-channel header) asks for. */
export type StreamTarget =
  | { kind: "driver"; uuid: string; method: string }
  | { kind: "resource"; uuid: string; encoding: string | null };

/** Reads a stream target from its JSON object form (upstream's `request` header). */
export function streamTargetOf(parsed: unknown, shown = JSON.stringify(parsed)): StreamTarget {
  const record = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<
    string,
    unknown
  >;
  if (record.kind === "driver" && typeof record.uuid === "string") {
    return {
      kind: "driver",
      uuid: record.uuid,
      method: typeof record.method === "string" ? record.method : "connect",
    };
  }
  if (record.kind === "resource" && typeof record.uuid === "string") {
    const encoding = record.x_jmp_content_encoding;
    return {
      kind: "resource",
      uuid: record.uuid,
      encoding: typeof encoding === "string" ? encoding : null,
    };
  }
  throw new TypeError(
    `Stream "request" header must be {"kind":"driver"|"resource","uuid":...}, got ${shown}`,
  );
}

/** Parses the gRPC `request` header text. */
export function parseStreamTarget(header: string | null): StreamTarget {
  let parsed: unknown;
  try {
    parsed = JSON.parse(header ?? "");
  } catch {
    throw new TypeError(
      `Stream call needs a "request" header with JSON, got ${JSON.stringify(header)}`,
    );
  }
  return streamTargetOf(parsed, header ?? "");
}
