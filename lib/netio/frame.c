// SPDX-License-Identifier: GPL-2.0
/*
 * txonly frames: locally administered MACs, 10.11.0.1 -> 10.11.0.2, UDP to
 * the discard port with no checksum (allowed for IPv4), so that a stack or
 * an XDP program on the way sees valid headers. The stamp follows UDP.
 */
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "frame.h"

static const uint8_t mac_dst[6] = { 0x02, 0x53, 0x4f, 0x56, 0x00, 0x02 };
static const uint8_t mac_src[6] = { 0x02, 0x53, 0x4f, 0x56, 0x00, 0x01 };

uint64_t netio_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint16_t ip_csum(const uint8_t *p, unsigned int len)
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void netio_frame_build(uint8_t *p, uint32_t len, uint32_t sender)
{
	uint8_t *ip = p + 14, *udp = ip + 20;
	struct netio_stamp st = { .magic = NETIO_MAGIC, .sender = (uint16_t)sender };

	memset(p, 0, len);
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	put16(p + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	ip[8] = 64;			/* TTL */
	ip[9] = 17;			/* UDP */
	ip[12] = 10; ip[13] = 11; ip[14] = 0; ip[15] = 1;
	ip[16] = 10; ip[17] = 11; ip[18] = 0; ip[19] = 2;
	put16(ip + 10, ip_csum(ip, 20));
	put16(udp, NETIO_UDP_PORT);
	put16(udp + 2, NETIO_UDP_PORT);
	put16(udp + 4, (uint16_t)(len - 34));
	memcpy(p + NETIO_HDR_LEN, &st, sizeof(st));
}

void netio_frame_stamp(uint8_t *p, uint32_t seq, uint64_t now_ns)
{
	struct netio_stamp *st = (struct netio_stamp *)(p + NETIO_HDR_LEN);

	st->seq = seq;
	st->tx_ns = now_ns;
}

const struct netio_stamp *netio_frame_parse(const uint8_t *p, uint32_t len)
{
	const struct netio_stamp *st;

	if (len < (uint32_t)NETIO_FRAME_MIN || p[12] != 0x08 || p[13] != 0x00 || p[23] != 17)
		return NULL;
	st = (const struct netio_stamp *)(p + NETIO_HDR_LEN);
	return st->magic == NETIO_MAGIC ? st : NULL;
}

void netio_frame_swap_mac(uint8_t *p)
{
	uint8_t t[6];

	memcpy(t, p, 6);
	memcpy(p, p + 6, 6);
	memcpy(p + 6, t, 6);
}
