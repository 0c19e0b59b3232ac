// SPDX-License-Identifier: GPL-2.0
/*
 * Opening the two peers, the module (generic netlink) and sovereignd, and
 * the one way requests reach sovereignd (with --trace's context).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/trace/trace.h"
#include "sovctl.h"

int module_open(struct sov_genl *g, bool quiet_if_absent, bool *absent)
{
	struct sov_nl_err err;
	int ret;

	if (absent)
		*absent = false;
	ret = sov_genl_open(g);
	if (ret)
		return op_error("cannot open a generic netlink socket: %s",
				strerror(-ret));
	ret = sov_genl_resolve(g, SOV_GENL_NAME, &err);
	if (ret == -ENOENT) {
		sov_genl_close(g);
		if (absent)
			*absent = true;
		if (quiet_if_absent)
			return EXIT_FAIL;
		fprintf(stderr, "Error: %s\n", module_not_loaded_msg());
		return EXIT_FAIL;
	}
	if (ret) {
		sov_genl_close(g);
		return report_nl_error("resolving the \"" SOV_GENL_NAME "\" family",
				       &err, NULL, 0);
	}
	if (g->version < SOV_GENL_VERSION)
		verbose("module speaks family version %u, sovctl %u",
			g->version, SOV_GENL_VERSION);
	verbose("family \"%s\" id %u version %u", SOV_GENL_NAME, g->family,
		g->version);
	return EXIT_OK;
}

int daemon_open_at(struct sov_ctl *c, const char *path, bool quiet_if_absent, bool *absent)
{
	int ret = sov_ctl_connect(c, path);

	if (absent)
		*absent = false;
	if (!ret)
		return EXIT_OK;
	if (ret == -ENOENT || ret == -ECONNREFUSED) {
		if (absent)
			*absent = true;
		if (!quiet_if_absent)
			fprintf(stderr,
				"Error: sovereignd is not running (nothing listens on %s; start it with 'sovereignd' or 'systemctl start sovereignd')\n",
				path);
		return EXIT_FAIL;
	}
	if (ret == -EACCES || ret == -EPERM)
		return op_error("permission denied: %s is root-only (run as root)", path);
	return op_error("cannot connect to sovereignd at %s: %s", path, strerror(-ret));
}

int daemon_open(struct sov_ctl *c, bool quiet_if_absent, bool *absent)
{
	return daemon_open_at(c, sovctl.ctl_path, quiet_if_absent, absent);
}

/* ---- the trace context of --trace / --traceparent ---- */

static struct {
	bool on;		/* requests carry ctx */
	bool report;		/* --trace: say which trace it was */
	unsigned int sent;	/* requests that carried it */
	struct trace_ctx ctx;
} tc;

void daemon_trace_reset(void)
{
	memset(&tc, 0, sizeof(tc));
}

int daemon_trace_new(void)
{
	if (tc.on)
		return usage_error("--trace and --traceparent: give one of them");
	trace_ctx_new_root(&tc.ctx, true);
	tc.on = true;
	tc.report = true;
	return EXIT_OK;
}

int daemon_trace_join(const char *traceparent)
{
	struct trace_ctx ctx;
	int ret;

	if (tc.on)
		return usage_error("--trace and --traceparent: give one of them");
	ret = trace_ctx_parse(&ctx, traceparent, strlen(traceparent));
	if (ret)
		return usage_error("--traceparent \"%s\": %s (expected 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase)",
				   traceparent, trace_ctx_strerror(ret));
	tc.ctx = ctx;
	tc.on = true;
	return EXIT_OK;
}

void daemon_trace_report(void)
{
	char hex[33];

	if (!tc.report || !tc.sent)
		return;
	trace_id_hex(&tc.ctx.trace_id, hex);
	fprintf(stderr, "trace: %s\n", hex);
}

/* The library's call itself from here on, not the macro of sovctl.h. */
#undef sov_ctl_transact

int daemon_transact(struct sov_ctl *c, struct nlmsghdr *req, sov_nl_cb cb,
		    void *data, struct sov_nl_err *err)
{
	struct trace_ctx ctx = tc.ctx;
	uint8_t bin[TRACE_CTX_BIN_LEN];
	struct nlmsghdr *copy;
	int ret;

	if (!tc.on)
		return sov_ctl_transact(c, req, cb, data, err);
	/*
	 * A copy with room for the attribute: the caller's buffer may be
	 * just big enough for its own request. sovctl is the client span the
	 * daemon's spans hang under; it records nothing itself.
	 */
	copy = malloc(req->nlmsg_len + MNL_ATTR_HDRLEN + MNL_ALIGN(TRACE_CTX_BIN_LEN));
	if (!copy) {
		sov_nl_err_set(err, -ENOMEM, "out of memory");
		return err->error;
	}
	memcpy(copy, req, req->nlmsg_len);
	ctx.span_id = trace_span_id_random();
	ctx.flags &= TRACE_FLAGS_KNOWN;	/* W3C: unknown flags are not passed on */
	trace_ctx_to_bin(&ctx, bin);
	mnl_attr_put(copy, SOV_TRACE_CTX_ATTR, sizeof(bin), bin);
	ret = sov_ctl_transact(c, copy, cb, data, err);
	req->nlmsg_flags = copy->nlmsg_flags;
	req->nlmsg_seq = copy->nlmsg_seq;
	free(copy);
	tc.sent++;
	return ret;
}
