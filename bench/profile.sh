#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-profile, inside the test VM (scripts/vm/run.sh runs it, with
# sovereign.ko loaded): the profiler's cost and accuracy against perf record
# in the same boot, on the same workload.
#
#   workload  build/tests/prof/deep: a fixed amount of CPU work spread over 31
#             functions 2-7 calls deep (tests/selftests/prof_work/deep.c), one
#             thread per CPU, sized once to take about PB_SECS seconds; it
#             times its own work (CLOCK_MONOTONIC), so starting and stopping a
#             profiler is not counted
#   cost      at F = 99, 999 and 4000 Hz on every CPU, with stacks (kernel and
#             user): run time with no profiler, under `sovctl profile start
#             freq F` (scope all), and under `perf record -e cpu-clock -F F -g
#             -a`; PB_REPS runs of each, the order alternating from one
#             repetition to the next. overhead % = the median over the
#             repetitions of (t / t_none - 1) * 100, t_none the no-profiler run
#             of the same repetition and rate (next to it in time)
#   handler   ours by its own account: sovctl profile status's overhead (the
#             sample handler's time over the sampled CPUs' time in the last
#             second) read once in the middle of an extra run at each F
#   accuracy  self shares of the workload's functions at 999 Hz: ours from
#             `sovctl profile report --folded` (the leaf of each stack of
#             comm "deep"), perf's from `perf report --no-children --comm deep
#             --sort symbol`; over perf's top 20 symbols, the largest
#             |difference| in points
#
# The last line:
#   bench profile: ovh99=P ovh999=P ovh4000=P perf99=P perf999=P perf4000=P top20_maxdiff=P
# (percent; ovh* are ours, perf* perf's). Targets: ovh99 <= 1, ovhF <= perfF at
# every F, top20_maxdiff <= 3.
#
# Environment: PB_SECS (seconds per run, 5), PB_REPS (runs per setting, 5),
# PB_FREQS ("99 999 4000"), PB_THREADS (workload threads, nproc),
# PB_ONLY_PERF=1 (perf's half alone, with our figures printed as 0: while
# sovereign.ko has no profiler), PB_KEEP=1 (keep the work directory).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
secs=${PB_SECS:-5}
reps=${PB_REPS:-5}
freqs=${PB_FREQS:-99 999 4000}
threads=${PB_THREADS:-$(nproc)}
only_perf=${PB_ONLY_PERF:-0}
deep=$repo/build/tests/prof/deep
sovctl=${SOVCTL:-$repo/build/bin/sovctl}
perf=${PERF:-/usr/bin/perf}
work=$(mktemp -d /tmp/profbench.XXXXXX)

