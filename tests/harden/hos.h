/*
 * hos.h — a minimal partition OS for the hardening tests and the hcall fuzz
 * target: it lays out one adapter's buffer-list page, filter page, receive
 * queue, receive buffers and a transmit area in its partition's logical
 * memory, registers the LAN, posts buffers, sends frames and reaps the
 * receive queue the way ibmveth does — and records every range it handed the
 * hypervisor to write (hos_may_write), so a test can prove that nothing else
 * in the partition's memory changed.
 *
 * Serves tests/harden (isolation, fault injection) and fuzz/fuzz_hcall.c
 * (which includes it as "harden/hos.h"). Header only.
 */
#ifndef ILLAN_HARDEN_HOS_H
#define ILLAN_HARDEN_HOS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hv.h"
#include "pkt/hdr.h"

#define HOS_RXQ_ENTRIES 32
#define HOS_BUF_SIZE 2048u
#define HOS_MAX_BUFS 32
#define HOS_MAX_RANGES 64

/* One adapter as its partition OS sees it. */
struct hos_ad {
	struct hv_partition *part;
	uint64_t ua;
	uint8_t mac[6];
	uint64_t buf_list, filter, rxq, tx;
	uint64_t bufs[HOS_MAX_BUFS];
	unsigned n_bufs;
	uint32_t rxq_idx;
	bool toggle;
	bool open;
	/* What was received (reaped) and from whom. */
	uint64_t rx_frames, rx_bytes, rx_bad_corr;
	uint8_t last_src[6];
	uint32_t last_len;
	uint8_t last_frame[HOS_BUF_SIZE];
};

static inline struct hv_adapter_config hos_cfg(uint8_t mac_last, unsigned vswitch, uint16_t pvid,
					       unsigned trunk_pri)
{
	struct hv_adapter_config c;
	memset(&c, 0, sizeof(c));
	uint8_t m[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, mac_last};
	memcpy(c.mac, m, 6);
	c.vswitch = vswitch;
	c.pvid = pvid;
	c.trunk_priority = trunk_pri;
	c.fw_attrs = IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT |
		     IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT;
	c.mcast_filter_size = 8;
	return c;
}

/* Create adapter cfg in part and lay out its memory; n_bufs receive buffers
 * of HOS_BUF_SIZE are carved but not posted. false on failure. */
static inline bool hos_adapter(struct hos_ad *a, struct hv *hv, struct hv_partition *part,
			       const struct hv_adapter_config *cfg, unsigned n_bufs)
{
	memset(a, 0, sizeof(*a));
	a->part = part;
	memcpy(a->mac, cfg->mac, 6);
	a->ua = hv_adapter_create(hv, part, cfg);
	if (!a->ua || n_bufs > HOS_MAX_BUFS)
		return false;
	a->buf_list = hv_lmem_alloc(part, 4096, 4096);
	a->filter = hv_lmem_alloc(part, 4096, 4096);
	a->rxq = hv_lmem_alloc(part, HOS_RXQ_ENTRIES * 16, 16);
	a->tx = hv_lmem_alloc(part, 9216, 64);
	for (unsigned i = 0; i < n_bufs; i++) {
		a->bufs[i] = hv_lmem_alloc(part, HOS_BUF_SIZE, 16);
		if (a->bufs[i] == UINT64_MAX)
			return false;
	}
	a->n_bufs = n_bufs;
	return a->buf_list != UINT64_MAX && a->filter != UINT64_MAX && a->rxq != UINT64_MAX &&
	       a->tx != UINT64_MAX;
}

/* Post buffer i (correlator = its logical address, as ibmveth stores a
 * cookie there). */
static inline long hos_post(struct hos_ad *a, unsigned i)
{
	uint8_t *b = hv_lmem_ptr(a->part, a->bufs[i], HOS_BUF_SIZE);
	memcpy(b, &a->bufs[i], 8);
	return h_add_logical_lan_buffer(
		a->part, a->ua, papr_desc(IBMVETH_BUF_VALID | HOS_BUF_SIZE, (uint32_t)a->bufs[i]));
}

