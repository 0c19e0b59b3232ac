# SPDX-License-Identifier: GPL-2.0
#
# mk/netio.mk - what the netio selftests (tests/selftests/netio_pair.sh and
# netio_faults.sh) run in the VM, built on the host. Included by the top-level Makefile after the
# other fragments; paths are relative to the repository root.
#
#   $(BUILD)/lib/ip/link_sovnet.so   ip's plugin for `type sovnet peer name X`
#                                    (ip finds it through IP_LIB_DIR)
#   $(BUILD)/tests/netio/xsk_probe    AF_XDP bind/exact/bench/txonly/bad on libxdp's xsk API

NETIO_IP_PLUGIN := $(BUILD)/lib/ip/link_sovnet.so
NETIO_WORK_DIR := $(BUILD)/tests/netio
NETIO_WORK := $(NETIO_WORK_DIR)/xsk_probe
NETIO_XDP_CFLAGS := $(shell pkg-config --cflags libxdp 2>/dev/null)
NETIO_XDP_LIBS := $(shell pkg-config --libs libxdp 2>/dev/null) -lbpf -lpthread

.PHONY: netio-work
netio-work: $(NETIO_IP_PLUGIN) $(NETIO_WORK)

# undefined symbols are ip's (veth_link_util) or libc's: resolved when ip loads it
$(NETIO_IP_PLUGIN): tools/ip/link_sovnet.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 -g $(WARN) -fPIC -shared -o $@ $<

$(NETIO_WORK_DIR)/xsk_probe: tests/selftests/netio_work/xsk_probe.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Werror $(NETIO_XDP_CFLAGS) -o $@ $< \
		$(NETIO_XDP_LIBS)

# the VM runs them: every verb that boots it with the selftests
check check-vm: netio-work

# netio_xdp / netio_umem (tests/selftests/netio_xdp.sh, netio_umem.sh):
#   $(BUILD)/tests/netio/xdp_actions.bpf.o  one XDP action per UDP port
#   $(BUILD)/tests/netio/xsk_conform         their senders and checkers
NETIO_CONFORM := $(NETIO_WORK_DIR)/xdp_actions.bpf.o $(NETIO_WORK_DIR)/xsk_conform
netio-work: $(NETIO_CONFORM)

$(NETIO_WORK_DIR)/xdp_actions.bpf.o: tests/selftests/netio_work/xdp_actions.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(BPF_INCLUDES) -c $< -o $@

$(NETIO_WORK_DIR)/xsk_conform: tests/selftests/netio_work/xsk_conform.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror $(NETIO_XDP_CFLAGS) -o $@ $< \
		$(NETIO_XDP_LIBS)

# upstream's xskxceiver (tools/testing/selftests/bpf of Debian's linux-source-6.1,
# already installed by scripts/deps.sh) on a sovnet pair and, for reference, a
# veth pair, in the VM. Not part of check: 6.1.192's own xskxceiver aborts at
# STAT_RX_DROPPED on any device (scripts/xskxceiver.sh says why).
.PHONY: check-xskxceiver
check-xskxceiver: kmod netio-work
	scripts/xskxceiver.sh build
	scripts/vm/run.sh --out $(BUILD)/vm/xskxceiver --timeout 1500 -- scripts/xskxceiver.sh check

# netio_xsk_faults (tests/selftests/netio_xsk_faults.sh): malformed TX descriptors and
# socket churn under traffic
$(NETIO_WORK_DIR)/xsk_faults: tests/selftests/netio_work/xsk_faults.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror $(NETIO_XDP_CFLAGS) -o $@ $< \
		$(NETIO_XDP_LIBS)
netio-work: $(NETIO_WORK_DIR)/xsk_faults
