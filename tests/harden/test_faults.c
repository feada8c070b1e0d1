/*
 * test_faults.c — fault injection on the driver-level scenario (two ibmveth
 * clients on one hypervisor, A sending small, checksum-offloaded, large-send
 * and frag_list TCP frames to B):
 *  - every packet allocation of the traffic phase, and a spread of the
 *    setup phase's, is failed in turn (pkt_fault_fail_nth): each run ends in
 *    a clean error or a counted drop, never a crash or a leak — data that
 *    arrives is intact, and lost data moved a named drop counter;
 *  - the hypervisor answers H_SEND_LOGICAL_LAN with H_BUSY, H_DROPPED and
 *    H_RESOURCE at random (hv_inject_send_result): the driver retries H_BUSY
 *    up to 1024 times, counts H_DROPPED as sent, and counts anything else in
 *    tx_send_failed and tx_dropped, as ibmveth_send_logical_lan does;
 *  - B's receive pools run dry (a burst with no poll in between) and refill,
 *    also when the refill itself fails for a while.
 * The seed topology's version (topology + a short flow) follows once
 * src/topo lands.
 */
#include "drv/ibmveth/ibmveth.h"
#include "ev/ev.h"
#include "net/netdev_test_util.h"
#include "pkt/gso.h"
#include "test.h"

#define FW_ALL (IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT)

struct rig {
	struct hv *hv;
	struct ev_loop *loop;
	struct hv_partition *pa, *pb;
	struct netdev *a, *b;
	uint64_t rx_payload; /* TCP payload bytes B received intact */
	uint64_t rx_frames;
	uint64_t rx_corrupt;
};

static struct rig R;

/* Payload bytes of a TCP frame (after completing/segmenting as a stack
 * would), or 0 with rx_corrupt counted when its checksum does not verify. */
static uint64_t rx_account(struct pkt *p)
{
	struct hdr_info h;
	/* Parsed in place: B's GRO hands up packets with page fragments, and
	 * flattening them here would be one more allocation that fault
	 * injection could fail inside this check rather than the system. */
	if (hdr_parse_head(pkt_data(p), pkt_headlen(p), p->len, &h) != 0 || !h.l4_off) {
		R.rx_corrupt++;
		return 0;
	}
	uint64_t pay = p->len - h.l4_off - h.l4_hlen;
	if (p->ip_summed == CHECKSUM_UNNECESSARY)
		return pay; /* the hypervisor vouched for it (CSUM_GOOD) */
	if (p->ip_summed == CHECKSUM_PARTIAL && !pkt_is_gso(p) && pkt_checksum_help(p) != 0) {
		R.rx_corrupt++;
		return 0;
	}
	if (pkt_is_gso(p)) {
		int err;
		struct pkt *segs = gso_segment(p, false, &err);
		if (!segs)
			return pay; /* could not check: an allocation failed here */
		for (struct pkt *s = segs; s; s = s->next)
			if (!pkt_l4_csum_ok(s))
				R.rx_corrupt++;
		pkt_free_list(segs);
		return pay;
	}
	if (!pkt_l4_csum_ok(p)) {
		R.rx_corrupt++;
		return 0;
	}
	return pay;
}

static void rx_b(void *arg, struct netdev *dev, struct pkt *p)
{
	(void)arg;
	(void)dev;
	R.rx_frames++;
	R.rx_payload += rx_account(p);
	pkt_free(p);
}

static void run(void)
{
	ev_run_until(R.loop, NULL, NULL, UINT64_MAX);
}

static struct netdev *veth(const char *name, struct hv_partition *part, const uint8_t *mac)
{
	struct hv_adapter_config cfg = {
		.vswitch = 0, .pvid = 1, .fw_attrs = FW_ALL, .mcast_filter_size = 8};
	memcpy(cfg.mac, mac, 6);
	uint64_t ua = hv_adapter_create(R.hv, part, &cfg);
	if (!ua)
		return NULL;
	struct ibmveth_of_node of = {.mcast_filter_size = 8, .illan_options = true};
	memcpy(of.mac, mac, 6);
	return ibmveth_create(name, part, ua, &of, R.loop, NULL);
}

/* Build the rig; false (everything built so far torn down by rig_down) when a
 * step fails — a clean error. */
static bool rig_up(void)
{
	memset(&R, 0, sizeof(R));
	R.hv = hv_create();
	R.loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	if (!R.hv || !R.loop)
		return false;
	hv_vswitch_set_mode(R.hv, 0, HV_VSW_VEB);
	R.pa = hv_partition_create(R.hv, "a", 2 * ibmveth_lmem_needed());
	R.pb = hv_partition_create(R.hv, "b", 2 * ibmveth_lmem_needed());
	if (!R.pa || !R.pb)
		return false;
	R.a = veth("fa", R.pa, tu_mac_a);
	R.b = veth("fb", R.pb, tu_mac_b);
	if (!R.a || !R.b)
		return false;
	netdev_set_rx_handler(R.b, rx_b, NULL);
	if (netdev_open(R.a) != 0 || netdev_open(R.b) != 0)
		return false;
	run();
	return true;
}

