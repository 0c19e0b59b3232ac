/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared bits of the profiler's workloads (tests/selftests/prof_work): time,
 * argument parsing and "hold" (stay alive after the work, so that a profile's
 * user frames can still be symbolized from /proc/PID/maps).
 */
#ifndef SOV_PROF_WORK_COMMON_H
#define SOV_PROF_WORK_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static inline double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double arg_num(const char *prog, const char *what, const char *s,
			     double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s: expected a number from %g to %g, got '%s'\n",
			prog, what, min, max, s);
		exit(2);
	}
	return v;
}

/* After the work: stay alive until a signal ends the process (SIGTERM, SIGINT). */
static inline void hold_forever(void)
{
	fflush(stdout);
	for (;;)
		pause();
}

#endif
