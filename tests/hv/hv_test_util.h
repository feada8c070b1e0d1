/*
 * hv_test_util.h — helpers for the hypervisor tests: a minimal "partition
 * OS" that lays out a buffer-list page, filter page, receive queue, receive
 * buffers and a transmit area in its logical memory, registers its adapter,
 * posts buffers, sends frames and reaps receive-queue entries the way the
 * ibmveth driver does; plus frame builders and a reference checksum written
 * independently of src/pkt.
 *
 * Serves the test programs of tests/hv only (each includes it once).
 */
#ifndef ILLAN_HV_TEST_UTIL_H
#define ILLAN_HV_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hv/hv.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

#define T_RXQ_ENTRIES 64
#define T_MAX_BUFS 1024

/* One adapter as its partition OS sees it. */
struct tad {
	struct hv *hv;
	struct hv_partition *part;
	uint64_t ua;
	uint8_t mac[6];
	uint64_t buf_list, filter, rxq, tx;
	uint32_t rxq_entries;
	uint32_t rxq_idx;
	bool toggle;
	unsigned irqs_seen;
};

struct trx {
	uint32_t flags_off;
	uint32_t len;
	uint32_t off;
	uint64_t corr;  /* = logical address of the buffer (what we posted) */
	uint8_t *buf;   /* host pointer to the buffer */
	uint8_t *frame; /* buf + off */
};

static inline void t_mac(uint8_t mac[6], uint8_t last)
{
	uint8_t m[6] = {0x02, 0x00, 0x00, 0x00, 0x00, last};
	memcpy(mac, m, 6);
}

static inline struct hv_adapter_config t_cfg(uint8_t mac_last, unsigned vswitch, uint16_t pvid,
					     unsigned trunk_pri, uint64_t fw_attrs)
{
	struct hv_adapter_config c;
	memset(&c, 0, sizeof(c));
	t_mac(c.mac, mac_last);
	c.vswitch = vswitch;
	c.pvid = pvid;
	c.trunk_priority = trunk_pri;
	c.fw_attrs = fw_attrs;
	c.mcast_filter_size = 8;
	return c;
}

static inline void t_irq(void *arg)
{
	struct tad *t = arg;
	t->irqs_seen++;
}

/* Create the adapter in part and lay out its memory (not registered). */
static inline bool t_adapter(struct tad *t, struct hv *hv, struct hv_partition *part,
			     const struct hv_adapter_config *cfg, uint32_t rxq_entries)
{
	memset(t, 0, sizeof(*t));
	t->hv = hv;
	t->part = part;
	memcpy(t->mac, cfg->mac, 6);
	t->ua = hv_adapter_create(hv, part, cfg);
	if (!t->ua)
		return false;
	t->rxq_entries = rxq_entries ? rxq_entries : T_RXQ_ENTRIES;
	t->buf_list = hv_lmem_alloc(part, 4096, 4096);
	t->filter = hv_lmem_alloc(part, 4096, 4096);
	t->rxq = hv_lmem_alloc(part, (size_t)t->rxq_entries * 16, 16);
	t->tx = hv_lmem_alloc(part, 65536 + 64, 64);
	hv_set_irq_handler(part, t->ua, t_irq, t);
	return t->buf_list != UINT64_MAX && t->filter != UINT64_MAX && t->rxq != UINT64_MAX &&
	       t->tx != UINT64_MAX;
}

static inline long t_open(struct tad *t)
{
	t->rxq_idx = 0;
	t->toggle = true;
	return h_register_logical_lan(t->part, t->ua, t->buf_list,
				      papr_desc(IBMVETH_BUF_VALID | (t->rxq_entries * 16),
						(uint32_t)t->rxq),
				      t->filter, papr_mac_to_u64(t->mac));
}

