// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: netio's flow table (kmod/netio/flowtab.c): flow keys parsed from
 * IPv4, IPv6 (extension headers, fragments), VLAN and QinQ, ARP, malformed
 * and truncated frames (every prefix of each, and random bytes, parsed
 * twice with different bytes past the end: the key must not change, so
 * nothing past the length was read); the table filled with 1024 flows,
 * collisions counted in the set's least recently used entry as flowtab.h
 * says; the dump; reset.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/if_vlan.h>
#include <linux/in.h>
#include <linux/kernel.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "../../kmod/netio/flowtab.h"

#define FRAME_MAX	256

static const u8 mac_dst[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x02 };
static const u8 mac_src[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const u8 v4_src[4] = { 10, 0, 0, 1 };
static const u8 v4_dst[4] = { 192, 168, 7, 9 };
static const u8 v6_src[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const u8 v6_dst[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 2 };

static int ft_init(struct kunit *test)
{
	struct sov_flowtab *t = sov_flowtab_alloc(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	return 0;
}

static void ft_exit(struct kunit *test)
{
	sov_flowtab_free(test->priv);
}

/* Frame builders: each writes at @b + *@off and moves *@off on. */
static void put(u8 *b, u32 *off, const void *p, u32 n)
{
	memcpy(b + *off, p, n);
	*off += n;
}

static void put16(u8 *b, u32 *off, u16 v)
{
	__be16 be = htons(v);

	put(b, off, &be, 2);
}

static void put_eth(u8 *b, u32 *off, const u16 *tags, unsigned int ntags, u16 type)
{
	unsigned int i;

	put(b, off, mac_dst, ETH_ALEN);
	put(b, off, mac_src, ETH_ALEN);
	for (i = 0; i < ntags; i++) {
		put16(b, off, i ? ETH_P_8021Q : (ntags > 1 ? ETH_P_8021AD : ETH_P_8021Q));
		put16(b, off, tags[i]);
	}
	put16(b, off, type);
}

/* an IPv4 header of @ihl words (options zero), fragment field @frag */
static void put_ipv4(u8 *b, u32 *off, u8 ihl, u8 proto, u16 frag)
{
	u8 h[60] = { 0 };

	h[0] = 0x40 | ihl;
	h[3] = 60;		/* total length: not checked by the parser */
	h[6] = frag >> 8;
	h[7] = frag & 0xff;
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, v4_src, 4);
	memcpy(h + 16, v4_dst, 4);
	put(b, off, h, ihl * 4);
}

static void put_ipv6(u8 *b, u32 *off, u8 nexthdr)
{
	u8 h[40] = { 0x60 };

	h[5] = 40;
	h[6] = nexthdr;
	h[7] = 64;
	memcpy(h + 8, v6_src, 16);
	memcpy(h + 24, v6_dst, 16);
	put(b, off, h, sizeof(h));
}

/* an IPv6 options header (hop-by-hop, destination, routing) of @units * 8 bytes */
static void put_ext(u8 *b, u32 *off, u8 nexthdr, u8 units)
{
	u8 h[64] = { nexthdr, units - 1 };

	put(b, off, h, units * 8);
}

static void put_ports(u8 *b, u32 *off, u16 sport, u16 dport)
{
	put16(b, off, sport);
	put16(b, off, dport);
}

/*
 * A test frame and where its layers end: @l2 after the Ethernet header and
 * tags, @l3 after the IP header (IPv6: the fixed one), @l3x after IPv6
 * extension headers (= @l3 when none), @l4 after the ports (= @l3x when
 * there are none to read).
 */
struct frame_case {
	const char *name;
	u32 (*build)(u8 *b);
	u32 l2, l3, l3x, l4;
};

static u32 build_v4_tcp_opts(u8 *b)
{
	u32 off = 0;

	put_eth(b, &off, NULL, 0, ETH_P_IP);
	put_ipv4(b, &off, 6, IPPROTO_TCP, 0x4000);	/* DF, one word of options */
	put_ports(b, &off, 1234, 80);
	return off;
}

static u32 build_v4_udp_qinq(u8 *b)
{
	static const u16 tags[] = { 0x20c8, 0xa064 };	/* VID 200 (PCP 1), VID 100 (PCP 5) */
	u32 off = 0;

	put_eth(b, &off, tags, 2, ETH_P_IP);
	put_ipv4(b, &off, 5, IPPROTO_UDP, 0);
	put_ports(b, &off, 53, 40000);
	return off;
}

static u32 build_v6_hbh_dst_tcp(u8 *b)
{
	static const u16 tags[] = { 7 };
	u32 off = 0;

	put_eth(b, &off, tags, 1, ETH_P_IPV6);
	put_ipv6(b, &off, NEXTHDR_HOP);
	put_ext(b, &off, NEXTHDR_DEST, 1);
	put_ext(b, &off, IPPROTO_TCP, 2);
	put_ports(b, &off, 443, 51000);
	return off;
}

static u32 build_v6_frag(u8 *b)
{
	u8 frag[8] = { IPPROTO_UDP, 0, 0, 1 };	/* offset 0, more fragments */
	u32 off = 0;

	put_eth(b, &off, NULL, 0, ETH_P_IPV6);
	put_ipv6(b, &off, NEXTHDR_FRAGMENT);
	put(b, &off, frag, sizeof(frag));
	put_ports(b, &off, 9, 9);
	return off;
}

static u32 build_arp(u8 *b)
{
	u8 arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	u32 off = 0;

	put_eth(b, &off, NULL, 0, ETH_P_ARP);
	put(b, &off, arp, sizeof(arp));
	return off;
}

static u32 build_v4_icmp(u8 *b)
{
	u32 off = 0;

	put_eth(b, &off, NULL, 0, ETH_P_IP);
	put_ipv4(b, &off, 5, IPPROTO_ICMP, 0);
	put_ports(b, &off, 0x0800, 1);	/* echo request: not ports */
	return off;
}

static const struct frame_case frame_cases[] = {
	{ "ipv4 tcp options", build_v4_tcp_opts, 14, 38, 38, 42 },
	{ "ipv4 udp qinq", build_v4_udp_qinq, 22, 42, 42, 46 },
	{ "ipv6 vlan hbh dst tcp", build_v6_hbh_dst_tcp, 18, 58, 82, 86 },
	{ "ipv6 fragment", build_v6_frag, 14, 54, 62, 62 },
	{ "arp", build_arp, 14, 14, 14, 14 },
	{ "ipv4 icmp", build_v4_icmp, 14, 34, 34, 34 },
};

static void frame_case_desc(const struct frame_case *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(frame, frame_cases, frame_case_desc);

static u8 *frame_buf(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, FRAME_MAX, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	return b;
}

static void expect_addr(struct kunit *test, const u8 *got, const u8 *want, u32 n)
{
	u8 zero[16] = { 0 };

	KUNIT_EXPECT_EQ(test, memcmp(got, want, n), 0);
	KUNIT_EXPECT_EQ(test, memcmp(got + n, zero, 16 - n), 0);
}

static void ft_parse_ipv4(struct kunit *test)
{
	struct sov_flow_key k;
	u8 *b = frame_buf(test);
	u32 len = build_v4_tcp_opts(b);

	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, len, &k), 0);
	KUNIT_EXPECT_EQ(test, k.addr_len, 4);
	expect_addr(test, k.src, v4_src, 4);
	expect_addr(test, k.dst, v4_dst, 4);
	KUNIT_EXPECT_EQ(test, k.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, k.has_ports, 1);
	KUNIT_EXPECT_EQ(test, ntohs(k.sport), 1234);
	KUNIT_EXPECT_EQ(test, ntohs(k.dport), 80);
	KUNIT_EXPECT_EQ(test, ntohs(k.ethertype), ETH_P_IP);
	KUNIT_EXPECT_EQ(test, k.vlan, 0);

	/* ICMP: no ports */
	len = build_v4_icmp(b);
	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, len, &k), 0);
	KUNIT_EXPECT_EQ(test, k.proto, IPPROTO_ICMP);
	KUNIT_EXPECT_EQ(test, k.has_ports, 0);
	KUNIT_EXPECT_EQ(test, k.sport, 0);
	KUNIT_EXPECT_EQ(test, k.dport, 0);
}

