/*
 * kc_net.c — a driver's struct net_device beside an illan struct netdev:
 * allocation and registration, the illan netdev ops that call the driver's
 * net_device_ops (each through kc_call), features both ways, NAPI on the
 * event loop, packets handed up, statistics and ethtool.
 *
 * Serves the driver (through the kernel-API headers), kc_vio.c (probe and
 * remove) and, through struct netdev, everything above a device: the
 * bridge, the stack, dev_queue_xmit.
 *
 * What the kernel's core does around a driver call is done here, where it
 * matters to the driver: __dev_open validates the address and sets
 * __LINK_STATE_START before ndo_open and IFF_UP after; __dev_close clears
 * them before ndo_stop; __netdev_update_features assigns the features only
 * when ndo_set_features succeeds; validate_xmit_skb runs ndo_features_check
 * per packet and does in software what it takes away; net_rx_action polls
 * again while a poll uses its whole budget.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev/prof.h"
#include "kcompat/kc_int.h"
#include "pkt/hdr.h"

/* The driver's transmit (charged by dev_queue_xmit) and its NAPI poll. */
static struct prof_section kc_tx_prof = PROF_SECTION_INIT("kernel driver tx");
static struct prof_section kc_rx_prof = PROF_SECTION_INIT("kernel driver rx");

struct kc_napi {
	struct ev_task task;
	struct napi_struct *napi;
	struct kc_dev *kd;
	struct kc_napi *next;
};

static struct kc_dev *kc_nd(const struct netdev *nd)
{
	return *(struct kc_dev *const *)nd->priv;
}

/* kc_dev_of: see kcompat.h. */
struct kc_dev *kc_dev_of(const struct netdev *dev)
{
	return dev && dev->ops == &kc_netdev_ops ? kc_nd(dev) : NULL;
}

/* ---- Features ------------------------------------------------------------------- */

static const struct {
	uint64_t k;
	uint32_t i;
} kc_feature_map[] = {
	{KC_NETIF_F_SG, NETIF_F_SG},
	{KC_NETIF_F_IP_CSUM, NETIF_F_IP_CSUM},
	{KC_NETIF_F_IPV6_CSUM, NETIF_F_IPV6_CSUM},
	{KC_NETIF_F_HW_CSUM, NETIF_F_HW_CSUM},
	{KC_NETIF_F_RXCSUM, NETIF_F_RXCSUM},
	{KC_NETIF_F_TSO, NETIF_F_TSO},
	{KC_NETIF_F_TSO6, NETIF_F_TSO6},
	{KC_NETIF_F_FRAGLIST, NETIF_F_FRAGLIST},
	{KC_NETIF_F_GSO, NETIF_F_GSO},
	{KC_NETIF_F_GRO, NETIF_F_GRO},
	{KC_NETIF_F_TSO_ECN, NETIF_F_TSO_ECN},
	{KC_NETIF_F_TSO_MANGLEID, NETIF_F_TSO_MANGLEID},
};
#define KC_N_FEATURES (sizeof(kc_feature_map) / sizeof(kc_feature_map[0]))

static uint32_t kc_features_to_illan(netdev_features_t k)
{
	uint32_t f = 0;
	for (size_t i = 0; i < KC_N_FEATURES; i++)
		if (k & kc_feature_map[i].k)
			f |= kc_feature_map[i].i;
	return f;
}

/* illan's features f as kernel bits; bits illan does not model are kept
 * from keep (the device's current kernel features). */
static netdev_features_t kc_features_to_kernel(uint32_t f, netdev_features_t keep)
{
	netdev_features_t k = keep;
	for (size_t i = 0; i < KC_N_FEATURES; i++) {
		k &= ~kc_feature_map[i].k;
		if (f & kc_feature_map[i].i)
			k |= kc_feature_map[i].k;
	}
	return k;
}

/* ---- Statistics ------------------------------------------------------------------ */

/* kc_net_sync: see kc_int.h. The kernel's tx counters and drop/error
 * counters are added to the netdev's as they grow (rx_packets and rx_bytes
 * are counted by netdev_receive already). */
