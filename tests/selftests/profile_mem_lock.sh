#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The profiler's lock and memory kinds end to end:
#   1. lock: build/tests/prof/locker (4 threads of RTM_GETLINK requests, which take
#      rtnl_mutex) profiled with scope tgid for 3 s: rtnl_mutex is among the 3 most
#      contended locks, a mutex (LCB_F_MUTEX), with count > 0, a histogram that sums to
#      the count and whose highest bucket holds the longest wait, total >= max; its
#      stacks are locker's, through __mutex_lock under rtnetlink/netlink code;
#   2. mem: build/tests/prof/allocer (pipes and unix datagram sockets in a loop, 64
#      pipes held, a resident set growing by 1 MiB per 100 ms) profiled with scope
#      tgid for 4 s, rss-interval 50: alloc_pipe_info and the skb path allocate; with
#      leak-age 1000 the 64 held pipes are leak candidates, with leak-age 600000 nothing
#      is; the mem stacks are allocer's, in bytes, through the pipe2 syscall; the
#      resident-set samples of allocer rise by at least 8 MiB, about every 50 ms.
. "$(dirname "$0")/lib.sh"
require_module
# shellcheck source=tests/selftests/prof_lib.bash
. "$(dirname "$0")/prof_lib.bash"
on_exit prof_cleanup
prof_require
prof stop >/dev/null 2>&1

# --- 1. lock ---------------------------------------------------------------------------
step "locker (4 threads of RTM_GETLINK), kind lock, scope tgid, 3 s"
work_start locker 600 4
locker=$WORK_PID
# the workload stands still while the lock tracepoints' probes come and go (prof_lib.bash)
work_pause
prof_ok start kind lock tgid "$locker"
work_resume
sleep 3
work_pause
prof_ok stop save "$PTMP/lock.prof"
work_kill
prof_ok report from "$PTMP/lock.prof" kind lock --top 5
echo "$out"
pcheck "$PTMP/lock.prof" "locker's lock profile" <<EOF
locks = sorted(d["locks"], key=lambda l: -l["count"])
assert locks, "no contended lock"
top = [l["name"] for l in locks[:3]]
rtnl = [l for l in locks if l["name"].split("+")[0] == "rtnl_mutex"]
assert rtnl, "rtnl_mutex is not among the contended locks: %s" % [l["name"] for l in locks[:10]]
l = rtnl[0]
assert l["name"] in top, "rtnl_mutex is not among the top 3: %s" % top
assert l["count"] > 0, l
assert l["flags"] & (1 << 5), "rtnl_mutex's flags %#x lack LCB_F_MUTEX" % l["flags"]
h = l["hist"]
assert len(h) == 40, "histogram of %d buckets" % len(h)
assert sum(h) == l["count"], "histogram sums to %d, count %d" % (sum(h), l["count"])
hb = max(i for i, v in enumerate(h) if v)
assert l["max_ns"] >= (1 << hb) or hb == 0, "max %d ns below the highest bucket %d" % (l["max_ns"], hb)
assert l["max_ns"] < (1 << (hb + 1)) or hb == 39, "max %d ns above the highest bucket %d" % (l["max_ns"], hb)
assert l["count"] * l["max_ns"] >= l["total_ns"] >= l["max_ns"] > 0, l
m = d["meta"]
assert m["lock_events"] >= l["count"], "lock_events %d < rtnl_mutex's count %d" % (m["lock_events"], l["count"])
st = [s for s in d["stacks"] if s["kind"] == "lock"]
assert st, "no lock stacks"
assert all(s["tgid"] == $locker for s in st), "a lock stack not of locker (scope tgid)"
mine = [s for s in st if s["tag"].split("+")[0] == "rtnl_mutex"]
assert mine, "no stack tagged rtnl_mutex: %s" % sorted(set(s["tag"] for s in st))
through = [s for s in mine if any(f.startswith("__mutex_lock") for f in s["frames"])
           and any(f.startswith(("rtnetlink_rcv_msg", "netlink_dump", "__netlink_dump_start", "rtnl_lock"))
                   for f in s["frames"])]
