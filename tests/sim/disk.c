// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: a node's disk. It holds the hard state, the latest snapshot
 * and the log after it. The writes of one Ready stay "unsynced" until the
 * fsync completes; a crash before that either loses them all or, as when
 * the data reached the platter but the fsync never returned, keeps them all.
 * Raft may rely on neither: nothing it sent depended on them yet.
 *
 * Every entry carries a chain hash of the log up to it, so comparing two
 * logs up to an index is one compare.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

uint64_t disk_first(const struct disk *d)
{
	return (d->has_snap ? d->snap.meta.index : 0) + 1;
}

uint64_t disk_last(const struct disk *d)
{
	return disk_first(d) + d->n - 1;
}

bool disk_at(const struct disk *d, uint64_t index, uint64_t *term, uint64_t *chain)
{
	const struct disk_entry *e;

	if (index == disk_first(d) - 1) {
		*term = d->has_snap ? d->snap.meta.term : 0;
		*chain = d->has_snap ? d->snap_chain : 0;
		return true;
	}
	if (index < disk_first(d) || index > disk_last(d))
		return false;
	e = &d->log[index - disk_first(d)];
	*term = e->term;
	*chain = e->chain;
	return true;
}

static void entries_free(struct disk_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].data);
}

/* a snapshot arrived: it replaces the log unless the log matches at its index */
static bool write_snapshot(struct sim *w, struct sim_node *n, const struct raft_snapshot *s)
{
	struct disk *d = &n->disk;
	struct disk_undo *u = &d->undo;
	struct disk_entry *log = NULL;
	uint64_t chain, t, c;
	size_t nn = 0, cap = 0, k;

	if (!inv_snapshot_chain(w, s->meta.index, s->meta.term, &chain))
		return false;
	if (s->meta.index + 1 < disk_first(d)) {
		sim_fail(w, "n%llu: raft persists snapshot %llu behind the one on disk (%llu)",
			 (unsigned long long)n->id, (unsigned long long)s->meta.index,
			 (unsigned long long)d->snap.meta.index);
		return false;
	}
	/* Raft figure 13 step 6: keep the entries that follow a matching entry */
	if (disk_at(d, s->meta.index, &t, &c) && t == s->meta.term) {
		if (c != chain) {
			sim_fail(w, "n%llu: log matching: entry %llu term %llu differs from the snapshot's",
				 (unsigned long long)n->id, (unsigned long long)s->meta.index,
				 (unsigned long long)t);
			return false;
		}
		for (k = s->meta.index + 1 - disk_first(d); k < d->n; k++) {
			ARRAY_RESERVE(log, cap, nn + 1);
			log[nn] = d->log[k];
			log[nn++].data = xmemdup(d->log[k].data, d->log[k].len);
		}
	}
	u->replaced = true;
	u->old_has_snap = d->has_snap;
	u->old_snap = d->snap;
	u->old_snap_chain = d->snap_chain;
	u->old_log = d->log;
	u->old_n = d->n;
	u->old_cap = d->cap;
	d->has_snap = true;
	d->snap = *s;
	d->snap.data = xmemdup(s->data, s->len);
	d->snap_chain = chain;
	d->log = log;
	d->n = nn;
	d->cap = cap;
	return true;
}

static void write_entries(struct sim *w, struct sim_node *n, const struct raft_entry *ents,
			  size_t count)
{
	struct disk *d = &n->disk;
	struct disk_undo *u = &d->undo;
	uint64_t first = ents[0].index, prev_term, prev_chain;
	size_t pos, i;

	if (first < disk_first(d) || first > disk_last(d) + 1) {
		sim_fail(w, "n%llu: raft writes entries from %llu, the disk holds [%llu, %llu]",
			 (unsigned long long)n->id, (unsigned long long)first,
			 (unsigned long long)disk_first(d), (unsigned long long)disk_last(d));
		return;
	}
	pos = first - disk_first(d);
	if (!u->replaced) {
		u->cut = true;
		u->cut_at = pos;
		u->n_cut = d->n - pos;
		u->cut_log = xmemdup(d->log + pos, u->n_cut * sizeof(*d->log));
	} else {
		entries_free(d->log + pos, d->n - pos);
	}
	d->n = pos;
	disk_at(d, first - 1, &prev_term, &prev_chain);
	ARRAY_RESERVE(d->log, d->cap, d->n + count);
	for (i = 0; i < count; i++) {
		const struct raft_entry *e = &ents[i];
		struct disk_entry *de = &d->log[d->n];

		if (e->index != first + i || e->term < prev_term) {
			sim_fail(w, "n%llu: raft writes entry %llu term %llu after %llu term %llu",
				 (unsigned long long)n->id, (unsigned long long)e->index,
				 (unsigned long long)e->term, (unsigned long long)(first + i - 1),
				 (unsigned long long)prev_term);
			return;
		}
		de->term = e->term;
		de->index = e->index;
		de->type = e->type;
		de->len = e->len;
		de->data = e->len ? xmemdup(e->data, e->len) : NULL;
		de->chain = chain_step(prev_chain, e->term, e->type, e->data, e->len);
		d->n++;
		prev_term = e->term;
		prev_chain = de->chain;
		inv_logged(w, n, e->index, e->term, de->chain);
	}
}

