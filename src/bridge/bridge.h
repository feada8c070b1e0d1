/*
 * bridge.h — the IO server's switch, of two kinds:
 *
 *  BR_OVS    An Open vSwitch-style bridge as the kernel datapath runs it: an
 *            exact-match flow table keyed on in_port, Ethernet addresses,
 *            VLAN, ethertype, IP addresses and protocol and L4 ports, so each
 *            direction of each connection is one datapath flow. A miss is an
 *            upcall (ovs_dp_upcall): GSO packets are segmented in software,
 *            other CHECKSUM_PARTIAL packets have their checksum completed in
 *            software from whatever seed their field holds, and the packet
 *            comes back for execution with no offload state
 *            (OVS_PACKET_CMD_EXECUTE). The slow path evaluates OpenFlow-like
 *            rules (NORMAL, output, VLAN push/pop/set, drop), installs the
 *            datapath flow and executes it. Hits leave metadata untouched.
 *  BR_LINUX  A Linux bridge: MAC learning, forwarding, flooding and ageing on
 *            every packet, no flow cache, no upcall, metadata untouched.
 *
 * Either kind outputs through dev_queue_xmit, so the egress device's features
 * decide software segmentation and checksum completion (validate_xmit).
 *
 * Serves the topology (the seed's IO server) and the CLI (`illan flows`,
 * `illan stats`).
 *
 * Lifecycle and ownership: br_create makes an empty bridge on an event loop
 * (its clock ages flows and MACs; a timer is armed only while there is
 * something to age). br_add_port takes over the device's rx handler; the
 * device stays the caller's, who must br_del_port or br_destroy before
 * freeing it. br_destroy releases every port's rx handler, flow and MAC
 * entry, and cancels its timer. Packets handed to the bridge by a port are
 * always consumed (forwarded or freed and counted).
 *
 * VLANs are in-band 802.1Q tags. A port is an access port of VLAN `tag`
 * (frames enter and leave it untagged) or, with tag 0, a trunk carrying every
 * VLAN tagged (VLAN 0 = untagged), as OVS's port "tag" setting.
 */
#ifndef ILLAN_BRIDGE_H
#define ILLAN_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ev/counter.h"
#include "ev/ev.h"
#include "net/netdev.h"

enum br_kind { BR_OVS, BR_LINUX };

#define BR_MAX_PORTS 64    /* port numbers 1..BR_MAX_PORTS */
#define BR_MAX_ACTIONS 16  /* actions per rule */
#define BR_MAX_FLOWS 65536 /* datapath flow limit (beyond: executed, not installed) */
#define BR_MAX_MACS 8192   /* MAC table size (full: the oldest entry is evicted) */
#define BR_FLOW_IDLE_NS_DEFAULT 10000000000ull  /* OVS other_config:max-idle 10 s */
#define BR_MAC_AGING_NS_DEFAULT 300000000000ull /* OVS mac-aging-time, Linux ageing_time: 300 s */
#define BR_VLAN_NONE 0xffffu /* match: the frame carries no tag (OVS dl_vlan=0xffff) */

struct br;

/* ---- Bridge and ports ----------------------------------------------------- */

/* Create a bridge named name (copied) of the given kind on loop. NULL on
 * allocation failure or bad arguments. */
struct br *br_create(const char *name, enum br_kind kind, struct ev_loop *loop);
/* Release the ports (their rx handlers are cleared), flows, MACs, timer. */
void br_destroy(struct br *br);
const char *br_name(const struct br *br);
enum br_kind br_get_kind(const struct br *br);

struct br_port_config {
	unsigned port_no; /* 0: the lowest free number */
	uint16_t tag;     /* access VLAN (1..4095); 0: trunk, every VLAN */
};

/* Attach dev as a port; cfg may be NULL (next number, trunk). Installs the
 * bridge's rx handler on dev. Returns the port number (> 0) or -EINVAL (bad
 * tag, number in use or out of range, dev NULL or already a port), -ENOSPC
 * (no free number). Datapath flows are flushed (a new port changes floods). */