/* Post n buffers of size bytes; correlator = the buffer's logical address. */
static inline unsigned t_post(struct tad *t, uint32_t size, unsigned n)
{
	unsigned ok = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t a = hv_lmem_alloc(t->part, size, 16);
		if (a == UINT64_MAX)
			break;
		uint8_t *b = hv_lmem_ptr(t->part, a, size);
		memcpy(b, &a, 8);
		if (h_add_logical_lan_buffer(t->part, t->ua,
					     papr_desc(IBMVETH_BUF_VALID | size, (uint32_t)a)) !=
		    H_SUCCESS)
			break;
		ok++;
	}
	return ok;
}

static inline long t_send(struct tad *t, const void *frame, uint32_t len, uint32_t flags, uint64_t mss)
{
	uint8_t *tx = hv_lmem_ptr(t->part, t->tx, len);
	memcpy(tx, frame, len);
	uint64_t d[6] = {
		papr_desc(IBMVETH_BUF_VALID | flags | len, (uint32_t)t->tx), 0, 0, 0, 0, 0};
	uint64_t tok = 99;
	long rc = h_send_logical_lan(t->part, t->ua, d, 0, &tok, mss);
	return rc;
}

static inline uint32_t t_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t t_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Reap the next pending rxq entry as ibmveth_poll does; false if none. */
static inline bool t_recv(struct tad *t, struct trx *rx)
{
	uint8_t *e = hv_lmem_ptr(t->part, t->rxq + (uint64_t)t->rxq_idx * 16, 16);
	uint32_t fo = t_be32(e);
	if ((fo >> 31) != (uint32_t)t->toggle)
		return false;
	rx->flags_off = fo;
	rx->len = t_be32(e + 4);
	rx->off = fo & IBMVETH_RXQ_OFF_MASK;
	memcpy(&rx->corr, e + 8, 8);
	rx->buf = hv_lmem_ptr(t->part, rx->corr, 16);
	rx->frame = rx->buf ? rx->buf + rx->off : NULL;
	if (++t->rxq_idx == t->rxq_entries) {
		t->rxq_idx = 0;
		t->toggle = !t->toggle;
	}
	return true;
}

static inline unsigned t_drain(struct tad *t)
{
	struct trx rx;
	unsigned n = 0;
	while (t_recv(t, &rx))
		n++;
	return n;
}

static inline uint64_t t_drop_counter(struct tad *t)
{
	return t_be64(hv_lmem_ptr(t->part, t->buf_list + 4088, 8));
}

static inline struct hv_adapter_stats t_stats(struct tad *t)
{
	struct hv_adapter_stats st;
	memset(&st, 0, sizeof(st));
	hv_adapter_get_stats(t->part, t->ua, &st);
	return st;
}

/* ---- Frames ---------------------------------------------------------------- */

