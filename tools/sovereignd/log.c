// SPDX-License-Identifier: GPL-2.0
/* Log to stderr; under systemd, "<N>" prefixes let journald keep the level. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

int sovd_log_level = LOG_INFO;
static int journald, use_syslog;

static const char *const names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void sovd_log_init(void)
{
	journald = getenv("JOURNAL_STREAM") != NULL;
	setvbuf(stderr, NULL, _IOLBF, 0);
}

/* Detached from the terminal: stderr is /dev/null, so go to syslog. */
void sovd_log_to_syslog(void)
{
	openlog("sovereignd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = 1;
}

int sovd_log_level_parse(const char *s)
{
	char *end;
	long v;
	int i;

	for (i = 0; i <= LOG_DEBUG; i++)
		if (!strcmp(s, names[i]))
			return i;
	v = strtol(s, &end, 10);
	if (*s && !*end && v >= 0 && v <= LOG_DEBUG)
		return (int)v;
	return -1;
}

void sovd_log(int level, const char *fmt, ...)
{
	char ts[32];
	struct tm tm;
	time_t now;
	va_list ap;

	if (level > sovd_log_level)
		return;
	if (use_syslog) {
		va_start(ap, fmt);
		vsyslog(level, fmt, ap);
		va_end(ap);
		return;
	}
	if (journald) {
		fprintf(stderr, "<%d>", level);
	} else {
		now = time(NULL);
		localtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s sovereignd[%s]: ", ts, names[level]);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