die() { echo "bench-profile: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }
cleanup() {
	[ "$only_perf" = 1 ] || "$sovctl" profile stop >/dev/null 2>&1 || true
	[ "${PB_KEEP:-0}" = 1 ] && log "work directory: $work" && return 0
	rm -rf "$work"
}
trap cleanup EXIT

[ -x "$deep" ] || die "$deep is missing: build it (make prof-work)"
[ -x "$perf" ] || die "$perf is missing (Debian's linux-perf)"
if [ "$only_perf" != 1 ]; then
	[ -x "$sovctl" ] || die "$sovctl is missing: build it (make userspace)"
	[ -d /sys/module/sovereign ] || die "sovereign.ko is not loaded"
	"$sovctl" profile stop >/dev/null 2>&1 || true
fi

elapsed_of() {	# FILE: the workload's "elapsed=S" line
	sed -n 's/^elapsed=\([0-9.]*\) .*/\1/p' "$1"
}

# no profiler
run_none() {
	"$deep" "$units" "$threads" >"$work/out" || die "deep failed"
	elapsed_of "$work/out"
}

# perf record at F Hz, system-wide, with call graphs; the data to DATA
run_perf() {
	local f=$1 data=$2
	"$perf" record -q -e cpu-clock -F "$f" -g -a -o "$data" -- \
		"$deep" "$units" "$threads" >"$work/out" 2>"$work/perf.err" ||
		die "perf record -F $f failed: $(cat "$work/perf.err")"
	elapsed_of "$work/out"
}

# ours at F Hz, system-wide, both stacks; with FOLDED, the profile's folded
# stacks to it, symbolized while the workload still lives (-H holds it)
run_ours() {
	local f=$1 folded=${2:-} pid line t
	"$sovctl" profile start freq "$f" >"$work/start.out" 2>&1 ||
		die "sovctl profile start freq $f failed: $(cat "$work/start.out")"
	rm -f "$work/fifo"
	mkfifo "$work/fifo"
	"$deep" "$units" "$threads" -H >"$work/fifo" &
	pid=$!
	# blocking reads on a FIFO: nothing of ours runs while the workload does
	exec 3<"$work/fifo"
	read -r line <&3 || die "deep did not start"
	read -r line <&3 || die "deep failed"
	exec 3<&-
	t=${line#elapsed=}
	t=${t%% *}
	"$sovctl" profile stop >"$work/stop.out" 2>&1 ||
		die "sovctl profile stop failed: $(cat "$work/stop.out")"
	if [ -n "$folded" ]; then
		"$sovctl" profile report --folded >"$folded" 2>"$work/report.err" ||
			die "sovctl profile report --folded failed: $(cat "$work/report.err")"
	fi
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	echo "$t"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# paired ARRAY F: the median over the repetitions of each run's overhead against the
# no-profiler run of the same repetition and rate (run next to it: slow drifts of the
# host cancel out, which medians of each setting alone do not do)
paired() {
	local -n at=$1
	local r v=()
	for r in $(seq "$reps"); do
		v+=("$(ovh "${at[$r.$2]}" "${at_none[$r.$2]}")")
	done
	median "${v[@]}"
}
ovh() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", (n > 0) ? (t / n - 1) * 100 : 0 }'; }

# ---- size the work: about PB_SECS seconds per run ----------------------------

units=2000
run_none >/dev/null	# a first run warms the caches (the binary comes over 9p)
t=$(run_none)
units=$(awk -v t="$t" -v s="$secs" -v u="$units" 'BEGIN { n = int(u * s / t); print (n < 100) ? 100 : n }')
log "workload: deep $units units x $threads threads (a probe of 2000 units took $t s)"

# ---- cost ---------------------------------------------------------------------

declare -A t_ours t_perf at_none at_ours at_perf
t_none=()
for rep in $(seq "$reps"); do
	for f in $freqs; do
		# odd repetitions: none, ours, perf; even ones: perf, ours, none
		order="none ours perf"
		[ $((rep % 2)) = 0 ] && order="perf ours none"
		keep=
		[ "$rep" = "$reps" ] && [ "$f" = 999 ] && keep=1
		for who in $order; do
			case $who in
			none) t=$(run_none); t_none+=("$t"); at_none[$rep.$f]=$t ;;
			perf)
				t=$(run_perf "$f" "$work/perf$f.data"); t_perf[$f]+="$t "
				# shellcheck disable=SC2034 # read by paired(), through a nameref
				at_perf[$rep.$f]=$t
				;;
			ours)
				[ "$only_perf" = 1 ] && continue
				t=$(run_ours "$f" ${keep:+"$work/ours999.folded"}); t_ours[$f]+="$t "
				# shellcheck disable=SC2034
				at_ours[$rep.$f]=$t
				;;
			esac
			log "rep $rep/$reps, $f Hz, $who: $t s"
		done
		[ -n "$keep" ] || rm -f "$work/perf$f.data"
	done
done
if dmesg | grep -q 'perf: interrupt took too long'; then
	log "the kernel lowered perf_event_max_sample_rate during the run:" \
		"$(cat /proc/sys/kernel/perf_event_max_sample_rate) Hz now"
fi

# ---- ours by its own account: the handler's share of the CPUs ---------------------

# SOV_A_PROF_OVERHEAD_X100, read once in the middle of a run (the timed runs above
# are left alone): the time the sample handler took over the sampled CPUs' time in the
# last second, as the kernel measures it; a figure without the host's noise
declare -A handler
if [ "$only_perf" != 1 ]; then
	for f in $freqs; do
		"$sovctl" profile start freq "$f" >/dev/null || die "sovctl profile start freq $f failed"
		rm -f "$work/fifo"
		mkfifo "$work/fifo"
		"$deep" "$units" "$threads" -H >"$work/fifo" &
		pid=$!
		exec 3<"$work/fifo"
		read -r line <&3 || die "deep did not start"
		sleep "$(awk -v s="$secs" 'BEGIN { print s / 2 }')"
		handler[$f]=$("$sovctl" -j profile status |
			python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["overhead_x100"] / 100))')
		read -r line <&3 || die "deep failed"
		exec 3<&-
		"$sovctl" profile stop >/dev/null || die "sovctl profile stop failed"
		kill "$pid"
		wait "$pid" 2>/dev/null || true
		log "$f Hz: the sample handler took ${handler[$f]} % of the CPUs (sovctl profile status)"
	done
