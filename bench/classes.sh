#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-classes, inside the test VM (scripts/vm/run.sh runs it, the module loaded):
# the sov qdisc (kmod/sched) against the kernel's own qdiscs in the same boot.
#
#   pps      pktgen (xmit_mode queue_xmit, one thread on CPU 0, 64 UDP flows, priority 0)
#            through va's root qdisc to vb, which drops at ingress: 64- and 1500-byte
#            packets/s with sov, prio bands 8, ets strict 8, htb with 8 classes (rate
#            10gbit each, so that nothing is shaped) and cake diffserv8 (unlimited);
#            BC_REPS runs of each, alternating, medians
#   latency  under a root tbf 20mbit with the qdisc as its child: round trips of UDP
#            pings with priority 7 (sov class 1, prio band 0, pfifo_fast band 0), idle
#            and while pktgen floods priority 1 (sov class 8, prio band 7, pfifo_fast
#            band 2) at 40mbit in 1500-byte packets; sov, prio bands 8, pfifo_fast;
#            BC_LAT_ROUNDS rounds alternating the three, percentiles over all pings; and a
#            control: sov, the same flood sent through another veth pair (vc -> vd), so
#            that the pings share the CPU with it but not the queue
#   shaping  sov's class 1:3 shaped at 1, 10 and 40mbit (burst 100 ms at the rate),
#            offered 1.5x its rate: its byte counter over BC_SHAPE_SECS against the rate
#
#   netns init                                 netns bcb
#   pktgen, ping client ── va ══ veth ══ vb ── clsact: drop pktgen's UDP port 9
#   (taskset: pktgen CPU 0, pings CPU 1)            ping server (UDP 7)
#   pktgen (control) ───── vc ══ veth ══ vd ── clsact: drop UDP port 9
#
# The last line:
#   bench classes: pps64_vs_prio=R pps64_vs_cake=R hi_p99_flood_over_idle=R shaping_err_pct=P
# pps64_vs_*: sov's 64-byte pps over prio's and cake's; hi_p99_flood_over_idle: sov's
# class-1 p99 round trip under the flood over its idle p99; shaping_err_pct: the largest
# |measured - rate| / rate of the three shaped rates, in percent.
# Targets (issue 8): pps >= 0.95x prio's and >= 1.5x cake's; flood p99 <= 2x idle p99.
#
# Environment: BC_REPS (5), BC_COUNT64 (200000 packets a run), BC_COUNT1500 (100000),
# BC_PINGS (300 a round, one every 10 ms), BC_LAT_ROUNDS (2), BC_SHAPE_SECS (10).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
reps=${BC_REPS:-5}
count64=${BC_COUNT64:-200000}
count1500=${BC_COUNT1500:-100000}
pings=${BC_PINGS:-300}
lat_rounds=${BC_LAT_ROUNDS:-2}
shape_secs=${BC_SHAPE_SECS:-10}
TC=/usr/sbin/tc IP=/usr/sbin/ip PY=/usr/bin/python3
NS=bcb
PG=/proc/net/pktgen
export TC_LIB_DIR=$repo/build/lib/tc
PING=$repo/bench/classes_ping.py

