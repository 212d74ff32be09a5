/**
 * A real `mosquitto` broker for the MqttPower tests, on a free port of
 * 127.0.0.1, with one user, and a peer answering as a Tasmota plug does:
 * `ON`/`OFF`/`TOGGLE` on `cmnd/<topic>/POWER` switch it and it reports on
 * `stat/<topic>/POWER`, and `STATUS 8` is answered on `stat/<topic>/STATUS8`
 * with an energy reading.
 *
 * @module
 */
import { join } from "node:path";
// @ts-types="./mqtt_types.d.ts"
import mqtt from "mqtt";
import type { MqttClient } from "./mqtt_types.d.ts";

export const USER = { username: "bench", password: "broker-secret-9" };

/** A running broker and the plug it hosts. */
export interface Broker extends AsyncDisposable {
  port: number;
  /** The relay's state as the simulated plug holds it. */
  relay(): "ON" | "OFF";
  /** Whether the simulated plug answers commands. */
  answering: boolean;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts mosquitto and a simulated Tasmota plug with device topic `topic`. */
export async function startBroker(topic: string): Promise<Broker> {
  const dir = await Deno.makeTempDir({ prefix: "mosquitto-" });
  const port = freePort();
  const passwords = join(dir, "passwd");
  await Deno.writeTextFile(passwords, "");
  const made = await new Deno.Command("mosquitto_passwd", {
    args: ["-b", passwords, USER.username, USER.password],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!made.success) throw new Error(new TextDecoder().decode(made.stderr));
  // Started as root, mosquitto drops to its own user, which must read the files.
  await Deno.chmod(dir, 0o755);
  await Deno.chmod(passwords, 0o644);
  await Deno.writeTextFile(
    join(dir, "mosquitto.conf"),
    `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwords}\n`,
  );
  const broker = new Deno.Command("mosquitto", {
    args: ["-c", join(dir, "mosquitto.conf")],
    stdout: "null",
    stderr: "null",
  }).spawn();
  let peer: MqttClient | undefined;
  for (let i = 0; i < 100 && !peer; i++) {
    peer = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { ...USER, reconnectPeriod: 0 })
      .catch(() => undefined);
    if (!peer) await new Promise((r) => setTimeout(r, 50));
  }
  if (!peer) throw new Error(`mosquitto did not start on port ${port}`);
  let relay: "ON" | "OFF" = "OFF";
  const state = {
    port,
    relay: () => relay,
    answering: true,
    async [Symbol.asyncDispose]() {
      await peer.endAsync(true);
      broker.kill("SIGTERM");
      await broker.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
  await peer.subscribeAsync(`cmnd/${topic}/POWER`);
  await peer.subscribeAsync(`cmnd/${topic}/STATUS`);
  peer.on("message", (commandTopic, payload) => {
    if (!state.answering) return;
    if (commandTopic.endsWith("/STATUS")) {
      const energy = { Voltage: relay === "ON" ? 229.8 : 0, Current: relay === "ON" ? 0.42 : 0 };
      peer.publish(`stat/${topic}/STATUS8`, JSON.stringify({ StatusSNS: { ENERGY: energy } }));
      return;
    }
    const command = new TextDecoder().decode(payload).trim().toUpperCase();
    if (command === "ON" || command === "1") relay = "ON";
    else if (command === "OFF" || command === "0") relay = "OFF";
    else if (command === "TOGGLE" || command === "2") relay = relay === "ON" ? "OFF" : "ON";
    peer.publish(`stat/${topic}/POWER`, relay);
  });
  return state;
}
