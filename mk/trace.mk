# SPDX-License-Identifier: GPL-2.0
#
# mk/trace.mk - lib/trace's export checked against OpenTelemetry itself.
# Included by the top-level Makefile after the other fragments; paths are
# relative to the repository root.
#
#   otlp-emit   tests/otel/otlp_emit.c: prints OTLP/JSON documents made by
#               lib/trace (every field kind) and the spans they must hold,
#               or posts them through lib/trace's exporter
#
# tests/otel/run.sh (run by tests/unit/run.sh, so by check-unit and check)
# decodes them with OpenTelemetry's generated protobuf code from npm
# (scripts/otel-deps.sh caches the packages once per machine).

OTLP_EMIT := $(BUILD)/tests/otel/otlp-emit

.PHONY: check-otel
$(OTLP_EMIT): $(call obj,tests/otel/otlp_emit.c) $(LIBSOV)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

check-otel: $(OTLP_EMIT)
	@tests/otel/run.sh

check check-unit: $(OTLP_EMIT)
