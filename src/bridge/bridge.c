/*
 * bridge.c — the IO server's switch: ports, flow-key extraction, the OVS-style
 * exact-match datapath with its upcall slow path, OpenFlow-like rules with
 * NORMAL (MAC learning per VLAN), VLAN actions, the Linux-bridge kind, idle
 * expiry and ageing on the loop's clock, and named counters.
 *
 * Serves the topology and the CLI through bridge.h. Text formatting and the
 * rule parser live in bridge_text.c.
 *
 * The datapath follows the kernel module (net/openvswitch/datapath.c,
 * flow.c, actions.c): ovs_dp_process_packet looks the key up; a hit runs
 * the flow's actions with the packet as it came (offloads preserved, output
 * by dev_queue_xmit); a miss is ovs_dp_upcall, which software-segments GSO
 * packets and completes CHECKSUM_PARTIAL checksums before the packet leaves
 * for ovs-vswitchd. vswitchd translates (ofproto-dpif-xlate), installs the
 * datapath flow and sends the packet back with OVS_PACKET_CMD_EXECUTE as a
 * fresh skb: no offload state. We run the slow path inline, synchronously.
 */
#include "bridge/bridge.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge_priv.h"
#include "ev/prof.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"

static_assert(sizeof(struct br_flow_key) == 56, "br_flow_key must have no padding");

#define BR_TCI_PRESENT 0x1000u /* OVS's VLAN_CFI: "a tag is present" in key.vlan_tci */
#define BR_VID_MASK 0x0fffu
#define BR_PCP_MASK 0xe000u
#define BR_MAC_BUCKETS 2048u
#define BR_XLATE_MAX (4 * BR_MAX_PORTS + 2 * BR_MAX_ACTIONS)

/* ---- Counters --------------------------------------------------------------- */

#define BR_COUNTER(field) {#field, offsetof(struct br_counters, field)}
static const struct {
	const char *name;
	size_t off;
} br_counter_names[] = {
	BR_COUNTER(hits),
	BR_COUNTER(misses),
	BR_COUNTER(upcalls),
	BR_COUNTER(upcall_csum_completions),
	BR_COUNTER(upcall_gso_segments),
	BR_COUNTER(upcall_errors),
	BR_COUNTER(flows),
	BR_COUNTER(flows_installed),
	BR_COUNTER(flows_expired),
	BR_COUNTER(flows_flushed),
	BR_COUNTER(flow_limit_hits),
	BR_COUNTER(revalidated_flows),
	BR_COUNTER(learned_macs),
	BR_COUNTER(macs_learned),
	BR_COUNTER(mac_moves),
	BR_COUNTER(macs_aged),
	BR_COUNTER(macs_evicted),
	BR_COUNTER(forwarded),
	BR_COUNTER(flooded),
	BR_COUNTER(rx_packets),
	BR_COUNTER(tx_packets),
	BR_COUNTER(drop_parse),
	BR_COUNTER(drop_action),
	BR_COUNTER(drop_no_rule),
	BR_COUNTER(drop_vlan),
	BR_COUNTER(drop_same_port),
	BR_COUNTER(drop_no_port),
	BR_COUNTER(drop_reserved_mac),
	BR_COUNTER(drop_headroom),
	BR_COUNTER(drop_upcall),
	BR_COUNTER(drop_nomem),
};

/* Drop reasons a flow can carry, as counter offsets (index 0 = none). */
static const size_t br_drop_off[BR_DROP_MAX] = {
	[BR_DROP_NONE] = 0,
	[BR_DROP_ACTION] = offsetof(struct br_counters, drop_action),
	[BR_DROP_NO_RULE] = offsetof(struct br_counters, drop_no_rule),
	[BR_DROP_VLAN] = offsetof(struct br_counters, drop_vlan),
	[BR_DROP_SAME_PORT] = offsetof(struct br_counters, drop_same_port),
	[BR_DROP_NO_PORT] = offsetof(struct br_counters, drop_no_port),
	[BR_DROP_RESERVED_MAC] = offsetof(struct br_counters, drop_reserved_mac),
};
const char *const br_drop_names[BR_DROP_MAX] = {
	[BR_DROP_NONE] = "none",
	[BR_DROP_ACTION] = "action",
	[BR_DROP_NO_RULE] = "no_rule",
	[BR_DROP_VLAN] = "vlan",
	[BR_DROP_SAME_PORT] = "same_port",
	[BR_DROP_NO_PORT] = "no_port",
	[BR_DROP_RESERVED_MAC] = "reserved_mac",
};

static void br_count_drop(struct br *br, enum br_drop reason)
{
	if (reason == BR_DROP_NONE)
		reason = BR_DROP_ACTION;
	(*(uint64_t *)((char *)&br->c + br_drop_off[reason]))++;
}

/* Value of a named counter (see bridge.h). */
bool br_get_counter(const struct br *br, const char *name, uint64_t *value)
{
	for (size_t i = 0; i < sizeof(br_counter_names) / sizeof(br_counter_names[0]); i++) {
		if (strcmp(br_counter_names[i].name, name) == 0) {
			*value = *(const uint64_t *)((const char *)&br->c + br_counter_names[i].off);
			return true;
		}
	}
	return false;
}

