/*
 * bridge_priv.h — the bridge's internal state, shared by bridge.c (the
 * datapath, slow path and tables) and bridge_text.c (formatting, the rule
 * parser). Not for use outside src/bridge.
 */
#ifndef ILLAN_BRIDGE_PRIV_H
#define ILLAN_BRIDGE_PRIV_H

#include "bridge/bridge.h"

enum br_drop {
	BR_DROP_NONE,
	BR_DROP_ACTION,
	BR_DROP_NO_RULE,
	BR_DROP_VLAN,
	BR_DROP_SAME_PORT,
	BR_DROP_NO_PORT,
	BR_DROP_RESERVED_MAC,
	BR_DROP_MAX
};
extern const char *const br_drop_names[BR_DROP_MAX];

struct br_counters {
	uint64_t hits, misses, upcalls, upcall_csum_completions, upcall_gso_segments, upcall_errors;
	uint64_t flows, flows_installed, flows_expired, flows_flushed, flow_limit_hits;
	uint64_t revalidated_flows;
	uint64_t learned_macs, macs_learned, mac_moves, macs_aged, macs_evicted;
	uint64_t forwarded, flooded, rx_packets, tx_packets;
	uint64_t drop_parse, drop_action, drop_no_rule, drop_vlan, drop_same_port, drop_no_port;
	uint64_t drop_reserved_mac, drop_headroom, drop_upcall, drop_nomem;
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
	int learn_vid;     /* VLAN the key's source MAC is learned in, -1 none */
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

	struct br_counters c;
};

#endif
