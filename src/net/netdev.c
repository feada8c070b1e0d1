/*
 * netdev.c — the network device core: allocation and a registry by name and
 * ifindex, feature updates (netdev_update_features), MTU/MAC/multicast
 * plumbing, named counters, the receive hook, and dev_queue_xmit with
 * validate_xmit_skb as Linux runs it (net/core/dev.c).
 *
 * Serves the devices (src/drv/...), the bridge and the stack. Offloads a device
 * did not advertise are settled here, at egress, so a driver never sees a
 * request it cannot honour (the Open vSwitch netdev_send lesson).
 */
#include "net/netdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev/prof.h"
#include "pkt/gso.h"
#include "pkt/hdr.h"

/* netdev's own profiler section: validate_xmit's software GSO and checksums. */
static struct prof_section netdev_validate_prof = PROF_SECTION_INIT("validate_xmit");

/* ---- Registry ---------------------------------------------------------------
 * A plain list: a process holds a handful of devices. */
struct netdev_reg {
	struct netdev *dev;
	struct netdev_reg *next;
};
static struct netdev_reg *netdev_registry;
static int netdev_next_ifindex = 1;

static bool netdev_unregister(struct netdev *dev)
{
	for (struct netdev_reg **r = &netdev_registry; *r; r = &(*r)->next) {
		if ((*r)->dev == dev) {
			struct netdev_reg *gone = *r;
			*r = gone->next;
			free(gone);
			return true;
		}
	}
	return false;
}

/* netdev_by_name: see netdev.h. */
struct netdev *netdev_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (struct netdev_reg *r = netdev_registry; r; r = r->next)
		if (strcmp(r->dev->name, name) == 0)
			return r->dev;
	return NULL;
}

/* netdev_by_index: see netdev.h. */
struct netdev *netdev_by_index(int ifindex)
{
	for (struct netdev_reg *r = netdev_registry; r; r = r->next)
		if (r->dev->ifindex == ifindex)
			return r->dev;
	return NULL;
}

/* ---- Life cycle -------------------------------------------------------------- */

/* netdev_alloc: see netdev.h. */
struct netdev *netdev_alloc(const char *name, size_t priv_size)
{
	size_t head = (sizeof(struct netdev) + _Alignof(max_align_t) - 1) &
		      ~(_Alignof(max_align_t) - 1);
	struct netdev *dev = calloc(1, head + priv_size);
	if (!dev)
		return NULL;
	snprintf(dev->name, sizeof(dev->name), "%s", name ? name : "");
	dev->mtu = 1500;
	dev->min_mtu = 68;
	dev->max_mtu = 65535;
	dev->priv = priv_size ? (uint8_t *)dev + head : NULL;
	return dev;
}

/* netdev_register: see netdev.h. */
int netdev_register(struct netdev *dev)
{
	if (!dev || !dev->name[0])
		return -EINVAL;
	if (dev->ifindex || netdev_by_name(dev->name))
		return -EEXIST;
	struct netdev_reg *r = malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->dev = dev;
	r->next = netdev_registry;
	netdev_registry = r;
	dev->ifindex = netdev_next_ifindex++;
	/* register_netdevice: software offloads on, wanted = features, update. */
	dev->hw_features |= NETIF_F_SOFT_FEATURES;
	dev->features |= NETIF_F_SOFT_FEATURES;
	netdev_set_features(dev, dev->features);
	return 0;
}

/* netdev_free: see netdev.h. */
void netdev_free(struct netdev *dev)
{
	if (!dev)
		return;
	if (dev->up)
		netdev_stop(dev);
	netdev_unregister(dev);
	if (dev->ops && dev->ops->destroy)
		dev->ops->destroy(dev);
	free(dev);
}

static void netdev_rx_mode_changed(struct netdev *dev);

/* netdev_open: see netdev.h. */
int netdev_open(struct netdev *dev)
{
	if (dev->up)
		return 0;
	if (dev->ops && dev->ops->open) {
		int rc = dev->ops->open(dev);
		if (rc)
			return rc;
	}
	dev->up = true;
	/* __dev_open programs the receive filters once the device is open. */
	netdev_rx_mode_changed(dev);
	return 0;
}

/* netdev_stop: see netdev.h. */
int netdev_stop(struct netdev *dev)
{
	if (!dev->up)
		return 0;
	dev->up = false;
	if (dev->ops && dev->ops->stop)
		return dev->ops->stop(dev);
	return 0;
}

/* ---- Configuration ----------------------------------------------------------- */