/* Visit every counter (see bridge.h). */
void br_for_each_counter(const struct br *br,
			 void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
	for (size_t i = 0; i < sizeof(br_counter_names) / sizeof(br_counter_names[0]); i++)
		fn(arg, br_counter_names[i].name,
		   *(const uint64_t *)((const char *)&br->c + br_counter_names[i].off));
}

/* ---- Helpers ------------------------------------------------------------------ */

static bool br_mac_is_multicast(const uint8_t *mac)
{
	return mac[0] & 1;
}

/* 01:80:c2:00:00:0x — IEEE 802.1D reserved group addresses (STP, LACP, LLDP),
 * which neither a Linux bridge nor OVS NORMAL forwards. */
static bool br_mac_is_reserved(const uint8_t *mac)
{
	return mac[0] == 0x01 && mac[1] == 0x80 && mac[2] == 0xc2 && mac[3] == 0 && mac[4] == 0 &&
	       (mac[5] & 0xf0) == 0;
}

static uint32_t br_hash_words(const void *data, size_t len, uint32_t basis)
{
	const uint8_t *b = data;
	uint32_t h = basis ^ 0x9e3779b9u;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t w;
		memcpy(&w, b + i, 4);
		w *= 0xcc9e2d51u;
		w = (w << 15) | (w >> 17);
		w *= 0x1b873593u;
		h ^= w;
		h = (h << 13) | (h >> 19);
		h = h * 5 + 0xe6546b64u;
	}
	for (size_t i = len & ~(size_t)3; i < len; i++)
		h = (h ^ b[i]) * 0x01000193u;
	h ^= (uint32_t)len;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t br_key_hash(const struct br_flow_key *key)
{
	return br_hash_words(key, sizeof(*key), 0);
}

static bool br_is_vlan_tpid(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

/* ---- Key extraction -------------------------------------------------------- */

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

/* ---- MAC table -------------------------------------------------------------- */

static uint32_t br_mac_hash(uint16_t vid, const uint8_t *mac)
{
	uint8_t b[8];
	memcpy(b, mac, 6);
	b[6] = (uint8_t)(vid >> 8);
	b[7] = (uint8_t)vid;
	return br_hash_words(b, sizeof(b), 0x6d61);
}

static struct br_mac *br_mac_find(const struct br *br, uint16_t vid, const uint8_t *mac)
{
	struct br_mac *m = br->mac_buckets[br_mac_hash(vid, mac) & (BR_MAC_BUCKETS - 1)];
	for (; m; m = m->hnext)
		if (m->vid == vid && memcmp(m->mac, mac, 6) == 0)
			return m;
	return NULL;
}

static void br_mac_unlink(struct br *br, struct br_mac *victim)
{
	struct br_mac **pp = &br->mac_buckets[br_mac_hash(victim->vid, victim->mac) & (BR_MAC_BUCKETS - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == victim) {
			*pp = victim->hnext;
			free(victim);
			br->c.learned_macs--;
			return;
		}
	}
	assert(!"MAC entry not in its bucket");
}

/* Port a MAC is known on (see bridge.h). */
unsigned br_mac_lookup(const struct br *br, uint16_t vid, const uint8_t mac[6])
{
	const struct br_mac *m = br_mac_find(br, vid, mac);
	return m ? m->port : 0;
}

unsigned br_n_macs(const struct br *br)
{
	return (unsigned)br->c.learned_macs;
}

static void br_mac_evict_oldest(struct br *br)
{
	struct br_mac *oldest = NULL;
	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++)
		for (struct br_mac *m = br->mac_buckets[b]; m; m = m->hnext)
			if (!oldest || m->used < oldest->used ||
			    (m->used == oldest->used && m->seq < oldest->seq))
				oldest = m;
	if (oldest) {
		br_mac_unlink(br, oldest);
		br->c.macs_evicted++;
	}
}

static void br_timer_want(struct br *br, uint64_t when);

/* Learn (or refresh) mac on port in VLAN vid. Returns true if the table
 * changed in a way that alters forwarding (new entry or a move). */
static bool br_mac_learn(struct br *br, uint16_t vid, const uint8_t *mac, unsigned port)
{
	uint64_t now = ev_now(br->loop);
	struct br_mac *m = br_mac_find(br, vid, mac);
	uint32_t h;

	if (m) {
		m->used = now;
		m->seq = ++br->mac_seq;
		if (m->port == port)
			return false;
		m->port = port;
		br->c.mac_moves++;
		return true;
	}
	if (br->c.learned_macs >= BR_MAX_MACS)
		br_mac_evict_oldest(br);
	m = calloc(1, sizeof(*m));
	if (!m)
		return false;
	m->vid = vid;
	memcpy(m->mac, mac, 6);
	m->port = port;
	m->used = now;
	m->seq = ++br->mac_seq;
	h = br_mac_hash(vid, mac) & (BR_MAC_BUCKETS - 1);
	m->hnext = br->mac_buckets[h];
	br->mac_buckets[h] = m;
	br->c.learned_macs++;
	br->c.macs_learned++;
	br_timer_want(br, now + br->mac_aging_ns);
	return true;
}

