/*
 * veth.c — a virtual Ethernet pair (see veth.h).
 */
#include "veth.h"

#include <errno.h>
#include <string.h>

#include "ev/prof.h"

COUNTER_SET_DEFINE(veth_counters, "veth", struct veth_stats, VETH_COUNTERS);

struct veth {
	struct netdev *dev;
	struct netdev *peer; /* NULL once the other end is freed */
	struct ev_loop *loop;
	struct ev_task rx_task; /* drains the backlog (our receive side) */
	struct pkt *backlog_head, *backlog_tail;
	unsigned backlog_len;
	struct veth_stats st;
};

static struct prof_section veth_tx_prof = PROF_SECTION_INIT("veth tx");

static struct veth *veth_priv(const struct netdev *dev)
{
	return dev->priv;
}

static void veth_purge(struct veth *v)
{
	while (v->backlog_head) {
		struct pkt *p = v->backlog_head;
		v->backlog_head = p->next;
		p->next = NULL;
		pkt_free(p);
	}
	v->backlog_tail = NULL;
	v->backlog_len = 0;
}

/* The receive side: hand up what the peer queued, in order. */
static void veth_rx_task(struct ev_task *task)
{
	struct veth *v = (struct veth *)(void *)((char *)task - offsetof(struct veth, rx_task));
	struct pkt *list = v->backlog_head;
	v->backlog_head = v->backlog_tail = NULL;
	v->backlog_len = 0;
	while (list) {
		struct pkt *p = list;
		list = p->next;
		p->next = NULL;
		if (!v->dev->up) {
			v->dev->stats.rx_dropped++;
			pkt_free(p);
			continue;
		}
		netdev_receive(v->dev, p);
	}
}

/* As veth_xmit: the peer down (or gone) drops and counts; otherwise the
 * packet joins the peer's backlog, metadata untouched. */
static enum netdev_tx veth_start_xmit(struct netdev *dev, struct pkt *p)
{
	struct veth *v = veth_priv(dev);
	struct netdev *peer = v->peer;
	uint32_t len = p->len;
	if (!peer || !peer->up) {
		v->st.veth_peer_down++;
		dev->stats.tx_dropped++;
		pkt_free(p);
		return NETDEV_TX_OK;
	}
	struct veth *pv = veth_priv(peer);
	if (pv->backlog_len >= VETH_BACKLOG) {
		pv->st.veth_backlog_full++;
		dev->stats.tx_dropped++;
		pkt_free(p);
		return NETDEV_TX_OK;
	}
	p->next = NULL;
	if (pv->backlog_tail)
		pv->backlog_tail->next = p;
	else
		pv->backlog_head = p;
	pv->backlog_tail = p;
	pv->backlog_len++;
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += len;
	ev_task_schedule(pv->loop, &pv->rx_task);
	return NETDEV_TX_OK;
}

static int veth_open(struct netdev *dev)
{
	(void)dev;
	return 0;
}

static int veth_stop(struct netdev *dev)
{
	struct veth *v = veth_priv(dev);
	ev_task_cancel(v->loop, &v->rx_task);
	veth_purge(v);
	return 0;
}

static void veth_destroy(struct netdev *dev)
{
	struct veth *v = veth_priv(dev);
	ev_task_cancel(v->loop, &v->rx_task);
	veth_purge(v);
	if (v->peer)
		veth_priv(v->peer)->peer = NULL;
	v->peer = NULL;
}

static const struct netdev_ops veth_ops = {
	.open = veth_open,
	.stop = veth_stop,
	.start_xmit = veth_start_xmit,
	.destroy = veth_destroy,
	.tx_prof = &veth_tx_prof,
};

/* Linux veth: NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | NETIF_F_RXCSUM
 * | the GSO software features (TSO, TSO6, TSO_ECN ...). */
#define VETH_FEATURES                                                                     \
	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HW_CSUM | NETIF_F_RXCSUM | NETIF_F_TSO | \
	 NETIF_F_TSO6 | NETIF_F_TSO_ECN | NETIF_F_TSO_MANGLEID)

static struct netdev *veth_one(const char *name, struct pkt_pool *pool, struct ev_loop *loop)
{
	struct netdev *dev = netdev_alloc(name, sizeof(struct veth));
	if (!dev)
		return NULL;
	struct veth *v = veth_priv(dev);
	memset(v, 0, sizeof(*v));
	v->dev = dev;
	v->loop = loop;
	ev_task_init(&v->rx_task, veth_rx_task);
	dev->ops = &veth_ops;
	dev->pool = pool;
	dev->features = dev->hw_features = VETH_FEATURES;
	dev->vlan_features = VETH_FEATURES;
	dev->min_mtu = 68;
	dev->max_mtu = 65535 - 14;
	if (netdev_add_counter_set(dev, &veth_counters, &v->st) || netdev_register(dev)) {
		dev->ops = NULL; /* nothing of ours to tear down yet */
		netdev_free(dev);
		return NULL;
	}
	return dev;
}

/* veth_create_pair: see veth.h. */
int veth_create_pair(const char *a, const char *b, struct pkt_pool *pool, struct ev_loop *loop,
		     struct netdev **out_a, struct netdev **out_b)
{
	if (!a || !b || !pool || !loop || !out_a || !out_b)
		return -EINVAL;
	struct netdev *da = veth_one(a, pool, loop);
	if (!da)
		return -ENOMEM;
	struct netdev *db = veth_one(b, pool, loop);
	if (!db) {
		netdev_free(da);
		return -ENOMEM;
	}
	veth_priv(da)->peer = db;
	veth_priv(db)->peer = da;
	*out_a = da;
	*out_b = db;
	return 0;
}

/* veth_peer: see veth.h. */
struct netdev *veth_peer(const struct netdev *dev)
{
	if (!dev || dev->ops != &veth_ops)
		return NULL;
	return veth_priv(dev)->peer;
}
