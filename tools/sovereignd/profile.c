// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd's continuous profile (--profile-hz N): a cpu profile at N Hz
 * with kernel and user stacks, cut every --profile-window seconds. At the
 * end of a window the profile is stopped, read (the same reader as "sovctl
 * profile report": lib/nl/prof_read.c), restarted at once, then symbolized
 * and saved as DIR/profile-<unix time>.json on a worker thread; the newest
 * --profile-keep files are kept. The profiler runs one profile at a time:
 * while someone else's runs (START answers EBUSY) we log it once and try
 * again every window, and we never stop a profile we did not start (the
 * kernel's START_NS tells ours apart). A stopping daemon stops its profile.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/nl/prof_read.h"
#include "log.h"
#include "sovereignd.h"

struct sovd_prof {
	struct sovd *d;
	uv_timer_t timer;
	bool ours;			/* the profile running is the one we started */
	uint64_t start_ns;		/* its SOV_A_PROF_START_NS */
	bool busy_logged, absent_logged, failed_logged, started_logged;
	unsigned int inflight;		/* windows being symbolized and saved */
	bool closing;			/* sovd_profile_stop() ran: free when idle */
	bool timer_closed;
	uint64_t saved;
};

/* One window's profile on its way to a file (a uv_work on the threadpool). */
struct prof_window {
	uv_work_t work;
	struct sovd_prof *p;
	struct sov_prof_raw *raw;
	char path[1024];
	size_t nstacks;
	int error;
	char why[1200];
};

/* The unit tests replace the kernel and the clock. */
static const struct sov_prof_io *io_override;
static time_t (*wall_clock)(time_t *) = time;

#define MAX_INFLIGHT 2

/* Our own socket for each window, so that a dump cut short never leaves
 * replies queued on the daemon's request socket. */
static int io_open(struct sovd_prof *p, struct sov_prof_io *io, struct sov_genl *g)
{
	struct sov_nl_err err;
	int ret;

	memset(g, 0, sizeof(*g));
	if (io_override) {
		*io = *io_override;
		return 0;
	}
	ret = sov_genl_open(g);
	if (!ret)
		ret = sov_genl_resolve(g, SOV_GENL_NAME, &err);
	if (ret) {
		if (!p->absent_logged)
			log_info("profile: %s; trying again every %us",
				 ret == -ENOENT ? "module not loaded" : strerror(-ret),
				 p->d->prof_window_s);
		p->absent_logged = true;
		sov_genl_close(g);
		return ret;
	}
	p->absent_logged = false;
	io->transact = sov_prof_genl_transact;
	io->ctx = g;
	return 0;
}

static const char *nl_why(const struct sov_nl_err *err)
{
	return err->msg[0] ? err->msg : strerror(-err->error);
}

/* profile-<digits>.json: its time, or -1. */
static long long file_time(const char *name)
{
	unsigned long long t;
	int n = 0;

	if (sscanf(name, "profile-%llu.json%n", &t, &n) != 1 || name[n] ||
	    name[8] < '0' || name[8] > '9')
		return -1;
	return (long long)t;
}

static int by_time(const struct dirent **a, const struct dirent **b)
{
	long long x = file_time((*a)->d_name), y = file_time((*b)->d_name);

	return x < y ? -1 : x > y;
}

static int is_profile(const struct dirent *e)
{
	return file_time(e->d_name) >= 0;
}

/* Remove the oldest profile-*.json of @dir beyond the newest @keep. */
static void prune(const char *dir, uint32_t keep)
{
	struct dirent **names;
	char path[PATH_MAX];
	int i, n;

	n = scandir(dir, &names, is_profile, by_time);
	if (n < 0) {
		log_warn("profile: cannot list %s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if ((uint32_t)(n - i) > keep) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (unlink(path) && errno != ENOENT)
				log_warn("profile: cannot remove %s: %s", path, strerror(errno));
			else
				log_debug("profile: removed %s", path);
		}
		free(names[i]);
	}
	free(names);
}

/* Worker thread: names (kallsyms, every process's ELF files) and the file. */
static void window_work(uv_work_t *w)
{
	struct prof_window *win = w->data;
	struct prof_profile *prof;
	char tmp[sizeof(win->path) + 8];
	int ret;

	prof = sov_prof_symbolize(win->raw, NULL, &ret);
	if (!prof) {
		win->error = ret;
		snprintf(win->why, sizeof(win->why), "symbolizing failed: %s", strerror(-ret));
		return;
	}
	win->nstacks = prof->nstacks;
	/* readers of the directory never see half a file */
	snprintf(tmp, sizeof(tmp), "%s.tmp", win->path);
	ret = prof_profile_save(prof, tmp, win->why, sizeof(win->why));
	if (!ret && rename(tmp, win->path)) {
		ret = -errno;
		snprintf(win->why, sizeof(win->why), "%s: %s", win->path, strerror(errno));
	}
	if (ret)
		unlink(tmp);
	win->error = ret;
	prof_profile_free(prof);
}

static void prof_free_if_done(struct sovd_prof *p)
{
	if (p->closing && !p->inflight && p->timer_closed)
		free(p);
}

static void window_done(uv_work_t *w, int status)
{
	struct prof_window *win = w->data;
	struct sovd_prof *p = win->p;

	if (status)
		log_warn("profile: saving %s was cancelled", win->path);
	else if (win->error)
		log_warn("profile: not saved: %s", win->why);
	else {
		p->saved++;
		log_info("profile: saved %s (%zu stacks)", win->path, win->nstacks);
		prune(p->d->prof_dir, p->d->prof_keep);
	}
	sov_prof_raw_free(win->raw);
	free(win);
	p->inflight--;
	prof_free_if_done(p);
}

/*
 * The end of our window: stop the profile and read it. The genl calls
 * block the loop, as every module request of the daemon does: the dumps
 * of a cpu profile at this rate take milliseconds. What takes long
 * (symbolization, the file) runs on the threadpool.
 */
static void harvest(struct sovd_prof *p, const struct sov_prof_io *io)
{
	struct sov_prof_status st;
	struct prof_window *win;
	struct sov_nl_err err;
	struct sov_prof_raw *raw;

	p->ours = false;
	if (sov_prof_status_get(io, &st, &err)) {
		log_warn("profile: reading the profiler's state failed: %s", nl_why(&err));
		return;
	}
	if (st.state == SOV_PROF_STATE_IDLE || st.meta.start_ns != p->start_ns) {
		log_notice("profile: our profile is gone (stopped and replaced by another, or the module was reloaded); this window is lost");
		return;
	}
	if (st.state == SOV_PROF_STATE_RUNNING && sov_prof_stop(io, &err) &&
	    err.error != -EALREADY) {
		log_warn("profile: stopping failed: %s", nl_why(&err));
		return;
	}
	if (sov_prof_read_raw(io, 0, &raw, &err)) {
		log_warn("profile: reading the profile failed: %s", nl_why(&err));
		return;
	}
	if (raw->status.meta.start_ns != p->start_ns) {	/* replaced in between */
		sov_prof_raw_free(raw);
		return;
	}
	if (p->inflight >= MAX_INFLIGHT) {
		log_warn("profile: %u windows are still being saved; dropping this one",
			 p->inflight);
		sov_prof_raw_free(raw);
		return;
	}
	win = calloc(1, sizeof(*win));
	if (!win) {
		sov_prof_raw_free(raw);
		return;
	}
	win->p = p;
	win->raw = raw;
	win->work.data = win;
	snprintf(win->path, sizeof(win->path), "%s/profile-%lld.json", p->d->prof_dir,
		 (long long)wall_clock(NULL));
	if (uv_queue_work(p->d->loop, &win->work, window_work, window_done)) {
		sov_prof_raw_free(raw);
		free(win);
		return;
	}
	p->inflight++;
}

/* Start our profile; someone else's may be running (EBUSY): next window. */
static void begin(struct sovd_prof *p, const struct sov_prof_io *io)
{
	struct sov_prof_settings set = SOV_PROF_SETTINGS_INIT;
	struct sov_prof_status st;
	struct sov_nl_err err;

	set.kinds = 1U << SOV_PROF_KIND_CPU;
	set.freq = p->d->prof_hz;
	set.stacks = SOV_PROF_STACK_KERNEL | SOV_PROF_STACK_USER;
	if (sov_prof_start(io, &set, &err)) {
		if (err.error == -EBUSY) {
			if (!p->busy_logged)
				log_notice("profile: the profiler is busy with another profile (sovctl profile start?); trying again every %us",
					   p->d->prof_window_s);
			p->busy_logged = true;
		} else {
			if (!p->failed_logged)
				log_warn("profile: starting failed: %s; trying again every %us",
					 nl_why(&err), p->d->prof_window_s);
			p->failed_logged = true;
		}
		return;
	}
	p->busy_logged = p->failed_logged = false;
	if (sov_prof_status_get(io, &st, &err)) {
		/* without its START_NS we cannot tell it is ours: stop it */
		log_warn("profile: reading the profiler's state failed: %s", nl_why(&err));
		sov_prof_stop(io, &err);
		return;
	}
	p->ours = true;
	p->start_ns = st.meta.start_ns;
	if (!p->started_logged)
		log_info("profile: sampling cpu at %u Hz; every %us a profile goes to %s (the newest %u kept)",
			 p->d->prof_hz, p->d->prof_window_s, p->d->prof_dir, p->d->prof_keep);
	p->started_logged = true;
}

static void window(struct sovd_prof *p)
{
	struct sov_prof_io io;
	struct sov_genl g;

	if (io_open(p, &io, &g)) {
		p->ours = false;	/* the module went away, and its profile */
		return;
	}
	if (p->ours)
		harvest(p, &io);
	begin(p, &io);
	sov_genl_close(&g);
}

static void on_timer(uv_timer_t *t)
{
	window(t->data);
}

/* mkdir -p */
static int make_dir(const char *dir)
{
	char path[PATH_MAX], *s;

	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(path, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

void sovd_profile_start(struct sovd *d)
{
	uint64_t ms = (uint64_t)d->prof_window_s * 1000;
	struct sovd_prof *p;
	int ret;

	if (!d->prof_hz)
		return;
	ret = make_dir(d->prof_dir);
	if (ret) {
		log_err("profile: cannot create %s: %s; continuing without the continuous profile",
			d->prof_dir, strerror(-ret));
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->d = d;
	uv_timer_init(d->loop, &p->timer);
	p->timer.data = p;
	uv_timer_start(&p->timer, on_timer, ms, ms);
	d->prof = p;
	window(p);
}

static void on_timer_closed(uv_handle_t *h)
{
	struct sovd_prof *p = h->data;

	p->timer_closed = true;
	prof_free_if_done(p);
}

void sovd_profile_stop(struct sovd *d)
{
	struct sovd_prof *p = d->prof;
	struct sov_prof_status st;
	struct sov_prof_io io;
	struct sov_nl_err err;
	struct sov_genl g;

	if (!p)
		return;
	d->prof = NULL;
	uv_timer_stop(&p->timer);
	if (p->ours && !io_open(p, &io, &g)) {
		/* only if it is still ours, and still running */
		if (!sov_prof_status_get(&io, &st, &err) &&
		    st.state == SOV_PROF_STATE_RUNNING && st.meta.start_ns == p->start_ns) {
			if (sov_prof_stop(&io, &err))
				log_warn("profile: stopping failed: %s", nl_why(&err));
			else
				log_info("profile: stopped");
		}
		sov_genl_close(&g);
	}
	p->ours = false;
	p->closing = true;
	uv_close((uv_handle_t *)&p->timer, on_timer_closed);
}