static void rig_down(void)
{
	netdev_free(R.a);
	netdev_free(R.b);
	if (R.loop)
		ev_loop_destroy(R.loop);
	if (R.hv)
		hv_destroy(R.hv);
	memset(&R, 0, sizeof(R));
}

static uint64_t ctr(struct netdev *d, const char *name)
{
	uint64_t v = 0;
	REQUIRE(netdev_get_counter(d, name, &v));
	return v;
}

/* Every counter that records data not delivered, over both ends. */
static uint64_t drops(void)
{
	static const char *names[] = {"tx_dropped",       "xmit_errors",  "rx_dropped",
				      "tx_send_failed",   "rx_no_buffer", "rx_bad_frame",
				      "rx_invalid_buffer"};
	uint64_t n = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		n += ctr(R.a, names[i]) + ctr(R.b, names[i]);
	return n;
}

/* The traffic phase: returns the payload bytes offered to A. A frame that
 * cannot even be built (allocation failed) is not offered. */
static uint64_t traffic(void)
{
	static const struct {
		int ipv;
		uint32_t payload;
		uint8_t ip_summed;
		uint16_t gso;
		unsigned frags;
	} f[] = {
		{4, 40, CHECKSUM_PARTIAL, 0, 0}, /* below rx copybreak */
		{6, 1000, CHECKSUM_PARTIAL, 0, 0},
		{4, 1400, CHECKSUM_NONE, 0, 0},
		{4, 20000, CHECKSUM_PARTIAL, 1448, 0}, /* large send */
		{6, 9000, CHECKSUM_PARTIAL, 1428, 0},
		{4, 6000, CHECKSUM_PARTIAL, 1448, 3}, /* GRO-shaped frag_list */
	};
	uint64_t offered = 0;
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		struct tu_frame tf = {.ip_version = f[i].ipv,
				      .l4 = TU_TCP,
				      .payload = f[i].payload,
				      .ip_summed = f[i].ip_summed,
				      .gso_size = f[i].gso,
				      .seq = 1000 * i,
				      .fill = (uint8_t)i,
				      .df = true};
		struct pkt *p = tu_build(R.a->pool, &tf);
		if (!p)
			continue;
		if (f[i].frags && tu_split_frag_list(p, R.a->pool, 100, f[i].frags) != 0) {
			pkt_free(p);
			continue;
		}
		offered += f[i].payload;
		dev_queue_xmit(R.a, p);
		run();
	}
	return offered;
}

TEST(no_faults_baseline)
{
	REQUIRE(rig_up());
	uint64_t offered = traffic();
	CHECK_U64(offered, 40 + 1000 + 1400 + 20000 + 9000 + 6000);
	CHECK_U64(R.rx_payload, offered);
	CHECK_U64(R.rx_corrupt, 0);
	CHECK_U64(drops(), 0);
	rig_down();
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST(each_traffic_allocation_fails_cleanly)
{
	REQUIRE(rig_up());
	pkt_fault_fail_nth(0);
	traffic();
	uint64_t sites = pkt_fault_fail_nth(0);
	rig_down();
	REQUIRE(sites > 6);
	printf("# %llu allocation sites in the traffic phase\n", (unsigned long long)sites);
	unsigned lossy = 0;
	for (uint64_t k = 1; k <= sites; k++) {
		REQUIRE(rig_up());
		pkt_fault_fail_nth(k);
		uint64_t offered = traffic();
		pkt_fault_fail_nth(0);
		CHECK_U64(R.rx_corrupt, 0);
		CHECK(R.rx_payload <= offered);
		if (R.rx_payload < offered) {
			lossy++;
			if (drops() == 0)
				TEST_FAILF("site %llu: %llu of %llu bytes lost with no drop counted",
					   (unsigned long long)k,
					   (unsigned long long)(offered - R.rx_payload),
					   (unsigned long long)offered);
		}
		rig_down();
		if (pkt_outstanding_total() != 0)
			TEST_FAILF("site %llu: %llu packets leaked", (unsigned long long)k,
				   (unsigned long long)pkt_outstanding_total());
	}
	printf("# %u of %llu failures lost data (each counted)\n", lossy, (unsigned long long)sites);
}

TEST(setup_allocation_failures_are_clean_errors)
{
	pkt_fault_fail_nth(0);
	REQUIRE(rig_up());
	uint64_t sites = pkt_fault_fail_nth(0);
	rig_down();
	REQUIRE(sites > 0);
	uint64_t stride = sites / 24 + 1;
	unsigned failed_setups = 0;
	for (uint64_t k = 1; k <= sites; k += stride) {
		pkt_fault_fail_nth(k);
		bool up = rig_up();
		pkt_fault_fail_nth(0);
		if (!up) {
			failed_setups++;
		} else {
			/* A setup that went on (a buffer not posted is refilled
			 * later) still carries traffic, intact. */
			uint64_t offered = traffic();
			CHECK_U64(R.rx_corrupt, 0);
			CHECK(R.rx_payload <= offered);
		}
		rig_down();
		CHECK_U64(pkt_outstanding_total(), 0);
	}
	printf("# %u setups refused of %llu tried\n", failed_setups,
	       (unsigned long long)((sites + stride - 1) / stride));
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint32_t)(rnd_state % n);
}

