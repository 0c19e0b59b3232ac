// SPDX-License-Identifier: GPL-2.0
/*
 * sovereignd's sync thread (cluster_sync.h). The loop posts, the thread
 * syncs and wakes the loop through a uv_async; a caller that cannot wait
 * for that (a snapshot, stopping) takes the result itself.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../lib/raft/storage.h"
#include "cluster_sync.h"

enum sync_state {
	SYNC_IDLE,
	SYNC_POSTED,	/* the thread has it */
	SYNC_DONE,	/* result waiting for the loop */
};

struct sovd_syncer {
	uv_thread_t thread;
	uv_mutex_t lock;
	uv_cond_t cond;			/* state changed */
	uv_async_t wake;		/* the loop: a result is waiting */
	struct sov_raft_storage *st;
	sovd_sync_done done;
	void *arg;
	enum sync_state state;
	int err;
	bool quit;
	_Atomic pid_t tid;		/* the thread's, once it runs (tracing) */
};

static void sync_thread(void *arg)
{
	struct sovd_syncer *s = arg;
	int err;

	atomic_store(&s->tid, gettid());
	uv_mutex_lock(&s->lock);
	for (;;) {
		while (s->state != SYNC_POSTED && !s->quit)
			uv_cond_wait(&s->cond, &s->lock);
		if (s->state != SYNC_POSTED)
			break;
		uv_mutex_unlock(&s->lock);
		err = sov_raft_storage_sync(s->st);
		uv_mutex_lock(&s->lock);
		s->err = err;
		s->state = SYNC_DONE;
		uv_cond_broadcast(&s->cond);
		uv_async_send(&s->wake);
	}
	uv_mutex_unlock(&s->lock);
}

static void on_wake(uv_async_t *h)
{
	struct sovd_syncer *s = h->data;
	int err;

	uv_mutex_lock(&s->lock);
	if (s->state != SYNC_DONE) {	/* sovd_syncer_wait() took it */
		uv_mutex_unlock(&s->lock);
		return;
	}
	s->state = SYNC_IDLE;
	err = s->err;
	uv_mutex_unlock(&s->lock);
	s->done(s->arg, err);
}

static void on_closed(uv_handle_t *h)
{
	free(h->data);
}

int sovd_syncer_new(uv_loop_t *loop, struct sov_raft_storage *st, sovd_sync_done done,
		    void *arg, struct sovd_syncer **out)
{
	struct sovd_syncer *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->st = st;
	s->done = done;
	s->arg = arg;
	ret = uv_mutex_init(&s->lock);
	if (ret)
		goto free;
	ret = uv_cond_init(&s->cond);
	if (ret)
		goto mutex;
	ret = uv_async_init(loop, &s->wake, on_wake);
	if (ret)
		goto cond;
	s->wake.data = s;
	ret = uv_thread_create(&s->thread, sync_thread, s);
	if (ret) {
		uv_cond_destroy(&s->cond);
		uv_mutex_destroy(&s->lock);
		uv_close((uv_handle_t *)&s->wake, on_closed);
		return ret;
	}
	*out = s;
	return 0;
cond:
	uv_cond_destroy(&s->cond);
mutex:
	uv_mutex_destroy(&s->lock);
free:
	free(s);
	return ret;
}

void sovd_syncer_post(struct sovd_syncer *s)
{
	uv_mutex_lock(&s->lock);
	s->state = SYNC_POSTED;
	uv_cond_broadcast(&s->cond);
	uv_mutex_unlock(&s->lock);
}

bool sovd_syncer_busy(struct sovd_syncer *s)
{
	bool busy;

	uv_mutex_lock(&s->lock);
	busy = s->state != SYNC_IDLE;
	uv_mutex_unlock(&s->lock);
	return busy;
}

int sovd_syncer_wait(struct sovd_syncer *s)
{
	int err;

	uv_mutex_lock(&s->lock);
	while (s->state == SYNC_POSTED)
		uv_cond_wait(&s->cond, &s->lock);
	err = s->state == SYNC_DONE ? s->err : 0;
	s->state = SYNC_IDLE;
	uv_mutex_unlock(&s->lock);
	return err;
}

void sovd_syncer_free(struct sovd_syncer *s)
{
	if (!s)
		return;
	uv_mutex_lock(&s->lock);
	while (s->state == SYNC_POSTED)
		uv_cond_wait(&s->cond, &s->lock);
	s->quit = true;
	uv_cond_broadcast(&s->cond);
	uv_mutex_unlock(&s->lock);
	uv_thread_join(&s->thread);
	uv_cond_destroy(&s->cond);
	uv_mutex_destroy(&s->lock);
	uv_close((uv_handle_t *)&s->wake, on_closed);
}

pid_t sovd_syncer_tid(struct sovd_syncer *s)
{
	return s ? atomic_load(&s->tid) : 0;
}