void kc_net_sync(struct kc_dev *kd)
{
	struct net_device *dev = kd->kdev;
	struct netdev *nd = kd->ndev;
	if (!dev || !nd)
		return;
	struct net_device_stats *k = &dev->stats, *seen = &kd->kstats_seen;
#define KC_SYNC(f)                                         \
	do {                                               \
		nd->stats.f += (uint64_t)(k->f - seen->f); \
		seen->f = k->f;                            \
	} while (0)
	KC_SYNC(tx_packets);
	KC_SYNC(tx_bytes);
	KC_SYNC(tx_dropped);
	KC_SYNC(tx_errors);
	KC_SYNC(rx_dropped);
	KC_SYNC(rx_errors);
#undef KC_SYNC
	if (kd->n_estats && dev->ethtool_ops && dev->ethtool_ops->get_ethtool_stats) {
		struct ethtool_stats es = {.n_stats = kd->n_estats};
		dev->ethtool_ops->get_ethtool_stats(dev, &es, (u64 *)kd->estats);
	}
}

/* ethtool -S names become netdev counters; then the layer's own. */
static void kc_net_counters(struct kc_dev *kd)
{
	struct net_device *dev = kd->kdev;
	const struct ethtool_ops *eo = dev->ethtool_ops;
	if (eo && eo->get_sset_count && eo->get_strings && eo->get_ethtool_stats) {
		int n = eo->get_sset_count(dev, KC_ETH_SS_STATS);
		if (n > KC_MAX_ESTATS) {
			kc_log(kd, KC_LOG_WARNING, "%s: %d ethtool stats, %d shown", kd->name, n,
			       KC_MAX_ESTATS);
			n = 0;
		}
		if (n > 0) {
			eo->get_strings(dev, KC_ETH_SS_STATS, (u8 *)kd->estat_names);
			kd->n_estats = (unsigned)n;
			/* the driver names them at run time: a counter set built
			 * here, over kd->estats (not in the static registry) */
			for (unsigned i = 0; i < kd->n_estats; i++) {
				kd->estat_names[i][KC_ETH_GSTRING_LEN - 1] = '\0';
				kd->estat_descs[i] = (struct counter_desc){
					kd->estat_names[i], i * sizeof(kd->estats[0]), NULL, 0};
			}
			kd->estat_set =
				(struct counter_set){"ethtool", kd->estat_descs, kd->n_estats};
			if (netdev_add_counter_set(kd->ndev, &kd->estat_set, kd->estats))
				kc_log(kd, KC_LOG_WARNING,
				       "%s: ethtool stats clash with a counter name", kd->name);
		}
	}
	if (netdev_add_counter_set(kd->ndev, &kc_dev_counters, &kd->st))
		kc_log(kd, KC_LOG_WARNING, "%s: the layer's counters clash with a counter name",
		       kd->name);
	if (netdev_add_counter_set(kd->ndev, &gro_counters, &kd->gro.stats))
		kc_log(kd, KC_LOG_WARNING, "%s: GRO's counters clash with a counter name", kd->name);
}

/* What GRO releases goes up, from host code. */
static void kc_gro_deliver(void *arg, struct pkt *p)
{
	struct kc_dev *kd = arg;
	netdev_receive(kd->ndev, p);
}

/* ---- net_device lifecycle ----------------------------------------------------------- */

struct net_device *alloc_etherdev_mqs(int sizeof_priv, unsigned int txqs, unsigned int rxqs)
{
	struct kc_dev *kd = kc_cur();
	if (sizeof_priv < 0 || txqs < 1 || txqs > KC_MAX_TX_QUEUES || rxqs < 1)
		return NULL;
	size_t off = (sizeof(struct net_device) + 63) & ~(size_t)63;
	struct net_device *dev = calloc(1, off + (size_t)sizeof_priv);
	if (!dev) {
		if (kd)
			kd->st.alloc_failures++;
		return NULL;
	}
	dev->kc_priv_off = off;
	dev->kc = kd;
	snprintf(dev->name, sizeof(dev->name), "%.*s", KC_IFNAMSIZ - 1, kd ? kd->name : "eth%d");
	/* ether_setup */
	dev->type = 1; /* ARPHRD_ETHER */
	dev->hard_header_len = ETH_HLEN;
	dev->mtu = 1500;
	dev->min_mtu = 68;
	dev->max_mtu = 1500;
	dev->addr_len = ETH_ALEN;
	dev->flags = KC_IFF_BROADCAST | KC_IFF_MULTICAST;
	memset(dev->broadcast, 0xff, ETH_ALEN);
	dev->dev_addr = dev->kc_dev_addr;
	dev->num_tx_queues = dev->real_num_tx_queues = txqs;
	dev->num_rx_queues = dev->real_num_rx_queues = rxqs;
	dev->state = KC_LINK_STATE_PRESENT;
	if (kd && !kd->kdev)
		kd->kdev = dev;
	return dev;
}

