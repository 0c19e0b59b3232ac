// SPDX-License-Identifier: GPL-2.0
/* Client of sovereignd's control socket: the genl codec over a unix stream. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nl.h"

int sov_ctl_connect(struct sov_ctl *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	c->fd = -1;
	c->seq = 0;
	c->rxlen = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(c->fd);
		c->fd = -1;
		return err;
	}
	return 0;
}

void sov_ctl_close(struct sov_ctl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sov_ctl_transact(struct sov_ctl *c, struct nlmsghdr *req, sov_nl_cb cb,
		     void *data, struct sov_nl_err *err)
{
	int ret;

	sov_nl_err_clear(err);
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++c->seq;
	ret = write_all(c->fd, req, req->nlmsg_len);
	if (ret) {
		sov_nl_err_set(err, ret, "cannot send to sovereignd");
		return ret;
	}
	for (;;) {
		ssize_t flen = sov_frame_len(c->rx, c->rxlen);

		if (flen < 0) {
			sov_nl_err_set(err, -EBADMSG, "malformed frame from sovereignd");
			return err->error;
		}
		if (flen == 0) {
			ssize_t n;

			if (c->rxlen == sizeof(c->rx)) {
				sov_nl_err_set(err, -EMSGSIZE,
					       "reply from sovereignd too large");
				return err->error;
			}
			n = recv(c->fd, c->rx + c->rxlen, sizeof(c->rx) - c->rxlen, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				sov_nl_err_set(err, n ? -errno : -ECONNRESET,
					       "sovereignd closed the connection");
				return err->error;
			}
			c->rxlen += (size_t)n;
			continue;
		}
		ret = sov_nl_process(c->rx, (size_t)flen, req->nlmsg_seq, req,
				     cb, data, err);
		memmove(c->rx, c->rx + flen, c->rxlen - (size_t)flen);
		c->rxlen -= (size_t)flen;
		if (ret <= 0)
			return ret;
	}
}