/* netdev_fix_features' rules that matter for the features we model. */
static uint32_t netdev_fix_features(uint32_t f)
{
	if (!(f & NETIF_F_SG))
		f &= ~NETIF_F_GSO_MASK;
	if ((f & NETIF_F_TSO) && !(f & (NETIF_F_HW_CSUM | NETIF_F_IP_CSUM)))
		f &= ~(NETIF_F_TSO | NETIF_F_TSO_ECN | NETIF_F_TSO_MANGLEID);
	if ((f & NETIF_F_TSO6) && !(f & (NETIF_F_HW_CSUM | NETIF_F_IPV6_CSUM)))
		f &= ~NETIF_F_TSO6;
	/* TSO_ECN and TSO_MANGLEID are modifiers of TSO (Linux drops them
	 * when no TSO is left). */
	if (!(f & NETIF_F_TSO_MASK))
		f &= ~(NETIF_F_TSO_ECN | NETIF_F_TSO_MANGLEID);
	return f;
}

/* netdev_set_features: see netdev.h. */
int netdev_set_features(struct netdev *dev, uint32_t wanted)
{
	dev->wanted_features = wanted & dev->hw_features;
	uint32_t f = (dev->features & ~dev->hw_features) | dev->wanted_features;
	if (dev->ops && dev->ops->fix_features)
		f = dev->ops->fix_features(dev, f);
	f = netdev_fix_features(f);
	if (f == dev->features)
		return 0;
	if (dev->ops && dev->ops->set_features) {
		int rc = dev->ops->set_features(dev, f);
		if (rc)
			return rc; /* dev->features: what the driver left */
	}
	dev->features = f;
	return 0;
}

/* netdev_set_mtu: see netdev.h. */
int netdev_set_mtu(struct netdev *dev, unsigned mtu)
{
	if (mtu < dev->min_mtu || mtu > dev->max_mtu)
		return -EINVAL;
	if (mtu == dev->mtu)
		return 0;
	if (dev->ops && dev->ops->change_mtu)
		return dev->ops->change_mtu(dev, mtu);
	dev->mtu = mtu;
	return 0;
}

/* netdev_set_mac: see netdev.h. */
int netdev_set_mac(struct netdev *dev, const uint8_t mac[6])
{
	if (dev->ops && dev->ops->set_mac_address)
		return dev->ops->set_mac_address(dev, mac);
	memcpy(dev->mac, mac, 6);
	return 0;
}

static void netdev_rx_mode_changed(struct netdev *dev)
{
	if (dev->ops && dev->ops->set_rx_mode)
		dev->ops->set_rx_mode(dev);
}

/* netdev_mc_add: see netdev.h. */
int netdev_mc_add(struct netdev *dev, const uint8_t mac[6])
{
	if (!(mac[0] & 1))
		return -EINVAL;
	for (unsigned i = 0; i < dev->n_mc; i++)
		if (memcmp(dev->mc_list[i], mac, 6) == 0)
			return 0;
	if (dev->n_mc >= NETDEV_MAX_MC)
		return -ENOSPC;
	memcpy(dev->mc_list[dev->n_mc++], mac, 6);
	netdev_rx_mode_changed(dev);
	return 0;
}

/* netdev_set_promisc: see netdev.h. */
void netdev_set_promisc(struct netdev *dev, bool on)
{
	if (dev->promisc == on)
		return;
	dev->promisc = on;
	netdev_rx_mode_changed(dev);
}

/* ---- Counters ----------------------------------------------------------------- */

COUNTER_SET_DEFINE(netdev_counters, "netdev", struct netdev_stats, NETDEV_COUNTERS);

/* The counter named name among dev's standard and registered ones; *base
 * receives the struct it lives in. NULL if none. */
static const struct counter_desc *netdev_find_counter(const struct netdev *dev, const char *name,
						      const void **base)
{
	const struct counter_desc *d = counter_set_find(&netdev_counters, name);
	if (d) {
		*base = &dev->stats;
		return d;
	}
	for (unsigned i = 0; i < dev->n_counter_sets; i++) {
		d = counter_set_find(dev->counter_sets[i].set, name);
		if (d) {
			*base = dev->counter_sets[i].base;
			return d;
		}
	}
	return NULL;
}

/* netdev_add_counter_set: see netdev.h. */
int netdev_add_counter_set(struct netdev *dev, const struct counter_set *set, void *base)
{
	if (!dev || !set || !base)
		return -EINVAL;
	for (size_t i = 0; i < set->n; i++) {
		const void *other;
		if (netdev_find_counter(dev, set->descs[i].name, &other))
			return -EEXIST;
	}
	if (dev->n_counter_sets >= NETDEV_MAX_COUNTER_SETS)
		return -ENOSPC;
	dev->counter_sets[dev->n_counter_sets++] = (struct netdev_counter_set){set, base};
	return 0;
}

/* netdev_get_counter: see netdev.h. */
bool netdev_get_counter(const struct netdev *dev, const char *name, uint64_t *value)
{
	const void *base;
	const struct counter_desc *d = netdev_find_counter(dev, name, &base);
	if (!d)
		return false;
	*value = counter_get(base, d);
	return true;
}

