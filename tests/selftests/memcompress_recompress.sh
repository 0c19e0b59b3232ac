#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# memcompress recompression: pages written at level fast and left idle move to best in a
# background run, the compressed size falls and every byte reads back the same; a run
# under live I/O keeps the data intact; the end of a run is an event on the events group;
# bad requests (no such device, level none, 9 threads, a second run) are refused clearly.
# Policies: a time policy recompresses within seconds, a demand policy acts on reported
# pressure, a device with a policy reports limit hits (once); each as an event.
. "$(dirname "$0")/lib.sh"
require_module
PY=/usr/bin/python3
NLRAW=$(dirname "$0")/nlraw.py
EVENTS=$(dirname "$0")/mc_events.py
SOV_CMD_MC_RECOMPRESS=30 SOV_A_MC_ID=2 SOV_A_MC_THREADS=12
TMP=/tmp/sov-mc-recompress
DATA=$TMP/data

mc() { "$SOVCTL" memcompress "$@"; }
step() { echo "== $*"; }
# jget JSON EXPR: EXPR over the parsed JSON as d, e.g. 'd["devices"][0]["level"]'
jget() { $PY -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"; }
devices() { find /sys/block -maxdepth 1 -name 'sovz*' -printf '%f\n' | sort | tr '\n' ' '; }
stat_of() { jget "$(mc -j stats "$1")" "d[\"devices\"][0]$2"; }
# wait_idle DEV SECONDS: until DEV has no recompression run going on
wait_idle() {
	local i
	for ((i = 0; i < $2 * 5; i++)); do
		[ "$(stat_of "$1" '["recompression"]["running"]')" = False ] && return 0
		sleep 0.2
	done
	ksft_fail "the recompression run on $1 did not end in $2 s: $(mc stats "$1")"
}
# listen KIND COUNT SECONDS: events of KIND into $TMP/events in the background ($listener)
listen() {
	rm -f "$TMP/ready" "$TMP/events"
	"$PY" "$EVENTS" "$TMP/ready" "$3" "$2" "$1" >"$TMP/events" &
	listener=$!
	for ((i = 0; i < 50; i++)); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
	[ -e "$TMP/ready" ] || ksft_fail "the event listener did not start"
}
# heard WHAT: wait for the listener; its events in $ev
heard() {
	wait "$listener" || ksft_fail "no $1 event: $(cat "$TMP/events")"
	listener=
	ev=$(cat "$TMP/events")
}
sum() { dd if="$1" bs=1M count="$2" skip="${3:-0}" iflag=direct status=none | sha256sum | cut -d' ' -f1; }

cleanup() {
	[ -n "${listener:-}" ] && kill "$listener" 2>/dev/null
	[ -n "${io:-}" ] && kill "$io" 2>/dev/null
	wait 2>/dev/null
	local d
	for d in $(devices); do mc destroy "$d" >/dev/null 2>&1; done
	rm -rf "$TMP"
	return 0
}
on_exit cleanup

[ -z "$(devices)" ] || ksft_fail "memcompress devices exist before the test: $(devices)"
mkdir -p "$TMP"
# 8 MiB of text-like data: numbers, words and source code, compressible but not trivially
{ seq 1 1000000; cat "$SOV_ROOT"/kmod/zpage/*.c "$SOV_ROOT"/tools/sovctl/*.c; seq 7 3 900000; } |
	head -c $((8 << 20)) >"$DATA"
check_eq "$(stat -c %s "$DATA")" $((8 << 20)) "size of the test data"
want=$(sha256sum "$DATA" | cut -d' ' -f1)

step "refusals: no such device, level none, 9 threads"
out=$(mc recompress sovzbogus 2>&1) && ksft_fail "recompress on a bogus device succeeded"
check_contains "$out" "no such memcompress device" "recompress sovzbogus"
mc create size 32M level fast name sovz0 >/dev/null || ksft_fail "create failed"
out=$(mc recompress sovz0 level none 2>&1) && ksft_fail "recompress at level none succeeded"
check_contains "$out" "level none does not compress: expected fast, balanced or best" "level none"
rc=0; out=$(mc recompress sovz0 threads 9 2>&1) || rc=$?
check_eq "$rc" 2 "exit status of threads 9"
check_contains "$out" 'bad threads "9": expected 1 to 8' "threads 9"
out=$("$NLRAW" genl $SOV_CMD_MC_RECOMPRESS $SOV_A_MC_ID:u32=0 $SOV_A_MC_THREADS:u32=9)
check_contains "$out" "errno=34 msg=integer out of range" "raw recompress with 9 threads"
out=$(run_as_nobody "$SOVCTL" memcompress recompress sovz0 2>&1) &&
	ksft_fail "nobody started a recompression run"
check_contains "$out" "permission denied" "unprivileged recompress"
check_eq "$(stat_of sovz0 '["recompression"]["runs"]')" 0 "runs after the refusals"

step "8 MiB at level fast, idle 2 s, recompressed at best"
dd if="$DATA" of=/dev/sovz0 bs=1M oflag=direct status=none || ksft_fail "writing the data failed"
fast=$(stat_of sovz0 '["stats"]["level_pages"]["fast"]')
compr0=$(stat_of sovz0 '["stats"]["compr_bytes"]')
[ "$fast" -gt 1500 ] || ksft_fail "only $fast pages at level fast: $(mc stats sovz0)"
sleep 2
rm -f "$TMP/ready"
"$PY" "$EVENTS" "$TMP/ready" 120 >"$TMP/events" &
listener=$!
for ((i = 0; i < 50; i++)); do [ -e "$TMP/ready" ] && break; sleep 0.1; done
[ -e "$TMP/ready" ] || ksft_fail "the event listener did not start"
out=$(mc recompress sovz0 idle-age 1s level best threads 1) || ksft_fail "recompress failed: $out"
check_contains "$out" "sovz0: recompressing pages idle for 1s at best, 1 threads" "recompress output"
# a second run while this one goes on is refused
out=$(mc recompress sovz0 idle-age 1s 2>&1) && ksft_fail "a second run started while one ran"
check_contains "$out" "a recompression run is in progress on this device" "second run"
check_contains "$(mc status)" "recompressing" "status during the run"
wait_idle sovz0 120
wait "$listener" || ksft_fail "no recompress-done event: $(cat "$TMP/events")"
listener=
ev=$(cat "$TMP/events")
echo "event: $ev"
check_contains "$ev" "kind=recompress-done id=0 name=sovz0 running=0 level=3 idle_age=1 threads=1" "the event"
mc stats sovz0
$PY - "$(mc -j stats sovz0)" "$fast" "$compr0" <<'PYEOF' || ksft_fail "recompression did not do its job"
import json, sys
d = json.loads(sys.argv[1])["devices"][0]
s, r = d["stats"], d["recompression"]
fast, compr0 = int(sys.argv[2]), int(sys.argv[3])
lp = s["level_pages"]
assert r["runs"] == 1 and not r["running"] and r["level"] == "best", r
assert r["scanned"] == 8192, r	# every slot of 32 MiB
assert r["errors"] == 0, r
assert r["recompressed"] > fast // 2, (r, fast)
assert lp["best"] + lp["fast"] == fast and lp["best"] >= r["recompressed"], (lp, fast)
assert s["recompressed"] == r["recompressed"], (s, r)
assert s["compr_bytes"] < compr0, ("compressed bytes did not fall", s["compr_bytes"], compr0)
# best packs idle neighbours: 2 to 4 pages per pack
assert s["packs"] > 0 and 2 * s["packs"] <= s["packed_pages"] <= 4 * s["packs"], s
assert s["packed_pages"] <= lp["best"], (s["packed_pages"], lp)
print("compressed %d -> %d bytes, %d pages moved to best" % (compr0, s["compr_bytes"], lp["best"]))
PYEOF
check_eq "$(sum /dev/sovz0 8)" "$want" "data after recompression"
$PY - "$(mc -j stats sovz0)" <<'PYEOF' || ksft_fail "latency histograms are wrong: $(mc -j stats sovz0)"
import json, sys
d = json.loads(sys.argv[1])["devices"][0]
lat, s = d["latency"], d["stats"]
for k in ("read", "write"):
    h = lat[k]
    assert len(h["buckets"]) == 32 and sum(h["buckets"]) == h["count"], h
    assert 0 < h["p50_ns"] <= h["p99_ns"] <= h["max_ns"], h
assert lat["write"]["count"] >= s["writes"] // 256, (lat["write"], s)	# bios of up to 1 MiB
print("latency: read p50 <%d ns p99 <%d ns, write p50 <%d ns p99 <%d ns" % (
    lat["read"]["p50_ns"], lat["read"]["p99_ns"], lat["write"]["p50_ns"], lat["write"]["p99_ns"]))
PYEOF

step "recompression under live I/O keeps the data intact"
mc set sovz0 level fast || ksft_fail "set level fast failed"
dd if="$DATA" of=/dev/sovz0 bs=1M seek=8 oflag=direct status=none || ksft_fail "second copy failed"
if command -v fio >/dev/null; then
	fio --name=live --filename=/dev/sovz0 --offset=16M --size=16M --bs=4k --rw=randwrite \
		--direct=1 --ioengine=psync --verify=crc32c --verify_fatal=1 --do_verify=1 \
		--buffer_compress_percentage=70 --refill_buffers --loops=1 \
		--output="$TMP/fio.out" >/dev/null 2>&1 &
else
	( for i in 1 2 3 4 5 6; do
		dd if="$DATA" of=/dev/sovz0 bs=64k seek=$((16 << 4)) oflag=direct status=none || exit 1
		[ "$(sum /dev/sovz0 8 16)" = "$want" ] || exit 1
	done ) &
fi
io=$!
sleep 0.5
# at best, so that pages are packed (and unpacked by the writes) under the I/O
out=$(mc recompress sovz0 idle-age 0 level best threads 2) || ksft_fail "recompress under I/O failed: $out"
# readers of the recompressed region meanwhile
for i in 1 2 3; do
	check_eq "$(sum /dev/sovz0 8 8)" "$want" "second copy read during the run ($i)"
done
wait "$io" || ksft_fail "the live I/O failed verification: $(cat "$TMP/fio.out" 2>/dev/null)"
io=
wait_idle sovz0 180
check_eq "$(stat_of sovz0 '["recompression"]["errors"]')" 0 "errors of the run under I/O"
check_eq "$(sum /dev/sovz0 8)" "$want" "first copy after the run under I/O"
check_eq "$(sum /dev/sovz0 8 8)" "$want" "second copy after the run under I/O"
check_eq "$(stat_of sovz0 '["recompression"]["runs"]')" 2 "runs"

step "policies: refusals"
out=$(mc set sovz0 policy threshold 2>&1) && ksft_fail "a threshold policy without a bound was accepted"
check_contains "$out" "a threshold policy needs mem-bytes or ratio" "threshold without a bound"
rc=0; out=$(mc set sovz0 policy sometimes 2>&1) || rc=$?
check_eq "$rc" 2 "exit status of an unknown policy"
check_contains "$out" 'bad policy "sometimes"' "unknown policy"
out=$(run_as_nobody "$SOVCTL" memcompress pressure 2>&1) && ksft_fail "nobody reported pressure"
check_contains "$out" "permission denied" "unprivileged pressure"
check_eq "$(stat_of sovz0 '["policy"]["kinds"]')" "[]" "policy after the refusals"

step "a time policy with idle-age 1s recompresses within seconds"
mc create size 32M level fast name sovz1 >/dev/null || ksft_fail "create sovz1 failed"
dd if="$DATA" of=/dev/sovz1 bs=1M oflag=direct status=none || ksft_fail "writing sovz1 failed"
sleep 2
listen policy 1 20
mc set sovz1 policy time idle-age 1s level best || ksft_fail "set policy time failed"
heard policy
echo "event: $ev"
check_contains "$ev" "kind=policy id=1 name=sovz1 cause=time actions=recompress" "the policy event"
wait_idle sovz1 120
mc stats sovz1
$PY - "$(mc -j stats sovz1)" <<'PYEOF' || ksft_fail "the time policy did not recompress"
import json, sys
d = json.loads(sys.argv[1])["devices"][0]
p, s = d["policy"], d["stats"]
assert p["kinds"] == ["time"] and p["idle_age"] == 1 and p["level"] == "best", p
assert p["acted"] >= 1, p
assert s["recompressed"] > 1000 and s["level_pages"]["best"] > 1000, s
PYEOF
check_eq "$(sum /dev/sovz1 8)" "$want" "sovz1's data after the time policy"

step "a demand policy acts on reported pressure"
mc set sovz1 level fast policy demand idle-age 4s cooldown 1s || ksft_fail "set policy demand failed"
dd if="$DATA" of=/dev/sovz1 bs=1M seek=8 oflag=direct status=none || ksft_fail "rewrite failed"
sleep 2
listen policy 1 20
mc pressure || ksft_fail "pressure failed"
heard policy
echo "event: $ev"
check_contains "$ev" "kind=policy id=1 name=sovz1 cause=demand actions=recompress" "the demand event"
wait_idle sovz1 120
check_eq "$(sum /dev/sovz1 8)" "$want" "sovz1's data after the demand policy"
mc set sovz1 policy off || ksft_fail "policy off failed"
check_contains "$(mc stats sovz1)" "policy        none" "stats after policy off"

step "a device with a policy reports limit hits, once"
mc set sovz1 mem_limit 1M policy time idle-age 1h || ksft_fail "set mem_limit and policy failed"
listen limit 1 20
dd if=/dev/urandom of=/dev/sovz1 bs=1M count=8 oflag=direct status=none 2>/dev/null &&
	ksft_fail "8 MiB of random data fit under a 1 MiB limit"
heard limit
echo "event: $ev"
check_contains "$ev" "kind=limit id=1 name=sovz1" "the limit event"
# the pool is full: one more random block is one refused write (one bio), and one event
# (the device's limit work sends it; the policy's work must not send another)
sleep 1.5
hits=$(stat_of sovz1 '["stats"]["limit_hits"]')
listen limit 2 4
dd if=/dev/urandom of=/dev/sovz1 bs=4k count=1 seek=4000 oflag=direct status=none 2>/dev/null &&
	ksft_fail "a random block fit in a full pool"
wait "$listener" && ksft_fail "two limit events for one refused write: $(cat "$TMP/events")"
listener=
ev=$(cat "$TMP/events")
echo "event: $ev"
check_eq "$(stat_of sovz1 '["stats"]["limit_hits"]')" $((hits + 1)) "limit hits after one refused write"
check_contains "$ev" "kind=limit id=1 name=sovz1 limit_hits=$((hits + 1)) " "the limit event"
check_eq "$(grep -c kind=limit <<<"$ev")" 1 "limit events for one refused write"
mc destroy sovz1 || ksft_fail "destroy sovz1 with a policy failed"

step "destroy during a run stops it"
mc recompress sovz0 idle-age 0 level best threads 1 >/dev/null || ksft_fail "third run failed"
mc destroy sovz0 || ksft_fail "destroy during a run failed"
check_eq "$(devices)" "" "devices after destroy"
ksft_pass "recompression"
