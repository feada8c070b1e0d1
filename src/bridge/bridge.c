/*
 * bridge.c — the IO server's switch: the bridge object and its ports, the
 * OVS-style exact-match datapath flow table (install, revalidation, idle
 * expiry) with its upcall slow path, the rx handler every port calls, the
 * Linux-bridge kind's input, ageing on the loop's clock, and named counters.
 *
 * Serves the topology and the CLI through bridge.h. The rest of the bridge
 * is split as Open vSwitch splits it (contracts in bridge_priv.h): flow.c
 * extracts flow keys, mac_learning.c keeps the MAC table, xlate.c holds the
 * rules and translates keys into datapath actions, execute.c runs those
 * actions on packets, bridge_text.c formats flows and parses rules.
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

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge_priv.h"
#include "ev/prof.h"
#include "pkt/gso.h"

/* ---- Counters --------------------------------------------------------------- */

COUNTER_SET_DEFINE(br_counters, "bridge", struct br_stats, BR_COUNTERS);

#define BR_DROP_NAME(X, T, reason, f, drop, flags) [BR_DROP_##reason] = &#f[sizeof("drop_") - 1],
const char *const br_drop_names[BR_DROP_MAX] = {[BR_DROP_NONE] = "none",
						BR_FLOW_DROPS(BR_DROP_NAME, _, _)};

/* br_get_counter: see bridge.h. */
bool br_get_counter(const struct br *br, const char *name, uint64_t *value)
{
	const struct counter_desc *d = counter_set_find(&br_counters, name);

	if (!d)
		return false;
	*value = counter_get(&br->c, d);
	return true;
}

/* br_for_each_counter: see bridge.h. */
void br_for_each_counter(const struct br *br, counter_visit_fn *fn, void *arg)
{
	counter_set_visit(&br_counters, &br->c, fn, arg);
}

/* ---- Datapath flow table ------------------------------------------------------ */

static uint32_t br_key_hash(const struct br_flow_key *key)
{
	return br_hash_words(key, sizeof(*key), 0);
}

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
void br_flow_dump(const struct br *br, void (*fn)(void *arg, const struct br_flow_info *f), void *arg)
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

static void br_flow_set_actions(struct br_flow *f, const struct br_xlate *x, struct br_dp_action *acts)
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
	if (f->used > f->pushed && f->learn_vid >= 0)
		br_mac_push_use(br, (uint16_t)f->learn_vid, f->key.dl_src, f->key.in_port, f->used);
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

	br_flows_filter(br, br_flow_push_stats, NULL);
	br_flows_filter(br, br_flow_expire, &s);
	if (br_mac_age(br, s.now, &s.next))
		br_revalidate(br, NULL);
	if (s.next != UINT64_MAX)
		ev_timer_arm(br->loop, &br->timer, s.next);
}

/* br_timer_want: see bridge_priv.h. */
void br_timer_want(struct br *br, uint64_t when)
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
	if (br_mac_init(br) != 0)
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
	br_mac_destroy(br);
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
	br_mac_destroy(br);
	br_xlate_rules_free(br);
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
	br_mac_forget_port(br, n);
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
