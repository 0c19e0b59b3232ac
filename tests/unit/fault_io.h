/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test helpers for lib/wal and lib/raft/storage: a struct sov_io that counts
 * and fails writes, fsyncs and renames on demand, scratch directories under
 * /tmp, and small file surgery (flip a byte, cut a file).
 */
#ifndef SOV_TEST_FAULT_IO_H
#define SOV_TEST_FAULT_IO_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/wal/wal.h"

struct fault {
	int writes, datasyncs, fsyncs, renames;
	int write_err;		/* fail every write with this (-ENOSPC, ...) */
	size_t write_partial;	/* ... after writing this many bytes of it */
	int fsync_err;		/* fail every fsync/fdatasync */
	int rename_err;
	struct sov_io io;
	char log[1024];		/* the last message logged */
	int logged;
};

static inline ssize_t fault_write(void *ctx, int fd, const void *buf, size_t len)
{
	struct fault *f = ctx;
	ssize_t r;

	f->writes++;
	if (f->write_err) {
		if (f->write_partial && f->write_partial < len)
			r = write(fd, buf, f->write_partial);
		return f->write_err;
	}
	r = write(fd, buf, len);
	return r < 0 ? -errno : r;
}

static inline int fault_fsync(void *ctx, int fd, bool datasync)
{
	struct fault *f = ctx;

	if (datasync)
		f->datasyncs++;
	else
		f->fsyncs++;
	if (f->fsync_err)
		return f->fsync_err;
	return (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
}

static inline int fault_rename(void *ctx, int dirfd, const char *from, const char *to)
{
	struct fault *f = ctx;

	f->renames++;
	if (f->rename_err)
		return f->rename_err;
	return renameat(dirfd, from, dirfd, to) < 0 ? -errno : 0;
}

static inline void fault_log(void *ctx, const char *msg)
{
	struct fault *f = ctx;

	snprintf(f->log, sizeof(f->log), "%s", msg);
	f->logged++;
}

static inline void fault_init(struct fault *f)
{
	memset(f, 0, sizeof(*f));
	f->io.write = fault_write;
	f->io.fsync = fault_fsync;
	f->io.rename = fault_rename;
	f->io.ctx = f;
}

static inline char *scratch_dir(void)
{
	char tmpl[] = "/tmp/sov-wal-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

/* Our test directories are flat. */
static inline void scratch_remove(char *dir)
{
	struct dirent *de;
	char path[512];
	DIR *d = opendir(dir);

	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

static inline char *path_in(const char *dir, const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static inline char *seg_path(const char *dir, uint64_t seq)
{
	char name[32];

	sov_wal_segment_name(seq, name, sizeof(name));
	return path_in(dir, name);
}

static inline long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) < 0 ? -1 : (long)sb.st_size;
}

static inline bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static inline int file_xor(const char *path, long off, uint8_t mask)
{
	uint8_t b;
	int fd = open(path, O_RDWR);
	int ok;

	if (fd < 0)
		return -errno;
	ok = pread(fd, &b, 1, off) == 1;
	b ^= mask;
	ok = ok && pwrite(fd, &b, 1, off) == 1;
	close(fd);
	return ok ? 0 : -EIO;
}

/* The whole file into a malloc'd buffer. */
static inline uint8_t *file_read(const char *path, size_t *len)
{
	long n = file_size(path);
	uint8_t *b;
	int fd;

	if (n < 0)
		return NULL;
	b = malloc((size_t)n + 1);
	fd = open(path, O_RDONLY);
	if (!b || fd < 0 || read(fd, b, (size_t)n) != n) {
		free(b);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)n;
	return b;
}

static inline int file_write(const char *path, const void *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	bool ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, b, len) == (ssize_t)len;
	close(fd);
	return ok ? 0 : -EIO;
}

static inline int count_files(const char *dir, const char *suffix)
{
	size_t sl = strlen(suffix);
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l >= sl && !strcmp(de->d_name + l - sl, suffix))
			n++;
	}
	closedir(d);
	return n;
}

#endif
