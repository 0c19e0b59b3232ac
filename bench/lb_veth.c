// SPDX-License-Identifier: GPL-2.0
/*
 * make bench-lb, second part: packets per second through a veth pair with
 * sov_lb in native XDP mode, in a private network namespace.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "lb_bench.h"
#include "bench_veth.skel.h"

static void sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		die("veth: '%s' failed (status %d)", cmd, rc);
}

/* Best effort: a kernel without IPv6 has nothing to disable. */
static void write_sysctl(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return;
	fputs(val, f);
	fclose(f);
}

static uint64_t sink_count(int fd, uint32_t slot)
{
	return pcpu_sum(fd, slot, sizeof(uint64_t), 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void live_run(int fd, const uint8_t *frame, uint32_t n)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = FRAME_LEN,
		    .repeat = (int)n, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

	if (bpf_prog_test_run_opts(fd, &o))
		die("veth: BPF_PROG_TEST_RUN with live frames: %s", strerror(errno));
}

/* Native-XDP packets/s through a veth pair; see the top of the file. */
double veth_bench(double secs)
{
	struct bench_gen_cfg gc = { .len = FRAME_LEN, .sport_off = OFF_SPORT,
				    .sport_base = 20000, .nflows = VETH_FLOWS };
	uint64_t ipip0, other0, ipip1, other1, gen = 0;
	struct lb_snap before, after;
	struct bench_veth *vs;
	unsigned int if0, if1;
	uint32_t key = 0;
	int gen_fd, sink_fd, err;
	double t0, t1;

	vs = bench_veth__open_and_load();
	if (!vs)
		die("veth: cannot load bench_veth: %s", strerror(errno));
	gen_fd = bpf_program__fd(vs->progs.bench_gen);
	sink_fd = bpf_program__fd(vs->progs.bench_sink);

	/* a namespace of our own: it and the veth pair go when we exit */
	if (unshare(CLONE_NEWNET))
		die("veth: unshare(CLONE_NEWNET): %s", strerror(errno));
	/* no IPv6 on the pair: its neighbour discovery would reach sov_lb too */
	write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	sh("ip link add sbv0 address 02:00:00:00:00:aa type veth "
	   "peer name sbv1 address 02:00:00:00:00:10");
	sh("ip link set sbv0 up");
	sh("ip link set sbv1 up");
	if0 = if_nametoindex("sbv0");
	if1 = if_nametoindex("sbv1");
	if (!if0 || !if1)
		die("veth: no sbv0/sbv1 after creating them");
	err = bpf_xdp_attach((int)if1, lb_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		die("veth: attaching sov_lb to sbv1 in native mode: %s", strerror(-err));
	err = bpf_xdp_attach((int)if0, sink_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		die("veth: attaching bench_sink to sbv0 in native mode: %s", strerror(-err));

	gc.ifindex = if0;
	memcpy(gc.pkt, est_frame, FRAME_LEN);
	update(bpf_map__fd(vs->maps.bench_gen_cfg), &key, &gc, "bench_gen_cfg");
	set_service(SVC, LB_POLICY_MAGLEV);

	live_run(gen_fd, est_frame, 4 * VETH_FLOWS);	/* the flows become established */
	usleep(100000);
	lb_snapshot(&before);
	ipip0 = sink_count(bpf_map__fd(vs->maps.bench_sink_stats), BENCH_SINK_IPIP);
	other0 = sink_count(bpf_map__fd(vs->maps.bench_sink_stats), BENCH_SINK_OTHER);
	t0 = now_s();
	do {
		live_run(gen_fd, est_frame, CHUNK_LIVE);
		gen += CHUNK_LIVE;
		t1 = now_s();
	} while (t1 - t0 < secs);
	usleep(100000);		/* let the last frames drain */
	lb_snapshot(&after);
	ipip1 = sink_count(bpf_map__fd(vs->maps.bench_sink_stats), BENCH_SINK_IPIP);
	other1 = sink_count(bpf_map__fd(vs->maps.bench_sink_stats), BENCH_SINK_OTHER);

	bpf_xdp_detach((int)if1, XDP_FLAGS_DRV_MODE, NULL);
	bpf_xdp_detach((int)if0, XDP_FLAGS_DRV_MODE, NULL);
	sh("ip link del sbv0");
	bench_veth__destroy(vs);

	{
		uint64_t fwd = after.reason[LB_R_FORWARDED] - before.reason[LB_R_FORWARDED];
		uint64_t seen = after.total - before.total;
		double mpps = (double)fwd / (t1 - t0) / 1e6;

		printf("veth, native XDP (sov_lb on sbv1, %d services x %u backends, maglev, "
		       "%d established flows, 64-byte frames, generator and balancer on CPU "
		       "%d):\n", NSVC, nbackends, VETH_FLOWS, sched_getcpu());
		printf("  %.2f Mpps over %.2f s: %llu frames generated, %llu reached sov_lb, "
		       "%llu forwarded (IPIP, XDP_TX), %llu arrived back at the sink\n",
		       mpps, t1 - t0, (unsigned long long)gen, (unsigned long long)seen,
		       (unsigned long long)fwd, (unsigned long long)(ipip1 - ipip0));
		if (fwd == 0 || seen != fwd)
			die("veth: sov_lb forwarded %llu of the %llu frames it saw",
			    (unsigned long long)fwd, (unsigned long long)seen);
		if (other1 != other0 || ipip1 - ipip0 != fwd)
			die("veth: the sink got %llu IPIP and %llu other frames for %llu forwarded",
			    (unsigned long long)(ipip1 - ipip0),
			    (unsigned long long)(other1 - other0), (unsigned long long)fwd);
		if (after.new_flows != before.new_flows)
			die("veth: %llu new flows while timing established ones",
			    (unsigned long long)(after.new_flows - before.new_flows));
		return mpps;
	}
}

