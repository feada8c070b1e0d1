/*
 * br_test_util.h — test-only helpers for the bridge and physnic tests: a
 * dummy netdev with configurable features that records what it is given
 * (the OVS "dummy" netdev idea), a TCP/IPv4 frame builder with every
 * checksum state, and a reference Internet checksum written independently
 * of src/pkt/csum.c, so the tests do not grade the code with itself.
 *
 * Header-only (static functions); include from one test program each.
 */
#ifndef ILLAN_BR_TEST_UTIL_H
#define ILLAN_BR_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/netdev.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

/* ---- Reference checksum (big-endian words, RFC 1071) ---------------------- */

static inline uint32_t ref_sum(const uint8_t *b, size_t n, uint32_t s)
{
	size_t i;
	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)b[i] << 8 | b[i + 1];
	if (n & 1)
		s += (uint32_t)b[n - 1] << 8;
	return s;
}

static inline uint16_t ref_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Offsets of a frame's IPv4 and TCP headers (0 if absent); skips tags. */
static inline bool ref_tcp4_offsets(const uint8_t *f, uint32_t len, uint32_t *l3, uint32_t *l4)
{
	uint32_t off = 12;
	while (off + 2 <= len &&
	       (hdr_get16(f + off) == ETH_P_8021Q || hdr_get16(f + off) == ETH_P_8021AD))
		off += 4;
	if (off + 2 > len || hdr_get16(f + off) != ETH_P_IP)
		return false;
	off += 2;
	if (off + 20 > len || f[off + 9] != IPPROTO_TCP_)
		return false;
	*l3 = off;
	*l4 = off + (uint32_t)(f[off] & 0xf) * 4;
	return *l4 + 20 <= len;
}

/* Sum of the TCP segment of a frame plus its pseudo-header (field included):
 * 0xffff when the checksum is right. Length from the IP header. */
static inline uint16_t ref_tcp4_fold(const uint8_t *f, uint32_t len)
{
	uint32_t l3, l4, tcp_len, s;
	if (!ref_tcp4_offsets(f, len, &l3, &l4))
		return 0;
	tcp_len = hdr_get16(f + l3 + 2) - (l4 - l3);
	if (l4 + tcp_len > len)
		return 0;
	s = ref_sum(f + l3 + 12, 8, 0);
	s += IPPROTO_TCP_ + tcp_len;
	s = ref_sum(f + l4, tcp_len, s);
	return ref_fold(s);
}

static inline bool ref_tcp4_csum_ok(const uint8_t *f, uint32_t len)
{
	return ref_tcp4_fold(f, len) == 0xffff;
}

static inline bool ref_ip4_csum_ok(const uint8_t *f, uint32_t len)
{
	uint32_t l3, l4;
	if (!ref_tcp4_offsets(f, len, &l3, &l4))
		return false;
	return ref_fold(ref_sum(f + l3, l4 - l3, 0)) == 0xffff;
}

/* The pseudo-header seed (not complemented) for a TCP length. */
static inline uint16_t ref_tcp4_seed(const uint8_t *ip, uint32_t tcp_len)
{
	uint32_t s = ref_sum(ip + 12, 8, 0) + IPPROTO_TCP_ + tcp_len;
	return ref_fold(s);
}

/* ---- Frame builder -------------------------------------------------------- */

enum tb_csum {
	TB_FULL,  /* correct checksum, CHECKSUM_NONE */
	TB_SEED,  /* pseudo-header seed in the field, CHECKSUM_PARTIAL */
	TB_ZERO,  /* 0 in the field, CHECKSUM_PARTIAL (the seed's issue 3 input) */
	TB_UNNEC, /* 0 in the field, CHECKSUM_UNNECESSARY (issue 2 input) */
	TB_BAD,   /* a wrong checksum, CHECKSUM_NONE */
};

struct tb_tcp {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t saddr, daddr; /* host order */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t ip_id;
	uint32_t payload_len;
	uint8_t payload_seed;
	int vlan;          /* < 0: untagged */
	uint16_t gso_size; /* with TB_SEED: a GSO packet */
};

static inline void tb_mac(uint8_t *m, uint8_t last)
{
	const uint8_t base[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x00};
	memcpy(m, base, 6);
	m[5] = last;
}

static inline struct tb_tcp tb_default(uint8_t src, uint8_t dst)
{
	struct tb_tcp t;
	memset(&t, 0, sizeof(t));
	tb_mac(t.src_mac, src);
	tb_mac(t.dst_mac, dst);
	t.saddr = 0x0a000000u | src;
	t.daddr = 0x0a000000u | dst;
	t.sport = 40000;
	t.dport = 80;
	t.seq = 1000;
	t.ack = 5000;
	t.flags = TCP_ACK;
	t.ip_id = 1;
	t.vlan = -1;
	return t;
}