int br_add_port(struct br *br, struct netdev *dev, const struct br_port_config *cfg);
/* Detach a port: rx handler cleared, its MAC entries forgotten, flows flushed.
 * Returns 0 or -ENOENT. */
int br_del_port(struct br *br, struct netdev *dev);
/* Port number of dev, or 0 if dev is not a port of br. */
unsigned br_port_no(const struct br *br, const struct netdev *dev);
/* Device of port number port_no, or NULL. */
struct netdev *br_port_dev(const struct br *br, unsigned port_no);

/* Ageing times on the loop's clock; 0 restores the default. */
void br_set_flow_idle(struct br *br, uint64_t idle_ns);
void br_set_mac_aging(struct br *br, uint64_t aging_ns);

/* ---- Rules (BR_OVS; the OpenFlow-like table the slow path evaluates) ------
 * A fresh bridge has one rule: priority 0, match everything, actions=NORMAL.
 * Changing rules flushes the datapath flows (OVS revalidates them). */

/* Fields a match constrains; an unset bit is a wildcard. */
#define BR_F_IN_PORT (1u << 0)
#define BR_F_DL_SRC (1u << 1)
#define BR_F_DL_DST (1u << 2)
#define BR_F_DL_VLAN (1u << 3) /* vlan_vid: VID, or BR_VLAN_NONE for untagged */
#define BR_F_DL_TYPE (1u << 4)
#define BR_F_NW_SRC (1u << 5)
#define BR_F_NW_DST (1u << 6)
#define BR_F_NW_PROTO (1u << 7)
#define BR_F_TP_SRC (1u << 8)
#define BR_F_TP_DST (1u << 9)

struct br_match {
	uint32_t fields; /* BR_F_* */
	unsigned in_port;
	uint8_t dl_src[6], dl_dst[6];
	uint16_t vlan_vid;
	uint16_t dl_type;
	uint8_t nw_src[16], nw_dst[16]; /* IPv4 in the first 4 bytes, network order */
	uint8_t nw_proto;
	uint16_t tp_src, tp_dst; /* host order */
};

enum br_action_type {
	BR_ACT_NORMAL,    /* MAC learning switch, per VLAN */
	BR_ACT_OUTPUT,    /* arg: port number (never back out of in_port) */
	BR_ACT_PUSH_VLAN, /* arg: TCI (VID | PCP << 13) */
	BR_ACT_POP_VLAN,
	BR_ACT_SET_VLAN, /* arg: VID; pushes a tag when the frame has none */
	BR_ACT_DROP,     /* alone only */
};

struct br_action {
	enum br_action_type type;
	uint16_t arg;
};

/* Add a rule. Equal priorities: the earlier rule wins. Returns a rule id (>0)
 * or -EINVAL (n_actions 0 or > BR_MAX_ACTIONS, DROP with other actions, bad
 * VID), -ENOMEM. BR_LINUX bridges refuse with -EOPNOTSUPP. */
int br_rule_add(struct br *br, uint16_t priority, const struct br_match *match,
		const struct br_action *actions, unsigned n_actions);
/* Remove a rule by id (the default rule too). Returns 0 or -ENOENT. */
int br_rule_del(struct br *br, int rule_id);
/* Remove every rule, the default one included (then everything is dropped). */
void br_rules_clear(struct br *br);
/* Parse "priority=10,in_port=1,dl_type=0x0800,nw_proto=6,tp_dst=80,
 * actions=pop_vlan,output:2" (ovs-ofctl words: in_port, dl_src, dl_dst,
 * dl_vlan, dl_type, ip, tcp, udp, nw_src, nw_dst, nw_proto, tp_src, tp_dst;
 * actions normal, output:N, push_vlan:TCI, strip_vlan/pop_vlan,
 * mod_vlan_vid:N, drop) and add it. Returns the rule id or -EINVAL. */
