// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a profile (Documentation/profile-format.rst): every field is
 * checked for presence, type and range; an error names the file and the
 * field ("p.json: stacks[3].frames[2]: expected a string, found an
 * integer") and leaves nothing allocated.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file_json.h"

static bool load_meta(struct prof_ld *l, struct json_object *root, struct prof_meta *m)
{
	struct json_object *o;
	char path[PATHLEN];
	const char *s;
	const char *w = "meta";

	if (!prof_ld_field(l, root, "", "meta", &o, path, sizeof(path)) ||
	    !prof_ld_get_object(l, o, "meta"))
		return false;
	if (!prof_ld_get_u32(l, o, w, "kinds", &m->kinds) ||
	    !prof_ld_get_u32(l, o, w, "mode", &m->mode) ||
	    !prof_ld_get_u32(l, o, w, "freq", &m->freq) ||
	    !prof_ld_get_u32(l, o, w, "effective_freq", &m->effective_freq) ||
	    !prof_ld_get_u32(l, o, w, "adaptive_x100", &m->adaptive_x100) ||
	    !prof_ld_get_u32(l, o, w, "stacks", &m->stacks) ||
	    !prof_ld_get_u64(l, o, w, "period_ns", UINT64_MAX, &m->period_ns) ||
	    !prof_ld_get_u64(l, o, w, "duration_ns", UINT64_MAX, &m->duration_ns) ||
	    !prof_ld_get_u64(l, o, w, "start_ns", UINT64_MAX, &m->start_ns) ||
	    !prof_ld_get_i64(l, o, w, "cpu", -1, &m->cpu) ||
	    !prof_ld_get_u32(l, o, w, "pid", &m->pid) ||
	    !prof_ld_get_u32(l, o, w, "tgid", &m->tgid) ||
	    !prof_ld_get_u64(l, o, w, "cgroup_id", UINT64_MAX, &m->cgroup_id) ||
	    !prof_ld_get_u64(l, o, w, "samples", UINT64_MAX, &m->samples) ||
	    !prof_ld_get_u64(l, o, w, "skipped", UINT64_MAX, &m->skipped) ||
	    !prof_ld_get_u64(l, o, w, "dropped", UINT64_MAX, &m->dropped) ||
	    !prof_ld_get_u64(l, o, w, "ustack_faults", UINT64_MAX, &m->ustack_faults) ||
	    !prof_ld_get_u64(l, o, w, "mem_events", UINT64_MAX, &m->mem_events) ||
	    !prof_ld_get_u64(l, o, w, "mem_untracked", UINT64_MAX, &m->mem_untracked) ||
	    !prof_ld_get_u64(l, o, w, "lock_events", UINT64_MAX, &m->lock_events) ||
	    !prof_ld_get_u64(l, o, w, "lock_untracked", UINT64_MAX, &m->lock_untracked) ||
	    !prof_ld_get_i64(l, o, w, "saved_at", INT64_MIN, &m->saved_at))
		return false;
	if (!prof_ld_get_str(l, o, w, "host", sizeof(m->host), &s))
		return false;
	strcpy(m->host, s);
	if (!prof_ld_get_str(l, o, w, "kernel", sizeof(m->kernel), &s))
		return false;
	strcpy(m->kernel, s);
	return true;
}

static bool load_stack(struct prof_ld *l, struct json_object *o, const char *w,
		       struct prof_profile *p)
{
	struct prof_stack st = { 0 };
	struct json_object *fr;
	char path[PATHLEN], fpath[PATHLEN];
	const char *s, *frames[PROF_FRAMES_MAX];
	const char *kind, *tag, *comm;
	size_t n, i;
	int k, rc;

	if (!prof_ld_get_object(l, o, w) || !prof_ld_get_str(l, o, w, "kind", 0, &kind))
		return false;
	k = prof_kind_parse(kind);
	if (k < 0) {
		prof_ld_sub(path, sizeof(path), w, "kind", 0);
		return prof_ld_bad(l, path, "unknown kind \"%.32s\" (cpu, mem or lock)", kind);
	}
	st.kind = (uint32_t)k;
	if (!prof_ld_get_str(l, o, w, "tag", 0, &tag) ||
	    !prof_ld_get_u32(l, o, w, "pid", &st.pid) ||
	    !prof_ld_get_u32(l, o, w, "tgid", &st.tgid) ||
	    !prof_ld_get_str(l, o, w, "comm", 0, &comm) ||
	    !prof_ld_get_array(l, o, w, "frames", "strings", &fr, &n) ||
	    !prof_ld_get_u64(l, o, w, "count", UINT64_MAX, &st.count) ||
	    !prof_ld_get_u64(l, o, w, "weight", UINT64_MAX, &st.weight))
		return false;
	prof_ld_sub(fpath, sizeof(fpath), w, "frames", 0);
	if (n > PROF_FRAMES_MAX)
		return prof_ld_bad(l, fpath, "%zu frames, more than %d", n,
				   PROF_FRAMES_MAX);
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(fr, i);

		if (!json_object_is_type(v, json_type_string))
			return prof_ld_bad(l, fpath, "expected an array of strings, found %s at [%zu]",
					   prof_ld_found(v), i);
		prof_ld_sub(path, sizeof(path), fpath, NULL, i);
		if (!prof_ld_str_of(l, v, path, 0, &s))
			return false;
		frames[i] = s;
	}
	/* add_stack copies: st only borrows json-c's strings here */
	st.tag = (char *)tag;
	st.comm = (char *)comm;
	st.nframes = n;
	st.frames = (char **)frames;
	rc = prof_profile_add_stack(p, &st);
	if (rc)
		return prof_ld_bad(l, w, "%s", strerror(-rc));
	return true;
}

