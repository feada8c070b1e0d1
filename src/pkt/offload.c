/*
 * offload.c — a packet's offload state, with Linux's behaviour:
 * skb_partial_csum_set, skb_checksum_help, the TCP pseudo-header seed
 * (__tcp_v4_send_check / __tcp_v6_send_check), L4 checksum verification, and
 * the validation of untrusted offload metadata (virtio_net_hdr_to_skb and the
 * hardening listed in the reference, §1.8 and §2.2).
 *
 * Serves drivers (ibmveth's receive fix-ups, TAP's virtio-net headers),
 * netdev's validate_xmit, the bridge's slow path, GSO/GRO and the stack.
 */
#include <errno.h>
#include <string.h>

#include "pkt/csum.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

/*
 * pkt_partial_csum_set — as skb_partial_csum_set: start is relative to data,
 * off from start to the checksum field. Refuses (false, p unchanged) when
 * csum_start = data + start would not be below U16_MAX (the 2023 syzbot fix
 * made this '>=') or the 2-byte field is not inside the linear part. On
 * success: PARTIAL, csum_start, csum_offset, transport_header = csum_start.
 */
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

/*
 * pkt_checksum_help — as skb_checksum_help: complete a CHECKSUM_PARTIAL packet
 * in software. Sums csum_start..end with the checksum field's current
 * contents, which must be the pseudo-header seed (a zeroed field gives a
 * wrong checksum, exactly as in the kernel — the ibmveth bug of the seed),
 * stores the folded result (0 becomes 0xffff, CSUM_MANGLED_0) and sets NONE.
 * COMPLETE just becomes NONE; NONE/UNNECESSARY are left alone. GSO packets
 * (-EINVAL: they must be segmented first, as current kernels warn), csum_start
 * before data or the field outside the linear part give -EINVAL, p unchanged.
 */
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
	if (h->ip_version == 4)
		return csum_tcpudp_nofold(ip + 12, ip + 16, l4len, h->l4_proto, 0);
	return csum_ipv6_nofold(ip + 8, ip + 24, l4len, h->l4_proto, 0);
}

/*
 * pkt_tcp_set_pseudo_seed — store the TCP pseudo-header seed for this
 * packet's L4 length (from the transport header to the end of p) in the TCP
 * checksum field, as __tcp_v4_send_check / __tcp_v6_send_check leave it for
 * CHECKSUM_PARTIAL. network_header and transport_header must be set and the
 * two bytes before the network header must be its ethertype (every illan
 * frame is Ethernet). Returns 0 or -EINVAL (not TCP over IPv4/IPv6, headers
 * unset, truncated or inconsistent).
 */
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

/*
 * pkt_l4_csum_ok — verify the full TCP/UDP checksum of p (headers set), over
 * the L4 length the IP header claims (Ethernet padding excluded). UDP over
 * IPv4 with checksum 0 means "none" and counts as good (RFC 768); over IPv6 it
 * is bad (RFC 8200 §8.1). Returns false also when headers are unusable.
 */
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
		if (u[6] == 0 && u[7] == 0)
			return true;
	}
	uint32_t s = pkt_checksum(p, h.l4_off, l4len, pkt_pseudo_sum(p, &h, l4len));
	return csum_fold(s) == 0;
}

#define PKT_OFFLOAD_GSO_KNOWN (PKT_GSO_TCPV4 | PKT_GSO_TCPV6 | PKT_GSO_TCP_ECN)

/*
 * pkt_offload_apply — take untrusted offload metadata (a virtio-net header, an
 * ibmveth descriptor) for p, whose MAC header is at data, as
 * virtio_net_hdr_to_skb does with the later hardening (§1.8): headers must
 * parse (bad_headers); gso_type must be TCPV4 or TCPV6 (+ECN) or 0
 * (bad_gso_type), non-zero gso_size with it (bad_gso_size) and agree with the
 * parsed IP version and TCP (bad_gso_type); with needs_csum, csum_start must
 * be the parsed L4 header inside the linear part (bad_csum_start) and
 * csum_offset the TCP (16) or UDP (6) checksum field (bad_csum_offset).
 * On success p's header offsets are set, needs_csum makes it PARTIAL (via
 * partial_csum_set), GSO gets DODGY and gso_segs 0, and a GSO packet whose
 * payload fits in one segment becomes non-GSO ("too small packets are not
 * really GSO ones"). Returns 0 or -EINVAL (one counter in err increased, p
 * unchanged).
 */
int pkt_offload_apply(struct pkt *p, const struct pkt_offload_req *req,
		      struct pkt_offload_errors *err)
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
