// SPDX-License-Identifier: GPL-2.0
/*
 * locker SECONDS [THREADS] [-H]: contend the kernel's rtnl_mutex from user
 * space. THREADS threads (default 4) each loop, for SECONDS, over rtnetlink
 * requests that run under rtnl_lock(): an RTM_GETLINK dump (rtnetlink's dumps
 * hold rtnl_mutex, the socket's cb_mutex, while each part is filled) and an
 * RTM_GETLINK of ifindex 1 (a doit without RTNL_FLAG_DOIT_UNLOCKED: the whole
 * request under rtnl_lock). With more threads than CPUs, a waiter finds the
 * mutex held most of the time: lock:contention_begin fires on rtnl_mutex.
 *
 * Prints its pid first, at the end "requests=N". With -H it then stays alive
 * until a signal. Needs no privilege and changes nothing.
 */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "common.h"

static double end_at;
static atomic_ulong requests;

/* Send one request and read replies up to NLMSG_DONE (dump) or the answer. */
static int request(int fd, unsigned int seq, int dump)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh.nlmsg_len = sizeof(req),
		.nh.nlmsg_type = RTM_GETLINK,
		.nh.nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0),
		.nh.nlmsg_seq = seq,
		.ifi.ifi_family = AF_UNSPEC,
		.ifi.ifi_index = dump ? 0 : 1,
	};
	static __thread char buf[32768];

	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;

		if (n < 0)
			return -errno;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				return e->error;
			}
			if (nh->nlmsg_type == NLMSG_DONE || !dump)
				return 0;
		}
	}
}

static void *worker(void *arg)
{
	unsigned int seq = 0;
	int fd, rc;

	(void)arg;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) {
		perror("locker: socket(NETLINK_ROUTE)");
		exit(1);
	}
	while (now_s(CLOCK_MONOTONIC) < end_at) {
		seq++;
		rc = request(fd, seq, seq & 1);
		if (rc < 0) {
			fprintf(stderr, "locker: RTM_GETLINK: %s\n", strerror(-rc));
			exit(1);
		}
		atomic_fetch_add(&requests, 1);
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = 4, hold, i;
	const char *pos[2];
	pthread_t tids[64];

	hold = args_pos2_hold(argc, argv, pos, "locker SECONDS [THREADS] [-H]");
	end_at = now_s(CLOCK_MONOTONIC) + arg_num("locker", "SECONDS", pos[0], 0, 86400);
	if (pos[1])
		nthreads = (int)arg_num("locker", "THREADS", pos[1], 1, 64);
	printf("%d\n", (int)getpid());
	fflush(stdout);
	for (i = 0; i < nthreads; i++) {
		errno = pthread_create(&tids[i], NULL, worker, NULL);
		if (errno) {
			perror("locker: pthread_create");
			return 1;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	printf("requests=%lu\n", atomic_load(&requests));
	if (hold)
		hold_forever();
	return 0;
}
