// SPDX-License-Identifier: GPL-2.0
/*
 * tests/sim: the virtual clock, a binary heap of events ordered by time and
 * then by insertion, so two events at the same instant always run in the
 * same order.
 */
#include <stdlib.h>

#include "sim.h"

static bool before(const struct event *a, const struct event *b)
{
	return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

void ev_push(struct sim *w, simtime_t at, uint8_t type, uint32_t who, uint64_t arg, void *ptr)
{
	struct event_queue *q = &w->evq;
	size_t i;

	if (at < w->now)
		at = w->now;
	ARRAY_RESERVE(q->h, q->cap, q->n + 1);
	i = q->n++;
	q->h[i] = (struct event){ at, q->seq++, type, who, arg, ptr };
	while (i && before(&q->h[i], &q->h[(i - 1) / 2])) {
		struct event t = q->h[i];

		q->h[i] = q->h[(i - 1) / 2];
		q->h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

bool ev_pop(struct event_queue *q, struct event *out)
{
	size_t i = 0;

	if (!q->n)
		return false;
	*out = q->h[0];
	q->h[0] = q->h[--q->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct event t;

		if (l < q->n && before(&q->h[l], &q->h[m]))
			m = l;
		if (r < q->n && before(&q->h[r], &q->h[m]))
			m = r;
		if (m == i)
			break;
		t = q->h[i];
		q->h[i] = q->h[m];
		q->h[m] = t;
		i = m;
	}
	return true;
}

/* messages still in flight when the run ends */
void ev_free(struct event_queue *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (q->h[i].type == EV_DELIVER)
			net_msg_free(q->h[i].ptr);
	free(q->h);
	q->h = NULL;
	q->n = q->cap = 0;
}
