/*
 * test_isolation.c — partition isolation on the emulated hypervisor: no
 * descriptor or hcall argument lets a partition read or write another's
 * memory or act on another's adapter; VLAN tags a client is not configured
 * for (double tags included) never reach another VLAN; a trunk-only VLAN is
 * not reachable from clients of other VLANs; and what a MAC change can and
 * cannot do.
 *
 * MAC changes, as src/hv models PowerVM (H_CHANGE_LOGICAL_LAN_MAC, and the
 * mac argument of H_REGISTER_LOGICAL_LAN, accept any valid unicast MAC; PHYP
 * polices OS-set MACs only through the HMC's "allowed OS MAC addresses"
 * setting, which illan does not model): a unicast frame goes to the first
 * open adapter, in creation order, on the frame's VLAN and vswitch whose
 * current MAC matches (a closed one only when no open one has the MAC). So a
 * MAC change never reaches across VLANs or vswitches and never diverts
 * traffic from an adapter created before the changer; an adapter created
 * earlier on the same VLAN does take the frames over, until
 * H_FREE_LOGICAL_LAN restores its permanent MAC; and an adapter that is not
 * registered takes nothing from an open one (PowerVM switches among the
 * active adapters). The tests pin each case.
 *
 * Driven with the honest partition OS of hos.h, no driver: every hcall is
 * made exactly as a partition would.
 */
#include "harden/hos.h"
#include "pkt/pkt.h"
#include "test.h"

#define PMEM 65536u

static struct hv *hv;

static struct hv_partition *part(const char *name)
{
	struct hv_partition *p = hv_partition_create(hv, name, PMEM);
	REQUIRE(p);
	return p;
}

static void ad(struct hos_ad *a, struct hv_partition *p, uint8_t mac_last, uint16_t pvid,
	       unsigned trunk_pri)
{
	struct hv_adapter_config c = hos_cfg(mac_last, 0, pvid, trunk_pri);
	REQUIRE(hos_adapter(a, hv, p, &c, 8));
	REQUIRE(hos_open(a) == H_SUCCESS);
}

static void world(enum hv_vsw_mode mode)
{
	hv = hv_create();
	REQUIRE(hv);
	REQUIRE(hv_vswitch_set_mode(hv, 0, mode) == 0);
}

static void world_end(void)
{
	hv_destroy(hv);
	hv = NULL;
	CHECK_U64(pkt_outstanding_total(), 0);
}

static struct hv_adapter_stats stats(struct hos_ad *a)
{
	struct hv_adapter_stats st;
	memset(&st, 0, sizeof(st));
	REQUIRE(hv_adapter_get_stats(a->part, a->ua, &st) == 0);
	return st;
}

static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Send one frame from a with the given tags to dst; returns the rc. */
static long send_tagged(struct hos_ad *a, const uint8_t dst[6], const uint32_t *tags, unsigned n)
{
	uint8_t f[128];
	uint32_t len = hos_frame(f, dst, a->mac, tags, n, 46, 0x5a);
	return hos_send(a, f, len);
}

/* ---- memory --------------------------------------------------------------- */