/* free_netdev: the kernel's: its NAPI tasks cancelled and freed. */
void free_netdev(struct net_device *dev)
{
	if (!dev)
		return;
	struct kc_dev *kd = dev->kc;
	if (kd) {
		for (struct kc_napi *kn = kd->napis; kn; kn = kn->next)
			if (kn->napi->dev == dev)
				ev_task_cancel(kd->loop, &kn->task);
		if (kd->kdev == dev) {
			kc_net_napi_fini(kd);
			kd->kdev = NULL;
		}
	}
	free(dev);
}

/* kc_net_register: see kc_int.h. */
int kc_net_register(struct kc_dev *kd)
{
	struct net_device *dev = kd->kdev;
	struct netdev *nd = netdev_alloc(kd->name, sizeof(struct kc_dev *));
	if (!nd)
		return -ENOMEM;
	*(struct kc_dev **)nd->priv = kd;
	nd->ops = &kc_netdev_ops;
	nd->pool = kd->pool;
	nd->mtu = dev->mtu;
	nd->min_mtu = dev->min_mtu;
	nd->max_mtu = dev->max_mtu;
	memcpy(nd->mac, dev->dev_addr, 6);
	nd->hw_features = kc_features_to_illan(dev->hw_features);
	nd->features = kc_features_to_illan(dev->features);
	nd->vlan_features = kc_features_to_illan(dev->vlan_features);
	kd->ndev = nd;
	gro_init(&kd->gro, kc_gro_deliver, kd);
	kc_net_counters(kd);
	/* register_netdevice: software features on, one feature update, which
	 * runs the driver's ndo_fix_features and ndo_set_features */
	dev->hw_features |= KC_NETIF_F_GSO | KC_NETIF_F_GRO;
	int rc = netdev_register(nd);
	if (rc) {
		kd->ndev = NULL;
		nd->ops = NULL;
		netdev_free(nd);
		return rc;
	}
	kd->registered = true;
	return 0;
}

/* register_netdev: the kernel's: the illan netdev is made and registered (kc_net_register). */
int register_netdev(struct net_device *dev)
{
	struct kc_dev *kd = dev->kc;
	if (!kd || kd->kdev != dev || kd->registered) {
		kc_log(kd, KC_LOG_ERR, "register_netdev: %s is not this instance's device",
		       dev->name);
		return -EINVAL;
	}
	int rc = kc_net_register(kd);
	if (rc)
		kc_log(kd, KC_LOG_ERR, "register_netdev %s: %d", kd->name, rc);
	return rc;
}

/* The illan netdev is already stopped and unregistered when remove runs
 * (netdev_free); what is left is the kernel side: a device still running
 * is closed, as unregister_netdevice closes it. */
void unregister_netdev(struct net_device *dev)
{
	struct kc_dev *kd = dev->kc;
	if ((dev->state & KC_LINK_STATE_START) && dev->netdev_ops->ndo_stop) {
		dev->state &= ~KC_LINK_STATE_START;
		dev->netdev_ops->ndo_stop(dev);
		dev->flags &= ~KC_IFF_UP;
	}
	if (kd)
		kd->registered = false;
}

/* netif_set_real_num_tx_queues: the kernel's: 1..num_tx_queues. */
int netif_set_real_num_tx_queues(struct net_device *dev, unsigned int txq)
{
	if (txq < 1 || txq > dev->num_tx_queues)
		return -EINVAL;
	dev->real_num_tx_queues = txq;
	return 0;
}

/* ---- NAPI ---------------------------------------------------------------------------- */

/* One poll, as net_rx_action runs it: while the driver uses its whole budget
 * and stays scheduled, it is polled again (after what else is queued). */
static long kc_do_napi(struct kc_dev *kd, void *arg)
{
	struct napi_struct *n = arg;
	(void)kd;
	if (!(n->state & KC_NAPI_SCHED))
		return 0;
	gro_set_time(&kd->gro, ev_now(kd->loop));
	int work = n->poll(n, n->weight);
	if (work > n->weight)
		kc_log(kd, KC_LOG_WARNING, "NAPI poll returned %d, more than its budget %d", work,
		       n->weight);
	if (work >= n->weight && kd->ndev) {
		/* budget used: net_rx_action flushes GRO (HZ < 1000) */
		kc_host_enter();
		gro_flush(&kd->gro);
		kc_host_exit();
	}
	if (work >= n->weight && (n->state & KC_NAPI_SCHED) && n->kc_host) {
		struct kc_napi *kn = n->kc_host;
		ev_task_schedule(kn->kd->loop, &kn->task);
	}
	return 0;
}

