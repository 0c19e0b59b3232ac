/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DSCP names of the sov qdisc's dscpmap (RFC 2474 class selectors, RFC 2597
 * assured forwarding, RFC 3246 expedited forwarding, RFC 8622 lower effort),
 * shared by the tc plugin (q_sov.c) and sovctl classes.
 */
#ifndef SOV_DSCP_NAMES_H
#define SOV_DSCP_NAMES_H

#include <stddef.h>
#include <strings.h>

static const struct {
	const char *name;
	unsigned int dscp;
} sov_dscp_names[] = {
	/* names read only; the printed name of 0 is cs0 */
	{ "default", 0 }, { "le", 1 },
	{ "cs0", 0 }, { "cs1", 8 }, { "cs2", 16 }, { "cs3", 24 },
	{ "cs4", 32 }, { "cs5", 40 }, { "cs6", 48 }, { "cs7", 56 },
	{ "af11", 10 }, { "af12", 12 }, { "af13", 14 },
	{ "af21", 18 }, { "af22", 20 }, { "af23", 22 },
	{ "af31", 26 }, { "af32", 28 }, { "af33", 30 },
	{ "af41", 34 }, { "af42", 36 }, { "af43", 38 },
	{ "ef", 46 },
};

#define SOV_DSCP_NAMES_CNT (sizeof(sov_dscp_names) / sizeof(sov_dscp_names[0]))

/* The name a DSCP value prints as (ef, af41, cs6, le), or NULL. */
static inline const char *sov_dscp_name(unsigned int dscp)
{
	size_t i;

	for (i = 1; i < SOV_DSCP_NAMES_CNT; i++)
		if (sov_dscp_names[i].dscp == dscp)
			return sov_dscp_names[i].name;
	return NULL;
}

/* A name's DSCP value (any case), or -1. */
static inline int sov_dscp_by_name(const char *s)
{
	size_t i;

	for (i = 0; i < SOV_DSCP_NAMES_CNT; i++)
		if (!strcasecmp(s, sov_dscp_names[i].name))
			return (int)sov_dscp_names[i].dscp;
	return -1;
}

#endif /* SOV_DSCP_NAMES_H */
