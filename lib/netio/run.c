// SPDX-License-Identifier: GPL-2.0
/*
 * A netio run: check the configuration, make the UMEM(s) and sockets,
 * start one thread per socket (receivers first), let txonly send for the
 * duration, wait for the last frames to land, collect, tear down.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <stdarg.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "engine.h"
#include "frame.h"

static const char *const mode_names[] = {
	[NETIO_MODE_RXDROP] = "rxdrop",
	[NETIO_MODE_TXONLY] = "txonly",
	[NETIO_MODE_L2FWD] = "l2fwd",
};

static const char *const bind_names[] = {
	[NETIO_BIND_AUTO] = "auto",
	[NETIO_BIND_ZC] = "zc",
	[NETIO_BIND_COPY] = "copy",
};

const char *netio_mode_name(enum netio_mode m)
{
	return (unsigned int)m < 3 ? mode_names[m] : "?";
}

int netio_mode_parse(const char *s, enum netio_mode *m)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (!strcmp(s, mode_names[i])) {
			*m = (enum netio_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *netio_bind_name(enum netio_bind b)
{
	return (unsigned int)b < 3 ? bind_names[b] : "?";
}

int netio_bind_parse(const char *s, enum netio_bind *b)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		if (!strcmp(s, bind_names[i])) {
			*b = (enum netio_bind)i;
			return 0;
		}
	}
	return -EINVAL;
}

double netio_pps(const struct netio_result *r, uint64_t pkts)
{
	return r->seconds > 0 ? (double)pkts / r->seconds : 0;
}

static void defaults(struct netio_cfg *c)
{
	if (!c->frames)
		c->frames = NETIO_FRAMES_DEFAULT;
	if (!c->frame_size)
		c->frame_size = 4096;
	if (!c->size)
		c->size = NETIO_SIZE_MIN;
}

/* The device's MTU and RX queue count (0 when the driver does not say). */
static int dev_info(const char *ifname, uint32_t *mtu, uint32_t *queues)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr;
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name) - 1);
	if (ioctl(fd, SIOCGIFMTU, &ifr))
		ret = -errno;
	*mtu = (uint32_t)ifr.ifr_mtu;
	*queues = 0;
	ifr.ifr_data = (void *)&ch;
	if (!ret && !ioctl(fd, SIOCETHTOOL, &ifr))
		*queues = ch.rx_count + ch.combined_count;
	close(fd);
	return ret;
}

static int check_sock(const struct netio_cfg *c, unsigned int i, struct netio_err *err)
{
	const struct netio_sock_cfg *s = &c->sock[i];
	uint32_t mtu = 0, queues = 0;
	unsigned int j;
	int ret;

	if (!s->ifname[0])
		goto noname;
	if (strnlen(s->ifname, IF_NAMESIZE) >= IF_NAMESIZE) {
		netio_err_set(err, -EINVAL, "socket %u: device name longer than %d bytes", i,
			      IF_NAMESIZE - 1);
		return -EINVAL;
	}
	if ((unsigned int)s->mode > NETIO_MODE_L2FWD) {
		netio_err_set(err, -EINVAL, "socket %u: mode %d is not rxdrop, txonly or l2fwd",
			      i, (int)s->mode);
		return -EINVAL;
	}
	for (j = 0; j < i; j++) {
		if (!strcmp(c->sock[j].ifname, s->ifname) && c->sock[j].queue == s->queue) {
			netio_err_set(err, -EINVAL, "two sockets on %s queue %u: one per queue",
				      s->ifname, s->queue);
			return -EINVAL;
		}
	}
	if (!if_nametoindex(s->ifname)) {
		netio_err_set(err, -ENODEV, "no device \"%s\" in this network namespace",
			      s->ifname);
		return -ENODEV;
	}
	ret = dev_info(s->ifname, &mtu, &queues);
	if (ret) {
		netio_err_set(err, ret, "%s: cannot read its MTU: %s", s->ifname, strerror(-ret));
		return ret;
	}
	if (s->queue > NETIO_QUEUE_MAX || (queues && s->queue >= queues)) {
		netio_err_set(err, -EINVAL, "queue %u: %s has %u queue(s) (0..%u)", s->queue,
			      s->ifname, queues ? queues : 1, queues ? queues - 1 : 0);
		return -EINVAL;
	}
	if (c->size > mtu + 14) {
		netio_err_set(err, -EMSGSIZE,
			      "size %u: above %s's MTU %u + 14 bytes of Ethernet header",
			      c->size, s->ifname, mtu);
		return -EMSGSIZE;
	}
	return 0;
noname:
	netio_err_set(err, -EINVAL, "socket %u: no device named", i);
	return -EINVAL;
}

