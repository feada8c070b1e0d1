/*
 * gso.c — software segmentation of TCP super-frames over IPv4 and IPv6 with
 * the per-segment geometry of Linux's skb_segment, tcp_gso_segment and
 * inet_gso_segment / ipv6_gso_segment.
 *
 * Serves netdev's validate_xmit (an egress without TSO or FRAGLIST), the
 * hypervisor's software segmentation and the physical NIC's TSO model.
 *
 * Choices where Linux differs or is silent:
 *  - Every segment is a fresh linear copy from p's pool (Linux shares page
 *    frags or reuses frag_list members when the egress has SG); the bytes are
 *    summed while copied, as skb_copy_and_csum_bits does for a device
 *    without checksum offload.
 *  - Payload <= gso_size is -EINVAL, as tcp_gso_segment's "skb->len <= mss"
 *    test: validate_xmit_skb (and OVS's upcall, queue_gso_packets) then drop
 *    the packet, and the caller counts it. Callers that model hardware (the
 *    hypervisor's Platform Large Send) check first and send such a packet
 *    whole.
 *  - No minimum gso_size, as in Linux: an old-method ibmveth frame whose TCP
 *    checksum field (the MSS) says 1 arrives with gso_size 1, and Linux would
 *    cut all ~64K segments (GSO_MAX_SEGS, 65535, is never reached by a
 *    64 KiB frame). Here the segments come from p's own pool, which is
 *    finite: it runs dry first, the call fails with -ENOMEM having freed the
 *    partial list, and the caller counts the drop (bridge upcall_errors,
 *    physnic tx_errors, netdev xmit_errors). The work is bounded by the
 *    pool's size (tests/bridge/test_io_server.c).
 */
#include <errno.h>
#include <string.h>

#include "ev/prof.h"
#include "pkt/csum.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"

/* A host-order 16-bit value as the memory-order word csum_partial would add. */
static uint32_t gso_word(uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	uint16_t w;
	memcpy(&w, b, 2);
	return w;
}

/* Move a stored pseudo-header seed (memory order) from L4 length old_len to
 * new_len, as tcp_gso_segment's delta does: a wrong seed stays wrong. */
static uint16_t gso_seed_adjust(uint16_t seed, uint32_t old_len, uint32_t new_len)
{
	uint32_t s = seed;
	s = csum_add(s, gso_word((uint16_t)~old_len));
	s = csum_add(s, gso_word((uint16_t)new_len));
	return (uint16_t)~csum_fold(s);
}

static struct pkt *gso_fail(struct pkt *segs, int *err, int e)
{
	pkt_free_list(segs);
	if (err)
		*err = e;
	return NULL;
}

