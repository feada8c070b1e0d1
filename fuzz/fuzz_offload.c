/*
 * fuzz_offload.c — libFuzzer target for offload metadata from an untrusted
 * source and for what consumes it: pkt_offload_apply (the virtio_net_hdr_to_skb
 * checks), pkt_checksum_help, pkt_tcp_set_pseudo_seed, pkt_l4_csum_ok,
 * gso_segment, pkt_linearize and netdev's validate_xmit (software GSO and
 * checksum fallback on a device with fuzzed features). Two modes: metadata
 * validated first (what a driver does), and metadata written raw into the
 * packet (a layer that trusted it) — csum_start past the end, csum_offset not
 * a checksum field, gso_size 0 or beyond the payload, gso_type disagreeing
 * with the headers, header offsets anywhere.
 *
 * Input: a 16-byte control block, then the frame.
 *   [0] mode bits  [1..2] csum_start  [3..4] csum_offset  [5] gso_type
 *   [6..7] gso_size  [8] fault_n  [9..10] head_len  [11..12] chunk
 *   [13] ip_summed (raw)  [14] net_hdr (raw)  [15] features (xmit)
 * Checked beyond "no crash": GSO segments carry exactly the input's payload
 * in order, each parses, fits the MSS, has a valid IPv4 header checksum and
 * (checksum completed in software from a computed seed) a valid TCP
 * checksum; checksum_help after a correct seed yields a valid checksum; a
 * refused metadata set leaves the packet unchanged; nothing leaks.
 */
#include <errno.h>

#include "fuzz_util.h"
#include "net/netdev.h"
#include "pkt/csum.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"

enum {
	M_NEEDS_CSUM = 1 << 0,
	M_CSUM_OFFLOAD = 1 << 1, /* gso_segment leaves segments PARTIAL */
	M_FRAGS = 1 << 2,        /* split the tail over a frag_list */
	M_RAW = 1 << 3,          /* write metadata without validation */
	M_FAULT = 1 << 4,        /* fail the fault_n-th allocation */
	M_CSUM_HELP = 1 << 5,
	M_LINEARIZE = 1 << 6,
	M_XMIT = 1 << 7, /* through dev_queue_xmit on a dummy device */
};

#define CTRL_LEN 16

static enum netdev_tx dummy_xmit(struct netdev *dev, struct pkt *p)
{
	(void)dev;
	/* What validate_xmit hands a driver: no frag_list unless FRAGLIST, no
	 * GSO unless TSO for the family. */
	if (!(dev->features & NETIF_F_FRAGLIST))
		FUZZ_CHECK(!pkt_has_frag_list(p));
	if (!(dev->features & (NETIF_F_TSO | NETIF_F_TSO6)))
		FUZZ_CHECK(!pkt_is_gso(p));
	FUZZ_CHECK(p->len == pkt_headlen(p) + p->data_len);
	pkt_free(p);
	return NETDEV_TX_OK;
}

static const struct netdev_ops dummy_ops = {.start_xmit = dummy_xmit};

static struct netdev *dummy_dev(void)
{
	static struct netdev *dev;
	if (!dev) {
		dev = netdev_alloc("fuzz0", 0);
		FUZZ_CHECK(dev);
		dev->ops = &dummy_ops;
		dev->mtu = 1500;
		dev->min_mtu = 68;
		dev->max_mtu = 65535;
		dev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM |
				   NETIF_F_HW_CSUM | NETIF_F_TSO | NETIF_F_TSO6 | NETIF_F_FRAGLIST |
				   NETIF_F_TSO_ECN | NETIF_F_TSO_MANGLEID;
		dev->pool = fuzz_pool();
		FUZZ_CHECK(netdev_register(dev) == 0);
		FUZZ_CHECK(netdev_open(dev) == 0);
	}
	return dev;
}

