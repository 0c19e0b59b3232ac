// SPDX-License-Identifier: GPL-2.0
/*
 * xsk_conform: the sending and checking ends of the netio_xdp and netio_umem
 * selftests (libxdp's xsk API, libbpf).
 *
 *   udp-send IF FLOW DPORT N              N IPv4/UDP frames out of IF (AF_PACKET)
 *   udp-recv DPORT N SECS                 a UDP socket: N payloads, byte-exact
 *   raw-recv IF FLOW DPORT N SECS         AF_PACKET on IF: N whole frames, byte-exact
 *   xsk-recv IF zc|copy FLOW DPORT N SECS an XSK socket on IF queue 0 put into
 *                                         the attached program's "xsks" map
 *   devmap IF TARGET                      tx_port[0] of IF's program = TARGET
 *   seen IF                               IF's program's per-action counters
 *   shared A B N wakeup|nowakeup FILL     ZC socket on A queue 0 owning a UMEM,
 *                                         one on B queue 0 sharing it (own fill
 *                                         and completion rings); N frames each way,
 *                                         FILL (1-1024) buffers on each fill ring
 *   shared-bad A B                        the shared binds 6.1 must refuse
 *
 * FLOW is SMAC,DMAC,SIP,DIP: the addresses the frame carries when it is
 * checked (udp-send takes SMAC from IF). Frame i has a payload of 18 + (i * 37)
 * % 1000 bytes (frames of 60 to 1059 bytes). Receivers print "ready" once they
 * listen, and exit 0 only when exactly N of our frames for DPORT arrived, each
 * once and byte-exact (N = 0: none arrived in SECS); other traffic is counted
 * as foreign and ignored.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_packet.h>
#include <linux/if_xdp.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/xsk.h>

#define MAGIC		0x50c0ffeeu
#define SPORT		6000
#define PAYLOAD_MIN	18
#define FRAME_MAX	2048
#define NFRAMES		4096
#define FSIZE		XSK_UMEM__DEFAULT_FRAME_SIZE
/* ring size; fill and completion rings are twice as big, so that what is
 * given back always fits however late the kernel publishes its consumption
 */
#define RING		1024
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct flow {
	unsigned char smac[ETH_ALEN], dmac[ETH_ALEN];
	struct in_addr sip, dip;
};

static int verbose_fail = 5;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "xsk_conform: %s: %s\n", what, strerror(err));
	exit(1);
}

static void usage(const char *why)
{
	fprintf(stderr, "xsk_conform: %s (usage in the source's header)\n", why);
	exit(2);
}

static unsigned int num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 1000000)
		usage(what);
	return v;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -1;
}

/* SMAC,DMAC,SIP,DIP */
static void parse_flow(const char *s, struct flow *f)
{
	char buf[128], *part[4], *save = NULL;
	int i;

	if (strlen(s) >= sizeof(buf))
		usage("FLOW too long");
	strcpy(buf, s);
	for (i = 0; i < 4; i++) {
		part[i] = strtok_r(i ? NULL : buf, ",", &save);
		if (!part[i])
			usage("FLOW must be SMAC,DMAC,SIP,DIP");
	}
	if (parse_mac(part[0], f->smac) || parse_mac(part[1], f->dmac))
		usage("FLOW: a MAC address must be xx:xx:xx:xx:xx:xx");
	if (!inet_aton(part[2], &f->sip) || !inet_aton(part[3], &f->dip))
		usage("FLOW: an IPv4 address is malformed");
}

static unsigned int payload_len(unsigned int seq)
{
	return PAYLOAD_MIN + (seq * 37u) % 1000u;
}

static void payload_fill(unsigned char *p, unsigned int seq, unsigned int dport)
{
	unsigned int len = payload_len(seq), i;
	uint32_t v;

	v = htonl(MAGIC);
	memcpy(p, &v, 4);
	v = htonl(seq);
	memcpy(p + 4, &v, 4);
	p[8] = dport >> 8;
	p[9] = dport & 0xff;
	for (i = 10; i < len; i++)
		p[i] = (unsigned char)(seq * 7 + i + dport);
}