TEST(descriptors_outside_own_memory_are_refused)
{
	world(HV_VSW_VEB);
	struct hv_partition *pa = part("a"), *pb = part("b");
	struct hos_ad a, b;
	ad(&a, pa, 1, 10, 0);
	ad(&b, pb, 2, 10, 0);
	uint8_t *snap = malloc(PMEM);
	REQUIRE(snap);
	memcpy(snap, hv_lmem_base(pb), PMEM);

	/* Sends whose bytes would come from past A's end (where, in a flat
	 * address space, B's memory might follow). */
	static const struct {
		uint32_t addr, len;
	} bad[] = {
		{PMEM, 64},           {PMEM - 63, 64},     {PMEM - 1, 2}, {UINT32_MAX - 10, 64},
		{UINT32_MAX, 0xFFFF}, {0xFFFFFFF0u, 0x20},
	};
	struct hv_adapter_stats st0 = stats(&a);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t d[6] = {papr_desc(IBMVETH_BUF_VALID | bad[i].len, bad[i].addr)};
		CHECK_EQ(h_send_logical_lan(pa, a.ua, d, 0, NULL, 0),
			 bad[i].len > HV_MAX_FRAME ? H_RESOURCE : H_DEST_PARM);
		/* the same as the second of several descriptors */
		uint64_t d2[6] = {papr_desc(IBMVETH_BUF_VALID | 60, (uint32_t)a.tx),
				  papr_desc(IBMVETH_BUF_VALID | bad[i].len, bad[i].addr)};
		/* (60 + 0xFFFF bytes is too long a frame: refused first) */
		long rc = h_send_logical_lan(pa, a.ua, d2, 0, NULL, 0);
		CHECK(rc == (60 + bad[i].len > HV_MAX_FRAME ? H_RESOURCE : H_DEST_PARM));
	}
	struct hv_adapter_stats st1 = stats(&a);
	CHECK_U64(st1.addr_errors - st0.addr_errors, 10);
	CHECK_U64(st1.tx_too_big - st0.tx_too_big, 2); /* 0xFFFF bytes alone or after 60 */
	CHECK_U64(stats(&a).tx_frames, 0);

	/* Receive buffers, queues and lists past the end. */
	CHECK_EQ(h_add_logical_lan_buffer(pa, a.ua, papr_desc(IBMVETH_BUF_VALID | 2048, PMEM - 2047)),
		 H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffer(pa, a.ua, papr_desc(IBMVETH_BUF_VALID | 2048, PMEM)),
		 H_PARAMETER);
	CHECK_EQ(h_free_logical_lan(pa, a.ua), H_SUCCESS);
	CHECK_EQ(h_register_logical_lan(pa, a.ua, PMEM, papr_desc(IBMVETH_BUF_VALID | 512, 8192),
					4096 * 3, papr_mac_to_u64(a.mac)),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(pa, a.ua, 4096, papr_desc(IBMVETH_BUF_VALID | 512, PMEM - 256),
					4096 * 3, papr_mac_to_u64(a.mac)),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(pa, a.ua, 4096, papr_desc(IBMVETH_BUF_VALID | 512, 8192),
					PMEM, papr_mac_to_u64(a.mac)),
		 H_PARAMETER);
	CHECK(memcmp(snap, hv_lmem_base(pb), PMEM) == 0);
	free(snap);
	world_end();
}

TEST(buffers_at_the_same_addresses_stay_in_their_partition)
{
	/* A and B lay out identical memory maps: the same logical addresses
	 * name different bytes, and a frame for B lands only in B. */
	world(HV_VSW_VEB);
	struct hv_partition *pa = part("a"), *pb = part("b"), *pc = part("c");
	struct hos_ad a, b, c;
	ad(&a, pa, 1, 10, 0);
	ad(&b, pb, 2, 10, 0);
	ad(&c, pc, 3, 10, 0);
	CHECK_U64(a.bufs[0], b.bufs[0]);
	uint8_t *snap = malloc(PMEM);
	REQUIRE(snap);
	memcpy(snap, hv_lmem_base(pa), PMEM);
	uint8_t f[128];
	uint32_t len = hos_frame(f, b.mac, c.mac, NULL, 0, 80, 0xc3);
	CHECK_EQ(hos_send(&c, f, len), H_SUCCESS);
	CHECK_EQ(hos_reap(&b), 1);
	CHECK_EQ(b.last_len, len);
	CHECK_MEM(b.last_frame, f, len);
	CHECK(memcmp(snap, hv_lmem_base(pa), PMEM) == 0);
	CHECK_EQ(hos_reap(&a), 0);
	free(snap);
	world_end();
}

