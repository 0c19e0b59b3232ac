/* SPDX-License-Identifier: GPL-2.0 */
/* bpf-trace-test's harness, shared by its files (trace_test.c has main). */
#ifndef SOV_TRACE_TEST_H
#define SOV_TRACE_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/trace/bpf_collect.h"
#include "tap.h"

/* a collector whose spans go to @s; @tweak (may be NULL) edits its options */
struct trace_bpf *open_tb(struct spans *s, void (*tweak)(struct trace_bpf_opts *));
bool attr_int(const struct trace_span *sp, const char *key, int64_t *v);
int64_t span_tid(const struct trace_span *sp);

/* trace_test_decode.c */
bool t_decode_malformed(void);
bool t_bench(void);

#endif /* SOV_TRACE_TEST_H */
