// SPDX-License-Identifier: GPL-2.0
/*
 * lb_bench.c - make bench-lb: what the XDP load balancer (bpf/lb.bpf.c,
 * program sov_lb) costs per packet, and how many packets it moves through a
 * veth pair in native XDP mode.
 *
 *	lb-bench [-o LB_OBJECT] [-r REPEAT] [-n RUNS] [-c CPU] [-t SECONDS] [-V] [-v]
 *
 * Part 1, BPF_PROG_TEST_RUN. 8 services (10.0.0.100-107:80/tcp), each with
 * 1, 8, then 32 backends, Maglev tables of sov_maglev_pick_size() slots
 * built by lib/lb/maglev.c; the service under test is 10.0.0.105. Frames
 * are 64-byte IPv4/TCP. Per backend count, RUNS rounds; each round runs
 * every case once with repeat=1 and checks it, then once with REPEAT
 * iterations (timed) and checks that too:
 *   floor        bench_floor: parse, swap MACs, XDP_TX
 *   empty        bench_nop: what the test harness costs per iteration
 *   wrapper      bench_restore -> bench_nop (restore only / new 5-tuple)
 *   established  bench_restore -> sov_lb, a flow already in lb_conns
 *   new flow     bench_restore (new 5-tuple) -> sov_lb, one per policy
 *   non-service  sov_lb alone (it does not touch the packet)
 * The balancer encapsulates (IPIP, XDP_TX), so with repeat > 1 it would see
 * its own output from the second iteration on: bpf/bench_restore.bpf.c
 * puts the original packet back before every iteration and tail-calls it.
 * Reported: the median of RUNS kernel-reported ns/packet; for the wrapped
 * cases minus the wrapper's own cost (median wrapper->empty minus median
 * empty, from the same rounds), so every number includes the harness once,
 * like the floor's. New flows: the wrapper stamps a counter into the
 * source port and address, so each iteration is a 5-tuple lb_conns never
 * held; 65536 new flows fill the (LRU) table first, so every timed insert
 * also evicts, the steady state under a stream of new flows.
 *
 * Every run is checked, the timed ones included: the verdict, the output
 * bytes (the last iteration's), and the balancer's own counters: every
 * iteration of an encapsulating case was forwarded (lb_stats FORWARDED
 * grew by exactly REPEAT and no other reason moved), every iteration of a
 * new-flow case created a flow (the service's new_flows grew by REPEAT, so
 * the connection-table insert happened and did not fail), an established
 * case created none; the wrapper ran exactly REPEAT times. Any mismatch
 * stops the benchmark: timing an error path would be worthless.
 *
 * Part 2, veth (skipped with -V). In a network namespace of its own (gone
 * when the process exits, whatever happens) a veth pair sbv0/sbv1: sov_lb
 * in native XDP mode on sbv1, bench_sink on sbv0. bench_gen, run with
 * BPF_F_TEST_XDP_LIVE_FRAMES in that namespace, writes 64-byte frames of
 * 1024 flows to the service and redirects them out of sbv0; sov_lb
 * encapsulates them back (XDP_TX) and bench_sink counts and drops them.
 * Packets/s = frames the balancer forwarded / wall time.
 *
 * The last line is: bench lb: est_ns=N new_ns=N pass_ns=N floor_ns=N veth_mpps=N
 * (32 backends, Maglev). Needs root. Exit 0, or 1 with the reason.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <math.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "lb_bench.h"
#include "lb.h"
#include "lb_hash.h"
#include "bpf/percpu.h"
#include "lb/maglev.h"

#include "bench_floor.skel.h"
#include "bench_restore.skel.h"


static const uint8_t our_mac[6] = { 0x02, 0, 0, 0, 0, 0x10 };
static const uint8_t gw_mac[6] = { 0x02, 0, 0, 0, 0, 0xfe };
static const uint8_t client_mac[6] = { 0x02, 0, 0, 0, 0, 0xaa };

int verbose;
static int ncpus;

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("lb-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- packets ----------------------------------------------------------- */

static uint32_t ip4(unsigned int a, unsigned int b, unsigned int c, unsigned int d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

static uint32_t vip_of(unsigned int s)
{
	return ip4(10, 0, 0, 100 + s);
}

static uint32_t backend_addr(unsigned int s, unsigned int i)
{
	return ip4(10, 1 + s, i >> 8, (i & 0xff) + 1);
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* A FRAME_LEN-byte Ethernet + IPv4 + TCP frame, checksums right. */
static void build_tcp4(uint8_t *f, uint32_t saddr, uint32_t daddr, uint16_t sport,
		       uint16_t dport, uint8_t flags)
{
	uint8_t *ip = f + OFF_IP, *tcp = ip + 20, pseudo[12];
	unsigned int tot = FRAME_LEN - OFF_IP, i;

	memset(f, 0, FRAME_LEN);
	memcpy(f, our_mac, 6);
	memcpy(f + 6, client_mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, tot);
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000);		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put16(tcp + 4, 0x1000);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 0xffff);
	for (i = 40; i < tot; i++)
		ip[i] = (uint8_t)i;
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, tot - 20);
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, tot - 20)));
}

