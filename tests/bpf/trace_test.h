/* SPDX-License-Identifier: GPL-2.0 */
/* bpf-trace-test's harness, shared by its files (trace_test.c has main). */
#ifndef SOV_TRACE_TEST_H
#define SOV_TRACE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/trace/bpf_collect.h"

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

/* a collector whose spans go to @s; @tweak (may be NULL) edits its options */
struct trace_bpf *open_tb(struct spans *s, void (*tweak)(struct trace_bpf_opts *));
bool attr_int(const struct trace_span *sp, const char *key, int64_t *v);
int64_t span_tid(const struct trace_span *sp);

/* trace_test_decode.c */
bool t_decode_malformed(void);
bool t_bench(void);

#endif /* SOV_TRACE_TEST_H */
