/**
 * The one static driver registry shared by `jumpstarter`, `exporter` and
 * `controller`: config type names to exporter-side classes, client labels to
 * client-side classes. Each driver's and client's module loads when a config
 * or an exporter's report first names it (`registry.load()`,
 * `registry.loadClients()`), so a process loads the drivers it uses: a
 * virtual board's session does not load SNMP, MQTT or QEMU. The imports are
 * literal, so `deno compile` embeds every driver. Adding a driver family
 * touches its folder and this file only.
 *
 * @module
 */
import { Composite } from "../src/driver/composite.ts";
import { Registry } from "../src/driver/registry.ts";
import { CompositeClient, type DriverClientClass } from "../src/client/driver_client.ts";

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
 * const label = "jumpstarter_driver_power.client.PowerClient";
 * await registry.loadClients([label]);
 * assert.equal(registry.client(label), PowerClient);
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
      load: () => import("./power/mock.ts").then((m) => m.MockPower),
      aliases: ["jumpstarter_driver_power.driver.MockPower"],
    },
    {
      type: "power.CommandPower",
      load: () => import("./power/command.ts").then((m) => m.CommandPower),
    },
    {
      type: "power.HttpPower",
      load: () => import("./power/http.ts").then((m) => m.HttpPower),
      aliases: ["jumpstarter_driver_http_power.driver.HttpPower"],
    },
    {
      type: "power.SnmpPower",
      load: () => import("./power/snmp.ts").then((m) => m.SnmpPower),
      aliases: ["jumpstarter_driver_snmp.driver.SNMPServer"],
    },
    {
      type: "power.MqttPower",
      load: () => import("./power/mqtt.ts").then((m) => m.MqttPower),
      aliases: ["jumpstarter_driver_tasmota.driver.TasmotaPower"],
    },
    { type: "power.Sispmctl", load: () => import("./power/sispmctl.ts").then((m) => m.Sispmctl) },
    {
      type: "power.Ykush",
      load: () => import("./power/ykush.ts").then((m) => m.Ykush),
      aliases: ["jumpstarter_driver_yepkit.driver.Ykush"],
    },
    { type: "power.Uhubctl", load: () => import("./power/uhubctl.ts").then((m) => m.Uhubctl) },
    {
      type: "power.EnerGenie",
      load: () => import("./power/energenie.ts").then((m) => m.EnerGenie),
      aliases: ["jumpstarter_driver_energenie.driver.EnerGenie"],
    },
    {
      type: "serial.PySerial",
      load: () => import("./serial/pyserial.ts").then((m) => m.PySerial),
      aliases: ["jumpstarter_driver_pyserial.driver.PySerial"],
    },
    {
      type: "storage.FileStorageMux",
      load: () => import("./storage/file.ts").then((m) => m.FileStorageMux),
    },
    {
      type: "storage.CommandStorageMux",
      load: () => import("./storage/command.ts").then((m) => m.CommandStorageMux),
    },
    {
      type: "storage.SdWire",
      load: () => import("./storage/sdwire.ts").then((m) => m.SdWire),
      aliases: ["jumpstarter_driver_sdwire.driver.SDWire"],
    },
    {
      type: "storage.UsbSdMux",
      load: () => import("./storage/usbsdmux.ts").then((m) => m.UsbSdMux),
    },
    {
      type: "shell.Shell",
      load: () => import("./shell/driver.ts").then((m) => m.Shell),
      aliases: ["jumpstarter_driver_shell.driver.Shell"],
    },
    { type: "virtual.Board", load: () => import("./virtual/board.ts").then((m) => m.Board) },
    { type: "virtual.Power", load: () => import("./virtual/power.ts").then((m) => m.VirtualPower) },
    {
      type: "virtual.Console",
      load: () => import("./virtual/console.ts").then((m) => m.VirtualConsole),
    },
    {
      type: "virtual.Storage",
      load: () => import("./virtual/storage.ts").then((m) => m.VirtualStorage),
    },
    {
      type: "network.TcpNetwork",
      load: () => import("./network/tcp_network.ts").then((m) => m.TcpNetwork),
      aliases: ["jumpstarter_driver_network.driver.TcpNetwork"],
    },
    {
      type: "network.UdpNetwork",
      load: () => import("./network/udp_network.ts").then((m) => m.UdpNetwork),
      aliases: ["jumpstarter_driver_network.driver.UdpNetwork"],
    },
    {
      type: "network.UnixNetwork",
      load: () => import("./network/unix_network.ts").then((m) => m.UnixNetwork),
      aliases: ["jumpstarter_driver_network.driver.UnixNetwork"],
    },
    {
      type: "qemu.Qemu",
      load: () => import("./qemu/qemu.ts").then((m) => m.Qemu),
      aliases: ["jumpstarter_driver_qemu.driver.Qemu"],
    },
    {
      type: "power.SerialRelay",
      load: () => import("./relay/serial_relay.ts").then((m) => m.SerialRelay),
      aliases: ["jumpstarter_driver_noyito_relay.driver.NoyitoPowerSerial"],
    },
    {
      type: "power.GpioPower",
      load: () => import("./relay/gpio_power.ts").then((m) => m.GpioPower),
      aliases: ["jumpstarter_driver_gpiod.driver.PowerSwitch"],
    },
    {
      type: "gpio.Gpio",
      load: () => import("./gpio/gpio.ts").then((m) => m.Gpio),
      aliases: ["jumpstarter_driver_gpiod.driver.DigitalOutput"],
    },
    {
      type: "gpio.DigitalInput",
      load: () => import("./gpio/gpio.ts").then((m) => m.DigitalInput),
      aliases: ["jumpstarter_driver_gpiod.driver.DigitalInput"],
    },
    {
      type: "dutlink.DutLink",
      load: () => import("./dutlink/dutlink.ts").then((m) => m.DutLink),
      aliases: ["jumpstarter_driver_dutlink.driver.Dutlink"],
    },
    {
      type: "video.FfmpegVideo",
      load: () => import("./video/ffmpeg.ts").then((m) => m.FfmpegVideo),
    },
    { type: "video.HttpVideo", load: () => import("./video/http.ts").then((m) => m.HttpVideo) },
    {
      type: "video.UStreamer",
      load: () => import("./video/ustreamer.ts").then((m) => m.UStreamer),
      aliases: ["jumpstarter_driver_ustreamer.driver.UStreamer"],
    },
    {
      type: "flasher.Fastboot",
      load: () => import("./flasher/fastboot.ts").then((m) => m.Fastboot),
    },
    { type: "flasher.OpenOcd", load: () => import("./flasher/openocd.ts").then((m) => m.OpenOcd) },
    { type: "flasher.Dfu", load: () => import("./flasher/dfu.ts").then((m) => m.Dfu) },
    {
      type: "flasher.ProbeRs",
      load: () => import("./flasher/probe_rs.ts").then((m) => m.ProbeRs),
      aliases: ["jumpstarter_driver_probe_rs.driver.ProbeRs"],
    },
    {
      type: "flasher.Uf2",
      load: () => import("./flasher/uf2_flasher.ts").then((m) => m.Uf2),
      aliases: ["jumpstarter_driver_pi_pico.driver.PiPicoFlasher"],
    },
    {
      type: "flasher.StLinkMsd",
      load: () => import("./flasher/stlink_msd.ts").then((m) => m.StLinkMsd),
      aliases: ["jumpstarter_driver_stlink_msd.driver.StlinkMsdFlasher"],
    },
    {
      type: "network.TftpServer",
      load: () => import("./netboot/tftp_driver.ts").then((m) => m.TftpServer),
      aliases: ["jumpstarter_driver_tftp.driver.Tftp"],
    },
    {
      type: "network.HttpServer",
      load: () => import("./netboot/http_driver.ts").then((m) => m.HttpServer),
      aliases: ["jumpstarter_driver_http.driver.HttpServer"],
    },
    {
      type: "uboot.UbootConsole",
      load: () => import("./uboot/driver.ts").then((m) => m.UbootConsole),
      aliases: ["jumpstarter_driver_uboot.driver.UbootConsole"],
    },
  ],
  [
    { labels: ["jumpstarter_driver_composite.client.CompositeClient"], client: CompositeClient },
    {
      labels: [
        "jumpstarter_driver_power.client.PowerClient",
        "jumpstarter_driver_snmp.client.SNMPServerClient",
        "jumpstarter_driver_noyito_relay.client.NoyitoPowerClient",
      ],
      load: () => import("./power/client.ts").then((m) => m.PowerClient),
    },
    {
      labels: ["jumpstarter_driver_pyserial.client.PySerialClient"],
      load: () => import("./serial/client.ts").then((m) => m.SerialClient),
    },
    {
      labels: ["jumpstarter_driver_shell.client.ShellClient"],
      load: () => import("./shell/client.ts").then((m) => m.ShellClient),
    },
    {
      labels: ["jumpstarter_driver_network.client.NetworkClient"],
      load: () => import("./network/client.ts").then((m) => m.NetworkClient),
    },
    {
      labels: ["jumpstarter_driver_ustreamer.client.UStreamerClient"],
      load: () => import("./video/client.ts").then((m) => m.VideoClient),
    },
    {
      labels: [
        "jumpstarter_driver_gpiod.client.DigitalOutputClient",
        "jumpstarter_driver_gpiod.client.DigitalInputClient",
      ],
      load: () => import("./gpio/client.ts").then((m) => m.GpioClient),
    },
    {
      labels: [
        "jumpstarter_driver_tftp.client.TftpServerClient",
        "jumpstarter_driver_http.client.HttpServerClient",
      ],
      load: () => import("./netboot/client.ts").then((m) => m.FileServerClient),
    },
    {
      labels: ["jumpstarter_driver_uboot.client.UbootConsoleClient"],
      load: () => import("./uboot/client.ts").then((m) => m.UbootClient),
    },
    {
      labels: [
        "jumpstarter_driver_opendal.client.StorageMuxFlasherClient",
        "jumpstarter_driver_opendal.client.StorageMuxClient",
        "jumpstarter_driver_opendal.client.FlasherClient",
      ],
      load: () => import("./storage/client.ts").then((m) => m.StorageClient),
    },
  ],
);