/* gso_segment: see gso.h. */
struct pkt *gso_segment(struct pkt *p, bool csum_offload, int *err)
{
	if (err)
		*err = 0;
	if (!pkt_is_gso(p))
		return gso_fail(NULL, err, -EINVAL);
	struct hdr_info h;
	if (hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h) || !h.l4_off ||
	    h.l4_proto != IPPROTO_TCP_ || h.is_fragment)
		return gso_fail(NULL, err, -EINVAL);
	bool v4 = h.ip_version == 4;
	uint32_t want = v4 ? PKT_GSO_TCPV4 : PKT_GSO_TCPV6;
	if ((p->gso_type & (PKT_GSO_TCPV4 | PKT_GSO_TCPV6)) != want)
		return gso_fail(NULL, err, -EINVAL);
	if (p->ip_summed == CHECKSUM_PARTIAL &&
	    (p->csum_start != p->data + h.l4_off || p->csum_offset != TCP_CSUM_OFFSET))
		return gso_fail(NULL, err, -EINVAL);

	const uint8_t *src = pkt_data(p);
	uint32_t hlen = (uint32_t)h.l4_off + h.l4_hlen;
	uint32_t payload = p->len - hlen;
	uint32_t mss = p->gso_size;
	if (payload <= mss)
		return gso_fail(NULL, err, -EINVAL);
	uint32_t n = (payload + mss - 1) / mss;
	uint32_t old_l4 = p->len - h.l4_off;
	uint16_t seed;
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		memcpy(&seed, src + h.l4_off + TCP_CSUM_OFFSET, 2);
	} else {
		const uint8_t *ip = src + h.l3_off;
		uint32_t ps = v4 ? csum_tcpudp_nofold(ip + 12, ip + 16, old_l4, IPPROTO_TCP_, 0)
				 : csum_ipv6_nofold(ip + 8, ip + 24, old_l4, IPPROTO_TCP_, 0);
		seed = (uint16_t)~csum_fold(ps);
	}
	/* Every segment's IP length must fit its 16-bit field. */
	uint32_t first_seg = payload < mss ? payload : mss;
	if (hlen + first_seg - h.l3_off - (v4 ? 0 : 40) > UINT16_MAX)
		return gso_fail(NULL, err, -EINVAL);

	uint32_t seq = hdr_get32(src + h.l4_off + 4);
	uint16_t id = v4 ? hdr_get16(src + h.l3_off + 4) : 0;
	bool fixedid = (p->gso_type & PKT_GSO_TCP_FIXEDID) != 0;
	uint8_t flags = src[h.l4_off + 13];
	uint32_t headroom = p->data < PKT_HEADROOM ? p->data : PKT_HEADROOM;

	struct pkt *segs = NULL, **tail = &segs;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t off = i * mss;
		uint32_t seglen = payload - off < mss ? payload - off : mss;
		struct pkt *q = pkt_alloc(p->pool, hlen + seglen, headroom);
		if (!q)
			return gso_fail(segs, err, -ENOMEM);
		uint8_t *d = pkt_put(q, hlen + seglen);
		memcpy(d, src, hlen);
		prof_copied(hlen);
		uint32_t paysum = pkt_copy_and_csum_bits(p, hlen + off, d + hlen, seglen);

		uint8_t *ip = d + h.l3_off, *th = d + h.l4_off;
		if (v4) {
			hdr_put16(ip + 2, (uint16_t)(hlen + seglen - h.l3_off));
			if (!fixedid)
				hdr_put16(ip + 4, (uint16_t)(id + i));
			hdr_put16(ip + 10, 0);
			uint16_t ipc = ip_fast_csum(ip, h.l3_hlen / 4);
			memcpy(ip + 10, &ipc, 2);
		} else {
			hdr_put16(ip + 4, (uint16_t)(hlen + seglen - h.l3_off - 40));
		}
		hdr_put32(th + 4, seq + off);
		uint8_t f = flags;
		if (i + 1 < n)
			f &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		if (i > 0)
			f &= (uint8_t)~TCP_CWR;
		th[13] = f;
		uint32_t new_l4 = h.l4_hlen + seglen;
		uint16_t s = gso_seed_adjust(seed, old_l4, new_l4);
		memcpy(th + TCP_CSUM_OFFSET, &s, 2);

		pkt_copy_meta(q, p);
		q->gso_size = 0;
		q->gso_segs = 0;
		q->gso_type = 0;
		q->mac_header = q->data;
		q->network_header = q->data + h.l3_off;
		q->transport_header = q->data + h.l4_off;
		q->protocol = h.ethertype;
		if (csum_offload) {
			q->ip_summed = CHECKSUM_PARTIAL;
			q->csum_start = q->transport_header;
			q->csum_offset = TCP_CSUM_OFFSET;
		} else {
			/* As gso_make_checksum: the header with the seed, plus
			 * the payload summed while it was copied. */
			uint32_t sum = csum_partial(th, h.l4_hlen, 0);
			sum = csum_block_add(sum, paysum, h.l4_hlen);
			uint16_t c = csum_fold(sum);
			memcpy(th + TCP_CSUM_OFFSET, &c, 2);
			q->ip_summed = CHECKSUM_NONE;
			q->csum_start = 0;
			q->csum_offset = 0;
		}
		pkt_trace(q, "gso_segment");
		*tail = q;
		tail = &q->next;
	}
	return segs;
}
