/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lib/raft/wire: Raft messages as netlink messages, for the TCP link between
 * daemons (Documentation/raft-transport.rst).
 *
 * A frame is nlmsghdr (type SOV_CTL_FAMILY_ID, flags NLM_F_REQUEST, seq
 * counting the link's frames) + genlmsghdr (SOV_CMD_RAFT_HELLO or
 * SOV_CMD_RAFT_MSG, version SOV_GENL_VERSION) + SOV_A_RAFT_* attributes:
 * the daemon socket's encoding, delimited on the stream by nlmsg_len.
 *
 * Decoding trusts nothing: every attribute's type, flags, length and place
 * are checked, unknown or repeated ones are refused, sizes are bounded by
 * the SOV_RAFT_*_MAX limits, and the error names the attribute at fault.
 * Decoding is syntax only; raft_step() checks what the values mean.
 */
#ifndef SOV_RAFT_WIRE_H
#define SOV_RAFT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../nl/nl.h"
#include "../../uapi/linux/sovereign.h"
#include "raft.h"

/*
 * Data bytes per attribute when an entry's data or a chunk is split: an
 * attribute holds at most 65531 bytes, and an ENTRY nest must also fit its
 * term, index and type under that.
 */
#define SOV_RAFT_WIRE_PIECE	(60 << 10)
/* A peer whose HELLO was not accepted yet may send no larger frame. */
#define SOV_RAFT_WIRE_HELLO_MAX	1024

struct sov_raft_hello {
	char cluster_id[SOV_RAFT_CLUSTER_ID_MAX + 1];
	raft_id_t from;		/* the sender */
	raft_id_t to;		/* whom the sender believes it is talking to */
};

/* "APPEND", "VOTE_RESP", ...: the names of enum sov_raft_msg, for messages. */
const char *sov_raft_wire_type_name(uint8_t type);

/* 0 if @id is 1-SOV_RAFT_CLUSTER_ID_MAX characters of [A-Za-z0-9._-]. */
int sov_raft_cluster_id_check(const char *id);

/*
 * Encoding. The size is computed first and checked against the limits: a
 * message that cannot be sent is -EMSGSIZE, one that is not a valid
 * raft_msg (unknown type, entries outside APPEND, ...) is -EINVAL; @err
 * (may be NULL) says why. Returns the frame's length.
 */
ssize_t sov_raft_wire_size(const struct raft_msg *m, struct sov_nl_err *err);
ssize_t sov_raft_wire_encode(const struct raft_msg *m, uint32_t seq, void *buf,
			     size_t size, struct sov_nl_err *err);
/* The same into a new buffer (*out, for free()). */
ssize_t sov_raft_wire_encode_alloc(const struct raft_msg *m, uint32_t seq,
				   void **out, struct sov_nl_err *err);
ssize_t sov_raft_wire_encode_hello(const struct sov_raft_hello *h, uint32_t seq,
				   void *buf, size_t size, struct sov_nl_err *err);

/*
 * Decoding of one complete frame of @len bytes (as sov_frame_len_max()
 * delimited it; @frame needs no alignment). Errors are -EINVAL with the
 * reason in @err (required).
 */
/* Check the headers; returns the command (SOV_CMD_RAFT_HELLO or _MSG). */
int sov_raft_wire_cmd(const void *frame, size_t len, struct sov_nl_err *err);
int sov_raft_wire_decode_hello(const void *frame, size_t len,
			       struct sov_raft_hello *h, struct sov_nl_err *err);
/*
 * @m owns what it points to afterwards (entries, their data, the chunk):
 * release it with sov_raft_wire_msg_free(), not with raft's own functions.
 * On error @m is zeroed and nothing is allocated.
 */
int sov_raft_wire_decode(const void *frame, size_t len, struct raft_msg *m,
			 struct sov_nl_err *err);
void sov_raft_wire_msg_free(struct raft_msg *m);

#endif /* SOV_RAFT_WIRE_H */
