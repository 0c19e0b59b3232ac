// SPDX-License-Identifier: GPL-2.0
/* List pinned BPF objects with their ids and types, via libbpf. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "pins.h"

/* A pinned fd is a map or a program; /proc/self/fdinfo says which. */
static int fd_kind(int fd)
{
	char path[64], line[128];
	int kind = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "map_type:", 9))
			kind = 'm';
		else if (!strncmp(line, "prog_type:", 10))
			kind = 'p';
	}
	fclose(f);
	return kind;
}

static int describe(int fd, struct sov_bpf_pin *pin)
{
	const char *t;
	uint32_t len;

	switch (fd_kind(fd)) {
	case 'm': {
		struct bpf_map_info info = {};

		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			return -errno;
		t = libbpf_bpf_map_type_str(info.type);
		snprintf(pin->kind, sizeof(pin->kind), "map");
		snprintf(pin->type, sizeof(pin->type), "%s", t ? t : "unknown");
		snprintf(pin->name, sizeof(pin->name), "%s", info.name);
		pin->id = info.id;
		return 0;
	}
	case 'p': {
		struct bpf_prog_info info = {};

		len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &len))
			return -errno;
		t = libbpf_bpf_prog_type_str(info.type);
		snprintf(pin->kind, sizeof(pin->kind), "prog");
		snprintf(pin->type, sizeof(pin->type), "%s", t ? t : "unknown");
		snprintf(pin->name, sizeof(pin->name), "%s", info.name);
		pin->id = info.id;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int walk(const char *dir, const char *rel, int depth,
		void (*cb)(const struct sov_bpf_pin *, void *), void *data)
{
	struct dirent *de;
	int count = 0;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char path[512], sub[512];
		struct sov_bpf_pin pin = {};
		int fd, n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (de->d_type == DT_DIR) {
			if (depth > 0) {
				n = walk(path, sub, depth - 1, cb, data);
				if (n > 0)
					count += n;
			}
			continue;
		}
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!describe(fd, &pin)) {
			snprintf(pin.path, sizeof(pin.path), "%s", sub);
			cb(&pin, data);
			count++;
		}
		close(fd);
	}
	closedir(d);
	return count;
}

int sov_bpf_pins_list(const char *dir, void (*cb)(const struct sov_bpf_pin *, void *),
		      void *data)
{
	struct statfs st;

	if (statfs(dir, &st))
		return -errno;
	if ((unsigned long)st.f_type != BPF_FS_MAGIC)
		return -ENOTSUP;
	return walk(dir, "", 1, cb, data);
}