TEST(another_partitions_unit_address_is_refused)
{
	world(HV_VSW_VEB);
	struct hv_partition *pa = part("a"), *pb = part("b");
	struct hos_ad a, b;
	ad(&a, pa, 1, 10, 0);
	ad(&b, pb, 2, 10, 0);
	uint64_t d[6] = {papr_desc(IBMVETH_BUF_VALID | 64, (uint32_t)a.tx)};
	uint64_t d8[8] = {papr_desc(IBMVETH_BUF_VALID | 2048, (uint32_t)a.bufs[0])};
	uint64_t attrs = 0;
	/* A, using B's unit address with A's own (valid) memory. */
	CHECK_EQ(h_free_logical_lan(pa, b.ua), H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(pa, b.ua, a.buf_list,
					papr_desc(IBMVETH_BUF_VALID | 512, (uint32_t)a.rxq),
					a.filter, papr_mac_to_u64(a.mac)),
		 H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffer(pa, b.ua, d8[0]), H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffers(pa, b.ua, d8), H_PARAMETER);
	CHECK_EQ(h_send_logical_lan(pa, b.ua, d, 0, NULL, 0), H_PARAMETER);
	CHECK_EQ(h_multicast_ctrl(pa, b.ua, IbmVethMcastDisableRecv, 0), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(pa, b.ua, papr_mac_to_u64(a.mac)), H_PARAMETER);
	CHECK_EQ(h_illan_attributes(pa, b.ua, IBMVETH_ILLAN_IPV4_TCP_CSUM, 0, &attrs), H_PARAMETER);
	CHECK_EQ(h_vio_signal(pa, b.ua, VIO_IRQ_ENABLE), H_PARAMETER);
	struct hv_partition_stats ps;
	hv_partition_get_stats(pa, &ps);
	CHECK_U64(ps.bad_unit, 9);
	/* B is still open, with its MAC, and receives. */
	uint8_t f[128];
	uint32_t len = hos_frame(f, b.mac, a.mac, NULL, 0, 40, 1);
	CHECK_EQ(hos_send(&a, f, len), H_SUCCESS);
	CHECK_EQ(hos_reap(&b), 1);
	world_end();
}

/* ---- VLANs ---------------------------------------------------------------- */

TEST(tags_a_client_is_not_on_never_reach_another_vlan)
{
	world(HV_VSW_VEB);
	struct hv_partition *p10 = part("c10"), *p20 = part("c20"), *pt = part("vios");
	struct hos_ad c10, c20, t;
	ad(&c10, p10, 1, 10, 0);
	ad(&c20, p20, 2, 20, 0);
	ad(&t, pt, 9, 1, 1); /* a trunk on VLAN 1 only */
	static const uint32_t tagsets[][2] = {
		{0x81000014, 0},               /* VLAN 20 */
		{0x81000000 | 20 | 0xE000, 0}, /* VLAN 20 with priority bits */
		{0x8100000a, 0x81000014},      /* own PVID outside, 20 inside */
		{0x88a8000a, 0x81000014},      /* 802.1ad outer */
		{0x88a80014, 0x8100000a},
		{0x81000014, 0x8100000a}, /* 20 outside, own PVID inside */
		{0x81000000, 0},          /* priority tag (VID 0) */
		{0x81000fff, 0},          /* VID 4095 */
		{0x8100000a, 0x88a80014},
	};
	static const unsigned n_tags[] = {1, 1, 2, 2, 2, 2, 1, 1, 2};
	for (unsigned i = 0; i < sizeof(n_tags) / sizeof(n_tags[0]); i++) {
		CHECK_EQ(send_tagged(&c10, c20.mac, tagsets[i], n_tags[i]), H_DROPPED);
		CHECK_EQ(send_tagged(&c10, bcast, tagsets[i], n_tags[i]), H_DROPPED);
	}
	CHECK_U64(stats(&c10).vlan_discards, 18);
	CHECK_EQ(hos_reap(&c20), 0);
	CHECK_EQ(hos_reap(&t), 0);
	CHECK_U64(stats(&c20).rx_frames, 0);
	/* Control: tagged with its own PVID the frame is accepted; c20's MAC
	 * is not on VLAN 10 and no trunk carries 10, so it goes nowhere. */
	static const uint32_t own[1] = {0x8100000a};
	CHECK_EQ(send_tagged(&c10, c20.mac, own, 1), H_SUCCESS);
	CHECK_EQ(hos_reap(&c20), 0);
	CHECK_U64(stats(&c10).no_destination, 1);
	world_end();
}