static void kc_napi_task(struct ev_task *t)
{
	struct kc_napi *kn = (struct kc_napi *)((char *)t - offsetof(struct kc_napi, task));
	kc_call(kn->kd, kc_do_napi, kn->napi, 0);
}

/* netif_napi_add_weight: the kernel's: an event-loop task behind the napi_struct, SCHED
 * held until napi_enable. */
void netif_napi_add_weight(struct net_device *dev, struct napi_struct *napi,
			   int (*poll)(struct napi_struct *, int), int weight)
{
	struct kc_dev *kd = dev->kc;
	napi->dev = dev;
	napi->poll = poll;
	napi->weight = weight;
	napi->state = KC_NAPI_SCHED; /* held until napi_enable, as the kernel leaves it */
	napi->kc_host = NULL;
	if (!kd)
		return;
	struct kc_napi *kn = calloc(1, sizeof(*kn));
	if (!kn) {
		kd->st.alloc_failures++;
		kc_log(kd, KC_LOG_ERR, "netif_napi_add: out of memory (the poll will never run)");
		return;
	}
	kn->napi = napi;
	kn->kd = kd;
	ev_task_init(&kn->task, kc_napi_task);
	ev_task_set_prof(&kn->task, &kc_rx_prof);
	kn->next = kd->napis;
	kd->napis = kn;
	napi->kc_host = kn;
}

/* netif_napi_del: the kernel's. */
void netif_napi_del(struct napi_struct *napi)
{
	struct kc_napi *kn = napi->kc_host;
	if (!kn)
		return;
	struct kc_dev *kd = kn->kd;
	ev_task_cancel(kd->loop, &kn->task);
	for (struct kc_napi **pp = &kd->napis; *pp; pp = &(*pp)->next)
		if (*pp == kn) {
			*pp = kn->next;
			break;
		}
	free(kn);
	napi->kc_host = NULL;
}

/* kc_net_napi_fini: see kc_int.h. */
void kc_net_napi_fini(struct kc_dev *kd)
{
	while (kd->napis) {
		struct kc_napi *kn = kd->napis;
		kd->napis = kn->next;
		ev_task_cancel(kd->loop, &kn->task);
		kn->napi->kc_host = NULL;
		free(kn);
	}
}

/* napi_schedule_prep: the kernel's: false while disabled, or already scheduled (MISSED
 * is noted then). */
bool napi_schedule_prep(struct napi_struct *n)
{
	if (n->state & KC_NAPI_DISABLE)
		return false;
	if (n->state & KC_NAPI_SCHED) {
		n->state |= KC_NAPI_MISSED; /* the poll running now must look again */
		return false;
	}
	n->state |= KC_NAPI_SCHED;
	return true;
}

/* __napi_schedule: the kernel's: the poll is queued on the event loop. */
void __napi_schedule(struct napi_struct *n)
{
	struct kc_napi *kn = n->kc_host;
	if (kn)
		ev_task_schedule(kn->kd->loop, &kn->task);
}

/* napi_complete_done: the kernel's: a poll MISSED while running is queued again and
 * false returned. */
bool napi_complete_done(struct napi_struct *n, int work_done)
{
	struct kc_dev *kd = n->dev ? n->dev->kc : NULL;
	if (kd && kd->ndev) {
		/* GRO flushes (the device keeps gro_flush_timeout 0) */
		kc_host_enter();
		gro_napi_complete(&kd->gro, work_done > 0 ? (unsigned)work_done : 0, NULL);
		kc_host_exit();
	}
	if (n->state & KC_NAPI_MISSED) {
		n->state &= ~KC_NAPI_MISSED;
		__napi_schedule(n);
		return false;
	}
	n->state &= ~KC_NAPI_SCHED;
	return true;
}

/* napi_enable releases the SCHED that netif_napi_add or napi_disable took;
 * enabling a NAPI that is not disabled is a kernel BUG. */
void napi_enable(struct napi_struct *n)
{
	if (!(n->state & KC_NAPI_SCHED))
		kc_bug(__FILE__, __LINE__, "napi_enable of a NAPI that is not disabled");
	n->state &= ~(KC_NAPI_SCHED | KC_NAPI_DISABLE);
}

/* napi_disable takes SCHED for itself. The kernel waits for a scheduled poll
 * to finish; on one thread nothing else runs, so a queued poll is dropped
 * instead (the driver re-arms by its interrupt at the next open). */
