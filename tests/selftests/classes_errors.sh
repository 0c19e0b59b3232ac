#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The sov qdisc (kmod/sched) refuses what it cannot do, with the reason: the tc plugin's
# parse errors (exit status 1, the option named, nothing sent), the kernel's extack through
# tc (exit status 2) and, hand-built with classes_nl.py, every malformed option the plugin
# never sends (errno, the attribute the error points at, the policy's range, the text).
# A refused request changes nothing. Then load/unload: rmmod is refused while a sov qdisc
# exists anywhere, and works once the last one is gone (qdisc del, netns del).
#
#   netns sovclserr (no traffic)
#   +----------------------------------------------+
#   |  ea ======== veth ======== eb                 |
#   |  root 1: sov                root 1: sov       |
#   |    1:1 ... 1:8              (for load/unload) |
#   +----------------------------------------------+
. "$(dirname "$0")/lib.sh"
require_module
PY=/usr/bin/python3
NL=$(dirname "$0")/classes_nl.py
NS=sovclserr
KO=${SOV_KO:-$SOV_ROOT/kmod/sovereign.ko}
export TC_LIB_DIR=$SOV_ROOT/build/lib/tc
[ -f "$TC_LIB_DIR/q_sov.so" ] || ksft_fail "$TC_LIB_DIR/q_sov.so is missing: build it (make)"

