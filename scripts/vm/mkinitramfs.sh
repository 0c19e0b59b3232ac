#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the test VM's initramfs: busybox-static, scripts/vm/init, and the few modules the
# guest needs before it can reach the host's root over 9p.
#   scripts/vm/mkinitramfs.sh OUT.cpio.gz [KREL]
# KREL defaults to the newest /boot/vmlinuz-6.1.*. run.sh calls this on every boot, so it
# returns at once when OUT is newer than all of its inputs (recorded in OUT.stamp).
set -euo pipefail

usage() { echo "usage: $0 OUT.cpio.gz [KREL]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
out=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

if [ $# -eq 2 ]; then
	krel=$2
else
	img=$(ls -1 /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$img" ] || { echo "mkinitramfs: no /boot/vmlinuz-6.1.* (apt-get install linux-image-amd64)" >&2; exit 1; }
	krel=${img#/boot/vmlinuz-}
fi
moddir=/lib/modules/$krel
[ -d "$moddir" ] || { echo "mkinitramfs: $moddir missing: no modules for kernel $krel" >&2; exit 1; }

# Load order matters: busybox insmod does not resolve dependencies.
MODULES=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
	netfs fscache 9pnet 9pnet_virtio 9p overlay)

busybox=/bin/busybox
# A dynamic busybox (package busybox) would find no libc in the initramfs.
[ -x "$busybox" ] && ! readelf -l "$busybox" 2>/dev/null | grep 'program interpreter' >/dev/null ||
	{ echo "mkinitramfs: $busybox missing or not static (apt-get install busybox-static)" >&2; exit 1; }

# Resolve each module to a file; a module built into this kernel needs nothing.
declare -a mod_files=() mod_names=()
for m in "${MODULES[@]}"; do
	f=$(modinfo -k "$krel" -n "$m" 2>/dev/null || true)
	if [ -f "$f" ]; then
		mod_files+=("$f")
		mod_names+=("$m")
	elif grep -q "/$m.ko" "$moddir/modules.builtin" 2>/dev/null || [ "$f" = "(builtin)" ]; then
		continue
	else
		echo "mkinitramfs: module $m not found for kernel $krel" >&2
		exit 1
	fi
done

# Stamp = every input with its mtime and size; rebuild only when it changes.
stamp_now=$(
	echo "krel $krel"
	stat -L -c '%n %Y %s' "$busybox" "$here/init" "$here/mkinitramfs.sh" "${mod_files[@]}"
)
if [ -f "$out" ] && [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp_now" ]; then
	exit 0
fi

echo "mkinitramfs: building $out for $krel" >&2
mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "${out}.stage.XXXXXX")
trap 'rm -rf "$stage" "$out.tmp"' EXIT

mkdir -p "$stage"/{bin,sbin,dev,proc,sys,mnt,modules,etc}
cp "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$stage/bin/$applet"
done
install -m 0755 "$here/init" "$stage/init"

# Kernel-side insmod of 6.1 takes no compressed modules: unpack .ko.{xz,zst,gz} here.
for i in "${!mod_files[@]}"; do
	f=${mod_files[$i]} dst="$stage/modules/${mod_names[$i]}.ko"
	case $f in
	*.ko.xz) xz -dc "$f" >"$dst" ;;
	*.ko.zst) zstd -qdc "$f" >"$dst" ;;
	*.ko.gz) gzip -dc "$f" >"$dst" ;;
	*) cp "$f" "$dst" ;;
	esac
	echo "${mod_names[$i]}" >>"$stage/modules/order"
done

# The kernel's module autoloader runs this (see init): use the host's modprobe in the chroot.
cat >"$stage/sbin/sov-modprobe" <<'EOF'
#!/bin/sh
exec /bin/chroot /mnt/root /sbin/modprobe "$@"
EOF
chmod 0755 "$stage/sbin/sov-modprobe"

(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$out.tmp"
mv -f "$out.tmp" "$out"
echo "$stamp_now" >"$out.stamp"
