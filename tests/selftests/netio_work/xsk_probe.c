// SPDX-License-Identifier: GPL-2.0
/*
 * xsk_probe: AF_XDP probe for the netio selftest (libxdp xsk API); it was
 * the zero-copy proof's tool (Documentation/netio.rst).
 *   xsk_probe [OPTS] bind  DEV zc|copy                    try a bind, report errno
 *   xsk_probe [OPTS] exact TXDEV RXDEV N txmode rxmode    send N frames, check byte-exact receipt
 *   xsk_probe [OPTS] bench TXDEV RXDEV SECS txmode rxmode SIZE  txonly on TXDEV, rxdrop on RXDEV
 *   xsk_probe [OPTS] txonly DEV SECS mode SIZE            send for SECS, report the rate
 *   xsk_probe [OPTS] bad   TXDEV RXDEV txmode rxmode      malformed TX descriptors, then 100
 *                                                         valid frames (must arrive byte-exact)
 * bench and txonly stop early, cleanly, on SIGINT or SIGTERM.
 * OPTS: -q QID (queue, default 0), -f FRAME (UMEM frame size: 2048 or 4096),
 *       -W (no XDP_USE_NEED_WAKEUP; also XSKPOC_NO_WAKEUP=1), -N (load no XDP
 *       program: TX-only sockets sharing a device), -P PRIO (SO_PRIORITY)
 * mode: zc | copy (XDP_ZEROCOPY / XDP_COPY).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <xdp/xsk.h>

#define NFRAMES 4096
#define RING 2048
#define ETYPE 0x88b5
#define MAGIC 0x50c0ffeeu

struct sock {
	void *buf;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
	int wakeup, copy;
	uint64_t freetx[RING];
	int nfree;
	uint64_t outstanding;
};

static uint32_t fsize = XSK_UMEM__DEFAULT_FRAME_SIZE;	/* -f */
static uint32_t queue;					/* -q */
static int no_wakeup;					/* -W */
static volatile sig_atomic_t stop_sig;			/* SIGINT, SIGTERM */

static double now(void);

static void on_stop(int sig)
{
	(void)sig;
	stop_sig = 1;
}

/* sleep until secs have passed or a stop signal came */
static void run_for(double secs)
{
	double end = now() + secs;

	while (!stop_sig && now() < end)
		usleep(10000);
}
static int no_prog;					/* -N */
static int sk_prio = -1;				/* -P */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sock_open(struct sock *s, const char *ifname, int zc)
{
	struct xsk_umem_config ucfg = {
		.fill_size = RING, .comp_size = RING, .frame_size = fsize,
		.frame_headroom = 0, .flags = 0,
	};
	struct xsk_socket_config cfg = {
		.rx_size = RING, .tx_size = RING,
		.xdp_flags = XDP_FLAGS_DRV_MODE,
		/* -N: a TX-only socket needs no program (lets two share a device) */
		.libxdp_flags = no_prog ? XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD : 0,
	};
	uint32_t idx, i;
	int err;

	memset(s, 0, sizeof(*s));
	s->wakeup = !no_wakeup && !getenv("XSKPOC_NO_WAKEUP");
	s->copy = !zc;
	cfg.bind_flags = (zc ? XDP_ZEROCOPY : XDP_COPY) | (s->wakeup ? XDP_USE_NEED_WAKEUP : 0);
	s->buf = mmap(NULL, (size_t)NFRAMES * fsize, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&s->umem, s->buf, (uint64_t)NFRAMES * fsize, &s->fq, &s->cq, &ucfg);
	if (err)
		return err;
	err = xsk_socket__create(&s->xsk, ifname, queue, s->umem, &s->rx, &s->tx, &cfg);
	if (err) {
		xsk_umem__delete(s->umem);
		return err;
	}
	/* -P: the socket's SO_PRIORITY (a sovnet end classifies its frames by it) */
	if (sk_prio >= 0 && setsockopt(xsk_socket__fd(s->xsk), SOL_SOCKET, SO_PRIORITY,
				       &sk_prio, sizeof(sk_prio)))
		return -errno;
	/* frames [0, RING) go to the fill ring, [RING, 2*RING) are for TX */
	if (xsk_ring_prod__reserve(&s->fq, RING, &idx) != RING)
		return -ENOSPC;
	for (i = 0; i < RING; i++)
		*xsk_ring_prod__fill_addr(&s->fq, idx + i) = (uint64_t)i * fsize;
	xsk_ring_prod__submit(&s->fq, RING);
	for (i = 0; i < RING; i++)
		s->freetx[i] = (uint64_t)(RING + i) * fsize;
	s->nfree = RING;
	return 0;
}

