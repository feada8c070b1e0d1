/*
 * topo.c — builds a topology from its description (see topo.h), runs its
 * timed events, and reads its counters.
 *
 * Serves the CLI and the scenario runner. Everything here is wiring: the
 * behaviour lives in the layers it connects. The order of construction is
 * the order of declaration in the description, so the seed builds exactly
 * as the hand-written seed topology did (and its counters, which depend on
 * pool placement and adapter order, stay the same).
 */
#include "topo.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/bridge.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/kibmveth/kibmveth.h"
#include "drv/physnic/physnic.h"
#include "drv/veth/veth.h"
#include "ev/errbuf.h"
#include "ev/ev.h"
#include "hv/hv.h"
#include "net/netdev.h"
#include "pkt/pkt.h"
#include "stack/stack.h"
#include "topofile.h"

/* Logical memory per partition beyond what its ibmveth instances carve
 * (lists, queue and packet pool, which also serves the partition's stack
 * and, in an IO server, its physical NICs' receive rings). */
#define TOPO_MEM_SLACK (4u << 20)

/* Firmware attributes offered to an adapter with checksum offload and large
 * send on: what POWER8+ firmware with PowerVM 2.2.5 offers. --no-offload
 * offers neither, so no adapter can enable them. */
#define TOPO_FW_CSUM IBMVETH_ILLAN_PADDED_PKT_CSUM
#define TOPO_FW_LRG IBMVETH_ILLAN_LRG_SND_SUPPORT

/* An external host's memory: what it receives into and sends from. */
static const struct pkt_pool_class host_pool_classes[] = {
	{2048 + PKT_HEADROOM, 4096},
	{16384 + PKT_HEADROOM, 64},
	{65536 + PKT_HEADROOM, 64},
};

struct topo_event_rt {
	struct topo *t;
	const struct topo_event *ev;
	struct ev_timer timer;
};

/* topo_config_default: see topo.h. */
void topo_config_default(struct topo_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->fixes = TOPO_FIXES_FILE;
	cfg->gro = true;
}

/* "examples/x.yaml:12:7: " for an object declared in a file, else "". */
static const char *where(const struct topo *t, const struct topo_src *src, char *buf, size_t size)
{
	if (!t->desc->file[0] || !src->line) {
		buf[0] = 0;
		return buf;
	}
	snprintf(buf, size, "%s:%u:%u: ", t->desc->file, src->line, src->col);
	return buf;
}

static unsigned dev_mtu(const struct topo *t, unsigned own)
{
	if (t->cfg.mtu)
		return t->cfg.mtu;
	return own ? own : (t->desc->mtu ? t->desc->mtu : 1500);
}

/* Open dev at its MTU (before opening, as the driver's change_mtu expects). */
static int open_at_mtu(struct netdev *dev, unsigned mtu)
{
	int rc = 0;
	if (mtu != dev->mtu)
		rc = netdev_set_mtu(dev, mtu);
	if (!rc)
		rc = netdev_open(dev);
	return rc;
}

/* A made-up MAC for an adapter the file gave none: locally administered,
 * unique per (partition, adapter). */
static void made_up_mac(uint8_t mac[6], unsigned kind, unsigned a, unsigned b)
{
	mac[0] = 0x02;
	mac[1] = (uint8_t)kind;
	mac[2] = (uint8_t)(a >> 8);
	mac[3] = (uint8_t)a;
	mac[4] = (uint8_t)(b >> 8);
	mac[5] = (uint8_t)b;
}

static struct topo_dev *add_dev(struct topo *t)
{
	return &t->devs[t->n_devs++];
}

/* One ibmveth adapter in partition p: the hypervisor side (adapter with its
 * VLANs and trunk priority), then the driver probe and open. */
