/* SPDX-License-Identifier: GPL-2.0 */
/*
 * packet.h - build test packets from a one-line description such as
 *
 *	eth(src=02:00:00:00:00:01) ipv4(src=10.0.0.1,dst=10.0.0.2,ttl=64)
 *	    udp(sport=1234,dport=7) payload(68 65 6c 6c 6f)
 *
 * Lengths, next-protocol fields and checksums (IPv4 header, UDP and TCP
 * over IPv4/IPv6) are computed unless given explicitly.  The grammar and
 * the fields of every layer are documented in tests/bpf/README.md.
 */
#ifndef SOV_TESTS_BPF_PACKET_H
#define SOV_TESTS_BPF_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* Largest packet the builder produces; XDP test runs take at most a page. */
#define PKT_MAX_LEN 4096

struct pkt_err {
	size_t pos;		/* byte offset of the problem in the description */
	char msg[256];
};

/*
 * Does text look like a packet description (first word contains '(')
 * rather than raw hex bytes?
 */
int pkt_is_description(const char *text);

/*
 * Build the packet described by desc into buf (cap bytes).  Returns 0 and
 * sets *len, or -1 with err->pos/err->msg describing the first problem.
 */
int pkt_build(const char *desc, uint8_t *buf, size_t cap, size_t *len,
	      struct pkt_err *err);

/* Value of one hex digit, or -1. */
int pkt_hexval(int c);

/* "aa:bb:cc:dd:ee:ff" -> 6 bytes; returns 0 or -1. */
int pkt_parse_mac(const char *s, size_t n, uint8_t mac[6]);

/* RFC 1071 one's complement sum helpers (exposed for tests/tools). */
uint32_t pkt_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t pkt_csum_fold(uint32_t sum);

#endif /* SOV_TESTS_BPF_PACKET_H */
