// SPDX-License-Identifier: GPL-2.0
/*
 * struct prof_symbolizer: kernel addresses through kallsyms (kallsyms.c),
 * user addresses through libdwfl (usersym.c), and the raw stacks the
 * kernel dumps turned into named frames, root first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

struct prof_symbolizer *prof_symbolizer_new(const char *kallsyms)
{
	struct prof_symbolizer *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return NULL;
	s->us = prof_usyms_new();
	if (!s->us) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	err = prof_ksyms_load(&s->ks, kallsyms ? kallsyms : "/proc/kallsyms");
	/* without /proc/kallsyms (a container), kernel frames are unknown */
	if (err && (kallsyms || err == -ENOMEM)) {
		prof_usyms_free(s->us);
		free(s);
		errno = -err;
		return NULL;
	}
	return s;
}

void prof_symbolizer_free(struct prof_symbolizer *s)
{
	if (!s)
		return;
	prof_ksyms_free(&s->ks);
	prof_usyms_free(s->us);
	free(s);
}

bool prof_symbolizer_kptr_restricted(const struct prof_symbolizer *s)
{
	return s && s->ks.restricted;
}

/* "name", "name [mod]", "name+0x1c", "name+0x1c [mod]" */
static char *format(const struct prof_ksym *k, uint64_t addr, bool off)
{
	char offs[24] = "";
	char *r;

	if (off && addr != k->addr)
		snprintf(offs, sizeof(offs), "+0x%" PRIx64, addr - k->addr);
	if (asprintf(&r, "%s%s%s%s%s", k->name, offs, k->module ? " [" : "",
		     k->module ? k->module : "", k->module ? "]" : "") < 0)
		return NULL;
	return r;
}

static char *hex(uint64_t addr)
{
	char *r;

	return asprintf(&r, "0x%" PRIx64, addr) < 0 ? NULL : r;
}

char *prof_sym_kernel(struct prof_symbolizer *s, uint64_t addr)
{
	const struct prof_ksym *k = s ? prof_ksyms_find(&s->ks, addr, false) : NULL;

	return k ? format(k, addr, false) : strdup("[unknown]");
}

char *prof_sym_kernel_site(struct prof_symbolizer *s, uint64_t addr)
{
	const struct prof_ksym *k = s ? prof_ksyms_find(&s->ks, addr, false) : NULL;

	return k ? format(k, addr, true) : hex(addr);
}

char *prof_sym_kernel_data(struct prof_symbolizer *s, uint64_t addr)
{
	const struct prof_ksym *k = s ? prof_ksyms_find(&s->ks, addr, true) : NULL;

	return k ? format(k, addr, true) : hex(addr);
}

char *prof_sym_user(struct prof_symbolizer *s, uint32_t tgid, uint64_t addr)
{
	if (!s)
		return strdup("[unknown]");
	return prof_usyms_lookup(s->us, tgid, addr);
}

/* Not a frame: the end of a user stack, or perf's PERF_CONTEXT_* markers. */
static bool no_frame(uint64_t a)
{
	return a == 0 || a >= (uint64_t)-4095;
}

static char *kernel_frame(struct prof_symbolizer *s, uint64_t addr)
{
	char *name = prof_sym_kernel(s, addr), *r;

	if (!name)
		return NULL;
	if (asprintf(&r, "%s_[k]", name) < 0)
		r = NULL;
	free(name);
	return r;
}

static int add_frame(struct prof_stack *st, char *name)
{
	if (!name)
		return -ENOMEM;
	st->frames[st->nframes++] = name;
	return 0;
}

static char *tag_of(struct prof_symbolizer *s, const struct prof_raw_stack *raw)
{
	switch (raw->kind) {
	case SOV_PROF_KIND_MEM:
		return prof_sym_kernel_site(s, raw->tag);
	case SOV_PROF_KIND_LOCK:
		return prof_sym_kernel_data(s, raw->tag);
	default:
		return strdup("");
	}
}

/*
 * Every frame but the innermost is a return address: the call is the byte
 * before it (a call that never returns can end a function).
 */
static uint64_t call_addr(uint64_t a, uint32_t i)
{
	return i ? a - 1 : a;
}

int prof_profile_add_raw(struct prof_profile *p, struct prof_symbolizer *s,
			 const struct prof_raw_stack *raw)
{
	struct prof_stack st;
	uint32_t i;
	int err = -ENOMEM;

	if (!p || !raw || raw->kind >= __SOV_PROF_KIND_CNT ||
	    raw->nk > SOV_PROF_KSTACK_MAX || raw->nu > SOV_PROF_USTACK_MAX)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	st.kind = raw->kind;
	st.pid = raw->pid;
	st.tgid = raw->tgid;
	st.count = raw->count;
	st.weight = raw->weight;
	st.comm = strndup(raw->comm, sizeof(raw->comm));
	st.tag = tag_of(s, raw);
	if (!st.comm || !st.tag)
		goto fail;
	if (raw->nk + raw->nu) {
		st.frames = calloc(raw->nk + raw->nu, sizeof(*st.frames));
		if (!st.frames)
			goto fail;
	}
	for (i = raw->nu; i-- > 0;) {
		if (no_frame(raw->uips[i]))
			continue;
		err = add_frame(&st, prof_sym_user(s, raw->tgid,
						   call_addr(raw->uips[i], i)));
		if (err)
			goto fail;
	}
	for (i = raw->nk; i-- > 0;) {
		if (no_frame(raw->kips[i]))
			continue;
		err = add_frame(&st, kernel_frame(s, call_addr(raw->kips[i], i)));
		if (err)
			goto fail;
	}
	err = prof_profile_take_stack(p, &st);
	if (!err)
		return 0;
fail:
	prof_stack_clear(&st);
	return err;
}
