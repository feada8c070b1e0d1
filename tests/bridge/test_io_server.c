/*
 * test_io_server.c — the IO server's path for a hostile or broken large
 * send: a client partition sends an old-method large frame (IPv4 checksum
 * 0xffff) whose TCP checksum field, where the old method carries the MSS,
 * says 1. The trunk's ibmveth hands it up as a GSO packet with gso_size 1,
 * as ibmveth_rx_mss_helper does (the kernel does not check the value), and
 * the bridge's upcall or the uplink's TSO would have to cut ~60000 segments.
 * Each path must end with the packet dropped and counted, nothing leaked and
 * nothing sent: segmentation takes its segments from the packet's own pool,
 * which runs dry long before (-ENOMEM, the partial list freed).
 *
 * The rig: client partition (ibmveth, old large send) — hypervisor — IO
 * server partition (trunk ibmveth) — OVS bridge — physnic uplink whose wire
 * is captured here.
 */
#include <errno.h>
#include <string.h>

#include "bridge/bridge.h"
#include "drv/ibmveth/ibmveth.h"
#include "drv/physnic/physnic.h"
#include "ev/ev.h"
#include "hv/hv.h"
#include "hv/papr.h"
#include "net/netdev.h"
#include "net/netdev_test_util.h"
#include "pkt/pkt.h"
#include "test.h"

#define FW_ALL (IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT)

static const uint8_t mac_host[6] = {0x02, 0, 0, 0, 0, 0x77};

struct rig {
	struct hv *hv;
	struct ev_loop *loop;
	struct hv_partition *vm, *vios;
	struct netdev *client, *trunk, *uplink;
	struct pkt_pool *nic_pool;
	struct br *br;
	unsigned wire_frames;
};

static int wire_send(void *arg, const uint8_t *frame, uint32_t len)
{
	struct rig *r = arg;
	(void)frame;
	(void)len;
	r->wire_frames++;
	return 0;
}

static struct netdev *veth(struct rig *r, struct hv_partition *part, const char *name,
			   const uint8_t *mac, unsigned trunk_priority, bool old_large_send)
{
	struct hv_adapter_config cfg = {
		.vswitch = 0, .pvid = 1, .trunk_priority = trunk_priority, .fw_attrs = FW_ALL};
	memcpy(cfg.mac, mac, 6);
	uint64_t ua = hv_adapter_create(r->hv, part, &cfg);
	REQUIRE(ua != 0);
	struct ibmveth_of_node of = {.illan_options = true};
	memcpy(of.mac, mac, 6);
	struct ibmveth_params p;
	ibmveth_params_default(&p);
	p.old_large_send = old_large_send;
	struct netdev *d = ibmveth_create(name, part, ua, &of, r->loop, &p);
	REQUIRE(d);
	REQUIRE(netdev_open(d) == 0);
	return d;
}

static void run(struct rig *r)
{
	/* tasks only: the virtual clock stays put, so flows do not age out */
	ev_run_until(r->loop, NULL, NULL, ev_now(r->loop));
}

static void rig_up(struct rig *r, bool uplink_tso)
{
	memset(r, 0, sizeof(*r));
	r->hv = hv_create();
	r->loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(r->hv && r->loop);
	r->vm = hv_partition_create(r->hv, "vm", 2 * ibmveth_lmem_needed());
	r->vios = hv_partition_create(r->hv, "vios", 2 * ibmveth_lmem_needed());
	REQUIRE(r->vm && r->vios);
	/* The old method needs TSO switched on by hand (it is off by default). */
	r->client = veth(r, r->vm, "vethA", tu_mac_a, 0, true);
	REQUIRE(netdev_set_features(r->client, r->client->hw_features) == 0);
	REQUIRE(r->client->features & NETIF_F_TSO);
	r->trunk = veth(r, r->vios, "trunk", tu_mac_c, 1, false);
	REQUIRE(ibmveth_is_active_trunk(r->trunk));

	static const struct pkt_pool_class cls[] = {{2048, 256}, {PKT_MAX_LEN + 512, 8}};
	r->nic_pool = pkt_pool_create("nic", cls, 2, NULL, 0);
	REQUIRE(r->nic_pool);
	struct physnic_config pc;
	physnic_config_init(&pc);
	pc.tso = uplink_tso;
	r->uplink = physnic_create("uplink", r->nic_pool, r->loop, &pc);
	REQUIRE(r->uplink);
	physnic_set_wire(r->uplink, wire_send, r);
	REQUIRE(netdev_open(r->uplink) == 0);

	r->br = br_create("br0", BR_OVS, r->loop);
	REQUIRE(r->br);
	REQUIRE(br_add_port(r->br, r->trunk, NULL) == 1);
	REQUIRE(br_add_port(r->br, r->uplink, NULL) == 2);
	run(r);
}

