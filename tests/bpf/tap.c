// SPDX-License-Identifier: GPL-2.0
/* The TAP harness of the span tests (tap.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "tap.h"

int verbose;
bool libbpf_quiet;

static char *diag_buf;
static size_t diag_len;
static FILE *diag_f;

void diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", diag_f);
	va_start(ap, fmt);
	vfprintf(diag_f, fmt, ap);
	va_end(ap);
	fputc('\n', diag_f);
}

/* libbpf's warnings are the case's diagnostics, the rest with -v */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose && (level != LIBBPF_WARN || libbpf_quiet))
		return 0;
	fputs("# libbpf: ", diag_f);
	return vfprintf(diag_f, fmt, ap);
}

void spans_collect(const struct trace_span *sp, void *arg)
{
	struct spans *s = arg;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct trace_span *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			abort();
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *sp;
}

int tap_main(int argc, char **argv, const char *prefix, const struct tap_case *cases,
	     size_t n)
{
	int opt, failures = 0;
	size_t i;

	while ((opt = getopt(argc, argv, "v")) != -1) {
		if (opt != 'v') {
			fprintf(stderr, "usage: %s [-v]\n", argv[0]);
			return 2;
		}
		verbose++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(libbpf_print);
	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		bool ok;

		diag_f = open_memstream(&diag_buf, &diag_len);
		if (!diag_f)
			return 1;
		ok = cases[i].fn();
		fclose(diag_f);
		printf("%sok %zu - %s: %s\n%s", ok ? "" : "not ", i + 1, prefix, cases[i].name,
		       diag_buf);
		free(diag_buf);
		diag_buf = NULL;
		if (!ok)
			failures++;
	}
	return failures ? 1 : 0;
}