static void sock_close(struct sock *s)
{
	if (s->xsk)
		xsk_socket__delete(s->xsk);
	if (s->umem)
		xsk_umem__delete(s->umem);
	munmap(s->buf, (size_t)NFRAMES * fsize);
}

static void kick_tx(struct sock *s)
{
	if (s->copy || !s->wakeup || xsk_ring_prod__needs_wakeup(&s->tx))
		sendto(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
}

static void reap_cq(struct sock *s)
{
	uint32_t idx, n, i;

	n = xsk_ring_cons__peek(&s->cq, RING, &idx);
	for (i = 0; i < n; i++)
		s->freetx[s->nfree++] = *xsk_ring_cons__comp_addr(&s->cq, idx + i);
	if (n)
		xsk_ring_cons__release(&s->cq, n);
	s->outstanding -= n;
}

static uint32_t frame_len(uint32_t seq)
{
	return 60 + (seq * 37u) % 1441u;	/* 60..1500 */
}

static void frame_fill(uint8_t *p, uint32_t seq, uint32_t len)
{
	uint32_t v, i;

	memset(p, 0xff, 6);
	memcpy(p + 6, "\x02\x00\x5e\x00\x00\x01", 6);
	p[12] = ETYPE >> 8;
	p[13] = ETYPE & 0xff;
	v = htonl(MAGIC);
	memcpy(p + 14, &v, 4);
	v = htonl(seq);
	memcpy(p + 18, &v, 4);
	for (i = 22; i < len; i++)
		p[i] = (uint8_t)(seq * 7 + i);
}

/* queue up to max frames; returns how many */
static uint32_t tx_some(struct sock *s, uint32_t max, uint32_t *seq, uint32_t fixed_len)
{
	uint32_t idx, n, i;

	reap_cq(s);
	n = max < (uint32_t)s->nfree ? max : (uint32_t)s->nfree;
	if (n > 64)
		n = 64;
	if (!n)
		goto kick;
	n = xsk_ring_prod__reserve(&s->tx, n, &idx);
	for (i = 0; i < n; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&s->tx, idx + i);
		uint32_t len = fixed_len ? fixed_len : frame_len(*seq);

		d->addr = s->freetx[--s->nfree];
		d->len = len;
		if (!fixed_len)
			frame_fill(xsk_umem__get_data(s->buf, d->addr), *seq, len);
		(*seq)++;
	}
	xsk_ring_prod__submit(&s->tx, n);
	s->outstanding += n;
kick:
	kick_tx(s);
	return n;
}

struct rxstat {
	uint64_t got, foreign, bad, outoforder;
	uint32_t next;
};

