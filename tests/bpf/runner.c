// SPDX-License-Identifier: GPL-2.0
/*
 * runner.c - bpf-fixture-runner: run BPF programs against fixture files
 * with BPF_PROG_TEST_RUN and report TAP version 13.
 *
 *	bpf-fixture-runner [-v[v]] FIXTURE...
 *
 * All fixture files are parsed first; a parse error anywhere stops the run
 * before anything is loaded (exit 2).  Then, per fixture file, the object
 * is opened and loaded once (further objects after it, each map that has
 * the name of one of the first object's becoming that map), the initial
 * contents of its array maps and prog arrays are snapshotted, and before
 * every case the maps are put back: arrays are restored from the snapshot,
 * hash-like maps are emptied, then the fixture's and the case's 'set' lines
 * are applied.  Each case runs the program once (repeat=1) and checks
 * verdict, output bytes and 'map' assertions.
 *
 * Exit status: 0 all cases passed (or were skipped), 1 a case failed,
 * 2 usage or fixture parse error.
 */
#define _POSIX_C_SOURCE 200809L

#include "fixture.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OUT_BUF_LEN 8192
#define ETH_HLEN 14

static int verbose;

/* A fixture's loaded objects: maps and programs are looked up in this order. */
struct objset {
	struct bpf_object **o;
	size_t n;
};

/* ---- libbpf log capture --------------------------------------------- */

static char *lbuf;
static size_t lbuf_len, lbuf_cap;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	if (verbose > (level == LIBBPF_DEBUG ? 1 : 0)) {
		va_copy(ap2, ap);
		vfprintf(stderr, fmt, ap2);
		va_end(ap2);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n <= 0)
		return 0;
	if (lbuf_len + (size_t)n + 1 > lbuf_cap) {
		size_t cap = (lbuf_len + (size_t)n + 1) * 2;
		char *p = realloc(lbuf, cap);

		if (!p)
			return 0;
		lbuf = p;
		lbuf_cap = cap;
	}
	vsnprintf(lbuf + lbuf_len, lbuf_cap - lbuf_len, fmt, ap);
	lbuf_len += (size_t)n;
	return 0;
}

/* Print text as TAP diagnostic lines ("# ..."). */
static void diag_text(FILE *d, const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		fprintf(d, "#   %.*s\n", (int)n, p);
		p = nl ? nl + 1 : NULL;
	}
}

/* ---- hex dumps ------------------------------------------------------ */

static void hexdump(FILE *d, const char *label, const uint8_t *p, size_t n)
{
	size_t row, i;

	fprintf(d, "# %s (%zu bytes):\n", label, n);
	for (row = 0; row < n; row += 16) {
		fprintf(d, "#   %04zx ", row);
		for (i = row; i < row + 16 && i < n; i++)
			fprintf(d, " %02x", p[i]);
		fputc('\n', d);
	}
}

static int byte_differs(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, size_t i)
{
	if (i >= alen || i >= blen)
		return 1;
	return a[i] != b[i];
}

static int row_differs(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		       size_t row)
{
	size_t i, end = alen > blen ? alen : blen;

	for (i = row; i < row + 16 && i < end; i++)
		if (byte_differs(a, alen, b, blen, i))
			return 1;
	return 0;
}

static void dump_row(FILE *d, const char *tag, const uint8_t *p, size_t n, size_t row)
{
	size_t i;

	fprintf(d, "# %-9s  %04zx ", tag, row);
	for (i = row; i < row + 16 && i < n; i++)
		fprintf(d, " %02x", p[i]);
	fputc('\n', d);
}

/*
 * Expected vs actual, 16 bytes a row.  Rows that differ are shown as a
 * "-expected"/"+actual" pair with ^^ under the differing bytes; one row of
 * context either side; longer equal stretches are elided.
 */
