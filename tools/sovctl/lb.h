/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SOVCTL_LB_H
#define SOVCTL_LB_H

#include <stdbool.h>

/* lb_pinned.c: `sovctl lb status` with no daemon, from the pinned maps */
int lb_show_pinned(const char *pin_dir, bool metrics);

#endif
