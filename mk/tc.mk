# SPDX-License-Identifier: GPL-2.0
#
# mk/tc.mk - the tc plugin q_sov.so (tools/tc/q_sov.c), so that stock tc
# configures and shows the "sov" qdisc. Included by the top-level Makefile
# (it uses BUILD, CC and WARN from there); paths are relative to the
# repository root.
#
# Targets
#   $(BUILD)/lib/tc/q_sov.so  the plugin, part of `make` (userspace); tests run
#                             tc with TC_LIB_DIR=$(BUILD)/lib/tc
#   install-tc                the plugin into tc's plugin directory (part of
#                             `make install`)
#
# Variables
#   TC_SRC     iproute2's own headers for the installed tc, from Debian's
#              source package (scripts/iproute2-src.sh, which scripts/deps.sh
#              runs; cached in /var/cache/sovereign)
#   TC         the tc the plugin is for (default /usr/sbin/tc): the build
#              checks that every function the plugin calls is one it exports
#   TC_LIBDIR  where tc looks for plugins (Debian: /usr/lib/<multiarch>/tc;
#              not under PREFIX: tc's path is built in). DESTDIR applies.

TC        ?= /usr/sbin/tc
TC_SRC    ?= $(shell scripts/iproute2-src.sh --dir)
TC_LIBDIR ?= /usr/lib/$(shell $(CC) -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/tc

Q_SOV := $(BUILD)/lib/tc/q_sov.so
# iproute2's headers as system headers: their own warnings are not ours
TC_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) -fPIC -MMD -MP \
	-isystem $(TC_SRC)/include -isystem $(TC_SRC)/tc

.PHONY: install-tc

$(TC_SRC)/.sov-extracted:
	scripts/iproute2-src.sh >/dev/null

# undefined symbols without a version are tc's: each must be one tc exports
$(Q_SOV): tools/tc/q_sov.c uapi/linux/sovereign_sched.h $(TC_SRC)/.sov-extracted
	@mkdir -p $(@D)
	$(CC) $(TC_CFLAGS) -MF $(BUILD)/lib/tc/q_sov.d -MT $@ -shared -o $@.tmp $<
	@missing=$$(comm -23 \
		<(nm -D --undefined-only $@.tmp | awk '$$1 == "U" && $$2 !~ /@/ { print $$2 }' | sort -u) \
		<(nm -D --defined-only $(TC) | awk '{ print $$3 }' | sort -u)); \
	if [ -n "$$missing" ]; then \
		echo "q_sov.so: $(TC) does not export: $$missing" >&2; \
		rm -f $@.tmp; exit 1; \
	fi
	@mv $@.tmp $@

install-tc: $(Q_SOV)
	install -D -m 0644 $(Q_SOV) $(DESTDIR)$(TC_LIBDIR)/q_sov.so

# the unit tests run tc with the plugin from the build directory
check-unit check: $(Q_SOV)

-include $(BUILD)/lib/tc/q_sov.d