static void hexdiff(FILE *d, const char *what, const uint8_t *exp, size_t elen,
		    const uint8_t *act, size_t alen)
{
	size_t end = elen > alen ? elen : alen, first, row, i, last;
	int elided = 0;

	for (first = 0; first < end; first++)
		if (byte_differs(exp, elen, act, alen, first))
			break;
	fprintf(d, "# %s differs at offset %zu (0x%04zx): expected ", what, first, first);
	if (first < elen)
		fprintf(d, "%02x", exp[first]);
	else
		fputs("end of data", d);
	fputs(", got ", d);
	if (first < alen)
		fprintf(d, "%02x", act[first]);
	else
		fputs("end of data", d);
	fprintf(d, " (expected %zu bytes, got %zu)\n", elen, alen);

	for (row = 0; row < end; row += 16) {
		int diff = row_differs(exp, elen, act, alen, row);
		int near = diff || (row >= 16 && row_differs(exp, elen, act, alen, row - 16)) ||
			   (row + 16 < end && row_differs(exp, elen, act, alen, row + 16));

		if (!near) {
			if (!elided++)
				fputs("#            ...\n", d);
			continue;
		}
		elided = 0;
		if (!diff) {
			dump_row(d, "", exp, elen, row);
			continue;
		}
		dump_row(d, "-expected", exp, elen, row);
		dump_row(d, "+actual", act, alen, row);
		fputs("#                 ", d);
		last = row;
		for (i = row; i < row + 16 && i < end; i++)
			if (byte_differs(exp, elen, act, alen, i))
				last = i;
		for (i = row; i <= last; i++)
			fputs(byte_differs(exp, elen, act, alen, i) ? " ^^" : "   ", d);
		fputc('\n', d);
	}
}

/* ---- map reset ------------------------------------------------------ */

enum snap_kind { SNAP_NONE, SNAP_ARRAY, SNAP_HASH, SNAP_PROG };

struct snap {
	struct bpf_map *map;
	int fd;
	enum snap_kind kind;
	uint32_t max_entries;
	size_t vbuf;		/* bytes for one lookup (all CPUs for per-CPU maps) */
	uint8_t *data;		/* SNAP_ARRAY: max_entries * vbuf */
	uint32_t *keys;		/* SNAP_ARRAY: 0 .. max_entries-1; SNAP_PROG: ids, 0 = empty */
	int prog_ro;		/* BPF_F_RDONLY_PROG, or a prog array: only `set` can change it */
	int dirty;		/* a case's own `set` wrote it since the last reset */
};

static int ncpus;

