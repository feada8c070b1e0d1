/*
 * test_vsw.c — the virtual switch: VLAN port rules (untagged frames take the
 * PVID, the PVID tag is stripped on delivery, additional VIDs stay tagged,
 * disallowed and double tags are discarded), delivery by MAC within a VLAN,
 * broadcast and multicast, trunk priority, the ACTIVE_TRUNK attribute and
 * failover (one definition of the active trunk for both), VEB versus VEPA,
 * vswitch isolation, the observer (hv_set_observer).
 */
#include "test.h"
#include "hv_test_util.h"

#define MEM (1u << 20)

struct net {
	struct hv *hv;
	struct hv_partition *p[8];
	struct tad ad[8];
	unsigned n;
};

static struct net *net_new(void)
{
	struct net *n = calloc(1, sizeof(*n));
	REQUIRE(n);
	n->hv = hv_create();
	REQUIRE(n->hv);
	return n;
}

/* Adapter i: own partition, MAC 02:..:i+1, registered, 32 x 2 KiB buffers. */
static struct tad *net_add(struct net *n, unsigned vsw, uint16_t pvid, const uint16_t *vids,
			   unsigned n_vids, unsigned trunk_pri, bool open)
{
	unsigned i = n->n++;
	char name[8];
	snprintf(name, sizeof(name), "p%u", i);
	n->p[i] = hv_partition_create(n->hv, name, MEM);
	REQUIRE(n->p[i]);
	struct hv_adapter_config c = t_cfg((uint8_t)(i + 1), vsw, pvid, trunk_pri, 0);
	for (unsigned k = 0; k < n_vids; k++)
		c.vids[k] = vids[k];
	c.n_vids = n_vids;
	struct tad *t = &n->ad[i];
	REQUIRE(t_adapter(t, n->hv, n->p[i], &c, 0));
	if (open) {
		REQUIRE(t_open(t) == H_SUCCESS);
		REQUIRE(t_post(t, 2048, 32) == 32);
	}
	return t;
}

static void net_free(struct net *n)
{
	hv_destroy(n->hv);
	free(n);
	CHECK_U64(pkt_outstanding_total(), 0);
}

static uint64_t attrs(struct tad *t)
{
	uint64_t a = 0;
	CHECK_EQ(h_illan_attributes(t->part, t->ua, 0, 0, &a), H_SUCCESS);
	return a;
}

static bool is_active(struct tad *t)
{
	return (attrs(t) & IBMVETH_ILLAN_ACTIVE_TRUNK) != 0;
}

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t UNKNOWN[6] = {0x02, 0x99, 0x99, 0x99, 0x99, 0x99};

/* Send a raw frame (tag -1 for none) from s to dst; return the rc. */
static long xmit(struct tad *s, const uint8_t *dst, int tag, uint8_t fill)
{
	uint8_t f[256];
	uint32_t len = t_build_raw(f, dst, s->mac, tag, 80, fill);
	return t_send(s, f, len, 0, 0);
}

/* Receive one frame and check it is untagged (tag < 0) or carries tci tag,
 * with the payload fill. */
static bool got(struct tad *r, int tag, uint8_t fill)
{
	struct trx rx;
	if (!t_recv(r, &rx))
		return false;
	const uint8_t *f = rx.frame;
	uint32_t o = 12;
	if (tag >= 0) {
		if (f[12] != 0x81 || f[13] != 0 || (f[14] << 8 | f[15]) != tag)
			return false;
		o = 16;
	} else if (f[12] == 0x81) {
		return false;
	}
	if (f[o] != 0x88 || f[o + 1] != 0xb5 || rx.len != o + 2 + 80)
		return false;
	for (uint32_t i = o + 2; i < rx.len; i++)
		if (f[i] != fill)
			return false;
	return true;
}

TEST(untagged_frames_take_the_pvid)
{
	struct net *n = net_new();
	struct tad *a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *b = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *c = net_add(n, 0, 20, NULL, 0, 0, true);
	CHECK_EQ(xmit(a, BCAST, -1, 1), H_SUCCESS);
	CHECK(got(b, -1, 1));
	CHECK_EQ(t_drain(c), 0);
	CHECK_EQ(t_drain(a), 0); /* never back to the sender */
	/* C's MAC is on another VLAN: nowhere to go */
	CHECK_EQ(xmit(a, c->mac, -1, 2), H_SUCCESS);
	CHECK_EQ(t_drain(c), 0);
	CHECK_U64(t_stats(a).no_destination, 1);
	CHECK_EQ(xmit(a, b->mac, -1, 3), H_SUCCESS);
	CHECK(got(b, -1, 3));
	CHECK_U64(t_stats(a).tx_frames, 3);
	net_free(n);
}

