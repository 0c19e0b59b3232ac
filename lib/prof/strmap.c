// SPDX-License-Identifier: GPL-2.0
/* A string -> index map (open addressing, linear probing) and its hash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

uint64_t prof_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void prof_strmap_init(struct prof_strmap *m)
{
	memset(m, 0, sizeof(*m));
}

void prof_strmap_free(struct prof_strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

static size_t slot(const struct prof_strmap *m, const char *key)
{
	size_t i = (size_t)prof_hash(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key))
		i = (i + 1) & (m->cap - 1);
	return i;
}

static int rehash(struct prof_strmap *m)
{
	struct prof_strmap n;
	size_t i, j;

	n.cap = m->cap ? m->cap * 2 : 64;
	if (n.cap < m->cap)
		return -ENOMEM;
	n.n = m->n;
	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = calloc(n.cap, sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		j = slot(&n, m->keys[i]);
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
	}
	prof_strmap_free(m);
	*m = n;
	return 0;
}

int prof_strmap_upsert(struct prof_strmap *m, const char *key, size_t val,
		       size_t *out)
{
	size_t i;
	int err;

	/* keep the load under 1/2 */
	if ((m->n + 1) * 2 > m->cap) {
		err = rehash(m);
		if (err)
			return err;
	}
	i = slot(m, key);
	if (m->keys[i]) {
		*out = m->vals[i];
		return 0;
	}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	*out = val;
	return 1;
}