static uint32_t rx_some(struct sock *s, struct rxstat *st, int check)
{
	uint32_t idx, fidx, n, i;

	n = xsk_ring_cons__peek(&s->rx, 64, &idx);
	if (!n) {
		if (s->wakeup && !s->copy && xsk_ring_prod__needs_wakeup(&s->fq))
			recvfrom(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	while (xsk_ring_prod__reserve(&s->fq, n, &fidx) != n)
		;
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		uint8_t *p = xsk_umem__get_data(s->buf, d->addr);

		if (check) {
			uint32_t m, seq;
			uint8_t ref[2048];

			if (d->len < 22 || p[12] != (ETYPE >> 8) || p[13] != (ETYPE & 0xff)) {
				st->foreign++;
				goto refill;
			}
			memcpy(&m, p + 14, 4);
			memcpy(&seq, p + 18, 4);
			seq = ntohl(seq);
			if (ntohl(m) != MAGIC) {
				st->foreign++;
				goto refill;
			}
			if (seq != st->next)
				st->outoforder++;
			st->next = seq + 1;
			frame_fill(ref, seq, frame_len(seq));
			if (d->len != frame_len(seq) || memcmp(ref, p, d->len)) {
				if (st->bad < 5)
					fprintf(stderr, "MISMATCH seq %u len %u want %u\n", seq, d->len,
						frame_len(seq));
				st->bad++;
			}
		}
		st->got++;
refill:
		*xsk_ring_prod__fill_addr(&s->fq, fidx + i) = xsk_umem__extract_addr(d->addr);
	}
	xsk_ring_prod__submit(&s->fq, n);
	xsk_ring_cons__release(&s->rx, n);
	return n;
}

static int mode_zc(const char *m)
{
	if (!strcmp(m, "zc"))
		return 1;
	if (!strcmp(m, "copy"))
		return 0;
	fprintf(stderr, "mode must be zc or copy\n");
	exit(2);
}

struct bench {
	struct sock *s;
	double secs;
	uint32_t size;
	uint64_t count;
	volatile int *stop;
};

static void *tx_thread(void *arg)
{
	struct bench *b = arg;
	uint32_t seq = 0, i;

	/* pre-fill all TX frames with a valid header once */
	for (i = 0; i < RING; i++)
		frame_fill(xsk_umem__get_data(b->s->buf, (uint64_t)(RING + i) * fsize), 0, b->size);
	while (!*b->stop)
		tx_some(b->s, RING, &seq, b->size);
	b->count = seq;
	return NULL;
}

static void *rx_thread(void *arg)
{
	struct bench *b = arg;
	struct rxstat st = {0};

	while (!*b->stop)
		rx_some(b->s, &st, 0);
	b->count = st.got;
	return NULL;
}

/* the RX socket first: a frame sent before it is bound would be lost */
static int open_pair(struct sock *a, struct sock *b, const char *txdev, const char *rxdev,
		     const char *txmode, const char *rxmode)
{
	int err = sock_open(b, rxdev, mode_zc(rxmode));

	if (err) {
		printf("rx bind %s: %s\n", rxdev, strerror(-err));
		return err;
	}
	err = sock_open(a, txdev, mode_zc(txmode));
	if (err)
		printf("tx bind %s: %s\n", txdev, strerror(-err));
	return err;
}

/* send n frames from a, receive them on b, every byte checked (20 s at most) */
static void exchange(struct sock *a, struct sock *b, uint32_t n, uint32_t *seq,
		     struct rxstat *st)
{
	double deadline = now() + 20;

	while (st->got + st->bad < n && now() < deadline) {
		if (*seq < n)
			tx_some(a, n - *seq, seq, 0);
		else
			kick_tx(a);
		rx_some(b, st, 1);
	}
	reap_cq(a);
}

struct bad_desc {
	const char *what;
	int core;		/* dropped by the core's validation, never completed */
	uint64_t off;		/* into a free TX frame */
	uint32_t len, options;
};

/*
 * Malformed descriptors, then 100 valid frames. Those the core refuses
 * (xskq_cons_is_valid_desc) only raise XDP_STATISTICS.tx_invalid_descs; the
 * others reach the driver and must come back on the completion ring.
 */
static int run_bad(char **argv)
{
	const struct bad_desc bad[] = {
		{ "len 0", 0, 0, 0, 0 },
		{ "len 10 (no Ethernet header)", 0, 0, 10, 0 },
		{ "longer than the MTU", 0, 0, fsize - 48, 0 },
		{ "outside the UMEM", 1, (uint64_t)NFRAMES * fsize, 60, 0 },
		{ "crossing a frame", 1, fsize - 30, 60, 0 },
		{ "options set", 1, 0, 60, 1 },
	};
	const uint32_t nbad = sizeof(bad) / sizeof(bad[0]), nvalid = 100;
	struct xdp_statistics xst = {0};
	socklen_t sl = sizeof(xst);
	uint32_t idx, i, todrv = 0, tocore = 0, seq = 0;
	struct rxstat st = {0};
	struct sock a, b;
	double deadline;
	int ok;

	if (open_pair(&a, &b, argv[2], argv[3], argv[4], argv[5]))
		return 1;
	if (xsk_ring_prod__reserve(&a.tx, nbad, &idx) != nbad) {
		printf("bad: no room in the TX ring\n");
		return 1;
	}
	for (i = 0; i < nbad; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&a.tx, idx + i);
		uint64_t frame = a.freetx[a.nfree - 1];

		if (bad[i].core) {
			/* the frame stays free: it never comes back */
			d->addr = bad[i].off >= (uint64_t)NFRAMES * fsize ? bad[i].off : frame + bad[i].off;
			tocore++;
		} else {
			d->addr = a.freetx[--a.nfree];
			frame_fill(xsk_umem__get_data(a.buf, d->addr), 0xbad, bad[i].len < 22 ? 22 : bad[i].len);
			todrv++;
		}
		d->len = bad[i].len;
		d->options = bad[i].options;
		printf("bad descriptor: %s (addr %llu len %u options %u)\n", bad[i].what,
		       (unsigned long long)d->addr, d->len, d->options);
	}
	xsk_ring_prod__submit(&a.tx, nbad);
	a.outstanding += todrv;
	deadline = now() + 5;
	while (a.outstanding && now() < deadline) {
		kick_tx(&a);
		reap_cq(&a);
		rx_some(&b, &st, 1);
	}
	getsockopt(xsk_socket__fd(a.xsk), SOL_XDP, XDP_STATISTICS, &xst, &sl);
	printf("bad: %u to the driver, completed %u; %u for the core, tx_invalid_descs %llu; received %llu\n",
	       todrv, todrv - (uint32_t)a.outstanding, tocore,
	       (unsigned long long)xst.tx_invalid_descs, (unsigned long long)(st.got + st.foreign));
	ok = !a.outstanding && xst.tx_invalid_descs == tocore && !st.got && !st.foreign;
	exchange(&a, &b, nvalid, &seq, &st);
	printf("bad, then valid: sent %u, received %llu, byte-exact %llu, mismatched %llu, "
	       "out-of-order %llu, foreign %llu, tx outstanding %llu\n", seq,
	       (unsigned long long)st.got, (unsigned long long)(st.got - st.bad),
	       (unsigned long long)st.bad, (unsigned long long)st.outoforder,
	       (unsigned long long)st.foreign, (unsigned long long)a.outstanding);
	ok = ok && st.got == nvalid && !st.bad && !st.outoforder && !a.outstanding;
	sock_close(&a);
	sock_close(&b);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: see the header of xsk_probe.c\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	struct sock a, b;
	int err, c;

	while ((c = getopt(argc, argv, "+q:f:WNP:")) != -1) {
		switch (c) {
		case 'q':
			queue = atoi(optarg);
			break;
		case 'f':
			fsize = atoi(optarg);
			if (fsize != 2048 && fsize != 4096)
				usage();
			break;
		case 'W':
			no_wakeup = 1;
			break;
		case 'N':
			no_prog = 1;
			break;
		case 'P':
			sk_prio = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	argv += optind - 1;
	argc -= optind - 1;
	setrlimit(RLIMIT_MEMLOCK, &r);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	if (argc == 4 && !strcmp(argv[1], "bind")) {
		err = sock_open(&a, argv[2], mode_zc(argv[3]));
		printf("bind %s %s queue %u: %s (%d)\n", argv[2], argv[3], queue,
		       err ? strerror(-err) : "OK", err);
		if (!err) {
			struct xdp_options o = {0};
			socklen_t ol = sizeof(o);

			getsockopt(xsk_socket__fd(a.xsk), SOL_XDP, XDP_OPTIONS, &o, &ol);
			printf("XDP_OPTIONS: zerocopy=%d\n", !!(o.flags & XDP_OPTIONS_ZEROCOPY));
			sock_close(&a);
		}
		return err ? 1 : 0;
	}
	if (argc == 7 && !strcmp(argv[1], "exact")) {
		uint32_t n = atoi(argv[4]), seq = 0;
		struct rxstat st = {0};
		double t0;

		if (open_pair(&a, &b, argv[2], argv[3], argv[5], argv[6]))
			return 1;
		t0 = now();
		exchange(&a, &b, n, &seq, &st);
		printf("exact %s(%s) -> %s(%s) queue %u%s: sent %u, received %llu, byte-exact %llu, "
		       "mismatched %llu, out-of-order %llu, foreign %llu, tx outstanding %llu, %.2fs\n",
		       argv[2], argv[5], argv[3], argv[6], queue, a.wakeup ? "" : " no-wakeup", seq,
		       (unsigned long long)st.got, (unsigned long long)(st.got - st.bad),
		       (unsigned long long)st.bad, (unsigned long long)st.outoforder,
		       (unsigned long long)st.foreign, (unsigned long long)a.outstanding, now() - t0);
		sock_close(&a);
		sock_close(&b);
		return (st.got == n && !st.bad && !st.outoforder) ? 0 : 1;
	}
	if (argc == 6 && !strcmp(argv[1], "bad"))
		return run_bad(argv);
	if (argc == 6 && !strcmp(argv[1], "txonly")) {
		volatile int stop = 0;
		struct bench tb = {.s = &a, .size = atoi(argv[5]), .stop = &stop};
		double secs = atof(argv[3]), t0, t1;
		pthread_t tt;

		err = sock_open(&a, argv[2], mode_zc(argv[4]));
		if (err) {
			printf("tx bind %s: %s\n", argv[2], strerror(-err));
			return 1;
		}
		t0 = now();
		pthread_create(&tt, NULL, tx_thread, &tb);
		run_for(secs);
		stop = 1;
		pthread_join(tt, NULL);
		t1 = now() - t0;
		/* what is still in flight must complete: a stalled TX ring would not */
		for (t0 = now(); a.outstanding && now() < t0 + 2;) {
			kick_tx(&a);
			reap_cq(&a);
		}
		printf("txonly %s(%s) queue %u size %u: %.0f pps (%llu in %.2fs), tx outstanding %llu\n",
		       argv[2], argv[4], queue, tb.size, tb.count / t1, (unsigned long long)tb.count,
		       t1, (unsigned long long)a.outstanding);
		sock_close(&a);
		return 0;
	}
	if (argc == 8 && !strcmp(argv[1], "bench")) {
		volatile int stop = 0;
		struct bench tb = {.s = &a, .size = atoi(argv[7]), .stop = &stop};
		struct bench rb = {.s = &b, .stop = &stop};
		double secs = atof(argv[4]), t0, t1;
		pthread_t tt, rt;

		if (open_pair(&a, &b, argv[2], argv[3], argv[5], argv[6]))
			return 1;
		t0 = now();
		pthread_create(&rt, NULL, rx_thread, &rb);
		pthread_create(&tt, NULL, tx_thread, &tb);
		run_for(secs);
		stop = 1;
		pthread_join(tt, NULL);
		pthread_join(rt, NULL);
		t1 = now() - t0;
		printf("bench %s(%s)->%s(%s) size %u: tx %.0f pps, rx %.0f pps (%llu/%llu in %.2fs)\n",
		       argv[2], argv[5], argv[3], argv[6], tb.size, tb.count / t1, rb.count / t1,
		       (unsigned long long)tb.count, (unsigned long long)rb.count, t1);
		sock_close(&a);
		sock_close(&b);
		return 0;
	}
	usage();
	return 2;
}
