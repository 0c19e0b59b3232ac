/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Health of one backend as a state machine over check results; no I/O.
 *
 * A backend starts UNKNOWN and is not served: it must first pass @rise
 * consecutive checks (then UP), so that a backend added while still booting
 * takes no flows. @fall consecutive failures take it DOWN, from UP or
 * UNKNOWN; @rise consecutive successes bring it UP again. A result of the
 * other kind restarts the count, so a flapping backend stays where it is
 * until one kind of result wins @rise or @fall times in a row.
 *
 * Only UP serves. When the operator turns health checks off for a service,
 * the daemon does not consult this state: every backend of non-zero weight
 * serves.
 */
#ifndef SOV_LB_HEALTH_H
#define SOV_LB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOV_HEALTH_HISTORY		16U	/* transitions kept per backend */
#define SOV_HEALTH_INTERVAL_MIN_S	1U
#define SOV_HEALTH_INTERVAL_MAX_S	60U
#define SOV_HEALTH_THRESHOLD_MIN	1U	/* rise and fall */
#define SOV_HEALTH_THRESHOLD_MAX	10U

enum sov_health_state {
	SOV_HEALTH_UNKNOWN = 0,
	SOV_HEALTH_UP,
	SOV_HEALTH_DOWN,
};

enum sov_health_change {
	SOV_HEALTH_NONE = 0,
	SOV_HEALTH_WENT_UP,
	SOV_HEALTH_WENT_DOWN,	/* from UP, or from UNKNOWN (serving unchanged) */
};

struct sov_health_event {
	uint64_t at_ns;			/* @now_ns of the report that caused it */
	enum sov_health_state from, to;
};

struct sov_health {
	enum sov_health_state state;
	unsigned int rise, fall;
	unsigned int ok_run, fail_run;	/* consecutive results, one is always 0 */
	uint64_t checks, failures;	/* totals since init */
	uint64_t last_ns;		/* last report, 0 before any */
	uint64_t changed_ns;		/* last transition, 0 before any */
	uint64_t transitions;		/* total; the ring holds the last 16 */
	struct sov_health_event history[SOV_HEALTH_HISTORY];
};

/* Start UNKNOWN with no history. -EINVAL if @rise or @fall is not 1-10. */
int sov_health_init(struct sov_health *h, unsigned int rise, unsigned int fall);

/*
 * New thresholds for a live backend: state and runs are kept, and the next
 * report compares them with the new values. -EINVAL as for init.
 */
int sov_health_set_thresholds(struct sov_health *h, unsigned int rise,
			      unsigned int fall);

/* Feed one check result; @now_ns is a monotonic timestamp. */
enum sov_health_change sov_health_report(struct sov_health *h, bool ok,
					 uint64_t now_ns);

static inline bool sov_health_serving(const struct sov_health *h)
{
	return h->state == SOV_HEALTH_UP;
}

const char *sov_health_state_name(enum sov_health_state s);

/*
 * Copy the most recent transitions, at most @max, oldest first, into @out.
 * Returns how many were copied.
 */
unsigned int sov_health_history(const struct sov_health *h,
				struct sov_health_event *out, unsigned int max);

/* Health-check settings of a service, as the operator gives them. */
struct sov_health_config {
	uint32_t interval_s;	/* 1-60 */
	uint32_t timeout_ms;	/* 1 .. interval - 1 ms */
	uint32_t rise;		/* 1-10 */
	uint32_t fall;		/* 1-10 */
};

/*
 * 0 if @c is valid, else -EINVAL with @msg (may be NULL) naming the first bad
 * field and its allowed range, e.g. "interval 0 s out of range: expected
 * 1-60 s". @msg is "" on success.
 */
int sov_health_config_validate(const struct sov_health_config *c, char *msg,
			       size_t msglen);

#endif
