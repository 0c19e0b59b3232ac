/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stack tables: stack -> (count, weight), one table per CPU and kind.
 *
 * Writers are the CPU's own sample handler or tracepoint probe, with
 * interrupts off, so a table has one writer at a time and needs no lock.
 * Readers (dumps) run anywhere: an entry's key is written before its hash is
 * published with release order and never changes afterwards, and counters
 * are read with READ_ONCE, so a reader sees whole keys and counts that are at
 * most one event stale. Entries are never removed while a profile runs; a
 * new stack that finds the table full (or no free slot within the probe
 * window) is counted as dropped, so memory stays bounded.
 */
#ifndef _SOV_PROF_STACKMAP_H
#define _SOV_PROF_STACKMAP_H

#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/types.h>

#include "../../uapi/linux/sovereign_prof.h"

#define SOV_STACK_FRAMES	(SOV_PROF_KSTACK_MAX + SOV_PROF_USTACK_MAX)
/* slots looked at before a new stack counts as dropped */
#define SOV_STACKMAP_PROBES	32

/* What a sample or event records, before it is found in or added to a table. */
struct sov_stack_key {
	u64 tag;
	u32 tgid;
	u32 pid;
	u16 nk, nu;
	char comm[TASK_COMM_LEN];
	u64 ips[SOV_STACK_FRAMES];	/* nk kernel frames, then nu user frames */
};

struct sov_stack_entry {
	u32 hash;			/* 0: free; published last */
	u32 pid;
	u64 count;
	u64 weight;
	u64 tag;
	u32 tgid;
	u16 nk, nu;
	char comm[TASK_COMM_LEN];
	u64 ips[SOV_STACK_FRAMES];
};

struct sov_stackmap {
	struct sov_stack_entry *slots;
	u32 mask;			/* slots - 1, a power of two minus one */
	u32 max;			/* entries allowed */
	u32 used;
	u64 dropped;
};

u32 sov_stack_hash(const struct sov_stack_key *k);
/* Allocates room for @max entries (rounded up to a power of two slots). */
int sov_stackmap_init(struct sov_stackmap *m, u32 max);
void sov_stackmap_free(struct sov_stackmap *m);
void sov_stackmap_clear(struct sov_stackmap *m);
size_t sov_stackmap_bytes(const struct sov_stackmap *m);
/*
 * Add @count and @weight to @k's entry, creating it if needed. Returns the
 * entry, or NULL when the stack was new and had no room (counted in dropped).
 */
struct sov_stack_entry *sov_stackmap_add(struct sov_stackmap *m,
					 const struct sov_stack_key *k,
					 u64 count, u64 weight);
/* Reader's view of slot @i: NULL if the slot is free. */
const struct sov_stack_entry *sov_stackmap_slot(const struct sov_stackmap *m,
						u32 i);
static inline u32 sov_stackmap_nslots(const struct sov_stackmap *m)
{
	return m->slots ? m->mask + 1 : 0;
}

/*
 * One folded line ("comm;user frames root first;kernel frames_[k] N"), the
 * FlameGraph format, for the debugfs view; @sym prints one address. Returns
 * the length that the whole line needs (like snprintf).
 */
typedef int (*sov_sym_fn)(char *buf, size_t len, u64 addr, bool kernel);
int sov_stack_fold(char *buf, size_t len, const struct sov_stack_entry *e,
		   u64 value, sov_sym_fn sym);

/* Lock-wait histogram: the bucket of a wait of @ns nanoseconds. */
static inline unsigned int sov_prof_hist_bucket(u64 ns)
{
	unsigned int b = ns ? ilog2(ns) : 0;

	return b < SOV_PROF_HIST_BUCKETS ? b : SOV_PROF_HIST_BUCKETS - 1;
}

#endif /* _SOV_PROF_STACKMAP_H */
