/*
 * test_veth.c — the veth pair (src/drv/veth): what one end sends the other
 * receives, later (on the loop), with offload metadata untouched; a down or
 * freed peer drops and counts; the backlog is bounded.
 */
#include "drv/veth/veth.h"

#include "ev/ev.h"
#include "net/netdev.h"
#include "pkt/pkt.h"
#include "net/netdev_test_util.h"
#include "test.h"

struct fixture {
	struct ev_loop *loop;
	struct pkt_pool *pool;
	struct netdev *a, *b;
	unsigned got;
	struct pkt *last;
};

static void rx(void *arg, struct netdev *dev, struct pkt *p)
{
	(void)dev;
	struct fixture *f = arg;
	f->got++;
	if (f->last)
		pkt_free(f->last);
	f->last = p;
}

static void setup(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	f->loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	struct pkt_pool_class c[] = {{2048 + PKT_HEADROOM, 2048}};
	f->pool = pkt_pool_create("veth-test", c, 1, NULL, 0);
	CHECK(veth_create_pair("va", "vb", f->pool, f->loop, &f->a, &f->b) == 0);
	CHECK(veth_peer(f->a) == f->b && veth_peer(f->b) == f->a);
	netdev_set_rx_handler(f->b, rx, f);
	CHECK(netdev_open(f->a) == 0 && netdev_open(f->b) == 0);
}

static void teardown(struct fixture *f)
{
	if (f->last)
		pkt_free(f->last);
	netdev_free(f->a);
	netdev_free(f->b);
	CHECK_U64(pkt_outstanding_total(), 0);
	pkt_pool_destroy(f->pool);
	ev_loop_destroy(f->loop);
}

static struct pkt *frame(struct fixture *f, uint32_t len)
{
	struct pkt *p = pkt_alloc(f->pool, len, PKT_HEADROOM);
	uint8_t *d = pkt_put(p, len);
	memset(d, 0xab, len);
	return p;
}

TEST(delivers_later_with_metadata_untouched)
{
	struct fixture f;
	setup(&f);
	struct tu_frame tf = {.ip_version = 4,
			      .l4 = TU_TCP,
			      .payload = 1600,
			      .ip_summed = CHECKSUM_PARTIAL,
			      .gso_size = 1448};
	struct pkt *p = tu_build(f.pool, &tf);
	CHECK(p != NULL);
	if (!p)
		return;
	uint16_t cs = p->csum_start, co = p->csum_offset;
	uint32_t len = p->len;
	CHECK(dev_queue_xmit(f.a, p) == 0);
	CHECK_U64(f.got, 0); /* deferred, as netif_rx */
	ev_run_until(f.loop, NULL, NULL, 1000);
	CHECK_U64(f.got, 1);
	CHECK(f.last && f.last->ip_summed == CHECKSUM_PARTIAL && f.last->csum_start == cs &&
	      f.last->csum_offset == co && f.last->gso_size == 1448 && f.last->len == len);
	CHECK_U64(f.a->stats.tx_packets, 1);
	CHECK_U64(f.b->stats.rx_packets, 1);
	teardown(&f);
}

TEST(peer_down_or_freed_drops_and_counts)
{
	struct fixture f;
	setup(&f);
	netdev_stop(f.b);
	dev_queue_xmit(f.a, frame(&f, 100));
	ev_run_until(f.loop, NULL, NULL, 1000);
	uint64_t v = 0;
	CHECK(netdev_get_counter(f.a, "veth_peer_down", &v) && v == 1);
	CHECK_U64(f.got, 0);
	netdev_free(f.b);
	f.b = NULL;
	CHECK(veth_peer(f.a) == NULL);
	netdev_set_rx_handler(f.a, rx, &f);
	dev_queue_xmit(f.a, frame(&f, 100));
	CHECK(netdev_get_counter(f.a, "veth_peer_down", &v) && v == 2);
	CHECK_U64(f.a->stats.tx_dropped, 2);
	teardown(&f);
}

TEST(backlog_is_bounded)
{
	struct fixture f;
	setup(&f);
	for (unsigned i = 0; i < VETH_BACKLOG + 5; i++)
		dev_queue_xmit(f.a, frame(&f, 64));
	uint64_t v = 0;
	CHECK(netdev_get_counter(f.b, "veth_backlog_full", &v) && v == 5);
	ev_run_until(f.loop, NULL, NULL, 1000);
	CHECK_U64(f.got, VETH_BACKLOG);
	teardown(&f);
}

TEST_MAIN()