/* netdev_for_each_counter: see netdev.h. */
void netdev_for_each_counter(const struct netdev *dev, counter_visit_fn *fn, void *arg)
{
	counter_set_visit(&netdev_counters, &dev->stats, fn, arg);
	for (unsigned i = 0; i < dev->n_counter_sets; i++)
		counter_set_visit(dev->counter_sets[i].set, dev->counter_sets[i].base, fn, arg);
}

/* ---- Receive ----------------------------------------------------------------- */

/* netdev_set_rx_handler: see netdev.h. */
void netdev_set_rx_handler(struct netdev *dev,
			   void (*fn)(void *arg, struct netdev *dev, struct pkt *p), void *arg)
{
	dev->rx_handler = fn;
	dev->rx_handler_arg = arg;
	dev->rx_handler_prof = NULL;
}

/* netdev_set_rx_prof: see netdev.h. */
void netdev_set_rx_prof(struct netdev *dev, struct prof_section *section)
{
	dev->rx_handler_prof = section;
}

/* netdev_receive: see netdev.h. */
void netdev_receive(struct netdev *dev, struct pkt *p)
{
	p->dev = dev;
	p->iif = dev->ifindex;
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += p->len;
	pkt_trace(p, "netdev_receive");
	uint32_t len = p->len;
	prof_add_bytes(len);
	if (!dev->rx_handler) {
		dev->stats.rx_dropped++;
		pkt_free(p);
		return;
	}
	struct prof_section *prof = dev->rx_handler_prof;
	prof_enter(prof);
	dev->rx_handler(dev->rx_handler_arg, dev, p);
	prof_exit(prof, len);
}

/* ---- Transmit ---------------------------------------------------------------- */

/* netdev_pkt_protocol: see netdev.h. */
uint16_t netdev_pkt_protocol(const struct pkt *p, bool *tagged)
{
	uint8_t b[2];
	uint32_t off = offsetof(struct hdr_eth, h_proto);
	bool tag = p->vlan_present;
	for (;;) {
		if (pkt_copy_bits(p, off, b, 2) != 0) {
			if (tagged)
				*tagged = tag;
			return 0;
		}
		uint16_t type = hdr_get16(b);
		if (type != ETH_P_8021Q && type != ETH_P_8021AD) {
			if (tagged)
				*tagged = tag;
			return type;
		}
		tag = true;
		off += VLAN_HLEN;
	}
}

/* can_checksum_protocol: may the device checksum this network protocol? */
static bool netdev_can_checksum_protocol(uint32_t features, uint16_t protocol)
{
	if (features & NETIF_F_HW_CSUM)
		return true;
	if (protocol == ETH_P_IP)
		return features & NETIF_F_IP_CSUM;
	if (protocol == ETH_P_IPV6)
		return features & NETIF_F_IPV6_CSUM;
	return false;
}

/* __vlan_hwaccel_push_inside: move an out-of-band tag into the frame. Header
 * offsets are head-relative, so only the MAC header moves. */
static int netdev_push_vlan_inside(struct pkt *p)
{
	if (pkt_headlen(p) < 2 * ETH_ALEN || !pkt_push(p, VLAN_HLEN))
		return -ENOMEM;
	uint8_t *d = pkt_data(p);
	memmove(d, d + VLAN_HLEN, 2 * ETH_ALEN);
	hdr_put16(d + 2 * ETH_ALEN, ETH_P_8021Q); /* TPID, then TCI */
	hdr_put16(d + 2 * ETH_ALEN + 2, p->vlan_tci);
	if (p->mac_header != PKT_HDR_UNSET)
		p->mac_header = p->data;
	p->vlan_present = false;
	p->vlan_tci = 0;
	return 0;
}

/* netif_skb_features + harmonize_features for p on dev. */
static uint32_t netdev_skb_features(const struct netdev *dev, const struct pkt *p,
				    uint16_t protocol, bool tagged)
{
	uint32_t f = dev->features;
	if (pkt_is_gso(p) && (p->gso_type & PKT_GSO_TCPV4)) {
		/* gso_features_check: no ID mangling unless DF is set. */
		uint8_t fo[2];
		uint32_t nh = p->network_header;
		if (nh == PKT_HDR_UNSET || nh < p->data ||
		    pkt_copy_bits(p, nh - p->data + offsetof(struct hdr_ip, frag_off), fo, 2) != 0 ||
		    !(hdr_get16(fo) & IP_DF))
			f &= ~NETIF_F_TSO_MANGLEID;
	}
	if (tagged)
		f &= dev->vlan_features;
	if (p->ip_summed != CHECKSUM_NONE && !netdev_can_checksum_protocol(f, protocol))
		f &= ~(NETIF_F_CSUM_MASK | NETIF_F_GSO_MASK);
	return f;
}