static void ft_parse_vlan(struct kunit *test)
{
	static const u16 tag[] = { 0xe00a };	/* PCP 7, VID 10 */
	struct sov_flow_key k;
	u8 *b = frame_buf(test);
	u32 len = build_v4_udp_qinq(b), off = 0;

	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, len, &k), 0);
	KUNIT_EXPECT_EQ(test, k.vlan, 200);	/* the outer tag's */
	KUNIT_EXPECT_EQ(test, ntohs(k.ethertype), ETH_P_IP);
	KUNIT_EXPECT_EQ(test, k.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, ntohs(k.sport), 53);
	KUNIT_EXPECT_EQ(test, ntohs(k.dport), 40000);
	expect_addr(test, k.src, v4_src, 4);

	/* one 802.1Q tag in front of ARP */
	put_eth(b, &off, tag, 1, ETH_P_ARP);
	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, off + 28, &k), 0);
	KUNIT_EXPECT_EQ(test, k.vlan, 10);
	KUNIT_EXPECT_EQ(test, ntohs(k.ethertype), ETH_P_ARP);
	KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
}

static void ft_parse_ipv6(struct kunit *test)
{
	struct sov_flow_key k;
	u8 *b = frame_buf(test);
	u32 len = build_v6_hbh_dst_tcp(b), off = 0;

	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, len, &k), 0);
	KUNIT_EXPECT_EQ(test, k.addr_len, 16);
	expect_addr(test, k.src, v6_src, 16);
	expect_addr(test, k.dst, v6_dst, 16);
	KUNIT_EXPECT_EQ(test, k.proto, IPPROTO_TCP);
	KUNIT_EXPECT_EQ(test, ntohs(k.sport), 443);
	KUNIT_EXPECT_EQ(test, ntohs(k.dport), 51000);
	KUNIT_EXPECT_EQ(test, k.vlan, 7);
	KUNIT_EXPECT_EQ(test, ntohs(k.ethertype), ETH_P_IPV6);

	/* a fragment: the datagram's protocol, no ports */
	len = build_v6_frag(b);
	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, len, &k), 0);
	KUNIT_EXPECT_EQ(test, k.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, k.has_ports, 0);
	KUNIT_EXPECT_EQ(test, k.sport, 0);

	/* plain UDP */
	put_eth(b, &off, NULL, 0, ETH_P_IPV6);
	put_ipv6(b, &off, IPPROTO_UDP);
	put_ports(b, &off, 5353, 5353);
	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, off, &k), 0);
	KUNIT_EXPECT_EQ(test, k.proto, IPPROTO_UDP);
	KUNIT_EXPECT_EQ(test, ntohs(k.sport), 5353);

	/* a chain longer than SOV_FLOWTAB_EXTHDR_MAX: its last header, no ports */
	off = 0;
	put_eth(b, &off, NULL, 0, ETH_P_IPV6);
	put_ipv6(b, &off, NEXTHDR_DEST);
	for (len = 0; len < SOV_FLOWTAB_EXTHDR_MAX; len++)
		put_ext(b, &off, NEXTHDR_DEST, 1);
	put_ports(b, &off, 1, 2);
	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, off, &k), 0);
	KUNIT_EXPECT_EQ(test, k.proto, NEXTHDR_DEST);
	KUNIT_EXPECT_EQ(test, k.has_ports, 0);
}

