/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fake sovereignds for the sovctl trace tests: unix sockets served by a
 * thread of the test, answering SOV_CMD_TRACE_* as
 * uapi/linux/sovereign_trace.h says and keeping each request.
 *
 * Before each test (fake_daemons_reset) A and B hold their parts of the
 * trace T_HEX, C a copy of one of A's spans, D nothing; a test may give
 * them other spans, or a refusal to answer with.
 */
#ifndef SOV_TEST_SOVCTL_FAKE_DAEMON_H
#define SOV_TEST_SOVCTL_FAKE_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "../../tools/sovctl/trace.h"

#define T_HEX	"4bf92f3577b34da6a3ce929d0e0e4736"
#define T0	1764086531123456789ULL		/* 2025-11-25T16:02:11.123Z */
#define US	1000ULL
#define MS	1000000ULL

struct fspan {
	uint64_t id, parent;
	const char *name;
	uint8_t status;
	const char *msg;
	uint64_t start, dur;		/* from T0 */
	uint64_t node;
	const char *skey, *sval;	/* a string attribute, or none */
	const char *ikey;		/* an integer attribute, or none */
	int64_t ival;
};

struct ftrace {
	const char *hex, *root;
	uint32_t spans, keep, errors;
	uint64_t start, dur;
};

#define NFAKE	4
#define CMDS	(SOV_CMD_MAX + 1)

struct fake {
	char path[108];
	int lfd;
	const struct fspan *spans;	/* of T; none: ENOENT */
	size_t nspans;
	const struct ftrace *list;
	size_t nlist;
	int error[CMDS];		/* refuse with -errno */
	const char *msg;		/* and this message */
	unsigned char req[CMDS][4096];	/* the last request of each command */
	unsigned int calls[CMDS];
};

extern struct fake fakes[NFAKE];
extern char gone[128];			/* a socket nobody listens on */

#define A (&fakes[0])
#define B (&fakes[1])
#define C (&fakes[2])
#define D (&fakes[3])

/* cmocka group setup and teardown: the sockets and the thread serving them */
int fake_daemons_setup(void **state);
int fake_daemons_teardown(void **state);

/* cmocka test setup: the fakes as described above, no requests kept */
int fake_daemons_reset(void **state);

/* The attributes of @f's last request of @cmd, the trace context aside. */
void req_attrs(const struct fake *f, uint8_t cmd, const struct nlattr **tb);

/* Requests of any command, to any fake, since the last reset. */
unsigned int total_calls(void);

#endif /* SOV_TEST_SOVCTL_FAKE_DAEMON_H */
