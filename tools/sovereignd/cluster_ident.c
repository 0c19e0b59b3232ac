// SPDX-License-Identifier: GPL-2.0
/*
 * The data dir's identity file (cluster.h): which cluster and node the log
 * belongs to, and the configuration it starts from. Text, one setting a
 * line, written to a temporary file, fsynced and renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/raft/wire.h"
#include "cluster.h"

#define IDENT_FILE	"identity"

static int parse_id(const char *s, raft_id_t *id)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || !v || *s == '-')
		return -EINVAL;
	*id = v;
	return 0;
}

int sovd_ident_load(const char *dir, struct sovd_ident *id, char *err, size_t errlen)
{
	char path[512], line[256], key[32], val[200];
	unsigned int n = 0;
	raft_id_t node;
	FILE *f;

	memset(id, 0, sizeof(*id));
	snprintf(path, sizeof(path), "%s/" IDENT_FILE, dir);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return -ENOENT;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31s %199s", key, val) != 2)
			goto bad;
		if (!strcmp(key, "cluster-id")) {
			if (sov_raft_cluster_id_check(val))
				goto bad;
			memcpy(id->cluster_id, val, strlen(val) + 1);	/* checked: <= 63 */
		} else if (!strcmp(key, "node-id")) {
			if (parse_id(val, &id->node))
				goto bad;
		} else if (!strcmp(key, "voter") || !strcmp(key, "learner")) {
			bool voter = key[0] == 'v';

			if (parse_id(val, &node) ||
			    (voter ? id->initial.n_voters : id->initial.n_learners) >= RAFT_MAX_NODES)
				goto bad;
			if (voter)
				id->initial.voters[id->initial.n_voters++] = node;
			else
				id->initial.learners[id->initial.n_learners++] = node;
		} else {
			goto bad;
		}
	}
	fclose(f);
	if (!id->cluster_id[0] || !id->node) {
		snprintf(err, errlen, "%s: cluster-id or node-id missing", path);
		return -EINVAL;
	}
	return 0;
bad:
	fclose(f);
	snprintf(err, errlen, "%s:%u: cannot read this line", path, n);
	return -EINVAL;
}

int sovd_ident_save(const char *dir, const struct sovd_ident *id, char *err, size_t errlen)
{
	char path[512], tmp[520];
	unsigned int i;
	int fd, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/" IDENT_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	fprintf(f, "# sovereignd: the cluster this data dir belongs to; written once\n");
	fprintf(f, "cluster-id %s\nnode-id %" PRIu64 "\n", id->cluster_id, id->node);
	for (i = 0; i < id->initial.n_voters; i++)
		fprintf(f, "voter %" PRIu64 "\n", id->initial.voters[i]);
	for (i = 0; i < id->initial.n_learners; i++)
		fprintf(f, "learner %" PRIu64 "\n", id->initial.learners[i]);
	if (fflush(f) || fsync(fd))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (!ret) {	/* the rename itself must survive a crash */
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd))
			ret = -errno;
		if (fd >= 0)
			close(fd);
	}
	if (ret) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(-ret));
		unlink(tmp);
	}
	return ret;
}
