// SPDX-License-Identifier: GPL-2.0
/*
 * xsk_faults: the netio_xsk_faults selftest's AF_XDP side (libxdp's xsk API).
 *
 *   bad-desc TX RX N    zero-copy sockets on TX and RX (queue 0); N valid
 *                       frames from TX, each followed by malformed TX
 *                       descriptors: past the UMEM, across a chunk, non-zero
 *                       options (6.1's xp_aligned_validate_desc() refuses all
 *                       three), and runts of 0 and 10 bytes (valid to the
 *                       core). Checks: every valid frame arrives byte-exact
 *                       and in order, the valid descriptors and the runts
 *                       complete, the TX socket's XDP_STATISTICS
 *                       tx_invalid_descs equals the refused ones, and no runt
 *                       (shorter than an Ethernet header) reaches the peer.
 *   churn TX RX SECS K  TX sends zero-copy without a pause for SECS seconds
 *                       while a zero-copy socket on RX is bound, receives,
 *                       and is closed K times (a new UMEM each time). Checks:
 *                       each binding receives frames, every frame sent is
 *                       completed in the end.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
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

#define NFRAMES		4096
#define FSIZE		XSK_UMEM__DEFAULT_FRAME_SIZE
#define RING		2048
#define ETYPE		0x88b5
#define MAGIC		0x5eedfa17u
#define NBAD		3	/* refused by the core per valid frame */
#define NRUNT		2	/* 0 and 10 bytes: valid to the core */

struct sock {
	void *buf;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fq, tx;
	struct xsk_ring_cons cq, rx;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "xsk_faults: %s: %s\n", what, strerror(err));
	exit(1);
}

