/*
 * xlate.c — the slow path's translation, as OVS's ofproto-dpif-xlate.c: a
 * flow key is matched against the OpenFlow-like rule table (kept here too)
 * and the rule's actions, NORMAL included, are compiled into datapath
 * actions; NORMAL learns the source MAC and looks up the destination. The
 * Linux-bridge kind translates with NORMAL alone.
 *
 * Serves bridge.c (upcalls, revalidation, the Linux-bridge path) and,
 * through bridge.h, the topology and CLI (br_rule_add, br_rule_del,
 * br_rules_clear).
 */
#include "bridge/bridge.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge_priv.h"

/* ---- MAC address classes ---------------------------------------------------- */

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
		if (m->vlan_vid == BR_VLAN_NONE
			    ? k->vlan_tci != 0
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

/* br_xlate_rules_free: see bridge_priv.h. */
void br_xlate_rules_free(struct br *br)
{
	while (br->rules) {
		struct br_rule *r = br->rules;
		br->rules = r->next;
		free(r);
	}
}

/* Remove every rule (see bridge.h). */
void br_rules_clear(struct br *br)
{
	br_xlate_rules_free(br);
	br_flows_flush(br);
}

/* ---- Translation (the slow path: ofproto-dpif-xlate) ------------------------- */

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

/* br_xlate: see bridge_priv.h. */
void br_xlate(struct br *br, const struct br_flow_key *k, bool may_learn, struct br_xlate *x)
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
