# SPDX-License-Identifier: GPL-2.0
#
# mk/bpf.mk - BPF programs, their skeletons, and the BPF fixture runner.
# Included by the top-level Makefile; paths are relative to the repository
# root.  Defines no all/clean/check: the includer wires those up.
#
# Targets
#   bpf                               $(BUILD)/bpf/NAME.bpf.o and NAME.skel.h for
#                                     every bpf/NAME.bpf.c
#   $(BUILD)/bin/bpf-fixture-runner   tests/bpf/{runner,fixture,packet}.c
#   (check-bpf, in the top-level Makefile, builds both and runs tests/bpf/run.sh)
#
# Variables (set before the include or on the command line)
#   CC          userspace compiler            (default gcc)
#   CLANG       BPF compiler                  (default clang)
#   BPFTOOL     skeleton generator            (default bpftool)
#   BUILD       output directory              (default build)
#   PKG_CONFIG  for libbpf's flags            (default pkg-config)
#   BPF_ARCH    __TARGET_ARCH_ value          (default x86)
#   BPF_CFLAGS  clang flags for BPF objects   (default -O2 -g -Wall -Werror)
#   BPF_INCLUDES  extra -I for BPF objects    (default -I/usr/include/<multiarch>)
#   BPF_RUNNER_CFLAGS  userspace flags        (default -std=c11 -O2 -g -Wall -Wextra -Werror)
#
# Header changes rebuild what includes them (-MMD dependency files next to
# the objects).

ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
BPFTOOL ?= bpftool
BUILD ?= build
PKG_CONFIG ?= pkg-config

BPF_ARCH ?= x86
BPF_CFLAGS ?= -O2 -g -Wall -Werror
ifndef BPF_INCLUDES
BPF_MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
BPF_INCLUDES := -I/usr/include/$(if $(BPF_MULTIARCH),$(BPF_MULTIARCH),x86_64-linux-gnu)
endif
ifndef BPF_LIBBPF_CFLAGS
BPF_LIBBPF_CFLAGS := $(shell $(PKG_CONFIG) --cflags libbpf)
endif
ifndef BPF_LIBBPF_LIBS
BPF_LIBBPF_LIBS := $(shell $(PKG_CONFIG) --libs libbpf)
endif
BPF_RUNNER_CFLAGS ?= -std=c11 -O2 -g -Wall -Wextra -Werror

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))

BPF_RUNNER := $(BUILD)/bin/bpf-fixture-runner
BPF_RUNNER_SRCS := tests/bpf/runner.c tests/bpf/fixture.c tests/bpf/packet.c
BPF_RUNNER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(BPF_RUNNER_SRCS))

.PHONY: bpf

bpf: $(BPF_OBJS) $(BPF_SKELS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -target bpf -D__TARGET_ARCH_$(BPF_ARCH) $(BPF_INCLUDES) \
		-MMD -MP -MF $(@:.o=.d) -c $< -o $@

# bpftool writes the skeleton to stdout: go through a temporary file so a
# failure never leaves a truncated header behind.
$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@.tmp || { rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

$(BUILD)/tests/bpf/%.o: tests/bpf/%.c
	@mkdir -p $(@D)
	$(CC) $(BPF_RUNNER_CFLAGS) $(BPF_LIBBPF_CFLAGS) -MMD -MP -c $< -o $@

$(BPF_RUNNER): $(BPF_RUNNER_OBJS)
	@mkdir -p $(@D)
	$(CC) $(BPF_RUNNER_CFLAGS) -o $@ $^ $(BPF_LIBBPF_LIBS)

-include $(BPF_OBJS:.o=.d) $(BPF_RUNNER_OBJS:.o=.d)
