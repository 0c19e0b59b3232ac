// SPDX-License-Identifier: GPL-2.0
/*
 * allocer SECONDS [-W] [-H]: make the kernel allocate, visibly and from known
 * call sites, for SECONDS:
 *   - at start, HOLD (64) pipes are created, one byte written into each, and
 *     kept open to the end: long-lived objects from alloc_pipe_info (kzalloc
 *     of the pipe_inode_info, kcalloc of its buffers) and a page each, the
 *     leak candidates of a profile with a short leak age;
 *   - then, in a loop: a pipe created, written, read and closed (alloc_pipe_info,
 *     a page from the pipe's write path), and a socketpair(AF_UNIX) sending and
 *     receiving a few small datagrams (skbs: __alloc_skb, kmalloc_reserve),
 *     closed again: allocations freed within microseconds;
 *   - and its resident set grows by 1 MiB every 100 ms up to 32 MiB (malloc'd
 *     and touched), so resident-set samples of the process rise.
 * Prints its pid first, at the end "loops=N rss_mib=N". With -W it waits for
 * SIGUSR1 before it starts (so that a profile started meanwhile sees all of
 * it, the held pipes included); SECONDS count from then. With -H it stays
 * alive after the work until a signal, the held pipes and memory with it.
 */
#include <fcntl.h>
#include <sys/socket.h>

#include "common.h"

#define HOLD 64
#define RSS_STEP (1 << 20)
#define RSS_MAX (32 << 20)

static void die(const char *what)
{
	fprintf(stderr, "allocer: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pipe_cycle(void)
{
	int p[2];
	char c = 'x';

	if (pipe2(p, O_CLOEXEC))
		die("pipe2");
	if (write(p[1], &c, 1) != 1 || read(p[0], &c, 1) != 1)
		die("pipe write/read");
	close(p[0]);
	close(p[1]);
}

static void socket_cycle(void)
{
	char buf[256] = { 0 };
	int s[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, s))
		die("socketpair");
	for (int i = 0; i < 4; i++) {
		if (send(s[0], buf, 64 + 48 * i, 0) < 0 || recv(s[1], buf, sizeof(buf), 0) < 0)
			die("send/recv");
	}
	close(s[0]);
	close(s[1]);
}

int main(int argc, char **argv)
{
	static int held[HOLD][2];
	double secs = -1, end, next_grow;
	unsigned long loops = 0;
	int hold = 0, wait_usr1 = 0;
	sigset_t usr1;
	size_t rss = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-H"))
			hold = 1;
		else if (!strcmp(argv[i], "-W"))
			wait_usr1 = 1;
		else if (secs < 0)
			secs = arg_num("allocer", "SECONDS", argv[i], 0, 86400);
		else
			secs = -2;
	}
	if (secs < 0) {
		fprintf(stderr, "usage: allocer SECONDS [-W] [-H]\n");
		return 2;
	}
	/* blocked before the pid is out: a SIGUSR1 sent at once is not lost */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	if (wait_usr1) {
		int sig;

		sigwait(&usr1, &sig);
	}
	end = now_s(CLOCK_MONOTONIC) + secs;
	for (int i = 0; i < HOLD; i++) {
		if (pipe2(held[i], O_CLOEXEC))
			die("pipe2 (held)");
		if (write(held[i][1], "h", 1) != 1)
			die("write (held)");
	}
	next_grow = now_s(CLOCK_MONOTONIC);
	while (now_s(CLOCK_MONOTONIC) < end) {
		pipe_cycle();
		socket_cycle();
		loops++;
		if (rss < RSS_MAX && now_s(CLOCK_MONOTONIC) >= next_grow) {
			char *m = malloc(RSS_STEP);	/* kept: the resident set grows */

			if (!m)
				die("malloc");
			memset(m, 0x5a, RSS_STEP);
			rss += RSS_STEP;
			next_grow += 0.1;
		}
	}
	printf("loops=%lu rss_mib=%zu\n", loops, rss >> 20);
	if (hold)
		hold_forever();
	return 0;
}