/* Register the LAN and post every buffer. Returns the register rc. */
static inline long hos_open(struct hos_ad *a)
{
	a->rxq_idx = 0;
	a->toggle = true;
	memset(hv_lmem_ptr(a->part, a->rxq, HOS_RXQ_ENTRIES * 16), 0, HOS_RXQ_ENTRIES * 16);
	long rc = h_register_logical_lan(a->part, a->ua, a->buf_list,
					 papr_desc(IBMVETH_BUF_VALID | (HOS_RXQ_ENTRIES * 16),
						   (uint32_t)a->rxq),
					 a->filter, papr_mac_to_u64(a->mac));
	if (rc != H_SUCCESS)
		return rc;
	a->open = true;
	for (unsigned i = 0; i < a->n_bufs; i++)
		hos_post(a, i);
	return rc;
}

/* Send len bytes of frame from the transmit area. */
static inline long hos_send(struct hos_ad *a, const uint8_t *frame, uint32_t len)
{
	uint8_t *tx = hv_lmem_ptr(a->part, a->tx, len);
	if (!tx)
		return H_PARAMETER;
	memcpy(tx, frame, len);
	uint64_t d[6] = {papr_desc(IBMVETH_BUF_VALID | len, (uint32_t)a->tx), 0, 0, 0, 0, 0};
	return h_send_logical_lan(a->part, a->ua, d, 0, NULL, 0);
}

static inline uint32_t hos_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reap every pending receive-queue entry, recording the frame, and re-post
 * its buffer. Returns the number reaped. A correlator that is not one of our
 * buffers is counted in rx_bad_corr and skipped. */
static inline unsigned hos_reap(struct hos_ad *a)
{
	unsigned n = 0;
	for (;;) {
		uint8_t *e = hv_lmem_ptr(a->part, a->rxq + (uint64_t)a->rxq_idx * 16, 16);
		uint32_t fo = hos_be32(e);
		if ((fo >> 31) != (uint32_t)a->toggle || !(fo & IBMVETH_RXQ_VALID))
			break;
		if (++a->rxq_idx == HOS_RXQ_ENTRIES) {
			a->rxq_idx = 0;
			a->toggle = !a->toggle;
		}
		n++;
		uint64_t corr;
		memcpy(&corr, e + 8, 8);
		unsigned i = 0;
		while (i < a->n_bufs && a->bufs[i] != corr)
			i++;
		if (i == a->n_bufs) {
			a->rx_bad_corr++;
			continue;
		}
		uint32_t len = hos_be32(e + 4), off = fo & IBMVETH_RXQ_OFF_MASK;
		if (off + len <= HOS_BUF_SIZE && len <= sizeof(a->last_frame)) {
			const uint8_t *f = hv_lmem_ptr(a->part, corr + off, len);
			memcpy(a->last_frame, f, len);
			a->last_len = len;
			if (len >= 12)
				memcpy(a->last_src, f + 6, 6);
			a->rx_frames++;
			a->rx_bytes += len;
		}
		hos_post(a, i);
	}
	return n;
}

/*
 * The ranges of a's partition memory the hypervisor may write: the
 * buffer-list page (queue descriptor, drop counter), the receive queue and
 * the receive buffers. fn(arg, laddr, len) for each.
 */
static inline void hos_may_write(const struct hos_ad *a,
				 void (*fn)(void *arg, uint64_t laddr, uint64_t len), void *arg)
{
	fn(arg, a->buf_list, 4096);
	fn(arg, a->rxq, HOS_RXQ_ENTRIES * 16);
	for (unsigned i = 0; i < a->n_bufs; i++)
		fn(arg, a->bufs[i], HOS_BUF_SIZE);
}

/* A small Ethernet frame: dst, src, optional 802.1Q tags (tags[i] = TPID <<
 * 16 | TCI, 0 = none), ethertype 0x88b5 and payload bytes of fill. */
static inline uint32_t hos_frame(uint8_t *out, const uint8_t dst[6], const uint8_t src[6],
				 const uint32_t *tags, unsigned n_tags, uint32_t payload,
				 uint8_t fill)
{
	uint32_t o = 12;
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	for (unsigned i = 0; i < n_tags; i++) {
		hdr_put16(out + o, (uint16_t)(tags[i] >> 16));
		hdr_put16(out + o + 2, (uint16_t)tags[i]);
		o += 4;
	}
	hdr_put16(out + o, 0x88b5);
	o += 2;
	memset(out + o, fill, payload);
	return o + payload;
}

#endif
