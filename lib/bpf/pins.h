/* SPDX-License-Identifier: GPL-2.0 */
/* Inspecting the BPF objects Sovereign pins under /sys/fs/bpf/sovereign. */
#ifndef SOV_BPF_PINS_H
#define SOV_BPF_PINS_H

#include <stdint.h>

#define SOV_BPF_PIN_DIR "/sys/fs/bpf/sovereign"

struct sov_bpf_pin {
	char path[512];		/* relative to the pin directory */
	char kind[8];		/* "map" or "prog" */
	char type[32];		/* map/prog type name, as bpftool prints it */
	char name[16];		/* object name in the kernel */
	uint32_t id;
};

/*
 * Call @cb for every pinned object below @dir (one level of subdirectories).
 * Returns the number of objects, -ENOENT if @dir does not exist, or another
 * negative errno (-ENOTSUP if @dir is not on bpffs).
 */
int sov_bpf_pins_list(const char *dir, void (*cb)(const struct sov_bpf_pin *, void *),
		      void *data);

#endif