TEST(pvid_tag_stripped_extra_vids_kept)
{
	struct net *n = net_new();
	const uint16_t v20[] = {20};
	struct tad *a = net_add(n, 0, 10, v20, 1, 0, true);
	struct tad *b = net_add(n, 0, 20, NULL, 0, 0, true);
	struct tad *c = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *d = net_add(n, 0, 30, v20, 1, 0, true);
	/* A tags for VID 20: B (PVID 20) gets it untagged */
	CHECK_EQ(xmit(a, b->mac, 20, 1), H_SUCCESS);
	CHECK(got(b, -1, 1));
	/* A tags with its own PVID: C gets it untagged */
	CHECK_EQ(xmit(a, c->mac, 10, 2), H_SUCCESS);
	CHECK(got(c, -1, 2));
	/* B sends untagged on 20: A and D, for whom 20 is an extra VID, get it tagged */
	CHECK_EQ(xmit(b, BCAST, -1, 3), H_SUCCESS);
	CHECK(got(a, 20, 3));
	CHECK(got(d, 20, 3));
	CHECK_EQ(t_drain(c), 0);
	/* the priority bits of a sender's tag survive */
	CHECK_EQ(xmit(a, d->mac, 5 << 13 | 20, 4), H_SUCCESS);
	CHECK(got(d, 5 << 13 | 20, 4));
	/* A untagged on its PVID 10: D is not on 10 */
	CHECK_EQ(xmit(a, BCAST, -1, 5), H_SUCCESS);
	CHECK(got(c, -1, 5));
	CHECK_EQ(t_drain(d), 0);
	CHECK_EQ(t_drain(b), 0);
	net_free(n);
}