/* What the wrapper makes of the new-flow template for flow number n. */
static void flow_stamp(uint8_t *f, uint32_t n)
{
	put16(f + OFF_SPORT, n & 0xffff);
	put16(f + OFF_SADDR + 2, n >> 16);
}

static void flow_key_of(const uint8_t *f, struct lb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(&k->src[0], f + OFF_SADDR, 4);
	memcpy(&k->dst[0], f + OFF_DADDR, 4);
	memcpy(&k->sport_be, f + OFF_SPORT, 2);
	memcpy(&k->dport_be, f + OFF_DPORT, 2);
	k->proto = f[OFF_IP + 9];
	k->family = AF_INET;
}

/* The balancer's IPIP output for frame f sent to backend address baddr. */
static size_t build_encap(uint8_t *out, const uint8_t *f, size_t len, uint32_t baddr)
{
	const uint8_t *in = f + OFF_IP;
	uint8_t *ip = out + OFF_IP;
	uint32_t src4 = ip4(10, 0, 0, 1);
	unsigned int inner = (unsigned int)in[2] << 8 | in[3];

	memcpy(out, gw_mac, 6);
	memcpy(out + 6, our_mac, 6);
	put16(out + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = in[1];
	put16(ip + 2, inner + 20);
	ip[6] = in[6] & 0x40;		/* DF copied */
	ip[8] = LB_TUNNEL_TTL;
	ip[9] = IPPROTO_IPIP;
	memcpy(ip + 12, &src4, 4);
	memcpy(ip + 16, &baddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	memcpy(ip + 20, in, len - OFF_IP);
	return len + 20;
}

/* ---- maps ---------------------------------------------------------------- */

static struct bpf_object *lb_obj;
int lb_fd;
static struct {
	int services, vip_addrs, backends, maglev, active, conns, conn_counts,
	    rr, swrr, config, stats, svc_stats;
} m;
static uint32_t n_reasons;

static uint32_t *tables[NSVC];	/* our copy of each service's Maglev table */
static uint32_t table_size;
unsigned int nbackends;

static struct bpf_map *lb_map(const char *name, size_t key, size_t value, uint32_t entries)
{
	struct bpf_map *map = bpf_object__find_map_by_name(lb_obj, name);

	if (!map)
		die("%s: no map %s", bpf_object__name(lb_obj), name);
	if (bpf_map__key_size(map) != key || bpf_map__value_size(map) != value)
		die("map %s: key/value %u/%u bytes, bpf/lb.h says %zu/%zu: rebuild",
		    name, bpf_map__key_size(map), bpf_map__value_size(map), key, value);
	if (entries && bpf_map__max_entries(map) != entries)
		die("map %s: %u entries, this benchmark was built for %u (bpf/lb.h sizes)",
		    name, bpf_map__max_entries(map), entries);
	return map;
}

static int lb_map_fd(const char *name, size_t key, size_t value, uint32_t entries)
{
	return bpf_map__fd(lb_map(name, key, value, entries));
}

static size_t pcpu_stride(size_t vs)
{
	return (vs + 7) & ~(size_t)7;
}

void update(int fd, const void *key, const void *val, const char *what)
{
	if (bpf_map_update_elem(fd, key, val, BPF_ANY))
		die("update %s: %s", what, strerror(errno));
}

/* Write keys 0..n-1 (plus base) of an array map in batches. */
static void update_range(int fd, uint32_t base, const void *vals, size_t vs, uint32_t n,
			 const char *what)
{
	uint32_t *keys = malloc((n ? n : 1) * sizeof(*keys)), done = 0, i;

	if (!keys)
		die("out of memory");
	for (i = 0; i < n; i++)
		keys[i] = base + i;
	while (done < n) {
		uint32_t count = n - done;

		if (bpf_map_update_batch(fd, keys + done, (const uint8_t *)vals + (size_t)done * vs,
					 &count, NULL) || !count)
			break;
		done += count;
	}
	for (; done < n; done++)	/* no batch support: one by one */
		update(fd, &keys[done], (const uint8_t *)vals + (size_t)done * vs, what);
	free(keys);
}

/* Zero every slot of a (per-CPU) array map. */
static void zero_array(int fd, size_t vs, uint32_t n, int percpu, const char *what)
{
	size_t one = percpu ? pcpu_stride(vs) * (size_t)ncpus : vs;
	void *vals = calloc(n ? n : 1, one);

	if (!vals)
		die("out of memory");
	update_range(fd, 0, vals, one, n, what);
	free(vals);
}

void set_service(unsigned int s, uint32_t policy)
{
	struct lb_vip_key k = { .port_be = htons(VIP_PORT), .proto = IPPROTO_TCP,
				.family = AF_INET };
	struct lb_service v = { .index = s, .policy = policy, .bank = 0,
				.table_size = table_size };

	k.addr[0] = vip_of(s);
	update(m.services, &k, &v, "lb_services");
}

/* 8 services of nb backends each (weights 1-4), all Maglev, bank 0. */
static void configure(unsigned int nb)
{
	struct lb_backend *be = calloc(NSVC * LB_MAX_BACKENDS, sizeof(*be));
	struct lb_active *act = calloc(2 * NSVC, sizeof(*act));
	struct sov_maglev_backend mb[LB_MAX_BACKENDS];
	struct lb_config cfg = { .src4 = ip4(10, 0, 0, 1) };
	uint32_t key = 0;
	unsigned int s, i;

	if (!be || !act)
		die("out of memory");
	nbackends = nb;
	table_size = sov_maglev_pick_size(nb);
	if (table_size > LB_MAGLEV_SIZE)
		die("Maglev size %u for %u backends exceeds LB_MAGLEV_SIZE", table_size, nb);
	memcpy(cfg.src_mac, our_mac, 6);
	memcpy(cfg.gw_mac, gw_mac, 6);
	update(m.config, &key, &cfg, "lb_config");

	for (s = 0; s < NSVC; s++) {
		struct lb_vip_addr va = { .family = AF_INET };
		uint32_t flags = 0;

		for (i = 0; i < nb; i++) {
			struct lb_backend *b = &be[s * LB_MAX_BACKENDS + i];
			uint8_t a16[16] = { 0 };

			b->addr[0] = backend_addr(s, i);
			b->family = AF_INET;
			b->flags = LB_BE_F_UP;
			b->weight = 1 + i % 4;
			memcpy(a16, &b->addr[0], 4);
			mb[i].key = sov_maglev_key(AF_INET, a16, 0);
			mb[i].id = s * LB_MAX_BACKENDS + i;
			mb[i].weight = b->weight;
			act[s].ids[i] = mb[i].id;
		}
		act[s].count = nb;
		free(tables[s]);
		tables[s] = malloc(table_size * sizeof(uint32_t));
		if (!tables[s])
			die("out of memory");
		if (sov_maglev_build(mb, nb, tables[s], table_size) != (int)nb)
			die("sov_maglev_build failed for %u backends", nb);
		update_range(m.maglev, s * LB_MAGLEV_SIZE, tables[s], sizeof(uint32_t),
			     table_size, "lb_maglev");
		set_service(s, LB_POLICY_MAGLEV);
		va.addr[0] = vip_of(s);
		update(m.vip_addrs, &va, &flags, "lb_vip_addrs");
	}
	update_range(m.backends, 0, be, sizeof(*be), NSVC * LB_MAX_BACKENDS, "lb_backends");
	update_range(m.active, 0, act, sizeof(*act), 2 * NSVC, "lb_active");
	zero_array(m.conn_counts, sizeof(int64_t), NSVC * LB_MAX_BACKENDS, 0, "lb_conn_counts");
	zero_array(m.rr, sizeof(uint32_t), NSVC, 1, "lb_rr");
	zero_array(m.swrr, sizeof(int32_t) * LB_MAX_BACKENDS, NSVC, 1, "lb_swrr");
	free(be);
	free(act);
}


/* The benchmark cannot go on without its counters: die rather than read 0. */
uint64_t pcpu_sum(int fd, uint32_t key, size_t vs, size_t off)
{
	uint64_t sums[32];
	int err;

	if (vs > sizeof(sums) || off + sizeof(uint64_t) > vs)
		die("per-CPU counter of %zu bytes at offset %zu: too large", vs, off);
	err = sov_bpf_percpu_sum(fd, key, vs, sums);
	if (err)
		die("lookup of a per-CPU counter: %s", strerror(-err));
	return sums[off / 8];
}

void lb_snapshot(struct lb_snap *sn)
{
	uint32_t r;

	memset(sn, 0, sizeof(*sn));
	for (r = 0; r < n_reasons; r++) {
		sn->reason[r] = pcpu_sum(m.stats, r, sizeof(struct lb_counter), 0);
		sn->total += sn->reason[r];
	}
	sn->new_flows = pcpu_sum(m.svc_stats, SVC, sizeof(struct lb_flow_counter),
				 offsetof(struct lb_flow_counter, new_flows));
}

/* ---- cases --------------------------------------------------------------- */

enum kind { K_FLOOR, K_NOP, K_WRAP, K_WRAP_NEW, K_EST, K_NEW, K_PASS };

struct bcase {
	const char *name;
	enum kind kind;
	uint32_t policy;
	uint32_t ns[MAX_RUNS];
	int n;
};

static struct bench_floor *floor_skel;
static struct bench_restore *rs_skel;
static int floor_fd, nop_fd, wrap_fd, jmp_fd, cfg_fd;
static uint32_t next_flow = 1;		/* the wrapper's flow counter */

uint8_t est_frame[FRAME_LEN];
static uint8_t new_frame[FRAME_LEN], pass_frame[FRAME_LEN];

static const char *policy_name(uint32_t p)
{
	static const char *const names[] = { "maglev", "round-robin", "weighted",
					     "least-conn", "ip-hash" };

	return p < sizeof(names) / sizeof(names[0]) ? names[p] : "?";
}

static void set_jmp(int fd)
{
	uint32_t key = 0;

	update(jmp_fd, &key, &fd, "bench_jmp");
}

static void set_wrapper(const uint8_t *frame, int new_flow)
{
	struct bench_restore_cfg c = {
		.len = FRAME_LEN, .new_flow = (uint32_t)new_flow,
		.sport_off = OFF_SPORT, .saddr_lo_off = OFF_SADDR + 2, .ctr = next_flow,
	};
	uint32_t key = 0;

	memcpy(c.pkt, frame, FRAME_LEN);
	update(cfg_fd, &key, &c, "bench_cfg");
}

static uint32_t wrapper_ctr(void)
{
	struct bench_restore_cfg c;
	uint32_t key = 0;

	if (bpf_map_lookup_elem(cfg_fd, &key, &c))
		die("lookup bench_cfg: %s", strerror(errno));
	return c.ctr;
}

static const char *verdict(uint32_t v)
{
	static const char *const names[] = { "XDP_ABORTED", "XDP_DROP", "XDP_PASS",
					     "XDP_TX", "XDP_REDIRECT" };

	return v < 5 ? names[v] : "?";
}

static void hexdump(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	fprintf(stderr, "  %s (%zu bytes):", label, n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s%02x", i % 16 ? " " : "\n    ", p[i]);
	fputc('\n', stderr);
}

static void expect(const struct bcase *c, int rep, const char *what, uint64_t got,
		   uint64_t want)
{
	if (got != want)
		die("%s (%u backends, repeat %d): %s: got %llu, expected %llu", c->name,
		    nbackends, rep, what, (unsigned long long)got, (unsigned long long)want);
}

/* The backend a new flow with key fk must have got, or LB_NO_BACKEND. */
static uint32_t backend_of_flow(uint32_t policy, const struct lb_flow_key *fk)
{
	struct lb_flow flow;
	uint32_t want = LB_NO_BACKEND, i;

	if (policy == LB_POLICY_MAGLEV)
		want = tables[SVC][lb_hash_flow(fk) % table_size];
	else if (policy == LB_POLICY_IP_HASH)
		want = tables[SVC][lb_hash_client(fk->src) % table_size];
	if (bpf_map_lookup_elem(m.conns, fk, &flow))
		return LB_NO_BACKEND;		/* the flow must be in lb_conns */
	if (want != LB_NO_BACKEND && flow.backend != want)
		return LB_NO_BACKEND;
	for (i = 0; i < nbackends; i++)		/* one of the service's, up */
		if (flow.backend == SVC * LB_MAX_BACKENDS + i)
			return flow.backend;
	return LB_NO_BACKEND;
}

/*
 * Run case c with rep iterations; check verdict, output and counters; the
 * kernel-reported ns per iteration.
 */
static uint32_t run_case(const struct bcase *c, int rep)
{
	uint8_t in[FRAME_LEN], out[OUT_MAX], want[OUT_MAX];
	const uint8_t *tmpl = est_frame;
	struct lb_snap before, after;
	struct lb_flow_key fk;
	uint32_t want_ret = XDP_TX, be, last;
	size_t want_len = FRAME_LEN;
	int fd, err, wrapped = 0, lb = 0;

	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = FRAME_LEN,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = rep);

	switch (c->kind) {
	case K_FLOOR:
		fd = floor_fd;
		break;
	case K_NOP:
		fd = nop_fd;
		break;
	case K_WRAP:
	case K_WRAP_NEW:
		fd = wrap_fd;
		wrapped = 1;
		set_jmp(nop_fd);
		break;
	case K_PASS:
		fd = lb_fd;
		lb = 1;
		tmpl = pass_frame;
		want_ret = XDP_PASS;
		break;
	default:		/* K_EST, K_NEW */
		fd = wrap_fd;
		wrapped = lb = 1;
		set_jmp(lb_fd);
		set_service(SVC, c->policy);
		break;
	}
	if (c->kind == K_WRAP_NEW || c->kind == K_NEW)
		tmpl = new_frame;
	memcpy(in, tmpl, FRAME_LEN);
	if (wrapped)
		set_wrapper(tmpl, c->kind == K_WRAP_NEW || c->kind == K_NEW);
	if (lb)
		lb_snapshot(&before);

	err = bpf_prog_test_run_opts(fd, &o);
	if (err)
		die("%s: BPF_PROG_TEST_RUN: %s", c->name, strerror(errno));

	/* what the last iteration must have produced */
	memcpy(want, tmpl, FRAME_LEN);
	last = next_flow + (uint32_t)rep - 1;
	if (c->kind == K_WRAP_NEW || c->kind == K_NEW)
		flow_stamp(want, last);
	if (c->kind == K_FLOOR && (rep & 1)) {
		memcpy(want, tmpl + 6, 6);
		memcpy(want + 6, tmpl, 6);
	}
	if (c->kind == K_EST || c->kind == K_NEW) {
		uint8_t inner[FRAME_LEN];

		memcpy(inner, want, FRAME_LEN);
		flow_key_of(inner, &fk);
		be = backend_of_flow(c->kind == K_EST ? LB_POLICY_MAGLEV : c->policy, &fk);
		if (be == LB_NO_BACKEND)
			die("%s (%u backends): the flow is not in lb_conns with the backend %s picks",
			    c->name, nbackends, policy_name(c->policy));
		want_len = build_encap(want, inner, FRAME_LEN,
				       backend_addr(SVC, be % LB_MAX_BACKENDS));
	}

	if (o.retval != want_ret)
		die("%s (%u backends, repeat %d): verdict %s (%u), expected %s", c->name,
		    nbackends, rep, verdict(o.retval), o.retval, verdict(want_ret));
	if (o.data_size_out != want_len || memcmp(out, want, want_len)) {
		fprintf(stderr, "lb-bench: %s (%u backends, repeat %d): output differs\n",
			c->name, nbackends, rep);
		hexdump("expected", want, want_len);
		hexdump("got", out, o.data_size_out);
		exit(1);
	}
	if (wrapped) {
		expect(c, rep, "wrapper iterations", wrapper_ctr() - next_flow,
		       c->kind == K_WRAP_NEW || c->kind == K_NEW ? (uint64_t)rep : 0);
		if (c->kind == K_WRAP_NEW || c->kind == K_NEW)
			next_flow += (uint32_t)rep;
	}
	if (lb) {
		lb_snapshot(&after);
		expect(c, rep, "packets counted (all reasons)", after.total - before.total,
		       (uint64_t)rep);
		if (c->kind == K_PASS) {
			expect(c, rep, "LB_R_NOT_SERVICE", after.reason[LB_R_NOT_SERVICE] -
			       before.reason[LB_R_NOT_SERVICE], (uint64_t)rep);
		} else {
			uint64_t nf = after.new_flows - before.new_flows;

			expect(c, rep, "LB_R_FORWARDED", after.reason[LB_R_FORWARDED] -
			       before.reason[LB_R_FORWARDED], (uint64_t)rep);
			/* repeat=1 primes the established flow: it may be new then */
			if (c->kind == K_EST && rep == 1 && nf == 1)
				nf = 0;
			expect(c, rep, "new flows", nf, c->kind == K_NEW ? (uint64_t)rep : 0);
		}
	}
	return o.duration;
}

/* ---- statistics and the report --------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double median(const struct bcase *c)
{
	uint32_t v[MAX_RUNS];

	memcpy(v, c->ns, sizeof(v));
	qsort(v, (size_t)c->n, sizeof(v[0]), cmp_u32);
	return c->n & 1 ? v[c->n / 2] : (v[c->n / 2 - 1] + v[c->n / 2]) / 2.0;
}

enum { C_FLOOR, C_NOP, C_WRAP, C_WRAP_NEW, C_EST, C_NEW0, C_PASS = C_NEW0 + 5, C_COUNT };

static const unsigned int backend_counts[] = { 1, 8, LB_MAX_BACKENDS };
#define NB (sizeof(backend_counts) / sizeof(backend_counts[0]))

struct group {
	double floor, nop, ov, ov_new, est, newf[5], pass;
};

static void init_cases(struct bcase *cs)
{
	uint32_t p;

	memset(cs, 0, sizeof(*cs) * C_COUNT);
	cs[C_FLOOR] = (struct bcase){ .name = "floor", .kind = K_FLOOR };
	cs[C_NOP] = (struct bcase){ .name = "empty program", .kind = K_NOP };
	cs[C_WRAP] = (struct bcase){ .name = "wrapper (restore)", .kind = K_WRAP };
	cs[C_WRAP_NEW] = (struct bcase){ .name = "wrapper (new 5-tuple)", .kind = K_WRAP_NEW };
	cs[C_EST] = (struct bcase){ .name = "established flow", .kind = K_EST,
				    .policy = LB_POLICY_MAGLEV };
	for (p = 0; p < 5; p++)
		cs[C_NEW0 + p] = (struct bcase){ .name = "new flow", .kind = K_NEW,
						 .policy = p };
	cs[C_PASS] = (struct bcase){ .name = "non-service packet", .kind = K_PASS };
}

static void run_group(unsigned int nb, int runs, int rep, struct group *g)
{
	struct bcase cs[C_COUNT];
	struct bcase fill = { .name = "warm-up", .kind = K_NEW, .policy = LB_POLICY_MAGLEV };
	struct lb_flow_key fk;
	int r, i;

	configure(nb);
	init_cases(cs);
	/* fill the connection table: new flows then measure the full, evicting LRU */
	run_case(&fill, (int)bpf_map__max_entries(bpf_object__find_map_by_name(lb_obj,
										"lb_conns")));
	/* a stale entry from another backend count would make a new flow of it */
	flow_key_of(est_frame, &fk);
	bpf_map_delete_elem(m.conns, &fk);

	for (r = 0; r < runs; r++) {
		for (i = 0; i < C_COUNT; i++) {
			run_case(&cs[i], 1);	/* checked once alone; primes the established flow */
			cs[i].ns[cs[i].n++] = run_case(&cs[i], rep);
		}
	}
	g->floor = median(&cs[C_FLOOR]);
	g->nop = median(&cs[C_NOP]);
	g->ov = median(&cs[C_WRAP]) - g->nop;
	g->ov_new = median(&cs[C_WRAP_NEW]) - g->nop;
	g->est = median(&cs[C_EST]) - g->ov;
	for (i = 0; i < 5; i++)
		g->newf[i] = median(&cs[C_NEW0 + i]) - g->ov_new;
	g->pass = median(&cs[C_PASS]);
	if (verbose)
		for (i = 0; i < C_COUNT; i++) {
			int j;

			fprintf(stderr, "# %u backends %-22s %-12s raw ns:", nb, cs[i].name,
				cs[i].kind == K_NEW ? policy_name(cs[i].policy) : "");
			for (j = 0; j < cs[i].n; j++)
				fprintf(stderr, " %u", cs[i].ns[j]);
			fputc('\n', stderr);
		}
}

/*
 * -k: run one case (32 backends) for about -t seconds and print nothing
 * else, so that `perf record -C CPU` sees only that path.
 */
static void profile_case(int which, int rep, double secs)
{
	struct bcase cs[C_COUNT];
	struct bcase fill = { .name = "warm-up", .kind = K_NEW, .policy = LB_POLICY_MAGLEV };
	struct timespec t0, t;
	unsigned long n = 0;

	configure(LB_MAX_BACKENDS);
	init_cases(cs);
	run_case(&fill, (int)bpf_map__max_entries(bpf_object__find_map_by_name(lb_obj,
										"lb_conns")));
	run_case(&cs[which], 1);	/* primes the established flow */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		cs[which].n = 0;
		run_case(&cs[which], rep);
		n++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("profiled %s%s%s: %lu runs of %d\n", cs[which].name,
	       cs[which].kind == K_NEW ? ": " : "",
	       cs[which].kind == K_NEW ? policy_name(cs[which].policy) : "", n, rep);
}

static void header(const char *title)
{
	unsigned int b;
	char col[16];

	printf("  %-34s", title);
	for (b = 0; b < NB; b++) {
		snprintf(col, sizeof(col), "%u backend%s", backend_counts[b],
			 backend_counts[b] == 1 ? "" : "s");
		printf("  %13s", col);
	}
}

static double field(const struct group *g, size_t off)
{
	double v;

	memcpy(&v, (const char *)g + off, sizeof(v));
	return v;
}

/* One row: ns/packet and its ratio to the floor of the same rounds. */
static void row(const char *label, const struct group *g, size_t off, double limit)
{
	const char *verdict = "met";
	unsigned int b;

	printf("  %-34s", label);
	for (b = 0; b < NB; b++) {
		double v = field(&g[b], off);

		printf("  %5.0f (%4.1fx)", v, g[b].floor > 0 ? v / g[b].floor : 0.0);
		if (v > limit)
			verdict = "missed";
	}
	if (limit > 0)
		printf("  <= %.0f: %s", limit, verdict);
	putchar('\n');
}

static void report(const struct group *g)
{
	unsigned int b, p;
	double de, dn;

	putchar('\n');
	header("harness, ns/packet");
	printf("\n  %-34s", "empty program (XDP_TX)");
	for (b = 0; b < NB; b++)
		printf("  %13.0f", g[b].nop);
	printf("\n  %-34s", "wrapper, restore (subtracted)");
	for (b = 0; b < NB; b++)
		printf("  %13.0f", g[b].ov);
	printf("\n  %-34s", "wrapper, new 5-tuple (subtracted)");
	for (b = 0; b < NB; b++)
		printf("  %13.0f", g[b].ov_new);
	printf("\n\n");
	header("ns/packet (x floor)");
	printf("  target\n");
	row("floor: parse, swap MACs, XDP_TX", g, offsetof(struct group, floor), 0);
	row("established flow (maglev)", g, offsetof(struct group, est), 60);
	for (p = 0; p < 5; p++) {
		char label[64];

		snprintf(label, sizeof(label), "new flow: %s", policy_name(p));
		row(label, g, offsetof(struct group, newf) + p * sizeof(double), 150);
	}
	row("non-service packet", g, offsetof(struct group, pass), 25);
	de = (g[NB - 1].est - g[0].est) / g[0].est * 100;
	dn = (g[NB - 1].newf[0] - g[0].newf[0]) / g[0].newf[0] * 100;
	printf("  1 vs %u backends: established %+.1f %%, new flow (maglev) %+.1f %%: "
	       "within 10 %%: %s\n\n", backend_counts[NB - 1], de, dn,
	       fabs(de) <= 10 && fabs(dn) <= 10 ? "met" : "missed");
	fflush(stdout);
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: lb-bench [-o LB_OBJECT] [-r REPEAT] [-n RUNS] [-c CPU] [-t SECONDS] [-V] [-v]\n"
	      "       lb-bench -k est|new|pass [-o LB_OBJECT] [-r REPEAT] [-c CPU] [-t SECONDS]\n"
	      "  -o  the balancer's object (default build/bpf/lb.bpf.o)\n"
	      "  -r  BPF_PROG_TEST_RUN iterations per timed run (default 1000000)\n"
	      "  -n  timed runs per case; the median is reported (default 5, odd, <= 15)\n"
	      "  -c  CPU to run on (default: the last one)\n"
	      "  -t  seconds of veth traffic (default 3)\n"
	      "  -V  skip the veth part (veth_mpps=0)\n"
	      "  -v  raw numbers and libbpf messages on stderr (-vv: libbpf debug)\n"
	      "  -k  profile: time only this case (32 backends, maglev) for -t seconds,\n"
	      "      no table; for `perf record -C CPU`\n", f);
}