/* RFC 1071 reference sum, byte by byte (independent of src/pkt). */
static inline uint32_t t_sum(const uint8_t *p, uint32_t len, uint32_t sum)
{
	for (uint32_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}
static inline uint16_t t_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Does the TCP segment in frame (IP at l3, v4 or v6) carry a correct
 * checksum? l4len from the IP header. */
static inline bool t_tcp_csum_ok(const uint8_t *frame, uint32_t l3)
{
	const uint8_t *ip = frame + l3;
	uint32_t sum = 0, l4len;
	const uint8_t *tcp;
	if ((ip[0] >> 4) == 4) {
		uint32_t ihl = (ip[0] & 15u) * 4;
		l4len = ((uint32_t)ip[2] << 8 | ip[3]) - ihl;
		tcp = ip + ihl;
		sum = t_sum(ip + 12, 8, 0);
	} else {
		l4len = (uint32_t)ip[4] << 8 | ip[5];
		tcp = ip + 40;
		sum = t_sum(ip + 8, 32, 0);
	}
	sum += 6 + l4len;
	sum = t_sum(tcp, l4len, sum);
	return t_fold(sum) == 0;
}

struct tframe {
	uint8_t dst[6], src[6];
	int vlan; /* -1 untagged, else tci */
	int ipv;  /* 4 or 6 */
	uint32_t seq;
	uint8_t tcp_flags;
	uint32_t payload;
	bool zero_csum; /* leave the TCP checksum 0 (as ibmveth sends NO_CSUM) */
};

/* Build an Ethernet [802.1Q] IPv4/IPv6 TCP frame; returns its length. The
 * payload bytes are (i * 7 + 3) & 0xff. */
static inline uint32_t t_build_tcp(uint8_t *out, const struct tframe *f)
{
	uint32_t o = 0;
	memcpy(out, f->dst, 6);
	memcpy(out + 6, f->src, 6);
	o = 12;
	if (f->vlan >= 0) {
		out[o++] = 0x81;
		out[o++] = 0x00;
		out[o++] = (uint8_t)(f->vlan >> 8);
		out[o++] = (uint8_t)f->vlan;
	}
	uint32_t l3 = o + 2;
	uint8_t *ip = out + l3;
	uint32_t iphl = f->ipv == 4 ? 20 : 40;
	uint8_t *tcp = ip + iphl;
	uint32_t l4len = 20 + f->payload;
	if (f->ipv == 4) {
		out[o++] = 0x08;
		out[o++] = 0x00;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + l4len) >> 8);
		ip[3] = (uint8_t)(20 + l4len);
		ip[4] = 0x12;
		ip[5] = 0x34;
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = 6;
		uint8_t s[4] = {10, 0, 0, 1}, d[4] = {10, 0, 0, 2};
		memcpy(ip + 12, s, 4);
		memcpy(ip + 16, d, 4);
		uint16_t c = t_fold(t_sum(ip, 20, 0));
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	} else {
		out[o++] = 0x86;
		out[o++] = 0xDD;
		memset(ip, 0, 40);
		ip[0] = 0x60;
		ip[4] = (uint8_t)(l4len >> 8);
		ip[5] = (uint8_t)l4len;
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd;
		ip[23] = 1;
		ip[24] = 0xfd;
		ip[39] = 2;
	}
	memset(tcp, 0, 20);
	tcp[0] = 0x30;
	tcp[1] = 0x39;
	tcp[2] = 0x00;
	tcp[3] = 0x50;
	tcp[4] = (uint8_t)(f->seq >> 24);
	tcp[5] = (uint8_t)(f->seq >> 16);
	tcp[6] = (uint8_t)(f->seq >> 8);
	tcp[7] = (uint8_t)f->seq;
	tcp[8] = 0;
	tcp[11] = 1;
	tcp[12] = 5 << 4;
	tcp[13] = f->tcp_flags ? f->tcp_flags : (TCP_ACK | TCP_PSH);
	tcp[14] = 0xff;
	tcp[15] = 0xff;
	for (uint32_t i = 0; i < f->payload; i++)
		tcp[20 + i] = (uint8_t)(i * 7 + 3);
	if (!f->zero_csum) {
		uint32_t sum = f->ipv == 4 ? t_sum(ip + 12, 8, 0) : t_sum(ip + 8, 32, 0);
		sum += 6 + l4len;
		uint16_t c = t_fold(t_sum(tcp, l4len, sum));
		tcp[16] = (uint8_t)(c >> 8);
		tcp[17] = (uint8_t)c;
	}
	return l3 + iphl + l4len;
}

/* A small non-IP frame (ethertype 0x88b5, local experimental). */
static inline uint32_t t_build_raw(uint8_t *out, const uint8_t dst[6], const uint8_t src[6],
				   int vlan, uint32_t payload, uint8_t fill)
{
	uint32_t o = 12;
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	if (vlan >= 0) {
		out[o++] = 0x81;
		out[o++] = 0x00;
		out[o++] = (uint8_t)(vlan >> 8);
		out[o++] = (uint8_t)vlan;
	}
	out[o++] = 0x88;
	out[o++] = 0xb5;
	memset(out + o, fill, payload);
	return o + payload;
}

#endif