static int make_adapter(struct topo *t, unsigned p, unsigned i, char *err, size_t err_size)
{
	const struct topo_adapter *a = &t->desc->parts[p].adapters[i];
	struct hv_partition *part = t->parts[p];
	char loc[300];
	where(t, &a->src, loc, sizeof(loc));
	const char *kind = t->cfg.driver ? t->cfg.driver : a->driver.kind;
	bool kernel = strncmp(kind, "kernel-", 7) == 0;
	enum ibmveth_gen gen = IBMVETH_GEN_DEFAULT;
	if (!kernel && ibmveth_parse_gen(kind, &gen) != 0) {
		errbuf_set(err, err_size,
			   "%sadapter %s: driver '%s': expected illan, a generation (v4.13, v4.15, "
			   "v5.10, v6.1, current) or kernel-VERSION",
			   loc, a->name, kind);
		return -EINVAL;
	}
	/* The seed's fix switches are the laboratory of the seed generation:
	 * a fix set from the configuration (--fixes) without a driver, or a
	 * file's fixes under driver illan, select v4.15. */
	unsigned fixes;
	if (t->cfg.fixes != TOPO_FIXES_FILE) {
		fixes = t->cfg.fixes;
		if (!t->cfg.driver)
			gen = IBMVETH_GEN_V4_15;
	} else if (t->cfg.driver) {
		fixes = IBMVETH_FIX_ALL;
	} else {
		fixes = a->driver.fixes;
		if (a->driver.fixes_set && strcmp(kind, "illan") == 0)
			gen = IBMVETH_GEN_V4_15;
	}
	if (!kernel && gen != IBMVETH_GEN_V4_15 && fixes != IBMVETH_FIX_ALL) {
		errbuf_set(err, err_size,
			   "%sadapter %s: driver %s has its kernel's fixes; the seed's fix switches "
			   "are for driver v4.15 (mixed fix sets never shipped in a kernel)",
			   loc, a->name, ibmveth_gen_name(gen));
		return -EINVAL;
	}
	struct hv_adapter_config ac;
	memset(&ac, 0, sizeof(ac));
	if (a->mac_set)
		memcpy(ac.mac, a->mac, 6);
	else
		made_up_mac(ac.mac, 0x10, p, i);
	ac.vswitch = a->vswitch;
	ac.pvid = a->pvid;
	ac.n_vids = a->n_vids;
	memcpy(ac.vids, a->vids, a->n_vids * sizeof(ac.vids[0]));
	ac.trunk_priority = a->trunk_priority;
	ac.fw_attrs = 0;
	if (!t->cfg.no_offload) {
		if (a->csum_offload)
			ac.fw_attrs |= TOPO_FW_CSUM;
		if (a->large_send)
			ac.fw_attrs |= TOPO_FW_LRG;
	}
	/* not an offload: --no-offload leaves it as the file says */
	if (a->rx_multi_buff)
		ac.fw_attrs |= IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT;
	ac.mcast_filter_size = a->mcast_filter_size ? a->mcast_filter_size : 256;
	ac.mac_policy = a->mac_policy == TOPO_MAC_DENY         ? HV_MAC_DENY
			: a->mac_policy == TOPO_MAC_ALLOW_LIST ? HV_MAC_ALLOW_LIST
							       : HV_MAC_ALLOW_ALL;
	ac.n_mac_allowed = a->n_mac_allowed;
	memcpy(ac.mac_allowed, a->mac_allowed, a->n_mac_allowed * 6);
	uint64_t ua = hv_adapter_create(t->hv, part, &ac);
	if (!ua) {
		errbuf_set(err, err_size, "%sthe hypervisor refused adapter %s", loc, a->name);
		return -EINVAL;
	}
	struct netdev *dev;
	if (kernel) {
		/* the real driver of that tree (the seed's fix switches do not
		 * apply: a kernel driver is what its tree is) */
		struct kibmveth_params kp;
		kibmveth_params_default(&kp);
		struct kibmveth_of_node kof = {.mcast_filter_size = ac.mcast_filter_size,
					       .illan_options = ac.fw_attrs != 0};
		memcpy(kof.mac, ac.mac, 6);
		char why[256] = "";
		dev = kibmveth_create(kind, a->name, part, ua, &kof, t->loop, &kp, why, sizeof(why));
		if (!dev) {
			errbuf_set(err, err_size, "%sadapter %s: %s", loc, a->name, why);
			return -EINVAL;
		}
	} else {
		struct ibmveth_params params;
		ibmveth_params_default(&params);
		params.gen = gen;
		params.fixes = fixes;
		struct ibmveth_of_node of;
		memset(&of, 0, sizeof(of));
		memcpy(of.mac, ac.mac, 6);
		of.mcast_filter_size = ac.mcast_filter_size;
		of.illan_options = ac.fw_attrs != 0;
		dev = ibmveth_create(a->name, part, ua, &of, t->loop, &params);
		if (!dev) {
			errbuf_set(err, err_size, "%sibmveth probe of %s failed", loc, a->name);
			return -EINVAL;
		}
	}
	struct topo_dev *td = add_dev(t);
	*td = (struct topo_dev){.dev = dev,
				.kind = TOPO_DEV_ADAPTER,
				.is_adapter = true,
				.adapter = a,
				.part = (int)p,
				.hvp = part,
				.ua = ua};
	unsigned mtu = dev_mtu(t, a->mtu);
	int rc = open_at_mtu(dev, mtu);
	if (rc) {
		errbuf_set(err, err_size, "%s%s: %s (mtu %u)", loc, a->name, strerror(-rc), mtu);
		return rc;
	}
	return 0;
}