die() { echo "bench-classes: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }
[ -d /sys/module/sovereign ] || die "the sovereign module is not loaded"
[ -f "$TC_LIB_DIR/q_sov.so" ] || die "$TC_LIB_DIR/q_sov.so is missing (make)"

server=
cleanup() {
	[ -w $PG/pgctrl ] && echo reset >$PG/pgctrl
	[ -n "$server" ] && kill "$server" 2>/dev/null
	$IP link del va 2>/dev/null
	$IP link del vc 2>/dev/null
	$IP netns del $NS 2>/dev/null
	return 0
}
trap cleanup EXIT

# ---- topology ---------------------------------------------------------------------
modprobe pktgen || die "no pktgen"
echo reset >$PG/pgctrl
$IP netns add $NS
$IP link add va type veth peer name vb netns $NS
echo 1 >/proc/sys/net/ipv6/conf/va/disable_ipv6
$IP link set va up
$IP -n $NS link set vb up
$IP -n $NS link set lo up
$IP addr add 10.77.0.1/24 dev va
$IP -n $NS addr add 10.77.0.2/24 dev vb
vb_mac=$($IP -n $NS link show vb | awk '/link\/ether/ {print $2}')
$IP neigh replace 10.77.0.2 lladdr "$vb_mac" dev va nud permanent
# the control's flood goes elsewhere: vc -> vd, as loaded as va -> vb but apart from it
$IP link add vc type veth peer name vd netns $NS
echo 1 >/proc/sys/net/ipv6/conf/vc/disable_ipv6
$IP link set vc up
$IP -n $NS link set vd up
vd_mac=$($IP -n $NS link show vd | awk '/link\/ether/ {print $2}')
for d in vb vd; do
	$TC -n $NS qdisc add dev $d clsact
	$TC -n $NS filter add dev $d ingress protocol ip pref 1 flower ip_proto udp dst_port 9 action drop
done

# ---- pktgen: one device on thread 0 (CPU 0) ---------------------------------------
pg() { echo "$2" >"$PG/$1" || die "pktgen $1 refused '$2'"; }
pg_device() {	# [-d DEV] KEY VALUE...: the one pktgen device, on va unless -d vc
	local dev=va mac=$vb_mac dst=10.77.0.2 kv
	[ "$1" = -d ] && dev=$2 mac=$vd_mac dst=10.78.0.2 && shift 2
	echo reset >$PG/pgctrl
	pg kpktgend_0 "add_device $dev"
	for kv in "xmit_mode queue_xmit" "dst $dst" "dst_mac $mac" "udp_dst_min 9" \
		"udp_dst_max 9" "$@"; do
		pg "$dev" "$kv"
	done
}
pg_pps() {	# run to the count; the pps pktgen measured
	echo start >$PG/pgctrl
	sed -n 's/.* \([0-9]\+\)pps .*/\1/p' $PG/va
}

# ---- the qdiscs -------------------------------------------------------------------
# sov's classes by priority, as bands 0-7 of prio and ets: 7->0, 6->1, 5->2, 4->3, 0->4,
# 3->5, 2->6, 1->7, 8-15->4
PRIOMAP8=(4 7 6 5 3 2 1 0 4 4 4 4 4 4 4 4)
qdisc_root() {	# NAME: make it va's root qdisc
	$TC qdisc del dev va root 2>/dev/null || true
	case $1 in
	sov) $TC qdisc add dev va root handle 1: sov ;;
	prio) $TC qdisc add dev va root handle 1: prio bands 8 priomap "${PRIOMAP8[@]}" ;;
	ets) $TC qdisc add dev va root handle 1: ets strict 8 priomap "${PRIOMAP8[@]}" ;;
	htb)
		{
			echo "qdisc add dev va root handle 1: htb default 15"
			for i in 1 2 3 4 5 6 7 8; do
				echo "class add dev va parent 1: classid 1:1$i htb rate 10gbit prio $((i - 1))"
			done
		} | $TC -b -
		;;
	cake) $TC qdisc add dev va root handle 1: cake diffserv8 ;;
	esac
}
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# pct FILE P: the P-th percentile of the numbers in FILE, one a line
pct() { sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100) + 1; if (i > NR) i = NR; print v[i] }'; }

