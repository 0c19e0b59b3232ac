/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/prof's own declarations, shared between its files and never exported:
 * a string -> index map, the name hash the flame graphs colour by, the
 * kernel symbol table (kallsyms.c) and the per-process user symbol cache
 * (usersym.c) the symbolizer (symbolize.c) holds.
 */
#ifndef SOV_PROF_INTERNAL_H
#define SOV_PROF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prof.h"

/* strmap.c: borrowed C strings -> size_t, open addressing */
struct prof_strmap {
	const char **keys;
	size_t *vals;
	size_t cap, n;
};

uint64_t prof_hash(const char *s);		/* FNV-1a, 64 bits */
void prof_strmap_init(struct prof_strmap *m);
void prof_strmap_free(struct prof_strmap *m);
/* Finds @key; if absent, inserts it with @val. *@out: the value stored.
 * Returns 1 if inserted, 0 if found, -ENOMEM. @key must outlive the map. */
int prof_strmap_upsert(struct prof_strmap *m, const char *key, size_t val,
		       size_t *out);

/* kallsyms.c: sorted text and text+data tables of one kallsyms file */
struct prof_ksym {
	uint64_t addr, end;		/* [addr, end): what it covers */
	const char *name;
	const char *module;		/* NULL: the kernel image */
	bool marker;			/* _etext, _end...: covers nothing */
};

struct prof_ksyms {
	struct prof_ksym *text, *all;	/* all: text and data symbols */
	size_t ntext, nall;
	char *pool;			/* every name and module, NUL-separated */
	bool restricted;		/* kptr_restrict: every address was 0 */
};

/* Last symbol of an area (the kernel or a module) covers at most this. */
#define PROF_KSYM_TAIL_MAX	0x10000ULL

int prof_ksyms_load(struct prof_ksyms *k, const char *path);
void prof_ksyms_free(struct prof_ksyms *k);
/* The symbol covering @addr in @all (data too) or text, or NULL. */
const struct prof_ksym *prof_ksyms_find(const struct prof_ksyms *k,
					uint64_t addr, bool data);

/* usersym.c: one libdwfl session per process, cached */
struct prof_usyms;
struct prof_usyms *prof_usyms_new(void);
void prof_usyms_free(struct prof_usyms *u);
char *prof_usyms_lookup(struct prof_usyms *u, uint32_t tgid, uint64_t addr);

/* symbolize.c keeps both */
struct prof_symbolizer {
	struct prof_ksyms ks;
	struct prof_usyms *us;
};

/* Weights are summed saturating: a loaded file may hold anything. */
static inline uint64_t prof_sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

/* profile.c */
void prof_stack_clear(struct prof_stack *st);
/* Appends @st, taking ownership of its strings (on success only). */
int prof_profile_take_stack(struct prof_profile *p, struct prof_stack *st);
/* Sum of the weights of @kind's stacks. */
uint64_t prof_kind_total(const struct prof_profile *p, uint32_t kind);

/* report.c: the tree with its nodes' kids in name order (flame graphs) */
void prof_tree_sort_by_name(struct prof_node *n);

#endif /* SOV_PROF_INTERNAL_H */
