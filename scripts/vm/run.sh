#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the Sovereign test VM (QEMU, Debian 6.1 kernel, busybox initramfs) and run a command
# as root inside a chroot of the host's own root, overlaid with a RAM-backed writable layer,
# so the host's tools and our build are at the same absolute paths.
#
#   scripts/vm/run.sh [--out DIR] [--timeout SEC] [--mem MB] -- COMMAND...
#       Run COMMAND (a shell command line for bash) with cwd = the repo root, then power off.
#       Exits with COMMAND's status; 124 on timeout; 125 if the VM never reported a status
#       (boot failure, panic, QEMU error); 2 on a usage error.
#   scripts/vm/run.sh [--out DIR] [--mem MB] --shell
#       Interactive bash in the VM (^A x kills it). Without a terminal on stdin, stdin is
#       run as a script instead, so `run.sh --shell </dev/null` just boots and powers off.
#   --setup CMD runs CMD (sourced, in the repo root) before the command or the shell.
#
# In the guest: SOV_VM=1, SOV_VM_OUT=/sov-out (the host's --out DIR, default build/vm/out,
# writable 9p), SOV_KREL=<guest kernel release>; host variables named SOV_*, SOVCTL,
# SOVEREIGND, KSFT_* and CI are passed through. /sov-out also gets exit-status, dmesg.log,
# and (on the host side only) console.log, the full serial console.
# Environment: SOV_VM_KERNEL (kernel image; default newest /boot/vmlinuz-6.1.*),
# SOV_VM_TIMEOUT (600), SOV_VM_MEM (1024), SOV_VM_SMP (2), SOV_VM_QEMU (qemu-system-x86_64),
# SOV_VM_CMDLINE (extra kernel parameters), SOV_VM_QEMU_ARGS (extra QEMU arguments, split
# on spaces), SOV_VM_ACCEL (tcg; kvm where it works), SOV_VM_PVH (1: boot the unpacked
# vmlinux through PVH when the kernel config has CONFIG_PVH; 0: boot the bzImage as is).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
GUEST_OUT=/sov-out

usage() {
	sed -n '/^#   scripts/,/^# *$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
die() { echo "run.sh: $*" >&2; exit 125; }

out=$root/build/vm/out
timeout=${SOV_VM_TIMEOUT:-600}
timeout_set=0
mem=${SOV_VM_MEM:-1024}
smp=${SOV_VM_SMP:-2}
mode=run
setup=:
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; timeout_set=1; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--shell) mode=shell; shift ;;
	--setup) setup=${2:?}; shift 2 ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown option '$1'" >&2; usage ;;
	esac