assert through, "no rtnl_mutex stack through __mutex_lock and rtnetlink: %s" % mine[0]["frames"]
assert sum(s["count"] for s in mine) <= l["count"], "stacks count more waits than the lock"
print("rtnl_mutex: %d waits, %d us in all, max %d us; top 3: %s" %
      (l["count"], l["total_ns"] // 1000, l["max_ns"] // 1000, top))
EOF

# --- 2. mem ------------------------------------------------------------------------------
step "allocer (pipes, unix sockets, 64 pipes held, rss +1 MiB/100 ms), kind mem, scope tgid, 4 s"
work_start allocer 4 -W
alloc=$WORK_PID
# allocer is idle while the kmem probes are registered and removed (prof_lib.bash)
prof_ok start kind mem tgid "$alloc" rss-interval 50
kill -USR1 "$alloc"
work_done allocer 60
prof_ok stop
echo "   allocer: $(tail -n 1 "$PTMP/allocer.out")"
# the held pipes are still allocated: allocer holds them until it is killed
prof_ok report kind mem leak-age 1000 save "$PTMP/mem1.prof"
prof_ok report kind mem leak-age 600000 save "$PTMP/mem2.prof"
prof_ok report kind mem --folded
echo "$out" >"$PTMP/mem.folded"
prof_ok report from "$PTMP/mem1.prof" kind mem --top 8
echo "$out"
work_kill
pcheck "$PTMP/mem1.prof" "allocer's memory profile, leak-age 1000" <<EOF
sites = {}
for s in d["sites"]:
    sites.setdefault(s["name"].split("+")[0].split(" ")[0], []).append(s)
def site(name):
    assert name in sites, "no site %s among %s" % (name, sorted(sites)[:20])
    ss = sites[name]
    return {k: sum(s[k] for s in ss) for k in ss[0] if k not in ("name", "addr")}
p = site("alloc_pipe_info")
assert p["allocs"] >= 2 * 100 and p["bytes"] > 0, "alloc_pipe_info: %s" % p
# each held pipe: its pipe_inode_info and its buffers, allocated in alloc_pipe_info
assert p["live_objs"] >= 64, "alloc_pipe_info: %d live objects, 64 pipes held" % p["live_objs"]
assert p["old_objs"] >= 64, "alloc_pipe_info: %d objects older than 1 s, 64 pipes held" % p["old_objs"]
assert p["old_objs"] <= p["live_objs"] <= p["allocs"], p
assert p["frees"] + p["live_objs"] <= p["allocs"], p
skb = [n for n in ("__alloc_skb", "kmalloc_reserve", "alloc_skb_with_frags", "sock_alloc_send_pskb")
       if n in sites and site(n)["allocs"] > 0]
assert skb, "no allocation on the skb path (__alloc_skb ...): %s" % sorted(sites)[:30]
m = d["meta"]
assert m["mem_events"] > p["allocs"], m
print("alloc_pipe_info: %d allocs, %d frees, %d live, %d older than 1 s; skb path: %s" %
      (p["allocs"], p["frees"], p["live_objs"], p["old_objs"], skb))
EOF
pcheck "$PTMP/mem2.prof" "allocer's memory profile, leak-age 600000" <<'EOF'
old = [(s["name"], s["old_objs"]) for s in d["sites"] if s["old_objs"] or s["old_bytes"]]
assert not old, "leak candidates older than 10 minutes in a profile of seconds: %s" % old[:5]
live = sum(s["live_objs"] for s in d["sites"] if s["name"].startswith("alloc_pipe_info"))
assert live >= 64, "the live objects do not depend on the leak age: %d" % live
EOF
pcheck "$PTMP/mem1.prof" "allocer's mem stacks and resident-set samples" <<EOF
st = [s for s in d["stacks"] if s["kind"] == "mem"]
assert st and all(s["tgid"] == $alloc for s in st), "mem stacks not all allocer's"
pipe = [s for s in st if "alloc_pipe_info_[k]" in s["frames"]]
assert pipe, "no mem stack through alloc_pipe_info"
assert any(f.startswith(("__x64_sys_pipe2", "do_pipe2", "__do_pipe_flags")) for s in pipe for f in s["frames"]), \
    "alloc_pipe_info not under the pipe2 syscall: %s" % pipe[0]["frames"]
assert all(s["weight"] >= s["count"] > 0 for s in pipe), "mem stacks: weight (bytes) < count"
assert any(not f.endswith("_[k]") for s in st for f in s["frames"]), "no user frame in any mem stack"
r = sorted((x for x in d["rss"] if x["tgid"] == $alloc), key=lambda x: x["time_ns"])
assert len(r) >= 10, "%d resident-set samples of allocer in 4 s at 50 ms" % len(r)
grow = r[-1]["bytes"] - r[0]["bytes"]
assert grow >= 8 << 20, "allocer's resident set grew by %d KiB only" % (grow >> 10)
gaps = sorted(b["time_ns"] - a["time_ns"] for a, b in zip(r, r[1:]))
med = gaps[len(gaps) // 2] / 1e6
assert 40 <= med <= 500, "resident-set samples %.0f ms apart (median), rss-interval 50" % med
assert all(x["comm"] == "allocer" for x in r), "rss samples of allocer under another name"
print("%d rss samples, %.0f ms apart (median), %d -> %d KiB" % (len(r), med, r[0]["bytes"] >> 10, r[-1]["bytes"] >> 10))
EOF
fcheck "$PTMP/mem.folded" "allocer's folded mem stacks" <<'EOF'
assert set(c for c, _, _ in st) == {"allocer"}, set(c for c, _, _ in st)
b = sum(n for _, f, n in st if "alloc_pipe_info_[k]" in f)
assert b >= 100 * 192, "%d bytes through alloc_pipe_info" % b
EOF
ksft_pass "profile_mem_lock: rtnl_mutex contended by locker, allocer's sites, leak candidates and rss"
