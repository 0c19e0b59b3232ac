#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench-memcompress, inside the test VM (scripts/vm/run.sh runs it):
# /dev/sovzN against /dev/zram0 in the same boot, on the same data, at the
# same algorithm: LZ4 (our "fast" against zram's lz4) and zstd (our
# "balanced" against zram's zstd).
#
#   fio      4 KiB sequential and random writes then reads, O_DIRECT, psync,
#            one job, 50 % compressible buffers refilled on every write
#            (zram-perf-test's recipe); MB/s
#   ratio    a fixed corpus (programs, text, zeros, random) written with dd:
#            original / compressed bytes, and the memory each device used
#   swap     a process writes and then checks 3x its cgroup's memory.max,
#            swapping to the device under test alone; seconds
#
# Every figure prints as ours/zram (for memory and swap time zram/ours,
# so higher is better everywhere). The last line:
#   bench memcompress: seqw=R seqr=R randw=R randr=R swap=R mem=R ratio_best=R
# where seqw..randr are the geometric means of the LZ4 and zstd pairs,
# mem compares the memory used for the corpus at balanced vs zram-zstd,
# and ratio_best our "best" level's corpus ratio over zram-zstd's: the corpus
# written at best, then packed by an idle recompression at best, as a device
# with a time policy at best ends up.
#
# Environment: MC_SIZE_MB (device size, 256), MC_IO_MB (fio bytes per run,
# 128), MC_SWAP_MB (swap workload, 192), MC_REPS (timed runs per device,
# alternating, medians reported; 3), MC_ONLY_ZRAM=1 (skip our device:
# the zram half alone, while sovz is not built).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
size_mb=${MC_SIZE_MB:-256}
io_mb=${MC_IO_MB:-128}
swap_mb=${MC_SWAP_MB:-192}
reps=${MC_REPS:-3}
only_zram=${MC_ONLY_ZRAM:-0}
work=$(mktemp -d /tmp/mcbench.XXXXXX)
corpus=$work/corpus
sovctl=${SOVCTL:-$repo/build/bin/sovctl}

die() { echo "bench-memcompress: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

# ---- the devices ----------------------------------------------------------

zram_up() {	# ALG -> /dev/zram0 of size_mb with ALG
	local alg=$1
	zram_down
	[ -e /sys/block/zram0 ] || modprobe zram num_devices=1 || die "cannot load zram"
	echo "$alg" >/sys/block/zram0/comp_algorithm || die "zram has no $alg"
	echo "${size_mb}M" >/sys/block/zram0/disksize
	echo /dev/zram0
}

zram_down() {
	[ -e /sys/block/zram0 ] || return 0
	swapoff /dev/zram0 2>/dev/null || true
	echo 1 >/sys/block/zram0/reset
}

# memory used and compressed bytes: mm_stat is orig compr mem_used ...
zram_mem() { awk '{print $3}' /sys/block/zram0/mm_stat; }
zram_orig() { awk '{print $1}' /sys/block/zram0/mm_stat; }
zram_compr() { awk '{print $2}' /sys/block/zram0/mm_stat; }

sovz_up() {	# LEVEL -> /dev/sovzbench
	local level=$1
	sovz_down
	"$sovctl" memcompress create size "${size_mb}M" level "$level" name sovzbench >/dev/null ||
		die "sovctl memcompress create failed"
	udevadm settle 2>/dev/null || true
	for _ in $(seq 50); do [ -b /dev/sovzbench ] && break; sleep 0.1; done
	[ -b /dev/sovzbench ] || die "/dev/sovzbench did not appear"
	echo /dev/sovzbench
}

sovz_down() {
	[ -e /sys/block/sovzbench ] || return 0
	swapoff /dev/sovzbench 2>/dev/null || true
	"$sovctl" memcompress destroy sovzbench >/dev/null
}

sovz_stat() {	# FIELD [GROUP]: from sovctl's JSON, GROUP stats by default
	"$sovctl" -j memcompress stats sovzbench |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["devices"][0][sys.argv[2]][sys.argv[1]])' \
			"$1" "${2:-stats}"
}

# best's second step: an idle recompression packs neighbouring pages (pack.h)
sovz_pack() {
	"$sovctl" memcompress recompress sovzbench idle-age 0 level best threads "$(nproc)" >/dev/null ||
		die "recompress failed"
	while [ "$(sovz_stat running recompression)" = True ]; do sleep 0.5; done
}

# ---- the measurements -----------------------------------------------------

# fio RW DEV -> MB/s; with --minimal, field 7 is read KiB/s and 48 write KiB/s
fio_mbs() {
	local rw=$1 dev=$2 line
	line=$(fio --name=mc --filename="$dev" --rw="$rw" --bs=4k --size="${io_mb}M" \
		--direct=1 --ioengine=psync --numjobs=1 --buffer_compress_percentage=50 \
		--buffer_compress_chunk=4k --refill_buffers --randseed=1 --norandommap \
		--minimal) || die "fio $rw on $dev failed"
	awk -F';' -v rw="$rw" '{ kib = (rw ~ /read/) ? $7 : $48; printf "%.1f\n", kib / 1024 }' <<<"$line"
}