static uint32_t feature_bits(uint8_t b)
{
	static const uint32_t map[8] = {NETIF_F_SG,       NETIF_F_IP_CSUM, NETIF_F_IPV6_CSUM,
					NETIF_F_HW_CSUM,  NETIF_F_TSO,     NETIF_F_TSO6,
					NETIF_F_FRAGLIST, NETIF_F_TSO_ECN};
	uint32_t f = 0;
	for (int i = 0; i < 8; i++)
		if (b & (1u << i))
			f |= map[i];
	return f;
}

/* The segments of p (already checked as parseable TCP) against p. */
static void check_segments(const struct pkt *p, const struct pkt *segs, bool csum_offload)
{
	struct hdr_info h;
	uint8_t *in = malloc(p->len ? p->len : 1);
	FUZZ_CHECK(in);
	FUZZ_CHECK(pkt_copy_bits(p, 0, in, p->len) == 0);
	FUZZ_CHECK(hdr_parse(in, p->len, &h) == 0);
	uint32_t hlen = (uint32_t)h.l4_off + h.l4_hlen;
	uint32_t payload = p->len - hlen, off = 0;
	bool seed_known = p->ip_summed != CHECKSUM_PARTIAL;
	bool plain_v6 = h.ip_version == 4 || h.l3_hlen == 40; /* no routing header */
	unsigned n = 0;
	for (const struct pkt *s = segs; s; s = s->next, n++) {
		struct hdr_info sh;
		FUZZ_CHECK(!pkt_has_frag_list(s) && !pkt_is_gso(s));
		FUZZ_CHECK(hdr_parse(pkt_data(s), s->len, &sh) == 0);
		FUZZ_CHECK(sh.l4_off == h.l4_off && sh.l4_hlen == h.l4_hlen);
		uint32_t seg = s->len - hlen;
		FUZZ_CHECK(s->len >= hlen);
		FUZZ_CHECK(seg <= p->gso_size || payload <= p->gso_size);
		FUZZ_CHECK(off + seg <= payload);
		FUZZ_CHECK(memcmp(pkt_data(s) + hlen, in + hlen + off, seg) == 0);
		off += seg;
		if (sh.ip_version == 4)
			FUZZ_CHECK(ip_fast_csum(pkt_data(s) + sh.l3_off, sh.l3_hlen / 4) == 0);
		if (csum_offload) {
			FUZZ_CHECK(s->ip_summed == CHECKSUM_PARTIAL);
			FUZZ_CHECK(s->csum_start == s->data + h.l4_off);
		} else {
			FUZZ_CHECK(s->ip_summed == CHECKSUM_NONE);
			if (seed_known && plain_v6)
				FUZZ_CHECK(pkt_l4_csum_ok(s));
		}
	}
	FUZZ_CHECK(off == payload);
	FUZZ_CHECK(n >= 1);
	free(in);
}

static void try_gso(struct pkt *p, bool csum_offload, bool checked)
{
	int err = 0;
	struct pkt *segs = gso_segment(p, csum_offload, &err);
	if (!segs) {
		FUZZ_CHECK(err == -EINVAL || err == -ENOMEM);
		return;
	}
	FUZZ_CHECK(err == 0);
	if (checked)
		check_segments(p, segs, csum_offload);
	pkt_free_list(segs);
}

/* A metadata set pkt_offload_apply accepted: what it promised, then use it.
 * Returns true when p was handed on (transmitted). */