static bool load_site(struct prof_ld *l, struct json_object *o, const char *w,
		      struct prof_profile *p)
{
	struct prof_site s = { 0 };
	const char *name;
	int rc;

	if (!prof_ld_get_object(l, o, w) || !prof_ld_get_str(l, o, w, "name", 0, &name) ||
	    !prof_ld_get_addr(l, o, w, "addr", &s.addr) ||
	    !prof_ld_get_u64(l, o, w, "allocs", UINT64_MAX, &s.allocs) ||
	    !prof_ld_get_u64(l, o, w, "frees", UINT64_MAX, &s.frees) ||
	    !prof_ld_get_u64(l, o, w, "bytes", UINT64_MAX, &s.bytes) ||
	    !prof_ld_get_u64(l, o, w, "live_objs", UINT64_MAX, &s.live_objs) ||
	    !prof_ld_get_u64(l, o, w, "live_bytes", UINT64_MAX, &s.live_bytes) ||
	    !prof_ld_get_u64(l, o, w, "old_objs", UINT64_MAX, &s.old_objs) ||
	    !prof_ld_get_u64(l, o, w, "old_bytes", UINT64_MAX, &s.old_bytes))
		return false;
	s.name = (char *)name;
	rc = prof_profile_add_site(p, &s);
	return rc ? prof_ld_bad(l, w, "%s", strerror(-rc)) : true;
}

static bool load_lock(struct prof_ld *l, struct json_object *o, const char *w,
		      struct prof_profile *p)
{
	struct prof_lock lk = { 0 };
	struct json_object *h;
	char path[PATHLEN], hw[PATHLEN];
	const char *name;
	size_t n, i;
	int rc;

	if (!prof_ld_get_object(l, o, w) || !prof_ld_get_str(l, o, w, "name", 0, &name) ||
	    !prof_ld_get_addr(l, o, w, "addr", &lk.addr) ||
	    !prof_ld_get_u32(l, o, w, "flags", &lk.flags) ||
	    !prof_ld_get_u64(l, o, w, "count", UINT64_MAX, &lk.count) ||
	    !prof_ld_get_u64(l, o, w, "total_ns", UINT64_MAX, &lk.total_ns) ||
	    !prof_ld_get_u64(l, o, w, "max_ns", UINT64_MAX, &lk.max_ns) ||
	    !prof_ld_get_array(l, o, w, "hist", "integers", &h, &n))
		return false;
	prof_ld_sub(hw, sizeof(hw), w, "hist", 0);
	if (n != SOV_PROF_HIST_BUCKETS)
		return prof_ld_bad(l, hw, "expected %d buckets, found %zu",
			   SOV_PROF_HIST_BUCKETS, n);
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(h, i);

