/*
 * offload.c — a packet's offload state, with Linux's behaviour:
 * skb_partial_csum_set, skb_checksum_help, the TCP pseudo-header seed
 * (__tcp_v4_send_check / __tcp_v6_send_check), L4 checksum verification, and
 * the validation of untrusted offload metadata (virtio_net_hdr_to_skb with
 * the checks later kernels added).
 *
 * Serves drivers (ibmveth's receive fix-ups, TAP's virtio-net headers),
 * netdev's validate_xmit, the bridge's slow path, GSO/GRO and the stack.
 */
#include <errno.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

/* pkt_partial_csum_set: see pkt.h. */
bool pkt_partial_csum_set(struct pkt *p, uint32_t start, uint16_t off)
{
	uint64_t cstart = (uint64_t)p->data + start;
	if (cstart >= UINT16_MAX)
		return false;
	if ((uint64_t)start + off + 2 > pkt_headlen(p))
		return false;
	p->ip_summed = CHECKSUM_PARTIAL;
	p->csum_start = (uint32_t)cstart;
	p->csum_offset = off;
	p->transport_header = (uint32_t)cstart;
	pkt_trace(p, "partial_csum_set");
	return true;
}

/* pkt_checksum_help: see pkt.h. */
int pkt_checksum_help(struct pkt *p)
{
	if (p->ip_summed == CHECKSUM_COMPLETE) {
		p->ip_summed = CHECKSUM_NONE;
		pkt_trace(p, "checksum_help");
		return 0;
	}
	if (p->ip_summed != CHECKSUM_PARTIAL)
		return 0;
	if (pkt_is_gso(p))
		return -EINVAL;
	if (p->csum_start < p->data)
		return -EINVAL;
	uint32_t off = p->csum_start - p->data;
	uint32_t hl = pkt_headlen(p);
	if (off >= hl || (uint64_t)off + p->csum_offset + 2 > hl)
		return -EINVAL;
	uint32_t sum = pkt_checksum(p, off, p->len - off, 0);
	uint16_t c = csum_fold(sum);
	if (c == 0)
		c = 0xffff;
	memcpy(pkt_data(p) + off + p->csum_offset, &c, 2);
	p->ip_summed = CHECKSUM_NONE;
	pkt_trace(p, "checksum_help");
	return 0;
}

/* Parse p's IP and L4 headers from its network header (offsets in h from
 * data); the transport header must be where the parse finds L4. */
static int pkt_l3_info(const struct pkt *p, struct hdr_info *h)
{
	if (p->network_header == PKT_HDR_UNSET || p->transport_header == PKT_HDR_UNSET ||
	    p->network_header < p->data || p->transport_header < p->data)
		return -EINVAL;
	uint32_t noff = p->network_header - p->data;
	int rc = hdr_parse_ip(pkt_data(p), pkt_headlen(p), p->len, noff, h);
	if (rc)
		return rc;
	if (!h->l4_off || h->l4_off != p->transport_header - p->data)
		return -EINVAL;
	return 0;
}

/* The pseudo-header sum (unfolded) for the L4 segment of length l4len. */
static uint32_t pkt_pseudo_sum(const struct pkt *p, const struct hdr_info *h, uint32_t l4len)
{
	const uint8_t *ip = pkt_data(p) + h->l3_off;
	if (h->ip_version == 4) {
		const struct hdr_ip *ip4 = (const struct hdr_ip *)ip;
		return csum_tcpudp_nofold(ip4->saddr, ip4->daddr, l4len, h->l4_proto, 0);
	}
	const struct hdr_ipv6 *ip6 = (const struct hdr_ipv6 *)ip;
	return csum_ipv6_nofold(ip6->saddr, ip6->daddr, l4len, h->l4_proto, 0);
}

/* pkt_tcp_set_pseudo_seed: see pkt.h. */
int pkt_tcp_set_pseudo_seed(struct pkt *p)
{
	struct hdr_info h;
	if (pkt_l3_info(p, &h) || h.l4_proto != IPPROTO_TCP_)
		return -EINVAL;
	uint32_t l4len = p->len - h.l4_off;
	uint16_t seed = (uint16_t)~csum_fold(pkt_pseudo_sum(p, &h, l4len));
	memcpy(pkt_data(p) + h.l4_off + TCP_CSUM_OFFSET, &seed, 2);
	pkt_trace(p, "tcp_pseudo_seed");
	return 0;
}