int main(int argc, char **argv)
{
	const char *obj_path = "build/bpf/lb.bpf.o";
	int rep = 1000000, runs = 5, cpu = -1, veth = 1, opt, b, profile = -1;
	struct group g[NB];
	double secs = 3.0, mpps = 0.0;
	struct utsname un;
	cpu_set_t set;

	while ((opt = getopt(argc, argv, "o:r:n:c:t:k:Vvh")) != -1) {
		switch (opt) {
		case 'o': obj_path = optarg; break;
		case 'r': rep = atoi(optarg); break;
		case 'n': runs = atoi(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'V': veth = 0; break;
		case 'v': verbose++; break;
		case 'k':
			profile = !strcmp(optarg, "est") ? C_EST :
				  !strcmp(optarg, "new") ? C_NEW0 + LB_POLICY_MAGLEV :
				  !strcmp(optarg, "pass") ? C_PASS : -2;
			if (profile == -2) {
				fprintf(stderr, "lb-bench: -k %s: expected est, new or pass\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || rep < 1 || runs < 1 || runs > MAX_RUNS || secs <= 0 || secs > 20) {
		usage(stderr);
		return 2;
	}
	if (geteuid() != 0)
		die("needs root (BPF_PROG_TEST_RUN, XDP attach, a network namespace)");

	libbpf_set_print(libbpf_print);
	ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0)
		die("cannot count possible CPUs");
	if (cpu < 0)
		cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("cannot pin to CPU %d: %s", cpu, strerror(errno));

	lb_obj = bpf_object__open_file(obj_path, NULL);
	if (!lb_obj)
		die("cannot open %s: %s", obj_path, strerror(errno));
	if (bpf_object__load(lb_obj))
		die("cannot load %s: %s", obj_path, strerror(errno));
	{
		struct bpf_program *prog = bpf_object__find_program_by_name(lb_obj, "sov_lb");

		if (!prog)
			die("%s: no program sov_lb", obj_path);
		lb_fd = bpf_program__fd(prog);
	}
	m.services = lb_map_fd("lb_services", sizeof(struct lb_vip_key),
			       sizeof(struct lb_service), NSVC);
	m.vip_addrs = lb_map_fd("lb_vip_addrs", sizeof(struct lb_vip_addr), sizeof(uint32_t), 0);
	m.backends = lb_map_fd("lb_backends", sizeof(uint32_t), sizeof(struct lb_backend),
			       NSVC * LB_MAX_BACKENDS);
	m.maglev = lb_map_fd("lb_maglev", sizeof(uint32_t), sizeof(uint32_t),
			     2 * NSVC * LB_MAGLEV_SIZE);
	m.active = lb_map_fd("lb_active", sizeof(uint32_t), sizeof(struct lb_active), 2 * NSVC);
	m.conns = lb_map_fd("lb_conns", sizeof(struct lb_flow_key), sizeof(struct lb_flow), 0);
	m.conn_counts = lb_map_fd("lb_conn_counts", sizeof(uint32_t), sizeof(int64_t),
				  NSVC * LB_MAX_BACKENDS);
	m.rr = lb_map_fd("lb_rr", sizeof(uint32_t), sizeof(uint32_t), NSVC);
	m.swrr = lb_map_fd("lb_swrr", sizeof(uint32_t), sizeof(int32_t) * LB_MAX_BACKENDS, NSVC);
	m.config = lb_map_fd("lb_config", sizeof(uint32_t), sizeof(struct lb_config), 1);
	m.stats = lb_map_fd("lb_stats", sizeof(uint32_t), sizeof(struct lb_counter), 0);
	m.svc_stats = lb_map_fd("lb_svc_stats", sizeof(uint32_t),
				sizeof(struct lb_flow_counter), NSVC);
	n_reasons = bpf_map__max_entries(bpf_object__find_map_by_name(lb_obj, "lb_stats"));
	if (n_reasons < LB_R_MAX || n_reasons > 64)
		die("lb_stats has %u slots", n_reasons);

	floor_skel = bench_floor__open_and_load();
	rs_skel = bench_restore__open_and_load();
	if (!floor_skel || !rs_skel)
		die("cannot load the benchmark's helper programs: %s", strerror(errno));
	floor_fd = bpf_program__fd(floor_skel->progs.bench_floor);
	nop_fd = bpf_program__fd(rs_skel->progs.bench_nop);
	wrap_fd = bpf_program__fd(rs_skel->progs.bench_restore);
	jmp_fd = bpf_map__fd(rs_skel->maps.bench_jmp);
	cfg_fd = bpf_map__fd(rs_skel->maps.bench_cfg);

	build_tcp4(est_frame, ip4(192, 168, 1, 10), vip_of(SVC), 40000, VIP_PORT, 0x10);
	build_tcp4(new_frame, ip4(172, 16, 0, 0), vip_of(SVC), 0, VIP_PORT, 0x02);
	build_tcp4(pass_frame, ip4(192, 168, 1, 10), ip4(10, 0, 0, 200), 40000, VIP_PORT, 0x10);

	if (profile >= 0) {
		profile_case(profile, rep, secs);
		return 0;
	}
	uname(&un);
	printf("lb bench: sov_lb from %s, BPF_PROG_TEST_RUN, %d services (IPv4/TCP, encap), "
	       "64-byte IPv4/TCP frames\n", obj_path, NSVC);
	printf("  repeat %d, median of %d runs, CPU %d of %d, Linux %s\n", rep, runs, cpu,
	       ncpus, un.release);
	fflush(stdout);

	for (b = 0; b < (int)NB; b++)
		run_group(backend_counts[b], runs, rep, &g[b]);

	report(g);
	if (veth)
		mpps = veth_bench(secs);
	else
		printf("veth: skipped (-V)\n");

	printf("bench lb: est_ns=%.0f new_ns=%.0f pass_ns=%.0f floor_ns=%.0f veth_mpps=%.2f\n",
	       g[NB - 1].est, g[NB - 1].newf[LB_POLICY_MAGLEV], g[NB - 1].pass,
	       g[NB - 1].floor, mpps);

	bench_floor__destroy(floor_skel);
	bench_restore__destroy(rs_skel);
	bpf_object__close(lb_obj);
	for (b = 0; b < NSVC; b++)
		free(tables[b]);
	return 0;
}