static int check(const struct netio_cfg *c, struct netio_err *err)
{
	bool tx = false;
	unsigned int i;
	int ret;

	memset(err, 0, sizeof(*err));
	if (c->nsocks < 1 || c->nsocks > NETIO_SOCKS_MAX) {
		netio_err_set(err, -EINVAL, "%u sockets: 1 or %d", c->nsocks, NETIO_SOCKS_MAX);
		return -EINVAL;
	}
	if (c->frames < NETIO_FRAMES_MIN || c->frames > NETIO_FRAMES_MAX) {
		netio_err_set(err, -EINVAL, "frames %u: between %u and %u", c->frames,
			      NETIO_FRAMES_MIN, NETIO_FRAMES_MAX);
		return -EINVAL;
	}
	if (c->frame_size != 2048 && c->frame_size != 4096) {
		netio_err_set(err, -EINVAL, "frame size %u: 2048 or 4096", c->frame_size);
		return -EINVAL;
	}
	/* RX data starts after XDP_PACKET_HEADROOM (256) in its frame */
	if (c->size < NETIO_SIZE_MIN || c->size > c->frame_size - 256) {
		netio_err_set(err, -EINVAL, "size %u: between %d and %u (frame size %u less 256 of headroom)",
			      c->size, NETIO_SIZE_MIN, c->frame_size - 256, c->frame_size);
		return -EINVAL;
	}
	if ((unsigned int)c->bind > NETIO_BIND_COPY) {
		netio_err_set(err, -EINVAL, "bind mode %d: zc, copy or auto", (int)c->bind);
		return -EINVAL;
	}
	for (i = 0; i < c->nsocks; i++) {
		ret = check_sock(c, i, err);
		if (ret)
			return ret;
		tx |= c->sock[i].mode == NETIO_MODE_TXONLY;
	}
	if (!c->duration_ms && !(tx && c->count)) {
		netio_err_set(err, -EINVAL, tx ? "txonly needs a duration or a count" :
			      "a run needs a duration");
		return -EINVAL;
	}
	return 0;
}

int netio_cfg_check(const struct netio_cfg *cfg, struct netio_err *err)
{
	struct netio_cfg c = *cfg;

	defaults(&c);
	return check(&c, err);
}

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static int quiet_xdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/*
 * libbpf and libxdp narrate their fallbacks (no dispatcher: one program)
 * on stderr; the errors that matter come back as errno and are said by
 * the caller. NETIO_DEBUG=1 keeps their messages.
 */
static void quiet_libs(void)
{
	if (getenv("NETIO_DEBUG"))
		return;
	libbpf_set_print(quiet_print);
	libxdp_set_print(quiet_xdp_print);
}

static void close_all(struct netio_engine *e)
{
	unsigned int i;

	for (i = 0; i < e->cfg.nsocks; i++) {
		netio_sock_close(&e->sock[i]);
		free(e->sock[i].hist);
	}
	for (i = 0; i < NETIO_SOCKS_MAX; i++)
		netio_umem_delete(e->umem[i]);
	memset(e->sock, 0, sizeof(e->sock));
	memset(e->umem, 0, sizeof(e->umem));
}

static void teardown(struct netio_engine *e)
{
	close_all(e);
	free(e);
}

