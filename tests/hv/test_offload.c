/*
 * test_offload.c — checksum-offload and large-send propagation, the heart of
 * the seed: NO_CSUM|CSUM_GOOD reach a receiver that enabled CSO for the
 * family as rxq flags with the bytes untouched; a receiver that did not gets
 * a full checksum the hypervisor computed (hv_sw_checksums). LRG_SND reaches
 * a large-receive partition as one LRG_PKT frame with the mss at buffer+8;
 * others get mss-sized segments (hv_sw_segments), flagged or checksummed as
 * each needs. Every delivered byte is verified.
 */
#include "test.h"
#include "hv_test_util.h"

#define MEM (4u << 20)
#define BIG 65600u

enum { R_NONE, R_CSO4, R_ALL, R_LRG, R_TAG, N_RX };

struct rig {
	struct hv *hv;
	struct hv_partition *p[N_RX + 1];
	struct tad tx;
	struct tad rx[N_RX];
};

static uint8_t frame_buf[70000];

static void rig_up(struct rig *r, bool sender_lrg)
{
	memset(r, 0, sizeof(*r));
	r->hv = hv_create();
	REQUIRE(r->hv);
	uint64_t fw = IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT;
	const uint64_t os[N_RX] = {
		0,
		IBMVETH_ILLAN_IPV4_TCP_CSUM,
		PAPR_ILLAN_OS_SETTABLE,
		IBMVETH_ILLAN_LRG_SR_ENABLED,
		0,
	};
	r->p[0] = hv_partition_create(r->hv, "tx", MEM);
	REQUIRE(r->p[0]);
	struct hv_adapter_config c = t_cfg(0x10, 0, 10, 0, fw);
	REQUIRE(t_adapter(&r->tx, r->hv, r->p[0], &c, 0));
	REQUIRE(h_illan_attributes(r->p[0], r->tx.ua, 0,
				   IBMVETH_ILLAN_IPV4_TCP_CSUM | IBMVETH_ILLAN_IPV6_TCP_CSUM |
					   (sender_lrg ? IBMVETH_ILLAN_LRG_SR_ENABLED : 0),
				   NULL) == H_SUCCESS);
	REQUIRE(t_open(&r->tx) == H_SUCCESS);
	for (unsigned i = 0; i < N_RX; i++) {
		r->p[i + 1] = hv_partition_create(r->hv, "rx", MEM);
		REQUIRE(r->p[i + 1]);
		/* R_TAG is on VLAN 10 through an extra VID: it gets frames tagged */
		c = t_cfg((uint8_t)(0x20 + i), 0, i == R_TAG ? 77 : 10, 0, fw);
		if (i == R_TAG) {
			c.vids[0] = 10;
			c.n_vids = 1;
		}
		REQUIRE(t_adapter(&r->rx[i], r->hv, r->p[i + 1], &c, 256));
		REQUIRE(h_illan_attributes(r->p[i + 1], r->rx[i].ua, 0, os[i], NULL) == H_SUCCESS);
		REQUIRE(t_open(&r->rx[i]) == H_SUCCESS);
		REQUIRE(t_post(&r->rx[i], 2048, 128) == 128);
		REQUIRE(t_post(&r->rx[i], BIG, 4) == 4);
	}
}

static void rig_down(struct rig *r)
{
	hv_destroy(r->hv);
	CHECK_U64(pkt_outstanding_total(), 0);
}

static uint32_t tcp_frame(struct rig *r, const uint8_t *dst, int ipv, uint32_t payload, bool zero_csum)
{
	struct tframe f;
	memset(&f, 0, sizeof(f));
	memcpy(f.dst, dst, 6);
	memcpy(f.src, r->tx.mac, 6);
	f.vlan = -1;
	f.ipv = ipv;
	f.seq = 1000000;
	f.payload = payload;
	f.zero_csum = zero_csum;
	return t_build_tcp(frame_buf, &f);
}

#define CSO (IBMVETH_BUF_NO_CSUM | IBMVETH_BUF_CSUM_GOOD)
#define RXQ_CSO (IBMVETH_RXQ_NO_CSUM | IBMVETH_RXQ_CSUM_GOOD)
#define RXQ_FLAGS (RXQ_CSO | IBMVETH_RXQ_LRG_PKT)