int br_rule_add_text(struct br *br, const char *text);

/* ---- Flows (BR_OVS datapath) ------------------------------------------- */

/* The exact-match datapath key (what ovs-dpctl dump-flows prints). */
struct br_flow_key {
	uint16_t in_port;
	uint16_t vlan_tci; /* outer tag's TCI | 0x1000 (present), 0 = no tag, as OVS */
	uint16_t dl_type;
	uint8_t nw_proto;
	uint8_t ip_version; /* 0, 4 or 6 */
	uint8_t dl_src[6], dl_dst[6];
	uint8_t nw_src[16], nw_dst[16];
	uint16_t tp_src, tp_dst; /* host order */
};

/* Datapath actions, compiled from rules by the slow path. */
enum br_dp_action_type { BR_DP_OUTPUT, BR_DP_PUSH_VLAN, BR_DP_POP_VLAN, BR_DP_SET_VLAN };
struct br_dp_action {
	uint16_t type; /* enum br_dp_action_type */
	uint16_t arg;
};

struct br_flow_info {
	const struct br_flow_key *key;
	const struct br_dp_action *actions;
	unsigned n_actions;
	const char *drop_reason; /* when n_actions has no output */
	uint64_t packets, bytes;
	uint64_t used_ns; /* last hit (or install) on the loop's clock */
	uint64_t created_ns;
};

/* Visit every datapath flow (order unspecified). */
void br_flow_dump(const struct br *br, void (*fn)(void *arg, const struct br_flow_info *f),
		  void *arg);
/* Format one flow like `ovs-dpctl dump-flows`: "in_port(1),eth(src=..,dst=..),
 * eth_type(0x0800),ipv4(src=..,dst=..,proto=6),tcp(src=..,dst=..),
 * packets:3, bytes:4542, used:0.120s, actions:2". now_ns gives "used" as an
 * age. Returns the length it wanted (snprintf style). */
int br_flow_format(const struct br_flow_info *f, uint64_t now_ns, char *buf, size_t size);
/* Print every flow, one a line (the `illan flows` output). */
void br_flows_print(const struct br *br, FILE *out);
/* Number of datapath flows installed now. */
unsigned br_n_flows(const struct br *br);
/* Remove every datapath flow (counted in flows_flushed). */
void br_flows_flush(struct br *br);

/* ---- MAC table ------------------------------------------------------------ */

/* Port a MAC was learned on in VLAN vid (0 for untagged), or 0 if unknown. */
unsigned br_mac_lookup(const struct br *br, uint16_t vid, const uint8_t mac[6]);
unsigned br_n_macs(const struct br *br);

/* ---- Counters ------------------------------------------------------------- *
 * Every counter of a bridge, once, as ev/counter.h lists them:
 * X(T, name, drop phrase or NULL, COUNTER_* flags). upcall_errors and
 * drop_upcall count the same failures; only the latter reports a drop. */