static int map_is_percpu(enum bpf_map_type t)
{
	return t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PERCPU_HASH ||
	       t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

static size_t map_vbuf(const struct bpf_map *m)
{
	size_t vs = bpf_map__value_size(m);

	if (map_is_percpu(bpf_map__type(m)))
		return ((vs + 7) & ~(size_t)7) * (size_t)ncpus;
	return vs;
}

/*
 * Read a whole array in BPF_MAP_LOOKUP_BATCH calls: lb_big's Maglev tables
 * hold 8.4 million slots, about a second per million one lookup at a time
 * (8.5 s against 1.9 s here). Leaves x->keys at 0 .. max_entries-1.
 * 0 on success, -1 to fall back.
 */
static int snapshot_array_batch(struct snap *x)
{
	uint32_t done = 0, token = 0, k;
	void *in = NULL;

	while (done < x->max_entries) {
		uint32_t count = x->max_entries - done;
		int err = bpf_map_lookup_batch(x->fd, in, &token, x->keys + done,
					       x->data + (size_t)done * x->vbuf, &count, NULL);

		if (err && errno != ENOENT)
			return -1;
		done += count;
		if (err)
			break;		/* ENOENT: no more elements */
		if (!count)
			return -1;
		in = &token;
	}
	if (done != x->max_entries)
		return -1;
	for (k = 0; k < x->max_entries; k++)
		if (x->keys[k] != k)
			return -1;
	return 0;
}

/*
 * The maps of @obj, except those it shares with @first (the same map, already
 * snapshotted), are added to *out; whatever was added stays there also on
 * failure: free_snaps() it.
 */
static int snapshot_maps(struct bpf_object *obj, struct bpf_object *first,
			 struct snap **out, size_t *n_out, FILE *d)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) {
		struct snap *x, *s;
		uint32_t k;

		if (first && bpf_object__find_map_by_name(first, bpf_map__name(m)))
			continue;
		s = realloc(*out, (*n_out + 1) * sizeof(*s));
		if (!s)
			return -1;
		*out = s;
		x = &s[(*n_out)++];
		memset(x, 0, sizeof(*x));
		x->map = m;
		x->fd = bpf_map__fd(m);
		x->vbuf = map_vbuf(m);
		x->max_entries = bpf_map__max_entries(m);
		switch (bpf_map__type(m)) {
		case BPF_MAP_TYPE_ARRAY:
		case BPF_MAP_TYPE_PERCPU_ARRAY:
			/*
			 * Read-only to programs: only a case's `set` changes it,
			 * so it is restored only then (the load balancer's
			 * Maglev tables are large). Frozen ones (.rodata,
			 * .kconfig) cannot change at all.
			 */
			if (bpf_map__map_flags(m) & BPF_F_RDONLY_PROG) {
				if (!strcmp(bpf_map__name(m), ".rodata") ||
				    !strcmp(bpf_map__name(m), ".kconfig"))
					break;
				x->prog_ro = 1;
			}
			x->kind = SNAP_ARRAY;
			x->data = calloc(x->max_entries ? x->max_entries : 1, x->vbuf);
			x->keys = calloc(x->max_entries ? x->max_entries : 1, sizeof(*x->keys));
			if (!x->data || !x->keys)
				return -1;
			if (snapshot_array_batch(x) == 0)
				break;
			for (k = 0; k < x->max_entries; k++)
				x->keys[k] = k;
			for (k = 0; k < x->max_entries; k++)
				if (bpf_map_lookup_elem(x->fd, &k, x->data + (size_t)k * x->vbuf)) {
					fprintf(d, "# cannot snapshot map %s[%u]: %s\n",
						bpf_map__name(m), k, strerror(errno));
					return -1;
				}
			break;
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_PERCPU_HASH:
		case BPF_MAP_TYPE_LRU_HASH:
		case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		case BPF_MAP_TYPE_LPM_TRIE:
			x->kind = SNAP_HASH;
			break;
		case BPF_MAP_TYPE_PROG_ARRAY:
			/* as loaded (libbpf fills statically initialised slots); a lookup gives the id */
			x->kind = SNAP_PROG;
			x->prog_ro = 1;
			x->keys = calloc(x->max_entries ? x->max_entries : 1, sizeof(*x->keys));
			if (!x->keys)
				return -1;
			for (k = 0; k < x->max_entries; k++)
				if (bpf_map_lookup_elem(x->fd, &k, &x->keys[k]) && errno != ENOENT) {
					fprintf(d, "# cannot snapshot prog array %s[%u]: %s\n",
						bpf_map__name(m), k, strerror(errno));
					return -1;
				}
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Put a prog array's slots back to the programs they held after the load. */
static int reset_prog_array(struct snap *x, FILE *d)
{
	uint32_t k;
	int fd;

	for (k = 0; k < x->max_entries; k++) {
		if (!x->keys[k]) {
			if (bpf_map_delete_elem(x->fd, &k) && errno != ENOENT)
				goto fail;
			continue;
		}
		fd = bpf_prog_get_fd_by_id(x->keys[k]);
		if (fd < 0)
			goto fail;
		if (bpf_map_update_elem(x->fd, &k, &fd, BPF_ANY)) {
			close(fd);
			goto fail;
		}
		close(fd);
	}
	return 0;
fail:
	fprintf(d, "# cannot reset prog array %s[%u]: %s\n", bpf_map__name(x->map), k,
		strerror(errno));
	return -1;
}

/*
 * Put an array back in one BPF_MAP_UPDATE_BATCH call: large arrays (the load
 * balancer's Maglev tables hold half a million slots) would otherwise cost
 * a syscall per slot before every case. 0 on success, -1 to fall back.
 */
static int reset_array_batch(struct snap *x)
{
	uint32_t done = 0;

	while (done < x->max_entries) {
		uint32_t count = x->max_entries - done;

		if (bpf_map_update_batch(x->fd, x->keys + done,
					 x->data + (size_t)done * x->vbuf, &count, NULL))
			return -1;
		if (!count)
			return -1;
		done += count;
	}
	return 0;
}

static int reset_maps(struct snap *s, size_t n, FILE *d)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct snap *x = &s[i];
		uint32_t k;

		if (x->kind == SNAP_PROG) {
			if (!x->dirty)
				continue;
			x->dirty = 0;
			if (reset_prog_array(x, d))
				return -1;
		} else if (x->kind == SNAP_ARRAY) {
			if (x->prog_ro && !x->dirty)
				continue;
			x->dirty = 0;
			if (reset_array_batch(x) == 0)
				continue;
			for (k = 0; k < x->max_entries; k++)
				if (bpf_map_update_elem(x->fd, &k, x->data + (size_t)k * x->vbuf,
							BPF_ANY)) {
					fprintf(d, "# cannot reset map %s[%u]: %s\n",
						bpf_map__name(x->map), k, strerror(errno));
					return -1;
				}
		} else if (x->kind == SNAP_HASH) {
			uint8_t key[512];

			if (bpf_map__key_size(x->map) > sizeof(key))
				return -1;
			while (!bpf_map_get_next_key(x->fd, NULL, key))
				if (bpf_map_delete_elem(x->fd, key)) {
					fprintf(d, "# cannot empty map %s: %s\n",
						bpf_map__name(x->map), strerror(errno));
					return -1;
				}
		}
	}
	return 0;
}