void napi_disable(struct napi_struct *n)
{
	struct kc_napi *kn = n->kc_host;
	if (kn)
		ev_task_cancel(kn->kd->loop, &kn->task);
	n->state |= KC_NAPI_SCHED;
	n->state &= ~KC_NAPI_DISABLE;
}

/* A received packet, up to whoever is above the netdev. */
static int kc_receive(struct sk_buff *skb)
{
	struct kc_dev *kd = skb->kc_owner ? skb->kc_owner : skb->dev ? skb->dev->kc : kc_cur();
	struct pkt *p = kc_skb_to_pkt(skb);
	if (!kd || !kd->ndev) {
		pkt_free(p);
		return 1; /* NET_RX_DROP */
	}
	pkt_trace(p, "kernel_driver_rx");
	kc_host_enter();
	netdev_receive(kd->ndev, p);
	kc_host_exit();
	return 0;
}

/* napi_gro_receive: GRO (pkt/gro.c, as the kernel's dev_gro_receive) when
 * the device has NETIF_F_GRO, else up through netdev_receive. Returns
 * GRO_NORMAL (3) either way: the driver ignores the result. */
int napi_gro_receive(struct napi_struct *napi, struct sk_buff *skb)
{
	(void)napi;
	struct kc_dev *kd = skb->kc_owner ? skb->kc_owner : skb->dev ? skb->dev->kc : kc_cur();
	if (!kd || !kd->ndev || !(kd->ndev->features & NETIF_F_GRO)) {
		if (kd && kd->ndev && kd->gro.n_flows) {
			kc_host_enter();
			gro_flush(&kd->gro);
			kc_host_exit();
		}
		kc_receive(skb);
		return 3;
	}
	struct pkt *p = kc_skb_to_pkt(skb);
	pkt_trace(p, "kernel_driver_rx");
	kc_host_enter();
	gro_receive(&kd->gro, p);
	kc_host_exit();
	return 3;
}

/* netif_receive_skb: as napi_gro_receive. */
int netif_receive_skb(struct sk_buff *skb)
{
	return kc_receive(skb);
}

/* ---- ethtool helpers the driver calls ------------------------------------------------ */

u32 ethtool_op_get_link(struct net_device *dev)
{
	return (dev->state & KC_LINK_STATE_NOCARRIER) == 0;
}

/* Speed and duplex of a virtual device may be set to any known value (or
 * unknown), nothing else. */
int ethtool_virtdev_set_link_ksettings(struct net_device *dev,
				       const struct ethtool_link_ksettings *cmd, u32 *speed,
				       u8 *duplex)
{
	(void)dev;
	u32 s = cmd->base.speed;
	u8 d = cmd->base.duplex;
	bool speed_ok = s == 10 || s == 100 || s == 1000 || s == 2500 || s == 5000 || s == 10000 ||
			s == 25000 || s == 40000 || s == 50000 || s == 100000 || s == (u32)-1;
	if (!speed_ok || (d != 0 && d != 1 && d != 0xff) || cmd->base.port != 0xff ||
	    cmd->base.autoneg != 0)
		return -EINVAL;
	*speed = s;
	*duplex = d;
	return 0;
}

/* ---- The illan netdev ops ------------------------------------------------------------ */

static long kc_do_open(struct kc_dev *kd, void *arg)
{
	(void)arg;
	struct net_device *dev = kd->kdev;
	const struct net_device_ops *ops = dev->netdev_ops;
	if (ops->ndo_validate_addr) {
		int rc = ops->ndo_validate_addr(dev);
		if (rc)
			return rc;
	}
	dev->state |= KC_LINK_STATE_START;
	int rc = ops->ndo_open ? ops->ndo_open(dev) : 0;
	if (rc) {
		dev->state &= ~KC_LINK_STATE_START;
		return rc;
	}
	dev->flags |= KC_IFF_UP;
	return 0;
}

static int kc_op_open(struct netdev *nd)
{
	struct kc_dev *kd = kc_nd(nd);
	if (!kd->kdev)
		return -ENODEV;
	return (int)kc_call(kd, kc_do_open, NULL, -EIO);
}

static long kc_do_stop(struct kc_dev *kd, void *arg)
{
	(void)arg;
	struct net_device *dev = kd->kdev;
	if (!(dev->state & KC_LINK_STATE_START))
		return 0;
	dev->state &= ~KC_LINK_STATE_START;
	int rc = dev->netdev_ops->ndo_stop ? dev->netdev_ops->ndo_stop(dev) : 0;
	dev->flags &= ~KC_IFF_UP;
	return rc;
}