static int open_all(struct netio_engine *e, struct netio_err *err)
{
	const struct netio_cfg *c = &e->cfg;
	unsigned int i;
	int ret;

	for (i = 0; i < c->nsocks; i++) {
		struct netio_sock *s = &e->sock[i];

		s->e = e;
		s->id = i;
		s->cfg = c->sock[i];
		s->res.mode = s->cfg.mode;
		s->res.queue = s->cfg.queue;
		memcpy(s->res.ifname, s->cfg.ifname, sizeof(s->res.ifname));
		s->hist = malloc(sizeof(*s->hist));
		if (!s->hist) {
			netio_err_set(err, -ENOMEM, "out of memory");
			return -ENOMEM;
		}
		netio_hist_init(s->hist);
		if (c->shared_umem && i > 0) {
			s->u = e->umem[0];
			s->part = i;
		} else {
			ret = netio_umem_create(&e->umem[i], c->frames, c->frame_size,
						c->shared_umem ? c->nsocks : 1, err);
			if (ret)
				return ret;
			s->u = e->umem[i];
		}
		ret = netio_sock_open(s, err);
		if (ret)
			return ret;
	}
	return 0;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static uint64_t rx_total(const struct netio_engine *e)
{
	uint64_t n = 0;
	unsigned int i;

	/* read racily on purpose: only to see whether it still moves */
	for (i = 0; i < e->cfg.nsocks; i++)
		n += __atomic_load_n(&e->sock[i].res.rx_pkts, __ATOMIC_RELAXED);
	return n;
}

static void coordinate(struct netio_engine *e)
{
	uint64_t deadline = e->t0 + (uint64_t)e->cfg.duration_ms * 1000000ull, last, now;
	unsigned int idle = 0, waited = 0;

	/* with senders: until they are done or the time is up; without: the time */
	while (atomic_load(&e->tx_running) > 0 || !e->ntx) {
		now = netio_now_ns();
		if (e->cfg.duration_ms && now >= deadline)
			break;
		sleep_ms(5);
	}
	atomic_store(&e->stop_tx, 1);
	while (atomic_load(&e->tx_running) > 0)
		sleep_ms(5);
	/* the last frames: until nothing arrived for 100 ms (2 s at most) */
	last = rx_total(e);
	while (idle < 10 && waited < 200) {
		sleep_ms(10);
		waited++;
		now = rx_total(e);
		idle = now == last ? idle + 1 : 0;
		last = now;
	}
	atomic_store(&e->stop_rx, 1);
}

int netio_run(const struct netio_cfg *cfg, struct netio_result *res, struct netio_err *err)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	pthread_t th[NETIO_SOCKS_MAX];
	bool running[NETIO_SOCKS_MAX] = { false };
	struct netio_engine *e;
	uint64_t t_stop = 0;
	unsigned int i;
	int ret, pass, tries;

	memset(res, 0, sizeof(*res));
	e = calloc(1, sizeof(*e));
	if (!e) {
		netio_err_set(err, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	e->cfg = *cfg;
	defaults(&e->cfg);
	ret = check(&e->cfg, err);
	if (ret) {
		free(e);
		return ret;
	}
	/* older kernels charge UMEM and maps to RLIMIT_MEMLOCK */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);
	quiet_libs();
	/*
	 * The kernel releases a queue's previous pool from a workqueue after
	 * its socket closed: EBUSY right after another run on the same queue
	 * is that, for a while. Start again from a new UMEM (libxdp's state of
	 * a half-made socket is not reusable).
	 */
	for (tries = 0;; tries++) {
		ret = open_all(e, err);
		if (!ret)
			break;
		close_all(e);
		if (ret != -EBUSY || tries >= 40) {
			free(e);
			return ret;
		}
		sleep_ms(50);
	}
	for (i = 0; i < e->cfg.nsocks; i++)
		if (e->cfg.sock[i].mode == NETIO_MODE_TXONLY)
			e->ntx++;
	atomic_store(&e->tx_running, (int)e->ntx);
	e->t0 = netio_now_ns();
	/* receivers first, so that the first frames find them polling */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < e->cfg.nsocks; i++) {
			if ((e->cfg.sock[i].mode == NETIO_MODE_TXONLY) != (pass == 1))
				continue;
			ret = pthread_create(&th[i], NULL, netio_sock_thread, &e->sock[i]);
			if (ret) {
				netio_err_set(err, -ret, "cannot start a thread: %s", strerror(ret));
				atomic_store(&e->stop_tx, 1);
				atomic_store(&e->stop_rx, 1);
				goto join;
			}
			running[i] = true;
		}
	}
	coordinate(e);
join:
	for (i = 0; i < e->cfg.nsocks; i++)
		if (running[i])
			pthread_join(th[i], NULL);
	res->nsocks = e->cfg.nsocks;
	for (i = 0; i < e->cfg.nsocks; i++) {
		struct netio_sock *s = &e->sock[i];

		netio_sock_read_stats(s);
		netio_hist_summary(s->hist, &s->res.lat);
		res->sock[i] = s->res;
		if (s->t_stop > t_stop)
			t_stop = s->t_stop;
		if (s->error && !ret) {
			ret = s->error;
			netio_err_set(err, ret, "%s queue %u: sendto: %s", s->cfg.ifname,
				      s->cfg.queue, strerror(-ret));
		}
	}
	res->seconds = (double)((t_stop ? t_stop : netio_now_ns()) - e->t0) / 1e9;
	if (!t_stop && e->cfg.duration_ms)
		res->seconds = e->cfg.duration_ms / 1e3;
	teardown(e);
	return ret ? ret : 0;
}