static void free_snaps(struct snap *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].data);
		free(s[i].keys);
	}
	free(s);
}

/* ---- map access ----------------------------------------------------- */

static void list_maps(FILE *d, const struct objset *os)
{
	struct bpf_map *m;
	const char *sep = "";
	size_t i;

	fputs("# maps in the object:", d);
	for (i = 0; i < os->n; i++)
		bpf_object__for_each_map(m, os->o[i]) {
			if (i && bpf_object__find_map_by_name(os->o[0], bpf_map__name(m)))
				continue;	/* the first object's */
			fprintf(d, "%s %s", sep, bpf_map__name(m));
			sep = ",";
		}
	fputc('\n', d);
}

static struct bpf_map *find_map(FILE *d, const struct objset *os, const char *where,
				int line, const char *name, size_t key_len)
{
	struct bpf_map *m = NULL;
	size_t i;

	for (i = 0; i < os->n && !m; i++)
		m = bpf_object__find_map_by_name(os->o[i], name);
	if (!m) {
		fprintf(d, "# %s:%d: no map named '%s'\n", where, line, name);
		list_maps(d, os);
		return NULL;
	}
	if (key_len != bpf_map__key_size(m)) {
		fprintf(d, "# %s:%d: map %s: key is %zu bytes, the map's key_size is %u\n",
			where, line, name, key_len, bpf_map__key_size(m));
		return NULL;
	}
	return m;
}

static struct bpf_program *find_program(const struct objset *os, const char *name)
{
	struct bpf_program *p = NULL;
	size_t i;

	for (i = 0; i < os->n && !p; i++)
		p = bpf_object__find_program_by_name(os->o[i], name);
	return p;
}

static void list_programs(FILE *d, const struct objset *os)
{
	struct bpf_program *p;
	const char *sep = "";
	size_t i;

	fputs("# programs in the object:", d);
	for (i = 0; i < os->n; i++)
		bpf_object__for_each_program(p, os->o[i]) {
			fprintf(d, "%s %s", sep, bpf_program__name(p));
			sep = ",";
		}
	fputc('\n', d);
}

/* "set MAP key BYTES value prog:NAME": NAME's fd into a prog array */
static int apply_set_prog(FILE *d, const struct objset *os, const char *path,
			  const struct fx_map_set *s, struct bpf_map *m)
{
	struct bpf_program *prog = find_program(os, s->value_prog);
	int fd;

	if (!prog) {
		fprintf(d, "# %s:%d: set %s: no program named '%s'\n", path, s->line, s->map,
			s->value_prog);
		list_programs(d, os);
		return -1;
	}
	if (bpf_map__value_size(m) != sizeof(fd)) {
		fprintf(d, "# %s:%d: set %s: prog:%s needs a map with 4-byte values (a prog array), not %u\n",
			path, s->line, s->map, s->value_prog, bpf_map__value_size(m));
		return -1;
	}
	fd = bpf_program__fd(prog);
	if (bpf_map_update_elem(bpf_map__fd(m), s->key.data, &fd, BPF_ANY)) {
		fprintf(d, "# %s:%d: set %s: update with program %s failed: %s\n", path, s->line,
			s->map, s->value_prog, strerror(errno));
		return -1;
	}
	return 0;
}

