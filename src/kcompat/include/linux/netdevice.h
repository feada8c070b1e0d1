/*
 * linux/netdevice.h — network devices, NAPI, transmit queues, multicast
 * lists, the netdev_* log helpers.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 *
 * A struct net_device (kc/kstructs.h) stands beside an illan struct netdev:
 * register_netdev creates and registers the illan device, whose ops call
 * the driver's net_device_ops (kc_net.c). netif_running is the kernel's
 * __LINK_STATE_START (set around ndo_open and cleared before ndo_stop, as
 * __dev_open and __dev_close do), IFF_UP is set once ndo_open succeeded.
 * NAPI: a napi_struct's poll runs as a task of illan's event loop;
 * napi_schedule_prep/napi_complete_done keep the kernel's SCHED, MISSED and
 * DISABLE states.
 */
#ifndef KC_LINUX_NETDEVICE_H
#define KC_LINUX_NETDEVICE_H

#include "kc/base.h"
#include <linux/device.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/netdev_features.h>
#include <linux/skbuff.h>
#include <linux/socket.h>

#define IFNAMSIZ KC_IFNAMSIZ
#define MAX_ADDR_LEN KC_MAX_ADDR_LEN
#define NETDEV_TX_OK KC_NETDEV_TX_OK
#define NETDEV_TX_BUSY KC_NETDEV_TX_BUSY
#define NAPI_POLL_WEIGHT 64

#define IFF_UP KC_IFF_UP
#define IFF_BROADCAST KC_IFF_BROADCAST
#define IFF_PROMISC KC_IFF_PROMISC
#define IFF_ALLMULTI KC_IFF_ALLMULTI
#define IFF_MULTICAST KC_IFF_MULTICAST

enum gro_result { GRO_MERGED, GRO_MERGED_FREE, GRO_HELD, GRO_NORMAL, GRO_CONSUMED };
typedef enum gro_result gro_result_t;

static inline void *netdev_priv(const struct net_device *dev)
{
	return (char *)dev + dev->kc_priv_off;
}
#define SET_NETDEV_DEV(net, pdev) ((net)->dev.parent = (pdev))

static inline bool netif_running(const struct net_device *dev)
{
	return (dev->state & KC_LINK_STATE_START) != 0;
}
static inline bool netif_device_present(const struct net_device *dev)
{
	return (dev->state & KC_LINK_STATE_PRESENT) != 0;
}
static inline bool netif_carrier_ok(const struct net_device *dev)
{
	return (dev->state & KC_LINK_STATE_NOCARRIER) == 0;
}
static inline void netif_carrier_on(struct net_device *dev)
{
	dev->state &= ~KC_LINK_STATE_NOCARRIER;
}
static inline void netif_carrier_off(struct net_device *dev)
{
	dev->state |= KC_LINK_STATE_NOCARRIER;
}

/* Transmit queues: one stopped bit each. There is no qdisc: a packet the
 * stack hands a stopped queue is dropped and counted (kc_net.c). */
static inline void netif_tx_start_all_queues(struct net_device *dev)
{
	dev->kc_txq_stopped = 0;
}
static inline void netif_tx_wake_all_queues(struct net_device *dev)
{
	dev->kc_txq_stopped = 0;
}
static inline void netif_tx_stop_all_queues(struct net_device *dev)
{
	dev->kc_txq_stopped = ~0ul;
}
static inline void netif_start_queue(struct net_device *dev)
{
	dev->kc_txq_stopped &= ~1ul;
}
static inline void netif_wake_queue(struct net_device *dev)
{
	dev->kc_txq_stopped &= ~1ul;
}
static inline void netif_stop_queue(struct net_device *dev)
{
	dev->kc_txq_stopped |= 1ul;
}
static inline bool netif_queue_stopped(const struct net_device *dev)
{
	return dev->kc_txq_stopped & 1ul;
}
static inline void netif_tx_disable(struct net_device *dev)
{
	netif_tx_stop_all_queues(dev);
}

/* NAPI */
static inline void netif_napi_add(struct net_device *dev, struct napi_struct *napi,
				  int (*poll)(struct napi_struct *, int))
{
	netif_napi_add_weight(dev, napi, poll, NAPI_POLL_WEIGHT);
}
static inline bool napi_schedule(struct napi_struct *n)
{
	if (napi_schedule_prep(n)) {
		__napi_schedule(n);
		return true;
	}
	return false;
}
static inline bool napi_reschedule(struct napi_struct *n)
{
	return napi_schedule(n);
}
static inline bool napi_complete(struct napi_struct *n)
{
	return napi_complete_done(n, 0);
}
static inline void __napi_schedule_irqoff(struct napi_struct *n)
{
	__napi_schedule(n);
}

/* Multicast list (netdev_mc_count, netdev_for_each_mc_addr): the layer
 * copies illan's list in before each ndo_set_rx_mode. */
static inline int netdev_mc_count(const struct net_device *dev)
{
	return dev->kc_mc_count;
}
static inline bool netdev_mc_empty(const struct net_device *dev)
{
	return dev->kc_mc_count == 0;
}
#define netdev_for_each_mc_addr(ha, dev) for (ha = (dev)->kc_mc_list; ha; ha = ha->kc_next)

static inline netdev_features_t netdev_intersect_features(netdev_features_t f1, netdev_features_t f2)
{
	if ((f1 ^ f2) & NETIF_F_HW_CSUM) {
		if (f1 & NETIF_F_HW_CSUM)
			f1 |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM;
		else
			f2 |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM;
	}
	return f1 & f2;
}

/* Logging, attributed to the adapter (kc_core.c keeps each instance's). */
#define netdev_err(dev, fmt, ...) netdev_printk(KC_LOG_ERR, dev, fmt, ##__VA_ARGS__)
#define netdev_warn(dev, fmt, ...) netdev_printk(KC_LOG_WARNING, dev, fmt, ##__VA_ARGS__)
#define netdev_notice(dev, fmt, ...) netdev_printk(KC_LOG_NOTICE, dev, fmt, ##__VA_ARGS__)
#define netdev_info(dev, fmt, ...) netdev_printk(KC_LOG_INFO, dev, fmt, ##__VA_ARGS__)
#define netdev_dbg(dev, fmt, ...)                                             \
	do {                                                                  \
		if (kc_log_debug)                                             \
			netdev_printk(KC_LOG_DEBUG, dev, fmt, ##__VA_ARGS__); \
	} while (0)
#define KC_ONCE(stmt)                    \
	do {                             \
		static bool kc_done_;    \
		if (!kc_done_) {         \
			kc_done_ = true; \
			stmt;            \
		}                        \
	} while (0)
#define netdev_err_once(dev, fmt, ...) KC_ONCE(netdev_err(dev, fmt, ##__VA_ARGS__))
#define netdev_warn_once(dev, fmt, ...) KC_ONCE(netdev_warn(dev, fmt, ##__VA_ARGS__))
#define netdev_info_once(dev, fmt, ...) KC_ONCE(netdev_info(dev, fmt, ##__VA_ARGS__))

#include <linux/if_vlan.h>

#endif