static void ft_parse_arp(struct kunit *test)
{
	struct sov_flow_key k;
	u8 *b = frame_buf(test);
	u32 len = build_arp(b);

	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, len, &k), 0);
	KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
	expect_addr(test, k.src, mac_src, ETH_ALEN);
	expect_addr(test, k.dst, mac_dst, ETH_ALEN);
	KUNIT_EXPECT_EQ(test, ntohs(k.ethertype), ETH_P_ARP);
	KUNIT_EXPECT_EQ(test, k.proto, 0);
	KUNIT_EXPECT_EQ(test, k.has_ports, 0);
	KUNIT_EXPECT_EQ(test, k.sport, 0);
	KUNIT_EXPECT_EQ(test, k.vlan, 0);
}

static void ft_parse_ipv4_fragments(struct kunit *test)
{
	static const u16 frags[] = { 0x2000, 0x0064, 0x2064 };	/* MF; offset 100; both */
	struct sov_flow_key k, first;
	u8 *b = frame_buf(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(frags); i++) {
		u32 off = 0;

		put_eth(b, &off, NULL, 0, ETH_P_IP);
		put_ipv4(b, &off, 5, IPPROTO_UDP, frags[i]);
		put_ports(b, &off, 1000 + i, 2000);
		KUNIT_ASSERT_EQ(test, sov_flowtab_parse(b, off, &k), 0);
		KUNIT_EXPECT_EQ(test, k.proto, IPPROTO_UDP);
		KUNIT_EXPECT_EQ_MSG(test, k.has_ports, 0, "frag_off %#x", frags[i]);
		if (!i)
			first = k;
		/* every fragment of a datagram: one flow */
		KUNIT_EXPECT_EQ(test, memcmp(&k, &first, sizeof(k)), 0);
	}
}

