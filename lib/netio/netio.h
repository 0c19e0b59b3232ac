/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/netio: an AF_XDP engine on libxdp's xsk API. One UMEM (optionally
 * shared by every socket, XDP_SHARED_UMEM), one or two sockets on
 * (ifname, queue), each running one mode for a duration:
 *   rxdrop  count what arrives, give the frame back to the fill ring
 *   txonly  send UDP/IPv4 frames of a fixed size carrying a sequence number
 *           and their CLOCK_MONOTONIC TX time; also count what comes back
 *   l2fwd   swap the MACs of what arrives and send it back
 * A socket that receives txonly frames measures their latency (TX time to
 * RX time; same host, same clock). Results come back in a struct; nothing
 * here prints. Errors: a negative errno and a sentence in struct netio_err.
 */
#ifndef SOV_NETIO_H
#define SOV_NETIO_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#define NETIO_FRAMES_DEFAULT	4096
#define NETIO_FRAMES_MIN	512
#define NETIO_FRAMES_MAX	(1u << 20)
#define NETIO_SOCKS_MAX		2
#define NETIO_SIZE_MIN		64	/* Ethernet + IPv4 + UDP + the stamp, padded */
#define NETIO_QUEUE_MAX		63

enum netio_mode {
	NETIO_MODE_RXDROP,
	NETIO_MODE_TXONLY,
	NETIO_MODE_L2FWD,
};

enum netio_bind {
	NETIO_BIND_AUTO,	/* the kernel picks: zero-copy if it can */
	NETIO_BIND_ZC,		/* XDP_ZEROCOPY, fail if refused */
	NETIO_BIND_COPY,	/* XDP_COPY */
};

struct netio_err {
	int error;		/* 0 or a negative errno */
	char msg[256];
};

struct netio_sock_cfg {
	char ifname[IF_NAMESIZE];
	uint32_t queue;
	enum netio_mode mode;
};

struct netio_cfg {
	uint32_t frames;	/* UMEM frames, >= NETIO_FRAMES_MIN; 0: default */
	uint32_t frame_size;	/* 2048 or 4096; 0: 4096 */
	uint32_t size;		/* txonly frame length (no FCS); 0: 64 */
	enum netio_bind bind;	/* of the first socket (a shared UMEM's others inherit it) */
	bool need_wakeup;
	bool shared_umem;	/* every socket on one UMEM (XDP_SHARED_UMEM) */
	uint32_t duration_ms;	/* how long txonly sends; 0: until @count */
	uint64_t count;		/* txonly: stop after this many frames (0: no limit) */
	unsigned int nsocks;	/* 1..NETIO_SOCKS_MAX */
	struct netio_sock_cfg sock[NETIO_SOCKS_MAX];
};

/* Latency summary in ns; percentiles from a log-linear histogram (< 1/32 error). */
struct netio_latency {
	uint64_t count;
	uint64_t min, p50, p99, max;
};

struct netio_sock_result {
	char ifname[IF_NAMESIZE];
	uint32_t queue;
	enum netio_mode mode;
	bool zerocopy;		/* what XDP_OPTIONS says was obtained */
	bool need_wakeup;
	uint64_t tx_pkts, tx_bytes;	/* completed by the kernel */
	uint64_t rx_pkts, rx_bytes;
	uint64_t rx_foreign;		/* received frames that were not txonly frames */
	uint64_t rx_seq_gaps;		/* txonly frames missing or out of order */
	uint64_t fwd_pkts;		/* l2fwd: frames sent back */
	uint64_t tx_invalid, rx_dropped, rx_fill_empty;	/* XDP_STATISTICS */
	struct netio_latency lat;
};

struct netio_result {
	double seconds;		/* the measured interval: txonly's sending time */
	unsigned int nsocks;
	struct netio_sock_result sock[NETIO_SOCKS_MAX];
};

const char *netio_mode_name(enum netio_mode m);
int netio_mode_parse(const char *s, enum netio_mode *m);
const char *netio_bind_name(enum netio_bind b);
int netio_bind_parse(const char *s, enum netio_bind *b);

/* Check @cfg (devices must exist; sizes against their MTU); 0 or -errno + @err. */
int netio_cfg_check(const struct netio_cfg *cfg, struct netio_err *err);

/* Run: open, run every socket in its own thread, drain, close. */
int netio_run(const struct netio_cfg *cfg, struct netio_result *res, struct netio_err *err);

/* Per-second rates of a result. */
double netio_pps(const struct netio_result *r, uint64_t pkts);

#endif /* SOV_NETIO_H */