		prof_ld_sub(path, sizeof(path), hw, NULL, i);
		if (!json_object_is_type(v, json_type_int) ||
		    json_object_get_int64(v) < 0)
			return prof_ld_bad(l, path, "expected a non-negative integer, found %s",
				   json_object_is_type(v, json_type_int) ?
				   "a negative one" : prof_ld_found(v));
		lk.hist[i] = json_object_get_uint64(v);
	}
	lk.name = (char *)name;
	rc = prof_profile_add_lock(p, &lk);
	return rc ? prof_ld_bad(l, w, "%s", strerror(-rc)) : true;
}

static bool load_rss(struct prof_ld *l, struct json_object *o, const char *w,
		     struct prof_profile *p)
{
	struct prof_rss r = { 0 };
	const char *comm;
	int rc;

	if (!prof_ld_get_object(l, o, w) ||
	    !prof_ld_get_u64(l, o, w, "time_ns", UINT64_MAX, &r.time_ns) ||
	    !prof_ld_get_u32(l, o, w, "tgid", &r.tgid) ||
	    !prof_ld_get_str(l, o, w, "comm", sizeof(r.comm), &comm) ||
	    !prof_ld_get_u64(l, o, w, "bytes", UINT64_MAX, &r.bytes))
		return false;
	strcpy(r.comm, comm);
	rc = prof_profile_add_rss(p, &r);
	return rc ? prof_ld_bad(l, w, "%s", strerror(-rc)) : true;
}

typedef bool (*load_fn)(struct prof_ld *, struct json_object *, const char *,
			struct prof_profile *);

static bool load_list(struct prof_ld *l, struct json_object *root, const char *key,
		      const char *what, load_fn fn, struct prof_profile *p)
{
	struct json_object *a;
	char w[PATHLEN];
	size_t n, i;

	if (!prof_ld_get_array(l, root, "", key, what, &a, &n))
		return false;
	for (i = 0; i < n; i++) {
		prof_ld_sub(w, sizeof(w), key, NULL, i);
		if (!fn(l, json_object_array_get_idx(a, i), w, p))
			return false;
	}
	return true;
}

static bool load_root(struct prof_ld *l, struct json_object *root,
		      struct prof_profile *p)
{
	const char *fmt;
	struct json_object *v;
	char path[PATHLEN];

	if (!json_object_is_type(root, json_type_object))
		return prof_ld_bad(l, NULL, "expected a JSON object, found %s", prof_ld_found(root));
	if (!prof_ld_get_str(l, root, "", "format", 0, &fmt))
		return false;
	if (strcmp(fmt, "sovereign-profile"))
		return prof_ld_bad(l, "format", "\"%.40s\" is not \"sovereign-profile\"", fmt);
	if (!prof_ld_field(l, root, "", "version", &v, path, sizeof(path)))
		return false;
	if (!json_object_is_type(v, json_type_int))
		return prof_ld_bad(l, "version", "expected an integer, found %s", prof_ld_found(v));
	if (json_object_get_int64(v) != 1)
		return prof_ld_bad(l, "version", "version %lld is not supported (this build reads version 1)",
			   (long long)json_object_get_int64(v));
	return load_meta(l, root, &p->meta) &&
	       load_list(l, root, "stacks", "stacks", load_stack, p) &&
	       load_list(l, root, "sites", "sites", load_site, p) &&
	       load_list(l, root, "locks", "locks", load_lock, p) &&
	       load_list(l, root, "rss", "rss samples", load_rss, p);
}

struct prof_profile *prof_profile_load(const char *path, char *err,
				       size_t errlen)
{
	struct prof_ld l = { path, err, errlen };
	struct prof_profile *p = NULL;
	struct json_object *root;
	size_t len = 0;
	char *buf;

	if (err && errlen)
		err[0] = '\0';
	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	buf = prof_ld_read_file(&l, path, &len);
	if (!buf) {
		errno = EINVAL;
		return NULL;
	}
	root = prof_ld_parse(&l, buf, len);
	free(buf);
	if (!root) {
		errno = EINVAL;
		return NULL;
	}
	p = prof_profile_new();
	if (!p)
		prof_ld_bad(&l, NULL, "out of memory");
	else if (!load_root(&l, root, p)) {
		prof_profile_free(p);
		p = NULL;
	}
	json_object_put(root);
	if (!p)
		errno = EINVAL;
	return p;
}