TEST(trunk_only_vlan_unreachable_from_clients_of_other_vlans)
{
	/* VLAN 30 exists only on the trunk (PVID 1, VID 30). */
	world(HV_VSW_VEB);
	struct hv_partition *p10 = part("c10"), *p20 = part("c20"), *pt = part("vios");
	struct hos_ad c10, c20, t;
	ad(&c10, p10, 1, 10, 0);
	ad(&c20, p20, 2, 20, 0);
	struct hv_adapter_config tc = hos_cfg(9, 0, 1, 1);
	tc.vids[0] = 30;
	tc.vids[1] = 10;
	tc.n_vids = 2;
	REQUIRE(hos_adapter(&t, hv, pt, &tc, 8));
	REQUIRE(hos_open(&t) == H_SUCCESS);
	static const uint32_t t30[1] = {0x8100001e};
	static const uint32_t t10_30[2] = {0x8100000a, 0x8100001e};
	static const uint8_t ext[6] = {0x02, 0x99, 0, 0, 0, 1};
	CHECK_EQ(send_tagged(&c10, ext, t30, 1), H_DROPPED);
	CHECK_EQ(send_tagged(&c10, bcast, t30, 1), H_DROPPED);
	CHECK_EQ(send_tagged(&c10, ext, t10_30, 2), H_DROPPED);
	CHECK_EQ(send_tagged(&c20, ext, t30, 1), H_DROPPED);
	CHECK_EQ(hos_reap(&t), 0);
	/* Control: c10's untagged unknown unicast does reach the trunk (on
	 * VLAN 10, delivered tagged 10 since the trunk's PVID is 1). */
	CHECK_EQ(send_tagged(&c10, ext, NULL, 0), H_SUCCESS);
	CHECK_EQ(hos_reap(&t), 1);
	CHECK_EQ(hdr_get16(t.last_frame + 12), ETH_P_8021Q);
	CHECK_EQ(hdr_get16(t.last_frame + 14) & 0xfff, 10);
	/* The trunk's VLAN-30 broadcast reaches no client. */
	CHECK_EQ(send_tagged(&t, bcast, t30, 1), H_SUCCESS);
	CHECK_EQ(hos_reap(&c10), 0);
	CHECK_EQ(hos_reap(&c20), 0);
	/* ...while its VLAN-10 broadcast reaches c10, untagged. */
	static const uint32_t t10[1] = {0x8100000a};
	CHECK_EQ(send_tagged(&t, bcast, t10, 1), H_SUCCESS);
	CHECK_EQ(hos_reap(&c10), 1);
	CHECK_EQ(hdr_get16(c10.last_frame + 12), 0x88b5);
	CHECK_EQ(hos_reap(&c20), 0);
	world_end();
}

/* ---- MAC changes ------------------------------------------------------------- */

static unsigned unicast_to(struct hos_ad *from, const uint8_t dst[6], struct hos_ad *a,
			   struct hos_ad *b)
{
	uint8_t f[128];
	uint32_t len = hos_frame(f, dst, from->mac, NULL, 0, 40, 7);
	CHECK_EQ(hos_send(from, f, len), H_SUCCESS);
	unsigned got = 0;
	if (hos_reap(a))
		got |= 1;
	if (hos_reap(b))
		got |= 2;
	return got;
}

TEST(mac_change_across_vlans_takes_nothing)
{
	world(HV_VSW_VEB);
	struct hv_partition *pm = part("mallory"), *pv = part("victim"), *ps = part("sender");
	struct hos_ad m, v, s;
	ad(&m, pm, 1, 20, 0); /* created first, but on VLAN 20 */
	ad(&v, pv, 2, 10, 0);
	ad(&s, ps, 3, 10, 0);
	CHECK_EQ(h_change_logical_lan_mac(pm, m.ua, papr_mac_to_u64(v.mac)), H_SUCCESS);
	CHECK_EQ(unicast_to(&s, v.mac, &v, &m), 1);
	/* Registering with the victim's MAC is the same as changing to it. */
	CHECK_EQ(h_free_logical_lan(pm, m.ua), H_SUCCESS);
	memcpy(m.mac, v.mac, 6);
	CHECK_EQ(hos_open(&m), H_SUCCESS);
	CHECK_EQ(unicast_to(&s, v.mac, &v, &m), 1);
	world_end();
}