TEST(disallowed_and_double_tags_discarded)
{
	struct net *n = net_new();
	const uint16_t v20[] = {20};
	struct tad *a = net_add(n, 0, 10, v20, 1, 0, true);
	struct tad *b = net_add(n, 0, 30, NULL, 0, 0, true);
	struct tad *c = net_add(n, 0, 20, NULL, 0, 0, true);
	/* VLAN 30 is not A's */
	CHECK_EQ(xmit(a, b->mac, 30, 1), H_DROPPED);
	CHECK_EQ(xmit(a, BCAST, 30, 1), H_DROPPED);
	/* priority tag (VID 0) and VID 4095 */
	CHECK_EQ(xmit(a, BCAST, 0, 1), H_DROPPED);
	CHECK_EQ(xmit(a, BCAST, 4095, 1), H_DROPPED);
	/* double tag: outer 20 (allowed), inner 30 — VLAN hopping */
	uint8_t f[256];
	uint32_t len = t_build_raw(f + 4, b->mac, a->mac, 30, 60, 1);
	memmove(f, f + 4, 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 20;
	CHECK_EQ(t_send(a, f, len + 4, 0, 0), H_DROPPED);
	/* 802.1ad outer tag */
	len = t_build_raw(f, BCAST, a->mac, 20, 60, 1);
	f[12] = 0x88, f[13] = 0xa8;
	CHECK_EQ(t_send(a, f, len, 0, 0), H_DROPPED);
	/* a tag cut short */
	len = t_build_raw(f, BCAST, a->mac, 20, 0, 1);
	CHECK_EQ(t_send(a, f, 16, 0, 0), H_DROPPED);
	struct hv_adapter_stats st = t_stats(a);
	CHECK_U64(st.vlan_discards, 7);
	CHECK_U64(st.tx_frames, 0);
	CHECK_EQ(t_drain(b), 0);
	CHECK_EQ(t_drain(c), 0);
	/* the allowed tag still works */
	CHECK_EQ(xmit(a, c->mac, 20, 9), H_SUCCESS);
	CHECK(got(c, -1, 9));
	net_free(n);
}

TEST(multicast_members_filtered)
{
	struct net *n = net_new();
	struct tad *a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *b = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *c = net_add(n, 0, 10, NULL, 0, 0, true);
	const uint8_t grp[6] = {0x33, 0x33, 0, 0, 0, 1};
	CHECK_EQ(h_multicast_ctrl(c->part, c->ua, IbmVethMcastDisableRecv, 0), H_SUCCESS);
	CHECK_EQ(xmit(a, grp, -1, 1), H_SUCCESS);
	CHECK(got(b, -1, 1));
	CHECK_EQ(t_drain(c), 0);
	CHECK_U64(t_stats(c).rx_filtered, 1);
	CHECK_EQ(xmit(a, BCAST, -1, 2), H_SUCCESS);
	CHECK(got(c, -1, 2));
	CHECK(got(b, -1, 2));
	net_free(n);
}

TEST(trunk_priority_active_bit_and_failover)
{
	struct net *n = net_new();
	struct tad *a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *b = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *t1 = net_add(n, 0, 10, NULL, 0, 2, false);
	struct tad *t2 = net_add(n, 0, 10, NULL, 0, 1, false);
	struct tad *t3 = net_add(n, 0, 10, NULL, 0, 3, false);
	struct tad *other = net_add(n, 0, 50, NULL, 0, 1, true); /* another PVID */
	struct tad *far = net_add(n, 1, 10, NULL, 0, 1, true);   /* another vswitch */
	/* at probe (before open) the lowest priority number is active */
	CHECK(!is_active(t1));
	CHECK(is_active(t2));
	CHECK(!is_active(t3));
	CHECK(is_active(other));
	CHECK(is_active(far));
	CHECK(!is_active(a));
	CHECK_U64(attrs(t1) & IBMVETH_ILLAN_TRUNK_PRI_MASK, 2u << 8);
	CHECK_U64(attrs(a) & IBMVETH_ILLAN_TRUNK_PRI_MASK, 0);
	/* no trunk open yet: unknown unicast goes to the active trunk, which
	 * counts it as not open (no standby takes the active one's traffic) */
	CHECK_EQ(xmit(a, UNKNOWN, -1, 1), H_SUCCESS);
	CHECK_U64(t_stats(a).no_destination, 0);
	CHECK_U64(t_stats(t2).rx_not_open, 1);
	CHECK_U64(t_stats(t1).rx_not_open + t_stats(t3).rx_not_open, 0);
	struct tad *tr[3] = {t1, t2, t3};
	for (int i = 0; i < 3; i++) {
		REQUIRE(t_open(tr[i]) == H_SUCCESS);
		REQUIRE(t_post(tr[i], 2048, 32) == 32);
	}
	/* unknown unicast and broadcast reach the active trunk only */
	CHECK_EQ(xmit(a, UNKNOWN, -1, 2), H_SUCCESS);
	CHECK(got(t2, -1, 2));
	CHECK_EQ(xmit(a, BCAST, -1, 3), H_SUCCESS);
	CHECK(got(t2, -1, 3));
	CHECK(got(b, -1, 3));
	CHECK_EQ(t_drain(t1) + t_drain(t3) + t_drain(other) + t_drain(far), 0);
	/* known unicast stays local (VEB) */
	CHECK_EQ(xmit(a, b->mac, -1, 4), H_SUCCESS);
	CHECK(got(b, -1, 4));
	CHECK_EQ(t_drain(t2), 0);
	/* the active trunk frees its LAN: the standby with the next number takes over */
	CHECK_EQ(h_free_logical_lan(t2->part, t2->ua), H_SUCCESS);
	CHECK(!is_active(t2));
	CHECK(is_active(t1));
	CHECK_EQ(xmit(a, UNKNOWN, -1, 5), H_SUCCESS);
	CHECK(got(t1, -1, 5));
	CHECK_EQ(t_drain(t3), 0);
	/* and gives it back when it registers again */
	REQUIRE(t_open(t2) == H_SUCCESS);
	REQUIRE(t_post(t2, 2048, 8) == 8);
	CHECK(is_active(t2));
	CHECK(!is_active(t1));
	CHECK_EQ(xmit(a, UNKNOWN, -1, 6), H_SUCCESS);
	CHECK(got(t2, -1, 6));
	CHECK_EQ(t_drain(t1), 0);
	/* frames from a trunk go only to local adapters, never to another trunk */
	CHECK_EQ(xmit(t2, BCAST, -1, 7), H_SUCCESS);
	CHECK(got(a, -1, 7));
	CHECK(got(b, -1, 7));
	CHECK_EQ(t_drain(t1) + t_drain(t3), 0);
	CHECK_EQ(xmit(t2, UNKNOWN, -1, 8), H_SUCCESS);
	CHECK_U64(t_stats(t2).no_destination, 1);
	CHECK_EQ(xmit(t2, t1->mac, -1, 8), H_SUCCESS);
	CHECK_EQ(t_drain(t1), 0);
	/* a standby carries nothing: its sends are dropped and counted (one
	 * active trunk per VLAN, so two bridging IO servers never deliver a
	 * frame twice) */
	CHECK_EQ(xmit(t3, a->mac, -1, 9), H_DROPPED);
	CHECK_EQ(xmit(t1, BCAST, -1, 9), H_DROPPED);
	CHECK_EQ(t_drain(a) + t_drain(b), 0);
	CHECK_U64(t_stats(t3).standby_discards, 1);
	CHECK_U64(t_stats(t1).standby_discards, 1);
	CHECK_U64(t_stats(t2).standby_discards, 0);
	net_free(n);
}

TEST(active_trunk_one_definition_for_attribute_and_switching)
{
	/* The trunk whose H_ILLAN_ATTRIBUTES says ACTIVE_TRUNK (what the ibmveth
	 * probe sees) is the one the switch sends unknown unicast and floods to:
	 * a never-opened priority-1 trunk stays active over an opened
	 * priority-2 one, which gets nothing until the first frees its LAN. */
	struct net *n = net_new();
	struct tad *a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *t1 = net_add(n, 0, 10, NULL, 0, 1, false);
	struct tad *t2 = net_add(n, 0, 10, NULL, 0, 2, true);
	CHECK(is_active(t1));
	CHECK(!is_active(t2));
	CHECK_EQ(xmit(a, UNKNOWN, -1, 1), H_SUCCESS);
	CHECK_EQ(xmit(a, BCAST, -1, 2), H_SUCCESS);
	CHECK_EQ(t_drain(t2), 0);
	CHECK_U64(t_stats(t1).rx_not_open, 2);
	CHECK_U64(t_stats(a).no_destination, 0);
	/* t1 comes up: still active, now receives */
	REQUIRE(t_open(t1) == H_SUCCESS);
	REQUIRE(t_post(t1, 2048, 8) == 8);
	CHECK(is_active(t1));
	CHECK_EQ(xmit(a, UNKNOWN, -1, 3), H_SUCCESS);
	CHECK(got(t1, -1, 3));
	CHECK_EQ(t_drain(t2), 0);
	/* t1 fails: the attribute and the traffic move to t2 together */
	CHECK_EQ(h_free_logical_lan(t1->part, t1->ua), H_SUCCESS);
	CHECK(is_active(t2));
	CHECK(!is_active(t1));
	CHECK_EQ(xmit(a, UNKNOWN, -1, 4), H_SUCCESS);
	CHECK(got(t2, -1, 4));
	CHECK_U64(t_stats(t1).rx_not_open, 2);
	net_free(n);

	/* Per VLAN, whichever VID carries it: a priority-1 trunk on VLAN 10 as
	 * an additional VID outranks a priority-2 trunk whose PVID is 10. */
	n = net_new();
	const uint16_t vids[] = {10};
	a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *tv = net_add(n, 0, 4000, vids, 1, 1, true);
	struct tad *tp = net_add(n, 0, 10, NULL, 0, 2, true);
	CHECK(is_active(tv)); /* on its PVID 4000 */
	CHECK(!is_active(tp));
	CHECK_EQ(xmit(a, UNKNOWN, -1, 5), H_SUCCESS);
	CHECK(got(tv, 10, 5));
	CHECK_EQ(t_drain(tp), 0);
	net_free(n);
}

TEST(trunk_on_an_extra_vid_gets_tagged_frames)
{
	struct net *n = net_new();
	const uint16_t vids[] = {10, 20};
	struct tad *t = net_add(n, 0, 4000, vids, 2, 1, true);
	struct tad *a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *b = net_add(n, 0, 20, NULL, 0, 0, true);
	CHECK_EQ(xmit(a, UNKNOWN, -1, 1), H_SUCCESS);
	CHECK(got(t, 10, 1));
	CHECK_EQ(xmit(b, BCAST, -1, 2), H_SUCCESS);
	CHECK(got(t, 20, 2));
	CHECK_EQ(t_drain(a), 0);
	/* the trunk answers tagged; each client gets its PVID frame untagged */
	CHECK_EQ(xmit(t, a->mac, 10, 3), H_SUCCESS);
	CHECK(got(a, -1, 3));
	CHECK_EQ(xmit(t, b->mac, 20, 4), H_SUCCESS);
	CHECK(got(b, -1, 4));
	/* a trunk cannot hop either */
	CHECK_EQ(xmit(t, b->mac, 30, 5), H_DROPPED);
	/* untagged from the trunk is on its PVID 4000: nobody there */
	CHECK_EQ(xmit(t, a->mac, -1, 6), H_SUCCESS);
	CHECK_EQ(t_drain(a), 0);
	net_free(n);
}

TEST(veb_versus_vepa)
{
	struct net *n = net_new();
	struct tad *a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *b = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *t = net_add(n, 0, 10, NULL, 0, 1, true);
	struct tad *c = net_add(n, 1, 10, NULL, 0, 0, true); /* vswitch 1: VEPA without a trunk */
	struct tad *d = net_add(n, 1, 10, NULL, 0, 0, true);
	/* VEB: A to B directly */
	CHECK_EQ(xmit(a, b->mac, -1, 1), H_SUCCESS);
	CHECK(got(b, -1, 1));
	CHECK_EQ(t_drain(t), 0);
	/* VEPA: the same frame goes to the trunk, not to B */
	CHECK_EQ(hv_vswitch_set_mode(n->hv, 0, HV_VSW_VEPA), 0);
	CHECK_EQ(xmit(a, b->mac, -1, 2), H_SUCCESS);
	CHECK_EQ(t_drain(b), 0);
	struct trx rx;
	REQUIRE(t_recv(t, &rx));
	CHECK_MEM(rx.frame, b->mac, 6);
	/* broadcast too goes to the trunk only */
	CHECK_EQ(xmit(a, BCAST, -1, 3), H_SUCCESS);
	CHECK(got(t, -1, 3));
	CHECK_EQ(t_drain(b), 0);
	/* the trunk (the bridge) sends it back down to B */
	CHECK_EQ(xmit(t, b->mac, -1, 4), H_SUCCESS);
	CHECK(got(b, -1, 4));
	CHECK_EQ(xmit(t, BCAST, -1, 5), H_SUCCESS);
	CHECK(got(a, -1, 5));
	CHECK(got(b, -1, 5));
	/* VEPA with no trunk: frames have nowhere to go */
	CHECK_EQ(hv_vswitch_set_mode(n->hv, 1, HV_VSW_VEPA), 0);
	CHECK_EQ(xmit(c, d->mac, -1, 6), H_SUCCESS);
	CHECK_EQ(t_drain(d), 0);
	CHECK_U64(t_stats(c).no_destination, 1);
	/* back to VEB */
	CHECK_EQ(hv_vswitch_set_mode(n->hv, 0, HV_VSW_VEB), 0);
	CHECK_EQ(xmit(a, b->mac, -1, 7), H_SUCCESS);
	CHECK(got(b, -1, 7));
	net_free(n);
}

TEST(vswitches_are_isolated_and_closed_receivers_counted)
{
	struct net *n = net_new();
	struct tad *a = net_add(n, 0, 10, NULL, 0, 0, true);
	struct tad *b = net_add(n, 5, 10, NULL, 0, 0, true);
	struct tad *c = net_add(n, 0, 10, NULL, 0, 0, false);
	CHECK_EQ(xmit(a, BCAST, -1, 1), H_SUCCESS);
	CHECK_EQ(t_drain(b), 0);
	CHECK_U64(t_stats(c).rx_not_open, 1);
	CHECK_EQ(xmit(a, b->mac, -1, 1), H_SUCCESS);
	CHECK_EQ(t_drain(b), 0);
	CHECK_U64(t_stats(a).no_destination, 1);
	CHECK_EQ(xmit(a, c->mac, -1, 1), H_SUCCESS);
	CHECK_U64(t_stats(c).rx_not_open, 2);
	CHECK_U64(t_stats(a).no_destination, 1);
	net_free(n);
}

TEST(two_adapters_in_one_partition)
{
	/* A partition with two adapters; the receiver posts its buffer right
	 * over the sender's transmit area: the delivered copy is still the sent
	 * frame, not a torn one. */
	struct hv *hv = hv_create();
	struct hv_partition *p = hv_partition_create(hv, "p", MEM);
	struct hv_adapter_config c1 = t_cfg(1, 0, 10, 0, 0), c2 = t_cfg(2, 0, 10, 0, 0);
	struct tad a, b;
	REQUIRE(t_adapter(&a, hv, p, &c1, 0));
	REQUIRE(t_adapter(&b, hv, p, &c2, 0));
	REQUIRE(t_open(&a) == H_SUCCESS);
	REQUIRE(t_open(&b) == H_SUCCESS);
	uint64_t over = a.tx + 4;
	CHECK_EQ(h_add_logical_lan_buffer(p, b.ua,
					  papr_desc(IBMVETH_BUF_VALID | 2048, (uint32_t)over)),
		 H_SUCCESS);
	uint8_t f[256];
	uint32_t len = t_build_raw(f, b.mac, a.mac, -1, 150, 0);
	for (uint32_t i = 14; i < len; i++)
		f[i] = (uint8_t)i;
	CHECK_EQ(t_send(&a, f, len, 0, 0), H_SUCCESS);
	struct trx rx;
	REQUIRE(t_recv(&b, &rx));
	CHECK_EQ(rx.len, len);
	CHECK_MEM(hv_lmem_ptr(p, over + 8, len), f, len);
	hv_destroy(hv);
}

/* What the observer saw: every call's registers, every entry written. */
struct obs_log {
	unsigned n_send, n_rxq;
	struct hv_partition *send_part;
	uint64_t send_ua, desc0, desc1, mss;
	struct hv_partition *rxq_part[4];
	uint32_t rxq_fo[4], rxq_len[4];
	uint64_t rxq_corr[4];
};

static void obs_record(void *arg, const struct hv_obs *ev)
{
	struct obs_log *l = arg;
	if (ev->kind == HV_OBS_SEND) {
		l->n_send++;
		l->send_part = ev->part;
		l->send_ua = ev->ua;
		l->desc0 = ev->desc[0];
		l->desc1 = ev->desc[1];
		l->mss = ev->mss;
		return;
	}
	if (l->n_rxq < 4) {
		l->rxq_part[l->n_rxq] = ev->part;
		l->rxq_fo[l->n_rxq] = ev->flags_off;
		l->rxq_len[l->n_rxq] = ev->length;
		memcpy(&l->rxq_corr[l->n_rxq], ev->buf, 8);
	}
	l->n_rxq++;
}

TEST(observer_sees_each_send_and_each_rxq_entry)
{
	struct net *n = net_new();
	struct tad *a = net_add(n, 0, 1, NULL, 0, 0, true);
	struct tad *b = net_add(n, 0, 1, NULL, 0, 0, true);
	struct tad *c = net_add(n, 0, 1, NULL, 0, 0, true);
	struct obs_log l;
	memset(&l, 0, sizeof(l));
	hv_set_observer(n->hv, obs_record, &l);

	/* a broadcast: one call, an entry for each of the other two, exactly as
	 * the receivers then read them */
	uint8_t f[256];
	uint32_t len = t_build_raw(f, BCAST, a->mac, -1, 80, 7);
	CHECK_EQ(t_send(a, f, len, IBMVETH_BUF_CSUM_GOOD, 1000), H_SUCCESS);
	CHECK_EQ(l.n_send, 1);
	CHECK(l.send_part == a->part && l.send_ua == a->ua);
	CHECK_U64(l.desc0,
		  papr_desc(IBMVETH_BUF_VALID | IBMVETH_BUF_CSUM_GOOD | len, (uint32_t)a->tx));
	CHECK_U64(l.desc1, 0);
	CHECK_U64(l.mss, 1000); /* the register as passed, honoured or not */
	REQUIRE(l.n_rxq == 2);
	struct tad *r[2] = {b, c};
	for (unsigned i = 0; i < 2; i++) {
		struct trx rx;
		REQUIRE(t_recv(r[i], &rx));
		CHECK(l.rxq_part[i] == r[i]->part);
		CHECK_EQ(l.rxq_fo[i], rx.flags_off);
		CHECK_EQ(l.rxq_len[i], len);
		CHECK_U64(l.rxq_corr[i], rx.corr);
	}

	/* a refused call is seen too (to the sender's own MAC: H_PARAMETER) */
	len = t_build_raw(f, a->mac, a->mac, -1, 80, 7);
	CHECK_EQ(t_send(a, f, len, 0, 0), H_PARAMETER);
	CHECK_EQ(l.n_send, 2);
	CHECK_EQ(l.n_rxq, 2);

	/* removed: nothing more */
	hv_set_observer(n->hv, NULL, &l);
	len = t_build_raw(f, BCAST, a->mac, -1, 80, 7);
	CHECK_EQ(t_send(a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(l.n_send, 2);
	CHECK_EQ(l.n_rxq, 2);
	net_free(n);
}

TEST_MAIN()
