// SPDX-License-Identifier: GPL-2.0
/*
 * Load Sovereign's BPF objects (libbpf skeletons) and pin them under
 * /sys/fs/bpf/sovereign so bpftool and "sovctl status" see them, with or
 * without the daemon. Pins outlive the daemon on purpose: the data plane
 * keeps its state across daemon restarts; maps found pinned are reused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "floor.skel.h"
#include "log.h"
#include "sovereignd.h"

struct sovd_bpf {
	struct floor *floor;
};

/* libbpf's messages, one log line per text line (verifier logs are long). */
static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int prio = level == LIBBPF_WARN ? LOG_WARNING : LOG_DEBUG;
	char text[4096], *line, *save = NULL;

	if (prio > sovd_log_level)
		return 0;
	vsnprintf(text, sizeof(text), fmt, ap);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "libbpf: ", 8))
			line += 8;
		sovd_log(prio, "libbpf: %s", line);
	}
	return 0;
}

/* bpffs is not mounted at boot on every host: mount it where expected. */
static int ensure_bpffs(const char *dir)
{
	struct statfs st;
	char parent[256], *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	if (statfs(parent, &st))
		return -errno;
	if ((unsigned long)st.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
			log_err("bpf: %s is not bpffs and mounting it failed: %s",
				parent, strerror(errno));
			return -errno;
		}
		log_info("bpf: mounted bpffs on %s", parent);
	}
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int pin_progs(struct sovd *d, struct bpf_object *obj)
{
	struct bpf_program *prog;
	char path[512];
	int err;

	bpf_object__for_each_program(prog, obj) {
		snprintf(path, sizeof(path), "%s/%s", d->bpf_pin_path,
			 bpf_program__name(prog));
		unlink(path);	/* replace the previous daemon's program */
		err = bpf_program__pin(prog, path);
		if (err) {
			log_err("bpf: pinning %s failed: %s", path, strerror(-err));
			return err;
		}
		d->bpf_progs++;
	}
	return 0;
}

int sovd_bpf_start(struct sovd *d)
{
	struct bpf_map *map;
	char path[512];
	int err;

	libbpf_set_print(libbpf_log);
	err = ensure_bpffs(d->bpf_pin_path);
	if (err) {
		log_err("bpf: cannot use %s: %s", d->bpf_pin_path, strerror(-err));
		return err;
	}
	d->bpf = calloc(1, sizeof(*d->bpf));
	if (!d->bpf)
		return -ENOMEM;
	d->bpf->floor = floor__open();
	if (!d->bpf->floor) {
		err = -errno;
		goto err_free;
	}
	bpf_object__for_each_map(map, d->bpf->floor->obj) {
		snprintf(path, sizeof(path), "%s/%s", d->bpf_pin_path,
			 bpf_map__name(map));
		bpf_map__set_pin_path(map, path);	/* reuse if already pinned */
	}
	err = floor__load(d->bpf->floor);
	if (err)
		goto err_destroy;
	err = pin_progs(d, d->bpf->floor->obj);
	if (err)
		goto err_destroy;
	log_info("bpf: %u programs and their maps pinned in %s", d->bpf_progs,
		 d->bpf_pin_path);
	return 0;

err_destroy:
	floor__destroy(d->bpf->floor);
err_free:
	free(d->bpf);
	d->bpf = NULL;
	d->bpf_progs = 0;
	log_err("bpf: loading the floor program failed: %s", strerror(-err));
	return err;
}

void sovd_bpf_stop(struct sovd *d)
{
	if (!d->bpf)
		return;
	floor__destroy(d->bpf->floor);	/* pins stay: see the top of this file */
	free(d->bpf);
	d->bpf = NULL;
}
