# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# Sourced inside the VM (make shell, make run): load sovereign.ko, start
# sovereignd in the background, put our tools first on PATH.
export PATH=$PWD/build/bin:/usr/sbin:/usr/bin:/sbin:/bin
# insmod does not resolve dependencies: load the module's own (zsmalloc and the
# compressors memcompress calls: lz4_compress, lz4hc_compress, zstd_compress) first.
for dep in $(modinfo -F depends kmod/sovereign.ko 2>/dev/null | tr ',' ' '); do
	modprobe "$dep" || echo "up: modprobe $dep failed" >&2
done
insmod kmod/sovereign.ko || echo "up: insmod kmod/sovereign.ko failed" >&2
mkdir -p /run/sovereign
sovereignd >/tmp/sovereignd.log 2>&1 &
SOVEREIGND_PID=$!
for _ in $(seq 50); do [ -S /run/sovereign/ctl ] && break; sleep 0.2; done
[ -S /run/sovereign/ctl ] || { echo "up: sovereignd did not start:" >&2; cat /tmp/sovereignd.log >&2; }
echo "up: sovereign.ko loaded, sovereignd running (pid $SOVEREIGND_PID, log /tmp/sovereignd.log)"
