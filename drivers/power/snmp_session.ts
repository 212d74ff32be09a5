/**
 * The SNMP side of `power.SnmpPower`: the session settings read from the
 * config (v2c community, or a v3 user with upstream's `auth_protocol`,
 * `auth_key`, `priv_protocol`, `priv_key`), and one GET or SET at a time
 * with errors as one line that never holds a key or community.
 *
 * @module
 */
import snmp from "net-snmp";
import { ConfigError, type ConfigReader } from "../../src/driver/config_check.ts";
import { DriverError } from "../../src/driver/driver_error.ts";
import { DriverTimeoutError, UnavailableError } from "../../src/driver/errors.ts";
import { messageOf } from "../../src/driver/error_message.ts";
import { redactSecrets } from "../../src/driver/redact.ts";
import { installAesCfb } from "./snmp_aes.ts";

const AUTH = { NONE: undefined, MD5: snmp.AuthProtocols.md5, SHA: snmp.AuthProtocols.sha };
const PRIV = { NONE: undefined, AES: snmp.PrivProtocols.aes };

/** Where and how to talk SNMP; keys stay out of messages. */
export interface SnmpTarget {
  host: string;
  port: number;
  timeout: number;
  retries: number;
  /** v2c when set. */
  community?: string;
  /** v3 user (upstream's `user`). */
  user?: {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  };
}

function choice<T>(reader: ConfigReader, key: string, table: Record<string, T>): string {
  const value = reader.string(key, "NONE").toUpperCase();
  if (!(value in table)) {
    const hint = key === "priv_protocol" && value === "DES"
      ? " (DES is not available: the runtime has no DES cipher; configure the PDU for AES)"
      : "";
    throw new ConfigError(
      `Invalid config ${reader.path}.config.${key}: expected one of ${
        Object.keys(table).join(", ")
      }, got ${JSON.stringify(reader.config[key])}${hint}`,
    );
  }
  return value;
}

/** Reads the SNMP target from a driver config; fails before any packet is sent. */
export function snmpTarget(reader: ConfigReader): SnmpTarget {
  const target: SnmpTarget = {
    host: reader.required("host"),
    port: reader.number("port", 161, 1),
    timeout: reader.number("timeout", 5, 0.001),
    retries: reader.number("retries", 1, 0),
  };
  const community = reader.string("community");
  const user = reader.string("user");
  if ((community === undefined) === (user === undefined)) {
    throw new ConfigError(
      `Invalid config ${reader.path}.config: give either "user" (SNMPv3) or "community" (SNMPv2c)`,
    );
  }
  if (community !== undefined) return { ...target, community };
  const auth = choice(reader, "auth_protocol", AUTH);
  const priv = choice(reader, "priv_protocol", PRIV);
  const authKey = reader.string("auth_key");
  const privKey = reader.string("priv_key");
  const missing = (key: string, why: string) =>
    new ConfigError(`Invalid config ${reader.path}.config.${key}: required ${why}`);
  if (auth !== "NONE" && !authKey) throw missing("auth_key", `with auth_protocol ${auth}`);
  if (priv !== "NONE" && auth === "NONE") {
    throw new ConfigError(
      `Invalid config ${reader.path}.config.priv_protocol: privacy needs an auth_protocol (MD5 or SHA)`,
    );
  }
  if (priv !== "NONE" && !privKey) throw missing("priv_key", `with priv_protocol ${priv}`);
  for (const [key, value] of [["auth_key", authKey], ["priv_key", privKey]] as const) {
    if (value !== undefined && value.length < 8) {
      throw new ConfigError(
        `Invalid config ${reader.path}.config.${key}: SNMPv3 keys have at least 8 characters`,
      );
    }
  }
  if (priv !== "NONE") installAesCfb();
  const level = priv !== "NONE"
    ? snmp.SecurityLevel.authPriv
    : auth !== "NONE"
    ? snmp.SecurityLevel.authNoPriv
    : snmp.SecurityLevel.noAuthNoPriv;
  return {
    ...target,
    user: {
      name: user!,
      level,
      authProtocol: AUTH[auth as keyof typeof AUTH],
      authKey: auth === "NONE" ? undefined : authKey,
      privProtocol: PRIV[priv as keyof typeof PRIV],
      privKey: priv === "NONE" ? undefined : privKey,
    },
  };
}

interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}

interface Session {
  get(oids: string[], done: (error: Error | null, varbinds: Varbind[]) => void): void;
  set(varbinds: Varbind[], done: (error: Error | null, varbinds: Varbind[]) => void): void;
  close(): void;
  on(event: "error", listener: (error: Error) => void): void;
}

function open(target: SnmpTarget): Session {
  const options = {
    port: target.port,
    timeout: target.timeout * 1000,
    retries: target.retries,
    version: target.community === undefined ? snmp.Version3 : snmp.Version2c,
  };
  const session = target.user
    ? snmp.createV3Session(target.host, target.user, options)
    : snmp.createSession(target.host, target.community, options);
  return session as Session;
}

/** One line for a failed request, naming the agent and the OID, never a key. */
function failure(target: SnmpTarget, action: string, oid: string, error: Error): DriverError {
  const where = `${action} ${oid} on ${target.host}:${target.port}`;
  const secrets = [target.community, target.user?.authKey, target.user?.privKey];
  const text = redactSecrets(messageOf(error), secrets);
  if (error.name === "RequestTimedOutError") {
    return new DriverTimeoutError(
      `SNMP ${where} got no answer within ${target.timeout} s (${
        target.retries + 1
      } tries): check host, port and ${target.user ? "the v3 user and keys" : "the community"}`,
    );
  }
  if (/Wrong Digest|Unknown user|authoriz|NoAccess|NotWritable/i.test(text)) {
    return new DriverError(
      "permission_denied",
      `SNMP ${where} was refused: ${text} (check the ${
        target.user ? "user, auth_key and priv_key" : "community's write access"
      })`,
    );
  }
  return new UnavailableError(`SNMP ${where} failed: ${text}`);
}

/** Runs one request on a fresh session, closed afterwards. */
function request(
  target: SnmpTarget,
  action: "GET" | "SET",
  oid: string,
  send: (session: Session, done: (error: Error | null, varbinds: Varbind[]) => void) => void,
): Promise<Varbind> {
  return new Promise((resolve, reject) => {
    const session = open(target);
    session.on("error", (error) => {
      session.close();
      reject(failure(target, action, oid, error));
    });
    send(session, (error, varbinds) => {
      session.close();
      if (error) return reject(failure(target, action, oid, error));
      const varbind = varbinds[0];
      if (snmp.isVarbindError(varbind)) {
        return reject(failure(target, action, oid, new Error(snmp.varbindError(varbind))));
      }
      resolve(varbind);
    });
  });
}

/** Sets the integer at `oid`. */
export async function snmpSetInteger(target: SnmpTarget, oid: string, value: number) {
  await request(
    target,
    "SET",
    oid,
    (s, done) => s.set([{ oid, type: snmp.ObjectType.Integer, value }], done),
  );
}

/** Reads the integer at `oid`. */
export async function snmpGetInteger(target: SnmpTarget, oid: string): Promise<number> {
  const varbind = await request(target, "GET", oid, (s, done) => s.get([oid], done));
  if (typeof varbind.value !== "number") {
    throw new UnavailableError(
      `SNMP GET ${oid} on ${target.host}:${target.port} answered a non-integer (${
        String(varbind.value)
      })`,
    );
  }
  return varbind.value;
}
