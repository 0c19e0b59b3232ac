// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel symbols from /proc/kallsyms (or a copy of it), read once into two
 * sorted tables: text symbols (t T w W) for stack frames, and text plus data
 * symbols (b B d D r R v V) for addresses of objects such as locks.
 *
 * A symbol covers the addresses up to the next symbol of the same area (the
 * kernel image or one module); the last one of an area covers at most
 * PROF_KSYM_TAIL_MAX bytes, and section end markers (_etext, _end, ...)
 * cover nothing. With kptr_restrict every address reads as 0: the tables
 * stay empty and every lookup misses.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

/* Symbols that mark the end of a section rather than start something. */
static const char *const end_markers[] = {
	"_etext", "_einittext", "_edata", "_end", "__bss_stop",
	"__end_rodata", "__init_end", "__per_cpu_end", "__end_of_kernel_reserve",
};

struct raw_sym {
	uint64_t addr;
	size_t name, module;		/* offsets in the pool; module SIZE_MAX: none */
	size_t idx;			/* file order */
	char type;
};

struct pool {
	char *buf;
	size_t len, cap;
};

static size_t pool_add(struct pool *p, const char *s, size_t n)
{
	size_t off = p->len;

	if (p->len + n + 1 > p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 1 << 16;
		char *b;

		while (ncap < p->len + n + 1)
			ncap *= 2;
		b = realloc(p->buf, ncap);
		if (!b)
			return SIZE_MAX;
		p->buf = b;
		p->cap = ncap;
	}
	memcpy(p->buf + p->len, s, n);
	p->buf[p->len + n] = '\0';
	p->len += n + 1;
	return off;
}

