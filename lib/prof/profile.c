// SPDX-License-Identifier: GPL-2.0
/*
 * struct prof_profile: creation, the growable arrays its add_* functions
 * append deep copies to, and the kinds' names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

struct prof_profile *prof_profile_new(void)
{
	struct prof_profile *p = calloc(1, sizeof(*p));

	if (p)
		p->meta.cpu = -1;
	return p;
}

void prof_stack_clear(struct prof_stack *st)
{
	size_t i;

	for (i = 0; i < st->nframes; i++)
		free(st->frames[i]);
	free(st->frames);
	free(st->tag);
	free(st->comm);
	memset(st, 0, sizeof(*st));
}

void prof_profile_free(struct prof_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nstacks; i++)
		prof_stack_clear(&p->stacks[i]);
	for (i = 0; i < p->nsites; i++)
		free(p->sites[i].name);
	for (i = 0; i < p->nlocks; i++)
		free(p->locks[i].name);
	free(p->stacks);
	free(p->sites);
	free(p->locks);
	free(p->rss);
	free(p);
}

/* Room for one more element of @size in *@arr (*@n used of *@cap). */
static int grow(void **arr, size_t *n, size_t *cap, size_t size)
{
	size_t ncap;
	void *a;

	if (*n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap < *cap || ncap > SIZE_MAX / size)
		return -ENOMEM;
	a = realloc(*arr, ncap * size);
	if (!a)
		return -ENOMEM;
	*arr = a;
	*cap = ncap;
	return 0;
}

int prof_profile_take_stack(struct prof_profile *p, struct prof_stack *st)
{
	int err;

	if (!p || !st || !st->tag || !st->comm || (st->nframes && !st->frames))
		return -EINVAL;
	err = grow((void **)&p->stacks, &p->nstacks, &p->cap_stacks,
		   sizeof(*p->stacks));
	if (err)
		return err;
	p->stacks[p->nstacks++] = *st;
	memset(st, 0, sizeof(*st));
	return 0;
}

int prof_profile_add_stack(struct prof_profile *p, const struct prof_stack *st)
{
	struct prof_stack c;
	size_t i;
	int err;

	if (!p || !st || (st->nframes && !st->frames))
		return -EINVAL;
	for (i = 0; i < st->nframes; i++)
		if (!st->frames[i])
			return -EINVAL;
	memset(&c, 0, sizeof(c));
	c.kind = st->kind;
	c.pid = st->pid;
	c.tgid = st->tgid;
	c.count = st->count;
	c.weight = st->weight;
	c.tag = strdup(st->tag ? st->tag : "");
	c.comm = strdup(st->comm ? st->comm : "");
	if (!c.tag || !c.comm)
		goto nomem;
	if (st->nframes) {
		c.frames = calloc(st->nframes, sizeof(*c.frames));
		if (!c.frames)
			goto nomem;
		for (i = 0; i < st->nframes; i++) {
			c.frames[i] = strdup(st->frames[i]);
			if (!c.frames[i])
				goto nomem;
			c.nframes = i + 1;
		}
	}
	err = prof_profile_take_stack(p, &c);
	if (err)
		prof_stack_clear(&c);
	return err;
nomem:
	prof_stack_clear(&c);
	return -ENOMEM;
}

int prof_profile_add_site(struct prof_profile *p, const struct prof_site *site)
{
	char *name;
	int err;

	if (!p || !site)
		return -EINVAL;
	name = strdup(site->name ? site->name : "");
	if (!name)
		return -ENOMEM;
	err = grow((void **)&p->sites, &p->nsites, &p->cap_sites,
		   sizeof(*p->sites));
	if (err) {
		free(name);
		return err;
	}
	p->sites[p->nsites] = *site;
	p->sites[p->nsites++].name = name;
	return 0;
}

int prof_profile_add_lock(struct prof_profile *p, const struct prof_lock *lk)
{
	char *name;
	int err;

	if (!p || !lk)
		return -EINVAL;
	name = strdup(lk->name ? lk->name : "");
	if (!name)
		return -ENOMEM;
	err = grow((void **)&p->locks, &p->nlocks, &p->cap_locks,
		   sizeof(*p->locks));
	if (err) {
		free(name);
		return err;
	}
	p->locks[p->nlocks] = *lk;
	p->locks[p->nlocks++].name = name;
	return 0;
}

int prof_profile_add_rss(struct prof_profile *p, const struct prof_rss *r)
{
	int err;

	if (!p || !r)
		return -EINVAL;
	err = grow((void **)&p->rss, &p->nrss, &p->cap_rss, sizeof(*p->rss));
	if (err)
		return err;
	p->rss[p->nrss] = *r;
	/* comm need not be terminated in the kernel's copy: ours is */
	p->rss[p->nrss].comm[sizeof(r->comm) - 1] = '\0';
	p->nrss++;
	return 0;
}

uint64_t prof_kind_total(const struct prof_profile *p, uint32_t kind)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < p->nstacks; i++)
		if (p->stacks[i].kind == kind)
			t = prof_sat_add(t, p->stacks[i].weight);
	return t;
}

static const char *const kind_names[__SOV_PROF_KIND_CNT] = {
	[SOV_PROF_KIND_CPU] = "cpu",
	[SOV_PROF_KIND_MEM] = "mem",
	[SOV_PROF_KIND_LOCK] = "lock",
};

const char *prof_kind_name(uint32_t kind)
{
	return kind < __SOV_PROF_KIND_CNT ? kind_names[kind] : "unknown";
}

int prof_kind_parse(const char *s)
{
	int k;

	if (!s)
		return -1;
	for (k = 0; k < __SOV_PROF_KIND_CNT; k++)
		if (!strcmp(s, kind_names[k]))
			return k;
	return -1;
}