static uint16_t ip_csum(const void *hdr, int len)
{
	const uint16_t *w = hdr;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *w++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* frame @seq of @f to @dport into @buf; returns its length */
static unsigned int frame_build(unsigned char *buf, const struct flow *f,
				unsigned int dport, unsigned int seq)
{
	unsigned int plen = payload_len(seq);
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memcpy(eth->h_dest, f->dmac, ETH_ALEN);
	memcpy(eth->h_source, f->smac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	memset(ip, 0, sizeof(*ip));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp) + plen);
	ip->id = htons(seq & 0xffff);
	ip->frag_off = htons(0x4000);	/* DF */
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = f->sip.s_addr;
	ip->daddr = f->dip.s_addr;
	ip->check = ip_csum(ip, sizeof(*ip));
	udp->source = htons(SPORT);
	udp->dest = htons(dport);
	udp->len = htons(sizeof(*udp) + plen);
	udp->check = 0;	/* none: legal in IPv4 */
	payload_fill((unsigned char *)(udp + 1), seq, dport);
	return sizeof(*eth) + sizeof(*ip) + sizeof(*udp) + plen;
}

/* the sequence number of a frame carrying our payload for @dport, or -1 */
static long frame_seq(const unsigned char *p, unsigned int len, unsigned int dport)
{
	const unsigned int off = sizeof(struct ethhdr) + sizeof(struct iphdr);
	const struct udphdr *udp = (const void *)(p + off);
	uint32_t m, seq;

	if (len < off + sizeof(*udp) + PAYLOAD_MIN || p[12] != 0x08 || p[13] != 0 ||
	    ntohs(udp->dest) != dport)
		return -1;
	memcpy(&m, p + off + sizeof(*udp), 4);
	memcpy(&seq, p + off + sizeof(*udp) + 4, 4);
	return ntohl(m) == MAGIC ? (long)ntohl(seq) : -1;
}

struct tally {
	unsigned int got, exact, dup, foreign, disorder, next;
	unsigned char *seen;
};

/* account one arrived frame: byte-exact against frame @seq of @f */
static void tally_frame(struct tally *t, const struct flow *f, unsigned int dport,
			const unsigned char *p, unsigned int len, unsigned int n)
{
	unsigned char ref[FRAME_MAX];
	long seq = frame_seq(p, len, dport);
	unsigned int rlen;

	if (seq < 0) {
		t->foreign++;
		return;
	}
	t->got++;	/* ours, even if not expected (seq >= n) */
	if (seq >= n)
		return;
	if (seq != t->next)
		t->disorder++;
	t->next = seq + 1;
	if (t->seen[seq]++) {
		t->dup++;
		return;
	}
	rlen = frame_build(ref, f, dport, seq);
	if (rlen == len && !memcmp(ref, p, len))
		t->exact++;
	else if (verbose_fail-- > 0)
		fprintf(stderr, "frame %ld: %u bytes, differs from the %u sent\n", seq, len, rlen);
}

static int tally_report(const char *who, struct tally *t, unsigned int n)
{
	printf("%s: received %u of %u, byte-exact %u, duplicates %u, out-of-order %u, foreign %u\n",
	       who, t->got, n, t->exact, t->dup, t->disorder, t->foreign);
	free(t->seen);
	return t->got == n && t->exact == n && !t->dup ? 0 : 1;
}

static void tally_init(struct tally *t, unsigned int n)
{
	memset(t, 0, sizeof(*t));
	t->seen = calloc(n + 1, 1);
	if (!t->seen)
		die("calloc", ENOMEM);
}

static int ifindex_of(const char *ifname)
{
	int i = if_nametoindex(ifname);

	if (!i)
		die(ifname, errno);
	return i;
}