static bool is_text(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

static bool is_data(char t)
{
	return strchr("bBdDrRvV", t) != NULL;
}

/* Of several symbols at one address: global, then weak, then local. */
static int rank(char t)
{
	if (t == 'w' || t == 'W' || t == 'v' || t == 'V')
		return 1;
	return (t >= 'A' && t <= 'Z') ? 0 : 2;
}

static int cmp_raw(const void *a, const void *b, void *arg)
{
	const struct raw_sym *x = a, *y = b;
	const char *sort_pool = arg;
	size_t ux, uy;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (rank(x->type) != rank(y->type))
		return rank(x->type) - rank(y->type);
	/* "startup_64" over "_stext": fewer leading underscores */
	ux = strspn(sort_pool + x->name, "_");
	uy = strspn(sort_pool + y->name, "_");
	if (ux != uy)
		return ux < uy ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool is_marker(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(end_markers) / sizeof(end_markers[0]); i++)
		if (!strcmp(name, end_markers[i]))
			return true;
	return false;
}

static bool same_area(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

/* Builds the table of @raw's entries @want accepts (sorted, deduplicated). */
static int build(struct prof_ksym **out, size_t *nout, struct raw_sym *raw,
		 size_t nraw, const char *pool, bool (*want)(char))
{
	struct prof_ksym *t;
	size_t i, n = 0;

	*out = NULL;
	*nout = 0;
	t = calloc(nraw ? nraw : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0; i < nraw; i++) {
		if (!want(raw[i].type))
			continue;
		/* sorted: the first of an address is the one to keep */
		if (n && t[n - 1].addr == raw[i].addr)
			continue;
		t[n].addr = raw[i].addr;
		t[n].name = pool + raw[i].name;
		t[n].module = raw[i].module == SIZE_MAX ? NULL : pool + raw[i].module;
		t[n].marker = is_marker(t[n].name);
		n++;
	}
	for (i = 0; i < n; i++) {
		if (i + 1 < n && same_area(t[i].module, t[i + 1].module))
			t[i].end = t[i + 1].addr;
		else
			t[i].end = t[i].addr + PROF_KSYM_TAIL_MAX < t[i].addr ?
				   UINT64_MAX : t[i].addr + PROF_KSYM_TAIL_MAX;
	}
	*out = t;
	*nout = n;
	return 0;
}

static bool want_text(char t)
{
	return is_text(t);
}

static bool want_all(char t)
{
	return is_text(t) || is_data(t);
}

/*
 * One line: "ffffffff81000000 T _stext" or "ffffffffc0a01000 t fn\t[mod]".
 * Returns 1 and fills @r for a symbol we keep, 0 to skip the line.
 */
static int parse_line(char *line, struct raw_sym *r, struct pool *pool,
		      size_t *last_mod, bool *zero)
{
	char *end, *name, *mod, *nl;
	uint64_t addr;
	size_t nlen;

	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	errno = 0;
	addr = strtoull(line, &end, 16);
	if (errno || end == line || *end != ' ' || !end[1] || end[2] != ' ')
		return 0;
	r->type = end[1];
	if (!is_text(r->type) && !is_data(r->type))
		return 0;
	name = end + 3;
	mod = strchr(name, '\t');
	nlen = mod ? (size_t)(mod - name) : strlen(name);
	while (nlen && name[nlen - 1] == ' ')
		nlen--;
	if (!nlen)
		return 0;
	if (!addr) {
		*zero = true;
		return 0;
	}
	r->addr = addr;
	r->module = SIZE_MAX;
	if (mod) {
		char *lb = strchr(mod, '['), *rb = lb ? strchr(lb, ']') : NULL;

		if (lb && rb && rb > lb + 1) {
			size_t mlen = (size_t)(rb - lb - 1);

			/* a module's symbols come together: share its name */
			if (*last_mod != SIZE_MAX &&
			    strlen(pool->buf + *last_mod) == mlen &&
			    !memcmp(pool->buf + *last_mod, lb + 1, mlen)) {
				r->module = *last_mod;
			} else {
				r->module = pool_add(pool, lb + 1, mlen);
				if (r->module == SIZE_MAX)
					return -ENOMEM;
				*last_mod = r->module;
			}
		}
	}
	r->name = pool_add(pool, name, nlen);
	return r->name == SIZE_MAX ? -ENOMEM : 1;
}

int prof_ksyms_load(struct prof_ksyms *k, const char *path)
{
	struct raw_sym *raw = NULL, r;
	size_t nraw = 0, cap = 0, last_mod = SIZE_MAX, linecap = 0;
	struct pool pool = { 0 };
	bool zero = false;
	char *line = NULL;
	int err = 0, rc;
	FILE *f;

	memset(k, 0, sizeof(*k));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &linecap, f) > 0) {
		rc = parse_line(line, &r, &pool, &last_mod, &zero);
		if (rc < 0) {
			err = rc;
			goto out;
		}
		if (!rc)
			continue;
		if (nraw == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			struct raw_sym *nr = realloc(raw, ncap * sizeof(*nr));

			if (!nr) {
				err = -ENOMEM;
				goto out;
			}
			raw = nr;
			cap = ncap;
		}
		r.idx = nraw;
		raw[nraw++] = r;
	}
	if (ferror(f)) {
		err = -EIO;
		goto out;
	}
	k->restricted = zero && !nraw;
	if (nraw)
		qsort_r(raw, nraw, sizeof(*raw), cmp_raw, pool.buf);
	err = build(&k->text, &k->ntext, raw, nraw, pool.buf, want_text);
	if (!err)
		err = build(&k->all, &k->nall, raw, nraw, pool.buf, want_all);
	k->pool = pool.buf;
	pool.buf = NULL;
out:
	free(line);
	free(raw);
	free(pool.buf);
	fclose(f);
	if (err)
		prof_ksyms_free(k);
	return err;
}

void prof_ksyms_free(struct prof_ksyms *k)
{
	free(k->text);
	free(k->all);
	free(k->pool);
	memset(k, 0, sizeof(*k));
}

const struct prof_ksym *prof_ksyms_find(const struct prof_ksyms *k,
					uint64_t addr, bool data)
{
	const struct prof_ksym *t = data ? k->all : k->text;
	size_t lo = 0, hi = data ? k->nall : k->ntext;

	/* the first symbol above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	t += lo - 1;
	if (t->marker || addr >= t->end)
		return NULL;
	return t;
}