/* A partition's memory for devices other than its adapters (NICs, veths):
 * its last adapter's pool (so what such a device hands a bridge can go out
 * of a trunk without a bounce copy: for the seed, trunk-out's), or a pool of
 * its own in a partition without adapters. Our choice: the sources say
 * nothing of how a VIOS places its NIC's receive buffers. */
static struct pkt_pool *part_pool(struct topo *t, unsigned p)
{
	struct pkt_pool *pool = NULL;
	for (unsigned i = 0; i < t->n_devs; i++)
		if (t->devs[i].is_adapter && t->devs[i].part == (int)p)
			pool = t->devs[i].dev->pool;
	if (pool)
		return pool;
	if (!t->part_pools[p]) {
		char name[TOPO_NAME_MAX + 8];
		snprintf(name, sizeof(name), "%s-mem", t->desc->parts[p].name);
		t->part_pools[p] = pkt_pool_create(name, host_pool_classes, 3, NULL, 0);
	}
	return t->part_pools[p];
}

static struct pkt_pool *nic_pool(struct topo *t, const struct topo_nic *n)
{
	return n->in_host ? t->host_pools[n->owner] : part_pool(t, n->owner);
}

static int make_nic(struct topo *t, unsigned idx, char *err, size_t err_size)
{
	const struct topo_nic *n = &t->desc->nics[idx];
	char loc[300];
	where(t, &n->src, loc, sizeof(loc));
	struct physnic_config pc;
	if (n->in_host)
		physnic_config_init_plain(&pc);
	else
		physnic_config_init(&pc);
	pc.gro = n->gro && t->cfg.gro;
	pc.tso = n->tso;
	pc.tx_csum = n->tx_csum;
	pc.rx_csum = n->rx_csum;
	pc.gro_flush_timeout_ns = n->gro_flush_timeout_ns;
	pc.napi_defer_hard_irqs = n->napi_defer_hard_irqs;
	if (t->cfg.no_offload)
		pc.tx_csum = pc.tso = false;
	pc.mtu = dev_mtu(t, n->mtu);
	if (n->mac_set)
		memcpy(pc.mac, n->mac, 6);
	else
		made_up_mac(pc.mac, n->in_host ? 0x30 : 0x20, n->owner, idx);
	struct pkt_pool *pool = nic_pool(t, n);
	struct netdev *dev = pool ? physnic_create(n->name, pool, t->loop, &pc) : NULL;
	if (!dev) {
		errbuf_set(err, err_size, "%scannot create NIC %s", loc, n->name);
		return -ENOMEM;
	}
	struct topo_dev *td = add_dev(t);
	*td = (struct topo_dev){
		.dev = dev, .kind = TOPO_DEV_NIC, .nic = n, .part = n->in_host ? -1 : (int)n->owner};
	if (netdev_open(dev)) {
		errbuf_set(err, err_size, "%scannot open NIC %s", loc, n->name);
		return -EINVAL;
	}
	return 0;
}

static int make_bridge(struct topo *t, unsigned b, char *err, size_t err_size)
{
	const struct topo_bridge *bd = &t->desc->bridges[b];
	char loc[300];
	where(t, &bd->src, loc, sizeof(loc));
	bool linux_br = t->cfg.linux_bridge || bd->kind == TOPO_BR_LINUX;
	t->brs[b] = br_create(bd->name, linux_br ? BR_LINUX : BR_OVS, t->loop);
	if (!t->brs[b]) {
		errbuf_set(err, err_size, "%scannot create bridge %s", loc, bd->name);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < bd->n_ports; i++) {
		const struct topo_br_port *bp = &bd->ports[i];
		struct topo_dev *td = topo_find_dev(t, bp->dev);
		if (!td) {
			where(t, &bp->src, loc, sizeof(loc));
			errbuf_set(err, err_size, "%sbridge %s: no device %s", loc, bd->name,
				   bp->dev);
			return -EINVAL;
		}
		struct br_port_config pcfg = {.port_no = 0, .tag = bp->tag};
		if (br_add_port(t->brs[b], td->dev, &pcfg) < 0) {
			where(t, &bp->src, loc, sizeof(loc));
			errbuf_set(err, err_size, "%sbridge %s: cannot add port %s", loc, bd->name,
				   bp->dev);
			return -EINVAL;
		}
	}
	return 0;
}

/* A container: a veth pair, the partition end named c->veth (a bridge
 * port, normally), the container end named after the container. */