# ---- pps --------------------------------------------------------------------------
qdiscs=(sov prio ets htb cake)
declare -A runs
for size in 64 1500; do
	count=$count64
	[ $size = 1500 ] && count=$count1500
	# a round not counted first: TCG translates each code path on its first runs
	for ((r = -1; r < reps; r++)); do
		for ((i = 0; i < ${#qdiscs[@]}; i++)); do
			q=${qdiscs[(i + r + 1) % ${#qdiscs[@]}]}	# a different order each round
			qdisc_root "$q"
			pg_device "count $((r < 0 ? count / 10 : count))" "pkt_size $size" "delay 0" \
				"udp_src_min 1000" "udp_src_max 1064"
			pps=$(pg_pps)
			[ -n "$pps" ] || die "no pps from pktgen ($q, $size bytes): $(cat $PG/va)"
			((r < 0)) && continue
			runs[$q,$size]="${runs[$q,$size]:-} $pps"
			log "pps $size B $q: $pps"
		done
	done
done
$TC qdisc del dev va root 2>/dev/null || true
declare -A pps
for q in "${qdiscs[@]}"; do
	for size in 64 1500; do pps[$q,$size]=$(median <<<"${runs[$q,$size]}"); done
done

# ---- latency of the highest class under a flood of the lowest -----------------------
# Rounds alternate the qdiscs and idle/flood, so that the host's load (TCG) falls on all.
ip netns exec $NS taskset -c 1 $PY "$PING" server 7 &
server=$!
work=$(mktemp -d /tmp/bench-classes.XXXXXX)
lat_qdiscs=(sov prio pfifo_fast control)
for ((r = 0; r < lat_rounds; r++)); do
	for q in "${lat_qdiscs[@]}"; do
		fl=()
		for d in va vc; do
			$TC qdisc del dev $d root 2>/dev/null || true
			$TC qdisc add dev $d root handle 1: tbf rate 20mbit burst 32k latency 100ms
		done
		$TC qdisc add dev vc parent 1:1 handle 10: sov limit 1000
		case $q in
		control) fl=(-d vc) ;&	# sov on va, the flood on vc
		sov) $TC qdisc add dev va parent 1:1 handle 10: sov limit 1000 ;;
		prio) $TC qdisc add dev va parent 1:1 handle 10: prio bands 8 priomap "${PRIOMAP8[@]}" ;;
		pfifo_fast) $TC qdisc add dev va parent 1:1 handle 10: pfifo_fast ;;
		esac
		out=$(taskset -c 1 $PY "$PING" client 10.77.0.2 7 "$pings" 10 7 "$work/$q.idle") ||
			die "ping failed: $out"
		log "latency round $r $q idle: $out"
		# the lowest class, 40mbit of 1500-byte packets: twice what the tbf lets through
		pg_device "${fl[@]}" "count 0" "pkt_size 1500" "ratep 3333" "skb_priority 1" \
			"udp_src_min 2000" "udp_src_max 2008"
		echo start >$PG/pgctrl &
		pgpid=$!
		sleep 1
		out=$(taskset -c 1 $PY "$PING" client 10.77.0.2 7 "$pings" 10 7 "$work/$q.flood") ||
			die "ping failed: $out"
		log "latency round $r $q flood: $out"
		echo stop >$PG/pgctrl
		wait $pgpid || true
	done
done
kill "$server" 2>/dev/null || true
wait "$server" 2>/dev/null || true
server=
$TC qdisc del dev vc root 2>/dev/null || true
declare -A lat
for q in "${lat_qdiscs[@]}"; do
	for ph in idle flood; do
		lat[$q,$ph]="$(pct "$work/$q.$ph" 50) $(pct "$work/$q.$ph" 90) $(pct "$work/$q.$ph" 99) $(wc -l <"$work/$q.$ph")"
	done
done
rm -rf "$work"

# ---- shaping accuracy ---------------------------------------------------------------
class_bytes() { $TC -s class show dev va | awk '/^class sov 1:3 / { f = 1 } f && /Sent/ { print $2; exit }'; }
declare -A shaped
worst=0
for mbit in 1 10 40; do
	$TC qdisc del dev va root 2>/dev/null || true
	$TC qdisc add dev va root handle 1: sov limit 2000
	# a bucket of 100 ms at the rate: a TCG vCPU may stall for tens of ms, and what
	# overflows the bucket meanwhile is lost
	$TC class change dev va classid 1:3 sov rate ${mbit}mbit limit 500 burst $((mbit * 12500))
	# 1.5x the rate in 1000-byte packets, priority 5 (class 3)
	pg_device "count 0" "pkt_size 1000" "ratep $((mbit * 1000000 * 3 / 2 / 8000))" "skb_priority 5"
	echo start >$PG/pgctrl &
	pgpid=$!
	sleep 1
	t0=$EPOCHREALTIME b0=$(class_bytes)
	sleep "$shape_secs"
	t1=$EPOCHREALTIME b1=$(class_bytes)
	echo stop >$PG/pgctrl
	wait $pgpid || true
	shaped[$mbit]=$(awk -v b0="$b0" -v b1="$b1" -v t0="$t0" -v t1="$t1" -v r="$mbit" \
		'BEGIN { m = (b1 - b0) / (t1 - t0); e = (m / (r * 125000) - 1) * 100;
		printf "%.0f %.2f", m, e }')
	log "shaping ${mbit}mbit: ${shaped[$mbit]}"
	worst=$(awk -v w="$worst" -v e="${shaped[$mbit]#* }" 'BEGIN { e = (e < 0 ? -e : e); printf "%.2f", (e > w ? e : w) }')
done
$TC qdisc del dev va root 2>/dev/null || true

# ---- the table --------------------------------------------------------------------
echo
echo "bench classes: QEMU TCG, Debian $(uname -r), $(nproc) vCPUs; medians of $reps runs"
printf '\n  packets/s through a veth (pktgen queue_xmit, CPU 0, 64 flows)\n'
printf '  %-16s %12s %12s %12s\n' qdisc "64 B kpps" "1500 B kpps" "sov/this 64B"
for q in "${qdiscs[@]}"; do
	name=$q
	case $q in prio) name="prio bands 8" ;; ets) name="ets strict 8" ;; htb) name="htb 8 classes" ;;
	cake) name="cake diffserv8" ;; esac
	printf '  %-16s %12.1f %12.1f %12s\n' "$name" "$(awk -v p="${pps[$q,64]}" 'BEGIN { print p / 1000 }')" \
		"$(awk -v p="${pps[$q,1500]}" 'BEGIN { print p / 1000 }')" "$(ratio "${pps[sov,64]}" "${pps[$q,64]}")"