/* Write a TCP/IPv4 frame for t into buf; returns its length. */
static inline uint32_t tb_tcp4_bytes(const struct tb_tcp *t, enum tb_csum mode, uint8_t *buf)
{
	uint32_t off = 12, l3, l4, tcp_len = 20 + t->payload_len;
	memcpy(buf, t->dst_mac, 6);
	memcpy(buf + 6, t->src_mac, 6);
	if (t->vlan >= 0) {
		hdr_put16(buf + off, ETH_P_8021Q);
		hdr_put16(buf + off + 2, (uint16_t)t->vlan);
		off += 4;
	}
	hdr_put16(buf + off, ETH_P_IP);
	l3 = off + 2;
	l4 = l3 + 20;
	memset(buf + l3, 0, 20);
	buf[l3] = 0x45;
	hdr_put16(buf + l3 + 2, (uint16_t)(20 + tcp_len));
	hdr_put16(buf + l3 + 4, t->ip_id);
	hdr_put16(buf + l3 + 6, 0x4000); /* DF */
	buf[l3 + 8] = 64;
	buf[l3 + 9] = IPPROTO_TCP_;
	hdr_put32(buf + l3 + 12, t->saddr);
	hdr_put32(buf + l3 + 16, t->daddr);
	hdr_put16(buf + l3 + 10, (uint16_t)~ref_fold(ref_sum(buf + l3, 20, 0)));
	memset(buf + l4, 0, 20);
	hdr_put16(buf + l4, t->sport);
	hdr_put16(buf + l4 + 2, t->dport);
	hdr_put32(buf + l4 + 4, t->seq);
	hdr_put32(buf + l4 + 8, t->ack);
	buf[l4 + 12] = 5 << 4;
	buf[l4 + 13] = t->flags;
	hdr_put16(buf + l4 + 14, 65535);
	for (uint32_t i = 0; i < t->payload_len; i++)
		buf[l4 + 20 + i] = (uint8_t)(t->payload_seed + i);
	switch (mode) {
	case TB_FULL:
	case TB_BAD: {
		uint16_t c = (uint16_t)~ref_fold(
			ref_sum(buf + l4, tcp_len, ref_tcp4_seed(buf + l3, tcp_len)));
		if (mode == TB_BAD)
			c ^= 0x5a5a;
		hdr_put16(buf + l4 + 16, c);
		break;
	}
	case TB_SEED:
		hdr_put16(buf + l4 + 16, ref_tcp4_seed(buf + l3, tcp_len));
		break;
	case TB_ZERO:
	case TB_UNNEC:
		break;
	}
	return l4 + tcp_len;
}

/* Build a TCP/IPv4 packet from pool with header offsets and offload state
 * set as a stack or driver would. */
static inline struct pkt *tb_tcp4(struct pkt_pool *pool, const struct tb_tcp *t, enum tb_csum mode)
{
	uint8_t *buf = malloc(PKT_MAX_LEN);
	uint32_t len, l3 = 0, l4 = 0;
	struct pkt *p;

	if (!buf)
		return NULL;
	len = tb_tcp4_bytes(t, mode, buf);
	p = pkt_alloc(pool, len, PKT_HEADROOM);
	if (!p) {
		free(buf);
		return NULL;
	}
	memcpy(pkt_put(p, len), buf, len);
	free(buf);
	ref_tcp4_offsets(pkt_data(p), len, &l3, &l4);
	p->mac_header = p->data;
	p->network_header = p->data + l3;
	p->transport_header = p->data + l4;
	p->protocol = ETH_P_IP;
	if (mode == TB_SEED || mode == TB_ZERO) {
		p->ip_summed = CHECKSUM_PARTIAL;
		p->csum_start = p->transport_header;
		p->csum_offset = TCP_CSUM_OFFSET;
	} else if (mode == TB_UNNEC) {
		p->ip_summed = CHECKSUM_UNNECESSARY;
	}
	if (t->gso_size && t->payload_len > t->gso_size) {
		p->gso_size = t->gso_size;
		p->gso_segs = (uint16_t)((t->payload_len + t->gso_size - 1) / t->gso_size);
		p->gso_type = PKT_GSO_TCPV4;
	}
	return p;
}

/* A GRO-style packet: the frame of t (payload_len a multiple of mss) as a
 * head holding the headers and the first mss bytes, and one frag_list member
 * per further mss bytes; PARTIAL with the seed for the whole length, GSO
 * with gso_size mss — what tcp_gro_complete leaves. */