/* pkt_l4_csum_ok: see pkt.h. */
bool pkt_l4_csum_ok(const struct pkt *p)
{
	struct hdr_info h;
	if (pkt_l3_info(p, &h))
		return false;
	if (h.l4_proto != IPPROTO_TCP_ && h.l4_proto != IPPROTO_UDP_)
		return false;
	uint32_t end = h.l3_off + h.l3_tot_len;
	if (end > p->len || end < h.l4_off)
		return false;
	uint32_t l4len = end - h.l4_off;
	if (h.l4_proto == IPPROTO_UDP_ && h.ip_version == 4) {
		const uint8_t *u = pkt_data(p) + h.l4_off;
		if (u[UDP_CSUM_OFFSET] == 0 && u[UDP_CSUM_OFFSET + 1] == 0)
			return true;
	}
	uint32_t s = pkt_checksum(p, h.l4_off, l4len, pkt_pseudo_sum(p, &h, l4len));
	return csum_fold(s) == 0;
}

#define PKT_OFFLOAD_GSO_KNOWN (PKT_GSO_TCPV4 | PKT_GSO_TCPV6 | PKT_GSO_TCP_ECN)

/* pkt_offload_apply: see pkt.h. */
int pkt_offload_apply(struct pkt *p, const struct pkt_offload_req *req, struct pkt_offload_errors *err)
{
	struct pkt_offload_errors dummy;
	if (!err) {
		memset(&dummy, 0, sizeof(dummy));
		err = &dummy;
	}
	struct hdr_info h;
	if (hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h)) {
		err->bad_headers++;
		return -EINVAL;
	}
	uint32_t gt = req->gso_type;
	uint32_t base = gt & (PKT_GSO_TCPV4 | PKT_GSO_TCPV6);
	if (gt & ~PKT_OFFLOAD_GSO_KNOWN || (gt && base != PKT_GSO_TCPV4 && base != PKT_GSO_TCPV6)) {
		err->bad_gso_type++;
		return -EINVAL;
	}
	if (gt && req->gso_size == 0) {
		err->bad_gso_size++;
		return -EINVAL;
	}
	if (gt) {
		bool tcp = h.l4_off && h.l4_proto == IPPROTO_TCP_ && !h.is_fragment;
		if (!tcp || (base == PKT_GSO_TCPV4) != (h.ip_version == 4)) {
			err->bad_gso_type++;
			return -EINVAL;
		}
	}
	if (req->needs_csum) {
		if (req->csum_start >= p->len || !h.l4_off || req->csum_start != h.l4_off) {
			err->bad_csum_start++;
			return -EINVAL;
		}
		uint16_t want = h.l4_proto == IPPROTO_TCP_ ? TCP_CSUM_OFFSET : UDP_CSUM_OFFSET;
		if (req->csum_offset != want) {
			err->bad_csum_offset++;
			return -EINVAL;
		}
		if ((uint64_t)p->data + req->csum_start >= UINT16_MAX ||
		    (uint32_t)req->csum_start + req->csum_offset + 2 > pkt_headlen(p)) {
			err->bad_csum_start++;
			return -EINVAL;
		}
	}

	/* Everything checked: apply. */
	p->mac_header = p->data;
	p->protocol = h.ethertype;
	p->network_header = h.l3_off ? p->data + h.l3_off : PKT_HDR_UNSET;
	p->transport_header = h.l4_off ? p->data + h.l4_off : PKT_HDR_UNSET;
	if (req->needs_csum) {
		bool ok = pkt_partial_csum_set(p, req->csum_start, req->csum_offset);
		(void)ok; /* checked above */
	}
	if (gt) {
		uint32_t payload = p->len - h.l4_off - h.l4_hlen;
		if (payload > req->gso_size) {
			p->gso_size = req->gso_size;
			p->gso_type = gt | PKT_GSO_DODGY;
			p->gso_segs = 0;
		} else {
			p->gso_size = 0;
			p->gso_type = 0;
			p->gso_segs = 0;
		}
	}
	pkt_trace(p, "offload_apply");
	return 0;
}