fi

# ---- accuracy: self shares at 999 Hz --------------------------------------------

# perf: "  12.34%  [.] eval_expr  - -" -> "eval_expr 12.34" (kernel symbols as
# "name_[k]", as ours name them; the columns after the symbol are perf's IPC)
"$perf" report -i "$work/perf999.data" --no-children --comm deep --sort symbol --stdio \
	-g none --percentage relative 2>/dev/null |
	awk '$1 ~ /%$/ && NF >= 3 { p = $1; sub(/%$/, "", p); s = $3
		if ($2 == "[k]") s = s "_[k]"
		print s "\t" p }' >"$work/perf.shares"
[ -s "$work/perf.shares" ] || die "perf report gave no symbols for deep"
if [ "$only_perf" != 1 ]; then
	# ours: the leaf of each stack of comm deep, its weight; shares of deep's total
	awk '{ n = $NF; $NF = ""; sub(/ $/, ""); k = split($0, fr, ";")
		if (fr[1] != "deep" || k < 2) next
		self[fr[k]] += n; tot += n }
		END { for (s in self) printf "%s\t%.4f\n", s, 100 * self[s] / tot }' \
		"$work/ours999.folded" >"$work/ours.shares"
	[ -s "$work/ours.shares" ] || die "our profile has no stacks of deep"
else
	: >"$work/ours.shares"
fi
# over perf's top 20: perf %, ours %, |difference|
awk -F'\t' 'FILENAME == ARGV[1] { o[$1] = $2; next }
	FNR <= 20 { d = $2 - o[$1]; if (d < 0) d = -d
		printf "%s\t%.2f\t%.2f\t%.2f\n", $1, $2, o[$1] + 0, d }' \
	"$work/ours.shares" "$work/perf.shares" >"$work/top20"

# ---- the report -------------------------------------------------------------------

n_none=$(median "${t_none[@]}")
printf '\nprofile bench: deep, %s units x %s threads (%s CPUs), cpu-clock with kernel+user\n' \
	"$units" "$threads" "$(nproc)"
printf '  stacks on every CPU; medians of %s runs (%%: of the overheads against the\n' "$reps"
printf '  no-profiler run next to each); kernel %s\n\n' "$(uname -r)"
printf '  no profiler: %s runs, %s to %s s\n\n' "${#t_none[@]}" \
	"$(printf '%s\n' "${t_none[@]}" | sort -g | head -n 1)" "$(printf '%s\n' "${t_none[@]}" | sort -g | tail -n 1)"
printf '  %-8s %10s %10s %8s %10s %8s %10s\n' rate "none s" "ours s" "ours %" "perf s" "perf %" "handler %"
declare -A o_pct p_pct
for f in $freqs; do
	# shellcheck disable=SC2086 # the runs are space-separated on purpose
	p=$(median ${t_perf[$f]})
	p_pct[$f]=$(paired at_perf "$f")
	if [ "$only_perf" = 1 ]; then
		o=0 o_pct[$f]=0
	else
		# shellcheck disable=SC2086
		o=$(median ${t_ours[$f]})
		o_pct[$f]=$(paired at_ours "$f")
	fi
	printf '  %-8s %10s %10s %8s %10s %8s %10s\n' "$f Hz" "$n_none" "$o" "${o_pct[$f]}" "$p" "${p_pct[$f]}" \
		"${handler[$f]:--}"
done
printf '\n  self shares at 999 Hz, perf'"'"'s top 20 symbols of deep (percent of its samples)\n'
printf '  %-28s %8s %8s %8s\n' symbol perf ours "|diff|"
awk -F'\t' '{ printf "  %-28s %8s %8s %8s\n", $1, $2, $3, $4 }' "$work/top20"
maxdiff=$(awk -F'\t' 'BEGIN { m = 0 } $4 > m { m = $4 } END { printf "%.2f", m }' "$work/top20")
[ "$only_perf" = 1 ] && maxdiff=0
echo
line="bench profile:"
for f in 99 999 4000; do line+=" ovh$f=${o_pct[$f]:-0}"; done
for f in 99 999 4000; do line+=" perf$f=${p_pct[$f]:-0}"; done
echo "$line top20_maxdiff=$maxdiff"