# the four fio figures of DEV, as "seqw seqr randw randr"; writes fill the device first
fio_all() {
	local dev=$1
	echo "$(fio_mbs write "$dev") $(fio_mbs read "$dev") $(fio_mbs randwrite "$dev") $(fio_mbs randread "$dev")"
}

make_corpus() {
	local mb=64
	log "corpus: ${mb} MiB of programs, text, zeros and random bytes"
	# each part stops its producer early (SIGPIPE): not an error here
	set +o pipefail
	{
		find /usr/bin /usr/sbin -type f -size +64k 2>/dev/null | sort | head -n 400 |
			xargs cat 2>/dev/null | head -c $((24 << 20))
		find /usr/include /usr/share/common-licenses -type f 2>/dev/null | sort |
			xargs cat 2>/dev/null | head -c $((16 << 20))
		head -c $((8 << 20)) /dev/zero
		head -c $((8 << 20)) /dev/urandom
		find /usr/share/man -type f -name '*.gz' 2>/dev/null | sort | head -n 2000 |
			xargs zcat 2>/dev/null | head -c $((8 << 20))
	} >"$corpus"
	set -o pipefail
	truncate -s $((mb << 20)) "$corpus"
}

corpus_write() { dd if="$corpus" of="$1" bs=1M oflag=direct status=none; sync; }