done
printf '\n  highest class UDP round trip (µs) under a 20mbit tbf, idle and with the lowest class\n'
printf '  flooding at 40mbit; %s rounds of %s pings each\n' "$lat_rounds" "$pings"
printf '  %-12s %8s %8s %8s %9s %9s %9s %10s\n' qdisc "idle p50" p90 p99 "flood p50" p90 p99 "p99 fl/idle"
for q in "${lat_qdiscs[@]}"; do
	read -r ip50 ip90 ip99 _ <<<"${lat[$q,idle]}"
	read -r fp50 fp90 fp99 _ <<<"${lat[$q,flood]}"
	printf '  %-12s %8s %8s %8s %9s %9s %9s %10s\n' "$q" "$ip50" "$ip90" "$ip99" "$fp50" "$fp90" "$fp99" \
		"$(ratio "$fp99" "$ip99")"
done
printf '  (control: sov on va, the same flood through another veth pair: what the flood\n'
printf '  costs the pings in CPU alone, TCG and the host included)\n'
printf '\n  sov class 1:3 shaped, offered 1.5x, over %s s\n' "$shape_secs"
printf '  %-8s %14s %9s\n' rate "measured B/s" "error %"
for mbit in 1 10 40; do
	read -r m e <<<"${shaped[$mbit]}"
	printf '  %-8s %14s %9s\n' "${mbit}mbit" "$m" "$e"
done
read -r _ _ sov_p99 _ <<<"${lat[sov,idle]}"
read -r _ _ sov_fp99 _ <<<"${lat[sov,flood]}"
echo
echo "bench classes: pps64_vs_prio=$(ratio "${pps[sov,64]}" "${pps[prio,64]}") pps64_vs_cake=$(ratio "${pps[sov,64]}" "${pps[cake,64]}") hi_p99_flood_over_idle=$(ratio "$sov_fp99" "$sov_p99") shaping_err_pct=$worst"
