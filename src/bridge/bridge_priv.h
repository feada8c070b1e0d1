/*
 * bridge_priv.h — the bridge's internal state and the interfaces between its
 * files, split as Open vSwitch splits the same work:
 *
 *   bridge.c        the bridge and its ports, the datapath flow table
 *                   (install, revalidation, expiry), the upcall, the rx
 *                   handler, counters (net/openvswitch/datapath.c, flow_table.c)
 *   flow.c          flow-key extraction (net/openvswitch/flow.c)
 *   mac_learning.c  the MAC table: learn, look up, age, evict
 *                   (lib/mac-learning.c)
 *   xlate.c         the rule table and translation of a key into datapath
 *                   actions, NORMAL included (ofproto/ofproto-dpif-xlate.c)
 *   execute.c       datapath actions run on a packet: output, VLAN push, pop
 *                   and set (net/openvswitch/actions.c)
 *   bridge_text.c   flows formatted, rules parsed
 *
 * Everything here runs on the bridge's event loop, one call at a time; none
 * of it is for use outside src/bridge.
 */
#ifndef ILLAN_BRIDGE_PRIV_H
#define ILLAN_BRIDGE_PRIV_H

#include <string.h>

#include "bridge/bridge.h"
#include "pkt/hdr.h"

#define BR_TCI_PRESENT 0x1000u /* OVS's VLAN_CFI: "a tag is present" in key.vlan_tci */
#define BR_VID_MASK 0x0fffu
#define BR_PCP_MASK 0xe000u
/* Datapath actions one translation can emit: an output and a tag change per
 * port for a flood, and room for the rule's own actions. */
#define BR_XLATE_MAX (4 * BR_MAX_PORTS + 2 * BR_MAX_ACTIONS)

/* Why a datapath flow outputs nothing: one member per entry of
 * BR_FLOW_DROPS (bridge.h), in its order. */
#define BR_DROP_ENUM(X, T, reason, f, drop, flags) BR_DROP_##reason,
enum br_drop { BR_DROP_NONE, BR_FLOW_DROPS(BR_DROP_ENUM, _, _) BR_DROP_MAX };
/* Each reason's word in flow dumps (bridge.c): its counter's name without
 * "drop_"; "none" for BR_DROP_NONE. */
extern const char *const br_drop_names[BR_DROP_MAX];

/* The bridge's counters, one field per entry of BR_COUNTERS (bridge.h). */
struct br_stats {
	BR_COUNTERS(COUNTER_FIELD, _)
};

struct br_port {
	struct br *br;
	struct netdev *dev;
	unsigned port_no;
	uint16_t tag;
	uint64_t rx_packets, tx_packets;
};

struct br_rule {
	struct br_rule *next; /* priority descending, then insertion order */
	int id;
	uint16_t priority;
	struct br_match match;
	struct br_action actions[BR_MAX_ACTIONS];
	unsigned n_actions;
};

struct br_flow {
	struct br_flow *hnext;
	uint32_t hash;
	struct br_flow_key key;
	struct br_dp_action *actions;
	unsigned n_actions;
	enum br_drop drop; /* why nothing is output, when nothing is */
	bool uses_normal;  /* revalidate on MAC table changes */
	bool flood;
	int learn_vid; /* VLAN the key's source MAC is learned in, -1 none */
	uint64_t packets, bytes;
	uint64_t created, used, pushed; /* pushed: `used` already pushed to the MAC table */
};

struct br_mac {
	struct br_mac *hnext;
	uint16_t vid;
	uint8_t mac[6];
	unsigned port;
	uint64_t used;
	uint64_t seq; /* order of last refresh: breaks ties in `used` for eviction */
};

struct br {
	char name[NETDEV_NAME_MAX];
	enum br_kind kind;
	struct ev_loop *loop;
	struct br_port *ports[BR_MAX_PORTS + 1]; /* by port number; [0] unused */

	struct br_rule *rules;
	int last_rule_id;

