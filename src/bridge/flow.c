/*
 * flow.c — flow-key extraction: the exact-match datapath key of a frame, and
 * the header offsets set on the way, as the kernel datapath's key_extract
 * (net/openvswitch/flow.c) computes them.
 *
 * Serves bridge.c (every frame a port receives is keyed here before the
 * datapath lookup) and, through bridge.h, tests and other forwarders.
 */
#include "bridge/bridge.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "bridge/bridge_priv.h"
#include "pkt/hdr.h"

static_assert(sizeof(struct br_flow_key) == 56, "br_flow_key must have no padding");

static bool br_ipv6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 60;
}

/* Extract the datapath key (see bridge.h). Reads only the linear part; what
 * is truncated there is left zero in the key (as OVS's key_extract leaves an
 * IP key without L4 ports when the header is short). */
int br_flow_extract(struct pkt *p, uint16_t in_port, struct br_flow_key *key)
{
	const uint8_t *d = pkt_data(p);
	uint32_t hl = pkt_headlen(p), off;
	uint16_t type;
	uint8_t proto;
	bool later_fragment = false;

	memset(key, 0, sizeof(*key));
	key->in_port = in_port;
	if (hl < ETH_HLEN)
		return -EINVAL;
	memcpy(key->dl_dst, d, ETH_ALEN);
	memcpy(key->dl_src, d + ETH_ALEN, ETH_ALEN);
	p->mac_header = p->data;
	off = 2 * ETH_ALEN;
	type = hdr_get16(d + off);
	if (br_is_vlan_tpid(type)) {
		if (hl < off + 2 + VLAN_HLEN)
			return -EINVAL;
		key->vlan_tci = (uint16_t)(hdr_get16(d + off + 2) | BR_TCI_PRESENT);
		off += VLAN_HLEN;
		type = hdr_get16(d + off);
		/* An inner tag (QinQ) is skipped; only the outer one is keyed. */
		if (br_is_vlan_tpid(type)) {
			if (hl < off + 2 + VLAN_HLEN)
				return -EINVAL;
			off += VLAN_HLEN;
			type = hdr_get16(d + off);
		}
	}
	off += 2;
	key->dl_type = type;
	p->protocol = type;

	if (type == ETH_P_IP) {
		uint32_t ihl;
		if (hl < off + 20 || (d[off] >> 4) != 4)
			return 0;
		ihl = (uint32_t)(d[off] & 0x0f) * 4;
		if (ihl < 20 || hl < off + ihl)
			return 0;
		key->ip_version = 4;
		memcpy(key->nw_src, d + off + 12, 4);
		memcpy(key->nw_dst, d + off + 16, 4);
		key->nw_proto = d[off + 9];
		p->network_header = p->data + off;
		later_fragment = (hdr_get16(d + off + 6) & 0x1fff) != 0;
		off += ihl;
		proto = key->nw_proto;
	} else if (type == ETH_P_IPV6) {
		unsigned n_ext = 0;
		if (hl < off + 40 || (d[off] >> 4) != 6)
			return 0;
		key->ip_version = 6;
		memcpy(key->nw_src, d + off + 8, 16);
		memcpy(key->nw_dst, d + off + 24, 16);
		p->network_header = p->data + off;
		proto = d[off + 6];
		off += 40;
		while (br_ipv6_ext(proto) && n_ext++ < 8) {
			uint32_t elen;
			if (hl < off + 8)
				break;
			if (proto == 44) {
				later_fragment = (hdr_get16(d + off + 2) & 0xfff8) != 0;
				elen = 8;
			} else {
				elen = ((uint32_t)d[off + 1] + 1) * 8;
			}
			if (hl < off + elen)
				break;
			proto = d[off];
			off += elen;
		}
		key->nw_proto = proto;
		if (br_ipv6_ext(proto))
			return 0;
	} else {
		return 0;
	}

	if (later_fragment)
		return 0;
	p->transport_header = p->data + off;
	if (proto == IPPROTO_TCP_ && hl >= off + 20) {
		key->tp_src = hdr_get16(d + off);
		key->tp_dst = hdr_get16(d + off + 2);
	} else if (proto == IPPROTO_UDP_ && hl >= off + 8) {
		key->tp_src = hdr_get16(d + off);
		key->tp_dst = hdr_get16(d + off + 2);
	}
	return 0;
}
