/*
 * pktgen.h — frame builders and an independent reference checksum for the
 * packet-core tests. Header-only (each test program is one .c).
 *
 * The reference checksum is written the plain RFC 1071 way (big-endian byte
 * pairs into a 32-bit sum, carries folded at the end) and shares no code with
 * src/pkt/csum.c, so a test comparing the two can catch either.
 */
#ifndef ILLAN_TESTS_PKTGEN_H
#define ILLAN_TESTS_PKTGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pkt/hdr.h"
#include "pkt/pkt.h"

/* Big-endian ones'-complement sum of len bytes, added to sum (unfolded). */
static inline uint64_t ref_sum(const uint8_t *b, size_t len, uint64_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static inline uint16_t ref_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The checksum (host order, as hdr_get16 reads the stored field). */
static inline uint16_t ref_csum(const uint8_t *b, size_t len)
{
	return (uint16_t)~ref_fold(ref_sum(b, len, 0));
}

/* Reference pseudo-header sum for an IP packet at ip (v4 or v6). */
static inline uint64_t ref_pseudo(const uint8_t *ip, uint32_t l4len, uint8_t proto)
{
	uint64_t s = 0;
	if (ip[0] >> 4 == 4)
		s = ref_sum(ip + 12, 8, 0);
	else
		s = ref_sum(ip + 8, 32, 0);
	return s + (l4len >> 16) + (l4len & 0xffff) + proto;
}

/* True when the L4 segment [l4, l4+l4len) of the IP packet at ip checksums
 * to zero with the pseudo-header. */
static inline bool ref_l4_ok(const uint8_t *ip, const uint8_t *l4, uint32_t l4len, uint8_t proto)
{
	return ref_fold(ref_sum(l4, l4len, ref_pseudo(ip, l4len, proto))) == 0xffff;
}

/* The TCP pseudo-header seed (host order) as Linux leaves it for PARTIAL. */
static inline uint16_t ref_seed(const uint8_t *ip, uint32_t l4len, uint8_t proto)
{
	return ref_fold(ref_pseudo(ip, l4len, proto));
}

/* What to build. */
struct gen_tcp {
	int ipv;          /* 4 or 6 */
	int n_vlans;      /* 0..2 */
	uint32_t payload; /* payload bytes */
	uint32_t seq, ack;
	uint8_t flags; /* TCP_* */
	uint16_t ip_id;
	uint8_t ip_opt_words;  /* IPv4 options, 32-bit words */
	uint8_t tcp_opt_words; /* TCP options, 32-bit words (NOPs) */
	uint8_t ttl;
	bool udp;         /* UDP instead of TCP */
	bool v6_ext;      /* IPv6: a hop-by-hop + dstopts header before L4 */
	bool csum;        /* fill a correct L4 checksum (else 0) */
	uint8_t pay_seed; /* payload byte i = pay_seed + i*7 + (i>>8) */
};

static inline uint8_t gen_pay_byte(const struct gen_tcp *g, uint32_t i)
{
	return (uint8_t)(g->pay_seed + i * 7u + (i >> 8));
}

/* Header layout lengths. */
static inline uint32_t gen_l2len(const struct gen_tcp *g)
{
	return ETH_HLEN + 4u * (uint32_t)g->n_vlans;
}
static inline uint32_t gen_l3hlen(const struct gen_tcp *g)
{
	if (g->ipv == 4)
		return 20u + 4u * g->ip_opt_words;
	return 40u + (g->v6_ext ? 16u : 0u);
}
static inline uint32_t gen_l4hlen(const struct gen_tcp *g)
{
	return g->udp ? 8u : 20u + 4u * g->tcp_opt_words;
}
static inline uint32_t gen_hlen(const struct gen_tcp *g)
{
	return gen_l2len(g) + gen_l3hlen(g) + gen_l4hlen(g);
}
static inline uint32_t gen_len(const struct gen_tcp *g)
{
	return gen_hlen(g) + g->payload;
}

/* Write the frame into f (gen_len bytes). Returns the length. */
static inline uint32_t gen_frame(uint8_t *f, const struct gen_tcp *g)
{
	static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 0xb}, smac[6] = {0x02, 0, 0, 0, 0, 0xa};
	uint32_t o = 0;
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	o = 12;
	for (int i = 0; i < g->n_vlans; i++) {
		hdr_put16(f + o, i == 0 && g->n_vlans == 2 ? ETH_P_8021AD : ETH_P_8021Q);
		hdr_put16(f + o + 2, (uint16_t)(10 + i));
		o += 4;
	}
	hdr_put16(f + o, g->ipv == 4 ? ETH_P_IP : ETH_P_IPV6);
	o += 2;
	uint8_t *ip = f + o;
	uint32_t l3h = gen_l3hlen(g), l4h = gen_l4hlen(g);
	uint32_t l4len = l4h + g->payload;
	uint8_t proto = g->udp ? IPPROTO_UDP_ : IPPROTO_TCP_;
	if (g->ipv == 4) {
		memset(ip, 0, l3h);
		ip[0] = (uint8_t)(0x40 | (l3h / 4));
		hdr_put16(ip + 2, (uint16_t)(l3h + l4len));
		hdr_put16(ip + 4, g->ip_id);
		hdr_put16(ip + 6, 0x4000); /* DF */
		ip[8] = g->ttl ? g->ttl : 64;
		ip[9] = proto;
		uint8_t s[4] = {10, 0, 0, 1}, d[4] = {10, 0, 0, 2};
		memcpy(ip + 12, s, 4);
		memcpy(ip + 16, d, 4);
		for (uint32_t i = 20; i < l3h; i++)
			ip[i] = 1; /* NOP options */
		hdr_put16(ip + 10, ref_csum(ip, l3h));
	} else {
		memset(ip, 0, l3h);
		ip[0] = 0x60;
		hdr_put16(ip + 4, (uint16_t)(l3h - 40 + l4len));
		ip[6] = g->v6_ext ? IPPROTO_HOPOPTS_ : proto;
		ip[7] = g->ttl ? g->ttl : 64;
		ip[8] = 0x20;
		ip[9] = 0x01;
		ip[23] = 1;
		ip[24] = 0x20;
		ip[25] = 0x01;
		ip[39] = 2;
		if (g->v6_ext) {
			ip[40] = 60; /* next: dstopts */
			ip[41] = 0;  /* 8 bytes */
			ip[42] = 1;  /* PadN */
			ip[43] = 4;
			ip[48] = proto;
			ip[49] = 0;
			ip[50] = 1;
			ip[51] = 4;
		}
	}
	o += l3h;
	uint8_t *l4 = f + o;
	memset(l4, 0, l4h);
	if (g->udp) {
		hdr_put16(l4, 4000);
		hdr_put16(l4 + 2, 5000);
		hdr_put16(l4 + 4, (uint16_t)l4len);
	} else {
		hdr_put16(l4, 4000);
		hdr_put16(l4 + 2, 5000);
		hdr_put32(l4 + 4, g->seq);
		hdr_put32(l4 + 8, g->ack);
		l4[12] = (uint8_t)((l4h / 4) << 4);
		l4[13] = g->flags;
		hdr_put16(l4 + 14, 65000);
		for (uint32_t i = 20; i < l4h; i++)
			l4[i] = 1;
	}
	o += l4h;
	for (uint32_t i = 0; i < g->payload; i++)
		f[o + i] = gen_pay_byte(g, i);
	o += g->payload;
	if (g->csum) {
		uint16_t c = (uint16_t)~ref_fold(ref_sum(l4, l4len, ref_pseudo(ip, l4len, proto)));
		if (g->udp && c == 0)
			c = 0xffff;
		hdr_put16(l4 + (g->udp ? 6 : 16), c);
	}
	return o;
}

/* A packet holding the frame (linear), MAC header at data. NULL if the pool
 * has no room. */
static inline struct pkt *gen_pkt(struct pkt_pool *pool, const struct gen_tcp *g)
{
	uint32_t len = gen_len(g);
	struct pkt *p = pkt_alloc(pool, len, PKT_HEADROOM);
	if (!p)
		return NULL;
	gen_frame(pkt_put(p, len), g);
	return p;
}

/* A heap pool with classes big enough for anything the tests build. */
static inline struct pkt_pool *gen_pool(const char *name)
{
	struct pkt_pool_class c[] = {
		{256, 256},
		{2048, 512},
		{PKT_HEADROOM + PKT_MAX_LEN + 64, 16},
	};
	return pkt_pool_create(name, c, 3, NULL, 0);
}

#endif