static int kc_op_stop(struct netdev *nd)
{
	struct kc_dev *kd = kc_nd(nd);
	gro_flush(&kd->gro); /* illan: what GRO holds goes up before the close */
	if (!kd->kdev)
		return 0;
	return (int)kc_call(kd, kc_do_stop, NULL, 0);
}

/* Whether a packet needs something features f do not offer it. */
static bool kc_needs_sw(const struct sk_buff *skb, netdev_features_t f)
{
	const struct skb_shared_info *sh = &skb->kc_shinfo;
	if (sh->gso_size) {
		netdev_features_t need = sh->gso_type & KC_SKB_GSO_TCPV6 ? KC_NETIF_F_TSO6
									 : KC_NETIF_F_TSO;
		if (sh->gso_type & KC_SKB_GSO_TCP_ECN)
			need |= KC_NETIF_F_TSO_ECN;
		if ((f & need) != need)
			return true;
	}
	if (sh->frag_list && !(f & KC_NETIF_F_FRAGLIST))
		return true;
	if (skb->ip_summed == KC_CHECKSUM_PARTIAL && !(f & KC_NETIF_F_HW_CSUM)) {
		const struct pkt *p = skb->kc_pkt;
		uint16_t proto = netdev_pkt_protocol(p, NULL);
		if (proto == ETH_P_IP && !(f & KC_NETIF_F_IP_CSUM))
			return true;
		if (proto == ETH_P_IPV6 && !(f & KC_NETIF_F_IPV6_CSUM))
			return true;
	}
	return false;
}

static void kc_xmit_one(struct kc_dev *kd, struct pkt *p, bool checked);

/* Segment or checksum p in software with features f (what the driver's
 * ndo_features_check left it), then hand each result to the driver. */
static void kc_xmit_sw(struct kc_dev *kd, struct pkt *p, netdev_features_t f)
{
	struct netdev *nd = kd->ndev;
	kd->st.tx_features_check_sw++;
	uint32_t saved = nd->features;
	nd->features = kc_features_to_illan(f) | (saved & (NETIF_F_GSO | NETIF_F_GRO));
	kc_host_enter();
	struct pkt *list = netdev_validate_xmit(nd, p);
	kc_host_exit();
	nd->features = saved;
	while (list) {
		struct pkt *q = list;
		list = q->next;
		q->next = NULL;
		kc_xmit_one(kd, q, true);
	}
}

static void kc_xmit_one(struct kc_dev *kd, struct pkt *p, bool checked)
{
	struct net_device *dev = kd->kdev;
	struct netdev *nd = kd->ndev;
	const struct net_device_ops *ops = dev->netdev_ops;
	struct sk_buff *skb = kc_skb_from_pkt(kd, p, dev);
	if (!skb) {
		nd->stats.tx_dropped++;
		return;
	}
	if ((dev->kc_txq_stopped >> skb->queue_mapping) & 1) {
		kd->st.tx_queue_stopped++;
		nd->stats.tx_dropped++;
		consume_skb(skb);
		return;
	}
	if (!checked && ops->ndo_features_check) {
		netdev_features_t f = ops->ndo_features_check(skb, dev, dev->features);
		if (kc_needs_sw(skb, f)) {
			kc_skb_release(skb);
			kc_xmit_sw(kd, p, f);
			return;
		}
	}
	netdev_tx_t rc = ops->ndo_start_xmit(skb, dev);
	if (rc == KC_NETDEV_TX_BUSY) {
		kd->st.tx_busy++;
		nd->stats.tx_dropped++;
		consume_skb(skb);
	}
}

static long kc_do_xmit(struct kc_dev *kd, void *arg)
{
	kc_xmit_one(kd, arg, false);
	return 0;
}

/* Takes p, whatever becomes of it: a dead instance's packets are dropped
 * and counted; an oops inside leaves the skb with the dead driver, to be
 * reclaimed at remove. */
static enum netdev_tx kc_op_start_xmit(struct netdev *nd, struct pkt *p)
{
	struct kc_dev *kd = kc_nd(nd);
	if (kd->dead || !kd->kdev) {
		kd->st.tx_dead++;
		nd->stats.tx_dropped++;
		pkt_free(p);
		return NETDEV_TX_OK;
	}
	kc_call(kd, kc_do_xmit, p, 0);
	return NETDEV_TX_OK;
}