bool disk_write(struct sim *w, uint32_t slot, const struct raft_ready *rd)
{
	struct sim_node *n = &w->nodes[slot];
	struct disk *d = &n->disk;
	bool wrote = false;

	memset(&d->undo, 0, sizeof(d->undo));
	if (rd->hs_changed) {
		d->undo.hs = true;
		d->undo.old_hs = d->hs;
		d->hs = rd->hs;
		wrote = true;
	}
	if (rd->snapshot) {
		if (!write_snapshot(w, n, rd->snapshot))
			return wrote;
		wrote = true;
	}
	if (rd->n_entries) {
		write_entries(w, n, rd->entries, rd->n_entries);
		wrote = true;
	}
	d->unsynced = wrote;
	return wrote;
}

void disk_sync(struct disk *d)
{
	struct disk_undo *u = &d->undo;

	if (!d->unsynced)
		return;
	if (u->replaced) {
		entries_free(u->old_log, u->old_n);
		free(u->old_log);
		if (u->old_has_snap)
			free(u->old_snap.data);
	}
	entries_free(u->cut_log, u->n_cut);
	free(u->cut_log);
	memset(u, 0, sizeof(*u));
	d->unsynced = false;
}

void disk_crash(struct disk *d, bool keep_unsynced)
{
	struct disk_undo *u = &d->undo;

	if (!d->unsynced)
		return;
	if (keep_unsynced) {
		disk_sync(d);
		return;
	}
	if (u->replaced) {
		entries_free(d->log, d->n);
		free(d->log);
		free(d->snap.data);
		d->has_snap = u->old_has_snap;
		d->snap = u->old_snap;
		d->snap_chain = u->old_snap_chain;
		d->log = u->old_log;
		d->n = u->old_n;
		d->cap = u->old_cap;
	} else if (u->cut) {
		entries_free(d->log + u->cut_at, d->n - u->cut_at);
		d->n = u->cut_at;
		ARRAY_RESERVE(d->log, d->cap, d->n + u->n_cut);
		memcpy(d->log + d->n, u->cut_log, u->n_cut * sizeof(*d->log));
		d->n += u->n_cut;
		free(u->cut_log);
	}
	if (u->hs)
		d->hs = u->old_hs;
	memset(u, 0, sizeof(*u));
	d->unsynced = false;
}

/* the application saved its state through @index: written and synced at once */
void disk_compact(struct disk *d, uint64_t index, const struct raft_conf *conf,
		  const void *data, size_t len)
{
	uint64_t term, chain;
	size_t k;

	if (d->unsynced || index < disk_first(d) || !disk_at(d, index, &term, &chain))
		return;
	k = index - disk_first(d) + 1;
	entries_free(d->log, k);
	memmove(d->log, d->log + k, (d->n - k) * sizeof(*d->log));
	d->n -= k;
	free(d->snap.data);
	memset(&d->snap, 0, sizeof(d->snap));
	d->has_snap = true;
	d->snap.meta.index = index;
	d->snap.meta.term = term;
	d->snap.meta.conf = *conf;
	d->snap.len = len;
	d->snap.data = xmemdup(data, len);
	d->snap_chain = chain;
}

void disk_boot(const struct disk *d, struct raft_boot *boot, struct raft_entry **ents)
{
	size_t i;

	memset(boot, 0, sizeof(*boot));
	boot->hs = d->hs;
	boot->snapshot = d->has_snap ? &d->snap : NULL;
	*ents = xcalloc(d->n, sizeof(**ents));
	for (i = 0; i < d->n; i++) {
		(*ents)[i].term = d->log[i].term;
		(*ents)[i].index = d->log[i].index;
		(*ents)[i].type = d->log[i].type;
		(*ents)[i].len = d->log[i].len;
		(*ents)[i].data = d->log[i].data;
	}
	boot->entries = *ents;
	boot->n_entries = d->n;
}

void disk_free(struct disk *d)
{
	disk_sync(d);
	entries_free(d->log, d->n);
	free(d->log);
	free(d->snap.data);
	memset(d, 0, sizeof(*d));
}