static int make_container(struct topo *t, unsigned i, char *err, size_t err_size)
{
	const struct topo_container *c = &t->desc->containers[i];
	char loc[300];
	where(t, &c->src, loc, sizeof(loc));
	struct pkt_pool *pool = part_pool(t, c->partition);
	struct netdev *pe = NULL, *ce = NULL;
	if (!pool || veth_create_pair(c->veth, c->name, pool, t->loop, &pe, &ce)) {
		errbuf_set(err, err_size, "%scannot create the veth pair of container %s", loc,
			   c->name);
		return -ENOMEM;
	}
	*add_dev(t) = (struct topo_dev){
		.dev = pe, .kind = TOPO_DEV_VETH, .container = c, .part = (int)c->partition};
	*add_dev(t) = (struct topo_dev){
		.dev = ce, .kind = TOPO_DEV_VETH, .container = c, .part = (int)c->partition};
	uint8_t pmac[6];
	made_up_mac(pmac, 0x40, c->partition, i);
	unsigned mtu = dev_mtu(t, c->mtu);
	if (netdev_set_mac(ce, c->mac) || netdev_set_mac(pe, pmac) || open_at_mtu(pe, mtu) ||
	    open_at_mtu(ce, mtu)) {
		errbuf_set(err, err_size, "%scannot open the veth pair of container %s (mtu %u)",
			   loc, c->name, mtu);
		return -EINVAL;
	}
	return 0;
}

/* An external switch: a Linux-style bridge outside every partition whose
 * ports are plain NICs, each wired back to back with a NIC that names the
 * switch as its wire (desc.h). */
static int make_switch(struct topo *t, unsigned s_idx, char *err, size_t err_size)
{
	const struct topo_switch *sw = &t->desc->switches[s_idx];
	char loc[300];
	where(t, &sw->src, loc, sizeof(loc));
	t->switch_pools[s_idx] = pkt_pool_create(sw->name, host_pool_classes, 3, NULL, 0);
	struct br *br = t->switch_pools[s_idx] ? br_create(sw->name, BR_LINUX, t->loop) : NULL;
	if (!br) {
		errbuf_set(err, err_size, "%scannot create switch %s", loc, sw->name);
		return -ENOMEM;
	}
	t->brs[t->n_brs++] = br;
	unsigned port = 0;
	for (unsigned n = 0; n < t->desc->n_nics; n++) {
		const struct topo_nic *nic = &t->desc->nics[n];
		if (strcmp(nic->peer, sw->name) != 0)
			continue;
		struct topo_dev *end = topo_find_dev(t, nic->name);
		if (!end)
			continue; /* real mode: the host's side is a namespace */
		struct physnic_config pc;
		physnic_config_init_plain(&pc);
		pc.mtu = 65535 - 14 - 4; /* a switch port takes whatever the NICs send */
		made_up_mac(pc.mac, 0x50, s_idx, port);
		char name[NETDEV_NAME_MAX];
		snprintf(name, sizeof(name), "%.20s.p%u", sw->name, ++port);
		struct netdev *dev = physnic_create(name, t->switch_pools[s_idx], t->loop, &pc);
		if (!dev) {
			errbuf_set(err, err_size, "%scannot create port %s of switch %s", loc, name,
				   sw->name);
			return -ENOMEM;
		}
		*add_dev(t) = (struct topo_dev){.dev = dev, .kind = TOPO_DEV_SWITCH_PORT, .part = -1};
		if (netdev_open(dev) || physnic_link(end->dev, dev) ||
		    br_add_port(br, dev, NULL) < 0) {
			errbuf_set(err, err_size, "%scannot wire %s to switch %s", loc, nic->name,
				   sw->name);
			return -EINVAL;
		}
	}
	return 0;
}

static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	for (unsigned i = 0; i < bits; i++) {
		unsigned byte = i / 8, bit = 7 - i % 8;
		if (((a[byte] >> bit) & 1) != ((b[byte] >> bit) & 1))
			return false;
	}
	return true;
}

static void add_ep(struct topo *t, const struct topo_endpoint *e, struct netdev *dev)
{
	struct topo_ep *ep = &t->eps[t->n_eps++];
	memset(ep, 0, sizeof(*ep));
	snprintf(ep->name, sizeof(ep->name), "%s", e->name);
	snprintf(ep->display, sizeof(ep->display), "%s", e->display[0] ? e->display : e->name);
	ep->dev = dev;
	memcpy(ep->mac, dev->mac, 6);
	ep->addr = e->addr;
	memcpy(ep->ip4, e->addr.ip4, 4);
	memcpy(ep->ip6, e->addr.ip6, 16);
}

/* Endpoints in declaration order: adapters of partitions, then hosts. */
static void collect_eps(struct topo *t)
{
	for (unsigned i = 0; i < t->n_devs; i++) {
		const struct topo_dev *td = &t->devs[i];
		if (td->is_adapter && td->adapter->ep.present)
			add_ep(t, &td->adapter->ep, td->dev);
	}
	for (unsigned h = 0; h < t->desc->n_hosts; h++) {
		const struct topo_host *ho = &t->desc->hosts[h];
		if (!ho->ep.present)
			continue;
		struct topo_dev *td = topo_find_dev(t, t->desc->nics[ho->nic].name);
		if (td)
			add_ep(t, &ho->ep, td->dev);
	}
	for (unsigned c = 0; c < t->desc->n_containers; c++) {
		const struct topo_container *ct = &t->desc->containers[c];
		struct topo_dev *td = topo_find_dev(t, ct->name);
		if (ct->ep.present && td)
			add_ep(t, &ct->ep, td->dev);
	}
}