	struct br_flow **buckets; /* datapath flows, chained; n_buckets a power of 2 */
	unsigned n_buckets;
	struct br_mac **mac_buckets;
	uint64_t mac_seq;

	uint64_t flow_idle_ns, mac_aging_ns;
	struct ev_timer timer;

	struct br_stats c;
};

/* ---- Shared helpers ---------------------------------------------------------- */

/* The hash of both tables (datapath flows, MAC entries): len bytes at data,
 * mixed four at a time, with basis to keep the tables' hashes apart. */
static inline uint32_t br_hash_words(const void *data, size_t len, uint32_t basis)
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

/* True for the TPIDs that open a VLAN tag (802.1Q, 802.1ad). */
static inline bool br_is_vlan_tpid(uint16_t type)
{
	return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

/* ---- bridge.c ---------------------------------------------------------------- */

/* Make sure the sweep timer (flow expiry, MAC ageing) fires no later than
 * when, on the loop's clock. */
void br_timer_want(struct br *br, uint64_t when);

/* ---- mac_learning.c ---------------------------------------------------------- */

/* Allocate the empty MAC table of br. Returns 0 or -ENOMEM. */
int br_mac_init(struct br *br);
/* Free every MAC entry and the table; safe on a table never allocated. */
void br_mac_destroy(struct br *br);
/* Learn (or refresh) mac on port in VLAN vid, evicting the least recently
 * used entry when the table holds BR_MAX_MACS; arms the sweep for its
 * ageing. Returns true if the table changed in a way that alters forwarding
 * (new entry or a move); false for a refresh or when memory is short. */
bool br_mac_learn(struct br *br, uint16_t vid, const uint8_t *mac, unsigned port);
/* Forget every entry learned on port (the port is going away). */
void br_mac_forget_port(struct br *br, unsigned port);
/* A datapath flow from mac on port in VLAN vid was used at `used`: refresh
 * the entry if it still points at that port and is older (as OVS's
 * xlate_push_stats refreshes the learning entry). */
void br_mac_push_use(struct br *br, uint16_t vid, const uint8_t *mac, unsigned port, uint64_t used);
/* Remove the entries idle for the ageing time at now (counted macs_aged);
 * lower *next to the earliest deadline of those that stay. Returns true if
 * any entry went. */
bool br_mac_age(struct br *br, uint64_t now, uint64_t *next);

/* ---- xlate.c ----------------------------------------------------------------- */

/* One translation's result: the datapath actions and what the flow built
 * from them must remember. */
struct br_xlate {
	struct br_dp_action acts[BR_XLATE_MAX];
	unsigned n;
	unsigned n_outputs;
	enum br_drop drop; /* first reason something was not output */
	uint16_t cur_tci;  /* the packet's outer tag at this point, BR_TCI_PRESENT set, 0 none */
	bool uses_normal;
	bool flood;
	bool learned;  /* the MAC table changed (revalidate others) */
	int learn_vid; /* VLAN the source MAC was learned in, -1 none */
};

/* Translate key k into datapath actions in *x, from the rules (BR_OVS) or
 * NORMAL alone (BR_LINUX). may_learn: NORMAL learns the source MAC (false
 * when revalidating). Never fails: a key nothing is output for leaves
 * x->n_outputs 0 and the first reason in x->drop. */
void br_xlate(struct br *br, const struct br_flow_key *k, bool may_learn, struct br_xlate *x);
/* Free every rule without touching the datapath (for br_destroy). */
void br_xlate_rules_free(struct br *br);

/* ---- execute.c --------------------------------------------------------------- */

/* Run the n datapath actions acts on p, which is taken (output or freed).
 * Every output but the last gets a linear copy (clone_execute), the last
 * the packet itself; VLAN actions change the packet in place, so later
 * outputs see them. With no output, p is freed and counted under drop
 * (BR_DROP_NONE counts as drop_action). flood: count the packet as flooded
 * too. */
void br_execute(struct br *br, struct pkt *p, const struct br_dp_action *acts, unsigned n,
		enum br_drop drop, bool flood);

#endif
