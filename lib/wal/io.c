// SPDX-License-Identifier: GPL-2.0
/* lib/wal: the disk-changing calls, routed through struct sov_io for fault injection. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "wal.h"

ssize_t sov_io_write(const struct sov_io *io, int fd, const void *buf, size_t len)
{
	ssize_t r;

	if (io && io->write)
		return io->write(io->ctx, fd, buf, len);
	r = write(fd, buf, len);
	return r < 0 ? -errno : r;
}

int sov_io_write_all(const struct sov_io *io, int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t r;

	while (len) {
		r = sov_io_write(io, fd, p, len);
		if (r == -EINTR)
			continue;
		if (r < 0)
			return (int)r;
		/* a write that makes no progress would loop forever */
		if (r == 0)
			return -EIO;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

int sov_io_fsync(const struct sov_io *io, int fd, bool datasync)
{
	int r;

	if (io && io->fsync)
		return io->fsync(io->ctx, fd, datasync);
	r = datasync ? fdatasync(fd) : fsync(fd);
	return r < 0 ? -errno : 0;
}

int sov_io_rename(const struct sov_io *io, int dirfd, const char *from, const char *to)
{
	if (io && io->rename)
		return io->rename(io->ctx, dirfd, from, to);
	return renameat(dirfd, from, dirfd, to) < 0 ? -errno : 0;
}

void sov_io_logf(void (*log)(void *ctx, const char *msg), void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(ctx, msg);
}

void sov_io_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
