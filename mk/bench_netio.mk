# SPDX-License-Identifier: GPL-2.0
#
# mk/bench_netio.mk - make bench-netio: in the test VM (one boot), AF_XDP
# packets/s through lib/netio (sovctl netio bench): a sovnet pair in
# zero-copy and in copy mode against a veth pair (native XDP, AF_XDP copy
# mode), txonly -> rxdrop and l2fwd at 64 and 1500 bytes, medians of
# NB_REPS paired rounds (bench/netio.sh). About 3 minutes (TCG).
# Last line: bench netio: zc_vs_veth_64=R zc_vs_veth_1500=R zc_vs_copy_64=R
# ns_per_pkt_zc=N (Documentation/netio.rst, "Benchmark").
#
#   NETIO_BENCH_ENV   variables for bench/netio.sh, e.g. NB_REPS=5 NB_SECS=2
#   NETIO_BENCH_KO    the module to load (default kmod/sovereign.ko, built first)
#   NETIO_BENCH_OUT   the VM's out dir (default build/vm/bench-netio)

NETIO_BENCH_ENV ?=
NETIO_BENCH_KO ?= kmod/sovereign.ko
NETIO_BENCH_OUT ?= $(BUILD)/vm/bench-netio

.PHONY: bench-netio
bench-netio: $(if $(filter kmod/sovereign.ko,$(NETIO_BENCH_KO)),kmod) $(SOVCTL)
	scripts/vm/run.sh --out $(NETIO_BENCH_OUT) --timeout 1200 \
		--setup 'modprobe -a $$(modinfo -F depends $(NETIO_BENCH_KO) | tr , " ") && insmod $(NETIO_BENCH_KO)' \
		-- '$(NETIO_BENCH_ENV) bench/netio.sh'
