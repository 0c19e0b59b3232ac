// SPDX-License-Identifier: GPL-2.0
/* Stack tables: a bounded open-addressing hash of stacks, one writer each. */
#include <linux/jhash.h>
#include <linux/kallsyms.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "stackmap.h"

static bool sov_stack_same(const struct sov_stack_entry *e,
			   const struct sov_stack_key *k)
{
	return e->tag == k->tag && e->tgid == k->tgid && e->nk == k->nk &&
	       e->nu == k->nu && !memcmp(e->comm, k->comm, sizeof(e->comm)) &&
	       !memcmp(e->ips, k->ips, (k->nk + k->nu) * sizeof(u64));
}

u32 sov_stack_hash(const struct sov_stack_key *k)
{
	u32 h;

	h = jhash2((const u32 *)k->ips, (k->nk + k->nu) * 2,
		   (u32)k->tag ^ (u32)(k->tag >> 32) ^ k->tgid);
	h = jhash(k->comm, sizeof(k->comm), h ^ ((u32)k->nk << 16 | k->nu));
	return h ?: 1;	/* 0 marks a free slot */
}

int sov_stackmap_init(struct sov_stackmap *m, u32 max)
{
	u32 n = roundup_pow_of_two(max);

	memset(m, 0, sizeof(*m));
	m->slots = vzalloc(array_size(n, sizeof(*m->slots)));
	if (!m->slots)
		return -ENOMEM;
	m->mask = n - 1;
	m->max = max;
	return 0;
}

void sov_stackmap_free(struct sov_stackmap *m)
{
	vfree(m->slots);
	memset(m, 0, sizeof(*m));
}

/* Only while no writer runs (the profile is stopped). */
void sov_stackmap_clear(struct sov_stackmap *m)
{
	if (m->slots)
		memset(m->slots, 0, (m->mask + 1) * sizeof(*m->slots));
	m->used = 0;
	m->dropped = 0;
}

size_t sov_stackmap_bytes(const struct sov_stackmap *m)
{
	return m->slots ? (m->mask + 1) * sizeof(*m->slots) : 0;
}

struct sov_stack_entry *sov_stackmap_add(struct sov_stackmap *m,
					 const struct sov_stack_key *k,
					 u64 count, u64 weight)
{
	u32 h = sov_stack_hash(k), i, n;
	struct sov_stack_entry *e;

	for (n = 0; n <= m->mask && n < SOV_STACKMAP_PROBES; n++) {
		i = (h + n) & m->mask;
		e = &m->slots[i];
		if (!e->hash)
			break;
		if (e->hash == h && sov_stack_same(e, k))
			goto found;
	}
	if (n > m->mask || n == SOV_STACKMAP_PROBES || m->used >= m->max) {
		m->dropped += count;
		return NULL;
	}
	/* a free slot: fill the key, then publish it */
	e->pid = k->pid;
	e->tag = k->tag;
	e->tgid = k->tgid;
	e->nk = k->nk;
	e->nu = k->nu;
	memcpy(e->comm, k->comm, sizeof(e->comm));
	memcpy(e->ips, k->ips, (k->nk + k->nu) * sizeof(u64));
	/* pairs with sov_stackmap_slot(): readers see a whole key */
	smp_store_release(&e->hash, h);
	m->used++;
found:
	WRITE_ONCE(e->count, e->count + count);
	WRITE_ONCE(e->weight, e->weight + weight);
	return e;
}

const struct sov_stack_entry *sov_stackmap_slot(const struct sov_stackmap *m,
						u32 i)
{
	const struct sov_stack_entry *e = &m->slots[i];

	return smp_load_acquire(&e->hash) ? e : NULL;	/* then the key */
}

/* Appends like scnprintf but keeps counting what the whole line needs. */
static int sov_fold_put(char *buf, size_t len, int off, const char *s)
{
	size_t n = strlen(s);

	if (off < len)
		strscpy(buf + off, s, len - off);
	return off + n;
}

int sov_stack_fold(char *buf, size_t len, const struct sov_stack_entry *e,
		   u64 value, sov_sym_fn sym)
{
	char frame[KSYM_SYMBOL_LEN + 8];
	int off = 0, i;

	if (len)
		buf[0] = '\0';
	off = sov_fold_put(buf, len, off, e->comm[0] ? e->comm : "[unknown]");
	/* user frames are stored innermost first after the kernel's */
	for (i = e->nk + e->nu - 1; i >= e->nk; i--) {
		off = sov_fold_put(buf, len, off, ";");
		sym(frame, sizeof(frame), e->ips[i], false);
		off = sov_fold_put(buf, len, off, frame);
	}
	for (i = e->nk - 1; i >= 0; i--) {
		off = sov_fold_put(buf, len, off, ";");
		sym(frame, sizeof(frame), e->ips[i], true);
		off = sov_fold_put(buf, len, off, frame);
		off = sov_fold_put(buf, len, off, "_[k]");
	}
	snprintf(frame, sizeof(frame), " %llu\n", value);
	return sov_fold_put(buf, len, off, frame);
}
