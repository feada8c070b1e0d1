/*
 * test_netdev.c — the netdev core with a dummy device whose features the test
 * sets: registry, feature updates, counters, receive hook, and every branch of
 * dev_queue_xmit / validate_xmit (software GSO, linearize, checksum help,
 * VLAN rules, harmonize, ECN/FIXEDID), each with exact counters.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "net/netdev.h"
#include "net/netdev_test_util.h"
#include "pkt/pkt.h"
#include "test.h"

/* ---- the dummy device ----------------------------------------------------- */

struct dummy {
	struct pkt *sent[128]; /* what start_xmit got, kept for inspection */
	unsigned n_sent;
	unsigned set_features_calls;
	unsigned rx_mode_calls;
	bool refuse_open;
	bool refuse_features; /* set_features fails with -EIO */
};

static enum netdev_tx dummy_xmit(struct netdev *dev, struct pkt *p)
{
	struct dummy *d = dev->priv;
	if (d->n_sent < 128)
		d->sent[d->n_sent++] = p;
	else
		pkt_free(p);
	dev->stats.tx_packets++;
	return NETDEV_TX_OK;
}

static int dummy_open(struct netdev *dev)
{
	struct dummy *d = dev->priv;
	return d->refuse_open ? -EIO : 0;
}

static int dummy_set_features(struct netdev *dev, uint32_t f)
{
	struct dummy *d = dev->priv;
	d->set_features_calls++;
	(void)f;
	return d->refuse_features ? -EIO : 0;
}

static void dummy_rx_mode(struct netdev *dev)
{
	struct dummy *d = dev->priv;
	d->rx_mode_calls++;
}

static uint32_t dummy_fix(struct netdev *dev, uint32_t f)
{
	(void)dev;
	if (!(f & NETIF_F_RXCSUM))
		f &= ~NETIF_F_CSUM_MASK;
	return f;
}

static void dummy_destroy(struct netdev *dev)
{
	struct dummy *d = dev->priv;
	for (unsigned i = 0; i < d->n_sent; i++)
		pkt_free(d->sent[i]);
	d->n_sent = 0;
}

static const struct netdev_ops dummy_ops = {
	.open = dummy_open,
	.start_xmit = dummy_xmit,
	.set_features = dummy_set_features,
	.set_rx_mode = dummy_rx_mode,
	.destroy = dummy_destroy,
	.fix_features = dummy_fix,
};

static struct pkt_pool *pool;

static struct pkt_pool *test_pool(void)
{
	static const struct pkt_pool_class cls[] = {{512, 256}, {2048, 256}, {70000, 16}};
	return pkt_pool_create("netdev-test", cls, 3, NULL, 0);
}

/* A registered, up dummy with exactly these features (all toggleable). */
static struct netdev *dummy_new(const char *name, uint32_t features)
{
	struct netdev *dev = netdev_alloc(name, sizeof(struct dummy));
	REQUIRE(dev);
	dev->ops = &dummy_ops;
	dev->hw_features = features | NETIF_F_RXCSUM;
	dev->features = features | NETIF_F_RXCSUM;
	dev->pool = pool;
	REQUIRE(netdev_register(dev) == 0);
	REQUIRE(netdev_open(dev) == 0);
	return dev;
}

static struct dummy *D(struct netdev *dev)
{
	return dev->priv;
}

static void setup(void)
{
	pool = test_pool();
	REQUIRE(pool);
}

