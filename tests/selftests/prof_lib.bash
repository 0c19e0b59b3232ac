# SPDX-License-Identifier: GPL-2.0
# Helpers of the profiler's selftests (tests/selftests/profile*.sh), sourced after lib.sh.
# Not a test itself (run_all.sh runs *.sh only).
#   prof ARGS...            sovctl profile ARGS
#   prof_ok ARGS...         ... which must succeed; its output (stdout+stderr) in $out
#   prof_fails RC TEXT ARGS...  ... which must exit RC and print TEXT (a whole line)
#   work_start NAME ARGS... start build/tests/prof/NAME ARGS -H in the background (held
#                           alive after its work, so its frames can be symbolized);
#                           WORK_PID is its pid once it has printed it; killed on exit
#   work_pause, work_resume   SIGSTOP / SIGCONT them (see below why)
#   pj FILE EXPR            EXPR (python) over the profile file FILE as d, printed
#   pcheck FILE WHAT <<EOF  python checks (asserts) over d, the profile FILE; a failed
#                           assert fails the test with WHAT and the assert's message
# shellcheck disable=SC2034 # variables for the tests that source this file

PROFW=$SOV_ROOT/build/tests/prof
PY=/usr/bin/python3
PTMP=/tmp/sov-prof-$$
mkdir -p "$PTMP"
_prof_pids=()

step() { echo "== $*"; }
prof() { "$SOVCTL" profile "$@"; }

prof_ok() {
	local rc=0
	out=$(prof "$@" 2>&1) || rc=$?
	[ $rc -eq 0 ] || ksft_fail "sovctl profile $*: exit status $rc:"$'\n'"$out"
}

prof_fails() {
	local want_rc=$1 want=$2 rc=0
	shift 2
	out=$(prof "$@" 2>&1) || rc=$?
	[ $rc -ne 0 ] || ksft_fail "sovctl profile $* succeeded; expected exit status $want_rc:"$'\n'"$out"
	[ "$rc" = "$want_rc" ] ||
		ksft_fail "sovctl profile $*: expected exit status $want_rc, got $rc:"$'\n'"$out"
	grep -qxF -- "$want" <<<"$out" ||
		ksft_fail "sovctl profile $*: expected the line '$want'; it printed:"$'\n'"$out"
	echo "   sovctl profile $*: exit $rc, $want"
}

# state: idle, running or stopped (from sovctl -j profile status)
prof_state() {
	"$SOVCTL" -j profile status | $PY -c 'import json, sys; print(json.load(sys.stdin)["state"])'
}

# sj EXPR: EXPR over `sovctl -j profile status` as d
sj() {
	local j
	j=$("$SOVCTL" -j profile status) || ksft_fail "sovctl -j profile status failed"
	$PY -c 'import json, sys; d = json.loads(sys.argv[2]); print(eval(sys.argv[1]))' "$1" "$j"
}

work_start() {
	local name=$1 f i
	shift
	f=$PTMP/$name.out
	[ -x "$PROFW/$name" ] || ksft_fail "$PROFW/$name is missing: build it (make prof-work)"
	"$PROFW/$name" "$@" -H >"$f" 2>&1 &
	WORK_PID=$!
	_prof_pids+=("$WORK_PID")
	for i in $(seq 100); do
		[ -s "$f" ] && break
		kill -0 "$WORK_PID" 2>/dev/null || ksft_fail "$name $* exited at once: $(cat "$f")"
		sleep 0.1
	done
	[ "$(head -n 1 "$f")" = "$WORK_PID" ] || ksft_fail "$name $* did not print its pid: $(cat "$f")"
}

# work_done NAME SECS: wait until NAME printed its result line (its second line)
work_done() {
	local f=$PTMP/$1.out i
	for i in $(seq $(($2 * 10))); do
		[ "$(wc -l <"$f")" -ge 2 ] && return 0
		sleep 0.1
	done
	ksft_fail "$1 did not finish its work within $2 s: $(cat "$f")"
}

# work_pause / work_resume: SIGSTOP / SIGCONT every workload started. Around every start,
# stop and rmmod of a profile with kind mem or lock while a workload hammers the kmem or
# lock tracepoints: registering or removing a probe patches the tracepoint's jump label
# (int3-based text_poke_bp), and QEMU's TCG (7.2, two vCPU threads) can leave a vCPU that
# runs through the site at that moment looping on it for good (soft lockup on both CPUs,
# an RCU stall; __alloc_pages+0x20f, trace_mm_page_alloc's site). ftrace alone does it:
# tracefs enable/disable of the kmem events under allocer, no module loaded. Hardware
# (and KVM) are not affected; stopped workloads are not on those sites.
work_pause() {
	local p
	for p in "${_prof_pids[@]}"; do kill -STOP "$p" 2>/dev/null; done
	return 0
}
work_resume() {
	local p
	for p in "${_prof_pids[@]}"; do kill -CONT "$p" 2>/dev/null; done
	return 0
}

work_kill() {
	local p
	for p in "${_prof_pids[@]}"; do
		kill "$p" 2>/dev/null && kill -CONT "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	_prof_pids=()
	return 0
}

pj() {
	$PY -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

pcheck() {
	local file=$1 what=$2 code msg
	code=$(cat)
	msg=$($PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
try:
    exec(sys.argv[2])
except AssertionError as e:
    print(e)
    sys.exit(1)
' "$file" "$code" 2>&1) || ksft_fail "$what: $msg"
	[ -z "$msg" ] || echo "$msg" | sed 's/^/   /'
}

# prof_cleanup: no profile left running, no workload left alive
prof_cleanup() {
	work_kill
	[ -d /sys/module/sovereign ] && prof stop >/dev/null 2>&1
	rm -rf "$PTMP"
	return 0
}

# prof_require: the workloads are built and sovctl knows "profile"
prof_require() {
	local w
	for w in spin locker allocer deep; do
		[ -x "$PROFW/$w" ] || ksft_fail "$PROFW/$w is missing: build it (make prof-work)"
	done
	"$SOVCTL" profile status >/dev/null 2>&1 ||
		ksft_fail "sovctl profile status failed: $("$SOVCTL" profile status 2>&1)"
}

# fcheck FOLDED WHAT <<EOF: python checks over the folded stacks in file FOLDED, given as
# st, a list of (comm, [frames root first], weight); as pcheck
fcheck() {
	local file=$1 what=$2 code msg
	code=$(cat)
	msg=$($PY -c '
import sys
st = []
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if not line:
        continue
    stack, _, n = line.rpartition(" ")
    assert stack and n.isdigit(), "not a folded line: %r" % line
    fr = stack.split(";")
    st.append((fr[0], fr[1:], int(n)))
try:
    exec(sys.argv[2])
except AssertionError as e:
    print(e)
    sys.exit(1)
' "$file" "$code" 2>&1) || ksft_fail "$what: $msg"
	[ -z "$msg" ] || echo "$msg" | sed 's/^/   /'
}
