#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-netio, inside the test VM (scripts/vm/run.sh runs it, the module loaded):
# AF_XDP packets/s through lib/netio (sovctl netio bench) on three paths in the same boot:
#   zc     a sovnet pair, both sockets zero-copy
#   copy   the same pair, both sockets in copy mode
#   veth   a veth pair, native XDP (libxdp's redirect program) and AF_XDP copy mode
#          (veth has no zero-copy in 6.1)
# for txonly -> rxdrop (sv0 sends, sv1 counts) and l2fwd (sv1 sends, sv0 bounces back,
# sv1 counts) at 64 and 1500 bytes. NB_REPS rounds; a round runs every case once, the
# three paths back to back, so that the ratios are paired; the table gives medians of
# the rates and of the per-round ratios.
#
# The last line:
#   bench netio: zc_vs_veth_64=R zc_vs_veth_1500=R zc_vs_copy_64=R ns_per_pkt_zc=N
# ratios of txonly -> rxdrop received pps (median of the paired ratios); ns_per_pkt_zc:
# 1e9 / the median zero-copy 64-byte pps. Targets (issue 11): zc_vs_veth_64 >= 4,
# zc_vs_veth_1500 >= 5.
#
# Environment: NB_REPS (3), NB_SECS (1, seconds a run), NB_SIZES ("64 1500"),
# NB_MODES ("txonly l2fwd"), SOVCTL (build/bin/sovctl).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
reps=${NB_REPS:-3}
secs=${NB_SECS:-1}
sizes=${NB_SIZES:-64 1500}
modes=${NB_MODES:-txonly l2fwd}
SOVCTL=${SOVCTL:-$repo/build/bin/sovctl}
IP=/usr/sbin/ip
out=$(mktemp -d /tmp/bench-netio.XXXXXX)

die() { echo "bench-netio: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }
[ -d /sys/module/sovereign ] || die "the sovereign module is not loaded"
[ -x "$SOVCTL" ] || die "$SOVCTL is missing (make)"
[ "$reps" -ge 1 ] 2>/dev/null || die "NB_REPS=$reps: a number >= 1"

cleanup() {
	"$SOVCTL" netio destroy sv0 >/dev/null 2>&1 || true
	$IP link del va 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT

# no IPv6 on the pairs: neighbour discovery frames would land in the sockets
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 || true
"$SOVCTL" netio create sv0 peer sv1 >/dev/null || die "sovctl netio create sv0 peer sv1 failed"
$IP link add va type veth peer name vb || die "ip link add va type veth failed"
for d in sv0 sv1 va vb; do $IP link set "$d" mtu 1500 up; done
sleep 1

# path -> "TX_DEV RX_DEV bind"
declare -A path=([zc]="sv0 sv1 zc" [copy]="sv0 sv1 copy" [veth]="va vb copy")

run() {	# $1 path, $2 mode, $3 size, $4 round
	local dev peer bind f
	read -r dev peer bind <<<"${path[$1]}"
	f=$out/$1.$2.$3.$4.json
	if [ "$2" = txonly ]; then
		"$SOVCTL" -j netio bench "$dev" "$peer" mode txonly size "$3" time "$secs" "$bind" >"$f" ||
			die "sovctl netio bench $dev $peer mode txonly size $3 $bind failed"
	else
		"$SOVCTL" -j netio bench "$dev" "$peer" mode l2fwd size "$3" time "$secs" "$bind" >"$f" ||
			die "sovctl netio bench $dev $peer mode l2fwd size $3 $bind failed"
	fi
	log "$1 $2 $3 B round $4: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["pps"], "pps", [s["bind"] for s in d["sockets"]])' "$f")"
}

for r in $(seq "$reps"); do
	for m in $modes; do
		for s in $sizes; do
			for p in zc copy veth; do
				run "$p" "$m" "$s" "$r"
			done
		done
	done
done

python3 - "$out" "$reps" "$sizes" "$modes" <<'PY'
import json, statistics, sys
out, reps, sizes, modes = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(), sys.argv[4].split()
def pps(p, m, s, r):
    d = json.load(open(f"{out}/{p}.{m}.{s}.{r}.json"))
    binds = {x["bind"] for x in d["sockets"]}
    want = "zc" if p == "zc" else "copy"
    if binds != {want}:
        sys.exit(f"bench-netio: {p} {m} {s}: sockets bound {binds}, not {want}")
    return d["pps"]
med = statistics.median
print(f"{'mode':7} {'size':>5} {'path':5} {'pps':>10} {'ns/pkt':>8} {'x veth':>7} {'x copy':>7}   (median of {reps} paired rounds)")
ratio = {}
for m in modes:
    for s in sizes:
        rows = {p: [pps(p, m, s, r) for r in range(1, reps + 1)] for p in ("zc", "copy", "veth")}
        for p in ("zc", "copy", "veth"):
            v = med(rows[p])
            rv = med(a / b for a, b in zip(rows[p], rows["veth"]) if b) if p != "veth" else 1
            rc = med(a / b for a, b in zip(rows[p], rows["copy"]) if b) if p != "copy" else 1
            ratio[(m, s, p, "veth")], ratio[(m, s, p, "copy")] = rv, rc
            print(f"{m:7} {s:>5} {p:5} {v:>10.0f} {1e9 / v if v else 0:>8.0f} {rv:>7.2f} {rc:>7.2f}")
zc64 = med(pps("zc", "txonly", "64", r) for r in range(1, reps + 1))
print("bench netio: zc_vs_veth_64=%.2f zc_vs_veth_1500=%.2f zc_vs_copy_64=%.2f ns_per_pkt_zc=%d" % (
    ratio[("txonly", "64", "zc", "veth")], ratio[("txonly", "1500", "zc", "veth")],
    ratio[("txonly", "64", "zc", "copy")], round(1e9 / zc64) if zc64 else 0))
PY
