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
import { SnmpPower } from "./power/snmp.ts";
import { MqttPower } from "./power/mqtt.ts";
import { Sispmctl } from "./power/sispmctl.ts";
import { Ykush } from "./power/ykush.ts";
import { Uhubctl } from "./power/uhubctl.ts";
import { EnerGenie } from "./power/energenie.ts";
import { PowerClient } from "./power/client.ts";
import { SerialClient } from "./serial/client.ts";
import { PySerial } from "./serial/pyserial.ts";
import { StorageClient } from "./storage/client.ts";
import { FileStorageMux } from "./storage/file.ts";
import { CommandStorageMux } from "./storage/command.ts";
import { SdWire } from "./storage/sdwire.ts";
import { UsbSdMux } from "./storage/usbsdmux.ts";
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
import { SerialRelay } from "./relay/serial_relay.ts";
import { DutLink } from "./dutlink/dutlink.ts";
import { VideoClient } from "./video/client.ts";
import { FfmpegVideo } from "./video/ffmpeg.ts";
import { HttpVideo } from "./video/http.ts";
import { UStreamer } from "./video/ustreamer.ts";
import { GpioPower } from "./relay/gpio_power.ts";
import { DigitalInput, Gpio } from "./gpio/gpio.ts";
import { GpioClient } from "./gpio/client.ts";
import { Fastboot } from "./flasher/fastboot.ts";
import { Uf2 } from "./flasher/uf2_flasher.ts";
import { StLinkMsd } from "./flasher/stlink_msd.ts";
import { OpenOcd } from "./flasher/openocd.ts";
import { Dfu } from "./flasher/dfu.ts";
import { ProbeRs } from "./flasher/probe_rs.ts";
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
    {
      type: "power.HttpPower",
      driver: HttpPower,
      aliases: ["jumpstarter_driver_http_power.driver.HttpPower"],
    },
    {
      type: "power.SnmpPower",
      driver: SnmpPower,
      aliases: ["jumpstarter_driver_snmp.driver.SNMPServer"],
    },
    {
      type: "power.MqttPower",
      driver: MqttPower,
      aliases: ["jumpstarter_driver_tasmota.driver.TasmotaPower"],
    },
    { type: "power.Sispmctl", driver: Sispmctl },
    { type: "power.Ykush", driver: Ykush, aliases: ["jumpstarter_driver_yepkit.driver.Ykush"] },
    { type: "power.Uhubctl", driver: Uhubctl },
    {
      type: "power.EnerGenie",
      driver: EnerGenie,
      aliases: ["jumpstarter_driver_energenie.driver.EnerGenie"],
    },
    {
      type: "serial.PySerial",
      driver: PySerial,
      aliases: ["jumpstarter_driver_pyserial.driver.PySerial"],
    },
    { type: "storage.FileStorageMux", driver: FileStorageMux },
    { type: "storage.CommandStorageMux", driver: CommandStorageMux },
    {
      type: "storage.SdWire",
      driver: SdWire,
      aliases: ["jumpstarter_driver_sdwire.driver.SDWire"],
    },
    { type: "storage.UsbSdMux", driver: UsbSdMux },
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
    { type: "qemu.Qemu", driver: Qemu, aliases: ["jumpstarter_driver_qemu.driver.Qemu"] },
    {
      type: "power.SerialRelay",
      driver: SerialRelay,
      aliases: ["jumpstarter_driver_noyito_relay.driver.NoyitoPowerSerial"],
    },
    {
      type: "power.GpioPower",
      driver: GpioPower,
      aliases: ["jumpstarter_driver_gpiod.driver.PowerSwitch"],
    },
    { type: "gpio.Gpio", driver: Gpio, aliases: ["jumpstarter_driver_gpiod.driver.DigitalOutput"] },
    {
      type: "gpio.DigitalInput",
      driver: DigitalInput,
      aliases: ["jumpstarter_driver_gpiod.driver.DigitalInput"],
    },
    {
      type: "dutlink.DutLink",
      driver: DutLink,
      aliases: ["jumpstarter_driver_dutlink.driver.Dutlink"],
    },
    { type: "video.FfmpegVideo", driver: FfmpegVideo },
    { type: "video.HttpVideo", driver: HttpVideo },
    {
      type: "video.UStreamer",
      driver: UStreamer,
      aliases: ["jumpstarter_driver_ustreamer.driver.UStreamer"],
    },
    { type: "flasher.Fastboot", driver: Fastboot },
    { type: "flasher.OpenOcd", driver: OpenOcd },
    { type: "flasher.Dfu", driver: Dfu },
    {
      type: "flasher.ProbeRs",
      driver: ProbeRs,
      aliases: ["jumpstarter_driver_probe_rs.driver.ProbeRs"],
    },
    {
      type: "flasher.Uf2",
      driver: Uf2,
      aliases: ["jumpstarter_driver_pi_pico.driver.PiPicoFlasher"],
    },
    {
      type: "flasher.StLinkMsd",
      driver: StLinkMsd,
      aliases: ["jumpstarter_driver_stlink_msd.driver.StlinkMsdFlasher"],
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
    {
      type: "uboot.UbootConsole",
      driver: UbootConsole,
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
      client: PowerClient,
    },
    { labels: ["jumpstarter_driver_pyserial.client.PySerialClient"], client: SerialClient },
    { labels: ["jumpstarter_driver_shell.client.ShellClient"], client: ShellClient },
    { labels: ["jumpstarter_driver_network.client.NetworkClient"], client: NetworkClient },
    { labels: ["jumpstarter_driver_ustreamer.client.UStreamerClient"], client: VideoClient },
    {
      labels: [
        "jumpstarter_driver_gpiod.client.DigitalOutputClient",
        "jumpstarter_driver_gpiod.client.DigitalInputClient",
      ],
      client: GpioClient,
    },
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
        "jumpstarter_driver_opendal.client.FlasherClient",
      ],
      client: StorageClient,
    },
  ],
);