static void ft_parse_malformed(struct kunit *test)
{
	struct sov_flow_key k;
	u8 *b = frame_buf(test);
	u32 len;

	/* IPv4 ethertype, version 5: back to the MACs */
	len = build_v4_tcp_opts(b);
	b[14] = 0x56;
	KUNIT_EXPECT_EQ(test, sov_flowtab_parse(b, len, &k), -EINVAL);
	KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
	KUNIT_EXPECT_EQ(test, ntohs(k.ethertype), ETH_P_IP);
	KUNIT_EXPECT_EQ(test, k.proto, 0);
	expect_addr(test, k.src, mac_src, ETH_ALEN);
	/* header length below 5 words */
	b[14] = 0x44;
	KUNIT_EXPECT_EQ(test, sov_flowtab_parse(b, len, &k), -EINVAL);
	KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
	/* header length past the frame (15 words: 60 bytes, the frame has 28 after 14) */
	b[14] = 0x4f;
	KUNIT_EXPECT_EQ(test, sov_flowtab_parse(b, len, &k), -EINVAL);
	KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
	/* IPv6 ethertype over an IPv4 header */
	len = build_v4_tcp_opts(b);
	b[12] = 0x86;
	b[13] = 0xdd;
	KUNIT_EXPECT_EQ(test, sov_flowtab_parse(b, len + 40, &k), -EINVAL);
	KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
	KUNIT_EXPECT_EQ(test, ntohs(k.ethertype), ETH_P_IPV6);
	/* an extension header whose length runs past the frame: addresses, no ports */
	len = build_v6_hbh_dst_tcp(b);
	b[18 + 40 + 1] = 200;
	KUNIT_EXPECT_EQ(test, sov_flowtab_parse(b, len, &k), -EINVAL);
	KUNIT_EXPECT_EQ(test, k.addr_len, 16);
	KUNIT_EXPECT_EQ(test, k.proto, NEXTHDR_HOP);
	KUNIT_EXPECT_EQ(test, k.has_ports, 0);
}

/* Parse @len bytes of @src with the bytes after them 0x00, then 0xff: the same result. */
static int parse_poisoned(struct kunit *test, u8 *buf, const u8 *src, u32 len,
			  struct sov_flow_key *k)
{
	struct sov_flow_key k2;
	int r1, r2;

	memcpy(buf, src, len);
	memset(buf + len, 0, FRAME_MAX - len);
	r1 = sov_flowtab_parse(buf, len, k);
	memset(buf + len, 0xff, FRAME_MAX - len);
	r2 = sov_flowtab_parse(buf, len, &k2);
	KUNIT_EXPECT_EQ_MSG(test, r1, r2, "len %u: bytes past the end changed the result", len);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(k, &k2, sizeof(k2)), 0,
			    "len %u: bytes past the end changed the key", len);
	return r1;
}

/* Every prefix of each frame: the deepest layer read in full, nothing past it. */
static void ft_parse_truncated(struct kunit *test)
{
	const struct frame_case *p = test->param_value;
	u8 *full = frame_buf(test), *buf = frame_buf(test);
	struct sov_flow_key want, k;
	u32 n = p->build(full), len;

	KUNIT_ASSERT_GE(test, n, p->l4);
	KUNIT_ASSERT_EQ(test, sov_flowtab_parse(full, n, &want), 0);
	for (len = 0; len <= n; len++) {
		int r = parse_poisoned(test, buf, full, len, &k);

		if (len < ETH_HLEN) {
			KUNIT_EXPECT_EQ(test, r, -EINVAL);
			KUNIT_EXPECT_EQ(test, k.addr_len, 0);
		} else if (len < p->l2) {
			/* inside the tags: the MACs, the last type read */
			KUNIT_EXPECT_EQ_MSG(test, r, -EINVAL, "len %u", len);
			KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
			KUNIT_EXPECT_TRUE(test, eth_type_vlan(k.ethertype));
		} else if (len < p->l3) {
			KUNIT_EXPECT_EQ_MSG(test, r, -EINVAL, "len %u", len);
			KUNIT_EXPECT_EQ(test, k.addr_len, ETH_ALEN);
			KUNIT_EXPECT_EQ(test, k.ethertype, want.ethertype);
			KUNIT_EXPECT_EQ(test, k.vlan, want.vlan);
			KUNIT_EXPECT_EQ(test, k.proto, 0);
			expect_addr(test, k.src, mac_src, ETH_ALEN);
		} else if (len < p->l4) {
			/* the addresses, no ports */
			KUNIT_EXPECT_EQ_MSG(test, r, -EINVAL, "len %u", len);
			KUNIT_EXPECT_EQ(test, k.addr_len, want.addr_len);
			KUNIT_EXPECT_EQ(test, memcmp(k.src, want.src, 16), 0);
			KUNIT_EXPECT_EQ(test, memcmp(k.dst, want.dst, 16), 0);
			KUNIT_EXPECT_EQ(test, k.has_ports, 0);
			if (len >= p->l3x)
				KUNIT_EXPECT_EQ(test, k.proto, want.proto);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, r, 0, "len %u", len);
			KUNIT_EXPECT_EQ_MSG(test, memcmp(&k, &want, sizeof(k)), 0, "len %u", len);
		}
	}
}

static void set_type(u8 *b, u32 off, u16 type)
{
	b[off] = type >> 8;
	b[off + 1] = type & 0xff;
}