static void rig_down(struct rig *r)
{
	br_destroy(r->br);
	netdev_free(r->client);
	netdev_free(r->trunk);
	netdev_free(r->uplink);
	CHECK_EQ(pkt_pool_outstanding(r->nic_pool), 0);
	pkt_pool_destroy(r->nic_pool);
	ev_loop_destroy(r->loop);
	hv_destroy(r->hv);
	CHECK_U64(pkt_outstanding_total(), 0);
}

static uint64_t bctr(const struct br *br, const char *name)
{
	uint64_t v = UINT64_MAX;
	CHECK(br_get_counter(br, name, &v));
	return v;
}

static uint64_t dctr(struct netdev *dev, const char *name)
{
	uint64_t v = UINT64_MAX;
	CHECK(netdev_get_counter(dev, name, &v));
	return v;
}

/* Buffers dev has posted to the hypervisor: with nothing held anywhere,
 * every packet of its pool. */
static unsigned posted(struct netdev *dev)
{
	unsigned n = 0;
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++) {
		struct ibmveth_pool_info pi;
		REQUIRE(ibmveth_get_pool_info(dev, i, &pi) == 0);
		n += pi.available;
	}
	return n;
}

/* Client to the host: TCP over IPv4, payload bytes, GSO with mss (0: none). */
static void client_send(struct rig *r, uint32_t payload, uint16_t mss)
{
	struct tu_frame f = {.ip_version = 4,
			     .l4 = TU_TCP,
			     .payload = payload,
			     .ip_summed = CHECKSUM_PARTIAL,
			     .src = tu_mac_a,
			     .dst = mac_host,
			     .df = true,
			     .fill = 1,
			     .gso_size = mss};
	struct pkt *p = tu_build(r->client->pool, &f);
	REQUIRE(p);
	CHECK_EQ(dev_queue_xmit(r->client, p), 0);
	run(r);
}

/* The frame the client puts on the virtual wire: old method, "MSS" 1. */
static void send_mss_one(struct rig *r)
{
	uint64_t large = dctr(r->client, "tx_large_packets");
	uint64_t rx_large = dctr(r->trunk, "rx_large_packets");
	client_send(r, 60000, 1);
	CHECK_U64(dctr(r->client, "tx_large_packets"), large + 1);
	CHECK_U64(dctr(r->trunk, "rx_large_packets"), rx_large + 1);
}

TEST(mss_one_through_the_upcall_dropped_and_counted)
{
	struct rig r;
	rig_up(&r, true);
	send_mss_one(&r);
	/* the miss: the upcall's software segmentation runs out of the trunk's
	 * pool; no flow is installed, nothing leaves */
	CHECK_U64(bctr(r.br, "misses"), 1);
	CHECK_U64(bctr(r.br, "upcall_errors"), 1);
	CHECK_U64(bctr(r.br, "drop_upcall"), 1);
	CHECK_U64(bctr(r.br, "upcall_gso_segments"), 0);
	CHECK_EQ(br_n_flows(r.br), 0);
	CHECK_EQ(r.wire_frames, 0);
	struct pkt_pool_stats st;
	pkt_pool_get_stats(r.trunk->pool, &st);
	CHECK(st.failures > 0);
	CHECK_EQ(pkt_pool_outstanding(r.trunk->pool), posted(r.trunk));
	/* and the path still works for sane frames of the same flow */
	client_send(&r, 100, 0);
	client_send(&r, 100, 0);
	CHECK_EQ(r.wire_frames, 2);
	CHECK_EQ(br_n_flows(r.br), 1);
	rig_down(&r);
}

TEST(mss_one_on_the_fast_path_to_uplink_tso_dropped_and_counted)
{
	for (int tso = 1; tso >= 0; tso--) {
		struct rig r;
		rig_up(&r, tso);
		client_send(&r, 100, 0); /* the miss installs the flow */
		REQUIRE(r.wire_frames == 1);
		REQUIRE(br_n_flows(r.br) == 1);
		send_mss_one(&r);
		CHECK_U64(bctr(r.br, "hits"), 1);
		CHECK_EQ(r.wire_frames, 1);
		if (tso) {
			/* the NIC's TSO model segments from the same pool */
			CHECK_U64(r.uplink->stats.tx_errors, 1);
			CHECK_U64(dctr(r.uplink, "hw_tso_packets"), 0);
		} else {
			/* validate_xmit's software GSO */
			CHECK_U64(r.uplink->stats.xmit_errors, 1);
			CHECK_U64(r.uplink->stats.tx_dropped, 1);
			CHECK_U64(r.uplink->stats.sw_gso_packets, 0);
		}
		CHECK_EQ(pkt_pool_outstanding(r.trunk->pool), posted(r.trunk));
		rig_down(&r);
	}
}

TEST_MAIN()