TEST(hypervisor_busy_dropped_resource_handled_as_the_kernel_does)
{
	REQUIRE(rig_up());
	uint64_t want_delivered = 0, want_sent = 0, want_failed = 0;
	for (unsigned i = 0; i < 300; i++) {
		long code = 0;
		unsigned n = 0;
		switch (rnd(6)) {
		case 0:
			break; /* clean send */
		case 1:
			code = H_BUSY, n = 1 + rnd(5); /* retried, then sent */
			break;
		case 2:
			code = H_BUSY, n = 1025 + rnd(3); /* 1 + 1024 retries all busy */
			break;
		case 3:
			code = H_DROPPED, n = 1;
			break;
		case 4:
			code = H_RESOURCE, n = 1;
			break;
		default:
			code = H_PARAMETER, n = 1;
			break;
		}
		hv_inject_send_result(R.pa, code, n);
		struct tu_frame tf = {.ip_version = 4,
				      .l4 = TU_TCP,
				      .payload = 200 + rnd(1000),
				      .ip_summed = CHECKSUM_PARTIAL,
				      .seq = i,
				      .fill = (uint8_t)i};
		struct pkt *p = tu_build(R.a->pool, &tf);
		REQUIRE(p);
		CHECK_EQ(dev_queue_xmit(R.a, p), 0);
		run();
		hv_inject_send_result(R.pa, 0, 0);
		bool busy_ok = code == H_BUSY && n <= 1024;
		if (code == 0 || busy_ok) {
			want_sent++;
			want_delivered++;
		} else if (code == H_DROPPED) {
			want_sent++; /* counted as sent, never delivered */
		} else {
			want_failed++;
		}
	}
	CHECK_U64(R.rx_frames, want_delivered);
	CHECK_U64(ctr(R.a, "tx_packets"), want_sent);
	CHECK_U64(ctr(R.a, "tx_send_failed"), want_failed);
	CHECK_U64(ctr(R.a, "tx_dropped"), want_failed);
	CHECK_U64(R.rx_corrupt, 0);
	rig_down();
	CHECK_U64(pkt_outstanding_total(), 0);
}

/* Every active pool back at or above its replenish threshold (as
 * ibmveth_replenish_task leaves them). */
static bool refilled(struct netdev *d)
{
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++) {
		struct ibmveth_pool_info pi;
		if (ibmveth_get_pool_info(d, i, &pi) == 0 && pi.active && pi.available < pi.threshold)
			return false;
	}
	return true;
}

static unsigned posted(struct netdev *d)
{
	unsigned n = 0;
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++) {
		struct ibmveth_pool_info pi;
		if (ibmveth_get_pool_info(d, i, &pi) == 0 && pi.active)
			n += pi.available;
	}
	return n;
}

/* A burst of n small frames with no poll in between. */
static void burst(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct tu_frame tf = {.ip_version = 4,
				      .l4 = TU_TCP,
				      .payload = 300,
				      .ip_summed = CHECKSUM_PARTIAL,
				      .seq = i,
				      .fill = (uint8_t)i};
		struct pkt *p = tu_build(R.a->pool, &tf);
		REQUIRE(p);
		CHECK_EQ(dev_queue_xmit(R.a, p), 0);
	}
}

TEST(receive_pools_run_dry_and_refill)
{
	REQUIRE(rig_up());
	unsigned full = posted(R.b);
	/* More 300-byte frames than B has buffers of any size posted. */
	unsigned n = full + 100;
	burst(n);
	run();
	uint64_t lost = n - R.rx_frames;
	CHECK(lost >= 100);
	CHECK_U64(ctr(R.b, "rx_no_buffer"), lost); /* the hypervisor's drop counter */
	CHECK(refilled(R.b));
	/* Refilled: the same burst size that fits now arrives whole. */
	uint64_t before = R.rx_frames;
	burst(200);
	run();
	CHECK_U64(R.rx_frames - before, 200);

	/* Refill failing for a while: the next allocations fail one after
	 * another; replenish counts them and a later poll recovers. */
	before = R.rx_frames;
	unsigned n2 = posted(R.b) - 10;
	burst(n2);
	for (unsigned k = 0; k < 5; k++) {
		pkt_fault_fail_nth(1);
		run();
	}
	pkt_fault_fail_nth(0);
	CHECK(ctr(R.b, "replenish_no_mem") >= 1);
	burst(20);
	run();
	CHECK(refilled(R.b));
	CHECK_U64(R.rx_frames - before + (ctr(R.b, "rx_no_buffer") - lost), n2 + 20);
	CHECK_U64(R.rx_corrupt, 0);
	rig_down();
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST_MAIN()
