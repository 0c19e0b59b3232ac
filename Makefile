# SPDX-License-Identifier: GPL-2.0
#
# Sovereign: top-level verbs. `make help` lists them.
#
# Every verb first makes sure the Debian packages it needs are installed
# (scripts/deps.sh: one dpkg-query when all are present), before anything
# below asks pkg-config or /lib/modules.

.DEFAULT_GOAL := all
SHELL := /bin/bash

ifeq ($(filter help clean,$(MAKECMDGOALS)),)
ifneq ($(shell scripts/deps.sh >&2 && echo ok),ok)
$(error scripts/deps.sh could not install what Sovereign needs (see above))
endif
endif

BUILD   ?= build
CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= bpftool
# Debian bookworm's 6.1 kernel: the module target (not the host's kernel)
KREL    ?= $(shell ls /lib/modules 2>/dev/null | grep '^6\.1\.' | sort -V | tail -n1)
KDIR    ?= /lib/modules/$(KREL)/build

VERSION := $(shell sed -n 's/^\#define SOV_VERSION "\(.*\)"/\1/p' kmod/version.h)
PKGS    := libmnl libuv json-c libbpf zlib libdw libcurl libxdp
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP $(PKG_CFLAGS) -I$(BUILD)/bpf
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS    := $(wildcard lib/*/*.c)
SOVCTL_SRCS := $(filter-out tools/sovctl/main.c,$(wildcard tools/sovctl/*.c))
SOVD_SRCS   := $(wildcard tools/sovereignd/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
SIM_SRCS    := $(wildcard tests/sim/*.c)

obj      = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
asan_obj = $(patsubst %.c,$(BUILD)/asan/%.o,$(1))

LIBSOV      := $(BUILD)/lib/libsovereign.a
LIBSOV_ASAN := $(BUILD)/lib/libsovereign-asan.a
SOVCTL      := $(BUILD)/bin/sovctl
SOVEREIGND  := $(BUILD)/bin/sovereignd
RAFT_SIM    := $(BUILD)/bin/raft-sim
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS)) \
	       $(BUILD)/tests/unit/sovereignd-asan

.PHONY: all help deps kmod userspace check check-unit check-sim check-bpf check-kunit \
	check-vm soak run shell lint install clean
.DELETE_ON_ERROR:
# keep intermediate objects (and keep "N passed, N failed" the last line of make check)
.SECONDARY:

help:
	@echo "Sovereign $(VERSION): make VERB"
	@echo "  all          build sovereign.ko, BPF objects, libsovereign, sovctl, sovereignd, q_sov.so (default)"
	@echo "  run          boot the QEMU VM with the module and daemon and show the tour"
	@echo "  shell        boot the same VM with an interactive shell"
	@echo "  check        every test layer; ends with 'N passed, N failed'"
	@echo "  check-unit   host unit tests (cmocka, ASan+UBSan)"
	@echo "  check-sim    deterministic simulation of lib/raft: 1,000 seeds of 3-7 nodes, 16 of 33"
	@echo "  check-bpf    BPF_PROG_TEST_RUN fixtures on the host"
	@echo "  check-kunit  KUnit suites under UML"
	@echo "  check-vm     selftests in the QEMU VM (Debian $(KREL))"
	@echo "  bench        benchmarks against anchors measured in the same run (bench-lb, bench-raft)"
	@echo "  soak         the simulation over 100,000 seeds (SOAK_SEEDS=A-B; not part of check)"
	@echo "  lint         checkpatch --strict and sparse on the kernel code"
	@echo "  install      install tools, the tc plugin and the systemd unit (DESTDIR, PREFIX)"
	@echo "  clean        remove build output (keeps the machine-wide UML cache)"

deps:
	@scripts/deps.sh

all: kmod bpf userspace

kmod:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_SOVEREIGN=m modules

include mk/bpf.mk
include mk/bench.mk
include mk/tc.mk
include mk/prof.mk
include mk/trace.mk
include mk/netio.mk
include mk/bench_netio.mk

userspace: $(SOVCTL) $(SOVEREIGND) $(Q_SOV)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -c $< -o $@

$(LIBSOV): $(call obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(LIBSOV_ASAN): $(call asan_obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(SOVCTL): $(call obj,$(SOVCTL_SRCS) tools/sovctl/main.c) $(LIBSOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# sovereignd embeds the BPF skeletons
$(call obj,tools/sovereignd/bpf_loader.c): $(BUILD)/bpf/floor.skel.h
$(call obj,tools/sovereignd/lb.c tools/sovereignd/lb_conns.c tools/sovereignd/lb_attach.c): $(BUILD)/bpf/lb.skel.h
$(SOVEREIGND): $(call obj,$(SOVD_SRCS)) $(LIBSOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

# objects first, then the library they use (extra objects are added per test below)
$(BUILD)/tests/unit/%: $(BUILD)/asan/tests/unit/%.o $(call asan_obj,$(SOVCTL_SRCS)) $(LIBSOV_ASAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -o $@ $(filter-out %.a,$^) $(filter %.a,$^) $(PKG_LIBS) -lcmocka -lm

# the peer transport is the daemon's, not the library's: its test links it in
$(BUILD)/tests/unit/test_peer: $(call asan_obj,tools/sovereignd/peer.c tools/sovereignd/peer_queue.c tools/sovereignd/log.c)

# the checker's self-test links the checker, which lives with the simulation
$(BUILD)/tests/unit/test_linearizability: $(call asan_obj,tests/sim/linearizability.c)

# lib/prof's user-symbol test runs this program and names its functions
# (-O0 -g, frame pointers, no inlining, no sanitizers; not a test itself)
$(BUILD)/tests/unit/prof_target: tests/unit/prof_target.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O0 -g -fno-omit-frame-pointer -fno-inline -o $@ $<
$(BUILD)/tests/unit/test_prof_usersym: | $(BUILD)/tests/unit/prof_target

# the cluster tests share the harness that runs the daemons
$(BUILD)/tests/unit/test_cluster $(BUILD)/tests/unit/test_cluster_membership $(BUILD)/tests/unit/test_trace_cluster: \
	$(call asan_obj,tests/unit/cluster_harness.c)

# the sovctl trace tests share the fake sovereignds they ask
$(BUILD)/tests/unit/test_sovctl_trace $(BUILD)/tests/unit/test_sovctl_trace_refusals: \
	$(call asan_obj,tests/unit/sovctl_fake_daemon.c)

# the deterministic simulation of lib/raft (tests/sim), sanitized like the unit tests
$(RAFT_SIM): $(call asan_obj,$(SIM_SRCS)) $(LIBSOV_ASAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS) -lm

# the daemon again, sanitized, for tests/unit/test_daemon.c
$(call asan_obj,tools/sovereignd/bpf_loader.c): $(BUILD)/bpf/floor.skel.h
$(call asan_obj,tools/sovereignd/lb.c tools/sovereignd/lb_conns.c tools/sovereignd/lb_attach.c): $(BUILD)/bpf/lb.skel.h
$(BUILD)/tests/unit/sovereignd-asan: $(call asan_obj,$(SOVD_SRCS)) $(LIBSOV_ASAN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(PKG_LIBS)

check: all bpf $(UNIT_BINS) $(RAFT_SIM) $(BUILD)/bin/bpf-fixture-runner
	@scripts/check.sh unit sim bpf kunit vm

check-unit: $(UNIT_BINS) $(SOVCTL)
	@scripts/check.sh unit

check-sim: $(RAFT_SIM)
	@scripts/check.sh sim

soak: $(RAFT_SIM)
	@tests/sim/run.sh soak

check-bpf: bpf $(BUILD)/bin/bpf-fixture-runner
	@scripts/check.sh bpf

check-kunit:
	@scripts/check.sh kunit

check-vm: all $(BUILD)/bin/bpf-fixture-runner
	@scripts/check.sh vm

run: all
	@scripts/vm/run.sh -- scripts/vm/tour.sh

shell: all
	@scripts/vm/run.sh --setup ". scripts/vm/up.sh" --shell

lint:
	@scripts/lint.sh

PREFIX ?= /usr/local
install: all install-tc
	install -D -m 0755 $(SOVCTL) $(DESTDIR)$(PREFIX)/sbin/sovctl
	install -D -m 0755 $(SOVEREIGND) $(DESTDIR)$(PREFIX)/sbin/sovereignd
	install -D -m 0644 tools/sovereignd/sovereignd.service \
		$(DESTDIR)/etc/systemd/system/sovereignd.service
	install -D -m 0644 kmod/sovereign.ko \
		$(DESTDIR)/lib/modules/$(KREL)/extra/sovereign.ko

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_SOVEREIGN=m clean >/dev/null 2>&1
	rm -rf $(BUILD)/obj $(BUILD)/asan $(BUILD)/lib $(BUILD)/bin $(BUILD)/tests \
		$(BUILD)/bpf $(BUILD)/check $(BUILD)/vm $(BUILD)/bench

-include $(shell find $(BUILD)/obj $(BUILD)/asan -name '*.d' 2>/dev/null)
