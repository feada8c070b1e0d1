/*
 * hdr.c — bounded parsing of Ethernet, 802.1Q/802.1ad (one or two tags),
 * IPv4 (with options), IPv6 (extension headers walked or refused), TCP and
 * UDP. Every read is checked against the bytes available first: a truncated
 * header is -EINVAL, never a read past the end (picohttpparser's rule).
 *
 * Serves the packet core (GSO, GRO, offload validation, checksums), drivers,
 * the hypervisor, the bridge's flow key and the stack.
 */
#include "pkt/hdr.h"

#include <errno.h>
#include <string.h>

#include "pkt/pkt.h"

/* IPv6 extension headers (IANA "IPv6 Extension Header Types"). */
#define IPV6_NH_ROUTING 43
#define IPV6_NH_FRAGMENT 44
#define IPV6_NH_ESP 50
#define IPV6_NH_AH 51
#define IPV6_NH_NONE 59
#define IPV6_NH_DSTOPTS 60
#define IPV6_NH_MOBILITY 135
#define IPV6_NH_HIP 139
#define IPV6_NH_SHIM6 140
#define IPV6_NH_EXP1 253
#define IPV6_NH_EXP2 254

/* An extension header we know of but will not walk: a parser that skipped it
 * would misread what follows (ESP encrypts it; AH has its own length unit;
 * the others are rare enough that refusing is safer). */
static bool hdr_ipv6_ext_refused(uint8_t nh)
{
	switch (nh) {
	case IPV6_NH_ESP:
	case IPV6_NH_AH:
	case IPV6_NH_MOBILITY:
	case IPV6_NH_HIP:
	case IPV6_NH_SHIM6:
	case IPV6_NH_EXP1:
	case IPV6_NH_EXP2:
		return true;
	default:
		return false;
	}
}

/* Parse the L4 header at off; end bounds what the IP header claims, avail what
 * can be read. */
static int hdr_parse_l4(const uint8_t *frame, uint32_t avail, uint32_t end, uint32_t off,
			struct hdr_info *h)
{
	uint32_t lim = end < avail ? end : avail;
	if (h->l4_proto == IPPROTO_TCP_) {
		if (off + 20 > lim)
			return -EINVAL;
		uint32_t doff = (uint32_t)(frame[off + 12] >> 4) * 4;
		if (doff < 20 || off + doff > lim)
			return -EINVAL;
		h->l4_off = (uint16_t)off;
		h->l4_hlen = (uint16_t)doff;
	} else if (h->l4_proto == IPPROTO_UDP_) {
		/* The UDP length field is the stack's to judge (udp_rcv), not
		 * the parser's: only truncation is refused here. */
		if (off + 8 > lim)
			return -EINVAL;
		h->l4_off = (uint16_t)off;
		h->l4_hlen = 8;
	}
	return 0;
}

/* The IPv4 header at off, its fixed 20 bytes checked by hdr_parse_l3. */
static int hdr_parse_ipv4(const uint8_t *frame, uint32_t avail, uint32_t len, uint32_t off,
			  struct hdr_info *h)
{
	const uint8_t *ip = frame + off;
	uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || off + ihl > avail)
		return -EINVAL;
	uint32_t tot = hdr_get16(ip + 2);
	if (tot < ihl || off + tot > len)
		return -EINVAL;
	h->ip_version = 4;
	h->l3_off = (uint16_t)off;
	h->l3_hlen = (uint16_t)ihl;
	h->l3_tot_len = tot;
	h->l4_proto = ip[9];
	uint16_t frag = hdr_get16(ip + 6);
	h->is_fragment = (frag & 0x3fff) != 0; /* MF or a fragment offset */
	if (frag & 0x1fff)
		return 0; /* not the first fragment: no L4 header here */
	return hdr_parse_l4(frame, avail, off + tot, off + ihl, h);
}

