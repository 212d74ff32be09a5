/**
 * Finding a mux's card by USB identity instead of a fixed `/dev/sdX`: the
 * block device beside a USB device with a given serial number on the same
 * hub (an SDWire's card reader), or the one `/dev/disk/by-id/` names with a
 * serial (a USB-SD-Mux), and a block device's SCSI generic node.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";

function realPath(path: string): string | undefined {
  try {
    return Deno.realPathSync(path);
  } catch {
    return undefined;
  }
}

function entries(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
  } catch {
    return [];
  }
}

/** The sysfs names (`1-1.2.1`) of the USB devices whose serial number is `serial`. */
export function usbDevicesWithSerial(serial: string, sys = "/sys"): string[] {
  const devices = join(sys, "bus/usb/devices");
  return entries(devices).filter((name) => {
    try {
      return Deno.readTextFileSync(join(devices, name, "serial")).trim() === serial;
    } catch {
      return false;
    }
  });
}

/**
 * The block devices (`/dev/sdb`) on the same hub as the USB device with
 * `serial`, but not under it: an SDWire's card reader beside its controller.
 */
export function blockDevicesBeside(serial: string, sys = "/sys", dev = "/dev"): string[] {
  const found: string[] = [];
  for (const name of usbDevicesWithSerial(serial, sys)) {
    const device = realPath(join(sys, "bus/usb/devices", name));
    if (!device) continue;
    const hub = dirname(device);
    for (const block of entries(join(sys, "block"))) {
      const path = realPath(join(sys, "block", block));
      if (path?.startsWith(`${hub}/`) && !path.startsWith(`${device}/`)) {
        found.push(join(dev, block));
      }
    }
  }
  return found;
}

/** The `/dev/disk/by-id/` entries of whole disks whose name ends with `_<serial>-0:0`. */
export function diskByIdWithSerial(serial: string, byId = "/dev/disk/by-id"): string[] {
  return entries(byId).filter((name) => name.endsWith(`_${serial}-0:0`)).map((n) => join(byId, n));
}

/** The SCSI generic node (`/dev/sg2`) of the block device at `path`, if it has one. */
export function scsiGenericOf(path: string, sys = "/sys", dev = "/dev"): string | undefined {
  const block = basename(realPath(path) ?? path);
  const sg = entries(join(sys, "block", block, "device/scsi_generic"))[0];
  return sg === undefined ? undefined : join(dev, sg);
}
