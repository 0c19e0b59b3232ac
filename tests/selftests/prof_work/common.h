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

/*
 * "ARG1 [ARG2] [-H]": the positional words into pos[0..1] (NULL if absent),
 * -H anywhere; prints @usage and exits 2 unless there are one or two words.
 * Returns whether -H was given.
 */
static inline int args_pos2_hold(int argc, char **argv, const char *pos[2],
				 const char *usage)
{
	int i, npos = 0, hold = 0;

	pos[0] = pos[1] = NULL;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-H"))
			hold = 1;
		else if (npos < 2)
			pos[npos++] = argv[i];
		else
			npos = 3;
	}
	if (npos < 1 || npos > 2) {
		fprintf(stderr, "usage: %s\n", usage);
		exit(2);
	}
	return hold;
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