/* An IP header at @off that passes the version checks, with a protocol from @r. */
static void fuzz_ip(u8 *b, u32 off, bool v6, u32 r)
{
	static const u8 protos[] = {
		IPPROTO_TCP, IPPROTO_UDP, NEXTHDR_HOP, NEXTHDR_DEST, NEXTHDR_FRAGMENT, IPPROTO_ICMP,
	};

	b[off] = v6 ? 0x60 : 0x40 | (5 + r % 3);	/* IPv4: 0 to 2 words of options */
	b[off + (v6 ? 6 : 9)] = protos[(r >> 8) % ARRAY_SIZE(protos)];
	if (!v6 && (r & 0x10000)) {
		/* not a fragment: ports are read */
		b[off + 6] = 0;
		b[off + 7] = 0;
	}
}

/* Make a random frame of layout @layout (types[] of ft_parse_fuzz) parse deeper. */
static void fuzz_shape(u8 *b, unsigned int layout, u32 r)
{
	switch (layout) {
	case 0:
		fuzz_ip(b, ETH_HLEN, false, r);
		break;
	case 1:
		fuzz_ip(b, ETH_HLEN, true, r);
		break;
	case 2:		/* 802.1Q, IPv4 */
		set_type(b, 16, ETH_P_IP);
		fuzz_ip(b, 18, false, r);
		break;
	case 3:		/* QinQ, IPv6 */
		set_type(b, 16, ETH_P_8021Q);
		set_type(b, 20, ETH_P_IPV6);
		fuzz_ip(b, 22, true, r);
		break;
	}
}

/* Random bytes behind the ethertypes the parser follows: no reads past the end. */
static void ft_parse_fuzz(struct kunit *test)
{
	static const u16 types[] = {
		ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD, ETH_P_ARP,
	};
	u8 *src = frame_buf(test), *buf = frame_buf(test);
	struct rnd_state rnd;
	struct sov_flow_key k;
	unsigned int i, j, parsed = 0;

	prandom_seed_state(&rnd, 11);
	for (i = 0; i < 20000; i++) {
		u32 len = prandom_u32_state(&rnd) % 160;

		for (j = 0; j < FRAME_MAX; j++)
			src[j] = prandom_u32_state(&rnd);
		set_type(src, 12, types[i % ARRAY_SIZE(types)]);
		/* two in three: valid inner types and IP versions, to get deep */
		if (i % 3)
			fuzz_shape(src, i % ARRAY_SIZE(types), prandom_u32_state(&rnd));
		if (!parse_poisoned(test, buf, src, len, &k))
			parsed++;
		KUNIT_ASSERT_TRUE(test, k.addr_len == 0 || k.addr_len == 4 ||
				  k.addr_len == 16 || k.addr_len == ETH_ALEN);
		KUNIT_ASSERT_TRUE(test, !k.has_ports || k.proto == IPPROTO_TCP ||
				  k.proto == IPPROTO_UDP);
	}
	/* the fuzz reached full keys, not only refusals */
	KUNIT_EXPECT_GT(test, parsed, 1000U);
}

static void ft_hash(struct kunit *test)
{
	struct sov_flowtab *t = test->priv, *t2;
	struct sov_flow_key k, k2;
	u8 *b = frame_buf(test);
	u32 h;
	unsigned int i;

	sov_flowtab_parse(b, build_v4_tcp_opts(b), &k);
	h = sov_flowtab_hash(t, &k);
	KUNIT_EXPECT_EQ(test, sov_flowtab_hash(t, &k), h);
	/* every byte of the key counts */
	for (i = 0; i < sizeof(k); i++) {
		k2 = k;
		((u8 *)&k2)[i] ^= 0x01;
		KUNIT_EXPECT_NE_MSG(test, sov_flowtab_hash(t, &k2), h, "key byte %u", i);
	}
	/* another table, another seed */
	t2 = sov_flowtab_alloc(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t2);
	KUNIT_EXPECT_NE(test, sov_flowtab_hash(t2, &k), h);
	sov_flowtab_free(t2);
	/* the set is the hash's top bits */
	KUNIT_EXPECT_EQ(test, sov_flowtab_set_base(0), 0U);
	KUNIT_EXPECT_EQ(test, sov_flowtab_set_base(U32_MAX), SOV_NETIO_FLOWS - SOV_FLOWTAB_WAYS);
	KUNIT_EXPECT_EQ(test, sov_flowtab_set_base(5U << 25), 5U * SOV_FLOWTAB_WAYS);
}

/* A hash in set @set; the low bits vary with @salt. */
static u32 hash_in_set(u32 set, u32 salt)
{
	return (set << 25) | ((salt * 2654435761U) & ((1U << 25) - 1));
}

/* A distinct key for flow @id (IPv4 addresses carry the number). */
static void flow_key(struct sov_flow_key *k, u32 id)
{
	memset(k, 0, sizeof(*k));
	k->addr_len = 4;
	k->proto = IPPROTO_UDP;
	k->ethertype = htons(ETH_P_IP);
	memcpy(k->src, &id, sizeof(id));
	k->dst[0] = 10;
}

