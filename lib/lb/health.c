// SPDX-License-Identifier: GPL-2.0
/* Backend health state machine and health-check settings: see health.h. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "health.h"

static bool threshold_ok(unsigned int v)
{
	return v >= SOV_HEALTH_THRESHOLD_MIN && v <= SOV_HEALTH_THRESHOLD_MAX;
}

int sov_health_set_thresholds(struct sov_health *h, unsigned int rise,
			      unsigned int fall)
{
	if (!h || !threshold_ok(rise) || !threshold_ok(fall))
		return -EINVAL;
	h->rise = rise;
	h->fall = fall;
	return 0;
}

int sov_health_init(struct sov_health *h, unsigned int rise, unsigned int fall)
{
	if (!h || !threshold_ok(rise) || !threshold_ok(fall))
		return -EINVAL;
	memset(h, 0, sizeof(*h));
	h->state = SOV_HEALTH_UNKNOWN;
	return sov_health_set_thresholds(h, rise, fall);
}

static void transition(struct sov_health *h, enum sov_health_state to,
		       uint64_t now_ns)
{
	struct sov_health_event *e = &h->history[h->transitions % SOV_HEALTH_HISTORY];

	e->at_ns = now_ns;
	e->from = h->state;
	e->to = to;
	h->transitions++;
	h->state = to;
	h->changed_ns = now_ns;
}

enum sov_health_change sov_health_report(struct sov_health *h, bool ok,
					 uint64_t now_ns)
{
	h->checks++;
	h->last_ns = now_ns;
	if (ok) {
		h->fail_run = 0;
		if (h->ok_run < UINT_MAX)
			h->ok_run++;
		if (h->state != SOV_HEALTH_UP && h->ok_run >= h->rise) {
			transition(h, SOV_HEALTH_UP, now_ns);
			return SOV_HEALTH_WENT_UP;
		}
	} else {
		h->failures++;
		h->ok_run = 0;
		if (h->fail_run < UINT_MAX)
			h->fail_run++;
		if (h->state != SOV_HEALTH_DOWN && h->fail_run >= h->fall) {
			transition(h, SOV_HEALTH_DOWN, now_ns);
			return SOV_HEALTH_WENT_DOWN;
		}
	}
	return SOV_HEALTH_NONE;
}

const char *sov_health_state_name(enum sov_health_state s)
{
	switch (s) {
	case SOV_HEALTH_UNKNOWN:
		return "unknown";
	case SOV_HEALTH_UP:
		return "up";
	case SOV_HEALTH_DOWN:
		return "down";
	}
	return "?";
}

unsigned int sov_health_history(const struct sov_health *h,
				struct sov_health_event *out, unsigned int max)
{
	uint64_t held = h->transitions < SOV_HEALTH_HISTORY ?
			h->transitions : SOV_HEALTH_HISTORY;
	unsigned int i, n = held < max ? (unsigned int)held : max;
	uint64_t first = h->transitions - n;

	for (i = 0; i < n; i++)
		out[i] = h->history[(first + i) % SOV_HEALTH_HISTORY];
	return n;
}

__attribute__((format(printf, 3, 4)))
static int invalid(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int sov_health_config_validate(const struct sov_health_config *c, char *msg,
			       size_t msglen)
{
	uint64_t tmax;

	if (msg && msglen)
		msg[0] = '\0';
	if (c->interval_s < SOV_HEALTH_INTERVAL_MIN_S ||
	    c->interval_s > SOV_HEALTH_INTERVAL_MAX_S)
		return invalid(msg, msglen,
			       "interval %u s out of range: expected %u-%u s",
			       c->interval_s, SOV_HEALTH_INTERVAL_MIN_S,
			       SOV_HEALTH_INTERVAL_MAX_S);
	/* a check must end before the next one starts */
	tmax = (uint64_t)c->interval_s * 1000 - 1;
	if (!c->timeout_ms || c->timeout_ms > tmax)
		return invalid(msg, msglen,
			       "timeout %u ms out of range: expected 1-%llu ms (below the %u s interval)",
			       c->timeout_ms, (unsigned long long)tmax,
			       c->interval_s);
	if (!threshold_ok(c->rise))
		return invalid(msg, msglen,
			       "rise %u out of range: expected %u-%u", c->rise,
			       SOV_HEALTH_THRESHOLD_MIN, SOV_HEALTH_THRESHOLD_MAX);
	if (!threshold_ok(c->fall))
		return invalid(msg, msglen,
			       "fall %u out of range: expected %u-%u", c->fall,
			       SOV_HEALTH_THRESHOLD_MIN, SOV_HEALTH_THRESHOLD_MAX);
	return 0;
}