static int packet_socket(const char *ifname, int proto)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(proto),
		.sll_ifindex = ifindex_of(ifname),
	};
	int fd = socket(AF_PACKET, SOCK_RAW, htons(proto));

	if (fd < 0)
		die("socket(AF_PACKET)", errno);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind(AF_PACKET)", errno);
	return fd;
}

static int cmd_udp_send(char **argv)
{
	unsigned int dport = num(argv[4], "DPORT"), n = num(argv[5], "N"), i;
	unsigned char buf[FRAME_MAX];
	struct ifreq ifr = {0};
	struct flow f;
	int fd;

	parse_flow(argv[3], &f);
	fd = packet_socket(argv[2], ETH_P_IP);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[2]);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR", errno);
	memcpy(f.smac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	for (i = 0; i < n; i++) {
		unsigned int len = frame_build(buf, &f, dport, i);

		if (send(fd, buf, len, 0) != (ssize_t)len)
			die("send", errno);
		if (i % 16 == 15)
			usleep(2000);	/* veth's receive ring holds 256 */
	}
	printf("udp-send %s port %u: sent %u\n", argv[2], dport, n);
	close(fd);
	return 0;
}

static int cmd_udp_recv(char **argv)
{
	unsigned int dport = num(argv[2], "DPORT"), n = num(argv[3], "N");
	double deadline = now() + num(argv[4], "SECS");
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(dport)};
	unsigned char buf[FRAME_MAX], ref[FRAME_MAX];
	struct timeval tv = {.tv_usec = 100000};
	struct tally t;
	int fd;

	tally_init(&t, n);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		die("udp socket", errno);
	printf("ready\n");
	while (now() < deadline && (n == 0 || t.got < n)) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		uint32_t m, seq;

		if (len < PAYLOAD_MIN)
			continue;
		memcpy(&m, buf, 4);
		memcpy(&seq, buf + 4, 4);
		seq = ntohl(seq);
		if (ntohl(m) != MAGIC) {
			t.foreign++;
			continue;
		}
		t.got++;
		if (seq >= n)
			continue;
		if (t.seen[seq]++) {
			t.dup++;
			continue;
		}
		payload_fill(ref, seq, dport);
		if ((size_t)len == payload_len(seq) && !memcmp(ref, buf, len))
			t.exact++;
	}
	close(fd);
	return tally_report("udp-recv", &t, n);
}

static int cmd_raw_recv(char **argv)
{
	unsigned int dport = num(argv[4], "DPORT"), n = num(argv[5], "N");
	double deadline = now() + num(argv[6], "SECS");
	unsigned char buf[FRAME_MAX];
	struct tally t;
	struct flow f;
	int fd;

	parse_flow(argv[3], &f);
	tally_init(&t, n);
	fd = packet_socket(argv[2], ETH_P_ALL);
	printf("ready\n");
	while (now() < deadline && (n == 0 || t.got < n)) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t len;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		/* what IF sends itself is not an arrival */
		if (len <= 0 || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		tally_frame(&t, &f, dport, buf, len, n);
	}
	close(fd);
	return tally_report("raw-recv", &t, n);
}

/* the fd of the map called @name used by the native XDP program on @ifname */
static int prog_map(const char *ifname, const char *name)
{
	__u32 prog_id = 0, ids[16], i;
	struct bpf_prog_info pinfo = {0};
	__u32 plen = sizeof(pinfo);
	int pfd, fd;

	if (bpf_xdp_query_id(ifindex_of(ifname), XDP_FLAGS_DRV_MODE, &prog_id) || !prog_id) {
		fprintf(stderr, "xsk_conform: no native XDP program on %s\n", ifname);
		exit(1);
	}
	pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		die("bpf_prog_get_fd_by_id", errno);
	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(pfd, &pinfo, &plen))
		die("bpf_obj_get_info_by_fd(prog)", errno);
	close(pfd);
	for (i = 0; i < pinfo.nr_map_ids && i < 16; i++) {
		struct bpf_map_info minfo = {0};
		__u32 mlen = sizeof(minfo);

		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &minfo, &mlen) && !strcmp(minfo.name, name))
			return fd;
		close(fd);
	}
	fprintf(stderr, "xsk_conform: %s's program has no map %s\n", ifname, name);
	exit(1);
}

