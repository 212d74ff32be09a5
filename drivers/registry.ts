/**
 * The one static driver registry shared by `jumpstarter`, `exporter` and
 * `controller`: config type names to exporter-side classes, client labels to
 * client-side classes. Static imports, so `deno compile` embeds every driver.
 * Adding a driver family touches its folder and this file only.
 *
 * @module
 */
import { Composite } from "../src/driver/composite.ts";
import { Registry } from "../src/driver/registry.ts";
import { CompositeClient, type DriverClientClass } from "../src/client/driver_client.ts";
import { MockPower } from "./power/mock.ts";
import { CommandPower } from "./power/command.ts";
import { HttpPower } from "./power/http.ts";
import { PowerClient } from "./power/client.ts";
import { SerialClient } from "./serial/client.ts";
import { PySerial } from "./serial/pyserial.ts";
import { StorageClient } from "./storage/client.ts";
import { FileStorageMux } from "./storage/file.ts";
import { CommandStorageMux } from "./storage/command.ts";
import { Shell } from "./shell/driver.ts";
import { ShellClient } from "./shell/client.ts";
import { Board } from "./virtual/board.ts";
import { VirtualPower } from "./virtual/power.ts";
import { VirtualConsole } from "./virtual/console.ts";
import { VirtualStorage } from "./virtual/storage.ts";
import { TcpNetwork } from "./network/tcp_network.ts";
import { UdpNetwork } from "./network/udp_network.ts";
import { UnixNetwork } from "./network/unix_network.ts";
import { NetworkClient } from "./network/client.ts";
import { Qemu } from "./qemu/qemu.ts";
import { TftpServer } from "./netboot/tftp_driver.ts";
import { HttpServer } from "./netboot/http_driver.ts";
import { FileServerClient } from "./netboot/client.ts";
import { UbootConsole } from "./uboot/driver.ts";
import { UbootClient } from "./uboot/client.ts";

/**
 * Every built-in driver and client. `connect()`, `serveLocal()` and the test
 * kit use it unless given another.
 *
 * @example
 * ```ts
 * import { PowerClient, registry } from "@jumpstarter/jumpstarter";
 * import assert from "node:assert/strict";
 *
 * assert.ok(registry.types().includes("virtual.Board"));
 * assert.equal(registry.client("jumpstarter_driver_power.client.PowerClient"), PowerClient);
 * ```
 */
export const registry: Registry<DriverClientClass> = new Registry<DriverClientClass>(
  [
    {
      type: "composite.Composite",
      driver: Composite,
      aliases: ["jumpstarter_driver_composite.driver.Composite"],
    },
    {
      type: "power.MockPower",
      driver: MockPower,
      aliases: ["jumpstarter_driver_power.driver.MockPower"],
    },
    { type: "power.CommandPower", driver: CommandPower },
    { type: "power.HttpPower", driver: HttpPower },
    {
      type: "serial.PySerial",
      driver: PySerial,
      aliases: ["jumpstarter_driver_pyserial.driver.PySerial"],
    },
    { type: "storage.FileStorageMux", driver: FileStorageMux },
    { type: "storage.CommandStorageMux", driver: CommandStorageMux },
    { type: "shell.Shell", driver: Shell, aliases: ["jumpstarter_driver_shell.driver.Shell"] },
    { type: "virtual.Board", driver: Board },
    { type: "virtual.Power", driver: VirtualPower },
    { type: "virtual.Console", driver: VirtualConsole },
    { type: "virtual.Storage", driver: VirtualStorage },
    {
      type: "network.TcpNetwork",
      driver: TcpNetwork,
      aliases: ["jumpstarter_driver_network.driver.TcpNetwork"],
    },
    {
      type: "network.UdpNetwork",
      driver: UdpNetwork,
      aliases: ["jumpstarter_driver_network.driver.UdpNetwork"],
    },
    {
      type: "network.UnixNetwork",
      driver: UnixNetwork,
      aliases: ["jumpstarter_driver_network.driver.UnixNetwork"],
    },
    {
      type: "network.TftpServer",
      driver: TftpServer,
      aliases: ["jumpstarter_driver_tftp.driver.Tftp"],
    },
    {
      type: "network.HttpServer",
      driver: HttpServer,
      aliases: ["jumpstarter_driver_http.driver.HttpServer"],
    },
    { type: "qemu.Qemu", driver: Qemu },
    {
      type: "uboot.UbootConsole",
      driver: UbootConsole,
      aliases: ["jumpstarter_driver_uboot.driver.UbootConsole"],
    },
  ],
  [
    { labels: ["jumpstarter_driver_composite.client.CompositeClient"], client: CompositeClient },
    { labels: ["jumpstarter_driver_power.client.PowerClient"], client: PowerClient },
    { labels: ["jumpstarter_driver_pyserial.client.PySerialClient"], client: SerialClient },
    { labels: ["jumpstarter_driver_shell.client.ShellClient"], client: ShellClient },
    { labels: ["jumpstarter_driver_network.client.NetworkClient"], client: NetworkClient },
    {
      labels: [
        "jumpstarter_driver_tftp.client.TftpServerClient",
        "jumpstarter_driver_http.client.HttpServerClient",
      ],
      client: FileServerClient,
    },
    { labels: ["jumpstarter_driver_uboot.client.UbootConsoleClient"], client: UbootClient },
    {
      labels: [
        "jumpstarter_driver_opendal.client.StorageMuxFlasherClient",
        "jumpstarter_driver_opendal.client.StorageMuxClient",
      ],
      client: StorageClient,
    },
  ],
);
