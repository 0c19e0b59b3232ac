// SPDX-License-Identifier: GPL-2.0
/*
 * The UMEM: one anonymous mapping of @frames frames, registered once.
 * Shared by @parts sockets, it is cut in @parts equal shares; each share's
 * first half feeds its socket's fill ring and its second half is its TX
 * pool, so sockets never hand each other frames and need no lock.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine.h"

void netio_err_set(struct netio_err *err, int error, const char *fmt, ...)
{
	va_list ap;

	err->error = error;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static uint32_t pow2_floor(uint32_t v)
{
	return v ? 1u << (31 - __builtin_clz(v)) : 0;
}

int netio_umem_create(struct netio_umem **out, uint32_t frames, uint32_t frame_size,
		      unsigned int parts, struct netio_err *err)
{
	struct xsk_umem_config ucfg = { 0 };
	struct netio_umem *u;
	int ret;

	u = calloc(1, sizeof(*u));
	if (!u) {
		netio_err_set(err, -ENOMEM, "out of memory");
		return -ENOMEM;
	}
	u->frames = frames;
	u->frame_size = frame_size;
	u->parts = parts;
	/* a ring holds at most one half share */
	u->ring = pow2_floor(frames / parts / 2);
	u->len = (size_t)frames * frame_size;
	u->buf = mmap(NULL, u->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u->buf == MAP_FAILED) {
		ret = -errno;
		free(u);
		netio_err_set(err, ret, "cannot map a UMEM of %u frames of %u bytes: %s", frames,
			      frame_size, strerror(-ret));
		return ret;
	}
	ucfg.fill_size = u->ring;
	ucfg.comp_size = u->ring;
	ucfg.frame_size = frame_size;
	ucfg.frame_headroom = 0;
	ret = xsk_umem__create(&u->umem, u->buf, u->len, &u->fq, &u->cq, &ucfg);
	if (ret) {
		munmap(u->buf, u->len);
		free(u);
		netio_err_set(err, ret, "cannot register the UMEM (%u frames of %u bytes): %s",
			      frames, frame_size, strerror(-ret));
		return ret;
	}
	*out = u;
	return 0;
}

void netio_umem_delete(struct netio_umem *u)
{
	if (!u)
		return;
	if (u->umem)
		xsk_umem__delete(u->umem);
	munmap(u->buf, u->len);
	free(u);
}

void netio_umem_part(const struct netio_umem *u, unsigned int part, uint64_t *first,
		     uint32_t *n)
{
	uint32_t share = u->frames / u->parts;

	*first = (uint64_t)part * share * u->frame_size;
	*n = share;
}
