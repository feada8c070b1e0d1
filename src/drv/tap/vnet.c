/*
 * vnet.c — virtio-net header <-> packet offload metadata (see vnet.h for the
 * rules and why UNNECESSARY is written as NEEDS_CSUM). Serves tap.c.
 */
#include "drv/tap/vnet.h"

#include <errno.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/hdr.h"

COUNTER_SET_DEFINE(vnet_counters, "vnet", struct vnet_stats, VNET_COUNTERS);

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* vnet_hdr_decode: see vnet.h. Little-endian: a modern TAP without
 * TUNSETVNETBE, and AF_PACKET, always use it. */
void vnet_hdr_decode(const uint8_t raw[VNET_HDR_LEN], struct vnet_hdr *h)
{
	h->flags = raw[0];
	h->gso_type = raw[1];
	h->hdr_len = get_le16(raw + 2);
	h->gso_size = get_le16(raw + 4);
	h->csum_start = get_le16(raw + 6);
	h->csum_offset = get_le16(raw + 8);
}

/* vnet_hdr_encode: see vnet.h. */
void vnet_hdr_encode(const struct vnet_hdr *h, uint8_t raw[VNET_HDR_LEN])
{
	raw[0] = h->flags;
	raw[1] = h->gso_type;
	put_le16(raw + 2, h->hdr_len);
	put_le16(raw + 4, h->gso_size);
	put_le16(raw + 6, h->csum_start);
	put_le16(raw + 8, h->csum_offset);
}

/*
 * vnet_hdr_to_pkt: see vnet.h. The gso_type mapping and its refusals follow
 * virtio_net_hdr_to_skb: the ECN bit alone is not a type; UDP (UFO) and
 * UDP_L4 (USO) are refused here because illan never offers them with
 * TUNSETOFFLOAD (a kernel that sends them anyway is misbehaving). DATA_VALID
 * is ignored, as on Linux's own write path; unknown flag bits are ignored, as
 * the virtio spec tells a device to do. Everything else is pkt_offload_apply's
 * to judge (csum_start at the L4 header, csum_offset 16/6, gso_size != 0,
 * type agreeing with the IP version).
 */
int vnet_hdr_to_pkt(struct pkt *p, const struct vnet_hdr *h, struct vnet_stats *st)
{
	struct vnet_stats dummy;
	if (!st) {
		memset(&dummy, 0, sizeof(dummy));
		st = &dummy;
	}
	if (p->len < ETH_HLEN) {
		st->vnet_runt++;
		return -EINVAL;
	}
	if (h->hdr_len > p->len) { /* tun refuses these on write, too */
		st->vnet_bad_hdr_len++;
		return -EINVAL;
	}
	struct pkt_offload_req req = {0};
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		switch (h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN) {
		case VIRTIO_NET_HDR_GSO_TCPV4:
			req.gso_type = PKT_GSO_TCPV4;
			break;
		case VIRTIO_NET_HDR_GSO_TCPV6:
			req.gso_type = PKT_GSO_TCPV6;
			break;
		default:
			st->vnet_bad_gso_type++;
			return -EINVAL;
		}
		if (h->gso_type & VIRTIO_NET_HDR_GSO_ECN)
			req.gso_type |= PKT_GSO_TCP_ECN;
		req.gso_size = h->gso_size;
	}
	req.needs_csum = (h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) != 0;
	if (!req.needs_csum && !req.gso_type)
		return 0; /* a plain frame: nothing to trust, the receiver verifies */
	req.csum_start = h->csum_start;
	req.csum_offset = h->csum_offset;
	struct pkt_offload_errors e = {0};
	int rc = pkt_offload_apply(p, &req, &e);
	if (rc < 0) {
		st->vnet_bad_csum_start += e.bad_csum_start;
		st->vnet_bad_csum_offset += e.bad_csum_offset;
		st->vnet_bad_gso_size += e.bad_gso_size;
		st->vnet_bad_gso_type += e.bad_gso_type;
		st->vnet_bad_headers += e.bad_headers;
		return rc;
	}
	if (p->ip_summed == CHECKSUM_PARTIAL)
		st->vnet_rx_partial++;
	if (pkt_is_gso(p))
		st->vnet_rx_gso++;
	return 0;
}

/* Put the TCP/UDP pseudo-header seed into the L4 checksum field of a parsed,
 * linear frame and make p PARTIAL there. false when the frame is not plain
 * TCP/UDP over IPv4/IPv6 (fragment, other protocol, truncated). */
