/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fixture.h - parser for BPF fixture files (format: tests/bpf/README.md).
 *
 * fixture_load() turns a file into a struct fixture: the object to load,
 * map writes to apply before every case, and the cases with their input
 * bytes, expected verdict/output and map assertions.  It does no BPF work;
 * runner.c executes the result.
 */
#ifndef SOV_TESTS_BPF_FIXTURE_H
#define SOV_TESTS_BPF_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct fx_bytes {
	uint8_t *data;
	size_t len;
};

enum fx_op { FX_EQ, FX_NE, FX_LT, FX_LE, FX_GT, FX_GE };

enum fx_check_kind {
	FX_CHECK_FIELD,		/* integer field at an offset of the value */
	FX_CHECK_VALUE,		/* whole value equals bytes */
	FX_CHECK_ABSENT,	/* lookup fails */
	FX_CHECK_PRESENT,	/* lookup succeeds */
};

/* "map NAME key BYTES CHECK" */
struct fx_map_check {
	int line;
	char *map;
	struct fx_bytes key;
	enum fx_check_kind kind;
	unsigned int width;	/* FIELD: 1, 2, 4 or 8 bytes, host order */
	size_t offset;		/* FIELD: byte offset in the value */
	enum fx_op op;		/* FIELD */
	uint64_t number;	/* FIELD */
	struct fx_bytes value;	/* VALUE */
};

/* "set NAME key BYTES value BYTES" or "set NAME key BYTES value prog:PROGRAM" */
struct fx_map_set {
	int line;
	char *map;
	struct fx_bytes key;
	struct fx_bytes value;
	char *value_prog;	/* non-NULL: the value is this program's fd (prog arrays) */
};

struct fx_case {
	char *name;
	int line;
	char *program;		/* NULL: the fixture's default */
	int program_line;
	struct fx_bytes in;
	int in_line;
	int has_out;
	struct fx_bytes out;
	int out_line;
	int has_verdict;
	uint32_t verdict;
	int verdict_line;
	char *skip;		/* non-NULL: report as skipped with this reason */
	struct fx_map_set *sets;
	size_t n_sets;
	struct fx_map_check *checks;
	size_t n_checks;
};

/* an 'object' line after the first */
struct fx_object {
	char *path;		/* after ${VAR} expansion */
	int line;
};

struct fixture {
	char *path;
	char *object;		/* after ${VAR} expansion */
	int object_line;
	struct fx_object *more;	/* further objects: loaded after the first, sharing its maps */
	size_t n_more;
	char *program;		/* default program, may be NULL */
	int program_line;
	struct fx_map_set *sets;	/* applied before every case */
	size_t n_sets;
	struct fx_case *cases;
	size_t n_cases;
};

/*
 * Parse path into *fx.  On error print "path:line: message" lines to errf
 * and return -1 (fx is left freed).
 */
int fixture_load(const char *path, struct fixture *fx, FILE *errf);
void fixture_free(struct fixture *fx);

/* "XDP_PASS" for 2 etc., or NULL for numbers without a name. */
const char *fx_verdict_name(uint32_t verdict);
const char *fx_op_name(enum fx_op op);

#endif /* SOV_TESTS_BPF_FIXTURE_H */