static u32 count(struct kunit *test, struct sov_flowtab *t, u32 id, u32 hash, u32 cls,
		 u32 len, bool want_collided)
{
	struct sov_flow_key k;
	bool collided = !want_collided;
	u32 idx;

	flow_key(&k, id);
	idx = sov_flowtab_count(t, &k, hash, cls, len, &collided);
	KUNIT_EXPECT_EQ_MSG(test, collided, want_collided, "flow %u", id);
	KUNIT_EXPECT_EQ(test, sov_flowtab_set_base(hash), idx - idx % SOV_FLOWTAB_WAYS);
	return idx;
}

/*
 * 1024 flows, 8 in each set: the table is full, no collision. Then flows
 * that find their set full land in its least recently used entry, which
 * keeps its key and class; colliding frames do not refresh it.
 */
static void ft_fill_and_collide(struct kunit *test)
{
	struct sov_flowtab *t = test->priv;
	struct sov_flowtab_entry e;
	u32 i, idx, pos = 0, set = 5, base = set * SOV_FLOWTAB_WAYS;
	u64 pkts = 0, coll = 0, n = 0;
	struct sov_flow_key k;

	/* flow i goes to set i % SETS: flow 5 claims way 0 of set 5, flow 133 way 1, ... */
	for (i = 0; i < SOV_NETIO_FLOWS; i++) {
		idx = count(test, t, i, hash_in_set(i % SOV_FLOWTAB_SETS, i), i % 8, 100, false);
		KUNIT_EXPECT_EQ(test, idx, (i % SOV_FLOWTAB_SETS) * SOV_FLOWTAB_WAYS +
				i / SOV_FLOWTAB_SETS);
	}
	KUNIT_EXPECT_EQ(test, t->used, (u32)SOV_NETIO_FLOWS);
	KUNIT_EXPECT_EQ(test, t->collisions, 0ULL);
	/* a flow's second frame: its own entry */
	KUNIT_EXPECT_EQ(test, count(test, t, 5, hash_in_set(set, 5), 3, 200, false), base);
	KUNIT_EXPECT_EQ(test, t->e[base].cls, 3);

	/* flow 5 was just refreshed: flow 133 (way 1) is the least recent */
	idx = count(test, t, 5000, hash_in_set(set, 5000), 6, 64, true);
	KUNIT_EXPECT_EQ(test, idx, base + 1);
	/* another colliding flow: the same entry (collisions do not refresh it) */
	KUNIT_EXPECT_EQ(test, count(test, t, 5001, hash_in_set(set, 5001), 6, 64, true), base + 1);
	KUNIT_EXPECT_EQ(test, t->e[base + 1].collisions, 2ULL);
	KUNIT_EXPECT_EQ(test, t->e[base + 1].pkts, 3ULL);
	KUNIT_EXPECT_EQ(test, t->e[base + 1].bytes, 100ULL + 64 + 64);
	/* it still holds flow 133, class 133 % 8 */
	flow_key(&k, 133);
	KUNIT_EXPECT_EQ(test, memcmp(&t->e[base + 1].key, &k, sizeof(k)), 0);
	KUNIT_EXPECT_EQ(test, t->e[base + 1].hash, hash_in_set(set, 133));
	KUNIT_EXPECT_EQ(test, t->e[base + 1].cls, 133 % 8);
	/* flow 133 sends: now flow 261 (way 2) is the least recent */
	KUNIT_EXPECT_EQ(test, count(test, t, 133, hash_in_set(set, 133), 1, 64, false), base + 1);
	KUNIT_EXPECT_EQ(test, t->e[base + 1].cls, 1);
	KUNIT_EXPECT_EQ(test, count(test, t, 5000, hash_in_set(set, 5000), 6, 64, true), base + 2);
	/* another key under the same hash is another flow: set 7 is full, it collides */
	KUNIT_EXPECT_EQ(test, count(test, t, 7000, hash_in_set(7, 7), 0, 64, true),
			7 * SOV_FLOWTAB_WAYS);
	KUNIT_EXPECT_EQ(test, t->e[7 * SOV_FLOWTAB_WAYS].pkts, 2ULL);
	flow_key(&k, 7);
	KUNIT_EXPECT_EQ(test, memcmp(&t->e[7 * SOV_FLOWTAB_WAYS].key, &k, sizeof(k)), 0);
	/* the same key under a hash of another set is another flow there */
	KUNIT_EXPECT_EQ(test, count(test, t, 5, hash_in_set(set + 1, 5), 0, 64, true),
			(set + 1) * SOV_FLOWTAB_WAYS);
	KUNIT_EXPECT_EQ(test, t->collisions, 5ULL);
	KUNIT_EXPECT_EQ(test, t->used, (u32)SOV_NETIO_FLOWS);

	/* the dump: every entry once, in order, the sums agree */
	for (i = 0; i < SOV_NETIO_FLOWS; i++) {
		int r = sov_flowtab_get(t, &pos, &e);

		KUNIT_ASSERT_EQ(test, r, (int)i);
		KUNIT_EXPECT_EQ(test, pos, i + 1);
		pkts += e.pkts;
		coll += e.collisions;
		n++;
	}
	KUNIT_EXPECT_EQ(test, sov_flowtab_get(t, &pos, &e), -ENOENT);
	KUNIT_EXPECT_EQ(test, n, (u64)SOV_NETIO_FLOWS);
	KUNIT_EXPECT_EQ(test, pkts, (u64)SOV_NETIO_FLOWS + 7);
	KUNIT_EXPECT_EQ(test, coll, t->collisions);
}