/* Built-in stacks on every endpoint, with static neighbours for every other
 * endpoint on the same subnet, so the first frame of a flow is its SYN. */
static int make_stacks(struct topo *t, char *err, size_t err_size)
{
	for (unsigned e = 0; e < t->n_eps; e++) {
		struct topo_ep *ep = &t->eps[e];
		struct stack_config sc;
		memset(&sc, 0, sizeof(sc));
		sc.has_ip4 = ep->addr.has_ip4;
		memcpy(sc.ip4, ep->ip4, 4);
		sc.prefix4 = ep->addr.prefix4;
		sc.has_ip6 = ep->addr.has_ip6;
		memcpy(sc.ip6, ep->ip6, 16);
		sc.prefix6 = ep->addr.prefix6;
		sc.no_arp = true;
		sc.seed = t->cfg.seed * 1000003u + (uint64_t)e;
		ep->stack = stack_create(t->loop, ep->name, ep->dev, &sc);
		if (!ep->stack) {
			errbuf_set(err, err_size, "cannot create the stack of endpoint %s", ep->name);
			return -ENOMEM;
		}
	}
	for (unsigned e = 0; e < t->n_eps; e++)
		for (unsigned o = 0; o < t->n_eps; o++) {
			const struct topo_ep *a = &t->eps[e], *b = &t->eps[o];
			if (o == e)
				continue;
			if (a->addr.has_ip4 && b->addr.has_ip4 &&
			    same_prefix(a->ip4, b->ip4, a->addr.prefix4))
				stack_add_neighbour(a->stack, 4, b->ip4, b->mac);
			if (a->addr.has_ip6 && b->addr.has_ip6 &&
			    same_prefix(a->ip6, b->ip6, a->addr.prefix6))
				stack_add_neighbour(a->stack, 6, b->ip6, b->mac);
		}
	return 0;
}

/* ---- Timed events ------------------------------------------------------------ */

static void set_part_up(struct topo *t, unsigned p, bool up)
{
	for (unsigned i = 0; i < t->n_devs; i++) {
		struct topo_dev *td = &t->devs[i];
		if (td->part != (int)p)
			continue;
		if (up)
			netdev_open(td->dev);
		else
			netdev_stop(td->dev);
	}
}

static void event_fire(struct ev_timer *tm)
{
	struct topo_event_rt *rt =
		(struct topo_event_rt *)((char *)tm - offsetof(struct topo_event_rt, timer));
	struct topo *t = rt->t;
	const struct topo_event *ev = rt->ev;
	t->n_events_fired++;
	struct topo_dev *td = topo_find_dev(t, ev->target);
	int p = topo_desc_find_part(t->desc, ev->target);
	switch (ev->kind) {
	case TOPO_EV_PARTITION_STOP:
	case TOPO_EV_PARTITION_START:
		if (p >= 0)
			set_part_up(t, (unsigned)p, ev->kind == TOPO_EV_PARTITION_START);
		break;
	case TOPO_EV_ADAPTER_FREE:
	case TOPO_EV_LINK_DOWN:
		if (td)
			netdev_stop(td->dev);
		break;
	case TOPO_EV_ADAPTER_OPEN:
	case TOPO_EV_LINK_UP:
		if (td)
			netdev_open(td->dev);
		break;
	case TOPO_EV_MTU:
		if (td)
			netdev_set_mtu(td->dev, ev->value);
		break;
	case TOPO_EV_OFFLOADS:
		if (td) {
			uint32_t want = td->dev->wanted_features;
			uint32_t csum = NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM;
			uint32_t tso = NETIF_F_TSO | NETIF_F_TSO6;
			want = ev->csum ? want | csum : want & ~csum;
			want = ev->large_send ? want | tso : want & ~tso;
			netdev_set_features(td->dev, want);
		}
		break;
	}
}

static int schedule_events(struct topo *t)
{
	if (!t->desc->n_events)
		return 0;
	t->events = calloc(t->desc->n_events, sizeof(*t->events));
	if (!t->events)
		return -ENOMEM;
	uint64_t now = ev_now(t->loop);
	for (unsigned i = 0; i < t->desc->n_events; i++) {
		struct topo_event_rt *rt = &t->events[i];
		rt->t = t;
		rt->ev = &t->desc->events[i];
		ev_timer_init(&rt->timer, event_fire);
		ev_timer_arm(t->loop, &rt->timer, now + rt->ev->at_ns);
	}
	return 0;
}