step() { echo "== $*"; }
tcn() { "$TC" -n $NS "$@"; }
# jget JSON EXPR: EXPR over the parsed JSON as d
jget() { $PY -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"; }
# nlq DEV qdisc|class EXPR: EXPR over the kernel's dump of DEV's sov qdisc or classes as d,
# a list (classes_nl.py show; tc 6.1 prints classes in text only), c[H] the class of handle H
nlq() {
	$PY -c 'import sys; sys.path.insert(0, sys.argv[1]); import classes_nl
d = classes_nl.dump(sys.argv[3], sys.argv[4], sys.argv[2]); c = {x["handle"]: x for x in d}
print(eval(sys.argv[5]))' "$(dirname "$NL")" $NS "$@"
}
refcnt() { cat /sys/module/sovereign/refcnt; }

cleanup() {
	$IP netns del $NS 2>/dev/null
	# a failed step may leave the module out: the runner expects it loaded
	[ -d /sys/module/sovereign ] || insmod "$KO"
	return 0
}
on_exit cleanup

# tc_fails STATUS TEXT ARGS...: tc -n $NS ARGS must exit with STATUS and print TEXT
tc_fails() {
	local want_rc=$1 want=$2 rc=0 out
	shift 2
	out=$(tcn "$@" 2>&1) || rc=$?
	[ "$rc" = "$want_rc" ] ||
		ksft_fail "tc $*: expected exit status $want_rc, got $rc; it printed: $out"
	check_contains "$out" "$want" "tc $*"
}

# raw_batch: stdin has "REQUEST => EXPECTED ANSWER" lines (REQUEST as classes_nl.py takes
# it); all go in one classes_nl.py run (a python start costs ~0.3 s here), each answer must
# equal its EXPECTED exactly.
raw_batch() {
	local reqs=() wants=() answers=() l i
	while IFS= read -r l; do
		[ -z "$l" ] && continue
		reqs+=("${l%% => *}")
		wants+=("${l#* => }")
	done
	# no process substitution: the guest has no /dev/fd
	l=$(printf '%s\n' "${reqs[@]}" | $PY "$NL" -n $NS -)
	mapfile -t answers <<<"$l"
	l=
	for i in "${!reqs[@]}"; do
		[ "${answers[i]-}" = "${wants[i]}" ] ||
			l+=$'\n'"raw request '${reqs[i]}':"$'\n'"  expected: ${wants[i]}"$'\n'"  got:      ${answers[i]-<no answer>}"
	done
	[ -z "$l" ] || ksft_fail "answers that differ:$l"
	echo "   ${#reqs[@]} raw requests answered as expected"
}

base_ref=$(refcnt)
[ "$(tc qdisc show 2>/dev/null | grep -c ' sov ')" = 0 ] ||
	ksft_fail "sov qdiscs exist before the test: $($TC qdisc show | grep ' sov ')"
$IP netns add $NS || ksft_fail "ip netns add $NS failed"
$IP -n $NS link add ea type veth peer name eb || ksft_fail "cannot create the veth pair"
{ $IP -n $NS link set ea up && $IP -n $NS link set eb up; } || ksft_fail "cannot set the veths up"

step "tc plugin: bad qdisc options are refused before anything is sent (exit status 1)"
p16=(5 8 7 6 4 3 2 1 5 5 5 5 5 5 5 5)
tc_fails 1 'sov: bad limit "0": expected a number 1-1048576' qdisc add dev ea root handle 1: sov limit 0
tc_fails 1 'sov: bad limit "1048577": expected a number 1-1048576' \
	qdisc add dev ea root handle 1: sov limit 1048577
tc_fails 1 'sov: bad limit "12x": expected a number 1-1048576' qdisc add dev ea root handle 1: sov limit 12x
tc_fails 1 'sov: "limit" needs a value: expected packets 1-1048576' qdisc add dev ea root handle 1: sov limit
tc_fails 1 'sov: "limit" is given twice' qdisc add dev ea root handle 1: sov limit 5 limit 6
tc_fails 1 'sov: bad quantum "100": expected 256-1048576 bytes' qdisc add dev ea root handle 1: sov quantum 100
tc_fails 1 'sov: priomap has 15 entries: expected 16, one class 1-8 for each priority 0-15' \
	qdisc add dev ea root handle 1: sov priomap "${p16[@]:0:15}"
tc_fails 1 'sov: priomap has more than 16 entries at "4": expected one class 1-8 for each priority 0-15' \
	qdisc add dev ea root handle 1: sov priomap "${p16[@]}" 4
tc_fails 1 'sov: bad priomap entry "9": expected a class 1-8' \
	qdisc add dev ea root handle 1: sov priomap "${p16[@]:0:15}" 9
tc_fails 1 'sov: bad priomap entry "0": expected a class 1-8' \
	qdisc add dev ea root handle 1: sov priomap 0 "${p16[@]:1}"
tc_fails 1 'sov: bad dscpmap entry "ef:9": expected a class 1-8' qdisc add dev ea root handle 1: sov dscpmap ef:9
tc_fails 1 'sov: bad dscpmap entry "64:1": expected a DSCP 0-63 or a name' \
	qdisc add dev ea root handle 1: sov dscpmap 64:1
tc_fails 1 'sov: bad dscpmap entry "ef": expected DSCP:CLASS, e.g. ef:1' \
	qdisc add dev ea root handle 1: sov dscpmap ef
tc_fails 1 'sov: bad dscpmap entry "46:2": DSCP 46 is mapped twice' \
	qdisc add dev ea root handle 1: sov dscpmap ef:1,46:2
tc_fails 1 'sov: bad dscpmap "ef:1,,af41:2": expected DSCP:CLASS[,DSCP:CLASS...] or none' \
	qdisc add dev ea root handle 1: sov dscpmap ef:1,,af41:2
tc_fails 1 'sov: unknown option "bands": expected limit, quantum, priomap or dscpmap' \
	qdisc add dev ea root handle 1: sov bands 8
out=$(tcn -j qdisc show dev ea)
check_eq "$(jget "$out" '[q["kind"] for q in d]')" "['noqueue']" "ea's qdiscs after refused adds"

step "a good qdisc; tc plugin: bad class options refused (exit status 1)"
tcn qdisc add dev ea root handle 1: sov || ksft_fail "tc qdisc add dev ea root handle 1: sov failed"
check_eq "$(refcnt)" $((base_ref + 1)) "module refcnt with one sov qdisc"
tc_fails 1 'sov: ceil needs a rate: expected a rate above 0 and at most the ceil' \
	class change dev ea classid 1:3 sov rate 0 ceil 1mbit
tc_fails 1 'sov: ceil below rate: expected a ceil of at least the rate' \
	class change dev ea classid 1:3 sov rate 2mbit ceil 1mbit
tc_fails 1 'sov: bad rate "fast": expected a rate such as 800kbit, 10mbit, 1gbit, 100MBps' \
	class change dev ea classid 1:3 sov rate fast
tc_fails 1 'sov: bad rate "-1mbit"' class change dev ea classid 1:3 sov rate -1mbit
tc_fails 1 'sov: rate "1bit" is below 1 byte/s: expected at least 8bit (or 0)' \
	class change dev ea classid 1:3 sov rate 1bit
tc_fails 1 'sov: bad ceil "x": expected a rate' class change dev ea classid 1:3 sov rate 1mbit ceil x
tc_fails 1 'sov: bad burst "0": expected 1-4294967295 bytes' class change dev ea classid 1:3 sov burst 0
tc_fails 1 'sov: bad burst "10q": expected bytes such as 1514, 32k, 1mb' \
	class change dev ea classid 1:3 sov burst 10q
tc_fails 1 'sov: bad limit "0": expected a number 1-1048576' class change dev ea classid 1:3 sov limit 0
tc_fails 1 'sov: "rate" is given twice' class change dev ea classid 1:3 sov rate 1mbit rate 2mbit
tc_fails 1 'sov: expected class options: rate, burst, ceil or limit' class change dev ea classid 1:3 sov
tc_fails 1 "sov: bad classid 1:9: the sov qdisc's classes are MAJOR:1 to MAJOR:8" \
	class add dev ea parent 1: classid 1:9 sov rate 1mbit
tc_fails 1 "sov: bad classid 1:0: the sov qdisc's classes are MAJOR:1 to MAJOR:8" \
	class change dev ea classid 1:0 sov rate 1mbit
tc_fails 1 'sov: expected "classid MAJOR:N" (N 1-8) before "sov"' class change dev ea sov rate 1mbit
tc_fails 1 'sov: unknown class option "weight": expected rate, burst, ceil or limit' \
	class change dev ea classid 1:3 sov weight 3

step "the kernel's extack through tc (exit status 2)"
tc_fails 2 "Error: ceil needs a rate: expected a rate above 0 and at most the ceil." \
	class change dev ea classid 1:3 sov ceil 1mbit
tc_fails 2 "Error: burst below the device's mtu: expected at least one full packet." \
	class change dev ea classid 1:3 sov rate 1mbit burst 1000
tc_fails 2 "Error: burst too long for the rate: expected at most 26 days of sending." \
	class change dev ea classid 1:3 sov rate 8bit burst 4mb
tcn class change dev ea classid 1:3 sov rate 2mbit burst 16k || ksft_fail "class change 1:3 rate 2mbit failed"
tc_fails 2 "Error: ceil below rate: expected a ceil of at least the rate." \
	class change dev ea classid 1:3 sov ceil 1mbit
tc_fails 2 "Error: the sov qdisc's 8 classes cannot be deleted: set rate 0 to stop shaping one." \
	class del dev ea classid 1:3
# the core answers these before the qdisc is asked: no extack
tc_fails 2 "RTNETLINK answers: File exists" class add dev ea parent 1: classid 1:3 sov rate 1mbit
tc_fails 2 "RTNETLINK answers: No such file or directory" class change dev ea classid 2:1 sov rate 1mbit
tc_fails 2 "Error: sov classes queue by flow themselves: no qdisc can be grafted under one." \
	qdisc add dev ea parent 1:3 handle 30: pfifo
tc_fails 2 "Error: filters attach to the sov qdisc itself, not to a class." \
	filter add dev ea parent 1:3 protocol ip prio 1 u32 match ip dport 9 0xffff classid 1:4
check_eq "$(nlq ea class 'tuple(c["1:3"]["options"][k] for k in ("rate", "ceil", "burst"))')" \
	"(250000, 0, 16384)" "class 1:3 (rate, ceil, burst) after refused changes"
check_eq "$(tcn class show dev ea | grep '1:3 ')" "class sov 1:3 root rate 2Mbit burst 16Kb limit 10240p " \
	"tc class show's line for 1:3"

step "hand-built qdisc options: errno, the attribute pointed at, the text; nothing changes"
tcn qdisc change dev ea root sov limit 777 dscpmap ef:1 || ksft_fail "qdisc change limit 777 failed"
before=$(tcn -j qdisc show dev ea)
P=5,8,7,6,4,3,2,1,5,5,5,5,5,5,5,5
D0=$(printf '0,%.0s' $(seq 63))0	# 64 zeros
prio_msg="msg=priomap: expected 16 entries, each a class 1-8"
dscp_msg="msg=dscpmap: expected 64 entries, each a class 1-8 or 0 (not mapped)"
raw_batch <<EOF
ea qdisc change 1: priomap=${P%,5} => errno=22 attr=priomap range=- $prio_msg
ea qdisc change 1: priomap=$P,5 => errno=22 attr=priomap range=- $prio_msg
ea qdisc change 1: priomap=${P%,5},9 => errno=22 attr=priomap range=- $prio_msg
ea qdisc change 1: priomap=0,${P#5,} => errno=22 attr=priomap range=- $prio_msg
ea qdisc change 1: priomap= => errno=22 attr=priomap range=- $prio_msg
ea qdisc change 1: dscpmap=${D0%,0} => errno=22 attr=dscpmap range=- $dscp_msg
ea qdisc change 1: dscpmap=$D0,0 => errno=22 attr=dscpmap range=- $dscp_msg
ea qdisc change 1: dscpmap=9,${D0#0,} => errno=22 attr=dscpmap range=- $dscp_msg
ea qdisc change 1: limit=0 => errno=34 attr=limit range=1-1048576 msg=integer out of range
ea qdisc change 1: limit=1048577 => errno=34 attr=limit range=1-1048576 msg=integer out of range
ea qdisc change 1: quantum=255 => errno=34 attr=quantum range=256-1048576 msg=integer out of range
ea qdisc change 1: quantum=1048577 => errno=34 attr=quantum range=256-1048576 msg=integer out of range
ea qdisc change 1: 4:u16=10 => errno=22 attr=4:u16 range=1-1048576 msg=invalid attribute length
ea qdisc change 1: 6:u32=1 => errno=22 attr=6:u32 range=- msg=Unknown attribute type
ea qdisc change 1: pad=00000000 => errno=22 attr=pad range=- msg=Attribute failed policy validation
ea qdisc change 1: flat limit=10 => errno=22 attr=TCA_OPTIONS range=- msg=NLA_F_NESTED is missing
ea qdisc change 1: limit=10 priomap=${P%,5} => errno=22 attr=priomap range=- $prio_msg
eb qdisc add 1: priomap=${P%,5},9 => errno=22 attr=priomap range=- $prio_msg
eb qdisc add 1: limit=0 => errno=34 attr=limit range=1-1048576 msg=integer out of range
EOF
check_eq "$(tcn -j qdisc show dev ea)" "$before" "ea's qdisc after refused changes"
out=$(tcn -j qdisc show dev eb)
check_eq "$(jget "$out" '[q["kind"] for q in d]')" "['noqueue']" "eb's qdiscs after refused adds"
check_eq "$(refcnt)" $((base_ref + 1)) "module refcnt after refused adds (a failed init must put it)"
# and the good ones, at the bounds
raw_batch <<EOF
ea qdisc change 1: limit=1 quantum=256 priomap=8,8,8,8,8,8,8,8,1,1,1,1,1,1,1,1 dscpmap=none => errno=0 attr=- range=- msg=
ea qdisc change 1: limit=1048576 quantum=1048576 => errno=0 attr=- range=- msg=
EOF
out=$(tcn -j qdisc show dev ea)
check_eq "$(jget "$out" '(d[0]["options"]["limit"], d[0]["options"]["quantum"], d[0]["options"]["priomap"], d[0]["options"]["dscpmap"])')" \
	"(1048576, 1048576, [8, 8, 8, 8, 8, 8, 8, 8, 1, 1, 1, 1, 1, 1, 1, 1], [])" \
	"ea's (limit, quantum, priomap, dscpmap) after good raw changes"

step "hand-built class options and class ids"
tcn class change dev ea classid 1:3 sov rate 2mbit burst 16k ceil 4mbit limit 300 ||
	ksft_fail "class change 1:3 rate 2mbit ceil 4mbit failed"
classopts='[(x["handle"], x["options"]) for x in d]'
before=$(nlq ea class "$classopts")
ceil_msg="msg=ceil needs a rate: expected a rate above 0 and at most the ceil"
below_msg="msg=ceil below rate: expected a ceil of at least the rate"
burst_msg="msg=burst below the device's mtu: expected at least one full packet"
fixed_msg="msg=the sov qdisc has 8 fixed classes: expected classid 1-8 under its handle, with tc class change"
raw_batch <<EOF
ea class change 1:3 rate=0 ceil=125000 => errno=22 attr=ceil range=- $ceil_msg
ea class change 1:4 ceil=125000 => errno=22 attr=ceil range=- $ceil_msg
ea class change 1:3 rate=250000 ceil=125000 => errno=22 attr=ceil range=- $below_msg
ea class change 1:3 rate=600000 => errno=22 attr=rate range=- $below_msg
ea class change 1:3 rate=125000 burst=1513 => errno=22 attr=burst range=- $burst_msg
ea class change 1:3 burst=0 => errno=34 attr=burst range=1-4294967295 msg=integer out of range
ea class change 1:3 limit=0 => errno=34 attr=limit range=1-1048576 msg=integer out of range
ea class change 1:3 limit=1048577 => errno=34 attr=limit range=1-1048576 msg=integer out of range
ea class change 1:3 2:u32=125000 => errno=22 attr=2:u32 range=0-18446744073709551615 msg=invalid attribute length
ea class change 1:3 9:u32=1 => errno=22 attr=9:u32 range=- msg=Unknown attribute type
ea class change 1:3 pad=00000000 => errno=22 attr=pad range=- msg=Attribute failed policy validation
ea class change 1:3 flat rate=125000 => errno=22 attr=TCA_OPTIONS range=- msg=NLA_F_NESTED is missing
ea class change 1:3 noopts => errno=22 attr=- range=- msg=expected class options: rate, burst, ceil or limit
ea class change 1:9 rate=125000 => errno=2 attr=- range=- msg=
ea class change 1:0 rate=125000 => errno=2 attr=- range=- msg=
ea class change 2:1 rate=125000 => errno=2 attr=- range=- msg=
ea class change 2:1 parent=1: rate=125000 => errno=22 attr=- range=- msg=
ea class replace 1:9 rate=125000 => errno=95 attr=- range=- $fixed_msg
ea class replace 1:0 rate=125000 => errno=95 attr=- range=- $fixed_msg
ea class replace 1:ffff rate=125000 => errno=95 attr=- range=- $fixed_msg
ea class add 1:3 rate=125000 => errno=17 attr=- range=- msg=
ea class del 1:3 => errno=95 attr=- range=- msg=the sov qdisc's 8 classes cannot be deleted: set rate 0 to stop shaping one
ea class del 1:9 => errno=2 attr=- range=- msg=
ea class change 1:7 rate=1 burst=4294967295 => errno=34 attr=burst range=- msg=burst too long for the rate: expected at most 26 days of sending
ea class change 1:7 rate=1 => errno=0 attr=- range=- msg=
ea class change 1:7 burst=3000000 => errno=34 attr=burst range=- msg=burst too long for the rate: expected at most 26 days of sending
ea class change 1:7 rate=0 => errno=0 attr=- range=- msg=
EOF
check_eq "$(nlq ea class "$classopts")" "$before" "ea's classes after refused changes"
raw_batch <<EOF
ea class change 1:5 rate=125000 burst=1514 => errno=0 attr=- range=- msg=
ea class replace 1:6 rate=1 burst=2000000 ceil=18446744073709551615 limit=1048576 => errno=0 attr=- range=- msg=
ea class change 1:3 rate=0 => errno=0 attr=- range=- msg=
ea class change 1:4 rate=18446744073709551615 burst=1514 => errno=0 attr=- range=- msg=
EOF
check_eq "$(nlq ea class '[tuple([h] + [c[h]["options"][k] for k in ("rate", "ceil", "burst", "limit")]) for h in ("1:3", "1:4", "1:5", "1:6")]')" \
	"[('1:3', 0, 0, 0, 300), ('1:4', 18446744073709551615, 0, 1514, 10240), ('1:5', 125000, 0, 1514, 10240), ('1:6', 1, 18446744073709551615, 2000000, 1048576)]" \
	"classes 1:3 (rate 0 drops the ceil), 1:4, 1:5 and 1:6 (handle, rate, ceil, burst, limit)"

step "load/unload: rmmod is refused while a sov qdisc exists"
tcn qdisc add dev eb root handle 2: sov || ksft_fail "tc qdisc add dev eb root handle 2: sov failed"
check_eq "$(refcnt)" $((base_ref + 2)) "module refcnt with two sov qdiscs"
rc=0; out=$(rmmod sovereign 2>&1) || rc=$?
[ $rc != 0 ] || ksft_fail "rmmod succeeded with two sov qdiscs attached"
check_contains "$out" "Module sovereign is in use" "rmmod with sov attached"
[ -d /sys/module/sovereign ] || ksft_fail "module gone after a refused rmmod"
check_eq "$(tcn -s class show dev ea | grep -c '^class sov ')" 8 "ea's classes after a refused rmmod"
tcn qdisc del dev ea root || ksft_fail "tc qdisc del dev ea root failed"
check_eq "$(refcnt)" $((base_ref + 1)) "module refcnt after deleting ea's qdisc"
rc=0; out=$(rmmod sovereign 2>&1) || rc=$?
[ $rc != 0 ] || ksft_fail "rmmod succeeded with eb's sov qdisc attached"

step "deleting the netns destroys eb's qdisc; then the module unloads"
$IP netns del $NS || ksft_fail "ip netns del $NS failed"
for _ in $(seq 50); do [ "$(refcnt)" = "$base_ref" ] && break; sleep 0.1; done
check_eq "$(refcnt)" "$base_ref" "module refcnt 5 s after the netns with a sov qdisc was deleted"
rmmod sovereign || ksft_fail "rmmod failed after every sov qdisc was gone"
[ -d /sys/module/sovereign ] && ksft_fail "module still present after rmmod"
{ $IP netns add $NS && $IP -n $NS link add ea type veth peer name eb; } || ksft_fail "cannot recreate the veths"
tc_fails 2 "Error: Specified qdisc kind is unknown." qdisc add dev ea root handle 1: sov
insmod "$KO" || ksft_fail "insmod $KO failed"
tcn qdisc add dev ea root handle 1: sov limit 100 || ksft_fail "sov unusable after reloading the module"
out=$(tcn -j qdisc show dev ea)
check_eq "$(jget "$out" '(d[0]["kind"], d[0]["options"]["limit"])')" "('sov', 100)" "ea's qdisc after the reload"
tcn qdisc del dev ea root || ksft_fail "tc qdisc del after the reload failed"
ksft_pass "bad options refused with their reasons; the module unloads once no sov qdisc is left"