done
case $timeout in ''|*[!0-9]*) echo "run.sh: --timeout wants seconds" >&2; exit 2 ;; esac
if [ $mode = run ]; then
	[ $# -gt 0 ] || { echo "run.sh: no COMMAND given" >&2; usage; }
	cmd="$*"
else
	[ $# -eq 0 ] || { echo "run.sh: --shell takes no COMMAND" >&2; exit 2; }
	if [ ! -t 0 ]; then
		# No terminal: a guest shell would wait forever on the serial line.
		echo "run.sh: --shell without a terminal: running stdin as a script" >&2
		cmd=$(cat)
		mode=run
	elif [ $timeout_set = 0 ]; then
		timeout=0	# interactive: no limit unless asked for
	fi
fi

# --- kernel ---
kernel=${SOV_VM_KERNEL:-$(ls -1 /boot/vmlinuz-6.1.* 2>/dev/null | sort -V | tail -n 1)}
[ -n "$kernel" ] && [ -r "$kernel" ] || die "no kernel image (set SOV_VM_KERNEL or install linux-image-amd64)"
# The release string sits in the bzImage header: u16 at 0x20e points to it, minus 0x200.
ptr=$(od -An -tu2 -j $((0x20e)) -N2 "$kernel" | tr -d ' ')
krel=$(dd if="$kernel" bs=1 skip=$((ptr + 0x200)) count=200 2>/dev/null | tr '\0' ' ' | cut -d' ' -f1)
[ -n "$krel" ] && [ -d "/lib/modules/$krel" ] || die "kernel $kernel: release '$krel' has no /lib/modules/$krel"

initrd=$root/build/vm/initramfs-$krel.cpio.gz
"$here/mkinitramfs.sh" "$initrd" "$krel" || die "initramfs build failed"

# Boot the uncompressed ELF kernel through its PVH entry where the kernel has one: under
# TCG the bzImage's own xz decompression costs ~3 s of every boot. Extracted once.
extract_vmlinux() { # BZIMAGE OUT: unpack the first compressed payload that yields an ELF
	local magic unpack off
	for magic in '\xfd7zXZ\x00:xz -dc --single-stream' '\x28\xb5\x2f\xfd:zstd -dcq' '\x1f\x8b\x08:gzip -dc'; do
		unpack=${magic#*:} magic=${magic%%:*}
		off=$(LC_ALL=C grep -obUaP -m1 "$magic" "$1" 2>/dev/null | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || continue
		tail -c +$((off + 1)) "$1" | $unpack >"$2" 2>/dev/null
		[ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
	done
	return 1
}
boot_kernel=$kernel
if [ "${SOV_VM_PVH:-1}" = 1 ] && grep -qs '^CONFIG_PVH=y' "/boot/config-$krel"; then
	vmlinux=$root/build/vm/vmlinux-$krel
	if [ ! "$vmlinux" -nt "$kernel" ]; then
		rm -f "$vmlinux"
		if extract_vmlinux "$kernel" "$vmlinux.tmp"; then
			mv -f "$vmlinux.tmp" "$vmlinux"
		else
			rm -f "$vmlinux.tmp"
			echo "run.sh: cannot unpack $kernel; booting it compressed (slower)" >&2
		fi
	fi
	[ -f "$vmlinux" ] && boot_kernel=$vmlinux
fi

# --- results share and the files that tell the guest what to do ---
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
rm -f "$out/exit-status" "$out/dmesg.log" "$out/console.log" "$out/.sov-env" "$out/.sov-run" "$out/.sov-rc"
{
	echo "# generated by scripts/vm/run.sh"
	echo "export SOV_VM=1 SOV_VM_OUT=$GUEST_OUT SOV_KREL=\$(uname -r)"
	while IFS='=' read -r name _; do
		case $name in
		SOV_VM_OUT|SOV_KREL|SOV_VM) ;;
		SOV_*|SOVCTL|SOVEREIGND|KSFT_*|CI) printf 'export %s=%q\n' "$name" "${!name}" ;;
		esac
	done < <(env)
	printf 'cd %q || exit 125\n' "$root"
} >"$out/.sov-env"
if [ $mode = run ]; then
	printf '. %s/.sov-env\n%s\n%s\n' "$GUEST_OUT" "$setup" "$cmd" >"$out/.sov-run"
else
	rows=$(stty size 2>/dev/null | cut -d' ' -f1) cols=$(stty size 2>/dev/null | cut -d' ' -f2)
	{
		echo "[ -r /etc/bash.bashrc ] && . /etc/bash.bashrc"
		echo ". $GUEST_OUT/.sov-env"
		echo "$setup"
		printf 'export TERM=%q\n' "${TERM:-vt100}"
		[ -n "$rows" ] && echo "stty rows $rows cols $cols 2>/dev/null"
		echo "PS1='(sov-vm) \\w\\\$ '"
		echo "echo 'sov-vm: kernel '\$SOV_KREL', results in '\$SOV_VM_OUT'; exit or ^D powers off'"
	} >"$out/.sov-rc"
fi

# --- QEMU ---
qemu=${SOV_VM_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found (apt-get install qemu-system-x86)"
# TCG by default: /dev/kvm may exist yet not work (nested virt here aborts or hangs).
case ${SOV_VM_ACCEL:-tcg} in
kvm) accel=(-accel kvm -cpu host) ;;
*) accel=(-accel tcg) ;;
esac
# quiet + loglevel=3: only errors on the console, the rest stays in dmesg.
# slab_nomerge: every kmem cache keeps its own /proc/slabinfo line (the leak check needs it).
append="console=ttyS0 panic=-1 quiet loglevel=3 slab_nomerge mitigations=off"
append+=" i8042.noaux i8042.nomux i8042.nopnp sov.mode=$mode ${SOV_VM_CMDLINE:-}"
# shellcheck disable=SC2054,SC2206 # commas are QEMU syntax; QEMU_ARGS is split on purpose
args=(
	"${accel[@]}" -smp "$smp" -m "$mem" -nodefaults -no-user-config -display none -vga none
	${SOV_VM_QEMU_ARGS:-} -no-reboot -kernel "$boot_kernel" -initrd "$initrd" -append "$append"
	-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap
	-virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap"
)
if [ $mode = shell ]; then
	# Terminal: raw mode, ^C goes to the guest, ^A x / ^A c reach QEMU.
	# shellcheck disable=SC2054
	args+=(-chardev "stdio,id=con,mux=on,signal=off,logfile=$out/console.log"
		-serial chardev:con -mon chardev=con,mode=readline)
	echo "run.sh: booting $krel; ^A x kills the VM" >&2
else
	# No monitor and stdin from /dev/null: nothing reads the terminal, ^C stops QEMU.
	args+=(-chardev "stdio,id=con,logfile=$out/console.log" -serial chardev:con -monitor none)
fi

stty_saved=
[ -t 0 ] && stty_saved=$(stty -g 2>/dev/null || true)
qpid=
# shellcheck disable=SC2317 # run from the EXIT trap
cleanup() {
	# qpid is timeout(1): TERM makes it stop QEMU (and SIGKILL it 10 s later if need be).
	if [ -n "$qpid" ]; then
		kill -TERM "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	[ -n "$stty_saved" ] && stty "$stty_saved" 2>/dev/null
	return 0
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

start=$SECONDS
if [ $mode = shell ]; then
	# Foreground so QEMU owns the terminal; `timeout --foreground` keeps it in our pgrp.
	set +e
	if [ "$timeout" -gt 0 ]; then
		timeout --foreground -k 10 "$timeout" "$qemu" "${args[@]}"
	else
		"$qemu" "${args[@]}"
	fi
	qrc=$?
	set -e
else
	# In the background (with wait) so our INT/TERM trap runs at once and stops QEMU.
	# --foreground keeps QEMU in our process group, so a ^C reaches it too.
	timeout --foreground -k 10 "$timeout" "$qemu" "${args[@]}" </dev/null &
	qpid=$!
	set +e
	wait "$qpid"
	qrc=$?
	set -e
	qpid=
fi
[ -n "$stty_saved" ] && stty "$stty_saved" 2>/dev/null
elapsed=$((SECONDS - start))

if [ -f "$out/exit-status" ]; then
	rc=$(cat "$out/exit-status")
	case $rc in ''|*[!0-9]*) die "bad exit-status '$rc' from the VM" ;; esac
	exit "$rc"
fi
if [ "$timeout" -gt 0 ] && { [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; }; then
	echo >&2
	echo "run.sh: TIMEOUT: the VM did not finish within ${timeout}s; QEMU killed (console: $out/console.log)" >&2
	exit 124
fi
echo >&2
echo "run.sh: the VM stopped after ${elapsed}s without reporting an exit status (QEMU exit $qrc: boot failure or kernel panic?); console: $out/console.log" >&2
exit 125
