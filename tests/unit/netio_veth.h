/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The netio tests' veth pair: a new network namespace for this test
 * process (unshare), va <-> vb up, IPv6 off (no neighbour discovery frames
 * in the sockets). Needs root; without it, veth_setup() says why and the
 * tests that need it skip.
 */
#ifndef SOV_TEST_NETIO_VETH_H
#define SOV_TEST_NETIO_VETH_H

#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static bool veth_ok;

static void write_file(const char *path, const char *v)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(v, f);
		fclose(f);
	}
}

static int veth_setup(void **state)
{
	(void)state;
	if (geteuid()) {
		fprintf(stderr, "# skipping the AF_XDP tests: not root (AF_XDP needs CAP_NET_ADMIN and CAP_NET_RAW, the veth pair a new netns)\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET)) {
		perror("# skipping the AF_XDP tests: unshare(CLONE_NEWNET)");
		return 0;
	}
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	if (system("ip link add va type veth peer name vb && ip link set lo up && "
		   "ip link set va up && ip link set vb up")) {
		fprintf(stderr, "# could not make the veth pair va/vb with ip(8)\n");
		return -1;
	}
	veth_ok = true;
	return 0;
}

#define NEED_VETH() do { if (!veth_ok) skip(); } while (0)

#endif
