/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TAP harness of the span tests, bpf-trace-test and bpf-usdt-test
 * (tests/bpf/run.sh counts their output with the fixtures'): the cases
 * run one by one, each with its diagnostics, and the spans a collector
 * hands a case.
 */
#ifndef SOV_TEST_BPF_TAP_H
#define SOV_TEST_BPF_TAP_H

#include <stdbool.h>
#include <stddef.h>

#include "../../lib/trace/trace.h"

/* -v given (once a -v): more diagnostics, libbpf's included */
extern int verbose;

/* set around a call whose libbpf warning is the expected outcome */
extern bool libbpf_quiet;

/* a case's diagnostics, printed after its ok / not ok line */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* CHECK: a failed condition fails the case, with the line and the text */
#define CHECK(c, ...) do {						\
		if (!(c)) {						\
			diag("%s:%d: check failed: %s", __FILE__, __LINE__, #c); \
			diag(__VA_ARGS__);				\
			ok = false;					\
		}							\
	} while (0)

/* spans collected from the ring */
struct spans {
	struct trace_span *v;
	size_t n, cap;
};

/* a collector's callback: @sp appended to the struct spans @arg */
void spans_collect(const struct trace_span *sp, void *arg);

struct tap_case {
	const char *name;
	bool (*fn)(void);
};

/*
 * "[-v]" from the command line, then the @n @cases as TAP version 13,
 * each line "ok N - @prefix: NAME". Returns the exit status: 0 when
 * every case passed, 1 when one failed, 2 for a usage error.
 */
int tap_main(int argc, char **argv, const char *prefix, const struct tap_case *cases,
	     size_t n);

#endif /* SOV_TEST_BPF_TAP_H */
