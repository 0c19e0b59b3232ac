// SPDX-License-Identifier: GPL-2.0
/*
 * User symbols through elfutils' libdwfl: one Dwfl per process, built from
 * its /proc/PID/maps the first time one of its addresses is asked for and
 * kept (a process that is gone by then is remembered as such). An address
 * in a mapped file whose symbol tables do not cover it gives "[file]", one
 * outside every mapping (or in a process that is gone) "[unknown]".
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prof_internal.h"

struct uentry {
	uint32_t tgid;
	bool used;
	Dwfl *dwfl;			/* NULL: the process was gone */
};

struct prof_usyms {
	struct uentry *tab;
	size_t cap, n;
};

static char *debuginfo_path;

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static const Dwfl_Callbacks file_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

struct prof_usyms *prof_usyms_new(void)
{
	return calloc(1, sizeof(struct prof_usyms));
}

void prof_usyms_free(struct prof_usyms *u)
{
	size_t i;

	if (!u)
		return;
	for (i = 0; i < u->cap; i++)
		if (u->tab[i].used && u->tab[i].dwfl)
			dwfl_end(u->tab[i].dwfl);
	free(u->tab);
	free(u);
}

static size_t uslot(const struct uentry *tab, size_t cap, uint32_t tgid)
{
	size_t i = ((size_t)tgid * 0x9e3779b97f4a7c15ULL) & (cap - 1);

	while (tab[i].used && tab[i].tgid != tgid)
		i = (i + 1) & (cap - 1);
	return i;
}

static int ugrow(struct prof_usyms *u)
{
	size_t ncap = u->cap ? u->cap * 2 : 64, i;
	struct uentry *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (i = 0; i < u->cap; i++)
		if (u->tab[i].used)
			nt[uslot(nt, ncap, u->tab[i].tgid)] = u->tab[i];
	free(u->tab);
	u->tab = nt;
	u->cap = ncap;
	return 0;
}

static Dwfl *proc_dwfl(uint32_t tgid)
{
	Dwfl *d = dwfl_begin(&proc_callbacks);

	if (!d)
		return NULL;
	if (dwfl_linux_proc_report(d, (pid_t)tgid) != 0 ||
	    dwfl_report_end(d, NULL, NULL) != 0) {
		dwfl_end(d);
		return NULL;
	}
	return d;
}

/* The process's session, NULL if it is gone; -ENOMEM in *err. */
static Dwfl *usyms_get(struct prof_usyms *u, uint32_t tgid, int *err)
{
	size_t i;

	*err = 0;
	if ((u->n + 1) * 2 > u->cap && ugrow(u)) {
		*err = -ENOMEM;
		return NULL;
	}
	i = uslot(u->tab, u->cap, tgid);
	if (!u->tab[i].used) {
		u->tab[i].used = true;
		u->tab[i].tgid = tgid;
		u->tab[i].dwfl = proc_dwfl(tgid);
		u->n++;
	}
	return u->tab[i].dwfl;
}

/* "[libc.so.6]" for a module whose symbols miss the address. */
static char *module_label(Dwfl_Module *mod)
{
	const char *name = dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL,
					    NULL, NULL);
	const char *base;
	char *s;

	if (!name || !*name)
		return strdup("[unknown]");
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	if (base[0] == '[')		/* [vdso], [heap]... already bracketed */
		return strdup(base);
	if (asprintf(&s, "[%s]", base) < 0)
		return NULL;
	return s;
}

static char *dwfl_lookup(Dwfl *d, uint64_t addr)
{
	Dwfl_Module *mod;
	const char *name;

	if (!d)
		return strdup("[unknown]");
	mod = dwfl_addrmodule(d, addr);
	if (!mod)
		return strdup("[unknown]");
	name = dwfl_module_addrname(mod, addr);
	if (name && *name)
		return strdup(name);
	return module_label(mod);
}

char *prof_usyms_lookup(struct prof_usyms *u, uint32_t tgid, uint64_t addr)
{
	Dwfl *d;
	int err;

	if (!tgid)
		return strdup("[unknown]");
	d = usyms_get(u, tgid, &err);
	if (err)
		return NULL;
	return dwfl_lookup(d, addr);
}

char *prof_sym_elf(const char *path, uint64_t bias, uint64_t addr)
{
	const char *base;
	Dwfl *d;
	char *s;

	if (!path)
		return NULL;
	d = dwfl_begin(&file_callbacks);
	if (!d)
		return NULL;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!dwfl_report_elf(d, base, path, -1, bias, true) ||
	    dwfl_report_end(d, NULL, NULL) != 0) {
		dwfl_end(d);
		return strdup("[unknown]");
	}
	s = dwfl_lookup(d, addr);
	dwfl_end(d);
	return s;
}