static bool validated(struct pkt *p, uint8_t mode, uint8_t features)
{
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		FUZZ_CHECK(p->csum_start == p->transport_header);
		FUZZ_CHECK(p->csum_start - p->data + p->csum_offset + 2u <= pkt_headlen(p));
		FUZZ_CHECK(p->csum_offset == TCP_CSUM_OFFSET || p->csum_offset == UDP_CSUM_OFFSET);
	}
	if (pkt_is_gso(p)) {
		FUZZ_CHECK(p->gso_type & PKT_GSO_DODGY);
		try_gso(p, mode & M_CSUM_OFFLOAD, true);
	} else if (p->ip_summed == CHECKSUM_PARTIAL && (mode & M_CSUM_HELP)) {
		/* With the right seed, the completed checksum verifies. */
		struct hdr_info h;
		bool tcp = hdr_parse(pkt_data(p), pkt_headlen(p), &h) == 0 &&
			   h.l4_proto == IPPROTO_TCP_;
		bool seeded = tcp && pkt_tcp_set_pseudo_seed(p) == 0;
		FUZZ_CHECK(pkt_checksum_help(p) == 0);
		FUZZ_CHECK(p->ip_summed == CHECKSUM_NONE);
		bool whole = h.l3_off + h.l3_tot_len == p->len; /* no Ethernet padding */
		if (seeded && whole && (h.ip_version == 4 || h.l3_hlen == 40))
			FUZZ_CHECK(pkt_l4_csum_ok(p));
	}
	if (mode & M_XMIT) {
		struct netdev *dev = dummy_dev();
		(void)netdev_set_features(dev, feature_bits(features));
		FUZZ_CHECK(dev_queue_xmit(dev, p) <= 0);
		return true;
	}
	return false;
}

/* Metadata nobody checked: every consumer must refuse or cope. */
static void raw(struct pkt *p, const uint8_t *c, uint8_t mode)
{
	p->ip_summed = c[13] & 3;
	p->csum_start = p->data + hdr_get16(c + 1) - 64u; /* may point before data */
	p->csum_offset = hdr_get16(c + 3);
	p->gso_type = c[5];
	p->gso_size = hdr_get16(c + 6);
	if (c[14] & 0x80) {
		p->network_header = p->data + (c[14] & 0x7f);
		p->transport_header = p->csum_start;
	}
	if (mode & M_LINEARIZE) {
		int rc = pkt_linearize(p);
		FUZZ_CHECK(rc == 0 || rc == -ENOMEM);
	}
	(void)pkt_l4_csum_ok(p);
	if (mode & M_CSUM_HELP) {
		int rc = pkt_checksum_help(p);
		FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	} else if (pkt_is_gso(p)) {
		try_gso(p, mode & M_CSUM_OFFLOAD, false);
	} else {
		(void)pkt_tcp_set_pseudo_seed(p);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < CTRL_LEN || size - CTRL_LEN > PKT_MAX_LEN)
		return 0;
	const uint8_t *c = data;
	const uint8_t *frame = data + CTRL_LEN;
	size_t flen = size - CTRL_LEN;
	uint8_t mode = c[0];

	struct pkt *p = (mode & M_FRAGS)
				? fuzz_pkt_frags(frame, flen, hdr_get16(c + 9), hdr_get16(c + 11))
				: fuzz_pkt(frame, flen);
	if (!p)
		goto out;
	if (mode & M_FAULT)
		pkt_fault_fail_nth(c[8] % 64 + 1);

	if (mode & M_RAW) {
		raw(p, c, mode);
	} else {
		struct pkt_offload_req req = {
			.needs_csum = mode & M_NEEDS_CSUM,
			.csum_start = hdr_get16(c + 1),
			.csum_offset = hdr_get16(c + 3),
			.gso_type = c[5],
			.gso_size = hdr_get16(c + 6),
		};
		struct pkt before = *p;
		struct pkt_offload_errors err = {0};
		int rc = pkt_offload_apply(p, &req, &err);
		uint64_t n_err = err.bad_csum_start + err.bad_csum_offset + err.bad_gso_size +
				 err.bad_gso_type + err.bad_headers;
		if (rc) {
			FUZZ_CHECK(rc == -EINVAL);
			FUZZ_CHECK(n_err == 1);
			FUZZ_CHECK(memcmp(&before, p, sizeof(before)) == 0);
		} else {
			FUZZ_CHECK(n_err == 0);
			if (validated(p, mode, c[15]))
				p = NULL;
		}
	}
	pkt_free(p);
out:
	fuzz_end();
	return 0;
}