static inline struct pkt *tb_fraglist(struct pkt_pool *pool, const struct tb_tcp *t, uint16_t mss)
{
	uint8_t *buf = malloc(PKT_MAX_LEN);
	uint32_t len, l3 = 0, l4 = 0, hlen, off;
	struct pkt *head;

	if (!buf)
		return NULL;
	len = tb_tcp4_bytes(t, TB_SEED, buf);
	ref_tcp4_offsets(buf, len, &l3, &l4);
	hlen = l4 + 20;
	head = pkt_alloc(pool, hlen + mss, PKT_HEADROOM);
	if (!head) {
		free(buf);
		return NULL;
	}
	memcpy(pkt_put(head, hlen + mss), buf, hlen + mss);
	for (off = hlen + mss; off < len; off += mss) {
		uint32_t n = len - off < mss ? len - off : mss;
		struct pkt *m = pkt_alloc(pool, n, 0);
		if (!m) {
			pkt_free(head);
			free(buf);
			return NULL;
		}
		memcpy(pkt_put(m, n), buf + off, n);
		pkt_frag_list_append(head, m);
	}
	free(buf);
	head->mac_header = head->data;
	head->network_header = head->data + l3;
	head->transport_header = head->data + l4;
	head->protocol = ETH_P_IP;
	head->ip_summed = CHECKSUM_PARTIAL;
	head->csum_start = head->transport_header;
	head->csum_offset = TCP_CSUM_OFFSET;
	head->gso_size = mss;
	head->gso_segs = (uint16_t)((len - hlen + mss - 1) / mss);
	head->gso_type = PKT_GSO_TCPV4;
	return head;
}

/* Flatten a packet's bytes (across its frag_list) into buf (PKT_MAX_LEN). */
static inline uint32_t tb_flatten(const struct pkt *p, uint8_t *buf)
{
	if (pkt_copy_bits(p, 0, buf, p->len) != 0)
		return 0;
	return p->len;
}

static inline uint32_t tb_seq(const uint8_t *f, uint32_t len)
{
	uint32_t l3, l4;
	return ref_tcp4_offsets(f, len, &l3, &l4) ? hdr_get32(f + l4 + 4) : 0;
}

static inline uint32_t tb_payload_len(const uint8_t *f, uint32_t len)
{
	uint32_t l3, l4;
	if (!ref_tcp4_offsets(f, len, &l3, &l4))
		return 0;
	return hdr_get16(f + l3 + 2) - (l4 - l3) - (uint32_t)(f[l4 + 12] >> 4) * 4;
}

/* ---- Dummy netdev ---------------------------------------------------------- */

struct dummy {
	struct pkt *head, **tail;
	unsigned n;
	uint64_t n_xmit;
};

static inline enum netdev_tx dummy_xmit(struct netdev *dev, struct pkt *p)
{
	struct dummy *d = dev->priv;
	p->next = NULL;
	*d->tail = p;
	d->tail = &p->next;
	d->n++;
	d->n_xmit++;
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += p->len;
	return NETDEV_TX_OK;
}

static inline void dummy_drain(struct netdev *dev)
{
	struct dummy *d = dev->priv;
	pkt_free_list(d->head);
	d->head = NULL;
	d->tail = &d->head;
	d->n = 0;
}

static inline void dummy_destroy(struct netdev *dev)
{
	dummy_drain(dev);
}

static const struct netdev_ops dummy_ops = {
	.start_xmit = dummy_xmit,
	.destroy = dummy_destroy,
};

#define DUMMY_ALL_FEATURES                                                               \
	(NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_TSO | NETIF_F_TSO6 | \
	 NETIF_F_RXCSUM)

/* An open dummy device with exactly `features` (plus the soft ones). */
static inline struct netdev *dummy_create(const char *name, struct pkt_pool *pool, uint32_t features)
{
	struct netdev *dev = netdev_alloc(name, sizeof(struct dummy));
	struct dummy *d;
	if (!dev)
		return NULL;
	d = dev->priv;
	d->head = NULL;
	d->tail = &d->head;
	dev->ops = &dummy_ops;
	dev->pool = pool;
	dev->mtu = 1500;
	dev->min_mtu = 68;
	dev->max_mtu = 65535;
	dev->hw_features = features;
	dev->features = features;
	dev->vlan_features = features; /* offloads apply to tagged frames too */
	if (netdev_register(dev) != 0 || netdev_open(dev) != 0) {
		netdev_free(dev);
		return NULL;
	}
	netdev_set_features(dev, features);
	return dev;
}

/* Take the oldest packet the device was given (NULL if none). */
static inline struct pkt *dummy_pop(struct netdev *dev)
{
	struct dummy *d = dev->priv;
	struct pkt *p = d->head;
	if (!p)
		return NULL;
	d->head = p->next;
	if (!d->head)
		d->tail = &d->head;
	p->next = NULL;
	d->n--;
	return p;
}

static inline unsigned dummy_count(const struct netdev *dev)
{
	return ((const struct dummy *)dev->priv)->n;
}

#endif