static int apply_set(FILE *d, const struct objset *os, const char *path,
		     const struct fx_map_set *s)
{
	struct bpf_map *m = find_map(d, os, path, s->line, s->map, s->key.len);
	size_t vs, stride, i;
	uint8_t *buf;
	int rc = 0;

	if (!m)
		return -1;
	if (s->value_prog)
		return apply_set_prog(d, os, path, s, m);
	vs = bpf_map__value_size(m);
	if (s->value.len != vs) {
		fprintf(d, "# %s:%d: map %s: value is %zu bytes, the map's value_size is %zu\n",
			path, s->line, s->map, s->value.len, vs);
		return -1;
	}
	buf = calloc(1, map_vbuf(m));
	if (!buf)
		return -1;
	/* per-CPU maps: the same value on every CPU */
	stride = (vs + 7) & ~(size_t)7;
	if (map_is_percpu(bpf_map__type(m)))
		for (i = 0; i < (size_t)ncpus; i++)
			memcpy(buf + i * stride, s->value.data, vs);
	else
		memcpy(buf, s->value.data, vs);
	if (bpf_map_update_elem(bpf_map__fd(m), s->key.data, buf, BPF_ANY)) {
		fprintf(d, "# %s:%d: set %s: update failed: %s\n", path, s->line, s->map,
			strerror(errno));
		rc = -1;
	}
	free(buf);
	return rc;
}

static uint64_t read_uint(const uint8_t *p, unsigned int width)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	switch (width) {
	case 1: memcpy(&u8, p, 1); return u8;
	case 2: memcpy(&u16, p, 2); return u16;
	case 4: memcpy(&u32, p, 4); return u32;
	default: memcpy(&u64, p, 8); return u64;
	}
}

static int compare(uint64_t a, enum fx_op op, uint64_t b)
{
	switch (op) {
	case FX_EQ: return a == b;
	case FX_NE: return a != b;
	case FX_LT: return a < b;
	case FX_LE: return a <= b;
	case FX_GT: return a > b;
	default: return a >= b;
	}
}

