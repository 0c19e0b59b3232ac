/* SPDX-License-Identifier: GPL-2.0 */
/* Backend weights, shared by every balancing algorithm in lib/lb. */
#ifndef SOV_LB_WEIGHT_H
#define SOV_LB_WEIGHT_H

/*
 * 0 means absent or drained: the backend takes no new flows. 1..1000 is the
 * range struct lb_backend.weight accepts in the data path.
 */
#define SOV_LB_WEIGHT_MAX	1000U

#endif