static int cmd_devmap(char **argv)
{
	__u32 key = 0, target = ifindex_of(argv[3]);
	int fd = prog_map(argv[2], "tx_port");

	if (bpf_map_update_elem(fd, &key, &target, 0))
		die("devmap update", errno);
	printf("devmap: %s redirects to %s (ifindex %u)\n", argv[2], argv[3], target);
	return 0;
}

static int cmd_seen(char **argv)
{
	static const char *const names[] = {"", "pass", "tx", "drop", "redir_dev",
					    "redir_xsk", "aborted"};
	int fd = prog_map(argv[2], "seen");
	__u32 k;

	printf("seen");
	for (k = 1; k < 7; k++) {
		__u64 v = 0;

		bpf_map_lookup_elem(fd, &k, &v);
		printf(" %s=%llu", names[k], (unsigned long long)v);
	}
	printf("\n");
	return 0;
}

struct xsk {
	void *buf;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
};

static int zc_mode(const char *m)
{
	if (!strcmp(m, "zc"))
		return 1;
	if (!strcmp(m, "copy"))
		return 0;
	usage("mode must be zc or copy");
	return -1;
}

static int xdp_zerocopy(struct xsk_socket *xsk)
{
	struct xdp_options o = {0};
	socklen_t ol = sizeof(o);

	if (getsockopt(xsk_socket__fd(xsk), SOL_XDP, XDP_OPTIONS, &o, &ol))
		die("getsockopt(XDP_OPTIONS)", errno);
	return !!(o.flags & XDP_OPTIONS_ZEROCOPY);
}

/* post frames [first, first + n) of the UMEM to @fq */
static void fill(struct xsk_ring_prod *fq, unsigned int first, unsigned int n)
{
	__u32 idx, i;

	if (xsk_ring_prod__reserve(fq, n, &idx) != n)
		die("fill ring", ENOSPC);
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(fq, idx + i) = (__u64)(first + i) * FSIZE;
	xsk_ring_prod__submit(fq, n);
}