# swap DEV: seconds for a hog of swap_mb in a cgroup of swap_mb/3
swap_secs() {
	local dev=$1 cg=/sys/fs/cgroup/mcbench t0 t1
	mkswap -q "$dev" >/dev/null
	swapon -p 100 "$dev"
	mkdir -p "$cg"
	echo $(((swap_mb / 3) << 20)) >"$cg/memory.max"
	t0=$(date +%s.%N)
	bash -c "echo \$\$ >$cg/cgroup.procs; exec python3 $repo/bench/memhog.py $swap_mb" ||
		die "the swap workload failed on $dev"
	t1=$(date +%s.%N)
	swapoff "$dev"
	rmdir "$cg"
	echo "$t0 $t1" | awk '{printf "%.2f\n", $2 - $1}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
gmean() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", sqrt(a * b) }'; }
# median "a b c" "d e f" ...: the column-wise medians of the runs
median() {
	python3 -c 'import statistics, sys
cols = zip(*(r.split() for r in sys.argv[1:]))
print(" ".join("%g" % statistics.median(map(float, c)) for c in cols))' "$@"
}

# ---- the run --------------------------------------------------------------

mountpoint -q /sys/fs/cgroup || mount -t cgroup2 none /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
swapoff -a 2>/dev/null || true
make_corpus

declare -A fio_z fio_s orig_z compr_z mem_z orig_s compr_s mem_s swap_z swap_s
for pair in lz4:fast zstd:balanced; do
	alg=${pair%%:*} level=${pair##*:}
	# timings: zram and ours take turns, reps times, on fresh devices; medians
	zf=() sf=() zs=() ss=()
	for rep in $(seq "$reps"); do
		log "zram $alg, run $rep of $reps"
		dev=$(zram_up "$alg")
		zf+=("$(fio_all "$dev")")
		zram_down; dev=$(zram_up "$alg")
		zs+=("$(swap_secs "$dev")")
		log "  seqw seqr randw randr MB/s: ${zf[-1]}; swap ${zs[-1]} s"
		zram_down
		[ "$only_zram" = 1 ] && continue
		log "sovz $level, run $rep of $reps"
		dev=$(sovz_up "$level")
		sf+=("$(fio_all "$dev")")
		sovz_down; dev=$(sovz_up "$level")
		ss+=("$(swap_secs "$dev")")
		log "  seqw seqr randw randr MB/s: ${sf[-1]}; swap ${ss[-1]} s"
		sovz_down
	done
	fio_z[$alg]=$(median "${zf[@]}") swap_z[$alg]=$(median "${zs[@]}")
	dev=$(zram_up "$alg")
	corpus_write "$dev"
	orig_z[$alg]=$(zram_orig) compr_z[$alg]=$(zram_compr) mem_z[$alg]=$(zram_mem)
	zram_down
	[ "$only_zram" = 1 ] && continue
	fio_s[$alg]=$(median "${sf[@]}") swap_s[$alg]=$(median "${ss[@]}")
	dev=$(sovz_up "$level")
	corpus_write "$dev"
	orig_s[$alg]=$(sovz_stat orig_bytes) compr_s[$alg]=$(sovz_stat compr_bytes)
	mem_s[$alg]=$(sovz_stat mem_used)
	sovz_down
done
# the levels fast and balanced ran above; none and best here, for the per-level table
declare -A lvl_fio lvl_ratio
if [ "$only_zram" != 1 ]; then
	for level in none best; do
		log "sovz $level"
		dev=$(sovz_up "$level")
		lvl_fio[$level]="$(fio_mbs write "$dev") $(fio_mbs read "$dev")"
		sovz_down; dev=$(sovz_up "$level")
		corpus_write "$dev"
		lvl_ratio[$level]=$(ratio "$(sovz_stat orig_bytes)" "$(sovz_stat compr_bytes)")
		if [ "$level" = best ]; then
			sovz_pack
			orig_best=$(sovz_stat orig_bytes) compr_best=$(sovz_stat compr_bytes)
			mem_best=$(sovz_stat mem_used)
			lvl_ratio[packed]=$(ratio "$orig_best" "$compr_best")
			lvl_fio[packed]="- -"
		fi
		sovz_down
	done
	read -ra f <<<"${fio_s[lz4]}"
	lvl_fio[fast]="${f[0]} ${f[1]}"
	lvl_ratio[fast]=$(ratio "${orig_s[lz4]}" "${compr_s[lz4]}")
	read -ra f <<<"${fio_s[zstd]}"
	lvl_fio[balanced]="${f[0]} ${f[1]}"
	lvl_ratio[balanced]=$(ratio "${orig_s[zstd]}" "${compr_s[zstd]}")
fi

printf '\nmemcompress bench: %s MiB devices, fio %s MiB per run (4 KiB, O_DIRECT, 50%% compressible),\n' \
	"$size_mb" "$io_mb"
printf '  a 64 MiB corpus, swap: %s MiB through a cgroup of %s MiB; kernel %s\n\n' \
	"$swap_mb" $((swap_mb / 3)) "$(uname -r)"
printf '  %-22s %9s %9s %9s %9s %10s %10s %8s\n' device "seqw MB/s" "seqr MB/s" "randw" randr \
	"ratio" "mem MiB" "swap s"
row() {	# LABEL "fio4" orig compr mem swap
	local f
	read -ra f <<<"$2"
	printf '  %-22s %9s %9s %9s %9s %10s %10.1f %8s\n' "$1" "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" \
		"$(ratio "$3" "$4")" "$(awk -v m="$5" 'BEGIN { print m / 1048576 }')" "$6"
}
for alg in lz4 zstd; do
	row "zram $alg" "${fio_z[$alg]}" "${orig_z[$alg]}" "${compr_z[$alg]}" "${mem_z[$alg]}" "${swap_z[$alg]}"
	[ "$only_zram" = 1 ] && continue
	level=fast; [ "$alg" = zstd ] && level=balanced
	row "sovz $level ($alg)" "${fio_s[$alg]}" "${orig_s[$alg]}" "${compr_s[$alg]}" "${mem_s[$alg]}" "${swap_s[$alg]}"
done
if [ "$only_zram" = 1 ]; then
	echo; echo "bench memcompress: seqw=0 seqr=0 randw=0 randr=0 swap=0 mem=0 ratio_best=0"
	rm -rf "$work"
	exit 0
fi
printf '  %-22s %9s %9s %9s %9s %10s %10.1f\n' "sovz best, packed" - - - - \
	"$(ratio "$orig_best" "$compr_best")" "$(awk -v m="$mem_best" 'BEGIN { print m / 1048576 }')"

printf '\n  per level (sovz; fio sequential 4 KiB, corpus ratio)\n'
printf '  %-10s %12s %12s %8s\n' level "write MB/s" "read MB/s" ratio
for level in none fast balanced best packed; do
	read -ra f <<<"${lvl_fio[$level]}"
	printf '  %-10s %12s %12s %8s\n' "$level" "${f[0]}" "${f[1]}" "${lvl_ratio[$level]}"
done

# ours/zram per figure and algorithm, then the geometric mean of the two algorithms
fig() {	# INDEX ALG
	local z s
	read -ra z <<<"${fio_z[$2]}"
	read -ra s <<<"${fio_s[$2]}"
	ratio "${s[$1]}" "${z[$1]}"
}
seqw=$(gmean "$(fig 0 lz4)" "$(fig 0 zstd)")
seqr=$(gmean "$(fig 1 lz4)" "$(fig 1 zstd)")
randw=$(gmean "$(fig 2 lz4)" "$(fig 2 zstd)")
randr=$(gmean "$(fig 3 lz4)" "$(fig 3 zstd)")
swap=$(gmean "$(ratio "${swap_z[lz4]}" "${swap_s[lz4]}")" "$(ratio "${swap_z[zstd]}" "${swap_s[zstd]}")")
mem=$(ratio "${mem_z[zstd]}" "${mem_s[zstd]}")
ratio_best=$(ratio "$(ratio "$orig_best" "$compr_best")" "$(ratio "${orig_z[zstd]}" "${compr_z[zstd]}")")
printf '\n  ours/zram (memory and swap time: zram/ours): seqw %s seqr %s randw %s randr %s swap %s mem %s ratio_best %s\n' \
	"$seqw" "$seqr" "$randw" "$randr" "$swap" "$mem" "$ratio_best"
echo "bench memcompress: seqw=$seqw seqr=$seqr randw=$randw randr=$randr swap=$swap mem=$mem ratio_best=$ratio_best"
rm -rf "$work"