static void key_str(char *buf, size_t cap, const struct fx_bytes *k)
{
	size_t i, o = 0;

	for (i = 0; i < k->len && o + 3 < cap; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%02x", k->data[i]);
	if (i < k->len && cap > 4)
		snprintf(buf + cap - 4, 4, "...");
}

/* returns 1 if the check passed, 0 if not (diagnostics written) */
static int check_map(FILE *d, const struct objset *os, const char *path,
		     const struct fx_map_check *c)
{
	struct bpf_map *m = find_map(d, os, path, c->line, c->map, c->key.len);
	size_t vs, stride, i;
	char key[80];
	uint8_t *buf;
	int percpu, found, ok = 0;

	if (!m)
		return 0;
	key_str(key, sizeof(key), &c->key);
	vs = bpf_map__value_size(m);
	percpu = map_is_percpu(bpf_map__type(m));
	stride = (vs + 7) & ~(size_t)7;
	buf = calloc(1, map_vbuf(m));
	if (!buf)
		return 0;
	found = !bpf_map_lookup_elem(bpf_map__fd(m), c->key.data, buf);
	if (!found && errno != ENOENT) {
		fprintf(d, "# %s:%d: map %s key %s: lookup failed: %s\n", path, c->line,
			c->map, key, strerror(errno));
		goto out;
	}

	switch (c->kind) {
	case FX_CHECK_ABSENT:
	case FX_CHECK_PRESENT:
		ok = found == (c->kind == FX_CHECK_PRESENT);
		if (!ok)
			fprintf(d, "# %s:%d: map %s key %s: expected %s, but it is %s\n", path,
				c->line, c->map, key,
				found ? "absent" : "present", found ? "present" : "absent");
		break;
	case FX_CHECK_VALUE:
		if (!found) {
			fprintf(d, "# %s:%d: map %s key %s: no such element\n", path, c->line,
				c->map, key);
			break;
		}
		if (percpu) {
			fprintf(d, "# %s:%d: map %s is per-CPU: use a field check (uN@OFFSET), which sums over CPUs\n",
				path, c->line, c->map);
			break;
		}
		ok = c->value.len == vs && !memcmp(c->value.data, buf, vs);
		if (!ok) {
			fprintf(d, "# %s:%d: map %s key %s: value mismatch\n", path, c->line,
				c->map, key);
			hexdiff(d, "value", c->value.data, c->value.len, buf, vs);
		}
		break;
	case FX_CHECK_FIELD: {
		uint64_t sum = 0;

		if (!found) {
			fprintf(d, "# %s:%d: map %s key %s: no such element\n", path, c->line,
				c->map, key);
			break;
		}
		if (c->offset + c->width > vs) {
			fprintf(d, "# %s:%d: map %s: u%u@%zu is outside the %zu-byte value\n",
				path, c->line, c->map, c->width * 8, c->offset, vs);
			break;
		}
		for (i = 0; i < (percpu ? (size_t)ncpus : 1); i++)
			sum += read_uint(buf + i * stride + c->offset, c->width);
		if (c->width < 8)
			sum &= (1ULL << (8 * c->width)) - 1;
		ok = compare(sum, c->op, c->number);
		if (!ok || verbose)
			fprintf(d, "# %s:%d: map %s key %s: u%u@%zu %s %llu %s: value is %llu%s\n",
				path, c->line, c->map, key, c->width * 8, c->offset,
				fx_op_name(c->op), (unsigned long long)c->number,
				ok ? "holds" : "failed", (unsigned long long)sum,
				percpu ? " (sum over all CPUs)" : "");
		break;
	}
	}
out:
	free(buf);
	return ok;
}

/* ---- cases ---------------------------------------------------------- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void verdict_str(char *buf, size_t cap, uint32_t v)
{
	const char *n = fx_verdict_name(v);

	if (n)
		snprintf(buf, cap, "%s (%u)", n, v);
	else
		snprintf(buf, cap, "%u", v);
}

/* Run one case, writing diagnostics to d; returns 1 if it passed. */
static int run_case(FILE *d, const struct objset *os, struct snap *snaps, size_t n_snaps,
		    const struct fixture *fx, const struct fx_case *c)
{
	const char *pname = c->program ? c->program : fx->program;
	const struct fx_bytes *exp = c->has_out ? &c->out : &c->in;
	struct bpf_program *prog;
	static uint8_t out[OUT_BUF_LEN];
	char want[48], got[48];
	int ok = 1, err;
	size_t i;

	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = c->in.data,
		.data_size_in = (uint32_t)c->in.len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);

	if (reset_maps(snaps, n_snaps, d))
		return 0;
	for (i = 0; i < fx->n_sets; i++)
		if (apply_set(d, os, fx->path, &fx->sets[i]))
			return 0;
	for (i = 0; i < c->n_sets; i++) {
		size_t j;

		for (j = 0; j < n_snaps; j++)
			if (!strcmp(bpf_map__name(snaps[j].map), c->sets[i].map))
				snaps[j].dirty = 1;
		if (apply_set(d, os, fx->path, &c->sets[i]))
			return 0;
	}

	prog = find_program(os, pname);
	if (!prog) {
		fprintf(d, "# %s:%d: no program named '%s'\n", fx->path,
			c->program ? c->program_line : fx->program_line, pname);
		list_programs(d, os);
		return 0;
	}
	if (bpf_program__type(prog) == BPF_PROG_TYPE_XDP && c->in.len < ETH_HLEN) {
		fprintf(d, "# %s:%d: input is %zu bytes; the kernel refuses XDP test input shorter than %d bytes (ETH_HLEN)\n",
			fx->path, c->in_line, c->in.len, ETH_HLEN);
		return 0;
	}

	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		fprintf(d, "# %s:%d: BPF_PROG_TEST_RUN of %s failed: %s\n", fx->path, c->line,
			pname, strerror(errno));
		return 0;
	}

	if (verbose) {
		hexdump(d, "in", c->in.data, c->in.len);
		verdict_str(got, sizeof(got), opts.retval);
		fprintf(d, "# verdict %s, %u ns\n", got, opts.duration);
		hexdump(d, "out", out, opts.data_size_out);
	}

	if (opts.retval != c->verdict) {
		verdict_str(want, sizeof(want), c->verdict);
		verdict_str(got, sizeof(got), opts.retval);
		fprintf(d, "# %s:%d: verdict: expected %s, got %s\n", fx->path, c->verdict_line,
			want, got);
		ok = 0;
	}
	if (opts.data_size_out != exp->len || memcmp(out, exp->data, exp->len)) {
		fprintf(d, "# %s:%d: output bytes differ from %s\n", fx->path,
			c->has_out ? c->out_line : c->in_line,
			c->has_out ? "'out'" : "the input ('out' not given: output must equal input)");
		hexdiff(d, "output", exp->data, exp->len, out, opts.data_size_out);
		ok = 0;
	}
	for (i = 0; i < c->n_checks; i++)
		if (!check_map(d, os, fx->path, &c->checks[i]))
			ok = 0;
	return ok;
}

