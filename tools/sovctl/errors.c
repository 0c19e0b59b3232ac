// SPDX-License-Identifier: GPL-2.0
/* Turning errnos and peer messages into one clear line for the user. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sovctl.h"

const char *module_not_loaded_msg(void)
{
	return "sovereign module is not loaded (insmod kmod/sovereign.ko)";
}

int report_nl_error(const char *what, const struct sov_nl_err *e,
		    const char *const *attr_names, unsigned int nattrs)
{
	const char *attr = NULL;
	char where[128] = "";

	if (e->error == -EPERM && !e->msg[0]) {
		fprintf(stderr,
			"Error: %s: permission denied (needs CAP_NET_ADMIN; run as root)\n",
			what);
		return EXIT_FAIL;
	}
	if (e->attr_type >= 0 && attr_names && (unsigned int)e->attr_type < nattrs)
		attr = attr_names[e->attr_type];
	if (attr && e->has_range)
		snprintf(where, sizeof(where), " (%s: expected %lld..%lld)", attr,
			 (long long)e->min, (long long)e->max);
	else if (attr)
		snprintf(where, sizeof(where), " (attribute %s)", attr);
	else if (e->attr_type >= 0)
		snprintf(where, sizeof(where), " (attribute %d)", e->attr_type);

	if (e->msg[0])
		fprintf(stderr, "Error: %s: %s%s\n", what, e->msg, where);
	else
		fprintf(stderr, "Error: %s: %s%s\n", what, strerror(-e->error), where);
	return EXIT_FAIL;
}