static void br_macs_forget_port(struct br *br, unsigned port)
{
	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++) {
		struct br_mac **pp = &br->mac_buckets[b];
		while (*pp) {
			struct br_mac *m = *pp;
			if (m->port == port) {
				*pp = m->hnext;
				free(m);
				br->c.learned_macs--;
			} else {
				pp = &m->hnext;
			}
		}
	}
}

/* ---- Datapath flow table ------------------------------------------------------ */

static struct br_flow *br_flow_lookup(const struct br *br, const struct br_flow_key *key,
				      uint32_t hash)
{
	struct br_flow *f;
	if (!br->n_buckets)
		return NULL;
	for (f = br->buckets[hash & (br->n_buckets - 1)]; f; f = f->hnext)
		if (f->hash == hash && memcmp(&f->key, key, sizeof(*key)) == 0)
			return f;
	return NULL;
}

static void br_flow_free(struct br_flow *f)
{
	free(f->actions);
	free(f);
}

static int br_flow_table_grow(struct br *br)
{
	unsigned n = br->n_buckets ? br->n_buckets * 2 : 64;
	struct br_flow **nb = calloc(n, sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	for (unsigned b = 0; b < br->n_buckets; b++) {
		struct br_flow *f = br->buckets[b];
		while (f) {
			struct br_flow *next = f->hnext;
			f->hnext = nb[f->hash & (n - 1)];
			nb[f->hash & (n - 1)] = f;
			f = next;
		}
	}
	free(br->buckets);
	br->buckets = nb;
	br->n_buckets = n;
	return 0;
}

/* Visit every flow; fn returns true to remove (and free) the flow. */
static void br_flows_filter(struct br *br, bool (*fn)(struct br *br, struct br_flow *f, void *arg),
			    void *arg)
{
	for (unsigned b = 0; b < br->n_buckets; b++) {
		struct br_flow **pp = &br->buckets[b];
		while (*pp) {
			struct br_flow *f = *pp;
			if (fn(br, f, arg)) {
				*pp = f->hnext;
				br_flow_free(f);
				br->c.flows--;
			} else {
				pp = &f->hnext;
			}
		}
	}
}

static bool br_flow_flush_one(struct br *br, struct br_flow *f, void *arg)
{
	(void)f;
	(void)arg;
	br->c.flows_flushed++;
	return true;
}

/* Remove every datapath flow (see bridge.h). */
void br_flows_flush(struct br *br)
{
	br_flows_filter(br, br_flow_flush_one, NULL);
}

unsigned br_n_flows(const struct br *br)
{
	return (unsigned)br->c.flows;
}

/* Visit every flow (see bridge.h). */
void br_flow_dump(const struct br *br, void (*fn)(void *arg, const struct br_flow_info *f),
		  void *arg)
{
	for (unsigned b = 0; b < br->n_buckets; b++) {
		for (const struct br_flow *f = br->buckets[b]; f; f = f->hnext) {
			struct br_flow_info info = {
				.key = &f->key,
				.actions = f->actions,
				.n_actions = f->n_actions,
				.drop_reason = f->drop ? br_drop_names[f->drop] : NULL,
				.packets = f->packets,
				.bytes = f->bytes,
				.used_ns = f->used,
				.created_ns = f->created,
			};
			fn(arg, &info);
		}
	}
}

/* ---- Rules -------------------------------------------------------------------- */

static bool br_match_key(const struct br_match *m, const struct br_flow_key *k)
{
	uint32_t f = m->fields;

	if ((f & BR_F_IN_PORT) && m->in_port != k->in_port)
		return false;
	if ((f & BR_F_DL_SRC) && memcmp(m->dl_src, k->dl_src, 6) != 0)
		return false;
	if ((f & BR_F_DL_DST) && memcmp(m->dl_dst, k->dl_dst, 6) != 0)
		return false;
	if (f & BR_F_DL_VLAN) {
		if (m->vlan_vid == BR_VLAN_NONE ? k->vlan_tci != 0
						: (!k->vlan_tci || (k->vlan_tci & BR_VID_MASK) != m->vlan_vid))
			return false;
	}
	if ((f & BR_F_DL_TYPE) && m->dl_type != k->dl_type)
		return false;
	if ((f & BR_F_NW_SRC) && memcmp(m->nw_src, k->nw_src, 16) != 0)
		return false;
	if ((f & BR_F_NW_DST) && memcmp(m->nw_dst, k->nw_dst, 16) != 0)
		return false;
	if ((f & BR_F_NW_PROTO) && m->nw_proto != k->nw_proto)
		return false;
	if ((f & BR_F_TP_SRC) && m->tp_src != k->tp_src)
		return false;
	if ((f & BR_F_TP_DST) && m->tp_dst != k->tp_dst)
		return false;
	return true;
}

static const struct br_rule *br_rule_lookup(const struct br *br, const struct br_flow_key *k)
{
	for (const struct br_rule *r = br->rules; r; r = r->next)
		if (br_match_key(&r->match, k))
			return r;
	return NULL;
}

/* Add a rule (see bridge.h). */
int br_rule_add(struct br *br, uint16_t priority, const struct br_match *match,
		const struct br_action *actions, unsigned n_actions)
{
	struct br_rule *r, **pp;
	bool has_drop = false;

	if (br->kind != BR_OVS)
		return -EOPNOTSUPP;
	if (!match || !actions || n_actions == 0 || n_actions > BR_MAX_ACTIONS)
		return -EINVAL;
	if ((match->fields & BR_F_DL_VLAN) && match->vlan_vid != BR_VLAN_NONE &&
	    match->vlan_vid > BR_VID_MASK)
		return -EINVAL;
	for (unsigned i = 0; i < n_actions; i++) {
		switch (actions[i].type) {
		case BR_ACT_NORMAL:
		case BR_ACT_POP_VLAN:
			break;
		case BR_ACT_OUTPUT:
			if (actions[i].arg == 0 || actions[i].arg > BR_MAX_PORTS)
				return -EINVAL;
			break;
		case BR_ACT_PUSH_VLAN:
			if (actions[i].arg & BR_TCI_PRESENT)
				return -EINVAL;
			break;
		case BR_ACT_SET_VLAN:
			if (actions[i].arg > BR_VID_MASK)
				return -EINVAL;
			break;
		case BR_ACT_DROP:
			has_drop = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (has_drop && n_actions != 1)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->id = ++br->last_rule_id;
	r->priority = priority;
	r->match = *match;
	memcpy(r->actions, actions, n_actions * sizeof(*actions));
	r->n_actions = n_actions;
	for (pp = &br->rules; *pp && (*pp)->priority >= priority; pp = &(*pp)->next)
		;
	r->next = *pp;
	*pp = r;
	br_flows_flush(br);
	return r->id;
}

/* Remove a rule (see bridge.h). */
int br_rule_del(struct br *br, int rule_id)
{
	for (struct br_rule **pp = &br->rules; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == rule_id) {
			struct br_rule *r = *pp;
			*pp = r->next;
			free(r);
			br_flows_flush(br);
			return 0;
		}
	}
	return -ENOENT;
}

/* Remove every rule (see bridge.h). */
void br_rules_clear(struct br *br)
{
	while (br->rules) {
		struct br_rule *r = br->rules;
		br->rules = r->next;
		free(r);
	}
	br_flows_flush(br);
}

/* ---- Translation (the slow path: ofproto-dpif-xlate) ------------------------- */

struct br_xlate {
	struct br_dp_action acts[BR_XLATE_MAX];
	unsigned n;
	unsigned n_outputs;
	enum br_drop drop;  /* first reason something was not output */
	uint16_t cur_tci;   /* the packet's outer tag at this point, BR_TCI_PRESENT set, 0 none */
	bool uses_normal;
	bool flood;
	bool learned;       /* the MAC table changed (revalidate others) */
	int learn_vid;      /* VLAN the source MAC was learned in, -1 none */
};

static void br_xlate_emit(struct br_xlate *x, uint16_t type, uint16_t arg)
{
	if (x->n < BR_XLATE_MAX)
		x->acts[x->n++] = (struct br_dp_action){type, arg};
}

static void br_xlate_note_drop(struct br_xlate *x, enum br_drop reason)
{
	if (x->drop == BR_DROP_NONE)
		x->drop = reason;
}

/* Bring the packet's tag to `want` (0: none), as OVS commits VLAN changes
 * just before an output (commit_vlan_action). */
static void br_xlate_commit_vlan(struct br_xlate *x, uint16_t want)
{
	if (want == x->cur_tci)
		return;
	if (!want)
		br_xlate_emit(x, BR_DP_POP_VLAN, 0);
	else if (!x->cur_tci)
		br_xlate_emit(x, BR_DP_PUSH_VLAN, want & (uint16_t)~BR_TCI_PRESENT);
	else
		br_xlate_emit(x, BR_DP_SET_VLAN, want & (uint16_t)~BR_TCI_PRESENT);
	x->cur_tci = want;
}

static void br_xlate_output(struct br_xlate *x, unsigned port)
{
	br_xlate_emit(x, BR_DP_OUTPUT, (uint16_t)port);
	x->n_outputs++;
}

/* NORMAL output of a frame in VLAN vlan to port: an access port takes it
 * untagged, only for its own VLAN; a trunk takes it tagged with the VLAN
 * (untagged for VLAN 0), keeping the priority bits (as OVS's
 * output_normal / xlate_normal_flood). */
static void br_xlate_normal_out(const struct br *br, struct br_xlate *x, const struct br_port *p,
				uint16_t vlan)
{
	uint16_t want;

	if (p->tag) {
		if (p->tag != vlan) {
			br_xlate_note_drop(x, BR_DROP_VLAN);
			return;
		}
		want = 0;
	} else {
		want = vlan ? (uint16_t)(vlan | (x->cur_tci & BR_PCP_MASK) | BR_TCI_PRESENT) : 0;
	}
	(void)br;
	br_xlate_commit_vlan(x, want);
	br_xlate_output(x, p->port_no);
}

/* The NORMAL action: a learning switch per VLAN (OVS xlate_normal; the Linux
 * bridge's br_handle_frame_finish with the same port VLAN model). */
static void br_xlate_normal(struct br *br, const struct br_flow_key *k, struct br_xlate *x,
			    bool may_learn)
{
	const struct br_port *in = br->ports[k->in_port];
	uint16_t vid_in = x->cur_tci ? (x->cur_tci & BR_VID_MASK) : 0, vlan;
	unsigned out;

	x->uses_normal = true;
	if (!in)
		return;
	if (in->tag) {
		/* An access port drops frames tagged with a real VID
		 * (priority tags, VID 0, are accepted). */
		if (vid_in) {
			br_xlate_note_drop(x, BR_DROP_VLAN);
			return;
		}
		vlan = in->tag;
	} else {
		vlan = vid_in;
	}
	if (br_mac_is_reserved(k->dl_dst)) {
		br_xlate_note_drop(x, BR_DROP_RESERVED_MAC);
		return;
	}
	if (!br_mac_is_multicast(k->dl_src)) {
		x->learn_vid = vlan;
		if (may_learn && br_mac_learn(br, vlan, k->dl_src, k->in_port))
			x->learned = true;
	}
	out = br_mac_is_multicast(k->dl_dst) ? 0 : br_mac_lookup(br, vlan, k->dl_dst);
	if (out) {
		if (out == k->in_port) {
			br_xlate_note_drop(x, BR_DROP_SAME_PORT);
			return;
		}
		if (br->ports[out])
			br_xlate_normal_out(br, x, br->ports[out], vlan);
		return;
	}
	x->flood = true;
	for (unsigned n = 1; n <= BR_MAX_PORTS; n++) {
		const struct br_port *p = br->ports[n];
		if (!p || n == k->in_port)
			continue;
		if (p->tag && p->tag != vlan)
			continue;
		br_xlate_normal_out(br, x, p, vlan);
	}
	if (!x->n_outputs)
		br_xlate_note_drop(x, BR_DROP_NO_PORT);
}

/* Translate a key into datapath actions, from the rules (OVS) or NORMAL
 * alone (Linux bridge). may_learn: false when revalidating. */
static void br_xlate(struct br *br, const struct br_flow_key *k, bool may_learn, struct br_xlate *x)
{
	const struct br_rule *r;

	x->n = x->n_outputs = 0;
	x->drop = BR_DROP_NONE;
	x->cur_tci = k->vlan_tci;
	x->uses_normal = x->flood = x->learned = false;
	x->learn_vid = -1;

	if (br->kind == BR_LINUX) {
		br_xlate_normal(br, k, x, may_learn);
		return;
	}
	r = br_rule_lookup(br, k);
	if (!r) {
		br_xlate_note_drop(x, BR_DROP_NO_RULE);
		return;
	}
	for (unsigned i = 0; i < r->n_actions; i++) {
		const struct br_action *a = &r->actions[i];
		switch (a->type) {
		case BR_ACT_NORMAL:
			br_xlate_normal(br, k, x, may_learn);
			break;
		case BR_ACT_OUTPUT:
			if (a->arg == k->in_port)
				br_xlate_note_drop(x, BR_DROP_SAME_PORT);
			else if (a->arg > BR_MAX_PORTS || !br->ports[a->arg])
				br_xlate_note_drop(x, BR_DROP_NO_PORT);
			else
				br_xlate_output(x, a->arg);
			break;
		case BR_ACT_PUSH_VLAN:
			br_xlate_emit(x, BR_DP_PUSH_VLAN, a->arg);
			x->cur_tci = (uint16_t)(a->arg | BR_TCI_PRESENT);
			break;
		case BR_ACT_POP_VLAN:
			if (x->cur_tci) {
				br_xlate_emit(x, BR_DP_POP_VLAN, 0);
				x->cur_tci = 0;
			}
			break;
		case BR_ACT_SET_VLAN:
			br_xlate_commit_vlan(x, (uint16_t)((x->cur_tci & BR_PCP_MASK) | a->arg |
							   BR_TCI_PRESENT));
			break;
		case BR_ACT_DROP:
			br_xlate_note_drop(x, BR_DROP_ACTION);
			break;
		}
	}
	if (!x->n_outputs)
		br_xlate_note_drop(x, BR_DROP_ACTION);
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
	br->c.tx_packets++;
	port->tx_packets++;
	pkt_trace(p, "br_output");
	dev_queue_xmit(port->dev, p);
}

/* Run datapath actions on p (taken). Every output but the last gets a copy
 * (clone_execute), the last the packet itself; VLAN actions change the
 * packet in place, so later outputs see them. */
static void br_execute(struct br *br, struct pkt *p, const struct br_dp_action *acts, unsigned n,
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

/* ---- Flow install, revalidation, expiry --------------------------------------- */

static struct br_dp_action *br_actions_dup(const struct br_xlate *x)
{
	struct br_dp_action *a;
	if (!x->n)
		return NULL;
	a = malloc(x->n * sizeof(*a));
	if (a)
		memcpy(a, x->acts, x->n * sizeof(*a));
	return a;
}

static void br_flow_set_actions(struct br_flow *f, const struct br_xlate *x,
				struct br_dp_action *acts)
{
	free(f->actions);
	f->actions = acts;
	f->n_actions = x->n;
	f->drop = x->n_outputs ? BR_DROP_NONE : (x->drop ? x->drop : BR_DROP_ACTION);
	f->uses_normal = x->uses_normal;
	f->flood = x->flood;
	f->learn_vid = x->learn_vid;
}

/* Install a datapath flow for key with the translation x (ovs_flow_cmd_new).
 * NULL when the table is at its limit or memory is short: the packet is
 * still executed, the next one misses again. */
static struct br_flow *br_flow_install(struct br *br, const struct br_flow_key *key, uint32_t hash,
				       const struct br_xlate *x)
{
	uint64_t now = ev_now(br->loop);
	struct br_flow *f;
	struct br_dp_action *acts = NULL;

	if (br->c.flows >= BR_MAX_FLOWS) {
		br->c.flow_limit_hits++;
		return NULL;
	}
	if (br->c.flows >= br->n_buckets && br_flow_table_grow(br) != 0)
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	if (x->n && !(acts = br_actions_dup(x))) {
		free(f);
		return NULL;
	}
	f->key = *key;
	f->hash = hash;
	f->created = f->used = f->pushed = now;
	br_flow_set_actions(f, x, acts);
	f->hnext = br->buckets[hash & (br->n_buckets - 1)];
	br->buckets[hash & (br->n_buckets - 1)] = f;
	br->c.flows++;
	br->c.flows_installed++;
	br_timer_want(br, now + br->flow_idle_ns);
	return f;
}

static bool br_actions_equal(const struct br_dp_action *a, unsigned na,
			     const struct br_dp_action *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (a[i].type != b[i].type || a[i].arg != b[i].arg)
			return false;
	return true;
}

struct br_reval_ctx {
	const uint8_t *mac; /* only flows to this destination; NULL: all */
	struct br_xlate x;
};

static bool br_flow_revalidate_one(struct br *br, struct br_flow *f, void *arg)
{
	struct br_reval_ctx *c = arg;
	struct br_xlate *x = &c->x;
	struct br_dp_action *acts;

	if (!f->uses_normal || (c->mac && memcmp(f->key.dl_dst, c->mac, ETH_ALEN) != 0))
		return false;
	br_xlate(br, &f->key, false, x);
	if (br_actions_equal(x->acts, x->n, f->actions, f->n_actions))
		return false;
	acts = br_actions_dup(x);
	if (x->n && !acts)
		return true; /* cannot update: remove, the next packet misses */
	br_flow_set_actions(f, x, acts);
	br->c.revalidated_flows++;
	return false;
}

/* The MAC table changed for mac (NULL: for several): re-translate the flows
 * that used NORMAL towards it, without learning, and update those whose
 * actions changed. NORMAL's decision for a flow depends only on where its
 * destination is, so only flows to that MAC can change — the idea of OVS's
 * per-MAC revalidation tags. OVS revalidator threads do this soon after;
 * we do it at once, synchronously, so runs are deterministic. */
static void br_revalidate(struct br *br, const uint8_t *mac)
{
	struct br_reval_ctx c;
	if (br->kind != BR_OVS || !br->c.flows)
		return;
	c.mac = mac;
	br_flows_filter(br, br_flow_revalidate_one, &c);
}

struct br_sweep_ctx {
	uint64_t now;
	uint64_t next;
};

/* Push a flow's use into the MAC table: a flow hit since the last sweep
 * refreshes the MAC it learned, as xlate_push_stats does for OVS. */
static bool br_flow_push_stats(struct br *br, struct br_flow *f, void *arg)
{
	(void)arg;
	if (f->used > f->pushed && f->learn_vid >= 0) {
		struct br_mac *m = br_mac_find(br, (uint16_t)f->learn_vid, f->key.dl_src);
		if (m && m->port == f->key.in_port && m->used < f->used)
			m->used = f->used;
	}
	f->pushed = f->used;
	return false;
}

static bool br_flow_expire(struct br *br, struct br_flow *f, void *arg)
{
	struct br_sweep_ctx *s = arg;
	uint64_t deadline = f->used + br->flow_idle_ns;

	if (deadline <= s->now) {
		br->c.flows_expired++;
		return true;
	}
	if (deadline < s->next)
		s->next = deadline;
	return false;
}

static void br_sweep(struct ev_timer *t)
{
	struct br *br = (struct br *)((char *)t - offsetof(struct br, timer));
	struct br_sweep_ctx s = {ev_now(br->loop), UINT64_MAX};
	bool aged = false;

	br_flows_filter(br, br_flow_push_stats, NULL);
	br_flows_filter(br, br_flow_expire, &s);
	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++) {
		struct br_mac **pp = &br->mac_buckets[b];
		while (*pp) {
			struct br_mac *m = *pp;
			uint64_t deadline = m->used + br->mac_aging_ns;
			if (deadline <= s.now) {
				*pp = m->hnext;
				free(m);
				br->c.learned_macs--;
				br->c.macs_aged++;
				aged = true;
			} else {
				if (deadline < s.next)
					s.next = deadline;
				pp = &m->hnext;
			}
		}
	}
	if (aged)
		br_revalidate(br, NULL);
	if (s.next != UINT64_MAX)
		ev_timer_arm(br->loop, &br->timer, s.next);
}

/* Make sure the sweep timer fires no later than when. */
static void br_timer_want(struct br *br, uint64_t when)
{
	if (!ev_timer_armed(&br->timer) || br->timer.when_ns > when)
		ev_timer_arm(br->loop, &br->timer, when);
}

/* ---- Input ------------------------------------------------------------------- */

/* Strip the offload state, as a packet rebuilt from an OVS_PACKET_CMD_EXECUTE
 * message has none: CHECKSUM_NONE, no GSO. Bytes and header offsets stay. */
static void br_strip_offload(struct pkt *p)
{
	pkt_clear_offload(p);
}

/*
 * A datapath miss (ovs_dp_upcall + the handler + OVS_PACKET_CMD_EXECUTE):
 *  - GSO: segmented in software without checksum offload
 *    (__skb_gso_segment(skb, NETIF_F_SG, false)), each segment a separate
 *    upcall with a complete checksum — computed from the seed in the field;
 *  - other CHECKSUM_PARTIAL: completed by skb_checksum_help over whatever the
 *    field holds (a zeroed seed gives a wrong checksum: the seed's issue 3);
 *  - every packet comes back with no offload state.
 * Then one translation (which learns), one flow install, and execution of
 * its actions on each packet. The executed actions are the translation's
 * own copy (on the stack), so revalidation cannot pull them away.
 */
static void br_upcall(struct br *br, struct pkt *p, const struct br_flow_key *key, uint32_t hash)
{
	struct br_xlate x;
	struct pkt *list = p;
	enum br_drop drop;

	if (pkt_is_gso(p)) {
		int err = 0;
		unsigned n = 0;
		list = gso_segment(p, false, &err);
		pkt_free(p);
		if (!list) {
			br->c.upcall_errors++;
			br->c.drop_upcall++;
			return;
		}
		for (struct pkt *s = list; s; s = s->next)
			n++;
		br->c.upcalls += n;
		br->c.upcall_gso_segments += n;
	} else {
		if (p->ip_summed == CHECKSUM_PARTIAL) {
			if (pkt_checksum_help(p) != 0) {
				br->c.upcall_errors++;
				br->c.drop_upcall++;
				pkt_free(p);
				return;
			}
			br->c.upcall_csum_completions++;
		}
		br->c.upcalls++;
	}
	for (struct pkt *s = list; s; s = s->next) {
		br_strip_offload(s);
		pkt_trace(s, "br_upcall");
	}

	br_xlate(br, key, true, &x);
	br_flow_install(br, key, hash, &x);
	if (x.learned)
		br_revalidate(br, key->dl_src);
	drop = x.n_outputs ? BR_DROP_NONE : x.drop;
	while (list) {
		struct pkt *s = list;
		list = s->next;
		s->next = NULL;
		br_execute(br, s, x.acts, x.n, drop, x.flood);
	}
}

static void br_ovs_input(struct br *br, struct pkt *p, const struct br_flow_key *key)
{
	uint32_t hash = br_key_hash(key);
	struct br_flow *f = br_flow_lookup(br, key, hash);

	if (f) {
		br->c.hits++;
		f->packets++;
		f->bytes += p->len;
		f->used = ev_now(br->loop);
		br_execute(br, p, f->actions, f->n_actions, f->drop, f->flood);
		return;
	}
	br->c.misses++;
	br_upcall(br, p, key, hash);
}

static void br_linux_input(struct br *br, struct pkt *p, const struct br_flow_key *key)
{
	struct br_xlate x;

	br_xlate(br, key, true, &x);
	br_execute(br, p, x.acts, x.n, x.n_outputs ? BR_DROP_NONE : x.drop, x.flood);
}

/* The profiler section of the bridge's work on a packet (charged by
 * netdev_receive; the output devices charge their own). */
static struct prof_section br_prof = PROF_SECTION_INIT("bridge");

/* The rx handler every port's device calls. */
static void br_port_rx(void *arg, struct netdev *dev, struct pkt *p)
{
	struct br_port *port = arg;
	struct br *br = port->br;
	struct br_flow_key key;

	(void)dev;
	br->c.rx_packets++;
	port->rx_packets++;
	p->next = NULL;
	pkt_trace(p, "br_input");
	if (p->vlan_present) {
		/* An accelerated tag becomes an in-band one: the bridge keys and
		 * rewrites tags in the frame. */
		if (br_vlan_push(p, p->vlan_tci) != 0) {
			br->c.drop_headroom++;
			pkt_free(p);
			return;
		}
		p->vlan_present = false;
		p->vlan_tci = 0;
	}
	if (br_flow_extract(p, (uint16_t)port->port_no, &key) != 0) {
		br->c.drop_parse++;
		pkt_free(p);
		return;
	}
	if (br->kind == BR_OVS)
		br_ovs_input(br, p, &key);
	else
		br_linux_input(br, p, &key);
}

/* ---- Bridge and ports ------------------------------------------------------- */

/* Create a bridge (see bridge.h). */
struct br *br_create(const char *name, enum br_kind kind, struct ev_loop *loop)
{
	struct br *br;

	if (!name || !loop || (kind != BR_OVS && kind != BR_LINUX))
		return NULL;
	br = calloc(1, sizeof(*br));
	if (!br)
		return NULL;
	br->mac_buckets = calloc(BR_MAC_BUCKETS, sizeof(*br->mac_buckets));
	if (!br->mac_buckets)
		goto free_br;
	snprintf(br->name, sizeof(br->name), "%s", name);
	br->kind = kind;
	br->loop = loop;
	br->flow_idle_ns = BR_FLOW_IDLE_NS_DEFAULT;
	br->mac_aging_ns = BR_MAC_AGING_NS_DEFAULT;
	ev_timer_init(&br->timer, br_sweep);
	if (kind == BR_OVS) {
		struct br_match all = {0};
		struct br_action normal = {BR_ACT_NORMAL, 0};
		if (br_rule_add(br, 0, &all, &normal, 1) < 0)
			goto free_br;
	}
	return br;

free_br:
	free(br->mac_buckets);
	free(br);
	return NULL;
}

/* Destroy a bridge (see bridge.h). */
void br_destroy(struct br *br)
{
	if (!br)
		return;
	for (unsigned n = 1; n <= BR_MAX_PORTS; n++) {
		if (br->ports[n]) {
			netdev_set_rx_handler(br->ports[n]->dev, NULL, NULL);
			free(br->ports[n]);
		}
	}
	ev_timer_cancel(br->loop, &br->timer);
	for (unsigned b = 0; b < br->n_buckets; b++) {
		while (br->buckets[b]) {
			struct br_flow *f = br->buckets[b];
			br->buckets[b] = f->hnext;
			br_flow_free(f);
		}
	}
	free(br->buckets);
	for (unsigned b = 0; b < BR_MAC_BUCKETS; b++) {
		while (br->mac_buckets[b]) {
			struct br_mac *m = br->mac_buckets[b];
			br->mac_buckets[b] = m->hnext;
			free(m);
		}
	}
	free(br->mac_buckets);
	while (br->rules) {
		struct br_rule *r = br->rules;
		br->rules = r->next;
		free(r);
	}
	free(br);
}

const char *br_name(const struct br *br)
{
	return br->name;
}

enum br_kind br_get_kind(const struct br *br)
{
	return br->kind;
}

/* Attach a port (see bridge.h). */
int br_add_port(struct br *br, struct netdev *dev, const struct br_port_config *cfg)
{
	struct br_port_config dflt = {0, 0};
	struct br_port *port;
	unsigned n;

	if (!dev)
		return -EINVAL;
	if (!cfg)
		cfg = &dflt;
	if (cfg->tag > BR_VID_MASK || cfg->port_no > BR_MAX_PORTS || br_port_no(br, dev))
		return -EINVAL;
	if (dev->rx_handler)
		return -EBUSY; /* already enslaved elsewhere (netdev_rx_handler_register) */
	n = cfg->port_no;
	if (n) {
		if (br->ports[n])
			return -EINVAL;
	} else {
		for (n = 1; n <= BR_MAX_PORTS && br->ports[n]; n++)
			;
		if (n > BR_MAX_PORTS)
			return -ENOSPC;
	}
	port = calloc(1, sizeof(*port));
	if (!port)
		return -ENOMEM;
	port->br = br;
	port->dev = dev;
	port->port_no = n;
	port->tag = cfg->tag;
	br->ports[n] = port;
	netdev_set_rx_handler(dev, br_port_rx, port);
	netdev_set_rx_prof(dev, &br_prof);
	br_flows_flush(br);
	return (int)n;
}

/* Detach a port (see bridge.h). */
int br_del_port(struct br *br, struct netdev *dev)
{
	unsigned n = br_port_no(br, dev);

	if (!n)
		return -ENOENT;
	netdev_set_rx_handler(dev, NULL, NULL);
	free(br->ports[n]);
	br->ports[n] = NULL;
	br_macs_forget_port(br, n);
	br_flows_flush(br);
	return 0;
}

unsigned br_port_no(const struct br *br, const struct netdev *dev)
{
	for (unsigned n = 1; n <= BR_MAX_PORTS; n++)
		if (br->ports[n] && br->ports[n]->dev == dev)
			return n;
	return 0;
}

struct netdev *br_port_dev(const struct br *br, unsigned port_no)
{
	if (port_no == 0 || port_no > BR_MAX_PORTS || !br->ports[port_no])
		return NULL;
	return br->ports[port_no]->dev;
}

void br_set_flow_idle(struct br *br, uint64_t idle_ns)
{
	br->flow_idle_ns = idle_ns ? idle_ns : BR_FLOW_IDLE_NS_DEFAULT;
}

void br_set_mac_aging(struct br *br, uint64_t aging_ns)
{
	br->mac_aging_ns = aging_ns ? aging_ns : BR_MAC_AGING_NS_DEFAULT;
}
