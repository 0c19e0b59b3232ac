/* SPDX-License-Identifier: GPL-2.0 */
/* Names of the data path's verdict reasons (enum lb_reason in bpf/lb.h). */
#ifndef SOV_LB_REASON_H
#define SOV_LB_REASON_H

/* "forwarded", "not-service", ...; "unknown" past the table */
const char *sov_lb_reason_name(unsigned int reason);

#endif