static void emit_result(int n, const struct fixture *fx, const struct fx_case *c, int ok,
			const char *skip, char *diag)
{
	printf("%s %d %s:%s", ok ? "ok" : "not ok", n, base_name(fx->path), c->name);
	if (skip)
		printf(" # SKIP %s", skip);
	putchar('\n');
	if (diag && *diag)
		fputs(diag, stdout);
	fflush(stdout);
}

/*
 * Open and load @path after the first object, every map of it that has the
 * name of one of the first object's becoming that map (bpf_map__reuse_fd),
 * as sovereignd loads a custom policy next to the balancer. NULL on failure,
 * diagnostics written.
 */
static struct bpf_object *load_more(FILE *sd, const struct fixture *fx,
				    const struct fx_object *mo, struct bpf_object *first)
{
	struct bpf_object *obj = bpf_object__open_file(mo->path, NULL);
	struct bpf_map *m, *ours;
	int err;

	if (!obj) {
		fprintf(sd, "# %s:%d: cannot open object %s: %s\n", fx->path, mo->line, mo->path,
			strerror(errno));
		return NULL;
	}
	bpf_object__for_each_map(m, obj) {
		ours = bpf_object__find_map_by_name(first, bpf_map__name(m));
		err = ours ? bpf_map__reuse_fd(m, bpf_map__fd(ours)) : 0;
		if (err) {
			fprintf(sd, "# %s:%d: %s: map %s cannot be %s's: %s\n", fx->path, mo->line,
				mo->path, bpf_map__name(m), fx->object, strerror(-err));
			bpf_object__close(obj);
			return NULL;
		}
	}
	if (bpf_object__load(obj)) {
		fprintf(sd, "# %s:%d: cannot load object %s: %s\n", fx->path, mo->line, mo->path,
			strerror(errno));
		if (lbuf_len) {
			fputs("# libbpf said:\n", sd);
			diag_text(sd, lbuf);
		}
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* Run every case of one fixture; returns the number of failed cases. */
static int run_fixture(const struct fixture *fx, int *n)
{
	struct bpf_object *obj;
	struct objset os = { 0 };
	struct snap *snaps = NULL;
	size_t n_snaps = 0, i;
	char *setup = NULL;
	size_t setup_len = 0;
	FILE *sd;
	int failed = 0, setup_ok = 0;

	lbuf_len = 0;
	if (lbuf)
		lbuf[0] = '\0';
	sd = open_memstream(&setup, &setup_len);
	if (!sd) {
		perror("open_memstream");
		exit(2);
	}
	obj = bpf_object__open_file(fx->object, NULL);
	if (!obj) {
		fprintf(sd, "# %s:%d: cannot open object %s: %s\n", fx->path, fx->object_line,
			fx->object, strerror(errno));
	} else if (bpf_object__load(obj)) {
		fprintf(sd, "# %s:%d: cannot load object %s: %s\n", fx->path, fx->object_line,
			fx->object, strerror(errno));
		if (lbuf_len) {
			fputs("# libbpf said:\n", sd);
			diag_text(sd, lbuf);
		}
	} else {
		os.o = calloc(1 + fx->n_more, sizeof(*os.o));
		if (!os.o) {
			perror("calloc");
			exit(2);
		}
		os.o[os.n++] = obj;
		setup_ok = 1;
		for (i = 0; i < fx->n_more && setup_ok; i++) {
			os.o[os.n] = load_more(sd, fx, &fx->more[i], obj);
			setup_ok = !!os.o[os.n++];
		}
		for (i = 0; i < os.n && setup_ok; i++)
			if (snapshot_maps(os.o[i], i ? obj : NULL, &snaps, &n_snaps, sd)) {
				fprintf(sd, "# %s: cannot snapshot the maps of %s\n", fx->path,
					i ? fx->more[i - 1].path : fx->object);
				setup_ok = 0;
			}
	}
	fclose(sd);

	for (i = 0; i < fx->n_cases; i++) {
		const struct fx_case *c = &fx->cases[i];
		char *diag = NULL;
		size_t dlen = 0;
		FILE *d;
		int ok;

		++*n;
		if (c->skip) {
			emit_result(*n, fx, c, 1, c->skip, NULL);
			continue;
		}
		if (!setup_ok) {
			emit_result(*n, fx, c, 0, NULL, setup);
			failed++;
			continue;
		}
		d = open_memstream(&diag, &dlen);
		if (!d) {
			perror("open_memstream");
			exit(2);
		}
		ok = run_case(d, &os, snaps, n_snaps, fx, c);
		fclose(d);
		emit_result(*n, fx, c, ok, NULL, diag);
		free(diag);
		failed += !ok;
	}
	free(setup);
	free_snaps(snaps, n_snaps);
	/* the further objects first: they hold the first one's maps */
	for (i = os.n; i-- > 1;)
		bpf_object__close(os.o[i]);
	free(os.o);
	bpf_object__close(obj);
	return failed;
}

static void usage(FILE *f)
{
	fputs("usage: bpf-fixture-runner [-v] FIXTURE...\n"
	      "  Run the cases of each fixture file with BPF_PROG_TEST_RUN; TAP 13 on stdout.\n"
	      "  -v  show packets, verdicts and map values; libbpf messages on stderr\n"
	      "  -vv also libbpf debug messages\n"
	      "  exit: 0 all passed, 1 a case failed, 2 usage or fixture parse error\n"
	      "  fixture format: tests/bpf/README.md\n", f);
}

int main(int argc, char **argv)
{
	struct fixture *fxs;
	int opt, i, nfx, total = 0, n = 0, failed = 0, bad = 0;

	while ((opt = getopt(argc, argv, "vh")) != -1) {
		switch (opt) {
		case 'v':
			verbose++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	nfx = argc - optind;
	if (nfx <= 0) {
		usage(stderr);
		return 2;
	}

	fxs = calloc((size_t)nfx, sizeof(*fxs));
	if (!fxs)
		return 2;
	for (i = 0; i < nfx; i++) {
		if (fixture_load(argv[optind + i], &fxs[i], stderr))
			bad = 1;
		else
			total += (int)fxs[i].n_cases;
	}
	if (bad) {
		printf("TAP version 13\nBail out! fixture parse error (details on stderr)\n");
		for (i = 0; i < nfx; i++)
			fixture_free(&fxs[i]);
		free(fxs);
		return 2;
	}

	libbpf_set_print(libbpf_print);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		fprintf(stderr, "bpf-fixture-runner: cannot count possible CPUs: %s\n",
			strerror(-ncpus));
		return 2;
	}

	printf("TAP version 13\n1..%d\n", total);
	fflush(stdout);
	for (i = 0; i < nfx; i++) {
		failed += run_fixture(&fxs[i], &n);
		fixture_free(&fxs[i]);
	}
	free(fxs);
	free(lbuf);
	printf("# %d cases, %d failed\n", total, failed);
	return failed ? 1 : 0;
}
