# SPDX-License-Identifier: GPL-2.0
#
# mk/prof.mk - the profiler's workloads (tests/selftests/prof_work), built on
# the host into $(BUILD)/tests/prof/ and run in the VM by the selftests
# (tests/selftests/profile*.sh), bench-profile (bench/profile.sh) and the
# tour (scripts/vm/tour_profile.sh). Included by the top-level Makefile after
# the other fragments; paths are relative to the repository root.
#
#   spin     spin_a/spin_b, 70/30 of its CPU time; -O1, frame pointers
#   locker   threads contending rtnl_mutex through rtnetlink requests
#   allocer  pipes and unix sockets in a loop, held pipes, a growing RSS
#   deep     a fixed amount of work over 31 functions (the benchmark's load)
#
# Every one keeps frame pointers, leaf functions included: the profiler
# unwinds user stacks by them. No sanitizers (they would be in the profiles).

PROF_WORK_DIR := $(BUILD)/tests/prof
PROF_WORK := $(addprefix $(PROF_WORK_DIR)/,spin locker allocer deep)
PROF_WORK_FP := -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
PROF_WORK_WARN := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow

.PHONY: prof-work
prof-work: $(PROF_WORK)

# spin's 70/30 is the selftest's expectation: -O1, exactly as the test was written for
$(PROF_WORK_DIR)/spin: tests/selftests/prof_work/spin.c tests/selftests/prof_work/common.h
	@mkdir -p $(@D)
	$(CC) $(PROF_WORK_WARN) -O1 $(PROF_WORK_FP) -o $@ $<

$(PROF_WORK_DIR)/%: tests/selftests/prof_work/%.c tests/selftests/prof_work/common.h
	@mkdir -p $(@D)
	$(CC) $(PROF_WORK_WARN) -O2 $(PROF_WORK_FP) -o $@ $< -pthread

# the VM runs them: every verb that boots it with the selftests or the tour
check check-vm run: $(PROF_WORK)
