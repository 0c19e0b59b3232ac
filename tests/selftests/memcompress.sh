#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# memcompress end to end: bad input gets a clear error; /dev/sovz0 as the only swap of a
# memory hog in a cgroup (every byte checked after swap-in), stats that add up, EBUSY
# while swapped on; partial (unaligned) I/O and a level change on the raw device; writes
# refused by mem_limit sent as limit events (one a second) without a policy; ext4
# surviving a remount; 20 create/destroy cycles that leave nothing behind.
. "$(dirname "$0")/lib.sh"
require_module
require_cmd mkswap swapon swapoff
PY=/usr/bin/python3
NLRAW=$(dirname "$0")/nlraw.py
HOG=$(dirname "$0")/memhog.py
EVENTS=$(dirname "$0")/mc_events.py
SOV_CMD_MC_DEV_CREATE=25 SOV_A_MC_SIZE=4 SOV_A_MC_LEVEL=5
CG=/sys/fs/cgroup/sov-memcompress
MNT=/tmp/sov-memcompress-mnt
HOLD=/tmp/sov-memcompress-hold
EV=/tmp/sov-memcompress-events

mc() { "$SOVCTL" memcompress "$@"; }
step() { echo "== $*"; }
u64hex() { $PY -c 'import struct, sys; print(struct.pack("<Q", int(sys.argv[1])).hex())' "$1"; }
# jget JSON EXPR: EXPR over the parsed JSON as d, e.g. 'd["devices"][0]["level"]'
jget() { $PY -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"; }
devices() { find /sys/block -maxdepth 1 -name 'sovz*' -printf '%f\n' | sort | tr '\n' ' '; }
# listen SECONDS COUNT: up to COUNT limit events into $EV.out in the background ($listener)
listen() {
	rm -f "$EV.ready" "$EV.out"
	"$PY" "$EVENTS" "$EV.ready" "$1" "$2" limit >"$EV.out" &
	listener=$!
	for ((i = 0; i < 50; i++)); do [ -e "$EV.ready" ] && break; sleep 0.1; done
	[ -e "$EV.ready" ] || ksft_fail "the event listener did not start"
}

cleanup() {
	[ -n "${hog:-}" ] && kill "$hog" 2>/dev/null && wait "$hog"
	[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null && wait "$listener"
	rm -f "$HOLD" "$EV.ready" "$EV.out"
	swapoff /dev/sovz0 2>/dev/null
	mountpoint -q "$MNT" && umount "$MNT"
	rmdir "$MNT" 2>/dev/null
	[ -d "$CG" ] && rmdir "$CG"
	local d
	for d in $(devices); do mc destroy "$d" >/dev/null 2>&1; done
	return 0
}
on_exit cleanup

# The hog must swap to our device and to nothing else.
[ "$(awk 'NR > 1' /proc/swaps)" = "" ] || ksft_skip "another swap area is active: $(cat /proc/swaps)"
[ -z "$(devices)" ] || ksft_fail "memcompress devices exist before the test: $(devices)"

step "bad input: a clear error, nothing created"
out=$(mc create size 0 2>&1) && ksft_fail "size 0 was accepted"
check_contains "$out" "size must be a positive multiple of 4096 bytes" "create size 0"
out=$(mc create size 4097 2>&1) && ksft_fail "size 4097 was accepted"
check_contains "$out" "size must be a positive multiple of 4096 bytes" "create size 4097"
out=$(mc create size 2T 2>&1) && ksft_fail "size 2T was accepted"
check_contains "$out" "at most 1 TiB" "create size 2T"
rc=0; out=$(mc create size 2X 2>&1) || rc=$?
check_eq "$rc" 2 "exit status of a bad size"
check_contains "$out" 'bad size "2X"' "create size 2X"
rc=0; out=$(mc create size 16M level turbo 2>&1) || rc=$?
check_eq "$rc" 2 "exit status of an unknown level"
check_contains "$out" 'unknown level "turbo": expected none, fast, balanced or best' "level turbo"
# the kernel's own checks, without sovctl in the way
out=$("$NLRAW" genl $SOV_CMD_MC_DEV_CREATE $SOV_A_MC_SIZE:raw="$(u64hex 16777216)" $SOV_A_MC_LEVEL:u32=4)
check_contains "$out" "errno=34 msg=integer out of range" "raw create with level 4"
out=$("$NLRAW" genl $SOV_CMD_MC_DEV_CREATE $SOV_A_MC_LEVEL:u32=1)
check_contains "$out" "errno=22 msg=expected a size" "raw create without a size"
out=$(mc create size 16M name zram7 2>&1) && ksft_fail "name zram7 was accepted"
check_contains "$out" 'name must be "sovz" and the id' "create name zram7"
out=$(mc destroy 99 2>&1) && ksft_fail "destroying id 99 succeeded"
check_contains "$out" "no such memcompress device" "destroy 99"
out=$(mc destroy sovzbogus 2>&1) && ksft_fail "destroying sovzbogus succeeded"
check_contains "$out" "no such memcompress device" "destroy sovzbogus"
out=$(mc set sovz0 level best 2>&1) && ksft_fail "set on a missing device succeeded"
check_contains "$out" "no such memcompress device" "set on a missing device"
check_eq "$(devices)" "" "devices after refused requests"

step "create sovz0; unprivileged users may look but not create"
out=$(mc create size 256M level balanced name sovz0) || ksft_fail "create failed: $out"
check_contains "$out" "sovz0: created (id 0), 256.0 MiB, level balanced" "create output"
[ -b /dev/sovz0 ] || ksft_fail "/dev/sovz0 is not a block device"
check_eq "$(cat /sys/block/sovz0/queue/logical_block_size)" 4096 "logical block size"
check_eq "$(cat /sys/block/sovz0/queue/physical_block_size)" 4096 "physical block size"
check_eq "$(cat /sys/block/sovz0/queue/rotational)" 0 "rotational"
check_eq "$(cat /sys/block/sovz0/size)" $((256 << 11)) "size in sectors"
[ "$(cat /sys/block/sovz0/queue/discard_max_bytes)" -gt 0 ] || ksft_fail "no discard support"
out=$(mc create size 16M name sovz0 2>&1) && ksft_fail "a second sovz0 was created"
check_contains "$out" "a memcompress device of that name or id exists" "duplicate name"
out=$(run_as_nobody "$SOVCTL" memcompress create size 16M 2>&1) && ksft_fail "nobody created a device"
check_contains "$out" "permission denied" "unprivileged create"
out=$(run_as_nobody "$SOVCTL" memcompress status) || ksft_fail "unprivileged status failed: $out"
check_contains "$out" "sovz0" "unprivileged status"

step "swap on sovz0, then a hog of 200 MiB under memory.max 64M"
mkswap /dev/sovz0 >/dev/null || ksft_fail "mkswap failed"
swapon /dev/sovz0 || ksft_fail "swapon failed"
check_eq "$(awk 'NR > 1 {print $1}' /proc/swaps)" /dev/sovz0 "the only swap area"

out=$(mc destroy sovz0 2>&1) && ksft_fail "destroying a swapped-on device succeeded"
check_contains "$out" "device sovz0 is in use (mounted or swapped on)" "destroy while swapped on"
[ -b /dev/sovz0 ] || ksft_fail "sovz0 vanished after a refused destroy"
check_eq "$(jget "$(mc -j status)" 'd["devices"][0]["openers"] > 0')" True "openers while swapped on"

grep -qw memory /sys/fs/cgroup/cgroup.controllers || ksft_skip "no memory cgroup controller"
echo +memory >/sys/fs/cgroup/cgroup.subtree_control || ksft_fail "cannot enable the memory controller"
mkdir "$CG" || ksft_fail "cannot create $CG"
echo 64M >"$CG/memory.max" || ksft_fail "cannot set memory.max"
rm -f "$HOLD"
bash -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3" 200 --hold "$4"' _ "$CG" "$PY" "$HOG" "$HOLD" \
	>/tmp/sov-memhog.out 2>&1 &
hog=$!
for _ in $(seq 1200); do
	[ -e "$HOLD" ] && break
	kill -0 $hog 2>/dev/null || break
	sleep 0.2
done
cat /tmp/sov-memhog.out
[ -e "$HOLD" ] || { wait $hog; ksft_fail "the hog failed (exit $?)"; }
check_contains "$(cat /tmp/sov-memhog.out)" ": 0 bad pages" "hog verification"
check_eq "$(awk '$1 == "max" {print ($2 > 0)}' "$CG/memory.events")" 1 "the cgroup hit memory.max"

step "stats while the hog's pages are on sovz0"
json=$(mc -j stats sovz0) || ksft_fail "stats failed"
mc stats sovz0
$PY - "$json" <<'EOF' || ksft_fail "stats do not add up: $json"
import json, sys
d = json.loads(sys.argv[1])["devices"][0]
s = d["stats"]
lv = s["level_pages"]
assert d["name"] == "sovz0" and d["level"] == "balanced", d
assert s["pages"] > 10000, "pages %d: the hog's pages are not on the device" % s["pages"]
assert s["orig_bytes"] == s["pages"] * 4096, s
assert s["orig_bytes"] >= s["compr_bytes"] > 0, s
assert s["mem_used"] > 0 and s["mem_used_max"] >= s["mem_used"], s
# the hog's pages are 1 in 8 same-filled, 1 in 8 random (huge), the rest text
assert s["same_pages"] > s["pages"] // 16, "too few same-filled pages: %s" % s
assert s["huge_pages"] > s["pages"] // 16, "too few huge pages: %s" % s
assert s["pages"] == s["same_pages"] + sum(lv.values()), s
assert lv["balanced"] > 0 and lv["none"] == lv["fast"] == lv["best"] == 0, lv
assert s["writes"] >= s["pages"] and s["reads"] > 0, s
assert s["failed_writes"] == 0 and s["failed_reads"] == 0 and s["limit_hits"] == 0, s
assert s["ratio_x100"] > 150, "ratio %d/100 on mostly text pages" % s["ratio_x100"]
EOF
rm -f "$HOLD"
wait $hog || ksft_fail "the hog exited with $?"
# freed swap slots are dropped from the store at once (swap_slot_free_notify)
json=$(mc -j stats sovz0)
check_eq "$(jget "$json" 'd["devices"][0]["stats"]["discards"] > 10000')" True "discards after the hog exited"
out=$(mc compact sovz0) || ksft_fail "compact failed: $out"
check_contains "$out" "sovz0: compacted" "compact"

step "swapoff, destroy"
swapoff /dev/sovz0 || ksft_fail "swapoff failed"
mc destroy sovz0 || ksft_fail "destroy after swapoff failed"
[ -e /dev/sovz0 ] && ksft_fail "/dev/sovz0 still exists"
rmdir "$CG"

step "raw device: unaligned buffers, discard, a level change under data"
mc create size 32M level fast >/dev/null || ksft_fail "create sovz0 (fast) failed"
$PY - "$SOVCTL" <<'EOF' || ksft_fail "raw I/O check failed"
import mmap, os, subprocess, sys
fd = os.open("/dev/sovz0", os.O_RDWR | os.O_DIRECT)
def io(write, off, data_or_len, skew):
    # O_DIRECT from a buffer 512 bytes off a page: every block spans two pages
    n = len(data_or_len) if write else data_or_len
    m = mmap.mmap(-1, n + 4096)
    b = memoryview(m)[skew:skew + n]
    if write:
        b[:] = data_or_len
        os.pwritev(fd, [b], off)
        return None
    os.preadv(fd, [b], off)
    return bytes(b)
text = b"".join(b"block %06d of the level check\n" % i for i in range(300000))
a = text[:4 << 20]
b = os.urandom(1 << 20) + text[4 << 20:7 << 20]
io(True, 0, a, 512)
if subprocess.run([sys.argv[1], "memcompress", "set", "sovz0", "level", "best"]).returncode:
    sys.exit("set level best failed")
io(True, 8 << 20, b, 1024)
assert io(False, 0, len(a), 3584) == a, "first region (fast) differs"
assert io(False, 8 << 20, len(b), 512) == b, "second region (best) differs"
assert io(False, 16 << 20, 65536, 0) == bytes(65536), "never written blocks are not zero"
EOF
json=$(mc -j stats sovz0)
check_eq "$(jget "$json" 'd["devices"][0]["level"]')" best "level after set"
check_eq "$(jget "$json" '[d["devices"][0]["stats"]["level_pages"][k] > 0 for k in ("fast", "best")]')" \
	"[True, True]" "pages written at fast and at best"
blkdiscard /dev/sovz0 2>/dev/null || ksft_fail "blkdiscard failed"
check_eq "$(jget "$(mc -j stats sovz0)" 'd["devices"][0]["stats"]["pages"]')" 0 "pages after blkdiscard"
mc destroy sovz0 || ksft_fail "destroy failed"

step "mem_limit: writes past it fail, are counted and sent as events (no policy); set notifies"
mc create size 64M mem_limit 1M >/dev/null || ksft_fail "create with mem_limit failed"
check_eq "$(jget "$(mc -j status)" 'd["devices"][0]["mem_limit"]')" 1048576 "mem_limit in status"
check_contains "$(mc stats sovz0)" "policy        none" "the device's policy"
listen 10 1
dd if=/dev/urandom of=/dev/sovz0 bs=1M count=8 oflag=direct status=none 2>/dev/null &&
	ksft_fail "8 MiB of random data fit under a 1 MiB limit"
wait "$listener" || ksft_fail "no limit event from a device without a policy: $(cat "$EV.out")"
listener=
echo "event: $(cat "$EV.out")"
check_contains "$(cat "$EV.out")" "kind=limit id=0 name=sovz0 limit_hits=" "the limit event"
grep -q "limit_hits=0 " "$EV.out" && ksft_fail "a limit event with no limit hit: $(cat "$EV.out")"
# 4 s of refused writes (a random block over and over): an event a second, not one per write
listen 4.5 100
refused=$($PY - <<'EOF'
import mmap, os, time
fd = os.open("/dev/sovz0", os.O_WRONLY | os.O_DIRECT)
buf = mmap.mmap(-1, 4096)	# page aligned, as O_DIRECT wants
buf.write(os.urandom(4096))
n, end = 0, time.monotonic() + 4
while time.monotonic() < end:
    try:
        os.pwrite(fd, buf, 0)
    except OSError:
        n += 1
print(n)
EOF
)
wait "$listener"	# it wanted 100 events: exit 1
listener=
echo "limit events during $refused refused writes in 4 s:"
cat "$EV.out"
$PY - "$EV.out" "$refused" <<'EOF' || ksft_fail "limit events are not one a second: $(cat "$EV.out")"
import re, sys
out, refused = open(sys.argv[1]).read(), int(sys.argv[2])
assert refused >= 20, "only %d writes were refused in 4 s" % refused
t = [float(x) for x in re.findall(r" t=([0-9.]+)", out)]
assert 2 <= len(t) <= 5, "%d events in 4.5 s" % len(t)
gaps = [b - a for a, b in zip(t, t[1:])]
assert min(gaps) > 0.8, "events %s s apart" % gaps
hits = [int(x) for x in re.findall(r" limit_hits=([0-9]+)", out)]
assert hits == sorted(set(hits)), "limit_hits %s: each event counts new refusals" % hits
EOF
$PY - "$(mc -j stats sovz0)" <<'EOF' || ksft_fail "limit counters are wrong: $(mc -j stats sovz0)"
import json, sys
s = json.loads(sys.argv[1])["devices"][0]["stats"]
assert s["limit_hits"] > 0 and s["failed_writes"] >= s["limit_hits"], s
assert s["mem_used_max"] < 2 << 20, "mem_used_max %d above the limit" % s["mem_used_max"]
EOF
# a listener on the "events" group sees SOV_CMD_MC_DEV_NTF with the new state
$PY - "$SOVCTL" <<'EOF' || ksft_fail "no notification for set"
import socket, struct, subprocess, sys
def attrs(b):
    out, off = {}, 0
    while off + 4 <= len(b):
        ln, t = struct.unpack_from("HH", b, off)
        if ln < 4:
            break
        out[t & 0x3fff] = b[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)	# NETLINK_GENERIC
s.bind((0, 0))
name = b"sovereign\0\0\0"
a = struct.pack("HH", 14, 2) + name	# CTRL_ATTR_FAMILY_NAME
s.send(struct.pack("IHHII", 20 + len(a), 16, 1, 1, 0) + struct.pack("BBH", 3, 1, 0) + a)
ctrl = attrs(s.recv(65536)[20:])
groups = [attrs(g) for g in attrs(ctrl[7]).values()]	# CTRL_ATTR_MCAST_GROUPS
group = [struct.unpack("I", g[2])[0] for g in groups if g[1].rstrip(b"\0") == b"events"][0]
s.setsockopt(270, 1, group)	# SOL_NETLINK, NETLINK_ADD_MEMBERSHIP
if subprocess.run([sys.argv[1], "memcompress", "set", "sovz0", "mem_limit", "none",
                   "level", "fast"]).returncode:
    sys.exit("set failed")
s.settimeout(10)
msg = s.recv(65536)
at = attrs(msg[20:struct.unpack_from("I", msg)[0]])
assert msg[16] == 28, "command %d, expected SOV_CMD_MC_DEV_NTF (28)" % msg[16]
assert at[3].rstrip(b"\0") == b"sovz0", at
assert struct.unpack("I", at[5])[0] == 1, "level in the notification"
assert struct.unpack("Q", at[6])[0] == 0, "mem_limit in the notification"
EOF
dd if=/dev/urandom of=/dev/sovz0 bs=1M count=8 oflag=direct status=none ||
	ksft_fail "writing after the limit was lifted failed"
mc destroy sovz0 || ksft_fail "destroy failed"

if command -v mkfs.ext4 >/dev/null; then
	step "ext4 on sovzfs survives a remount; EBUSY while mounted"
	mc create size 64M name sovzfs >/dev/null || ksft_fail "create sovzfs failed"
	mkfs.ext4 -q -F /dev/sovzfs || ksft_fail "mkfs.ext4 failed"
	mkdir -p "$MNT"
	mount -t ext4 /dev/sovzfs "$MNT" || ksft_fail "mount failed"
	head -c 3000000 /dev/urandom >"$MNT/random"
	seq 1 200000 >"$MNT/numbers"
	cp -r "$SOV_ROOT/kmod" "$MNT/kmod"
	sums=$(cd "$MNT" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
	out=$(mc destroy sovzfs 2>&1) && ksft_fail "destroying a mounted device succeeded"
	check_contains "$out" "device sovzfs is in use (mounted or swapped on)" "destroy while mounted"
	umount "$MNT" || ksft_fail "umount failed"
	mount -t ext4 /dev/sovzfs "$MNT" || ksft_fail "second mount failed"
	check_eq "$(cd "$MNT" && find . -type f -print0 | sort -z | xargs -0 sha256sum)" "$sums" \
		"files after the remount"
	umount "$MNT" || ksft_fail "second umount failed"
	mc destroy sovzfs || ksft_fail "destroy sovzfs failed"
else
	echo "mkfs.ext4 not available: ext4 check skipped"
fi

step "256 devices, the most there can be: a dump that spans several messages"
$PY - "$SOVCTL" <<'EOF' || ksft_fail "256 devices: see above"
import json, socket, struct, subprocess, sys
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)	# NETLINK_GENERIC
s.setsockopt(270, 11, 1)	# NETLINK_EXT_ACK
s.setsockopt(270, 10, 1)	# NETLINK_CAP_ACK: the ack quotes only our header
s.bind((0, 0))
def attrs(b):
    out, off = {}, 0
    while off + 4 <= len(b):
        ln, t = struct.unpack_from("HH", b, off)
        if ln < 4:
            break
        out[t & 0x3fff] = b[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out
def request(ftype, cmd, payload, seq):
    s.send(struct.pack("IHHII", 20 + len(payload), ftype, 5, seq, 0) +
           struct.pack("BBH", cmd, 1, 0) + payload)
    reply = None
    while True:	# the reply (if any), then the ack
        m = s.recv(65536)
        if struct.unpack_from("H", m, 4)[0] == 2:
            err = -struct.unpack_from("i", m, 16)[0]
            msg = attrs(m[20 + 16:]).get(1, b"").rstrip(b"\0").decode()
            return err, msg, reply
        reply = attrs(m[20:])
fam = struct.unpack("H", request(16, 3, struct.pack("HH", 14, 2) + b"sovereign\0\0\0", 1)[2][1][:2])[0]
size = struct.pack("HH", 12, 4) + struct.pack("Q", 4096)	# SOV_A_MC_SIZE
for i in range(256):
    err, msg, _ = request(fam, 25, size, 10 + i)
    if err:
        sys.exit("create #%d: errno %d %s" % (i, err, msg))
err, msg, _ = request(fam, 25, size, 300)
assert err == 28 and msg == "too many memcompress devices: at most 256", (err, msg)
out = subprocess.run([sys.argv[1], "-j", "memcompress", "status"], capture_output=True, text=True)
ids = [d["id"] for d in json.loads(out.stdout)["devices"]]
assert ids == list(range(256)), "the dump listed %d devices: %s" % (len(ids), ids)
for i in range(256):
    err, msg, _ = request(fam, 26, struct.pack("HHI", 8, 2, i), 400 + i)	# SOV_A_MC_ID
    if err:
        sys.exit("destroy %d: errno %d %s" % (i, err, msg))
EOF
check_eq "$(devices)" "" "devices left after 256"

step "20 create/destroy cycles"
for i in $(seq 20); do
	mc create size 16M level "$(((i % 4)))" >/dev/null || ksft_fail "create #$i failed"
	dd if=/dev/urandom of=/dev/sovz0 bs=64k count=16 oflag=direct status=none ||
		ksft_fail "write #$i failed"
	mc destroy sovz0 || ksft_fail "destroy #$i failed"
done
check_eq "$(devices)" "" "devices left behind"
check_contains "$(mc status)" "no memcompress devices" "status after the cycles"
ksft_pass "memcompress: swap, stats, EBUSY, raw and ext4 I/O, bad input, 20 cycles"