static long kc_do_set_features(struct kc_dev *kd, void *arg)
{
	struct net_device *dev = kd->kdev;
	netdev_features_t kf = kc_features_to_kernel(*(uint32_t *)arg, dev->features);
	int rc = 0;
	if (dev->netdev_ops->ndo_set_features)
		rc = dev->netdev_ops->ndo_set_features(dev, kf);
	if (rc == 0)
		dev->features = kf;
	else
		kc_log(kd, KC_LOG_ERR, "%s: set_features() failed (%d); wanted 0x%llx, left 0x%llx",
		       kd->name, rc, (unsigned long long)kf, (unsigned long long)dev->features);
	kd->ndev->features = kc_features_to_illan(dev->features);
	return rc;
}

static int kc_op_set_features(struct netdev *nd, uint32_t features)
{
	struct kc_dev *kd = kc_nd(nd);
	if (!kd->kdev)
		return -ENODEV;
	return (int)kc_call(kd, kc_do_set_features, &features, -EIO);
}

static long kc_do_fix_features(struct kc_dev *kd, void *arg)
{
	struct net_device *dev = kd->kdev;
	uint32_t *f = arg;
	netdev_features_t kf = kc_features_to_kernel(*f, dev->features);
	*f = kc_features_to_illan(dev->netdev_ops->ndo_fix_features(dev, kf));
	return 0;
}

static uint32_t kc_op_fix_features(struct netdev *nd, uint32_t features)
{
	struct kc_dev *kd = kc_nd(nd);
	if (!kd->kdev || !kd->kdev->netdev_ops->ndo_fix_features)
		return features;
	uint32_t f = features;
	kc_call(kd, kc_do_fix_features, &f, 0);
	return f;
}

static long kc_do_change_mtu(struct kc_dev *kd, void *arg)
{
	struct net_device *dev = kd->kdev;
	int mtu = (int)*(unsigned *)arg;
	int rc = 0;
	if (dev->netdev_ops->ndo_change_mtu)
		rc = dev->netdev_ops->ndo_change_mtu(dev, mtu);
	else
		dev->mtu = (unsigned)mtu;
	kd->ndev->mtu = dev->mtu;
	return rc;
}

static int kc_op_change_mtu(struct netdev *nd, unsigned mtu)
{
	struct kc_dev *kd = kc_nd(nd);
	if (!kd->kdev)
		return -ENODEV;
	return (int)kc_call(kd, kc_do_change_mtu, &mtu, -EIO);
}

static long kc_do_set_mac(struct kc_dev *kd, void *arg)
{
	struct net_device *dev = kd->kdev;
	struct kc_sockaddr sa = {.sa_family = 1};
	memcpy(sa.sa_data, arg, 6);
	int rc = 0;
	if (dev->netdev_ops->ndo_set_mac_address)
		rc = dev->netdev_ops->ndo_set_mac_address(dev, &sa);
	else
		memcpy(dev->kc_dev_addr, arg, 6);
	memcpy(kd->ndev->mac, dev->dev_addr, 6);
	return rc;
}

/* A positive answer (an hcall code passed on as it is) becomes -EIO, as
 * illan's actions return 0 or a negative errno. */
static int kc_op_set_mac_address(struct netdev *nd, const uint8_t mac[6])
{
	struct kc_dev *kd = kc_nd(nd);
	if (!kd->kdev)
		return -ENODEV;
	uint8_t m[6];
	memcpy(m, mac, 6);
	long rc = kc_call(kd, kc_do_set_mac, m, -EIO);
	return rc > 0 ? -EIO : (int)rc;
}

static long kc_do_set_rx_mode(struct kc_dev *kd, void *arg)
{
	(void)arg;
	struct net_device *dev = kd->kdev;
	struct netdev *nd = kd->ndev;
	unsigned n = nd->n_mc < NETDEV_MAX_MC ? nd->n_mc : NETDEV_MAX_MC;
	dev->kc_mc_list = NULL;
	for (unsigned i = n; i-- > 0;) {
		struct netdev_hw_addr *ha = &kd->mc_nodes[i];
		memset(ha, 0, sizeof(*ha));
		memcpy(ha->addr, nd->mc_list[i], 6);
		ha->kc_next = dev->kc_mc_list;
		dev->kc_mc_list = ha;
	}
	dev->kc_mc_count = (int)n;
	if (nd->promisc)
		dev->flags |= KC_IFF_PROMISC;
	else
		dev->flags &= ~KC_IFF_PROMISC;
	if ((dev->flags & KC_IFF_UP) && (dev->state & KC_LINK_STATE_PRESENT) &&
	    dev->netdev_ops->ndo_set_rx_mode)
		dev->netdev_ops->ndo_set_rx_mode(dev);
	return 0;
}

