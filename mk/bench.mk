# SPDX-License-Identifier: GPL-2.0
#
# mk/bench.mk - benchmarks. Included by the top-level Makefile after
# mk/bpf.mk (it uses BUILD, CC and the libbpf flags from there); paths are
# relative to the repository root.
#
# Targets
#   bench-lb              the XDP load balancer: BPF_PROG_TEST_RUN ns/packet
#                         per case next to a floor program, then packets/s
#                         through a veth pair in native XDP mode. Needs root.
#                         Last line: bench lb: est_ns=N new_ns=N pass_ns=N
#                         floor_ns=N veth_mpps=N (Documentation/lb.rst,
#                         "Benchmark")
#   bench-raft            a three-node sovereignd cluster on 127.0.0.1 against
#                         etcd (etcd-server) run the same way: committed
#                         writes/s and latency at 1, 16 and 64 clients, leader
#                         failover and election times. A few minutes.
#                         Last line: bench raft: c1=R c16=R c64=R
#                         election_ms=N failover_p50_ms=N failover_p99_ms=N
#                         (Documentation/raft.rst, "Benchmark")
#   bench-memcompress     in the test VM: /dev/sovzN against zram in the same
#                         boot (fio, a corpus's ratio and memory, a swap
#                         workload), at LZ4 and zstd. Several minutes (TCG).
#                         Last line: bench memcompress: seqw=R seqr=R randw=R
#                         randr=R swap=R mem=R ratio_best=R
#                         (Documentation/memcompress.rst, "Benchmark")
#   bench-classes         in the test VM: the sov qdisc against prio, ets, htb
#                         and cake in the same boot: pktgen pps at 64 and 1500
#                         bytes, the highest class's round trip while the lowest
#                         floods (against prio and pfifo_fast), shaping error.
#                         A few minutes (TCG).
#                         Last line: bench classes: pps64_vs_prio=R
#                         pps64_vs_cake=R hi_p99_flood_over_idle=R
#                         shaping_err_pct=P (bench/classes.sh)
#   bench-profile         in the test VM: the profiler against perf record in
#                         the same boot: a fixed CPU-bound workload's run time
#                         with neither, with ours and with perf at 99, 999 and
#                         4000 Hz (cpu-clock, kernel+user stacks, every CPU),
#                         and the workload's top-20 self shares of both.
#                         About 10 minutes (TCG).
#                         Last line: bench profile: ovh99=P ovh999=P
#                         ovh4000=P perf99=P perf999=P perf4000=P
#                         top20_maxdiff=P (Documentation/profile.rst,
#                         "Benchmark")
#   bench-trace           tracing's costs (bench/trace.sh): ns per span recorded
#                         in process and end to end at 100 % sampling, per
#                         kernel span (BPF: a traced getpid() against one with
#                         the programs detached; needs root), per histogram
#                         insert; the exporter's spans/s over HTTP and to a
#                         file against encoding alone; then the Raft write
#                         load (16 clients) on four running clusters, tracing
#                         off, sampled 1 %, 100 %, off again (the noise), 1 s
#                         each in a balanced order, 40 rounds; overhead: the
#                         median loss of writes/s against off in the same
#                         round. Needs root for the BPF part. About 4 minutes.
#                         Last line: bench trace: span_ns=N bpf_event_ns=N
#                         hist_ns=N overhead_1pct=P overhead_100pct=P
#                         (Documentation/trace.rst, "Benchmark")
#   bench                 every benchmark
#   $(BUILD)/bin/lb-bench the load balancer benchmark's binary
#   $(BUILD)/bin/raft-bench the Raft benchmark's binary
#   $(BUILD)/bin/trace-bench lib/trace's part of bench-trace
#
# Variables
#   LB_BENCH_FLAGS  extra lb-bench options, e.g. -V (no veth) or -v
#                   (raw numbers); see lb-bench -h
#   RAFT_BENCH_FLAGS extra raft-bench options, e.g. -E (no etcd), -n 10
#                   (failover trials), -t 5 (seconds per level), -c 16 (that
#                   level alone), -A ARGS (daemon arguments), -v; see
#                   raft-bench -h
#   MC_BENCH_ENV    variables for bench/memcompress.sh, e.g. MC_IO_MB=64 or
#                   MC_ONLY_ZRAM=1 (the zram half alone)
#   CLASSES_BENCH_ENV variables for bench/classes.sh, e.g. BC_REPS=3 or
#                   BC_SHAPE_SECS=10
#   PROFILE_BENCH_ENV variables for bench/profile.sh, e.g. PB_REPS=5,
#                   PB_SECS=10 or PB_ONLY_PERF=1 (perf's half alone)
#   TRACE_BENCH_ENV variables for bench/trace.sh, e.g. TRACE_BENCH_REPS=10
#                   (rounds of the Raft load), TRACE_BENCH_RAFT=0 (no Raft
#                   part), TRACE_BENCH_FLAGS='-r 3 -b 0' (trace-bench: 3
#                   rounds, no BPF)
#   BENCH_CFLAGS    userspace flags (default -std=c11 -O2 -g, warnings as errors)

