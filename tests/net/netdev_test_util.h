/*
 * netdev_test_util.h — frame builders for the netdev and ibmveth tests:
 * Ethernet + IPv4/IPv6 + TCP/UDP frames with the offload state a Linux stack
 * would hand a device (CHECKSUM_PARTIAL with the pseudo seed, GSO), and a
 * frag_list splitter that makes GRO-shaped packets.
 *
 * Header-only (static functions); used by tests/net and tests/ibmveth.
 */
#ifndef ILLAN_NETDEV_TEST_UTIL_H
#define ILLAN_NETDEV_TEST_UTIL_H

#include <string.h>

#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

enum tu_l4 { TU_TCP, TU_UDP };

struct tu_frame {
	const uint8_t *dst, *src; /* MACs */
	int ip_version;           /* 4 or 6 */
	enum tu_l4 l4;
	uint32_t payload;  /* L4 payload bytes */
	uint8_t ip_summed; /* CHECKSUM_PARTIAL: seed in the field; NONE: full checksum */
	uint16_t gso_size; /* nonzero: GSO (TCP only), PARTIAL */
	uint16_t vlan;     /* nonzero: one in-band 802.1Q tag with this VID */
	uint8_t tcp_flags; /* default ACK|PSH */
	uint32_t seq;
	uint8_t fill; /* payload byte seed */
	bool df;      /* IPv4 DF bit */
};

static const uint8_t tu_mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
static const uint8_t tu_mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
static const uint8_t tu_mac_c[6] = {0x02, 0, 0, 0, 0, 0x0c};

/* Build a frame into a packet from pool (headroom PKT_HEADROOM). NULL if the
 * pool is empty or the frame does not fit. */
static inline struct pkt *tu_build(struct pkt_pool *pool, const struct tu_frame *f)
{
	uint32_t l2 = ETH_HLEN + (f->vlan ? VLAN_HLEN : 0);
	uint32_t l3 = f->ip_version == 6 ? 40 : 20;
	uint32_t l4 = f->l4 == TU_TCP ? 20 : 8;
	uint32_t len = l2 + l3 + l4 + f->payload;
	struct pkt *p = pkt_alloc(pool, len, PKT_HEADROOM);
	if (!p)
		return NULL;
	uint8_t *d = pkt_put(p, len);
	if (!d) {
		pkt_free(p);
		return NULL;
	}
	memset(d, 0, l2 + l3 + l4);
	memcpy(d, f->dst ? f->dst : tu_mac_b, 6);
	memcpy(d + 6, f->src ? f->src : tu_mac_a, 6);
	uint16_t etype = f->ip_version == 6 ? ETH_P_IPV6 : ETH_P_IP;
	if (f->vlan) {
		hdr_put16(d + 12, ETH_P_8021Q);
		hdr_put16(d + 14, f->vlan);
		hdr_put16(d + 16, etype);
	} else {
		hdr_put16(d + 12, etype);
	}
	uint8_t *ip = d + l2;
	uint8_t proto = f->l4 == TU_TCP ? IPPROTO_TCP_ : IPPROTO_UDP_;
	if (f->ip_version == 6) {
		ip[0] = 0x60;
		hdr_put16(ip + 4, (uint16_t)(l4 + f->payload));
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1; /* fd00::1 */
		ip[24] = 0xfd;
		ip[39] = 2; /* fd00::2 */
	} else {
		ip[0] = 0x45;
		hdr_put16(ip + 2, (uint16_t)(l3 + l4 + f->payload));
		hdr_put16(ip + 4, 0x1234);
		if (f->df)
			ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = proto;
		ip[12] = 10;
		ip[15] = 1;
		ip[16] = 10;
		ip[19] = 2;
		uint16_t c = ip_fast_csum(ip, 5);
		memcpy(ip + 10, &c, 2);
	}
	uint8_t *th = ip + l3;
	hdr_put16(th, 40000);
	hdr_put16(th + 2, 5001);
	if (f->l4 == TU_TCP) {
		hdr_put32(th + 4, f->seq);
		hdr_put32(th + 8, 1);
		th[12] = 5 << 4;
		th[13] = f->tcp_flags ? f->tcp_flags : (TCP_ACK | TCP_PSH);
		hdr_put16(th + 14, 65535);
	} else {
		hdr_put16(th + 4, (uint16_t)(l4 + f->payload));
	}
	for (uint32_t i = 0; i < f->payload; i++)
		th[l4 + i] = (uint8_t)(f->fill + i * 7);
	p->mac_header = p->data;
	p->network_header = p->data + l2;
	p->transport_header = p->data + l2 + l3;
	p->protocol = etype;
	uint16_t coff = f->l4 == TU_TCP ? TCP_CSUM_OFFSET : UDP_CSUM_OFFSET;
	uint32_t l4len = l4 + f->payload;
	uint32_t sum = f->ip_version == 6 ? csum_ipv6_nofold(ip + 8, ip + 24, l4len, proto, 0)
					  : csum_tcpudp_nofold(ip + 12, ip + 16, l4len, proto, 0);
	if (f->ip_summed == CHECKSUM_PARTIAL || f->gso_size) {
		uint16_t seed = (uint16_t)~csum_fold(sum);
		memcpy(th + coff, &seed, 2);
		p->ip_summed = CHECKSUM_PARTIAL;
		p->csum_start = p->transport_header;
		p->csum_offset = coff;
	} else {
		uint16_t c = csum_fold(csum_partial(th, l4len, sum));
		if (c == 0 && f->l4 == TU_UDP)
			c = 0xffff;
		memcpy(th + coff, &c, 2);
		p->ip_summed = f->ip_summed;
	}
	if (f->gso_size) {
		p->gso_size = f->gso_size;
		p->gso_type = f->ip_version == 6 ? PKT_GSO_TCPV6 : PKT_GSO_TCPV4;
		p->gso_segs = (uint16_t)((f->payload + f->gso_size - 1) / f->gso_size);
	}
	return p;
}