/*
 * 1024 random flows under the table's own hash, one frame each: a set
 * takes its first 8 flows; every later flow of the set collides, into the
 * entry of the set's first flow (the least recently used, never refreshed
 * by the collisions). Then a second frame of each: counted again exactly
 * so.
 */
static void ft_random_1024(struct kunit *test)
{
	struct sov_flowtab *t = test->priv;
	u32 *hash = kunit_kcalloc(test, SOV_NETIO_FLOWS, sizeof(u32), GFP_KERNEL);
	u32 *per_set = kunit_kcalloc(test, SOV_FLOWTAB_SETS, sizeof(u32), GFP_KERNEL);
	u32 i, s, used = 0, pos = 0, n = 0;
	u64 coll = 0, pkts = 0;
	struct sov_flowtab_entry e;
	struct rnd_state rnd;
	struct sov_flow_key k;

	KUNIT_ASSERT_NOT_NULL(test, hash);
	KUNIT_ASSERT_NOT_NULL(test, per_set);
	prandom_seed_state(&rnd, 1024);
	for (i = 0; i < SOV_NETIO_FLOWS; i++) {
		bool collided;
		u32 idx, r;

		/* 5-tuples: random addresses, port i: all distinct */
		memset(&k, 0, sizeof(k));
		k.addr_len = 4;
		k.proto = IPPROTO_TCP;
		k.has_ports = 1;
		k.ethertype = htons(ETH_P_IP);
		r = prandom_u32_state(&rnd);
		memcpy(k.src, &r, sizeof(r));
		r = prandom_u32_state(&rnd);
		memcpy(k.dst, &r, sizeof(r));
		k.sport = htons(i);
		k.dport = htons(80);
		hash[i] = sov_flowtab_hash(t, &k);
		s = sov_flowtab_set_base(hash[i]) / SOV_FLOWTAB_WAYS;
		idx = sov_flowtab_count(t, &k, hash[i], 0, 100, &collided);
		if (per_set[s] < SOV_FLOWTAB_WAYS) {
			KUNIT_EXPECT_FALSE(test, collided);
			KUNIT_EXPECT_EQ(test, idx, s * SOV_FLOWTAB_WAYS + per_set[s]);
			used++;
		} else {
			KUNIT_EXPECT_TRUE(test, collided);
			KUNIT_EXPECT_EQ(test, idx, s * SOV_FLOWTAB_WAYS);
			coll++;
		}
		per_set[s]++;
	}
	KUNIT_EXPECT_EQ(test, t->used, used);
	KUNIT_EXPECT_EQ(test, t->collisions, coll);
	/* 1024 random flows in 128 sets of 8: some set overflows (else this tests nothing) */
	KUNIT_EXPECT_GT(test, coll, 0ULL);
	for (s = 0; s < SOV_FLOWTAB_SETS; s++) {
		u32 over = per_set[s] > SOV_FLOWTAB_WAYS ? per_set[s] - SOV_FLOWTAB_WAYS : 0;

		KUNIT_EXPECT_EQ_MSG(test, t->e[s * SOV_FLOWTAB_WAYS].collisions, (u64)over,
				    "set %u", s);
	}
	while (sov_flowtab_get(t, &pos, &e) >= 0) {
		n++;
		pkts += e.pkts;
		KUNIT_EXPECT_EQ(test, e.hash, sov_flowtab_hash(t, &e.key));
	}
	KUNIT_EXPECT_EQ(test, n, used);
	KUNIT_EXPECT_EQ(test, pkts, (u64)SOV_NETIO_FLOWS);
}

