#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The profiler's cpu-clock sampling end to end (sovctl profile, kmod/prof, lib/prof):
#   1. spin (build/tests/prof/spin: spin_a 70 %, spin_b 30 % of its CPU time) profiled
#      with scope pid at 999 Hz for 5 s: only spin's samples, about 999 a second, the
#      folded stacks give spin_a 70 and spin_b 30 points (+-10), rooted at main; status
#      echoes the settings while it runs and after;
#   2. the same with scope tgid, saved at stop: --top, --tree, --svg; the saved file
#      reports the same folded stacks after spin is gone; compare of the two files;
#   3. dd from /dev/zero to /dev/null, every CPU: dd's samples are in the kernel's copy
#      path (read_zero, clear_user..., iov_iter_zero), frames ending in "_[k]", under
#      the syscall entry (root first); with "stacks kernel" no user frame at all.
. "$(dirname "$0")/lib.sh"
require_module
# shellcheck source=tests/selftests/prof_lib.bash
. "$(dirname "$0")/prof_lib.bash"
on_exit prof_cleanup
prof_require
prof stop >/dev/null 2>&1

# --- 1. spin, scope pid ---------------------------------------------------------------
step "spin 70/30, scope pid, 999 Hz, 5 s"
work_start spin 600
spin=$WORK_PID
prof_ok start kind cpu freq 999 pid "$spin"
check_eq "$(sj 'd["state"], d["freq"], d["pid"], d["kinds"]')" "('running', 999, $spin, 1)" \
	"status while running (state, freq, pid, kinds)"
sleep 5
prof_ok stop
prof status
check_eq "$(sj 'd["state"]')" stopped "state after stop"
prof_ok -j status
echo "$out" >"$PTMP/status.json"
prof_ok report --folded
echo "$out" >"$PTMP/pid.folded"
pcheck "$PTMP/status.json" "status after a 5 s profile at 999 Hz of one spinning thread" <<'EOF'
dur = d["duration_ns"] / 1e9
assert 4.5 <= dur <= 30, "duration %.2f s" % dur
# one thread, always running: about 999 samples a second (TCG may lose some)
assert d["samples"] >= 0.3 * 999 * dur, "%d samples in %.1f s" % (d["samples"], dur)
assert d["samples"] <= 1.2 * 999 * dur, "%d samples in %.1f s" % (d["samples"], dur)
assert d["freq"] == 999 and d["pid"] > 0 and d["tgid"] == 0, d
print("%d samples in %.2f s, %d skipped, %d dropped" % (d["samples"], dur, d["skipped"], d["dropped"]))
EOF
samples=$(pj "$PTMP/status.json" 'd["samples"] - d["dropped"]')
fcheck "$PTMP/pid.folded" "spin's profile (scope pid)" <<EOF
total = sum(n for _, _, n in st)
assert total > 0, "no stacks"
assert total <= $samples * 1.01, "folded weights %d, samples %d" % (total, $samples)
others = set(c for c, _, _ in st) - {"spin"}
assert not others, "samples of other tasks with scope pid: %s" % others
a = sum(n for _, f, n in st if "spin_a" in f)
b = sum(n for _, f, n in st if "spin_b" in f)
assert a + b >= 0.9 * total, "spin_a %d + spin_b %d of %d samples" % (a, b, total)
share = 100.0 * a / (a + b)
assert 60 <= share <= 80, "spin_a %.1f %%, spin_b %.1f %% (expected 70/30 +-10)" % (share, 100 - share)
# the user stack unwinds through main: spin_a/spin_b are called from main
rooted = sum(n for _, f, n in st if "main" in f and any(x in ("spin_a", "spin_b") for x in f[f.index("main"):]))
assert rooted >= 0.8 * (a + b), "only %d of %d spin samples have main above spin_a/b" % (rooted, a + b)
print("spin_a %.1f %%, spin_b %.1f %% of %d samples" % (share, 100 - share, a + b))
EOF

