// SPDX-License-Identifier: GPL-2.0
/*
 * Folded stacks, the format of FlameGraph's stackcollapse scripts: one line
 * "comm;root;...;leaf N" per distinct stack, sorted bytewise (LC_ALL=C
 * sort), N its weight. In names, ';' and line breaks become '_'.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

struct line {
	char *s;
	uint64_t w;
};

static void put_clean(char *dst, size_t *len, const char *src)
{
	for (; *src; src++)
		dst[(*len)++] = (*src == ';' || *src == '\n' || *src == '\r') ?
				'_' : *src;
}

static char *join(const struct prof_stack *st)
{
	size_t n = strlen(st->comm) + 1, len = 0, i;
	char *s;

	for (i = 0; i < st->nframes; i++)
		n += strlen(st->frames[i]) + 1;
	s = malloc(n);
	if (!s)
		return NULL;
	put_clean(s, &len, st->comm);
	for (i = 0; i < st->nframes; i++) {
		s[len++] = ';';
		put_clean(s, &len, st->frames[i]);
	}
	s[len] = '\0';
	return s;
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->s, ((const struct line *)b)->s);
}

int prof_folded_write(const struct prof_profile *p, uint32_t kind, FILE *out)
{
	struct line *l;
	size_t n = 0, i, j;
	int err = 0;

	if (!p || !out)
		return -EINVAL;
	l = calloc(p->nstacks ? p->nstacks : 1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	for (i = 0; i < p->nstacks; i++) {
		if (p->stacks[i].kind != kind)
			continue;
		l[n].s = join(&p->stacks[i]);
		if (!l[n].s) {
			err = -ENOMEM;
			goto out;
		}
		l[n++].w = p->stacks[i].weight;
	}
	qsort(l, n, sizeof(*l), cmp_line);
	for (i = 0; i < n; i = j) {
		uint64_t w = l[i].w;

		for (j = i + 1; j < n && !strcmp(l[i].s, l[j].s); j++)
			w = prof_sat_add(w, l[j].w);
		fprintf(out, "%s %" PRIu64 "\n", l[i].s, w);
	}
	if (fflush(out) || ferror(out))
		err = -EIO;
out:
	for (i = 0; i < n; i++)
		free(l[i].s);
	free(l);
	return err;
}

static int fail(char *err, size_t errlen, unsigned long lineno,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "line %lu: %s", lineno, msg);
	return -EINVAL;
}

/* "123" -> 123; anything else (sign, spaces, > 2^64-1) is refused. */
static int parse_count(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* Splits "comm;f1;...;fn" (modified in place) into @st. */
static int split(char *stack, struct prof_stack *st)
{
	size_t n = 1, i;
	char *c, *next;

	for (c = stack; *c; c++)
		n += *c == ';';
	if (n - 1 > PROF_FRAMES_MAX)
		return -E2BIG;
	next = strchr(stack, ';');
	if (next)
		*next++ = '\0';
	st->comm = strdup(stack);
	st->tag = strdup("");
	if (!st->comm || !st->tag)
		return -ENOMEM;
	if (n > 1) {
		st->frames = calloc(n - 1, sizeof(*st->frames));
		if (!st->frames)
			return -ENOMEM;
	}
	for (i = 0; next; i++) {
		c = next;
		next = strchr(c, ';');
		if (next)
			*next++ = '\0';
		st->frames[i] = strdup(c);
		if (!st->frames[i])
			return -ENOMEM;
		st->nframes = i + 1;
	}
	return 0;
}

static int read_line(struct prof_profile *p, uint32_t kind, char *line,
		     size_t len, unsigned long lineno, char *err, size_t errlen)
{
	struct prof_stack st;
	char *sp;
	uint64_t w;
	int rc;

	if (memchr(line, '\0', len))
		return fail(err, errlen, lineno, "contains a NUL byte");
	while (len && strchr(" \t\r\n", line[len - 1]))
		line[--len] = '\0';
	if (!len)
		return 0;		/* blank lines are allowed */
	sp = strrchr(line, ' ');
	if (!sp)
		return fail(err, errlen, lineno,
			    "expected \"stack count\", found no count");
	rc = parse_count(sp + 1, &w);
	if (rc == -ERANGE)
		return fail(err, errlen, lineno,
			    "count %s is larger than 2^64-1", sp + 1);
	if (rc)
		return fail(err, errlen, lineno,
			    "count \"%.40s\" is not a non-negative integer",
			    sp + 1);
	while (sp > line && sp[-1] == ' ')
		sp--;
	*sp = '\0';
	if (sp == line)
		return fail(err, errlen, lineno, "empty stack before the count");
	memset(&st, 0, sizeof(st));
	st.kind = kind;
	st.count = w;
	st.weight = w;
	rc = split(line, &st);
	if (!rc)
		rc = prof_profile_take_stack(p, &st);
	if (rc) {
		prof_stack_clear(&st);
		if (rc == -E2BIG)
			return fail(err, errlen, lineno,
				    "more than %d frames", PROF_FRAMES_MAX);
		fail(err, errlen, lineno, "%s", strerror(-rc));
		return rc;
	}
	return 0;
}

int prof_folded_read(struct prof_profile *p, uint32_t kind, FILE *in,
		     char *err, size_t errlen)
{
	size_t cap = 0, before, i;
	unsigned long lineno = 0;
	char *line = NULL;
	ssize_t len;
	int rc = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!p || !in || kind >= __SOV_PROF_KIND_CNT)
		return -EINVAL;
	before = p->nstacks;
	while ((len = getline(&line, &cap, in)) >= 0) {
		rc = read_line(p, kind, line, (size_t)len, ++lineno, err, errlen);
		if (rc)
			break;
	}
	if (!rc && ferror(in)) {
		rc = -EIO;
		if (err && errlen)
			snprintf(err, errlen, "read error after line %lu", lineno);
	}
	free(line);
	if (rc) {	/* all or nothing */
		for (i = before; i < p->nstacks; i++)
			prof_stack_clear(&p->stacks[i]);
		p->nstacks = before;
	}
	return rc;
}
