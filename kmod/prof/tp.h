/* SPDX-License-Identifier: GPL-2.0 */
/* Attaching probes to the kernel's tracepoints by name. */
#ifndef _SOV_PROF_TP_H
#define _SOV_PROF_TP_H

#include <linux/tracepoint.h>

struct sov_tp {
	const char *name;
	void *probe;
	struct tracepoint *tp;		/* found and registered */
};

/* Register every probe of @tps; on failure none stays registered. */
int sov_tp_attach(struct sov_tp *tps, unsigned int n);
/* Unregister them and wait until no probe runs any more. */
void sov_tp_detach(struct sov_tp *tps, unsigned int n);

#endif /* _SOV_PROF_TP_H */
