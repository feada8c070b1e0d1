/*
 * execute.c — running datapath actions on a packet, as the kernel datapath's
 * do_execute_actions (net/openvswitch/actions.c) does: output through
 * dev_queue_xmit, VLAN push, pop and set in the frame, and the counting of a
 * packet nothing is output for.
 *
 * Serves bridge.c (flow hits, upcalled packets, the Linux-bridge path) and,
 * through bridge.h, tests and other forwarders (br_vlan_push, br_vlan_pop).
 */
#include "bridge/bridge.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "bridge/bridge_priv.h"
#include "pkt/hdr.h"

/* ---- Drops ------------------------------------------------------------------ */

/* Drop reasons a flow can carry, as counter offsets (index 0 = none), from
 * the list that declares those counters. */
#define BR_DROP_OFF(X, T, reason, f, drop, flags) [BR_DROP_##reason] = offsetof(struct br_stats, f),
static const size_t br_drop_off[BR_DROP_MAX] = {[BR_DROP_NONE] = 0, BR_FLOW_DROPS(BR_DROP_OFF, _, _)};

static void br_count_drop(struct br *br, enum br_drop reason)
{
	if (reason == BR_DROP_NONE)
		reason = BR_DROP_ACTION;
	(*(uint64_t *)((char *)&br->c + br_drop_off[reason]))++;
}

/* ---- VLAN actions ----------------------------------------------------------- */

/* Insert a tag after the MAC addresses (see bridge.h). The MACs move down
 * into the headroom; the network and transport headers, and so csum_start
 * (all offsets from head), keep pointing at the same bytes — which is the
 * whole point of B9: the checksum start moves with the data, not the tag. */
int br_vlan_push(struct pkt *p, uint16_t tci)
{
	uint8_t *d;

	if (pkt_headlen(p) < ETH_HLEN)
		return -EINVAL;
	if (pkt_headroom(p) < VLAN_HLEN)
		return -ENOSPC;
	d = pkt_push(p, VLAN_HLEN);
	if (!d)
		return -ENOSPC;
	memmove(d, d + VLAN_HLEN, 2 * ETH_ALEN);
	hdr_put16(d + 2 * ETH_ALEN, ETH_P_8021Q);
	hdr_put16(d + 2 * ETH_ALEN + 2, tci);
	p->mac_header = p->data;
	return 0;
}

/* Remove the outer tag (see bridge.h); offsets from head stay valid. */
int br_vlan_pop(struct pkt *p)
{
	uint8_t *d = pkt_data(p);

	if (pkt_headlen(p) < ETH_HLEN + VLAN_HLEN)
		return pkt_headlen(p) < ETH_HLEN ? -EINVAL : -ENOENT;
	if (!br_is_vlan_tpid(hdr_get16(d + 2 * ETH_ALEN)))
		return -ENOENT;
	memmove(d + VLAN_HLEN, d, 2 * ETH_ALEN);
	if (!pkt_pull(p, VLAN_HLEN))
		return -EINVAL;
	p->mac_header = p->data;
	return 0;
}

/* Rewrite the outer tag's TCI, pushing a tag when there is none. */
static int br_vlan_set(struct pkt *p, uint16_t tci)
{
	uint8_t *d = pkt_data(p);

	if (pkt_headlen(p) >= ETH_HLEN + VLAN_HLEN && br_is_vlan_tpid(hdr_get16(d + 2 * ETH_ALEN))) {
		hdr_put16(d + 2 * ETH_ALEN + 2, tci);
		return 0;
	}
	return br_vlan_push(p, tci);
}

/* ---- Execution (actions.c do_execute_actions) --------------------------------- */

static void br_output(struct br *br, unsigned port_no, struct pkt *p)
{
	struct br_port *port = br->ports[port_no];

	if (!port) {
		br->c.drop_no_port++;
		pkt_free(p);
		return;
	}
	/* A frame that is not GSO and is longer than the port allows is
	 * dropped, not sent; a GSO packet is never checked here, whatever its
	 * segments' size (both kernels exempt skb_is_gso). The allowance
	 * differs by kind, as the kernels':
	 *  - OVS (ovs_vport_send, packet_length): the MTU past the Ethernet
	 *    header and, only if the frame carries one in-band, one tag; the
	 *    drop also counts in the port device's tx_errors;
	 *  - Linux bridge (br_dev_queue_push_xmit, is_skb_forwardable): the MTU
	 *    plus the Ethernet header plus VLAN_HLEN for any frame, tagged or
	 *    not; the kernel counts nothing, illan counts drop_too_big. */
	const uint8_t *d = pkt_data(p);
	uint32_t l2 = ETH_HLEN;
	if (br->kind == BR_LINUX ||
	    (pkt_headlen(p) >= ETH_HLEN && br_is_vlan_tpid(hdr_get16(d + 2 * ETH_ALEN))))
		l2 += VLAN_HLEN;
	if (!pkt_is_gso(p) && p->len > port->dev->mtu + l2) {
		br->c.drop_too_big++;
		if (br->kind == BR_OVS)
			port->dev->stats.tx_errors++;
		pkt_free(p);
		return;
	}
	br->c.tx_packets++;
	port->tx_packets++;
	pkt_trace(p, "br_output");
	dev_queue_xmit(port->dev, p);
}

/* br_execute: see bridge_priv.h. */
void br_execute(struct br *br, struct pkt *p, const struct br_dp_action *acts, unsigned n,
		enum br_drop drop, bool flood)
{
	unsigned last = n;

	p->next = NULL;
	for (unsigned i = 0; i < n; i++)
		if (acts[i].type == BR_DP_OUTPUT)
			last = i;
	if (last == n) {
		br_count_drop(br, drop);
		pkt_free(p);
		return;
	}
	br->c.forwarded++;
	if (flood)
		br->c.flooded++;
	for (unsigned i = 0; i <= last; i++) {
		const struct br_dp_action *a = &acts[i];
		int rc = 0;

		switch (a->type) {
		case BR_DP_PUSH_VLAN:
			rc = br_vlan_push(p, a->arg);
			break;
		case BR_DP_POP_VLAN:
			rc = br_vlan_pop(p);
			if (rc == -ENOENT)
				rc = 0;
			break;
		case BR_DP_SET_VLAN:
			rc = br_vlan_set(p, a->arg);
			break;
		case BR_DP_OUTPUT:
			if (i == last) {
				br_output(br, a->arg, p);
				return;
			} else {
				struct pkt *c = pkt_copy(p, NULL);
				if (c)
					br_output(br, a->arg, c);
				else
					br->c.drop_nomem++;
			}
			break;
		}
		if (rc != 0) {
			if (rc == -ENOSPC)
				br->c.drop_headroom++;
			else
				br->c.drop_parse++;
			pkt_free(p);
			return;
		}
	}
	assert(!"br_execute ran past its last output");
}