# --- 2. spin, scope tgid, saved ------------------------------------------------------
step "spin, scope tgid, 999 Hz, 4 s, saved at stop"
prof_ok start freq 999 tgid "$spin"
check_eq "$(sj 'd["state"], d["tgid"], d["pid"]')" "('running', $spin, 0)" "status (state, tgid, pid)"
sleep 4
prof_ok stop save "$PTMP/tgid.prof"
prof_ok report --folded
echo "$out" >"$PTMP/tgid.folded"
fcheck "$PTMP/tgid.folded" "spin's profile (scope tgid)" <<'EOF'
assert set(c for c, _, _ in st) == {"spin"}, set(c for c, _, _ in st)
a = sum(n for _, f, n in st if "spin_a" in f)
b = sum(n for _, f, n in st if "spin_b" in f)
share = 100.0 * a / max(1, a + b)
assert 60 <= share <= 80, "spin_a %.1f %%, spin_b %.1f %%" % (share, 100 - share)
print("spin_a %.1f %%, spin_b %.1f %% of %d samples" % (share, 100 - share, a + b))
EOF
pcheck "$PTMP/tgid.prof" "the saved profile" <<EOF
m = d["meta"]
assert d["format"] == "sovereign-profile", d["format"]
assert m["tgid"] == $spin and m["freq"] == 999 and m["samples"] > 0, m
assert all(s["kind"] == "cpu" and s["comm"] == "spin" for s in d["stacks"]), "a stack not spin's"
assert any("spin_a" in s["frames"] for s in d["stacks"]), "no spin_a in the file"
EOF
prof_ok report --top 5
echo "$out"
top=$(grep -m1 -E 'spin_[ab]' <<<"$out") || ksft_fail "--top 5 shows neither spin_a nor spin_b"
check_contains "$top" spin_a "the first of spin_a/spin_b in --top"
check_contains "$out" spin_b "--top 5"
prof_ok report --tree min 5
check_contains "$out" spin_a "--tree"
check_contains "$out" main "--tree"
prof_ok report --svg "$PTMP/spin.svg"
head -c 200 "$PTMP/spin.svg" | grep -q '<svg' || ksft_fail "--svg: no <svg in $(head -c 200 "$PTMP/spin.svg")"
grep -q spin_a "$PTMP/spin.svg" || ksft_fail "--svg: spin_a is not in the flame graph"
echo "   --svg: $(wc -c <"$PTMP/spin.svg") bytes"

step "the saved file after spin is gone"
work_kill
prof_ok report from "$PTMP/tgid.prof" --folded
check_eq "$(sort <<<"$out")" "$(sort "$PTMP/tgid.folded")" "folded stacks from the file"
prof_ok report from "$PTMP/tgid.prof" --top 3
check_contains "$out" spin_a "--top from the file"

# --- 3. dd, every CPU -------------------------------------------------------------
step "dd if=/dev/zero of=/dev/null, every CPU, 999 Hz"
prof_ok start freq 999
dd if=/dev/zero of=/dev/null bs=1M count=6000 status=none
prof_ok stop save "$PTMP/dd.prof"
prof_ok report --folded
echo "$out" >"$PTMP/dd.folded"
fcheck "$PTMP/dd.folded" "dd's profile" <<'EOF'
import re
dd = [(f, n) for c, f, n in st if c == "dd"]
total = sum(n for _, n in dd)
assert total >= 100, "only %d samples of dd" % total
copy = re.compile(r"^(read_zero|read_iter_zero|iov_iter_zero|__?clear_user\w*|clear_user\w*)_\[k\]$")
incopy = sum(n for f, n in dd if any(copy.match(x) for x in f))
assert incopy >= 0.5 * total, "%d of dd's %d samples in the copy path" % (incopy, total)
# root first: the syscall entry above read_zero, read_zero above clear_user
for f, n in dd:
    names = [x for x in f if x.endswith("_[k]")]
    if "read_zero_[k]" in names and any(x.startswith("entry_SYSCALL_64") for x in names):
        e = min(i for i, x in enumerate(names) if x.startswith("entry_SYSCALL_64"))
        assert e < names.index("read_zero_[k]"), "entry below read_zero: %s" % f
        leaf = [i for i, x in enumerate(names) if x.startswith("clear_user")]
        assert not leaf or leaf[0] > names.index("read_zero_[k]"), "clear_user above read_zero: %s" % f
        break
else:
    assert False, "no stack of dd has read_zero under entry_SYSCALL_64"
print("%d of dd's %d samples in the copy path" % (incopy, total))
EOF

step "dd again, stacks kernel"
prof_ok start freq 999 stacks kernel
dd if=/dev/zero of=/dev/null bs=1M count=3000 status=none
prof_ok stop
prof_ok report --folded
echo "$out" >"$PTMP/ddk.folded"
fcheck "$PTMP/ddk.folded" "dd's profile with kernel stacks only" <<'EOF'
dd = [(f, n) for c, f, n in st if c == "dd"]
assert dd, "no samples of dd"
user = [x for f, _ in dd for x in f if not x.endswith("_[k]")]
assert not user, "user frames with stacks kernel: %s" % user[:5]
EOF

step "compare the two files"
prof_ok compare "$PTMP/tgid.prof" "$PTMP/dd.prof" --top 5
echo "$out"
check_contains "$out" spin_a "compare"
ksft_pass "profile: spin 70/30 by pid and tgid, reports, the saved file, dd in the kernel"