/* skb_gso_ok: can the device take this GSO packet whole? */
static bool netdev_gso_ok(const struct pkt *p, uint32_t f)
{
	uint32_t need = 0;
	if (p->gso_type & PKT_GSO_TCPV4)
		need |= NETIF_F_TSO;
	if (p->gso_type & PKT_GSO_TCPV6)
		need |= NETIF_F_TSO6;
	if (p->gso_type & PKT_GSO_TCP_ECN)
		need |= NETIF_F_TSO_ECN;
	if (p->gso_type & PKT_GSO_TCP_FIXEDID)
		need |= NETIF_F_TSO_MANGLEID;
	if (!need || (f & need) != need)
		return false;
	return !pkt_has_frag_list(p) || (f & NETIF_F_FRAGLIST);
}

/* skb_csum_hwoffload_help: 0 if the device checksums p, else checksum it. */
static int netdev_csum_hwoffload_help(struct netdev *dev, struct pkt *p, uint32_t f, uint16_t protocol)
{
	if (f & NETIF_F_HW_CSUM)
		return 0;
	if (f & (NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM)) {
		bool ext = protocol == ETH_P_IPV6 && p->network_header != PKT_HDR_UNSET &&
			   p->transport_header != PKT_HDR_UNSET &&
			   p->transport_header - p->network_header != IPV6_HLEN;
		if (!ext && (p->csum_offset == TCP_CSUM_OFFSET || p->csum_offset == UDP_CSUM_OFFSET))
			return 0;
	}
	int rc = pkt_checksum_help(p);
	if (rc == 0) {
		dev->stats.sw_checksums++;
		pkt_trace(p, "validate_xmit:checksum_help");
	}
	return rc;
}

/* netdev_validate_xmit: see netdev.h. */
struct pkt *netdev_validate_xmit(struct netdev *dev, struct pkt *p)
{
	if (p->vlan_present && netdev_push_vlan_inside(p) != 0)
		goto drop;
	bool tagged;
	uint16_t protocol = netdev_pkt_protocol(p, &tagged);
	uint32_t f = netdev_skb_features(dev, p, protocol, tagged);

	if (pkt_is_gso(p) && (!netdev_gso_ok(p, f) || (p->ip_summed != CHECKSUM_PARTIAL &&
						       p->ip_summed != CHECKSUM_UNNECESSARY))) {
		int err = 0;
		struct pkt *segs = gso_segment(p, netdev_can_checksum_protocol(f, protocol), &err);
		if (!segs)
			goto drop;
		unsigned n = 0;
		for (struct pkt *s = segs; s; s = s->next) {
			s->dev = dev;
			n++;
		}
		dev->stats.sw_gso_packets++;
		dev->stats.sw_gso_segments += n;
		pkt_free(p);
		return segs;
	}

	/* skb_needs_linearize: a frag_list the device cannot take, or page
	 * fragments (the head's, skb_shinfo()->nr_frags) without NETIF_F_SG. */
	if ((pkt_has_frag_list(p) && !(f & NETIF_F_FRAGLIST)) || (p->nr_frags && !(f & NETIF_F_SG))) {
		if (pkt_linearize(p) != 0)
			goto drop;
		dev->stats.linearized++;
	}
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		p->transport_header = p->csum_start;
		if (netdev_csum_hwoffload_help(dev, p, f, protocol) != 0)
			goto drop;
	}
	p->next = NULL;
	return p;

drop:
	dev->stats.xmit_errors++;
	dev->stats.tx_dropped++;
	pkt_free(p);
	return NULL;
}

/* dev_queue_xmit: see netdev.h. */
int dev_queue_xmit(struct netdev *dev, struct pkt *p)
{
	p->next = NULL;
	p->dev = dev;
	if (!dev->up || !dev->ops || !dev->ops->start_xmit) {
		dev->stats.tx_dropped++;
		pkt_free(p);
		return -ENETDOWN;
	}
	pkt_trace(p, "dev_queue_xmit");
	uint32_t len = p->len;
	prof_enter(&netdev_validate_prof);
	struct pkt *list = netdev_validate_xmit(dev, p);
	prof_exit(&netdev_validate_prof, len);
	if (!list)
		return -EINVAL;
	struct prof_section *prof = dev->ops->tx_prof;
	while (list) {
		struct pkt *s = list;
		list = s->next;
		s->next = NULL;
		uint32_t slen = s->len;
		prof_enter(prof);
		dev->ops->start_xmit(dev, s); /* takes s: NETDEV_TX_OK, see netdev.h */
		prof_exit(prof, slen);
	}
	return 0;
}