static void ft_count_frame_and_reset(struct kunit *test)
{
	struct sov_flowtab *t = test->priv;
	u8 *b = frame_buf(test);
	u32 v4 = build_v4_tcp_opts(b), i1, i2, i3, pos = 0;
	struct sov_flowtab_entry e;

	i1 = sov_flowtab_count_frame(t, b, v4, 2);
	i2 = sov_flowtab_count_frame(t, b, v4, 4);
	KUNIT_EXPECT_EQ(test, i1, i2);
	KUNIT_EXPECT_EQ(test, t->e[i1].pkts, 2ULL);
	KUNIT_EXPECT_EQ(test, t->e[i1].bytes, 2ULL * v4);
	KUNIT_EXPECT_EQ(test, t->e[i1].cls, 4);
	/* another flow (another port), and a runt: entries of their own */
	b[14 + 24 + 1]++;
	i2 = sov_flowtab_count_frame(t, b, v4, 0);
	KUNIT_EXPECT_NE(test, i2, i1);
	i3 = sov_flowtab_count_frame(t, b, 10, 0);
	KUNIT_EXPECT_NE(test, i3, i1);
	KUNIT_EXPECT_NE(test, i3, i2);
	KUNIT_EXPECT_EQ(test, t->e[i3].key.addr_len, 0);
	KUNIT_EXPECT_EQ(test, t->used, 3U);

	sov_flowtab_reset(t);
	KUNIT_EXPECT_EQ(test, t->used, 0U);
	KUNIT_EXPECT_EQ(test, t->collisions, 0ULL);
	KUNIT_EXPECT_EQ(test, sov_flowtab_get(t, &pos, &e), -ENOENT);
	KUNIT_EXPECT_EQ(test, pos, (u32)SOV_NETIO_FLOWS);
	/* claimed afresh */
	i1 = sov_flowtab_count_frame(t, b, v4, 1);
	KUNIT_EXPECT_EQ(test, t->e[i1].pkts, 1ULL);
	KUNIT_EXPECT_EQ(test, t->used, 1U);
	pos = 0;
	KUNIT_EXPECT_EQ(test, sov_flowtab_get(t, &pos, &e), (int)i1);
	KUNIT_EXPECT_EQ(test, e.bytes, (u64)v4);
}

/*
 * The hinted count (the datapath's) counts exactly as the plain one: two
 * tables with one seed, the same 3000 frames in runs of one flow over 1500
 * flows (so sets fill and frames collide), every entry equal.
 */
static void ft_count_frame_hint(struct kunit *test)
{
	struct sov_flowtab *t = test->priv, *h = sov_flowtab_alloc(GFP_KERNEL);
	u8 *b = frame_buf(test);
	u32 v4 = build_v4_tcp_opts(b), hint = SOV_NETIO_FLOWS, i, run, port;
	struct rnd_state rnd;

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->seed = t->seed;
	prandom_seed_state(&rnd, 11);
	for (i = 0; i < 3000; i += run) {
		port = prandom_u32_state(&rnd) % 1500;
		b[14 + 24] = port >> 8;
		b[14 + 24 + 1] = port;
		for (run = 0; run < 1 + port % 3; run++) {
			u32 hinted = sov_flowtab_count_frame_hint(h, b, v4, port % 8, &hint);

			KUNIT_EXPECT_EQ(test, hinted, sov_flowtab_count_frame(t, b, v4, port % 8));
		}
	}
	KUNIT_EXPECT_GT(test, t->collisions, 0ULL);
	KUNIT_EXPECT_EQ(test, h->collisions, t->collisions);
	KUNIT_EXPECT_EQ(test, h->used, t->used);
	KUNIT_EXPECT_EQ(test, h->tick, t->tick);
	KUNIT_EXPECT_EQ(test, memcmp(h->e, t->e, sizeof(t->e)), 0);
	sov_flowtab_free(h);
}

static struct kunit_case netio_flowtab_cases[] = {
	KUNIT_CASE(ft_parse_ipv4),
	KUNIT_CASE(ft_parse_vlan),
	KUNIT_CASE(ft_parse_ipv6),
	KUNIT_CASE(ft_parse_arp),
	KUNIT_CASE(ft_parse_ipv4_fragments),
	KUNIT_CASE(ft_parse_malformed),
	KUNIT_CASE_PARAM(ft_parse_truncated, frame_gen_params),
	KUNIT_CASE(ft_parse_fuzz),
	KUNIT_CASE(ft_hash),
	KUNIT_CASE(ft_fill_and_collide),
	KUNIT_CASE(ft_random_1024),
	KUNIT_CASE(ft_count_frame_and_reset),
	KUNIT_CASE(ft_count_frame_hint),
	{}
};

static struct kunit_suite netio_flowtab_suite = {
	.name = "netio_flowtab",
	.init = ft_init,
	.exit = ft_exit,
	.test_cases = netio_flowtab_cases,
};

kunit_test_suite(netio_flowtab_suite);