static bool seed_l4(struct pkt *p)
{
	uint8_t *f = pkt_data(p);
	struct hdr_info hi;
	if (hdr_parse_head(f, pkt_headlen(p), p->len, &hi) < 0 || hi.l4_off == 0 || hi.is_fragment)
		return false;
	uint16_t off;
	if (hi.l4_proto == IPPROTO_TCP_)
		off = TCP_CSUM_OFFSET;
	else if (hi.l4_proto == IPPROTO_UDP_)
		off = UDP_CSUM_OFFSET;
	else
		return false;
	if (hi.l3_tot_len < hi.l3_hlen || (uint32_t)hi.l4_off + off + 2 > pkt_headlen(p))
		return false;
	uint32_t l4_len = hi.l3_tot_len - hi.l3_hlen;
	const uint8_t *ip = f + hi.l3_off;
	uint16_t magic = hi.ip_version == 4
				 ? csum_tcpudp_magic(ip + 12, ip + 16, l4_len, hi.l4_proto, 0)
				 : csum_ipv6_magic(ip + 8, ip + 24, l4_len, hi.l4_proto, 0);
	uint16_t seed = (uint16_t)~magic;
	if (!pkt_partial_csum_set(p, hi.l4_off, off))
		return false;
	memcpy(f + hi.l4_off + off, &seed, 2);
	return true;
}

/* The TCP header's end for a GSO frame: hdr_len, a hint for the kernel's
 * linear allocation (OVS writes L2..end of TCP, as we do). 0 if unknown. */
static uint16_t gso_hdr_len(const struct pkt *p)
{
	if (p->ip_summed != CHECKSUM_PARTIAL || p->csum_start < p->data)
		return 0;
	uint32_t th = p->csum_start - p->data;
	if (th + 13 > pkt_headlen(p))
		return 0;
	uint32_t end = th + (uint32_t)(pkt_data(p)[th + 12] >> 4) * 4;
	return end <= pkt_headlen(p) && end <= UINT16_MAX ? (uint16_t)end : 0;
}

/*
 * vnet_hdr_from_pkt: see vnet.h. PARTIAL -> NEEDS_CSUM (the field holds the
 * seed by the PARTIAL contract); UNNECESSARY TCP/UDP -> seeded NEEDS_CSUM
 * (TAP ignores DATA_VALID on write, see vnet.h); NONE/COMPLETE -> flags 0,
 * the kernel verifies the checksum itself — which is how the seed's unfixed
 * issues show: a zeroed or wrong field reaches the VM's TCP as-is.
 */
int vnet_hdr_from_pkt(struct pkt *p, struct vnet_hdr *h, struct vnet_stats *st)
{
	struct vnet_stats dummy;
	if (!st) {
		memset(&dummy, 0, sizeof(dummy));
		st = &dummy;
	}
	memset(h, 0, sizeof(*h));
	if (pkt_is_gso(p)) {
		uint32_t t = p->gso_type & (PKT_GSO_TCPV4 | PKT_GSO_TCPV6);
		if (t == PKT_GSO_TCPV4)
			h->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
		else if (t == PKT_GSO_TCPV6)
			h->gso_type = VIRTIO_NET_HDR_GSO_TCPV6;
		else {
			st->vnet_tx_bad_meta++;
			return -EINVAL;
		}
		if (p->gso_type & PKT_GSO_TCP_ECN)
			h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		h->gso_size = p->gso_size;
	}
	if (p->ip_summed == CHECKSUM_UNNECESSARY) {
		if (seed_l4(p))
			st->vnet_tx_unnecessary_seeded++;
	}
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		if (p->csum_start < p->data || p->csum_start - p->data > UINT16_MAX) {
			st->vnet_tx_bad_meta++;
			return -EINVAL;
		}
		h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->csum_start = (uint16_t)(p->csum_start - p->data);
		h->csum_offset = p->csum_offset;
		st->vnet_tx_needs_csum++;
	}
	if (h->gso_type != VIRTIO_NET_HDR_GSO_NONE) {
		uint16_t hl = gso_hdr_len(p);
		h->hdr_len =
			hl ? hl
			   : (uint16_t)(pkt_headlen(p) > UINT16_MAX ? UINT16_MAX : pkt_headlen(p));
		st->vnet_tx_gso++;
	}
	return 0;
}
