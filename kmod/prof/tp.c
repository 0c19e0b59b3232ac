// SPDX-License-Identifier: GPL-2.0
/*
 * Tracepoints by name: modules cannot reference the core kernel's
 * __tracepoint_* symbols that are not exported, so walk the kernel's list.
 */
#include "../sovereign.h"
#include "tp.h"

struct sov_tp_find {
	struct sov_tp *tps;
	unsigned int n;
};

static void sov_tp_match(struct tracepoint *tp, void *priv)
{
	struct sov_tp_find *f = priv;
	unsigned int i;

	for (i = 0; i < f->n; i++)
		if (!f->tps[i].tp && !strcmp(tp->name, f->tps[i].name))
			f->tps[i].tp = tp;
}

int sov_tp_attach(struct sov_tp *tps, unsigned int n)
{
	struct sov_tp_find f = { .tps = tps, .n = n };
	unsigned int i;
	int err = 0;

	for (i = 0; i < n; i++)
		tps[i].tp = NULL;
	for_each_kernel_tracepoint(sov_tp_match, &f);
	for (i = 0; i < n; i++) {
		if (!tps[i].tp) {
			sov_err("profile: no tracepoint %s in this kernel\n",
				tps[i].name);
			err = -ENOENT;
			break;
		}
		err = tracepoint_probe_register(tps[i].tp, tps[i].probe, NULL);
		if (err) {
			sov_err("profile: tracepoint %s: %d\n", tps[i].name, err);
			break;
		}
	}
	if (err) {
		/* found but not registered: not ours to unregister */
		for (; i < n; i++)
			tps[i].tp = NULL;
		sov_tp_detach(tps, n);
	}
	return err;
}

void sov_tp_detach(struct sov_tp *tps, unsigned int n)
{
	bool any = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!tps[i].tp)
			continue;
		tracepoint_probe_unregister(tps[i].tp, tps[i].probe, NULL);
		tps[i].tp = NULL;
		any = true;
	}
	if (any)
		tracepoint_synchronize_unregister();
}