static void kc_op_set_rx_mode(struct netdev *nd)
{
	struct kc_dev *kd = kc_nd(nd);
	if (kd->kdev)
		kc_call(kd, kc_do_set_rx_mode, NULL, 0);
}

/* kc_dev_destroy (kc_vio.c) runs the driver's remove and reclaims. */
void kc_dev_destroy(struct kc_dev *kd);

static void kc_op_destroy(struct netdev *nd)
{
	struct kc_dev *kd = kc_nd(nd);
	if (kd) {
		/* what GRO still holds goes with the NAPI (flush_gro_hash) */
		nd->stats.rx_dropped += gro_discard(&kd->gro);
		kd->ndev = NULL; /* netdev_free frees it after this */
		kc_dev_destroy(kd);
	}
}

const struct netdev_ops kc_netdev_ops = {
	.open = kc_op_open,
	.stop = kc_op_stop,
	.start_xmit = kc_op_start_xmit,
	.set_features = kc_op_set_features,
	.change_mtu = kc_op_change_mtu,
	.set_mac_address = kc_op_set_mac_address,
	.set_rx_mode = kc_op_set_rx_mode,
	.destroy = kc_op_destroy,
	.fix_features = kc_op_fix_features,
	.tx_prof = &kc_tx_prof,
};

/* ---- ethtool from illan ----------------------------------------------------------------- */

static long kc_do_get_channels(struct kc_dev *kd, void *arg)
{
	kd->kdev->ethtool_ops->get_channels(kd->kdev, arg);
	return 0;
}

/* kc_ethtool_get_channels: see kcompat.h. */
int kc_ethtool_get_channels(struct kc_dev *kd, unsigned *tx, unsigned *max_tx)
{
	if (!kd->kdev || !kd->kdev->ethtool_ops || !kd->kdev->ethtool_ops->get_channels)
		return -EOPNOTSUPP;
	struct ethtool_channels ch = {.cmd = 0x3c}; /* ETHTOOL_GCHANNELS */
	if (kc_call(kd, kc_do_get_channels, &ch, -EIO))
		return -EIO;
	if (tx)
		*tx = ch.tx_count;
	if (max_tx)
		*max_tx = ch.max_tx;
	return 0;
}

static long kc_do_set_channels(struct kc_dev *kd, void *arg)
{
	return kd->kdev->ethtool_ops->set_channels(kd->kdev, arg);
}

/* kc_ethtool_set_channels: see kcompat.h. As ethtool_set_channels, the
 * request is checked against the maximum the driver reports first. */
int kc_ethtool_set_channels(struct kc_dev *kd, unsigned tx)
{
	if (!kd->kdev || !kd->kdev->ethtool_ops || !kd->kdev->ethtool_ops->set_channels ||
	    !kd->kdev->ethtool_ops->get_channels)
		return -EOPNOTSUPP;
	struct ethtool_channels cur = {.cmd = 0x3c};
	if (kc_call(kd, kc_do_get_channels, &cur, -EIO))
		return -EIO;
	if (tx == 0 || tx > cur.max_tx)
		return -EINVAL;
	struct ethtool_channels ch = cur;
	ch.cmd = 0x3d; /* ETHTOOL_SCHANNELS */
	ch.tx_count = tx;
	return (int)kc_call(kd, kc_do_set_channels, &ch, -EIO);
}

static long kc_do_drvinfo(struct kc_dev *kd, void *arg)
{
	kd->kdev->ethtool_ops->get_drvinfo(kd->kdev, arg);
	return 0;
}

/* kc_ethtool_drvinfo: see kcompat.h. */
int kc_ethtool_drvinfo(struct kc_dev *kd, char *driver, char *version, size_t size)
{
	if (!kd->kdev || !kd->kdev->ethtool_ops || !kd->kdev->ethtool_ops->get_drvinfo)
		return -EOPNOTSUPP;
	struct ethtool_drvinfo info;
	memset(&info, 0, sizeof(info));
	if (kc_call(kd, kc_do_drvinfo, &info, -EIO))
		return -EIO;
	info.driver[sizeof(info.driver) - 1] = '\0';
	info.version[sizeof(info.version) - 1] = '\0';
	if (driver && size)
		snprintf(driver, size, "%s", info.driver);
	if (version && size)
		snprintf(version, size, "%s", info.version);
	return 0;
}