TEST(mac_change_by_a_later_adapter_takes_nothing)
{
	world(HV_VSW_VEB);
	struct hv_partition *pm = part("mallory"), *pv = part("victim"), *ps = part("sender");
	struct hos_ad v, m, s;
	ad(&v, pv, 2, 10, 0);
	ad(&m, pm, 1, 10, 0); /* same VLAN, created after the victim */
	ad(&s, ps, 3, 10, 0);
	CHECK_EQ(h_change_logical_lan_mac(pm, m.ua, papr_mac_to_u64(v.mac)), H_SUCCESS);
	CHECK_EQ(unicast_to(&s, v.mac, &v, &m), 1);
	world_end();
}

TEST(mac_change_by_an_earlier_adapter_on_the_vlan_takes_over_until_free)
{
	world(HV_VSW_VEB);
	struct hv_partition *pm = part("mallory"), *pv = part("victim"), *ps = part("sender");
	struct hos_ad m, v, s;
	ad(&m, pm, 1, 10, 0); /* same VLAN, created before the victim */
	ad(&v, pv, 2, 10, 0);
	ad(&s, ps, 3, 10, 0);
	uint8_t mallory_mac[6];
	memcpy(mallory_mac, m.mac, 6);
	CHECK_EQ(unicast_to(&s, v.mac, &m, &v), 2);
	CHECK_EQ(h_change_logical_lan_mac(pm, m.ua, papr_mac_to_u64(v.mac)), H_SUCCESS);
	CHECK_EQ(unicast_to(&s, v.mac, &m, &v), 1); /* the documented takeover */
	/* Free restores the permanent MAC; re-registering with it ends it. */
	CHECK_EQ(h_free_logical_lan(pm, m.ua), H_SUCCESS);
	memcpy(m.mac, mallory_mac, 6);
	CHECK_EQ(hos_open(&m), H_SUCCESS);
	CHECK_EQ(unicast_to(&s, v.mac, &m, &v), 2);
	/* A MAC that is not a valid unicast address is refused outright. */
	CHECK_EQ(h_change_logical_lan_mac(pm, m.ua, 0xffffffffffffull), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(pm, m.ua, 0x010000000001ull), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(pm, m.ua, 0), H_PARAMETER);
	world_end();
}

TEST(closed_adapter_with_the_victims_mac_takes_nothing)
{
	/* Mallory's adapter is created first on the victim's VLAN but never
	 * registers its LAN; while closed it changes its MAC to the victim's.
	 * Unicast to that MAC, from a client (VEB) and from the trunk, still
	 * reaches the open victim: a closed adapter must not black-hole it. */
	world(HV_VSW_VEB);
	struct hv_partition *pm = part("mallory"), *pv = part("victim"), *ps = part("sender"),
			    *pt = part("vios");
	struct hos_ad m, v, s, t;
	struct hv_adapter_config mc = hos_cfg(1, 0, 10, 0);
	REQUIRE(hos_adapter(&m, hv, pm, &mc, 8)); /* created, not opened */
	ad(&v, pv, 2, 10, 0);
	ad(&s, ps, 3, 10, 0);
	struct hv_adapter_config tc = hos_cfg(9, 0, 1, 1);
	tc.vids[0] = 10;
	tc.n_vids = 1;
	REQUIRE(hos_adapter(&t, hv, pt, &tc, 8));
	REQUIRE(hos_open(&t) == H_SUCCESS);
	CHECK_EQ(h_change_logical_lan_mac(pm, m.ua, papr_mac_to_u64(v.mac)), H_SUCCESS);
	CHECK_EQ(unicast_to(&s, v.mac, &v, &m), 1);
	static const uint32_t t10[1] = {0x8100000a};
	CHECK_EQ(send_tagged(&t, v.mac, t10, 1), H_SUCCESS);
	CHECK_EQ(hos_reap(&v), 1);
	CHECK_U64(stats(&m).rx_not_open, 0);
	CHECK_U64(v.rx_frames, 2);
	/* With the victim closed too, a frame for the MAC finds no open
	 * adapter: the first closed one is charged with it (rx_not_open), the
	 * frame reaches nobody and does not leak to the trunk. */
	CHECK_EQ(h_free_logical_lan(pv, v.ua), H_SUCCESS);
	CHECK_EQ(unicast_to(&s, v.mac, &v, &m), 0);
	CHECK_U64(stats(&m).rx_not_open, 1);
	CHECK_EQ(hos_reap(&t), 0);
	world_end();
}

TEST_MAIN()
