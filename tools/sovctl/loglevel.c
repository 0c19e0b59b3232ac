// SPDX-License-Identifier: GPL-2.0
/* Kernel-style log level names <-> numbers. */
#include <string.h>

#include "sovctl.h"

static const char *const names[SOV_LOG_LEVEL_MAX + 1] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

const char *log_level_name(uint32_t level)
{
	return level <= SOV_LOG_LEVEL_MAX ? names[level] : "invalid";
}

/*
 * Accept a name or any 32-bit number. Numbers are not range-checked here on
 * purpose: the peer's policy is the authority and explains its range.
 */
int log_level_parse(const char *s, uint32_t *level)
{
	uint32_t i;

	for (i = 0; i <= SOV_LOG_LEVEL_MAX; i++) {
		if (!strcmp(s, names[i])) {
			*level = i;
			return 0;
		}
	}
	return parse_u32(s, 0, level);
}