static void teardown(void)
{
	CHECK_EQ(pkt_pool_outstanding(pool), 0);
	CHECK_EQ(pkt_pool_destroy(pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
}

static struct pkt *tcp4(uint32_t payload, uint16_t gso)
{
	struct tu_frame f = {.ip_version = 4,
			     .l4 = TU_TCP,
			     .payload = payload,
			     .ip_summed = CHECKSUM_PARTIAL,
			     .gso_size = gso,
			     .df = true};
	struct pkt *p = tu_build(pool, &f);
	REQUIRE(p);
	return p;
}

/* ---- registry and configuration ----------------------------------------------- */

TEST(registry_by_name_and_index)
{
	setup();
	struct netdev *a = dummy_new("dA", NETIF_F_SG);
	struct netdev *b = dummy_new("dB", NETIF_F_SG);
	CHECK(a->ifindex > 0 && b->ifindex > 0 && a->ifindex != b->ifindex);
	CHECK(netdev_by_name("dA") == a);
	CHECK(netdev_by_index(b->ifindex) == b);
	CHECK(netdev_by_name("nope") == NULL);
	struct netdev *dup = netdev_alloc("dA", 0);
	CHECK_EQ(netdev_register(dup), -EEXIST);
	netdev_free(dup);
	CHECK_EQ(netdev_register(a), -EEXIST);
	int ib = b->ifindex;
	netdev_free(b);
	CHECK(netdev_by_name("dB") == NULL);
	CHECK(netdev_by_index(ib) == NULL);
	CHECK(netdev_by_name("dA") == a);
	/* soft features added at register */
	CHECK((a->features & NETIF_F_SOFT_FEATURES) == NETIF_F_SOFT_FEATURES);
	netdev_free(a);
	teardown();
}

TEST(set_features_fixups)
{
	setup();
	struct netdev *dev = dummy_new("dF", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO |
						     NETIF_F_TSO6 | NETIF_F_IPV6_CSUM);
	CHECK(dev->features & NETIF_F_TSO);
	/* turning off IP_CSUM takes TSO with it (netdev_fix_features) */
	uint32_t w = dev->features & ~NETIF_F_IP_CSUM;
	CHECK_EQ(netdev_set_features(dev, w), 0);
	CHECK(!(dev->features & NETIF_F_TSO));
	CHECK(dev->features & NETIF_F_TSO6);
	/* driver fix_features: no RXCSUM, no tx checksum, so no TSO6 either */
	CHECK_EQ(netdev_set_features(dev, dev->features & ~NETIF_F_RXCSUM), 0);
	CHECK(!(dev->features & (NETIF_F_CSUM_MASK | NETIF_F_TSO_MASK)));
	/* no SG: no TSO */
	CHECK_EQ(netdev_set_features(dev, dev->hw_features & ~NETIF_F_SG), 0);
	CHECK(!(dev->features & NETIF_F_TSO_MASK));
	CHECK(dev->features & NETIF_F_IP_CSUM);
	/* a feature not in hw_features cannot be turned on */
	CHECK_EQ(netdev_set_features(dev, dev->hw_features | NETIF_F_FRAGLIST), 0);
	CHECK(!(dev->features & NETIF_F_FRAGLIST));
	CHECK(dev->features & NETIF_F_TSO);
	/* unchanged features do not call the driver */
	unsigned calls = D(dev)->set_features_calls;
	CHECK_EQ(netdev_set_features(dev, dev->features), 0);
	CHECK_EQ(D(dev)->set_features_calls, calls);
	netdev_free(dev);
	teardown();
}

/* The driver only programs the device; the core assigns dev->features when
 * it succeeds and leaves them when it fails (__netdev_update_features). */
TEST(set_features_assigned_by_the_core_on_success_only)
{
	setup();
	struct netdev *dev = dummy_new("dS", NETIF_F_SG | NETIF_F_IP_CSUM);
	CHECK(dev->features & NETIF_F_IP_CSUM);
	unsigned calls = D(dev)->set_features_calls;
	D(dev)->refuse_features = true;
	uint32_t before = dev->features;
	CHECK_EQ(netdev_set_features(dev, before & ~NETIF_F_IP_CSUM), -EIO);
	CHECK_EQ(D(dev)->set_features_calls, calls + 1);
	CHECK_EQ(dev->features, before);
	D(dev)->refuse_features = false;
	CHECK_EQ(netdev_set_features(dev, before & ~NETIF_F_IP_CSUM), 0);
	CHECK_EQ(dev->features, before & ~NETIF_F_IP_CSUM);
	CHECK_EQ(dev->wanted_features, before & ~NETIF_F_IP_CSUM);
	netdev_free(dev);
	teardown();
}

TEST(mtu_mac_mc_promisc)
{
	setup();
	struct netdev *dev = dummy_new("dM", NETIF_F_SG);
	CHECK_EQ(netdev_set_mtu(dev, 67), -EINVAL);
	CHECK_EQ(netdev_set_mtu(dev, 65536), -EINVAL);
	CHECK_EQ(netdev_set_mtu(dev, 9000), 0);
	CHECK_EQ(dev->mtu, 9000);
	CHECK_EQ(netdev_set_mac(dev, tu_mac_c), 0);
	CHECK_MEM(dev->mac, tu_mac_c, 6);
	unsigned calls = D(dev)->rx_mode_calls;
	const uint8_t mc[6] = {0x01, 0, 0x5e, 0, 0, 1};
	CHECK_EQ(netdev_mc_add(dev, tu_mac_a), -EINVAL);
	CHECK_EQ(netdev_mc_add(dev, mc), 0);
	CHECK_EQ(netdev_mc_add(dev, mc), 0);
	CHECK_EQ(dev->n_mc, 1);
	netdev_set_promisc(dev, true);
	netdev_set_promisc(dev, true);
	CHECK_EQ(D(dev)->rx_mode_calls, calls + 2);
	for (unsigned i = 1; i < NETDEV_MAX_MC; i++) {
		uint8_t m[6] = {0x01, 0, 0x5e, 0, 1, (uint8_t)i};
		CHECK_EQ(netdev_mc_add(dev, m), 0);
	}
	uint8_t m[6] = {0x01, 0, 0x5e, 0, 2, 0};
	CHECK_EQ(netdev_mc_add(dev, m), -ENOSPC);
	netdev_free(dev);
	teardown();
}

/* Two counter sets a driver might register. */
#define DUMMY_RX_COUNTERS(X, T)   \
	X(T, dummy_rx_a, NULL, 0) \
	X(T, dummy_rx_b, "dummy refused it", 0)
#define DUMMY_TX_COUNTERS(X, T)                   \
	X(T, dummy_tx_a, NULL, 0)                 \
	X(T, dummy_tx_level, NULL, COUNTER_GAUGE) \
	X(T, dummy_tx_c, "dummy lost it", COUNTER_HARMLESS)
struct dummy_rx_stats {
	DUMMY_RX_COUNTERS(COUNTER_FIELD, _)
};
struct dummy_tx_stats {
	DUMMY_TX_COUNTERS(COUNTER_FIELD, _)
};
COUNTER_SET_DEFINE(dummy_rx_counters, "dummy-rx", struct dummy_rx_stats, DUMMY_RX_COUNTERS);
COUNTER_SET_DEFINE(dummy_tx_counters, "dummy-tx", struct dummy_tx_stats, DUMMY_TX_COUNTERS);
/* A set whose one name is taken by dummy_rx_counters, one taken by the
 * standard set, and one of each alone. */
#define DUP_RX_COUNTERS(X, T) X(T, dummy_new_name, NULL, 0) X(T, dummy_rx_b, NULL, 0)
#define DUP_STD_COUNTERS(X, T) X(T, tx_dropped, NULL, 0)
struct dup_rx_stats {
	DUP_RX_COUNTERS(COUNTER_FIELD, _)
};
struct dup_std_stats {
	DUP_STD_COUNTERS(COUNTER_FIELD, _)
};
COUNTER_SET_DEFINE(dup_rx_counters, "dup-rx", struct dup_rx_stats, DUP_RX_COUNTERS);
COUNTER_SET_DEFINE(dup_std_counters, "dup-std", struct dup_std_stats, DUP_STD_COUNTERS);

#define SEEN_MAX 64
struct seen {
	const struct counter_desc *d[SEEN_MAX];
	uint64_t v[SEEN_MAX];
	unsigned n;
};

static void seen_fn(void *arg, const struct counter_desc *d, uint64_t v)
{
	struct seen *s = arg;
	REQUIRE(s->n < SEEN_MAX);
	s->d[s->n] = d;
	s->v[s->n++] = v;
}

/* How often name was visited; *v receives its (last) value. */
static unsigned seen_count(const struct seen *s, const char *name, uint64_t *v)
{
	unsigned n = 0;
	for (unsigned i = 0; i < s->n; i++) {
		if (strcmp(s->d[i]->name, name) == 0) {
			n++;
			*v = s->v[i];
		}
	}
	return n;
}

/* Each counter of set, in the struct at base, visited exactly once with its
 * value and its own descriptor. */
static void check_set_seen(const struct seen *s, const struct counter_set *set, const void *base)
{
	for (size_t i = 0; i < set->n; i++) {
		uint64_t v = UINT64_MAX;
		CHECK_EQ(seen_count(s, set->descs[i].name, &v), 1);
		CHECK_U64(v, counter_get(base, &set->descs[i]));
		for (unsigned j = 0; j < s->n; j++)
			if (strcmp(s->d[j]->name, set->descs[i].name) == 0)
				CHECK(s->d[j] == &set->descs[i]);
	}
}

TEST(counter_sets_each_counter_visited_once)
{
	setup();
	struct netdev *dev = dummy_new("dC", NETIF_F_SG);
	struct dummy_rx_stats rx = {.dummy_rx_a = 11, .dummy_rx_b = 12};
	struct dummy_tx_stats tx = {.dummy_tx_a = 21, .dummy_tx_level = 22, .dummy_tx_c = 23};
	CHECK_EQ(netdev_add_counter_set(dev, &dummy_rx_counters, &rx), 0);
	CHECK_EQ(netdev_add_counter_set(dev, &dummy_tx_counters, &tx), 0);
	/* every standard counter with a value of its own */
	for (size_t i = 0; i < netdev_counters.n; i++)
		counter_add(&dev->stats, &netdev_counters.descs[i], 100 + i);

	struct seen s = {0};
	netdev_for_each_counter(dev, seen_fn, &s);
	CHECK_EQ(s.n, netdev_counters.n + dummy_rx_counters.n + dummy_tx_counters.n);
	check_set_seen(&s, &netdev_counters, &dev->stats);
	check_set_seen(&s, &dummy_rx_counters, &rx);
	check_set_seen(&s, &dummy_tx_counters, &tx);
	/* standard first, then the sets in the order registered */
	CHECK(s.d[0] == &netdev_counters.descs[0]);
	CHECK(s.d[netdev_counters.n] == &dummy_rx_counters.descs[0]);
	CHECK(s.d[s.n - 1] == &dummy_tx_counters.descs[dummy_tx_counters.n - 1]);
	/* phrases and flags travel with the descriptor */
	uint64_t v;
	CHECK(seen_count(&s, "tx_dropped", &v) == 1);
	for (unsigned i = 0; i < s.n; i++) {
		if (strcmp(s.d[i]->name, "dummy_tx_c") == 0) {
			CHECK(strcmp(s.d[i]->drop, "dummy lost it") == 0);
			CHECK_EQ(s.d[i]->flags, COUNTER_HARMLESS);
		}
		if (strcmp(s.d[i]->name, "rx_packets") == 0)
			CHECK(s.d[i]->drop == NULL);
		if (strcmp(s.d[i]->name, "xmit_errors") == 0)
			CHECK(s.d[i]->drop != NULL);
	}

	/* a counter changed later is read live */
	rx.dummy_rx_b = 99;
	CHECK(netdev_get_counter(dev, "dummy_rx_b", &v));
	CHECK_U64(v, 99);
	CHECK(netdev_get_counter(dev, "sw_gso_packets", &v));
	CHECK_U64(v, dev->stats.sw_gso_packets);
	CHECK(!netdev_get_counter(dev, "no_such", &v));
	netdev_free(dev);
	teardown();
}

TEST(counter_set_duplicate_name_refused)
{
	setup();
	struct netdev *dev = dummy_new("dD", NETIF_F_SG);
	struct dummy_rx_stats rx = {0};
	struct dup_rx_stats dup = {.dummy_new_name = 5};
	struct dup_std_stats dstd = {0};
	CHECK_EQ(netdev_add_counter_set(dev, &dummy_rx_counters, &rx), 0);
	/* the same set twice, a set sharing one name, a standard name */
	CHECK_EQ(netdev_add_counter_set(dev, &dummy_rx_counters, &rx), -EEXIST);
	CHECK_EQ(netdev_add_counter_set(dev, &dup_rx_counters, &dup), -EEXIST);
	CHECK_EQ(netdev_add_counter_set(dev, &dup_std_counters, &dstd), -EEXIST);
	CHECK_EQ(netdev_add_counter_set(dev, NULL, &rx), -EINVAL);
	CHECK_EQ(netdev_add_counter_set(dev, &dummy_tx_counters, NULL), -EINVAL);
	/* a refused set registers none of its names */
	uint64_t v;
	CHECK(!netdev_get_counter(dev, "dummy_new_name", &v));
	struct seen s = {0};
	netdev_for_each_counter(dev, seen_fn, &s);
	CHECK_EQ(s.n, netdev_counters.n + dummy_rx_counters.n);
	CHECK_EQ(seen_count(&s, "dummy_rx_b", &v), 1);
	CHECK_EQ(seen_count(&s, "tx_dropped", &v), 1);
	netdev_free(dev);
	teardown();
}

/* One-counter sets with distinct names, for filling a device's table. */
static const struct counter_desc lim_descs[] = {
	{"lim0", 0, NULL, 0}, {"lim1", 0, NULL, 0}, {"lim2", 0, NULL, 0},
	{"lim3", 0, NULL, 0}, {"lim4", 0, NULL, 0},
};
static_assert(NETDEV_MAX_COUNTER_SETS + 1 <= sizeof(lim_descs) / sizeof(lim_descs[0]),
	      "one set more than a device holds");

TEST(counter_sets_limited)
{
	setup();
	struct netdev *dev = dummy_new("dL", NETIF_F_SG);
	static uint64_t lim[NETDEV_MAX_COUNTER_SETS + 1];
	static struct counter_set sets[NETDEV_MAX_COUNTER_SETS + 1];
	for (unsigned i = 0; i <= NETDEV_MAX_COUNTER_SETS; i++)
		sets[i] = (struct counter_set){"lim", &lim_descs[i], 1};
	for (unsigned i = 0; i < NETDEV_MAX_COUNTER_SETS; i++)
		CHECK_EQ(netdev_add_counter_set(dev, &sets[i], &lim[i]), 0);
	CHECK_EQ(netdev_add_counter_set(dev, &sets[NETDEV_MAX_COUNTER_SETS],
					&lim[NETDEV_MAX_COUNTER_SETS]),
		 -ENOSPC);
	uint64_t v;
	CHECK(!netdev_get_counter(dev, "lim4", &v));
	netdev_free(dev);
	teardown();
}

static void rx_keep(void *arg, struct netdev *dev, struct pkt *p)
{
	struct pkt **slot = arg;
	(void)dev;
	*slot = p;
}

TEST(receive_hook_and_drop)
{
	setup();
	struct netdev *dev = dummy_new("dR", NETIF_F_SG);
	netdev_receive(dev, tcp4(100, 0));
	CHECK_U64(dev->stats.rx_dropped, 1);
	CHECK_U64(dev->stats.rx_packets, 1);
	struct pkt *got = NULL;
	netdev_set_rx_handler(dev, rx_keep, &got);
	struct pkt *p = tcp4(100, 0);
	uint32_t len = p->len;
	netdev_receive(dev, p);
	CHECK(got == p);
	CHECK_EQ(got->iif, dev->ifindex);
	CHECK(got->dev == dev);
	CHECK_U64(dev->stats.rx_bytes, 2ull * len);
	pkt_free(got);
	netdev_free(dev);
	teardown();
}

/* ---- transmit ------------------------------------------------------------------ */

TEST(xmit_down_device_drops)
{
	setup();
	struct netdev *dev = dummy_new("dD", NETIF_F_SG);
	netdev_stop(dev);
	CHECK_EQ(dev_queue_xmit(dev, tcp4(100, 0)), -ENETDOWN);
	CHECK_U64(dev->stats.tx_dropped, 1);
	CHECK_EQ(D(dev)->n_sent, 0);
	D(dev)->refuse_open = true;
	CHECK_EQ(netdev_open(dev), -EIO);
	CHECK(!dev->up);
	netdev_free(dev);
	teardown();
}

TEST(xmit_gso_to_tso_device_passes_whole)
{
	setup();
	struct netdev *dev = dummy_new("dT", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO);
	CHECK_EQ(dev_queue_xmit(dev, tcp4(10000, 1448)), 0);
	REQUIRE(D(dev)->n_sent == 1);
	struct pkt *s = D(dev)->sent[0];
	CHECK_EQ(s->gso_size, 1448);
	CHECK_EQ(s->ip_summed, CHECKSUM_PARTIAL);
	CHECK_U64(dev->stats.sw_gso_packets, 0);
	CHECK_U64(dev->stats.sw_checksums, 0);
	/* UNNECESSARY GSO (a trunk without fix 2) also passes whole */
	struct pkt *u = tcp4(5000, 1000);
	u->ip_summed = CHECKSUM_UNNECESSARY;
	CHECK_EQ(dev_queue_xmit(dev, u), 0);
	CHECK_EQ(D(dev)->n_sent, 2);
	CHECK_U64(dev->stats.sw_gso_packets, 0);
	/* CHECKSUM_NONE GSO is segmented (netif_needs_gso) */
	struct pkt *n = tcp4(3000, 1000);
	n->ip_summed = CHECKSUM_NONE;
	CHECK_EQ(dev_queue_xmit(dev, n), 0);
	CHECK_EQ(D(dev)->n_sent, 5);
	CHECK_U64(dev->stats.sw_gso_packets, 1);
	CHECK_U64(dev->stats.sw_gso_segments, 3);
	netdev_free(dev);
	teardown();
}

TEST(xmit_gso_without_tso_segments_csum_partial)
{
	setup();
	struct netdev *dev = dummy_new("dG", NETIF_F_SG | NETIF_F_IP_CSUM);
	CHECK_EQ(dev_queue_xmit(dev, tcp4(4000, 1000)), 0);
	CHECK_EQ(D(dev)->n_sent, 4);
	CHECK_U64(dev->stats.sw_gso_packets, 1);
	CHECK_U64(dev->stats.sw_gso_segments, 4);
	CHECK_U64(dev->stats.sw_checksums, 0);
	for (unsigned i = 0; i < D(dev)->n_sent; i++) {
		struct pkt *s = D(dev)->sent[i];
		CHECK_EQ(s->gso_size, 0);
		CHECK_EQ(s->ip_summed, CHECKSUM_PARTIAL); /* the device checksums IPv4 */
		CHECK_EQ(tu_l4_field(s), tu_seed(s));
		CHECK(s->next == NULL);
	}
	netdev_free(dev);
	teardown();
}

TEST(xmit_gso_without_csum_segments_completed)
{
	setup();
	struct netdev *dev = dummy_new("dN", NETIF_F_SG);
	CHECK_EQ(dev_queue_xmit(dev, tcp4(3500, 1000)), 0);
	CHECK_EQ(D(dev)->n_sent, 4);
	CHECK_U64(dev->stats.sw_gso_segments, 4);
	for (unsigned i = 0; i < D(dev)->n_sent; i++) {
		CHECK(D(dev)->sent[i]->ip_summed != CHECKSUM_PARTIAL);
		CHECK(tu_l4_ok(D(dev)->sent[i]));
	}
	/* IPv6 GSO to a device with only IP_CSUM+TSO: harmonize drops both */
	struct netdev *d4 = dummy_new("dN4", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO);
	struct tu_frame f = {.ip_version = 6, .l4 = TU_TCP, .payload = 2500, .gso_size = 1000};
	struct pkt *p = tu_build(pool, &f);
	REQUIRE(p);
	CHECK_EQ(dev_queue_xmit(d4, p), 0);
	CHECK_EQ(D(d4)->n_sent, 3);
	for (unsigned i = 0; i < D(d4)->n_sent; i++)
		CHECK(tu_l4_ok(D(d4)->sent[i]));
	netdev_free(dev);
	netdev_free(d4);
	teardown();
}

TEST(xmit_frag_list_gso_needs_fraglist)
{
	setup();
	struct netdev *no = dummy_new("dL0", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO);
	struct netdev *yes =
		dummy_new("dL1", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO | NETIF_F_FRAGLIST);
	struct pkt *p = tcp4(6000, 1500);
	REQUIRE(tu_split_frag_list(p, pool, 1500, 3) == 0);
	CHECK_EQ(dev_queue_xmit(no, p), 0);
	CHECK_EQ(D(no)->n_sent, 4); /* the seed's issue 4: segmented */
	CHECK_U64(no->stats.sw_gso_packets, 1);
	p = tcp4(6000, 1500);
	REQUIRE(tu_split_frag_list(p, pool, 1500, 3) == 0);
	CHECK_EQ(dev_queue_xmit(yes, p), 0);
	REQUIRE(D(yes)->n_sent == 1);
	CHECK(pkt_has_frag_list(D(yes)->sent[0]));
	CHECK_EQ(D(yes)->sent[0]->gso_size, 1500);
	CHECK_U64(yes->stats.sw_gso_packets, 0);
	netdev_free(no);
	netdev_free(yes);
	teardown();
}

TEST(xmit_frag_list_non_gso_linearized)
{
	setup();
	struct netdev *dev = dummy_new("dLin", NETIF_F_SG | NETIF_F_IP_CSUM);
	struct pkt *p = tcp4(1200, 0);
	REQUIRE(tu_split_frag_list(p, pool, 200, 2) == 0);
	uint32_t len = p->len;
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	REQUIRE(D(dev)->n_sent == 1);
	struct pkt *s = D(dev)->sent[0];
	CHECK(!pkt_has_frag_list(s));
	CHECK_EQ(s->len, len);
	CHECK_EQ(s->ip_summed, CHECKSUM_PARTIAL);
	CHECK_EQ(tu_l4_field(s), tu_seed(s));
	CHECK_U64(dev->stats.linearized, 1);
	netdev_free(dev);
	teardown();
}

/* skb_needs_linearize: page fragments go whole to a device with
 * NETIF_F_SG and are linearized (counted) for one without; a GSO packet in
 * fragments (no frag_list) goes whole to a TSO device. */
TEST(xmit_page_fragments_need_sg)
{
	setup();
	struct netdev *sg = dummy_new("dSg", NETIF_F_SG | NETIF_F_IP_CSUM);
	struct netdev *nosg = dummy_new("dNoSg", NETIF_F_IP_CSUM);
	struct netdev *tso = dummy_new("dTso", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO);
	struct pkt *p = tcp4(1200, 0);
	REQUIRE(tu_split_frags(p, pool, 200, 2) == 0);
	uint32_t len = p->len;
	CHECK_EQ(dev_queue_xmit(sg, p), 0);
	REQUIRE(D(sg)->n_sent == 1);
	CHECK_EQ(D(sg)->sent[0]->nr_frags, 2);
	CHECK_U64(sg->stats.linearized, 0);
	p = tcp4(1200, 0);
	REQUIRE(tu_split_frags(p, pool, 200, 2) == 0);
	CHECK_EQ(dev_queue_xmit(nosg, p), 0);
	REQUIRE(D(nosg)->n_sent == 1);
	struct pkt *s = D(nosg)->sent[0];
	CHECK(!pkt_is_nonlinear(s));
	CHECK_EQ(s->len, len);
	CHECK_EQ(tu_l4_field(s), tu_seed(s));
	CHECK_U64(nosg->stats.linearized, 1);
	p = tcp4(6000, 1500);
	REQUIRE(tu_split_frags(p, pool, 1500, 3) == 0);
	CHECK_EQ(dev_queue_xmit(tso, p), 0);
	REQUIRE(D(tso)->n_sent == 1);
	CHECK_EQ(D(tso)->sent[0]->nr_frags, 3);
	CHECK_EQ(D(tso)->sent[0]->gso_size, 1500);
	CHECK_U64(tso->stats.sw_gso_packets, 0);
	netdev_free(sg);
	netdev_free(nosg);
	netdev_free(tso);
	teardown();
}

TEST(xmit_partial_checksum_help_when_lacking_feature)
{
	setup();
	struct netdev *none = dummy_new("dP0", NETIF_F_SG);
	struct netdev *v4 = dummy_new("dP4", NETIF_F_SG | NETIF_F_IP_CSUM);
	struct netdev *hw = dummy_new("dPh", NETIF_F_SG | NETIF_F_HW_CSUM);

	CHECK_EQ(dev_queue_xmit(none, tcp4(300, 0)), 0);
	CHECK_U64(none->stats.sw_checksums, 1);
	CHECK_EQ(D(none)->sent[0]->ip_summed, CHECKSUM_NONE);
	CHECK(tu_l4_ok(D(none)->sent[0]));

	CHECK_EQ(dev_queue_xmit(v4, tcp4(300, 0)), 0);
	CHECK_U64(v4->stats.sw_checksums, 0);
	CHECK_EQ(D(v4)->sent[0]->ip_summed, CHECKSUM_PARTIAL);
	/* UDP over IPv4: the csum_offset is UDP's, the device takes it */
	struct tu_frame fu = {
		.ip_version = 4, .l4 = TU_UDP, .payload = 100, .ip_summed = CHECKSUM_PARTIAL};
	CHECK_EQ(dev_queue_xmit(v4, tu_build(pool, &fu)), 0);
	CHECK_U64(v4->stats.sw_checksums, 0);
	/* IPv6 to an IPv4-only device: software */
	struct tu_frame f6 = {
		.ip_version = 6, .l4 = TU_TCP, .payload = 100, .ip_summed = CHECKSUM_PARTIAL};
	CHECK_EQ(dev_queue_xmit(v4, tu_build(pool, &f6)), 0);
	CHECK_U64(v4->stats.sw_checksums, 1);
	CHECK(tu_l4_ok(D(v4)->sent[2]));

	CHECK_EQ(dev_queue_xmit(hw, tu_build(pool, &f6)), 0);
	CHECK_U64(hw->stats.sw_checksums, 0);
	CHECK_EQ(D(hw)->sent[0]->ip_summed, CHECKSUM_PARTIAL);

	/* a PARTIAL packet with its field outside the packet: counted, freed */
	struct pkt *bad = tcp4(100, 0);
	bad->csum_offset = 4000;
	CHECK_EQ(dev_queue_xmit(none, bad), -EINVAL);
	CHECK_U64(none->stats.xmit_errors, 1);
	CHECK_U64(none->stats.tx_dropped, 1);
	netdev_free(none);
	netdev_free(v4);
	netdev_free(hw);
	teardown();
}

TEST(xmit_vlan_tagged_uses_vlan_features)
{
	setup();
	struct netdev *dev = dummy_new("dV", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO);
	/* in-band tag, no vlan_features: software checksum and GSO */
	struct tu_frame f = {
		.ip_version = 4, .l4 = TU_TCP, .payload = 2000, .gso_size = 1000, .vlan = 20};
	CHECK_EQ(dev_queue_xmit(dev, tu_build(pool, &f)), 0);
	CHECK_EQ(D(dev)->n_sent, 2);
	CHECK_U64(dev->stats.sw_gso_packets, 1);
	CHECK(tu_l4_ok(D(dev)->sent[0]));
	CHECK(D(dev)->sent[0]->ip_summed != CHECKSUM_PARTIAL);
	/* out-of-band tag: pushed into the frame first */
	struct pkt *p = tcp4(200, 0);
	p->vlan_present = true;
	p->vlan_tci = 30;
	uint32_t len = p->len;
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	REQUIRE(D(dev)->n_sent == 3);
	struct pkt *s = D(dev)->sent[2];
	CHECK_EQ(s->len, len + 4);
	CHECK_EQ(hdr_get16(pkt_data(s) + 12), ETH_P_8021Q);
	CHECK_EQ(hdr_get16(pkt_data(s) + 14), 30);
	CHECK(!s->vlan_present);
	CHECK_MEM(pkt_data(s), tu_mac_b, 6);
	CHECK(tu_l4_ok(s));
	CHECK_U64(dev->stats.sw_checksums, 1);
	/* with vlan_features the tagged packet keeps its offloads */
	dev->vlan_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO;
	CHECK_EQ(dev_queue_xmit(dev, tu_build(pool, &f)), 0);
	CHECK_EQ(D(dev)->n_sent, 4);
	CHECK_EQ(D(dev)->sent[3]->gso_size, 1000);
	netdev_free(dev);
	teardown();
}

TEST(xmit_gso_type_modifiers)
{
	setup();
	struct netdev *dev = dummy_new("dE", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO);
	struct pkt *p = tcp4(2000, 1000);
	p->gso_type |= PKT_GSO_TCP_ECN;
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	CHECK_EQ(D(dev)->n_sent, 2); /* no TSO_ECN: software */
	p = tcp4(2000, 1000);
	p->gso_type |= PKT_GSO_DODGY;
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	CHECK_EQ(D(dev)->n_sent, 3); /* DODGY alone does not force segmentation */
	dev->hw_features |= NETIF_F_TSO_MANGLEID;
	CHECK_EQ(netdev_set_features(dev, dev->features | NETIF_F_TSO_MANGLEID), 0);
	p = tcp4(2000, 1000); /* DF set */
	p->gso_type |= PKT_GSO_TCP_FIXEDID;
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	CHECK_EQ(D(dev)->n_sent, 4);
	struct tu_frame f = {.ip_version = 4, .l4 = TU_TCP, .payload = 2000, .gso_size = 1000};
	p = tu_build(pool, &f); /* no DF: MANGLEID may not be used */
	p->gso_type |= PKT_GSO_TCP_FIXEDID;
	CHECK_EQ(dev_queue_xmit(dev, p), 0);
	CHECK_EQ(D(dev)->n_sent, 6);
	CHECK_U64(dev->stats.sw_gso_packets, 2);
	netdev_free(dev);
	teardown();
}

TEST(xmit_gso_failure_counted)
{
	setup();
	struct netdev *dev = dummy_new("dX", NETIF_F_SG);
	struct pkt *p = tcp4(2000, 1000);
	p->transport_header = p->data + 2; /* nonsense headers: gso_segment refuses */
	p->network_header = p->data + 1;
	p->csum_start = p->data + 3;
	CHECK(dev_queue_xmit(dev, p) < 0);
	CHECK_U64(dev->stats.xmit_errors, 1);
	CHECK_EQ(D(dev)->n_sent, 0);
	netdev_free(dev);
	teardown();
}

/* A GSO packet whose payload fits in one gso_size: tcp_gso_segment answers
 * -EINVAL, so validate_xmit_skb drops it and the device counts the drop
 * (tx_dropped); a device with TSO takes it whole. */
TEST(xmit_gso_payload_within_gso_size_dropped_as_the_kernel)
{
	setup();
	struct netdev *dev = dummy_new("dE", NETIF_F_SG | NETIF_F_IP_CSUM);
	CHECK(dev_queue_xmit(dev, tcp4(1000, 1000)) < 0);
	CHECK_EQ(D(dev)->n_sent, 0);
	CHECK_U64(dev->stats.xmit_errors, 1);
	CHECK_U64(dev->stats.tx_dropped, 1);
	CHECK_U64(dev->stats.sw_gso_packets, 0);
	/* one byte more is two segments */
	CHECK_EQ(dev_queue_xmit(dev, tcp4(1001, 1000)), 0);
	CHECK_EQ(D(dev)->n_sent, 2);
	netdev_free(dev);
	struct netdev *tso = dummy_new("dT", NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_TSO);
	CHECK_EQ(dev_queue_xmit(tso, tcp4(1000, 1000)), 0);
	CHECK_EQ(D(tso)->n_sent, 1);
	netdev_free(tso);
	teardown();
}

TEST_MAIN()
