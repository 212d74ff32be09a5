#!/usr/bin/env bash
# Builds the tiny QEMU guest the qemu driver's tests boot: a Debian kernel
# (linux-image-cloud-amd64, taken out of its .deb without installing it) and a
# busybox-static initramfs whose /init prints a login prompt on ttyS0 and gives
# a shell after any user name; the screen (tty1, shown when the board has a VGA
# display) gets the same prompt. No root filesystem; a virtio NIC driver is
# loaded but the network is left down (tests bring it up).
#
#   scripts/build_test_guest.sh [OUTDIR]      default OUTDIR: .cache/guest in the repo
#
# Writes OUTDIR/vmlinuz and OUTDIR/initrd.img. Idempotent: with both present and
# built by this version of the script it only says so (well under a second).
# Needs apt lists (apt-get update), dpkg, cpio, gzip; busybox-static installed
# or downloadable with apt-get.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$repo/.cache/guest}"
stamp="$(sha256sum "$0" | cut -c1-16)"

if [[ -f "$out/vmlinuz" && -f "$out/initrd.img" && "$(cat "$out/.stamp" 2>/dev/null)" == "$stamp" ]]; then
  echo "test guest is up to date in $out"
  exit 0
fi

fail() { echo "build_test_guest: $*" >&2; exit 1; }
for tool in apt-get apt-cache dpkg cpio gzip; do
  command -v "$tool" >/dev/null || fail "\"$tool\" is missing: install it (apt-get install -y ${tool/apt-*/apt})"
done

mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

kernel_pkg="$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image/{print $2; exit}')"
[[ -n "$kernel_pkg" ]] || fail "cannot resolve linux-image-cloud-amd64: run \"apt-get update\" first"

if [[ ! -f "$out/vmlinuz" || ! -f "$out/modules/virtio_net.ko" ||
  "$(cat "$out/.kernel" 2>/dev/null)" != "$kernel_pkg" ]]; then
  echo "downloading $kernel_pkg (not installed, only unpacked)"
  (cd "$work" && apt-get download -qq "$kernel_pkg" 2>&1 | grep -v "unsandboxed" || true)
  deb="$(ls "$work"/linux-image-*.deb 2>/dev/null | head -n1)"
  [[ -n "$deb" ]] || fail "apt-get download $kernel_pkg produced no .deb"
  dpkg -x "$deb" "$work/kernel"
  cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"
  rm -rf "$out/modules"
  mkdir -p "$out/modules"
  # virtio disk and NIC support is modular in the cloud kernel; keep the few modules /init loads.
  for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev \
    drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk \
    net/core/failover drivers/net/net_failover drivers/net/virtio_net; do
    cp "$work"/kernel/lib/modules/*/kernel/"$m".ko "$out/modules/"
  done
  echo "$kernel_pkg" >"$out/.kernel"
fi

busybox=""
if [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1; then
  busybox=/bin/busybox
else
  echo "downloading busybox-static (not installed, only unpacked)"
  (cd "$work" && apt-get download -qq busybox-static 2>&1 | grep -v "unsandboxed" || true)
  dpkg -x "$work"/busybox-static_*.deb "$work/busybox"
  busybox="$work/busybox/bin/busybox"
fi

root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [[ "$applet" == busybox ]] || ln -sf busybox "$root/bin/$applet"
done
cp "$out"/modules/*.ko "$root/lib/modules/"
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "jumpstarter-guest" >"$root/etc/hostname"

cat >"$root/init" <<'INIT'
#!/bin/sh
export PATH=/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk \
  failover net_failover virtio_net; do
  insmod /lib/modules/$m.ko 2>/dev/null
done
hostname -F /etc/hostname
# The same login prompt on the screen (tty1), for screen tests; ttyS0 is unchanged.
if [ -c /dev/tty1 ]; then
  (
    exec </dev/tty1 >/dev/tty1 2>&1
    printf '\nJumpstarter test guest (%s)\n' "$(uname -r)"
    while :; do
      printf '\n%s login: ' "$(hostname)"
      read -r user || { sleep 1; continue; }
      [ -n "$user" ] || continue
      USER="$user" PS1='\u@\h:\w# ' setsid sh -c 'cd /root; exec sh -i <>/dev/tty1 >&0 2>&1'
    done
  ) &
fi
echo
echo "Jumpstarter test guest ($(uname -r))"
while :; do
  printf '\n%s login: ' "$(hostname)"
  read -r user || { sleep 1; continue; }
  [ -n "$user" ] || continue
  export USER="$user" PS1='\u@\h:\w# '
  cd /root
  setsid cttyhack sh -i
done
INIT
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -6) >"$out/initrd.img.partial"
mv "$out/initrd.img.partial" "$out/initrd.img"
echo "$stamp" >"$out/.stamp"
echo "test guest built in $out: vmlinuz ($(du -h "$out/vmlinuz" | cut -f1)), initrd.img ($(du -h "$out/initrd.img" | cut -f1))"