BENCH_CFLAGS ?= -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow \
	-Wformat=2 -Wno-format-nonliteral
LB_BENCH_FLAGS ?=
RAFT_BENCH_FLAGS ?=

LB_BENCH := $(BUILD)/bin/lb-bench
LB_BENCH_OBJS := $(BUILD)/bench/lb_bench.o $(BUILD)/bench/lb_veth.o $(BUILD)/bench/maglev.o \
	$(BUILD)/bench/percpu.o
LB_BENCH_SKELS := $(BUILD)/bpf/bench_floor.skel.h $(BUILD)/bpf/bench_restore.skel.h \
	$(BUILD)/bpf/bench_veth.skel.h

.PHONY: bench bench-lb bench-raft bench-memcompress bench-classes bench-profile bench-trace

bench: bench-lb bench-raft bench-memcompress bench-classes bench-profile bench-trace bench-netio

bench-lb: $(LB_BENCH) $(BUILD)/bpf/lb.bpf.o
	$(LB_BENCH) -o $(BUILD)/bpf/lb.bpf.o $(LB_BENCH_FLAGS)

$(BUILD)/bench/%.o: bench/%.c $(LB_BENCH_SKELS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(BPF_LIBBPF_CFLAGS) -Ibpf -Ilib -I$(BUILD)/bpf \
		-MMD -MP -c $< -o $@

# Maglev tables as the daemon builds them, per-CPU sums as it reads them
$(BUILD)/bench/maglev.o: lib/lb/maglev.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/bench/percpu.o: lib/bpf/percpu.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(BPF_LIBBPF_CFLAGS) -MMD -MP -c $< -o $@

$(LB_BENCH): $(LB_BENCH_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $^ $(BPF_LIBBPF_LIBS) -lm

-include $(LB_BENCH_OBJS:.o=.d)

# ---- bench-raft: the daemon as it is built, etcd from Debian -------------------------

RAFT_BENCH := $(BUILD)/bin/raft-bench

bench-raft: $(RAFT_BENCH) $(SOVEREIGND)
	$(RAFT_BENCH) -d $(SOVEREIGND) -w $(BUILD)/bench-raft $(RAFT_BENCH_FLAGS)

# no BPF here: an explicit rule, so the skeletons of the pattern above are not needed
$(BUILD)/bench/raft_bench.o $(BUILD)/bench/raft_bench_conn.o $(BUILD)/bench/raft_bench_settings.o: $(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

$(RAFT_BENCH): $(BUILD)/bench/raft_bench.o $(BUILD)/bench/raft_bench_conn.o $(BUILD)/bench/raft_bench_settings.o
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) -o $@ $^ -lmnl -lpthread

-include $(BUILD)/bench/raft_bench.d $(BUILD)/bench/raft_bench_conn.d $(BUILD)/bench/raft_bench_settings.d

# ---- bench-memcompress: in the VM, the module against zram --------------------------

MC_BENCH_ENV ?=
MC_MODULES := zsmalloc lz4_compress lz4hc_compress zstd_compress

bench-memcompress: kmod $(SOVCTL)
	scripts/vm/run.sh --timeout 1800 \
		--setup 'modprobe -a $(MC_MODULES) && insmod kmod/sovereign.ko' \
		-- '$(MC_BENCH_ENV) bench/memcompress.sh'

# ---- bench-classes: in the VM, the sov qdisc against prio, ets, htb, cake, pfifo_fast ---

CLASSES_BENCH_ENV ?=

# the plugin by its path: mk/tc.mk, which names it, is included after this file
bench-classes: kmod $(BUILD)/lib/tc/q_sov.so
	scripts/vm/run.sh --timeout 1800 \
		--setup 'modprobe -a $$(modinfo -F depends kmod/sovereign.ko | tr , " ") && insmod kmod/sovereign.ko' \
		-- '$(CLASSES_BENCH_ENV) bench/classes.sh'

# ---- bench-profile: in the VM, the profiler against perf record ---------------------

PROFILE_BENCH_ENV ?=

# the workload by its path: mk/prof.mk, which names it, is included after this file
bench-profile: kmod $(SOVCTL) $(BUILD)/tests/prof/deep
	scripts/vm/run.sh --timeout 1800 \
		--setup 'modprobe -a $$(modinfo -F depends kmod/sovereign.ko | tr , " ") && insmod kmod/sovereign.ko' \
		-- '$(PROFILE_BENCH_ENV) bench/profile.sh'

# ---- bench-trace: lib/trace's costs, then the Raft write workload with tracing ------

TRACE_BENCH := $(BUILD)/bin/trace-bench
TRACE_BENCH_ENV ?=

bench-trace: $(TRACE_BENCH) $(RAFT_BENCH) $(SOVEREIGND) $(SOVCTL)
	$(TRACE_BENCH_ENV) bench/trace.sh

# libsovereign's objects, compiled as the daemon's are (CFLAGS: -O2 -g)
$(BUILD)/bench/trace_bench.o: bench/trace_bench.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(TRACE_BENCH): $(BUILD)/bench/trace_bench.o $(LIBSOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm -lpthread

-include $(BUILD)/bench/trace_bench.d