#define BR_COUNTERS(X, T)                                                             \
	X(T, hits, NULL, 0)                    /* datapath flow hits (fast path) */   \
	X(T, misses, NULL, 0)                  /* datapath misses */                  \
	X(T, upcalls, NULL, 0)                 /* packets up, each GSO segment one */ \
	X(T, upcall_csum_completions, NULL, 0) /* PARTIAL completed in an upcall */   \
	X(T, upcall_gso_segments, NULL, 0)     /* segments made in upcalls */         \
	X(T, upcall_errors, NULL, 0)                                                  \
	X(T, flows, NULL, COUNTER_GAUGE) /* datapath flows installed now */           \
	X(T, flows_installed, NULL, 0)                                                \
	X(T, flows_expired, NULL, 0)                                                  \
	X(T, flows_flushed, NULL, 0)                                                  \
	X(T, flow_limit_hits, NULL, 0)          /* executed, not installed */         \
	X(T, revalidated_flows, NULL, 0)        /* actions changed by revalidation */ \
	X(T, learned_macs, NULL, COUNTER_GAUGE) /* MAC entries now */                 \
	X(T, macs_learned, NULL, 0)                                                   \
	X(T, mac_moves, NULL, 0)                                                      \
	X(T, macs_aged, NULL, 0)                                                      \
	X(T, macs_evicted, NULL, 0)                                                   \
	X(T, forwarded, NULL, 0) /* packets with at least one output */               \
	X(T, flooded, NULL, 0)   /* of those, flooded by NORMAL */                    \
	X(T, rx_packets, NULL, 0)                                                     \
	X(T, tx_packets, NULL, 0) /* one per output */                                \
	X(T, drop_parse, "bridge could not parse the frame", 0)                       \
	BR_FLOW_DROPS(BR_FLOW_DROP_COUNTER, X, T)                                     \
	X(T, drop_headroom, "bridge: no headroom for a VLAN tag", 0)                  \
	X(T, drop_too_big, "bridge: frame longer than the output port's MTU", 0)      \
	X(T, drop_upcall, "bridge upcall failed", 0)                                  \
	X(T, drop_nomem, "bridge out of memory", 0)

/* The drops a datapath flow can carry: the translation's verdict, kept with
 * the flow and counted for each packet it drops. One list gives both their
 * counters (in BR_COUNTERS, through BR_FLOW_DROP_COUNTER) and the bridge's
 * own names for them: D(X, T, REASON, drop_<reason>, drop phrase, flags),
 * where BR_DROP_<REASON> is the reason's internal name and <reason> the
 * word flow dumps print. */
#define BR_FLOW_DROPS(D, X, T)                                                                \
	D(X, T, ACTION, drop_action, "bridge rule said drop", 0)                              \
	D(X, T, NO_RULE, drop_no_rule, "no bridge rule matched", 0)                           \
	D(X, T, VLAN, drop_vlan, "bridge: VLAN not allowed on the port", 0)                   \
	D(X, T, SAME_PORT, drop_same_port, "bridge: destination is on the port it came from", \
	  COUNTER_HARMLESS)                                                                   \
	D(X, T, NO_PORT, drop_no_port, "bridge: output port missing", 0)                      \
	D(X, T, RESERVED_MAC, drop_reserved_mac, "bridge: reserved destination MAC",          \
	  COUNTER_HARMLESS)
#define BR_FLOW_DROP_COUNTER(X, T, reason, f, drop, flags) X(T, f, drop, flags)

/* The bridge's counters (kind "bridge"), in BR_COUNTERS order. */
extern const struct counter_set br_counters;

/* Value of a named counter; false if the name is unknown. */
bool br_get_counter(const struct br *br, const char *name, uint64_t *value);
/* Visit every counter of br in BR_COUNTERS order: fn gets arg, the
 * counter's entry in br_counters and its value now. */
void br_for_each_counter(const struct br *br, counter_visit_fn *fn, void *arg);

/* ---- Helpers the bridge uses, exported for tests and other forwarders ----- */

/* Insert an 802.1Q tag with tci after the MAC addresses (skb_vlan_push with
 * the tag in-band): the header offsets and csum_start keep pointing at the
 * same bytes. Returns 0 or -ENOSPC (no headroom), -EINVAL (not Ethernet). */
int br_vlan_push(struct pkt *p, uint16_t tci);
/* Remove the outer 802.1Q/802.1ad tag (skb_vlan_pop). Returns 0, -ENOENT (no
 * tag) or -EINVAL. */
int br_vlan_pop(struct pkt *p);

/* Extract the datapath key from p (data at the MAC header), bounded by the
 * linear part, and set p's header offsets as key_extract does. Returns 0 or
 * -EINVAL (not even an Ethernet header). */
int br_flow_extract(struct pkt *p, uint16_t in_port, struct br_flow_key *key);

#endif