static void *umem_area(void)
{
	void *p = mmap(NULL, (size_t)NFRAMES * FSIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap", errno);
	return p;
}

static int cmd_xsk_recv(char **argv)
{
	struct xsk_umem_config ucfg = {
		.fill_size = 2 * RING, .comp_size = 2 * RING, .frame_size = FSIZE,
	};
	struct xsk_socket_config cfg = {
		.rx_size = RING, .tx_size = RING,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = XDP_FLAGS_DRV_MODE,
	};
	int zc = zc_mode(argv[3]), mfd, err;
	unsigned int dport = num(argv[5], "DPORT"), n = num(argv[6], "N");
	double deadline = now() + num(argv[7], "SECS");
	struct tally t;
	struct flow f;
	struct xsk s;

	parse_flow(argv[4], &f);
	tally_init(&t, n);
	cfg.bind_flags = zc ? XDP_ZEROCOPY : XDP_COPY;
	s.buf = umem_area();
	err = xsk_umem__create(&s.umem, s.buf, (__u64)NFRAMES * FSIZE, &s.fq, &s.cq, &ucfg);
	if (err)
		die("xsk_umem__create", -err);
	err = xsk_socket__create(&s.xsk, argv[2], 0, s.umem, &s.rx, &s.tx, &cfg);
	if (err) {
		printf("xsk-recv %s %s: bind: %s\n", argv[2], argv[3], strerror(-err));
		return 1;
	}
	mfd = prog_map(argv[2], "xsks");
	err = xsk_socket__update_xskmap(s.xsk, mfd);
	if (err)
		die("xsk_socket__update_xskmap", -err);
	fill(&s.fq, 0, RING);
	printf("xsk-recv %s: zerocopy=%d\nready\n", argv[2], xdp_zerocopy(s.xsk));
	while (now() < deadline && (n == 0 || t.got < n)) {
		struct pollfd pfd = {.fd = xsk_socket__fd(s.xsk), .events = POLLIN};
		__u32 idx, fidx, got, i;

		got = xsk_ring_cons__peek(&s.rx, 64, &idx);
		if (!got) {
			poll(&pfd, 1, 100);
			continue;
		}
		if (xsk_ring_prod__reserve(&s.fq, got, &fidx) != got)
			die("fill ring", ENOSPC);
		for (i = 0; i < got; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s.rx, idx + i);

			tally_frame(&t, &f, dport, xsk_umem__get_data(s.buf, d->addr), d->len, n);
			*xsk_ring_prod__fill_addr(&s.fq, fidx + i) =
				xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_prod__submit(&s.fq, got);
		xsk_ring_cons__release(&s.rx, got);
	}
	xsk_socket__delete(s.xsk);
	xsk_umem__delete(s.umem);
	return tally_report("xsk-recv", &t, n);
}

/* --- shared UMEM: one ZC socket per end of a pair, one UMEM --- */

/* UMEM layout: A's fill, B's fill, A's TX, B's TX: RING frames each */
struct side {
	const char *ifname;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx, *fqp;
	struct xsk_ring_cons cq, rx, *cqp;
	struct flow f;		/* what this side sends */
	unsigned int dport, txbase, fillbase, sent, txfree[RING], nfree;
	__u64 fifo[RING];	/* TX addresses in submission order */
	unsigned int fhead, ftail, completed, cq_disorder;
	unsigned int kicks, rx_wakeups, zero_copies;
	unsigned int tx_flag_clear, fq_flag_set;	/* need_wakeup flags as read */
	struct tally t;		/* what this side received */
};

static void side_tx(struct side *s, void *area, unsigned int n, int wakeup)
{
	__u32 idx, i, k;

	k = xsk_ring_cons__peek(s->cqp, RING, &idx);
	for (i = 0; i < k; i++) {
		__u64 a = *xsk_ring_cons__comp_addr(s->cqp, idx + i);

		if (a != s->fifo[s->ftail++ % RING])
			s->cq_disorder++;
		s->txfree[s->nfree++] = a / FSIZE;
	}
	if (k)
		xsk_ring_cons__release(s->cqp, k);
	s->completed += k;
	k = n - s->sent;
	if (k > s->nfree)
		k = s->nfree;
	if (k > 64)
		k = 64;
	if (k)
		k = xsk_ring_prod__reserve(&s->tx, k, &idx);
	for (i = 0; i < k; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);

		d->addr = (__u64)s->txfree[--s->nfree] * FSIZE;
		d->len = frame_build(xsk_umem__get_data(area, d->addr), &s->f, s->dport, s->sent++);
		s->fifo[s->fhead++ % RING] = d->addr;
	}
	if (k)
		xsk_ring_prod__submit(&s->tx, k);
	if (!xsk_ring_prod__needs_wakeup(&s->tx))
		s->tx_flag_clear++;
	/* need_wakeup on: kick only when the ring says so; off: always */
	if (s->completed < s->sent && (!wakeup || xsk_ring_prod__needs_wakeup(&s->tx))) {
		s->kicks++;
		sendto(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
}

static void side_rx(struct side *s, const struct side *from, void *area, unsigned int n,
		    int wakeup)
{
	__u32 idx, fidx, got, i, k;
	__u64 back[64];

	got = xsk_ring_cons__peek(&s->rx, 64, &idx);
	if (!got) {
		if (xsk_ring_prod__needs_wakeup(s->fqp))
			s->fq_flag_set++;
		if (wakeup && xsk_ring_prod__needs_wakeup(s->fqp)) {
			s->rx_wakeups++;
			recvfrom(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
		}
		return;
	}
	for (i = k = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		__u64 a = xsk_umem__extract_addr(d->addr);

		/* zero copies: the frame is the sender's TX buffer itself */
		if (a / FSIZE >= from->txbase && a / FSIZE < from->txbase + RING)
			s->zero_copies++;
		tally_frame(&s->t, &from->f, from->dport, xsk_umem__get_data(area, d->addr),
			    d->len, n);
		if (a / FSIZE >= s->fillbase && a / FSIZE < s->fillbase + RING)
			back[k++] = a;	/* one of ours: it goes back to the fill ring */
	}
	xsk_ring_cons__release(&s->rx, got);
	if (!k)
		return;
	if (xsk_ring_prod__reserve(s->fqp, k, &fidx) != k)
		die("fill ring", ENOSPC);
	for (i = 0; i < k; i++)
		*xsk_ring_prod__fill_addr(s->fqp, fidx + i) = back[i];
	xsk_ring_prod__submit(s->fqp, k);
}

static void side_init(struct side *s, const char *ifname, unsigned int dport,
		      unsigned int fillbase, unsigned int txbase, unsigned char id)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->ifname = ifname;
	s->dport = dport;
	s->fillbase = fillbase;
	s->txbase = txbase;
	for (i = 0; i < RING; i++)
		s->txfree[i] = txbase + RING - 1 - i;
	s->nfree = RING;
	memcpy(s->f.smac, "\x02\x00\x5e\x00\x00\x00", ETH_ALEN);
	memcpy(s->f.dmac, "\x02\x00\x5e\x00\x00\x00", ETH_ALEN);
	s->f.smac[5] = id;
	s->f.dmac[5] = id ^ 3;
	s->f.sip.s_addr = htonl(0x0a4f0000 | id);
	s->f.dip.s_addr = htonl(0x0a4f0000 | (id ^ 3));
}

static int side_report(const char *dir, struct side *s, unsigned int n, int wakeup)
{
	char who[96];
	int bad;

	snprintf(who, sizeof(who), "shared %s", dir);
	bad = s->t.disorder != 0;	/* one queue: arrival in sending order */
	bad |= tally_report(who, &s->t, n);
	printf("  %s: sent %u, completed %u, completions out of order %u, kicks %u, rx wakeups %u, "
	       "TX need_wakeup read clear %u, fill need_wakeup read set %u, zero-copy arrivals %u\n",
	       s->ifname, s->sent, s->completed, s->cq_disorder, s->kicks, s->rx_wakeups,
	       s->tx_flag_clear, s->fq_flag_set, s->zero_copies);
	if (s->completed != s->sent || s->cq_disorder)
		bad = 1;
	/*
	 * need_wakeup off: the driver must leave the flags alone. The core sets
	 * the TX ring's at creation (xsk_setsockopt) and nobody clears it; the
	 * fill ring's is never set.
	 */
	if (!wakeup && (s->tx_flag_clear || s->fq_flag_set)) {
		printf("  %s: need_wakeup flags changed on a socket bound without it\n", s->ifname);
		bad = 1;
	}
	return bad;
}

int shared_umem_run(char **argv)
{
	struct xsk_umem_config ucfg = {
		.fill_size = 2 * RING, .comp_size = 2 * RING, .frame_size = FSIZE,
	};
	struct xsk_socket_config cfg = {
		.rx_size = RING, .tx_size = RING, .xdp_flags = XDP_FLAGS_DRV_MODE,
	};
	unsigned int n = num(argv[4], "N"), nfill = num(argv[6], "FILL");
	struct side a, b;
	struct xsk_umem *umem;
	double t0, deadline;
	int wakeup, err, bad;
	void *area;

	if (!strcmp(argv[5], "wakeup"))
		wakeup = 1;
	else if (!strcmp(argv[5], "nowakeup"))
		wakeup = 0;
	else
		usage("the last argument must be wakeup or nowakeup");
	if (!nfill || nfill > RING)
		usage("FILL must be 1 to 1024");
	cfg.bind_flags = XDP_ZEROCOPY | (wakeup ? XDP_USE_NEED_WAKEUP : 0);
	side_init(&a, argv[2], 7101, 0, 2 * RING, 1);
	side_init(&b, argv[3], 7102, RING, 3 * RING, 2);
	tally_init(&a.t, n);
	tally_init(&b.t, n);
	area = umem_area();
	err = xsk_umem__create(&umem, area, (__u64)NFRAMES * FSIZE, &a.fq, &a.cq, &ucfg);
	if (err)
		die("xsk_umem__create", -err);
	a.fqp = &a.fq;
	a.cqp = &a.cq;
	err = xsk_socket__create(&a.xsk, a.ifname, 0, umem, &a.rx, &a.tx, &cfg);
	if (err) {
		printf("shared: bind %s zc: %s\n", a.ifname, strerror(-err));
		return 1;
	}
	/* its own fill and completion rings: another device's queue */
	err = xsk_socket__create_shared(&b.xsk, b.ifname, 0, umem, &b.rx, &b.tx, &b.fq, &b.cq,
					&cfg);
	if (err) {
		printf("shared: bind %s sharing %s's UMEM: %s\n", b.ifname, a.ifname,
		       strerror(-err));
		return 1;
	}
	b.fqp = &b.fq;
	b.cqp = &b.cq;
	printf("shared: %s zerocopy=%d, %s zerocopy=%d, one UMEM of %u frames, need_wakeup %s, "
	       "%u fill buffers each\n", a.ifname, xdp_zerocopy(a.xsk), b.ifname,
	       xdp_zerocopy(b.xsk), NFRAMES, wakeup ? "on" : "off", nfill);
	/* fewer fill buffers than a TX burst: the fill ring runs dry */
	fill(a.fqp, a.fillbase, nfill);
	fill(b.fqp, b.fillbase, nfill);
	t0 = now();
	deadline = t0 + 30;
	while ((a.t.got < n || b.t.got < n || a.completed < n || b.completed < n) &&
	       now() < deadline) {
		side_tx(&a, area, n, wakeup);
		side_tx(&b, area, n, wakeup);
		side_rx(&b, &a, area, n, wakeup);
		side_rx(&a, &b, area, n, wakeup);
	}
	if (now() >= deadline)
		printf("shared: STALLED after %.0f s: %s received %u, %s received %u of %u\n",
		       now() - t0, b.ifname, b.t.got, a.ifname, a.t.got, n);
	else
		printf("shared: done in %.2f s\n", now() - t0);
	bad = side_report("a->b", &b, n, wakeup) | side_report("b->a", &a, n, wakeup);
	/* the sender's numbers are on the other side: print them too */
	printf("  %s sent %u (completed %u), %s sent %u (completed %u)\n", a.ifname, a.sent,
	       a.completed, b.ifname, b.sent, b.completed);
	if (a.completed != a.sent || a.cq_disorder || b.completed != b.sent || b.cq_disorder)
		bad = 1;
	xsk_socket__delete(b.xsk);
	xsk_socket__delete(a.xsk);
	xsk_umem__delete(umem);
	return bad || now() >= deadline;
}

/* a bind with XDP_SHARED_UMEM of @fd's UMEM; returns 0 or -errno */
static int bind_shared(int ifindex, int fd, int owner_fd, __u16 flags)
{
	struct sockaddr_xdp sxdp = {
		.sxdp_family = AF_XDP, .sxdp_ifindex = ifindex, .sxdp_queue_id = 0,
		.sxdp_flags = XDP_SHARED_UMEM | flags, .sxdp_shared_umem_fd = owner_fd,
	};

	return bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp)) ? -errno : 0;
}

