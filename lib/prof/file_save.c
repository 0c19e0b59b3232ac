// SPDX-License-Identifier: GPL-2.0
/*
 * Saving a profile: the JSON document of Documentation/profile-format.rst
 * (json-c), written to a temporary file beside the target and renamed over
 * it, so that a reader sees the old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "prof_internal.h"

/* Builds objects; any allocation failure sets oom and is checked once. */
struct jb {
	bool oom;
};

static void put(struct jb *b, struct json_object *o, const char *key,
		struct json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		b->oom = true;
	}
}

static void push(struct jb *b, struct json_object *arr, struct json_object *v)
{
	if (!arr || !v || json_object_array_add(arr, v)) {
		json_object_put(v);
		b->oom = true;
	}
}

static void put_u64(struct jb *b, struct json_object *o, const char *key,
		    uint64_t v)
{
	put(b, o, key, json_object_new_uint64(v));
}

static void put_i64(struct jb *b, struct json_object *o, const char *key,
		    int64_t v)
{
	put(b, o, key, json_object_new_int64(v));
}

static void put_str(struct jb *b, struct json_object *o, const char *key,
		    const char *s)
{
	put(b, o, key, json_object_new_string(s ? s : ""));
}

/* fixed-size char arrays may lack their NUL */
static void put_strn(struct jb *b, struct json_object *o, const char *key,
		     const char *s, size_t max)
{
	put(b, o, key, json_object_new_string_len(s, (int)strnlen(s, max)));
}

static void put_addr(struct jb *b, struct json_object *o, const char *key,
		     uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%" PRIx64, v);
	put_str(b, o, key, s);
}

static struct json_object *meta_json(struct jb *b, const struct prof_meta *m)
{
	struct json_object *o = json_object_new_object();

	put_u64(b, o, "kinds", m->kinds);
	put_u64(b, o, "mode", m->mode);
	put_u64(b, o, "freq", m->freq);
	put_u64(b, o, "effective_freq", m->effective_freq);
	put_u64(b, o, "adaptive_x100", m->adaptive_x100);
	put_u64(b, o, "stacks", m->stacks);
	put_u64(b, o, "period_ns", m->period_ns);
	put_u64(b, o, "duration_ns", m->duration_ns);
	put_u64(b, o, "start_ns", m->start_ns);
	put_i64(b, o, "cpu", m->cpu);
	put_u64(b, o, "pid", m->pid);
	put_u64(b, o, "tgid", m->tgid);
	put_u64(b, o, "cgroup_id", m->cgroup_id);
	put_u64(b, o, "samples", m->samples);
	put_u64(b, o, "skipped", m->skipped);
	put_u64(b, o, "dropped", m->dropped);
	put_u64(b, o, "ustack_faults", m->ustack_faults);
	put_u64(b, o, "mem_events", m->mem_events);
	put_u64(b, o, "mem_untracked", m->mem_untracked);
	put_u64(b, o, "lock_events", m->lock_events);
	put_u64(b, o, "lock_untracked", m->lock_untracked);
	put_strn(b, o, "host", m->host, sizeof(m->host));
	put_strn(b, o, "kernel", m->kernel, sizeof(m->kernel));
	put_i64(b, o, "saved_at", m->saved_at ? m->saved_at : (int64_t)time(NULL));
	return o;
}

static struct json_object *stack_json(struct jb *b, const struct prof_stack *st)
{
	struct json_object *o = json_object_new_object();
	struct json_object *f = json_object_new_array_ext((int)st->nframes);
	size_t i;

	put_str(b, o, "kind", prof_kind_name(st->kind));
	put_str(b, o, "tag", st->tag);
	put_u64(b, o, "pid", st->pid);
	put_u64(b, o, "tgid", st->tgid);
	put_str(b, o, "comm", st->comm);
	for (i = 0; i < st->nframes; i++)
		push(b, f, json_object_new_string(st->frames[i]));
	put(b, o, "frames", f);
	put_u64(b, o, "count", st->count);
	put_u64(b, o, "weight", st->weight);
	return o;
}

static struct json_object *site_json(struct jb *b, const struct prof_site *s)
{
	struct json_object *o = json_object_new_object();