/* Move the payload after the first `keep` payload bytes of linear packet p
 * into n pieces of (nearly) equal size from pool, as GRO builds them: page
 * fragments (as_frag_list false) or frag_list members. Returns 0 or -1. */
static inline int tu_split_payload(struct pkt *p, struct pkt_pool *pool, uint32_t keep,
				   unsigned n_pieces, bool as_frag_list)
{
	uint32_t hdr = p->transport_header - p->data + 20;
	if (hdr + keep > p->len)
		return -1;
	uint32_t rest = p->len - hdr - keep;
	uint32_t off = hdr + keep;
	for (unsigned i = 0; i < n_pieces; i++) {
		uint32_t n = rest / (n_pieces - i);
		struct pkt *m = pkt_alloc(pool, n, 0);
		if (!m)
			return -1;
		memcpy(pkt_put(m, n), pkt_data(p) + off, n);
		off += n;
		rest -= n;
		p->len -= n; /* the linear part shrinks by what the piece now holds */
		if (as_frag_list) {
			pkt_frag_list_append(p, m);
		} else if (pkt_frag_append(p, m) != 0) {
			pkt_free(m);
			return -1;
		}
	}
	return 0;
}

/* tu_split_payload into n_members frag_list members. */
static inline int tu_split_frag_list(struct pkt *p, struct pkt_pool *pool, uint32_t keep,
				     unsigned n_members)
{
	return tu_split_payload(p, pool, keep, n_members, true);
}

/* tu_split_payload into n_frags page fragments. */
static inline int tu_split_frags(struct pkt *p, struct pkt_pool *pool, uint32_t keep, unsigned n_frags)
{
	return tu_split_payload(p, pool, keep, n_frags, false);
}

/* Does the full TCP/UDP checksum of a linear frame verify? (headers parsed
 * from the frame itself) */
static inline bool tu_l4_ok(const struct pkt *p)
{
	struct hdr_info h;
	if (hdr_parse(pkt_data(p), pkt_headlen(p), &h) != 0 || !h.l4_off)
		return false;
	const uint8_t *ip = pkt_data(p) + h.l3_off;
	uint32_t l4len = h.l3_off + h.l3_tot_len - h.l4_off;
	uint32_t sum = h.ip_version == 6
			       ? csum_ipv6_nofold(ip + 8, ip + 24, l4len, h.l4_proto, 0)
			       : csum_tcpudp_nofold(ip + 12, ip + 16, l4len, h.l4_proto, 0);
	return csum_fold(csum_partial(pkt_data(p) + h.l4_off, l4len, sum)) == 0;
}

/* The 16-bit L4 checksum field of a linear frame, in network order. */
static inline uint16_t tu_l4_field(const struct pkt *p)
{
	struct hdr_info h;
	if (hdr_parse(pkt_data(p), pkt_headlen(p), &h) != 0 || !h.l4_off)
		return 0xdead;
	uint16_t off = h.l4_proto == IPPROTO_TCP_ ? TCP_CSUM_OFFSET : UDP_CSUM_OFFSET;
	return hdr_get16(pkt_data(p) + h.l4_off + off);
}

/* The pseudo-header seed a PARTIAL TCP frame should carry, network order. */
static inline uint16_t tu_seed(const struct pkt *p)
{
	struct hdr_info h;
	if (hdr_parse(pkt_data(p), pkt_headlen(p), &h) != 0 || !h.l4_off)
		return 0xdead;
	const uint8_t *ip = pkt_data(p) + h.l3_off;
	uint32_t l4len = p->len - h.l4_off;
	uint32_t sum = h.ip_version == 6
			       ? csum_ipv6_nofold(ip + 8, ip + 24, l4len, h.l4_proto, 0)
			       : csum_tcpudp_nofold(ip + 12, ip + 16, l4len, h.l4_proto, 0);
	uint16_t seed = (uint16_t)~csum_fold(sum);
	uint8_t b[2];
	memcpy(b, &seed, 2);
	return hdr_get16(b);
}

#endif
