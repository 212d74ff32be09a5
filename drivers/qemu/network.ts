/**
 * The network of a QEMU board (`network:` in its config): none (the
 * default), QEMU's user networking with port forwards (`hostfwd`, so
 * `jumpstarter ssh` through a `network.TcpNetwork` on the forwarded port
 * reaches the guest) and a network boot file (`bootfile`, for iPXE), or a tap
 * device the exporter host set up (`tap: tap0`), for a guest on a real or
 * namespaced network where the exporter's TFTP and HTTP servers are.
 *
 * @module
 */
import type { DriverContext } from "../../src/driver/driver_context.ts";
import { ConfigError } from "../../src/driver/config_check.ts";

/** One port forward of user networking: host address and port to the guest's port. */
export interface HostForward {
  protocol: "tcp" | "udp";
  hostAddress: string;
  hostPort: number;
  guestPort: number;
}

/** A board's network, checked. */
export type NetworkOptions =
  | { mode: "none" }
  | { mode: "user"; model?: string; forwards: HostForward[]; bootfile?: string }
  | { mode: "tap"; model?: string; ifname: string };

/** Reads `network:` (`{mode: user, hostfwd: [...], bootfile}` or `{mode: tap, tap: NAME}`). */
export function networkOptions(value: unknown, context: DriverContext): NetworkOptions {
  const where = `${context.path}.config.network`;
  const fail = (what: string): never => {
    throw new ConfigError(`Invalid config ${where}${what}`);
  };
  if (value === undefined || value === null) return { mode: "none" };
  if (typeof value !== "object" || Array.isArray(value)) {
    return fail(`: expected a mapping such as {mode: user, hostfwd: ["tcp:127.0.0.1:2222-:22"]}`);
  }
  const config = value as Record<string, unknown>;
  const known = ["mode", "model", "hostfwd", "bootfile", "tap"];
  const unknown = Object.keys(config).find((k) => !known.includes(k));
  if (unknown) fail(`.${unknown}: unknown key; use ${known.join(", ")}`);
  const model = config.model;
  if (model !== undefined && (typeof model !== "string" || !/^[\w-]+$/.test(model))) {
    fail(`.model: expected a QEMU NIC model such as e1000 or virtio-net-pci`);
  }
  const mode = config.mode ?? (config.tap !== undefined ? "tap" : "user");
  if (mode === "none") return { mode: "none" };
  if (mode === "tap") {
    if (typeof config.tap !== "string" || !/^[\w.-]{1,15}$/.test(config.tap)) {
      fail(`.tap: expected the name of a tap device on the exporter host, such as tap0`);
    }
    return { mode: "tap", model: model as string | undefined, ifname: config.tap as string };
  }
  if (mode !== "user") fail(`.mode: expected none, user or tap, got ${JSON.stringify(mode)}`);
  const list = config.hostfwd ?? [];
  if (!Array.isArray(list)) fail(`.hostfwd: expected a list such as ["tcp:127.0.0.1:2222-:22"]`);
  const forwards = (list as unknown[]).map((rule, i) =>
    parseForward(rule, `${where}.hostfwd[${i}]`)
  );
  const bootfile = config.bootfile;
  if (bootfile !== undefined && (typeof bootfile !== "string" || /[,\s]/.test(bootfile))) {
    fail(`.bootfile: expected a file name or URL without commas or spaces`);
  }
  return {
    mode: "user",
    model: model as string | undefined,
    forwards,
    bootfile: bootfile as string | undefined,
  };
}

/** Parses `tcp:127.0.0.1:2222-:22` (QEMU's own notation; the protocol and address optional). */
export function parseForward(rule: unknown, where: string): HostForward {
  const match = typeof rule === "string"
    ? rule.match(/^(?:(tcp|udp):)?(?:([\d.]*):)?(\d+)-(?:[\d.]*:)?(\d+)$/)
    : null;
  const ports = match ? [Number(match[3]), Number(match[4])] : [];
  if (!match || ports.some((p) => p < 1 || p > 65535)) {
    throw new ConfigError(
      `Invalid config ${where}: expected "[tcp|udp:][HOSTADDR:]HOSTPORT-GUESTPORT" such as "tcp:127.0.0.1:2222-:22", got ${
        JSON.stringify(rule)
      }`,
    );
  }
  return {
    protocol: (match[1] ?? "tcp") as "tcp" | "udp",
    hostAddress: match[2] || "127.0.0.1",
    hostPort: ports[0],
    guestPort: ports[1],
  };
}

/** QEMU's `-netdev` and `-device` arguments for `network`, `defaultModel` unless it names one. */
export function networkArgs(network: NetworkOptions, defaultModel: string): string[] {
  if (network.mode === "none") return [];
  const model = network.model ?? defaultModel;
  const device = ["-device", `${model},netdev=net0`];
  if (network.mode === "tap") {
    return ["-netdev", `tap,id=net0,ifname=${network.ifname},script=no,downscript=no`, ...device];
  }
  const forwards = network.forwards.map((f) =>
    `,hostfwd=${f.protocol}:${f.hostAddress}:${f.hostPort}-:${f.guestPort}`
  );
  const bootfile = network.bootfile ? `,bootfile=${network.bootfile}` : "";
  return ["-netdev", `user,id=net0${forwards.join("")}${bootfile}`, ...device];
}