static int xsk_raw(int with_rings)
{
	int fd = socket(AF_XDP, SOCK_RAW, 0), sz = 64;

	if (fd < 0)
		die("socket(AF_XDP)", errno);
	if (setsockopt(fd, SOL_XDP, XDP_RX_RING, &sz, sizeof(sz)))
		die("XDP_RX_RING", errno);
	if (with_rings && (setsockopt(fd, SOL_XDP, XDP_UMEM_FILL_RING, &sz, sizeof(sz)) ||
			   setsockopt(fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, &sz, sizeof(sz))))
		die("fill/completion ring", errno);
	return fd;
}

static int expect(const char *what, int got, int want)
{
	printf("shared-bad: %s: %s (expected %s)\n", what, got ? strerror(-got) : "bound",
	       want ? strerror(-want) : "bound");
	return got != want;
}

/* What 6.1's xsk_bind() refuses when a UMEM is shared (net/xdp/xsk.c) */
int shared_umem_bad(char **argv)
{
	struct xsk_umem_config ucfg = {
		.fill_size = 2 * RING, .comp_size = 2 * RING, .frame_size = FSIZE,
	};
	struct xsk_socket_config cfg = {
		.rx_size = RING, .tx_size = RING, .xdp_flags = XDP_FLAGS_DRV_MODE,
		.bind_flags = XDP_ZEROCOPY,
	};
	int ia = ifindex_of(argv[2]), ib = ifindex_of(argv[3]), owner, fd, bad = 0;
	struct xsk s;

	s.buf = umem_area();
	if (xsk_umem__create(&s.umem, s.buf, (__u64)NFRAMES * FSIZE, &s.fq, &s.cq, &ucfg))
		die("xsk_umem__create", errno);
	if (xsk_socket__create(&s.xsk, argv[2], 0, s.umem, &s.rx, &s.tx, &cfg)) {
		printf("shared-bad: the owner's ZC bind on %s failed\n", argv[2]);
		return 1;
	}
	owner = xsk_socket__fd(s.xsk);
	fd = xsk_raw(0);
	bad |= expect("another device without its own fill/completion rings",
		      bind_shared(ib, fd, owner, 0), -EINVAL);
	close(fd);
	fd = xsk_raw(1);
	bad |= expect("XDP_SHARED_UMEM with XDP_ZEROCOPY", bind_shared(ib, fd, owner, XDP_ZEROCOPY),
		      -EINVAL);
	bad |= expect("XDP_SHARED_UMEM with XDP_USE_NEED_WAKEUP",
		      bind_shared(ib, fd, owner, XDP_USE_NEED_WAKEUP), -EINVAL);
	bad |= expect("the same device and queue with its own fill/completion rings",
		      bind_shared(ia, fd, owner, 0), -EINVAL);
	close(fd);
	fd = xsk_raw(1);
	bad |= expect("sharing the UMEM of an unbound socket", bind_shared(ib, fd, xsk_raw(0), 0),
		      -EBADF);
	bad |= expect("sharing with a UDP socket",
		      bind_shared(ib, fd, socket(AF_INET, SOCK_DGRAM, 0), 0), -ENOPROTOOPT);
	bad |= expect("another device with its own fill/completion rings",
		      bind_shared(ib, fd, owner, 0), 0);
	close(fd);
	xsk_socket__delete(s.xsk);
	xsk_umem__delete(s.umem);
	return bad;
}

int main(int argc, char **argv)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	static const struct {
		const char *name;
		int argc;
		int (*fn)(char **argv);
	} cmds[] = {
		{"udp-send", 6, cmd_udp_send}, {"udp-recv", 5, cmd_udp_recv},
		{"raw-recv", 7, cmd_raw_recv}, {"xsk-recv", 8, cmd_xsk_recv},
		{"devmap", 4, cmd_devmap},     {"seen", 3, cmd_seen},
		{"shared", 7, shared_umem_run}, {"shared-bad", 4, shared_umem_bad},
	};
	size_t i;

	setrlimit(RLIMIT_MEMLOCK, &r);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		usage("no command");
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (argc != cmds[i].argc)
			usage("wrong number of arguments");
		return cmds[i].fn(argv);
	}
	usage("unknown command");
	return 2;
}