/* zero-copy, need_wakeup, libxdp's program; frames [0, RING / 2) on the fill ring */
static int sock_open(struct sock *s, const char *ifname)
{
	struct xsk_umem_config ucfg = {
		.fill_size = RING, .comp_size = RING, .frame_size = FSIZE,
	};
	struct xsk_socket_config cfg = {
		.rx_size = RING, .tx_size = RING, .xdp_flags = XDP_FLAGS_DRV_MODE,
		.bind_flags = XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP,
	};
	__u32 idx, i;
	int err;

	memset(s, 0, sizeof(*s));
	s->buf = mmap(NULL, (size_t)NFRAMES * FSIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (s->buf == MAP_FAILED)
		return -errno;
	err = xsk_umem__create(&s->umem, s->buf, (__u64)NFRAMES * FSIZE, &s->fq, &s->cq, &ucfg);
	if (err)
		return err;
	err = xsk_socket__create(&s->xsk, ifname, 0, s->umem, &s->rx, &s->tx, &cfg);
	if (err) {
		xsk_umem__delete(s->umem);
		munmap(s->buf, (size_t)NFRAMES * FSIZE);
		return err;
	}
	/* half the ring: a refill always finds room, however late the kernel
	 * publishes what it consumed
	 */
	if (xsk_ring_prod__reserve(&s->fq, RING / 2, &idx) != RING / 2)
		return -ENOSPC;
	for (i = 0; i < RING / 2; i++)
		*xsk_ring_prod__fill_addr(&s->fq, idx + i) = (__u64)i * FSIZE;
	xsk_ring_prod__submit(&s->fq, RING / 2);
	return 0;
}

static void sock_close(struct sock *s)
{
	xsk_socket__delete(s->xsk);
	xsk_umem__delete(s->umem);
	munmap(s->buf, (size_t)NFRAMES * FSIZE);
}

static void kick(struct sock *s)
{
	if (xsk_ring_prod__needs_wakeup(&s->tx))
		sendto(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
}

static __u32 frame_len(__u32 seq)
{
	return 60 + (seq * 53u) % 1400u;
}

static void frame_fill(unsigned char *p, __u32 seq)
{
	__u32 v, i, len = frame_len(seq);

	memset(p, 0xff, 6);
	memcpy(p + 6, "\x02\x00\x5e\x00\x00\x07", 6);
	p[12] = ETYPE >> 8;
	p[13] = ETYPE & 0xff;
	v = htonl(MAGIC);
	memcpy(p + 14, &v, 4);
	v = htonl(seq);
	memcpy(p + 18, &v, 4);
	for (i = 22; i < len; i++)
		p[i] = (unsigned char)(seq * 11 + i);
}

/* the sequence number of one of our frames, or -1 */
static long frame_check(const unsigned char *p, __u32 len, int *exact)
{
	unsigned char ref[FSIZE];
	__u32 m, seq;

	if (len < 22 || p[12] != (ETYPE >> 8) || p[13] != (ETYPE & 0xff))
		return -1;
	memcpy(&m, p + 14, 4);
	memcpy(&seq, p + 18, 4);
	if (ntohl(m) != MAGIC)
		return -1;
	seq = ntohl(seq);
	frame_fill(ref, seq);
	*exact = len == frame_len(seq) && !memcmp(ref, p, len);
	return seq;
}

struct rxstat {
	__u64 got, exact, disorder, runts, foreign;
	long next;
};

/* take what RX has, give the buffers back */
static __u32 rx_drain(struct sock *s, struct rxstat *st)
{
	__u32 idx, fidx, n, i;

	n = xsk_ring_cons__peek(&s->rx, 64, &idx);
	if (!n) {
		if (xsk_ring_prod__needs_wakeup(&s->fq))
			recvfrom(xsk_socket__fd(s->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
		return 0;
	}
	if (xsk_ring_prod__reserve(&s->fq, n, &fidx) != n)
		die("fill ring", ENOSPC);
	for (i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&s->rx, idx + i);
		int exact = 0;
		long seq = frame_check(xsk_umem__get_data(s->buf, d->addr), d->len, &exact);

		if (d->len < 14)
			st->runts++;
		else if (seq < 0)
			st->foreign++;
		if (seq >= 0) {
			st->got++;
			st->exact += exact;
			if (seq != st->next)
				st->disorder++;
			st->next = seq + 1;
		}
		*xsk_ring_prod__fill_addr(&s->fq, fidx + i) = xsk_umem__extract_addr(d->addr);
	}
	xsk_ring_prod__submit(&s->fq, n);
	xsk_ring_cons__release(&s->rx, n);
	return n;
}

static __u64 tx_invalid(struct sock *s)
{
	struct xdp_statistics st = {0};
	socklen_t len = sizeof(st);

	if (getsockopt(xsk_socket__fd(s->xsk), SOL_XDP, XDP_STATISTICS, &st, &len))
		die("getsockopt(XDP_STATISTICS)", errno);
	return st.tx_invalid_descs;
}

static int cmd_bad_desc(const char *txif, const char *rxif, __u32 n)
{
	const __u64 tx0 = (__u64)RING * FSIZE, umem_end = (__u64)NFRAMES * FSIZE;
	__u32 seq = 0, completed = 0, valid = 0, idx, k;
	struct sock a, b;
	struct rxstat st = {0};
	__u64 invalid;
	double deadline;
	int err;

	err = sock_open(&b, rxif);
	if (err)
		die("zero-copy bind of RX", -err);
	err = sock_open(&a, txif);
	if (err)
		die("zero-copy bind of TX", -err);
	deadline = now() + 20;
	/* per round: one valid frame, the three refused, the two runts */
	while ((seq < n || completed < valid || st.got < n) && now() < deadline) {
		k = xsk_ring_cons__peek(&a.cq, RING, &idx);
		completed += k;
		if (k)
			xsk_ring_cons__release(&a.cq, k);
		if (seq < n && valid - completed < 256 &&
		    xsk_ring_prod__reserve(&a.tx, 1 + NBAD + NRUNT, &idx) == 1 + NBAD + NRUNT) {
			struct xdp_desc *d = xsk_ring_prod__tx_desc(&a.tx, idx);
			/* TX frames live in [RING, NFRAMES); 1024 in flight at most */
			__u64 addr = tx0 + (__u64)((seq * 3) % 1024) * FSIZE;

			frame_fill(xsk_umem__get_data(a.buf, addr), seq);
			d->addr = addr;
			d->len = frame_len(seq);
			d->options = 0;
			d = xsk_ring_prod__tx_desc(&a.tx, idx + 1);
			d->addr = umem_end + FSIZE;	/* past the UMEM */
			d->len = 64;
			d->options = 0;
			d = xsk_ring_prod__tx_desc(&a.tx, idx + 2);
			d->addr = addr + FSIZE - 32;	/* runs into the next chunk */
			d->len = 64;
			d->options = 0;
			d = xsk_ring_prod__tx_desc(&a.tx, idx + 3);
			d->addr = addr;			/* options must be zero */
			d->len = 64;
			d->options = 1;
			d = xsk_ring_prod__tx_desc(&a.tx, idx + 4);
			d->addr = addr + 1024;		/* a runt of 0 bytes */
			d->len = 0;
			d->options = 0;
			d = xsk_ring_prod__tx_desc(&a.tx, idx + 5);
			d->addr = addr + 2048;		/* a runt of 10 bytes */
			d->len = 10;
			d->options = 0;
			xsk_ring_prod__submit(&a.tx, 1 + NBAD + NRUNT);
			seq++;
			valid += 1 + NRUNT;
		}
		kick(&a);
		rx_drain(&b, &st);
	}
	invalid = tx_invalid(&a);
	printf("bad-desc %s -> %s: sent %u valid frames and %u refusable descriptors, %u runts; "
	       "completed %u of %u; tx_invalid_descs %llu\n", txif, rxif, seq, seq * NBAD,
	       seq * NRUNT, completed, valid, (unsigned long long)invalid);
	printf("bad-desc: received %llu of %u, byte-exact %llu, out-of-order %llu; runts delivered "
	       "to the peer's socket %llu, foreign %llu\n", (unsigned long long)st.got, n,
	       (unsigned long long)st.exact, (unsigned long long)st.disorder,
	       (unsigned long long)st.runts, (unsigned long long)st.foreign);
	sock_close(&a);
	sock_close(&b);
	return st.got == n && st.exact == n && !st.disorder && completed == valid &&
	       invalid == (__u64)seq * NBAD && seq == n && !st.runts ? 0 : 1;
}

struct churn {
	struct sock *s;
	volatile int stop;
	__u64 sent, completed;
};

static void *churn_tx(void *arg)
{
	struct churn *c = arg;
	__u32 idx, k, i, slot = 0;

	while (!c->stop || c->completed < c->sent) {
		k = xsk_ring_cons__peek(&c->s->cq, RING, &idx);
		if (k)
			xsk_ring_cons__release(&c->s->cq, k);
		c->completed += k;
		if (!c->stop && c->sent - c->completed < 1024 &&
		    xsk_ring_prod__reserve(&c->s->tx, 32, &idx) == 32) {
			for (i = 0; i < 32; i++) {
				struct xdp_desc *d = xsk_ring_prod__tx_desc(&c->s->tx, idx + i);

				d->addr = (__u64)(RING + slot++ % 2048) * FSIZE;
				frame_fill(xsk_umem__get_data(c->s->buf, d->addr), c->sent + i);
				d->len = frame_len(c->sent + i);
			}
			xsk_ring_prod__submit(&c->s->tx, 32);
			c->sent += 32;
		}
		/* a sender that only waits for completions must still be woken */
		sendto(xsk_socket__fd(c->s->xsk), NULL, 0, MSG_DONTWAIT, NULL, 0);
	}
	return NULL;
}

static int cmd_churn(const char *txif, const char *rxif, double secs, int cycles)
{
	struct churn c = {0};
	struct sock a, b;
	double t0, deadline;
	int i, err, retries, bad = 0;
	pthread_t t;

	err = sock_open(&a, txif);
	if (err)
		die("zero-copy bind of TX", -err);
	c.s = &a;
	pthread_create(&t, NULL, churn_tx, &c);
	for (i = 0; i < cycles; i++) {
		struct rxstat st = {0};

		st.next = -1;
		/* the core releases a closed socket's pool from a work item:
		 * until then the queue is busy
		 */
		for (retries = 0; (err = sock_open(&b, rxif)) == -EBUSY && retries < 300; retries++)
			usleep(10000);
		if (retries)
			printf("churn: binding %d on %s: EBUSY %d times first\n", i + 1, rxif,
			       retries);
		if (err) {
			printf("churn: binding %d on %s: %s\n", i + 1, rxif, strerror(-err));
			bad = 1;
			break;
		}
		t0 = now();
		while (now() - t0 < secs / cycles)
			rx_drain(&b, &st);
		sock_close(&b);
		printf("churn: binding %d on %s received %llu frames (%llu byte-exact)\n", i + 1,
		       rxif, (unsigned long long)st.got, (unsigned long long)st.exact);
		if (!st.got || st.exact != st.got)
			bad = 1;
	}
	c.stop = 1;
	deadline = now() + 10;
	while (c.completed < c.sent && now() < deadline)
		usleep(10000);
	printf("churn: %s sent %llu, completed %llu\n", txif, (unsigned long long)c.sent,
	       (unsigned long long)c.completed);
	if (c.completed < c.sent) {
		printf("churn: TX completions stalled\n");
		return 1;	/* the thread still waits: leave without joining */
	}
	pthread_join(t, NULL);
	sock_close(&a);
	return bad;
}

int main(int argc, char **argv)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};

	setrlimit(RLIMIT_MEMLOCK, &r);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 5 && !strcmp(argv[1], "bad-desc") && atoi(argv[4]) > 0)
		return cmd_bad_desc(argv[2], argv[3], atoi(argv[4]));
	if (argc == 6 && !strcmp(argv[1], "churn") && atof(argv[4]) > 0 && atoi(argv[5]) > 0)
		return cmd_churn(argv[2], argv[3], atof(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: xsk_faults bad-desc TX RX N | churn TX RX SECS K\n");
	return 2;
}
