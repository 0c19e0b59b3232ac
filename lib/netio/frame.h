/* SPDX-License-Identifier: GPL-2.0 */
/* The txonly frame: Ethernet, IPv4, UDP, then the stamp, zero padded. */
#ifndef SOV_NETIO_FRAME_H
#define SOV_NETIO_FRAME_H

#include <stdbool.h>
#include <stdint.h>

#define NETIO_MAGIC		0x5356u	/* "SV" */
#define NETIO_HDR_LEN		(14 + 20 + 8)
#define NETIO_UDP_PORT		9	/* discard */

/* 16 bytes, so that a 64-byte frame holds it (42 + 16 = 58) */
struct netio_stamp {
	uint64_t tx_ns;		/* CLOCK_MONOTONIC */
	uint32_t seq;		/* wraps */
	uint16_t magic;
	uint16_t sender;	/* which socket sent it */
} __attribute__((packed));

#define NETIO_FRAME_MIN	(NETIO_HDR_LEN + (int)sizeof(struct netio_stamp))

/* Write a whole frame of @len bytes (headers valid, IPv4 checksum set). */
void netio_frame_build(uint8_t *p, uint32_t len, uint32_t sender);
/* Stamp a built frame with @seq and the time now. */
void netio_frame_stamp(uint8_t *p, uint32_t seq, uint64_t now_ns);
/* The stamp of a received txonly frame, or NULL if it is not one. */
const struct netio_stamp *netio_frame_parse(const uint8_t *p, uint32_t len);
/* l2fwd: swap destination and source MAC. */
void netio_frame_swap_mac(uint8_t *p);
uint64_t netio_now_ns(void);

#endif
