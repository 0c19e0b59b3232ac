// SPDX-License-Identifier: GPL-2.0
/*
 * lib/raft: the in-memory log. It holds the entries after the last snapshot,
 * and three cursors the Ready cycle needs: what was handed out for persisting
 * (unstable), for applying (applying) and what the caller applied (applied).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "raft_internal.h"

struct raft_blob {
	uint32_t ref;
	uint8_t data[];
};

static struct raft_blob *blob_of(uint8_t *data)
{
	return (struct raft_blob *)(data - offsetof(struct raft_blob, data));
}

int raft_blob_dup(const void *src, uint32_t len, uint8_t **out)
{
	struct raft_blob *b;

	*out = NULL;
	if (!len)
		return 0;
	b = malloc(sizeof(*b) + len);
	if (!b)
		return -ENOMEM;
	b->ref = 1;
	memcpy(b->data, src, len);
	*out = b->data;
	return 0;
}

void raft_blob_put(uint8_t *data)
{
	struct raft_blob *b;

	if (!data)
		return;
	b = blob_of(data);
	if (--b->ref == 0)
		free(b);
}

void raft_entry_share(struct raft_entry *dst, const struct raft_entry *src)
{
	*dst = *src;
	if (dst->data)
		blob_of(dst->data)->ref++;
}

void raft_entries_free(struct raft_entry *ents, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		raft_blob_put(ents[i].data);
	free(ents);
}

void raft_log_init(struct raft_log *l, uint64_t snap_index, uint64_t snap_term)
{
	memset(l, 0, sizeof(*l));
	l->snap_index = snap_index;
	l->snap_term = snap_term;
	l->committed = snap_index;
	l->applied = snap_index;
	l->applying = snap_index;
	l->unstable = snap_index + 1;
}

void raft_log_free(struct raft_log *l)
{
	raft_entries_free(l->ents, l->n);
	l->ents = NULL;
	l->n = 0;
	l->cap = 0;
}

uint64_t raft_log_last(const struct raft_log *l)
{
	return l->snap_index + l->n;
}

uint64_t raft_log_last_term(const struct raft_log *l)
{
	return l->n ? l->ents[l->n - 1].term : l->snap_term;
}

/* false: compacted away or not there yet */
bool raft_log_term(const struct raft_log *l, uint64_t index, uint64_t *term)
{
	if (index == l->snap_index) {
		*term = l->snap_term;
		return true;
	}
	if (index < l->snap_index || index > raft_log_last(l))
		return false;
	*term = l->ents[index - l->snap_index - 1].term;
	return true;
}

bool raft_log_match(const struct raft_log *l, uint64_t index, uint64_t term)
{
	uint64_t t;

	return raft_log_term(l, index, &t) && t == term;
}

/* Raft 5.4.1: a later last term wins, then a longer log. */
bool raft_log_up_to_date(const struct raft_log *l, uint64_t index, uint64_t term)
{
	uint64_t lt = raft_log_last_term(l);

	return term > lt || (term == lt && index >= raft_log_last(l));
}

/* The first entry of @ents the log lacks or holds with another term; 0: none. */
uint64_t raft_log_find_conflict(const struct raft_log *l,
				const struct raft_entry *ents, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!raft_log_match(l, ents[i].index, ents[i].term))
			return ents[i].index;
	return 0;
}

int raft_log_reserve(struct raft_log *l, size_t extra)
{
	struct raft_entry *e;
	size_t cap;

	if (l->n + extra <= l->cap)
		return 0;
	cap = l->cap ? l->cap : 64;
	while (cap < l->n + extra)
		cap *= 2;
	e = realloc(l->ents, cap * sizeof(*e));
	if (!e)
		return -ENOMEM;
	l->ents = e;
	l->cap = cap;
	return 0;
}

/* Appends a shared copy of @e at last + 1; room was reserved. */
void raft_log_push(struct raft_log *l, const struct raft_entry *e)
{
	raft_entry_share(&l->ents[l->n++], e);
}

/* Drops the entries from @from on; those not handed out yet never will be. */
void raft_log_truncate(struct raft_log *l, uint64_t from)
{
	size_t keep;

	if (from > raft_log_last(l))
		return;
	keep = from - l->snap_index - 1;
	while (l->n > keep)
		raft_blob_put(l->ents[--l->n].data);
	if (l->unstable > from)
		l->unstable = from;
}

void raft_log_commit_to(struct raft_log *l, uint64_t index)
{
	if (index > raft_log_last(l))
		index = raft_log_last(l);
	if (index > l->committed)
		l->committed = index;
}

/* The application snapshotted through @index: forget the entries it covers. */
void raft_log_compact(struct raft_log *l, uint64_t index)
{
	uint64_t term;
	size_t drop, i;

	if (index <= l->snap_index || !raft_log_term(l, index, &term))
		return;
	drop = index - l->snap_index;
	for (i = 0; i < drop; i++)
		raft_blob_put(l->ents[i].data);
	memmove(l->ents, l->ents + drop, (l->n - drop) * sizeof(*l->ents));
	l->n -= drop;
	l->snap_index = index;
	l->snap_term = term;
	if (l->unstable <= index)
		l->unstable = index + 1;
}

/* A snapshot replaces the whole log. */
void raft_log_reset(struct raft_log *l, uint64_t index, uint64_t term)
{
	while (l->n)
		raft_blob_put(l->ents[--l->n].data);
	l->snap_index = index;
	l->snap_term = term;
	l->committed = index;
	l->applying = index;
	l->unstable = index + 1;
}

/*
 * Shared copies of [lo, hi], stopping before @max_bytes of payload but
 * always at least one entry so that a large entry still moves.
 */
int raft_log_slice(const struct raft_log *l, uint64_t lo, uint64_t hi,
		   uint64_t max_bytes, struct raft_entry **out, size_t *n)
{
	uint64_t bytes = 0, i, cnt;
	struct raft_entry *e;

	*out = NULL;
	*n = 0;
	if (lo <= l->snap_index || hi > raft_log_last(l) || lo > hi)
		return 0;
	for (cnt = 0, i = lo; i <= hi; i++, cnt++) {
		uint32_t len = l->ents[i - l->snap_index - 1].len;

		if (cnt && bytes + len > max_bytes)
			break;
		bytes += len;
	}
	e = malloc(cnt * sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (i = 0; i < cnt; i++)
		raft_entry_share(&e[i], &l->ents[lo + i - l->snap_index - 1]);
	*out = e;
	*n = cnt;
	return 0;
}
