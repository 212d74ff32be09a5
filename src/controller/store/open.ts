/**
 * Opens the store a controller is told to use (`--store SPEC`):
 *
 * - a directory path, or `sqlite:DIR`: the embedded SQLite store in that data
 *   directory (`DIR/controller.db`); `sqlite:FILE.db` names the file itself;
 * - `etcd://HOST:PORT[,HOST:PORT...][/PREFIX/]`: the etcd store on those
 *   members (port 2379 when left out), with TLS, auth and prefix options.
 *
 * @example
 * ```ts
 * import { parseStoreSpec } from "./open.ts";
 * parseStoreSpec("etcd://10.0.0.1,10.0.0.2:2380/lab/");
 * // { kind: "etcd", endpoints: ["10.0.0.1:2379", "10.0.0.2:2380"], prefix: "/lab/" }
 * // openStore(spec, { etcd: { tls: { ca, cert, key }, auth: { username, password } } })
 * ```
 *
 * @module
 */
import { dirname } from "node:path";
import { openDataDir } from "./data_dir.ts";
import { SqliteKv } from "./sqlite.ts";
import type { EtcdKv } from "./etcd_kv.ts";
import type { EtcdOptions } from "./etcd_connection.ts";

/** A parsed store spec. */
export type StoreSpec =
  | { kind: "sqlite"; dataDir: string }
  | { kind: "sqlite"; file: string }
  | { kind: "etcd"; endpoints: string[]; prefix?: string };

/** Options that do not fit in the spec string. */
export interface StoreOptions {
  /** etcd TLS files, user, key prefix (overrides one in the spec) and call timeout. */
  etcd?: Omit<EtcdOptions, "endpoints">;
}

const USAGE = "use a data directory, sqlite:DIR or etcd://HOST:PORT[,HOST:PORT...]";

/** Parses a store spec; TypeError with one line saying what is wrong. */
export function parseStoreSpec(spec: string): StoreSpec {
  const trimmed = spec.trim();
  if (trimmed === "") throw new TypeError(`Invalid store "": ${USAGE}`);
  if (trimmed.startsWith("sqlite:")) {
    const path = trimmed.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "") throw new TypeError(`Invalid store "${spec}": sqlite: needs a path`);
    return path.endsWith(".db")
      ? { kind: "sqlite", file: path }
      : { kind: "sqlite", dataDir: path };
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)?.[1];
  if (scheme === undefined) return { kind: "sqlite", dataDir: trimmed };
  if (scheme !== "etcd") {
    throw new TypeError(`Invalid store "${spec}": unknown scheme "${scheme}:"; ${USAGE}`);
  }
  const rest = trimmed.slice("etcd://".length);
  const slash = rest.indexOf("/");
  const hosts = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = slash === -1 ? undefined : rest.slice(slash);
  if (hosts === "") throw new TypeError(`Invalid store "${spec}": no etcd endpoint; ${USAGE}`);
  const endpoints = hosts.split(",").map((host) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host);
    const port = Number(match?.[2] ?? 2379);
    if (!match || port < 1 || port > 65535) {
      throw new TypeError(`Invalid etcd endpoint "${host}" in store "${spec}": expected HOST:PORT`);
    }
    return `${match[1]}:${port}`;
  });
  return { kind: "etcd", endpoints, prefix: prefix === "/" ? undefined : prefix };
}

/** Opens the store a spec names (see the module doc). */
export async function openStore(
  spec: string,
  options: StoreOptions = {},
): Promise<SqliteKv | EtcdKv> {
  const parsed = parseStoreSpec(spec);
  if (parsed.kind === "etcd") {
    // Loaded only when asked for: the embedded store needs none of etcd's client.
    const { EtcdKv } = await import("./etcd.ts");
    return await EtcdKv.open({
      ...options.etcd,
      endpoints: parsed.endpoints,
      prefix: options.etcd?.prefix ?? parsed.prefix,
    });
  }
  if ("dataDir" in parsed) return await openDataDir(parsed.dataDir);
  await Deno.mkdir(dirname(parsed.file), { recursive: true, mode: 0o700 });
  return new SqliteKv(parsed.file);
}