/* Frame bytes equal except the TCP checksum field at l4+16. */
static bool same_but_csum(const uint8_t *a, const uint8_t *b, uint32_t len, uint32_t l4)
{
	return memcmp(a, b, l4 + 16) == 0 && memcmp(a + l4 + 18, b + l4 + 18, len - l4 - 18) == 0;
}

TEST(csum_flags_reach_a_cso_receiver_bytes_untouched)
{
	struct rig r;
	rig_up(&r, false);
	struct tad *rx = &r.rx[R_CSO4];
	uint32_t len = tcp_frame(&r, rx->mac, 4, 1000, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
	struct trx e;
	REQUIRE(t_recv(rx, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, RXQ_CSO);
	CHECK_EQ(e.len, len);
	CHECK_MEM(e.frame, frame_buf, len); /* checksum field still 0 */
	CHECK_EQ(e.frame[14 + 20 + 16] | e.frame[14 + 20 + 17], 0);
	CHECK_U64(t_stats(rx).hv_sw_checksums, 0);
	rig_down(&r);
}

TEST(csum_computed_for_a_receiver_without_cso)
{
	struct rig r;
	rig_up(&r, false);
	/* IPv4 to R_NONE, IPv6 to R_CSO4 (which offloads only IPv4) */
	struct {
		int rxi, ipv;
		uint32_t l4;
	} cases[] = {{R_NONE, 4, 34}, {R_CSO4, 6, 54}, {R_NONE, 6, 54}};
	for (unsigned k = 0; k < 3; k++) {
		struct tad *rx = &r.rx[cases[k].rxi];
		uint64_t before = t_stats(rx).hv_sw_checksums;
		uint32_t len = tcp_frame(&r, rx->mac, cases[k].ipv, 777 + k, true);
		CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
		struct trx e;
		REQUIRE(t_recv(rx, &e));
		CHECK_U64(e.flags_off & RXQ_FLAGS, 0);
		CHECK_EQ(e.len, len);
		CHECK(t_tcp_csum_ok(e.frame, 14));
		CHECK(same_but_csum(e.frame, frame_buf, len, cases[k].l4));
		CHECK_U64(t_stats(rx).hv_sw_checksums, before + 1);
	}
	/* whatever the sender left in the field (a seed, garbage) is ignored */
	static const uint16_t junk[] = {0x1234, 0xffff, 0x0001};
	for (unsigned k = 0; k < 3; k++) {
		struct tad *rx = &r.rx[R_NONE];
		uint32_t len = tcp_frame(&r, rx->mac, 4, 333 + k, true);
		frame_buf[34 + 16] = (uint8_t)(junk[k] >> 8);
		frame_buf[34 + 17] = (uint8_t)junk[k];
		CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
		struct trx e;
		REQUIRE(t_recv(rx, &e));
		CHECK(t_tcp_csum_ok(e.frame, 14));
		CHECK(same_but_csum(e.frame, frame_buf, len, 34));
	}
	/* IPv6 to a receiver with both families: flags */
	struct tad *all = &r.rx[R_ALL];
	uint32_t len = tcp_frame(&r, all->mac, 6, 500, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
	struct trx e;
	REQUIRE(t_recv(all, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, RXQ_CSO);
	CHECK_MEM(e.frame, frame_buf, len);
	rig_down(&r);
}

TEST(padded_frame_checksummed_over_the_ip_length)
{
	struct rig r;
	rig_up(&r, false);
	struct tad *rx = &r.rx[R_NONE];
	uint32_t len = tcp_frame(&r, rx->mac, 4, 2, true); /* 56 bytes */
	memset(frame_buf + len, 0xEE, 60 - len);           /* Ethernet padding */
	CHECK_EQ(t_send(&r.tx, frame_buf, 60, CSO, 0), H_SUCCESS);
	struct trx e;
	REQUIRE(t_recv(rx, &e));
	CHECK_EQ(e.len, 60);
	CHECK(t_tcp_csum_ok(e.frame, 14));
	CHECK(same_but_csum(e.frame, frame_buf, 60, 34));
	rig_down(&r);
}

TEST(tagged_delivery_checksummed_at_the_shifted_offset)
{
	struct rig r;
	rig_up(&r, false);
	struct tad *rx = &r.rx[R_TAG];
	uint32_t len = tcp_frame(&r, rx->mac, 4, 300, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
	struct trx e;
	REQUIRE(t_recv(rx, &e));
	CHECK_EQ(e.len, len + 4);
	CHECK_EQ(e.frame[12], 0x81);
	CHECK_EQ(e.frame[15], 10);
	CHECK(t_tcp_csum_ok(e.frame, 18));
	CHECK_MEM(e.frame + 18 + 40, frame_buf + 14 + 40, len - 54);
	CHECK_MEM(e.frame + 16, frame_buf + 12, 2 + 20 + 16);
	CHECK_U64(t_stats(rx).hv_sw_checksums, 1);
	rig_down(&r);
}

TEST(unflagged_and_non_tcp_frames)
{
	struct rig r;
	rig_up(&r, false);
	/* a frame sent with a full checksum and no flags: no flags, no work */
	struct tad *cso = &r.rx[R_CSO4], *none = &r.rx[R_NONE];
	uint32_t len = tcp_frame(&r, cso->mac, 4, 100, false);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, 0, 0), H_SUCCESS);
	struct trx e;
	REQUIRE(t_recv(cso, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, 0);
	CHECK_MEM(e.frame, frame_buf, len);
	/* NO_CSUM on a frame that is not TCP over IP: nothing to compute */
	len = t_build_raw(frame_buf, none->mac, r.tx.mac, -1, 100, 4);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
	REQUIRE(t_recv(none, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, 0);
	CHECK_MEM(e.frame, frame_buf, len);
	CHECK_U64(t_stats(none).hv_sw_errors, 1);
	CHECK_U64(t_stats(none).hv_sw_checksums, 0);
	/* to a CSO receiver it goes flagged, as sent */
	memcpy(frame_buf, cso->mac, 6);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
	REQUIRE(t_recv(cso, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, RXQ_CSO);
	CHECK_U64(t_stats(cso).hv_sw_errors, 0);
	rig_down(&r);
}

TEST(one_broadcast_each_receiver_served_as_it_needs)
{
	struct rig r;
	rig_up(&r, false);
	static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t len = tcp_frame(&r, bc, 4, 1200, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO, 0), H_SUCCESS);
	for (unsigned i = 0; i < N_RX; i++) {
		struct trx e;
		REQUIRE(t_recv(&r.rx[i], &e));
		bool offload = i == R_CSO4 || i == R_ALL;
		uint32_t l3 = i == R_TAG ? 18 : 14;
		CHECK_U64(e.flags_off & RXQ_FLAGS, offload ? RXQ_CSO : 0);
		if (offload)
			CHECK_MEM(e.frame, frame_buf, len);
		else
			CHECK(t_tcp_csum_ok(e.frame, l3));
		CHECK_U64(t_stats(&r.rx[i]).hv_sw_checksums, offload ? 0 : 1);
	}
	/* the sender's own memory is untouched: still the zero field */
	uint8_t *tx = hv_lmem_ptr(r.p[0], r.tx.tx, len);
	CHECK_MEM(tx, frame_buf, len);
	rig_down(&r);
}

/* ---- Large send ------------------------------------------------------------ */

#define MSS 1448u
#define PAY 20000u

TEST(large_send_to_a_large_receive_partition_whole)
{
	struct rig r;
	rig_up(&r, true);
	struct tad *all = &r.rx[R_ALL], *lrg = &r.rx[R_LRG];
	uint32_t len = tcp_frame(&r, all->mac, 4, PAY, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	struct trx e;
	REQUIRE(t_recv(all, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, RXQ_CSO | IBMVETH_RXQ_LRG_PKT);
	CHECK_EQ(e.off, 16);
	CHECK_EQ(e.len, len);
	CHECK_U64(t_be64(e.buf + 8), MSS);
	CHECK_MEM(e.frame, frame_buf, len);
	CHECK_U64(t_stats(all).lrg_delivered, 1);
	CHECK_EQ(t_drain(all), 0);
	/* large receive without CSO: whole, LRG_PKT, checksum computed */
	memcpy(frame_buf, lrg->mac, 6);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	REQUIRE(t_recv(lrg, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, IBMVETH_RXQ_LRG_PKT);
	CHECK_EQ(e.off, 16);
	CHECK_U64(t_be64(e.buf + 8), MSS);
	CHECK(t_tcp_csum_ok(e.frame, 14));
	CHECK(same_but_csum(e.frame, frame_buf, len, 34));
	CHECK_U64(t_stats(lrg).hv_sw_checksums, 1);
	CHECK_U64(t_stats(lrg).hv_sw_segments, 0);
	rig_down(&r);
}

/* Check segments of the PAY-byte frame (IPv4 or IPv6, l3 at l3off) reaped
 * from rx: geometry, sequence numbers, flags, payload, checksum. */
static void check_segments(struct tad *rx, int ipv, uint32_t l3off, uint32_t want_rxq_flags,
			   bool csum_full)
{
	uint32_t iphl = ipv == 4 ? 20 : 40, hlen = l3off + iphl + 20;
	uint32_t n = (PAY + MSS - 1) / MSS, got_n = 0, bad = 0;
	uint32_t seq0 = 1000000;
	for (uint32_t i = 0; i < n; i++) {
		struct trx e;
		if (!t_recv(rx, &e)) {
			bad++;
			break;
		}
		got_n++;
		uint32_t seg = i + 1 < n ? MSS : PAY - i * MSS;
		const uint8_t *f = e.frame, *ip = f + l3off, *tcp = ip + iphl;
		if (e.len != hlen + seg || e.off != 8)
			bad++;
		if ((e.flags_off & RXQ_FLAGS) != want_rxq_flags)
			bad++;
		if (ipv == 4) {
			if ((uint32_t)(ip[2] << 8 | ip[3]) != iphl + 20 + seg)
				bad++;
			if (t_fold(t_sum(ip, 20, 0)) != 0)
				bad++;
		} else if ((uint32_t)(ip[4] << 8 | ip[5]) != 20 + seg) {
			bad++;
		}
		if (t_be32(tcp + 4) != seq0 + i * MSS)
			bad++;
		bool last = i + 1 == n;
		if (((tcp[13] & TCP_PSH) != 0) != last)
			bad++;
		for (uint32_t k = 0; k < seg; k++)
			if (tcp[20 + k] != (uint8_t)((i * MSS + k) * 7 + 3)) {
				bad++;
				break;
			}
		if (csum_full ? !t_tcp_csum_ok(f, l3off) : (tcp[16] | tcp[17]) != 0)
			bad++;
	}
	CHECK_EQ(got_n, n);
	CHECK_EQ(bad, 0);
	CHECK_EQ(t_drain(rx), 0);
}

TEST(large_send_segmented_for_receivers_without_large_receive)
{
	struct rig r;
	rig_up(&r, true);
	uint32_t n = (PAY + MSS - 1) / MSS;
	/* no offloads: segments, each fully checksummed, no flags */
	struct tad *none = &r.rx[R_NONE], *cso = &r.rx[R_CSO4], *tag = &r.rx[R_TAG];
	uint32_t len = tcp_frame(&r, none->mac, 4, PAY, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	check_segments(none, 4, 14, 0, true);
	CHECK_U64(t_stats(none).hv_sw_segments, n);
	CHECK_U64(t_stats(none).hv_sw_checksums, n);
	CHECK_U64(t_stats(none).lrg_delivered, 0);
	/* CSO for IPv4: segments flagged, checksum field 0 */
	memcpy(frame_buf, cso->mac, 6);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	check_segments(cso, 4, 14, RXQ_CSO, false);
	CHECK_U64(t_stats(cso).hv_sw_segments, n);
	CHECK_U64(t_stats(cso).hv_sw_checksums, 0);
	/* IPv6 to the IPv4-only receiver: checksummed */
	len = tcp_frame(&r, cso->mac, 6, PAY, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	check_segments(cso, 6, 14, 0, true);
	CHECK_U64(t_stats(cso).hv_sw_checksums, n);
	/* a tagged delivery is segmented behind its tag */
	len = tcp_frame(&r, tag->mac, 4, PAY, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	check_segments(tag, 4, 18, 0, true);
	rig_down(&r);
}

/* A large send without NO_CSUM (what a trunk sends with seed fix 2 off: a
 * GRO'd packet that is not PARTIAL still goes out LRG_SND) is cut for a
 * receiver without large receive, but its checksum is not the hypervisor's
 * to compute: every segment carries the sender's field unchanged, so the
 * fault stays visible rather than being repaired on the way. A NO_CSUM
 * sender's segments are checksummed (the test above). */
TEST(large_send_without_no_csum_not_checksummed)
{
	struct rig r;
	rig_up(&r, true);
	uint32_t n = (PAY + MSS - 1) / MSS;
	struct tad *none = &r.rx[R_NONE];
	uint32_t len = tcp_frame(&r, none->mac, 4, PAY, false);
	uint8_t field[2];
	memcpy(field, frame_buf + 34 + 16, 2);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	uint32_t got = 0, csum_ok = 0, same_field = 0;
	struct trx e;
	while (t_recv(none, &e)) {
		got++;
		csum_ok += t_tcp_csum_ok(e.frame, 14);
		same_field += memcmp(e.frame + 34 + 16, field, 2) == 0;
		CHECK_U64(e.flags_off & RXQ_FLAGS, 0);
	}
	CHECK_EQ(got, n);
	CHECK_EQ(same_field, n);
	CHECK_EQ(csum_ok, 0);
	CHECK_U64(t_stats(none).hv_sw_segments, n);
	CHECK_U64(t_stats(none).hv_sw_checksums, 0);
	rig_down(&r);
}

TEST(large_send_fan_out_and_exhaustion)
{
	struct rig r;
	rig_up(&r, true);
	static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t n = (PAY + MSS - 1) / MSS;
	uint32_t len = tcp_frame(&r, bc, 4, PAY, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	check_segments(&r.rx[R_NONE], 4, 14, 0, true);
	check_segments(&r.rx[R_CSO4], 4, 14, RXQ_CSO, false);
	struct trx e;
	REQUIRE(t_recv(&r.rx[R_ALL], &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, RXQ_CSO | IBMVETH_RXQ_LRG_PKT);
	REQUIRE(t_recv(&r.rx[R_LRG], &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, IBMVETH_RXQ_LRG_PKT);
	/* R_NONE has 128 - 14 small buffers left... and its 64 KiB ones: a
	 * segment takes the smallest that fits, so exhaust the small ones */
	struct tad *none = &r.rx[R_NONE];
	unsigned sent = 0;
	while (t_stats(none).rx_no_buffer == 0 && sent < 40) {
		CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
		sent++;
	}
	/* 128 small + 4 big buffers: 132 segments fit, the rest are dropped */
	uint64_t total = (uint64_t)(sent + 1) * n;
	CHECK_U64(t_stats(none).rx_frames, 132);
	CHECK_U64(t_stats(none).rx_no_buffer, total - 132);
	CHECK_U64(t_drop_counter(none), total - 132);
	CHECK_U64(t_stats(none).hv_sw_segments, total);
	rig_down(&r);
}

TEST(large_send_that_cannot_be_segmented)
{
	struct rig r;
	rig_up(&r, true);
	struct tad *none = &r.rx[R_NONE], *all = &r.rx[R_ALL];
	/* LRG_SND on a non-TCP frame: dropped for a receiver that needs segments */
	uint32_t len = t_build_raw(frame_buf, none->mac, r.tx.mac, -1, 5000, 1);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	CHECK_EQ(t_drain(none), 0);
	CHECK_U64(t_stats(none).hv_sw_errors, 1);
	/* ... and delivered whole to a large-receive one */
	memcpy(frame_buf, all->mac, 6);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	struct trx e;
	REQUIRE(t_recv(all, &e));
	CHECK_U64(e.flags_off & RXQ_FLAGS, IBMVETH_RXQ_LRG_PKT);
	CHECK_MEM(e.frame, frame_buf, len);
	/* payload within one mss: nothing to cut (gso_segment says -EINVAL, as
	 * tcp_gso_segment); the frame goes whole, as an ordinary one, its
	 * checksum computed */
	len = tcp_frame(&r, none->mac, 4, 100, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
	REQUIRE(t_recv(none, &e));
	CHECK_EQ(e.len, len);
	CHECK_U64(e.flags_off & RXQ_FLAGS, 0);
	CHECK(t_tcp_csum_ok(e.frame, 14));
	CHECK_U64(t_stats(none).hv_sw_segments, 0);
	CHECK_U64(t_stats(none).hv_sw_checksums, 1);
	CHECK_U64(t_stats(none).hv_sw_errors, 1);
	/* the smallest mss over the largest frame */
	uint32_t big = tcp_frame(&r, none->mac, 4, HV_MAX_FRAME - 54, true);
	CHECK_EQ(t_send(&r.tx, frame_buf, big, CSO | IBMVETH_BUF_LRG_SND, HV_MIN_LRG_MSS), H_SUCCESS);
	CHECK_U64(t_stats(none).hv_sw_segments,
		  (HV_MAX_FRAME - 54 + HV_MIN_LRG_MSS - 1) / HV_MIN_LRG_MSS);
	CHECK_U64(t_stats(none).hv_sw_errors, 1);
	rig_down(&r);
}

TEST(seed_issue_1_trunk_without_offloads_costs_the_hypervisor)
{
	/* VM A with CSO and large send, VEPA: every frame goes to the trunk.
	 * A trunk without offloads (the pre-66aa0678 driver refused them) makes
	 * the hypervisor checksum and segment every frame; with them, none. */
	for (int fixed = 0; fixed < 2; fixed++) {
		struct hv *hv = hv_create();
		uint64_t fw = IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT;
		struct hv_partition *pa = hv_partition_create(hv, "vm-a", MEM);
		struct hv_partition *pio = hv_partition_create(hv, "ios", MEM);
		struct hv_adapter_config ca = t_cfg(0xA, 0, 10, 0, fw), ct = t_cfg(0x7, 0, 10, 1, fw);
		struct tad a, t;
		REQUIRE(t_adapter(&a, hv, pa, &ca, 0) && t_adapter(&t, hv, pio, &ct, 256));
		REQUIRE(hv_vswitch_set_mode(hv, 0, HV_VSW_VEPA) == 0);
		REQUIRE(h_illan_attributes(pa, a.ua, 0, PAPR_ILLAN_OS_SETTABLE, NULL) == H_SUCCESS);
		if (fixed)
			REQUIRE(h_illan_attributes(pio, t.ua, 0, PAPR_ILLAN_OS_SETTABLE, NULL) ==
				H_SUCCESS);
		REQUIRE(t_open(&a) == H_SUCCESS && t_open(&t) == H_SUCCESS);
		REQUIRE(t_post(&t, 2048, 200) == 200 && t_post(&t, BIG, 4) == 4);
		struct tframe f;
		memset(&f, 0, sizeof(f));
		t_mac(f.dst, 0xB);
		memcpy(f.src, a.mac, 6);
		f.vlan = -1;
		f.ipv = 4;
		f.payload = PAY;
		f.zero_csum = true;
		uint32_t len = t_build_tcp(frame_buf, &f);
		CHECK_EQ(t_send(&a, frame_buf, len, CSO | IBMVETH_BUF_LRG_SND, MSS), H_SUCCESS);
		f.payload = 500;
		len = t_build_tcp(frame_buf, &f);
		CHECK_EQ(t_send(&a, frame_buf, len, CSO, 0), H_SUCCESS);
		struct hv_adapter_stats st = t_stats(&t);
		uint32_t n = (PAY + MSS - 1) / MSS;
		CHECK_U64(st.hv_sw_segments, fixed ? 0 : n);
		CHECK_U64(st.hv_sw_checksums, fixed ? 0 : n + 1);
		CHECK_U64(st.rx_frames, fixed ? 2 : n + 1);
		CHECK_U64(st.lrg_delivered, fixed ? 1 : 0);
		hv_destroy(hv);
	}
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST_MAIN()
