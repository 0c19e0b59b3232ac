// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure for memcompress's demand policy. A PSI trigger on
 * /proc/pressure/memory ("some 150 ms of stall in any 1 s window") wakes
 * us with POLLPRI; each time we send SOV_CMD_MC_PRESSURE to the module,
 * whose devices with a demand policy act at their next decision. The
 * daemon does it because PSI triggers are a userspace interface only:
 * psi_trigger_create() and friends are not exported to modules.
 * Without PSI (CONFIG_PSI off, psi=0) or without the module, we say so
 * once and carry on.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sovereignd.h"

#define PSI_PATH	"/proc/pressure/memory"
/* 150 ms of "some" stall in a 1 s window: the kernel's own example */
#define PSI_TRIGGER	"some 150000 1000000"
/*
 * Since 6.5 a process without CAP_SYS_RESOURCE may only use windows that
 * are multiples of 2 s (EINVAL otherwise): the same share over 2 s.
 */
#define PSI_TRIGGER_UNPRIV	"some 300000 2000000"

static void send_pressure(struct sovd *d)
{
	unsigned char buf[64];
	struct nlmsghdr *nlh;
	struct sov_nl_err err;

	if (d->module_state != SOV_MODULE_LOADED) {
		if (!d->psi_unsent_logged)
			log_info("psi: memory pressure, but the module is not loaded: not reported");
		d->psi_unsent_logged = true;
		return;
	}
	d->psi_unsent_logged = false;
	nlh = sov_nl_put_hdr(buf, d->req.family, SOV_CMD_MC_PRESSURE, SOV_GENL_VERSION, 0, 0);
	if (sov_genl_transact(&d->req, nlh, NULL, NULL, &err)) {
		if (!d->psi_unsent_logged)
			log_info("psi: reporting memory pressure failed: %s",
				 err.msg[0] ? err.msg : strerror(-err.error));
		d->psi_unsent_logged = true;
		return;
	}
	d->psi_reported++;
}

static void on_psi(uv_poll_t *h, int status, int events)
{
	struct sovd *d = h->data;

	if (status < 0) {
		log_warn("psi: poll failed: %s; no longer watching memory pressure",
			 uv_strerror(status));
		uv_poll_stop(h);
		return;
	}
	if (!(events & UV_PRIORITIZED))
		return;
	d->psi_events++;
	log_debug("psi: memory pressure event %llu", (unsigned long long)d->psi_events);
	send_pressure(d);
}

void sovd_psi_start(struct sovd *d)
{
	const char *trig = PSI_TRIGGER;
	int fd, ret;

	d->psi_fd = -1;
	fd = open(PSI_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		log_info("psi: %s: %s; memcompress demand policies get no pressure reports",
			 PSI_PATH, strerror(errno));
		return;
	}
	/* the trailing NUL is part of the write, as in the kernel's example */
	ret = write(fd, trig, strlen(trig) + 1) < 0 ? -errno : 0;
	if (ret == -EINVAL) {
		trig = PSI_TRIGGER_UNPRIV;
		ret = write(fd, trig, strlen(trig) + 1) < 0 ? -errno : 0;
	}
	if (ret) {
		log_info("psi: cannot set a trigger on %s: %s; memcompress demand policies get no pressure reports",
			 PSI_PATH, strerror(-ret));
		close(fd);
		return;
	}
	ret = uv_poll_init(d->loop, &d->psi_poll, fd);
	if (!ret) {
		d->psi_poll.data = d;
		ret = uv_poll_start(&d->psi_poll, UV_PRIORITIZED, on_psi);
		if (ret)
			uv_close((uv_handle_t *)&d->psi_poll, NULL);
	}
	if (ret) {
		log_info("psi: cannot poll %s: %s", PSI_PATH, uv_strerror(ret));
		close(fd);
		return;
	}
	d->psi_fd = fd;
	log_info("psi: watching memory pressure (%s: %s)", PSI_PATH, trig);
}

void sovd_psi_stop(struct sovd *d)
{
	if (d->psi_fd < 0)
		return;
	uv_poll_stop(&d->psi_poll);
	uv_close((uv_handle_t *)&d->psi_poll, NULL);
	/* the handle is closed on the next loop turn; the fd after it is gone */
	close(d->psi_fd);
	d->psi_fd = -1;
}