/* The IPv6 header at off, its fixed 40 bytes checked by hdr_parse_l3. */
static int hdr_parse_ipv6(const uint8_t *frame, uint32_t avail, uint32_t len, uint32_t off,
			  struct hdr_info *h)
{
	const uint8_t *ip = frame + off;
	uint32_t tot = 40u + hdr_get16(ip + 4);
	if (off + tot > len)
		return -EINVAL;
	/* Headers are read only up to what the IPv6 header claims. */
	uint32_t lim = off + tot < avail ? off + tot : avail;
	uint8_t nh = ip[6];
	uint32_t p = off + 40;
	bool first = true;
	h->ip_version = 6;
	h->l3_off = (uint16_t)off;
	h->l3_tot_len = tot;
	for (;;) {
		if (nh == IPPROTO_HOPOPTS_ && !first)
			return -EINVAL; /* RFC 8200 §4.1: only right after the IPv6 header */
		if (nh == IPPROTO_HOPOPTS_ || nh == IPV6_NH_ROUTING || nh == IPV6_NH_DSTOPTS) {
			if (p + 2 > lim)
				return -EINVAL;
			uint32_t elen = ((uint32_t)frame[p + 1] + 1) * 8;
			if (p + elen > lim)
				return -EINVAL;
			nh = frame[p];
			p += elen;
		} else if (nh == IPV6_NH_FRAGMENT) {
			if (p + 8 > lim)
				return -EINVAL;
			uint16_t fo = hdr_get16(frame + p + 2);
			h->is_fragment = true;
			nh = frame[p];
			p += 8;
			if (fo & 0xfff8) {
				h->l3_hlen = (uint16_t)(p - off);
				h->l4_proto = nh;
				return 0; /* not the first fragment */
			}
		} else if (hdr_ipv6_ext_refused(nh)) {
			return -EPROTONOSUPPORT;
		} else {
			break;
		}
		first = false;
	}
	h->l3_hlen = (uint16_t)(p - off);
	h->l4_proto = nh;
	if (nh == IPV6_NH_NONE)
		return 0;
	return hdr_parse_l4(frame, avail, off + tot, p, h);
}

/* Parse the IP header at off that the ethertype or the version nibble says
 * is of version v (4 or 6): its fixed part must be there and say so. */
static int hdr_parse_l3(const uint8_t *frame, uint32_t avail, uint32_t len, uint32_t off,
			unsigned v, struct hdr_info *h)
{
	if (off + (v == 4 ? 20u : 40u) > avail || frame[off] >> 4 != v)
		return -EINVAL;
	if (v == 4)
		return hdr_parse_ipv4(frame, avail, len, off, h);
	return hdr_parse_ipv6(frame, avail, len, off, h);
}

/* hdr_parse_head: see hdr.h. */
int hdr_parse_head(const uint8_t *frame, uint32_t avail, uint32_t len, struct hdr_info *h)
{
	memset(h, 0, sizeof(*h));
	if (avail > len)
		avail = len;
	if (avail < ETH_HLEN)
		return -EINVAL;
	uint32_t off = ETH_HLEN;
	uint16_t et = hdr_get16(frame + 12);
	while (et == ETH_P_8021Q || et == ETH_P_8021AD) {
		if (h->n_vlans == 2)
			return -EPROTONOSUPPORT;
		if (off + VLAN_HLEN > avail)
			return -EINVAL;
		h->vlan_tpid[h->n_vlans] = et;
		h->vlan_tci[h->n_vlans] = hdr_get16(frame + off);
		h->n_vlans++;
		et = hdr_get16(frame + off + 2);
		off += VLAN_HLEN;
	}
	h->ethertype = et;
	if (et == ETH_P_IP)
		return hdr_parse_l3(frame, avail, len, off, 4, h);
	if (et == ETH_P_IPV6)
		return hdr_parse_l3(frame, avail, len, off, 6, h);
	return 0;
}

/* hdr_parse_ip: see hdr.h. */
int hdr_parse_ip(const uint8_t *frame, uint32_t avail, uint32_t len, uint32_t off, struct hdr_info *h)
{
	memset(h, 0, sizeof(*h));
	if (avail > len)
		avail = len;
	if (off >= avail || off > UINT16_MAX)
		return -EINVAL;
	uint8_t v = frame[off] >> 4;
	if (v == 4) {
		h->ethertype = ETH_P_IP;
		return hdr_parse_l3(frame, avail, len, off, 4, h);
	}
	if (v == 6) {
		h->ethertype = ETH_P_IPV6;
		return hdr_parse_l3(frame, avail, len, off, 6, h);
	}
	return -EINVAL;
}

/* hdr_parse: see hdr.h. */
int hdr_parse(const uint8_t *frame, uint32_t len, struct hdr_info *h)
{
	return hdr_parse_head(frame, len, len, h);
}

/* pkt_parse_headers: see hdr.h. */
int pkt_parse_headers(struct pkt *p, struct hdr_info *h)
{
	struct hdr_info local;
	if (!h)
		h = &local;
	int rc = hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, h);
	if (rc)
		return rc;
	p->mac_header = p->data;
	p->protocol = h->ethertype;
	p->network_header = h->l3_off ? p->data + h->l3_off : PKT_HDR_UNSET;
	p->transport_header = h->l4_off ? p->data + h->l4_off : PKT_HDR_UNSET;
	return 0;
}
