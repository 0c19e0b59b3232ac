/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsovereign netlink codec and clients.
 *
 * One codec for every peer: the kernel (generic netlink over libmnl) and
 * sovereignd (the same messages over a unix stream socket). Errors come back
 * as a negative errno plus the peer's message (kernel extack or the daemon's
 * NLMSGERR_ATTR_MSG), in struct sov_nl_err.
 */
#ifndef SOV_NL_H
#define SOV_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#define SOV_NL_BUFSZ	(64 * 1024)
#define SOV_NL_MAXMSG	SOV_NL_BUFSZ	/* larger frames are refused */

struct sov_nl_err {
	int error;		/* 0 or a negative errno */
	char msg[256];		/* peer's message, "" if none */
	int attr_type;		/* type of the offending attribute, -1 if unknown */
	bool has_range;		/* the peer sent the policy's valid range */
	int64_t min, max;
};

void sov_nl_err_clear(struct sov_nl_err *e);
void sov_nl_err_set(struct sov_nl_err *e, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Start a genl request/reply in @buf (at least SOV_NL_BUFSZ bytes). */
struct nlmsghdr *sov_nl_put_hdr(void *buf, uint16_t type, uint8_t cmd,
				uint8_t version, uint16_t flags, uint32_t seq);

/* Called for every data message; return MNL_CB_OK/STOP/ERROR. */
typedef int (*sov_nl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Run the messages in @buf: data messages go to @cb, NLMSG_ERROR/DONE end
 * the exchange. @req (may be NULL) is the request, used to name the attribute
 * an error points at. Returns 1 if more messages are expected, 0 when done,
 * <0 on error (details in @err).
 */
int sov_nl_process(const void *buf, size_t len, uint32_t seq,
		   const struct nlmsghdr *req, sov_nl_cb cb, void *data,
		   struct sov_nl_err *err);

/* Decode an NLMSG_ERROR (ack or error with extack TLVs) into @err. */
int sov_nl_parse_error(const struct nlmsghdr *nlh, const struct nlmsghdr *req,
		       struct sov_nl_err *err);

/* Build an NLMSG_ERROR answering @req: an ack if @error is 0. Returns its length. */
size_t sov_nl_put_error(void *buf, size_t size, const struct nlmsghdr *req,
			int error, const char *msg);

/* Build the NLMSG_DONE ending a dump that answers @req. Returns its length. */
size_t sov_nl_put_done(void *buf, const struct nlmsghdr *req, int error);

/*
 * Parse the attributes after a genl header into @tb[0..max]. @types gives the
 * expected libmnl type per attribute (MNL_TYPE_UNSPEC: any); unknown types
 * above @max are rejected like the kernel's strict validation does. The
 * trace context (SOV_TRACE_CTX_ATTR), which any request may carry, is not
 * one of the command's attributes: it is skipped (sov_nl_trace_attr()).
 */
int sov_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		 unsigned int max, const enum mnl_attr_data_type *types,
		 struct sov_nl_err *err);
/*
 * The reader's side of the same: keep each attribute of a known type
 * (<= @max) whose type and length match @types, skip the others. Replies
 * from a newer peer may carry attributes this build does not know.
 */
void sov_nl_parse_known(const struct nlmsghdr *nlh, const struct nlattr **tb,
			unsigned int max, const enum mnl_attr_data_type *types);
/* The request's trace context attribute, unvalidated; NULL if none. */
const struct nlattr *sov_nl_trace_attr(const struct nlmsghdr *nlh);
int sov_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			unsigned int max, const enum mnl_attr_data_type *types,
			struct sov_nl_err *err);

/* Stream framing: 0 = need more bytes, >0 = length of the first message, <0 = garbage. */
ssize_t sov_frame_len(const void *buf, size_t len);
/* The same with another bound than SOV_NL_MAXMSG (the peer link carries larger frames). */
ssize_t sov_frame_len_max(const void *buf, size_t len, size_t max);

/* Generic netlink client. */
#define SOV_GENL_MAX_GROUPS 8
struct sov_genl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t version;
	unsigned int ngroups;
	struct {
		char name[GENL_NAMSIZ];
		uint32_t id;
	} groups[SOV_GENL_MAX_GROUPS];
};

int sov_genl_open(struct sov_genl *g);
void sov_genl_close(struct sov_genl *g);
/* -ENOENT when the family is not registered (module not loaded). */
int sov_genl_resolve(struct sov_genl *g, const char *family,
		     struct sov_nl_err *err);
int sov_genl_group_id(const struct sov_genl *g, const char *group,
		      uint32_t *id);
int sov_genl_join(struct sov_genl *g, uint32_t group_id);
int sov_genl_leave(struct sov_genl *g, uint32_t group_id);
int sov_genl_transact(struct sov_genl *g, struct nlmsghdr *req, sov_nl_cb cb,
		      void *data, struct sov_nl_err *err);
int sov_genl_fd(const struct sov_genl *g);

/* Decode a nlctrl notification: *cmd is CTRL_CMD_*, @name the family. */
int sov_genl_ctrl_event(const struct nlmsghdr *nlh, uint8_t *cmd, char *name,
			size_t size);

/* sovereignd control socket client. */
struct sov_ctl {
	int fd;
	uint32_t seq;
	size_t rxlen;
	unsigned char rx[SOV_NL_BUFSZ];
};

int sov_ctl_connect(struct sov_ctl *c, const char *path);
void sov_ctl_close(struct sov_ctl *c);
int sov_ctl_transact(struct sov_ctl *c, struct nlmsghdr *req, sov_nl_cb cb,
		     void *data, struct sov_nl_err *err);

#endif /* SOV_NL_H */