/* ---- Construction ------------------------------------------------------------ */

/* What a partition's adapters need (each the larger of the two drivers'
 * needs, so --driver can switch any adapter), plus slack. */
static size_t part_memory(const struct topo_partition *p)
{
	if (p->memory)
		return (size_t)p->memory;
	size_t per = ibmveth_lmem_needed();
	size_t kper = kibmveth_n_versions() ? kibmveth_lmem_needed() : 0;
	return (p->n_adapters ? p->n_adapters : 1) * (per > kper ? per : kper) + TOPO_MEM_SLACK;
}

static void find_seed_objects(struct topo *t)
{
	struct topo_dev *d;
	t->vm_a = (d = topo_find_dev(t, "vm-a")) ? d->dev : NULL;
	t->vm_b = (d = topo_find_dev(t, "vm-b")) ? d->dev : NULL;
	t->trunk_in = (d = topo_find_dev(t, "trunk-in")) ? d->dev : NULL;
	t->trunk_out = (d = topo_find_dev(t, "trunk-out")) ? d->dev : NULL;
	t->phys = (d = topo_find_dev(t, "phys")) ? d->dev : NULL;
	t->br = t->desc->n_bridges ? t->brs[0] : NULL;
}

static int build(struct topo *t, char *err, size_t err_size)
{
	struct topo_desc *d = t->desc;
	char loc[300];
	unsigned n_adapters = 0;
	for (unsigned p = 0; p < d->n_parts; p++)
		n_adapters += d->parts[p].n_adapters;
	t->parts = calloc(d->n_parts ? d->n_parts : 1, sizeof(*t->parts));
	/* devices: adapters, NICs, two veth ends per container, at most one
	 * switch port per NIC */
	t->devs = calloc(n_adapters + 2 * d->n_nics + 2 * d->n_containers + 1, sizeof(*t->devs));
	t->brs = calloc(d->n_bridges + d->n_switches + 1, sizeof(*t->brs));
	t->eps = calloc(n_adapters + d->n_hosts + d->n_containers + 1, sizeof(*t->eps));
	t->host_pools = calloc(d->n_hosts + 1, sizeof(*t->host_pools));
	t->nic_pools = calloc(d->n_nics + 1, sizeof(*t->nic_pools));
	t->part_pools = calloc(d->n_parts + 1, sizeof(*t->part_pools));
	t->switch_pools = calloc(d->n_switches + 1, sizeof(*t->switch_pools));
	t->loop = ev_loop_create(t->cfg.monotonic ? EV_CLOCK_MONOTONIC : EV_CLOCK_VIRTUAL);
	t->hv = hv_create();
	if (!t->parts || !t->devs || !t->brs || !t->eps || !t->host_pools || !t->nic_pools ||
	    !t->part_pools || !t->switch_pools || !t->loop || !t->hv) {
		errbuf_set(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned v = 0; v < d->n_vswitches; v++) {
		bool veb = t->cfg.veb || d->vswitches[v].mode == TOPO_VSW_VEB;
		if (hv_vswitch_set_mode(t->hv, v, veb ? HV_VSW_VEB : HV_VSW_VEPA)) {
			errbuf_set(err, err_size, "%svswitch %s refused",
				   where(t, &d->vswitches[v].src, loc, sizeof(loc)),
				   d->vswitches[v].name);
			return -EINVAL;
		}
	}
	for (unsigned p = 0; p < d->n_parts; p++) {
		t->parts[p] = hv_partition_create(t->hv, d->parts[p].name, part_memory(&d->parts[p]));
		if (!t->parts[p]) {
			errbuf_set(err, err_size, "%scannot create partition %s",
				   where(t, &d->parts[p].src, loc, sizeof(loc)), d->parts[p].name);
			return -ENOMEM;
		}
	}
	for (unsigned p = 0; p < d->n_parts; p++)
		for (unsigned i = 0; i < d->parts[p].n_adapters; i++) {
			int rc = make_adapter(t, p, i, err, err_size);
			if (rc)
				return rc;
		}
	/* Server NICs first (their pools are partition memory), then hosts'. */
	for (unsigned pass = 0; pass < 2; pass++)
		for (unsigned n = 0; n < d->n_nics; n++) {
			if (d->nics[n].in_host != (pass == 1))
				continue;
			if (pass == 1 && t->cfg.real)
				continue; /* real mode: the host is a namespace */
			if (pass == 1 && !t->host_pools[d->nics[n].owner]) {
				const struct topo_host *h = &d->hosts[d->nics[n].owner];
				t->host_pools[d->nics[n].owner] =
					pkt_pool_create(h->name, host_pool_classes, 3, NULL, 0);
				if (!t->host_pools[d->nics[n].owner]) {
					errbuf_set(err, err_size, "out of memory");
					return -ENOMEM;
				}
			}
			int rc = make_nic(t, n, err, err_size);
			if (rc)
				return rc;
		}
	for (unsigned c = 0; c < d->n_containers; c++) {
		int rc = make_container(t, c, err, err_size);
		if (rc)
			return rc;
	}
	for (unsigned b = 0; b < d->n_bridges; b++) {
		int rc = make_bridge(t, b, err, err_size);
		if (rc)
			return rc;
		t->n_brs++;
	}
	for (unsigned s = 0; s < d->n_switches; s++) {
		int rc = make_switch(t, s, err, err_size);
		if (rc)
			return rc;
	}
	/* Wires: each NIC to its peer NIC, once per pair. */
	for (unsigned n = 0; n < d->n_nics; n++) {
		const struct topo_nic *nic = &d->nics[n];
		int peer = nic->peer[0] ? topo_desc_find_nic(d, nic->peer) : -1; /* -1: a switch */
		if (peer < 0 || (unsigned)peer < n)
			continue;
		struct topo_dev *a = topo_find_dev(t, nic->name),
				*b = topo_find_dev(t, d->nics[peer].name);
		if (!a || !b)
			continue; /* real mode: the host's side is a namespace */
		if (physnic_link(a->dev, b->dev)) {
			errbuf_set(err, err_size, "%scannot wire %s to %s",
				   where(t, &nic->src, loc, sizeof(loc)), nic->name, nic->peer);
			return -EINVAL;
		}
	}
	find_seed_objects(t);
	collect_eps(t);
	if (!t->cfg.real) {
		int rc = make_stacks(t, err, err_size);
		if (rc)
			return rc;
	}
	return schedule_events(t);
}

/* topo_create: see topo.h. */
struct topo *topo_create(struct topo_desc *desc, const struct topo_config *cfg, char *err,
			 size_t err_size)
{
	if (!desc) {
		errbuf_set(err, err_size, "no topology");
		return NULL;
	}
	struct topo *t = calloc(1, sizeof(*t));
	if (!t) {
		topo_desc_free(desc);
		errbuf_set(err, err_size, "out of memory");
		return NULL;
	}
	t->desc = desc;
	if (cfg)
		t->cfg = *cfg;
	else
		topo_config_default(&t->cfg);
	if (!t->cfg.seed)
		t->cfg.seed = desc->seed ? desc->seed : 1;
	if (build(t, err, err_size)) {
		topo_destroy(t);
		return NULL;
	}
	return t;
}

/* topo_seed_create: see topo.h. */
struct topo *topo_seed_create(const struct topo_config *cfg, char *err, size_t err_size)
{
	struct topo_desc *d = topofile_load_seed(err, err_size);
	if (!d)
		return NULL;
	return topo_create(d, cfg, err, err_size);
}

/* topo_destroy: see topo.h. Order: events, endpoints, bridges, devices
 * (hosts' NICs and adapters last, as their pools go with them), hypervisor. */
uint64_t topo_destroy(struct topo *t)
{
	if (!t)
		return 0;
	if (t->events)
		for (unsigned i = 0; i < t->desc->n_events; i++)
			ev_timer_cancel(t->loop, &t->events[i].timer);
	for (unsigned e = 0; t->eps && e < t->n_eps; e++)
		stack_destroy(t->eps[e].stack);
	for (unsigned b = 0; t->brs && b < t->n_brs + 1; b++)
		if (t->brs[b])
			br_destroy(t->brs[b]);
	/* Everything else before adapters: a server NIC's or a veth's packets
	 * live in an adapter's pool. */
	for (unsigned i = t->n_devs; i-- > 0;)
		if (!t->devs[i].is_adapter)
			netdev_free(t->devs[i].dev);
	for (unsigned i = 0; i < t->n_devs; i++)
		if (t->devs[i].is_adapter)
			netdev_free(t->devs[i].dev);
	uint64_t leaked = pkt_outstanding_total();
	for (unsigned h = 0; t->host_pools && h < t->desc->n_hosts; h++)
		if (t->host_pools[h])
			pkt_pool_destroy(t->host_pools[h]);
	for (unsigned n = 0; t->nic_pools && n < t->desc->n_nics; n++)
		if (t->nic_pools[n])
			pkt_pool_destroy(t->nic_pools[n]);
	for (unsigned p = 0; t->part_pools && p < t->desc->n_parts; p++)
		if (t->part_pools[p])
			pkt_pool_destroy(t->part_pools[p]);
	for (unsigned s = 0; t->switch_pools && s < t->desc->n_switches; s++)
		if (t->switch_pools[s])
			pkt_pool_destroy(t->switch_pools[s]);
	if (t->hv)
		hv_destroy(t->hv);
	if (t->loop)
		ev_loop_destroy(t->loop);
	free(t->events);
	free(t->parts);
	free(t->devs);
	free(t->brs);
	free(t->eps);
	free(t->host_pools);
	free(t->nic_pools);
	free(t->part_pools);
	free(t->switch_pools);
	topo_desc_free(t->desc);
	free(t);
	return leaked;
}

/* topo_find_dev: see topo.h. */
struct topo_dev *topo_find_dev(struct topo *t, const char *name)
{
	for (unsigned i = 0; i < t->n_devs; i++)
		if (strcmp(t->devs[i].dev->name, name) == 0)
			return &t->devs[i];
	return NULL;
}

/* topo_find_ep: see topo.h. */
int topo_find_ep(const struct topo *t, const char *name)
{
	for (unsigned e = 0; e < t->n_eps; e++)
		if (strcmp(t->eps[e].name, name) == 0)
			return (int)e;
	return -1;
}

/* ---- Counters ---------------------------------------------------------------- */

struct counter_visit {
	topo_counter_fn *fn;
	void *arg;
	const char *obj;
};

static void visit_one(void *arg, const struct counter_desc *d, uint64_t v)
{
	struct counter_visit *cv = arg;
	cv->fn(cv->arg, cv->obj, d, v);
}

/* topo_for_each_counter: see topo.h. Order: devices, hypervisor adapters and
 * partitions, bridges, stacks. */
void topo_for_each_counter(struct topo *t, topo_counter_fn *fn, void *arg)
{
	struct counter_visit cv = {fn, arg, NULL};
	char obj[TOPO_NAME_MAX + 16];
	for (unsigned i = 0; i < t->n_devs; i++) {
		cv.obj = t->devs[i].dev->name;
		netdev_for_each_counter(t->devs[i].dev, visit_one, &cv);
	}
	for (unsigned i = 0; i < t->n_devs; i++) {
		const struct topo_dev *td = &t->devs[i];
		struct hv_adapter_stats st;
		if (!td->is_adapter || hv_adapter_get_stats(td->hvp, td->ua, &st))
			continue;
		snprintf(obj, sizeof(obj), "hv:%s", td->dev->name);
		cv.obj = obj;
		counter_set_visit(&hv_adapter_counters, &st, visit_one, &cv);
	}
	for (unsigned p = 0; p < t->desc->n_parts; p++) {
		struct hv_partition_stats st;
		hv_partition_get_stats(t->parts[p], &st);
		snprintf(obj, sizeof(obj), "hv-part:%s", t->desc->parts[p].name);
		cv.obj = obj;
		counter_set_visit(&hv_partition_counters, &st, visit_one, &cv);
	}
	for (unsigned b = 0; b < t->n_brs; b++) {
		cv.obj = br_name(t->brs[b]);
		br_for_each_counter(t->brs[b], visit_one, &cv);
	}
	for (unsigned e = 0; e < t->n_eps; e++) {
		if (!t->eps[e].stack)
			continue;
		cv.obj = stack_name(t->eps[e].stack);
		stack_for_each_counter(t->eps[e].stack, visit_one, &cv);
	}
}

struct counter_query {
	const char *obj, *name;
	uint64_t sum;
	bool found;
};

static void sum_one(void *arg, const char *obj, const struct counter_desc *d, uint64_t v)
{
	struct counter_query *q = arg;
	if (strcmp(d->name, q->name) == 0 && (!q->obj || strcmp(obj, q->obj) == 0)) {
		q->sum += v;
		q->found = true;
	}
}

/* topo_counter_sum_checked: see topo.h. */
int topo_counter_sum_checked(struct topo *t, const char *name, uint64_t *v)
{
	return topo_counter_checked(t, NULL, name, v);
}

/* topo_counter_checked: see topo.h. */
int topo_counter_checked(struct topo *t, const char *obj, const char *name, uint64_t *v)
{
	struct counter_query q = {obj, name, 0, false};
	topo_for_each_counter(t, sum_one, &q);
	*v = q.sum;
	return q.found ? 0 : -ENOENT;
}

static uint64_t counter_or_die(struct topo *t, const char *obj, const char *name)
{
	uint64_t v;
	if (topo_counter_checked(t, obj, name, &v)) {
		fprintf(stderr, "topo_counter: no counter %s%s%s\n", obj ? obj : "", obj ? "." : "",
			name);
		abort();
	}
	return v;
}

/* topo_counter_sum: see topo.h. */
uint64_t topo_counter_sum(struct topo *t, const char *name)
{
	return counter_or_die(t, NULL, name);
}

/* topo_counter: see topo.h. */
uint64_t topo_counter(struct topo *t, const char *obj, const char *name)
{
	return counter_or_die(t, obj, name);
}