	put_str(b, o, "name", s->name);
	put_addr(b, o, "addr", s->addr);
	put_u64(b, o, "allocs", s->allocs);
	put_u64(b, o, "frees", s->frees);
	put_u64(b, o, "bytes", s->bytes);
	put_u64(b, o, "live_objs", s->live_objs);
	put_u64(b, o, "live_bytes", s->live_bytes);
	put_u64(b, o, "old_objs", s->old_objs);
	put_u64(b, o, "old_bytes", s->old_bytes);
	return o;
}

static struct json_object *lock_json(struct jb *b, const struct prof_lock *l)
{
	struct json_object *o = json_object_new_object();
	struct json_object *h = json_object_new_array_ext(SOV_PROF_HIST_BUCKETS);
	size_t i;

	put_str(b, o, "name", l->name);
	put_addr(b, o, "addr", l->addr);
	put_u64(b, o, "flags", l->flags);
	put_u64(b, o, "count", l->count);
	put_u64(b, o, "total_ns", l->total_ns);
	put_u64(b, o, "max_ns", l->max_ns);
	for (i = 0; i < SOV_PROF_HIST_BUCKETS; i++)
		push(b, h, json_object_new_uint64(l->hist[i]));
	put(b, o, "hist", h);
	return o;
}

static struct json_object *rss_json(struct jb *b, const struct prof_rss *r)
{
	struct json_object *o = json_object_new_object();

	put_u64(b, o, "time_ns", r->time_ns);
	put_u64(b, o, "tgid", r->tgid);
	put_strn(b, o, "comm", r->comm, sizeof(r->comm));
	put_u64(b, o, "bytes", r->bytes);
	return o;
}

static struct json_object *profile_json(const struct prof_profile *p)
{
	struct json_object *root = json_object_new_object(), *a;
	struct jb b = { false };
	size_t i;

	put_str(&b, root, "format", "sovereign-profile");
	put_u64(&b, root, "version", 1);
	put(&b, root, "meta", meta_json(&b, &p->meta));
	a = json_object_new_array_ext((int)p->nstacks);
	for (i = 0; i < p->nstacks; i++)
		push(&b, a, stack_json(&b, &p->stacks[i]));
	put(&b, root, "stacks", a);
	a = json_object_new_array_ext((int)p->nsites);
	for (i = 0; i < p->nsites; i++)
		push(&b, a, site_json(&b, &p->sites[i]));
	put(&b, root, "sites", a);
	a = json_object_new_array_ext((int)p->nlocks);
	for (i = 0; i < p->nlocks; i++)
		push(&b, a, lock_json(&b, &p->locks[i]));
	put(&b, root, "locks", a);
	a = json_object_new_array_ext((int)p->nrss);
	for (i = 0; i < p->nrss; i++)
		push(&b, a, rss_json(&b, &p->rss[i]));
	put(&b, root, "rss", a);
	if (b.oom) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

static int fail(char *err, size_t errlen, const char *path, int rc,
		const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, msg);
	return rc;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int prof_profile_save(const struct prof_profile *p, const char *path,
		      char *err, size_t errlen)
{
	struct json_object *root;
	const char *text;
	char *tmp = NULL;
	int fd, rc;

	if (err && errlen)
		err[0] = '\0';
	if (!p || !path)
		return -EINVAL;
	root = profile_json(p);
	if (!root)
		return fail(err, errlen, path, -ENOMEM, "out of memory");
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text) {
		json_object_put(root);
		return fail(err, errlen, path, -ENOMEM, "out of memory");
	}
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		json_object_put(root);
		return fail(err, errlen, path, -ENOMEM, "out of memory");
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		fail(err, errlen, path, rc, "cannot create %s: %s", tmp,
		     strerror(-rc));
		goto out;
	}
	rc = write_all(fd, text, strlen(text));
	if (!rc)
		rc = write_all(fd, "\n", 1);
	if (!rc && fchmod(fd, 0644))
		rc = -errno;
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		fail(err, errlen, path, rc, "cannot write: %s", strerror(-rc));
		unlink(tmp);
	}
out:
	free(tmp);
	json_object_put(root);
	return rc;
}
