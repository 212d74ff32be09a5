/**
 * A real `snmpd` for the SnmpPower tests: a writable outlet table at
 * `oid` served by a `pass` script that keeps each outlet's value in a file,
 * a v2c read-write community and a v3 user with SHA auth and AES privacy.
 *
 * @module
 */
import dgram from "node:dgram";
import { join } from "node:path";

export const COMMUNITY = "lab-private";
export const V3 = { user: "labuser", auth_key: "auth-secret-1", priv_key: "priv-secret-2" };

/** A running snmpd on 127.0.0.1; `outlet(n)` reads the value the agent stored. */
export interface Snmpd extends AsyncDisposable {
  port: number;
  outlet(n: number): Promise<string | undefined>;
}

/** A bound UDP socket on 127.0.0.1 (a port nothing answers on while it is open). */
export async function udpSocket(): Promise<dgram.Socket & { port: number }> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return Object.assign(socket, { port: socket.address().port });
}

async function freeUdpPort(): Promise<number> {
  const socket = await udpSocket();
  const port = socket.port;
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Starts snmpd serving `oid`; waits until it answers. */
export async function startSnmpd(oid: string): Promise<Snmpd> {
  const dir = await Deno.makeTempDir({ prefix: "snmpd-" });
  const port = await freeUdpPort();
  const pass = join(dir, "pass.sh");
  await Deno.writeTextFile(
    pass,
    `#!/bin/sh
base=.${oid}
n=\${2#$base.}
[ "$n" = "$2" ] && exit 0
case "$1" in
  -g) echo "$2"; echo integer; cat "${dir}/outlet.$n" 2>/dev/null || echo 0;;
  -s) [ "$3" = integer ] || { echo wrong-type; exit 0; }; echo "$4" > "${dir}/outlet.$n";;
esac
`,
  );
  await Deno.writeTextFile(
    join(dir, "snmpd.conf"),
    [
      `agentAddress udp:127.0.0.1:${port}`,
      `rwcommunity ${COMMUNITY} 127.0.0.1`,
      `rocommunity lab-public 127.0.0.1`,
      `createUser ${V3.user} SHA ${V3.auth_key} AES ${V3.priv_key}`,
      `rwuser ${V3.user} priv`,
      `pass .${oid} /bin/sh ${pass}`,
      "",
    ].join("\n"),
  );
  const child = new Deno.Command("snmpd", {
    args: ["-f", "-Lf", join(dir, "log"), "-C", "-c", join(dir, "snmpd.conf"), "-M", "/dev/null"],
    env: { SNMP_PERSISTENT_DIR: join(dir, "persist"), MIBS: "" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const ready = async () => {
    for (let i = 0; i < 100; i++) {
      const log = await Deno.readTextFile(join(dir, "log")).catch(() => "");
      if (log.includes("NET-SNMP version")) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`snmpd did not start: ${await Deno.readTextFile(join(dir, "log"))}`);
  };
  await ready();
  return {
    port,
    outlet: (n) =>
      Deno.readTextFile(join(dir, `outlet.${n}`)).then((t) => t.trim(), () => undefined),
    async [Symbol.asyncDispose]() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}
