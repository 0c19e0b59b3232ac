// SPDX-License-Identifier: GPL-2.0
/*
 * make bench-raft: connections to either system under test, sovereignd's
 * control socket (netlink framing) or etcd's JSON gateway (HTTP/1.1 with
 * keep-alive), and the one write both are timed on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/genetlink.h>

#include "../uapi/linux/sovereign.h"
#include "raft_bench.h"

void set_timeout(int fd, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int send_all(int fd, const void *p, size_t len)
{
	const char *b = p;

	while (len) {
		ssize_t w = send(fd, b, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EPIPE;
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

/* more bytes into c->buf; -EPIPE when the connection is gone or timed out */
static int fill(struct conn *c)
{
	ssize_t r;

	if (c->len >= RXBUF)
		return -EPIPE;
	do
		r = recv(c->fd, c->buf + c->len, RXBUF - c->len, 0);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return -EPIPE;
	c->len += (size_t)r;
	return 0;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}


/* ---- connections -------------------------------------------------------------------- */

int conn_open(struct cluster *c, unsigned int i, struct conn *k, int timeout_ms)
{
	int fd, one = 1;

	if (c->kind == SOVD) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->n[i].sock);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			close(fd);
			return -ECONNREFUSED;
		}
	} else {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(c->n[i].port) };

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			close(fd);
			return -ECONNREFUSED;
		}
	}
	set_timeout(fd, timeout_ms);
	k->fd = fd;
	k->node = i;
	k->len = 0;
	if (!k->buf)
		k->buf = malloc(RXBUF);
	if (!k->buf)
		die("out of memory");
	return 0;
}

void conn_close(struct conn *k)
{
	if (k->fd > 0)
		close(k->fd);
	k->fd = -1;
	k->len = 0;
}

/* sovd: one request, its answer: the reply (copied to @out) and/or the error */
int sovd_transact(struct conn *k, struct nlmsghdr *req, char *out, size_t outlen)
{
	req->nlmsg_seq = ++k->seq;
	if (send_all(k->fd, req, req->nlmsg_len))
		return -EPIPE;
	for (;;) {
		while (k->len >= sizeof(struct nlmsghdr)) {
			struct nlmsghdr *nlh = (struct nlmsghdr *)k->buf;
			uint32_t len = nlh->nlmsg_len;
			int err = 0;
			bool done = false;

			if (len < sizeof(*nlh) || len > RXBUF)
				return -EPROTO;
			if (k->len < len)
				break;
			if (nlh->nlmsg_seq == k->seq) {
				if (nlh->nlmsg_type == NLMSG_ERROR) {
					err = ((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error;
					done = true;
				} else if (out) {
					memcpy(out, nlh, len < outlen ? len : outlen);
					done = !(req->nlmsg_flags & NLM_F_ACK);
				}
			}
			consume(k, len);
			if (done)
				return err;
		}
		if (fill(k))
			return -EPIPE;
	}
}

struct nlmsghdr *sovd_hdr(void *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *gh;

	nlh->nlmsg_type = SOV_CTL_FAMILY_ID;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	gh = mnl_nlmsg_put_extra_header(nlh, sizeof(*gh));
	gh->cmd = cmd;
	gh->version = SOV_GENL_VERSION;
	return nlh;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t base64(const char *in, size_t n, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)(uint8_t)in[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)(uint8_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (uint8_t)in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

/* etcd: POST @path with @body; 0 and the body in @out (NUL-terminated) if HTTP 200 */
int http_post(struct conn *k, uint16_t port, const char *path, const char *body,
		     char *out, size_t outlen)
{
	char req[1024], *eoh, *p;
	size_t hlen, blen = 0, bl = strlen(body);
	int n, status;
	bool chunked;

	n = snprintf(req, sizeof(req),
		     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nContent-Type: application/json\r\n"
		     "Content-Length: %zu\r\n\r\n%s", path, port, bl, body);
	if (n < 0 || (size_t)n >= sizeof(req) || send_all(k->fd, req, (size_t)n))
		return -EPIPE;
	for (;;) {
		if (k->len) {
			k->buf[k->len < RXBUF ? k->len : RXBUF - 1] = '\0';
			eoh = strstr(k->buf, "\r\n\r\n");
			if (eoh)
				break;
		}
		if (fill(k))
			return -EPIPE;
	}
	hlen = (size_t)(eoh - k->buf) + 4;
	if (sscanf(k->buf, "HTTP/1.%*d %d", &status) != 1)
		return -EPROTO;
	*eoh = '\0';
	chunked = strcasestr(k->buf, "transfer-encoding: chunked") != NULL;
	p = strcasestr(k->buf, "content-length:");
	if (!chunked && !p)
		return -EPROTO;
	if (!chunked) {
		size_t cl = strtoul(p + 15, NULL, 10);

		while (k->len < hlen + cl)
			if (fill(k))
				return -EPIPE;
		blen = cl < outlen - 1 ? cl : outlen - 1;
		memcpy(out, k->buf + hlen, blen);
		consume(k, hlen + cl);
	} else {
		size_t pos = hlen;

		for (;;) {	/* size CRLF data CRLF ... 0 CRLF CRLF */
			char *crlf;
			size_t sz;

			for (;;) {
				k->buf[k->len < RXBUF ? k->len : RXBUF - 1] = '\0';
				crlf = strstr(k->buf + pos, "\r\n");
				if (crlf)
					break;
				if (fill(k))
					return -EPIPE;
			}
			sz = strtoul(k->buf + pos, NULL, 16);
			pos = (size_t)(crlf - k->buf) + 2;
			while (k->len < pos + sz + 2)
				if (fill(k))
					return -EPIPE;
			if (blen + sz < outlen) {
				memcpy(out + blen, k->buf + pos, sz);
				blen += sz;
			}
			pos += sz + 2;
			if (!sz)
				break;
		}
		consume(k, pos);
	}
	out[blen] = '\0';
	return status == 200 ? 0 : -EIO;
}

/* One write; 0 once acknowledged (committed), <0 otherwise (-EPIPE: reconnect). */
int put(struct cluster *c, struct conn *k, const char *key)
{
	if (c->kind == SOVD) {
		char buf[512];
		struct nlmsghdr *nlh = sovd_hdr(buf, SOV_CMD_KV_PUT, NLM_F_ACK);

		mnl_attr_put_strz(nlh, SOV_A_CLUSTER_KV_KEY, key);
		mnl_attr_put(nlh, SOV_A_CLUSTER_KV_VALUE, VALUE_LEN, value);
		return sovd_transact(k, nlh, NULL, 0);
	} else {
		char body[400], kb[100], vb[100], out[2048];
		int ret;

		base64(key, strlen(key), kb);
		base64(value, VALUE_LEN, vb);
		snprintf(body, sizeof(body), "{\"key\":\"%s\",\"value\":\"%s\"}", kb, vb);
		ret = http_post(k, c->n[k->node].port, "/v3/kv/put", body, out, sizeof(out));
		if (!ret && (!strstr(out, "\"header\"") || strstr(out, "\"error\"")))
			ret = -EIO;
		return ret;
	}
}
