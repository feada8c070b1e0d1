/*
 * test_physnic.c — the physical NIC: hardware checksum completion from the
 * seed (right seed right, zero seed wrong on the wire), hardware TSO
 * (counted as hardware, not software GSO), software fallbacks when a feature
 * is off, wire padding, the rx ring and NAPI budget, rx checksum verdicts,
 * GRO merging within a poll and flushing at its end, GRO switched off, a
 * back-to-back link to an offload-less host X, and no leaked packet.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bridge/br_test_util.h"
#include "drv/physnic/physnic.h"
#include "ev/ev.h"
#include "pkt/gro.h"
#include "test.h"

#define MAX_FRAMES 64

struct capture {
	uint8_t *frames[MAX_FRAMES];
	uint32_t lens[MAX_FRAMES];
	unsigned n;
	int fail; /* return this from send */
};

static int capture_send(void *arg, const uint8_t *frame, uint32_t len)
{
	struct capture *c = arg;
	if (c->fail)
		return c->fail;
	if (c->n < MAX_FRAMES) {
		c->frames[c->n] = malloc(len);
		memcpy(c->frames[c->n], frame, len);
		c->lens[c->n] = len;
	}
	c->n++;
	return 0;
}

static void capture_free(struct capture *c)
{
	for (unsigned i = 0; i < c->n && i < MAX_FRAMES; i++)
		free(c->frames[i]);
	memset(c, 0, sizeof(*c));
}

struct sink {
	struct pkt *head, **tail;
	unsigned n;
};

static void sink_rx(void *arg, struct netdev *dev, struct pkt *p)
{
	struct sink *s = arg;
	(void)dev;
	p->next = NULL;
	*s->tail = p;
	s->tail = &p->next;
	s->n++;
}

static struct pkt *sink_pop(struct sink *s)
{
	struct pkt *p = s->head;
	if (!p)
		return NULL;
	s->head = p->next;
	if (!s->head)
		s->tail = &s->head;
	p->next = NULL;
	s->n--;
	return p;
}

struct fx {
	struct ev_loop *loop;
	struct pkt_pool *pool;
	struct netdev *nic;
	struct capture cap;
	struct sink sink;
	uint8_t *buf;
};

static void fx_init(struct fx *f, const struct physnic_config *cfg)
{
	struct pkt_pool_class cls[] = {{2048, 1024}, {PKT_MAX_LEN + 512, 32}};
	memset(f, 0, sizeof(*f));
	f->loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	REQUIRE(f->loop);
	f->pool = pkt_pool_create("nic", cls, 2, NULL, 0);
	REQUIRE(f->pool);
	f->nic = physnic_create("eth0", f->pool, f->loop, cfg);
	REQUIRE(f->nic);
	f->sink.tail = &f->sink.head;
	netdev_set_rx_handler(f->nic, sink_rx, &f->sink);
	physnic_set_wire(f->nic, capture_send, &f->cap);
	REQUIRE(netdev_open(f->nic) == 0);
	f->buf = malloc(PKT_MAX_LEN);
	REQUIRE(f->buf);
}

static void fx_fini(struct fx *f)
{
	struct pkt *p;
	while ((p = sink_pop(&f->sink)) != NULL)
		pkt_free(p);
	netdev_free(f->nic);
	capture_free(&f->cap);
	CHECK_U64(pkt_pool_outstanding(f->pool), 0);
	CHECK_U64(pkt_outstanding_total(), 0);
	pkt_pool_destroy(f->pool);
	ev_loop_destroy(f->loop);
	free(f->buf);
}

static uint64_t dctr(const struct netdev *dev, const char *name)
{
	uint64_t v = 0;
	if (!netdev_get_counter(dev, name, &v))
		TEST_FAILF("no device counter %s", name);
	return v;
}

static void run(struct fx *f)
{
	ev_run_until(f->loop, NULL, NULL, ev_now(f->loop) + 1);
}

/* Put the frame of t on f's wire (as if it arrived). */
static int wire_in(struct fx *f, const struct tb_tcp *t, enum tb_csum mode)
{
	uint32_t len = tb_tcp4_bytes(t, mode, f->buf);
	return physnic_wire_receive(f->nic, f->buf, len);
}

/* ---- Transmit ----------------------------------------------------------- */

TEST(tx_completes_checksum_from_seed)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);

	fx_init(&f, NULL);
	t.payload_len = 301;
	CHECK_EQ(dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_SEED)), 0);
	REQUIRE(f.cap.n == 1);
	CHECK_U64(f.cap.lens[0], 54 + 301);
	CHECK(ref_tcp4_csum_ok(f.cap.frames[0], f.cap.lens[0]));
	CHECK_U64(dctr(f.nic, "tx_hw_csum"), 1);
	CHECK_U64(f.nic->stats.sw_checksums, 0);
	CHECK_U64(f.nic->stats.tx_packets, 1);
	CHECK_U64(dctr(f.nic, "tx_wire_frames"), 1);
	fx_fini(&f);
}

TEST(tx_zero_seed_leaves_wrong_checksum_on_wire)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);

	fx_init(&f, NULL);
	t.payload_len = 100;
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_ZERO));
	REQUIRE(f.cap.n == 1);
	CHECK(!ref_tcp4_csum_ok(f.cap.frames[0], f.cap.lens[0]));
	CHECK_U64(dctr(f.nic, "tx_hw_csum"), 1);
	fx_fini(&f);
}

TEST(tx_tso_segments_in_hardware)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);
	uint32_t seq = 1000;

	fx_init(&f, NULL);
	t.payload_len = 3 * 1000;
	t.gso_size = 1000;
	t.flags = TCP_ACK | TCP_PSH;
	t.ip_id = 7;
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_SEED));
	REQUIRE(f.cap.n == 3);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *fr = f.cap.frames[i];
		CHECK_U64(f.cap.lens[i], 54 + 1000);
		CHECK(ref_tcp4_csum_ok(fr, f.cap.lens[i]));
		CHECK(ref_ip4_csum_ok(fr, f.cap.lens[i]));
		CHECK_U64(tb_seq(fr, f.cap.lens[i]), seq);
		CHECK_EQ(hdr_get16(fr + 14 + 2), 1040);
		CHECK_EQ(hdr_get16(fr + 14 + 4), 7 + i);
		CHECK_EQ(fr[47] & TCP_PSH, i == 2 ? TCP_PSH : 0);
		CHECK_EQ(fr[54], (uint8_t)(i * 1000));
		seq += 1000;
	}
	CHECK_U64(dctr(f.nic, "hw_tso_packets"), 1);
	CHECK_U64(dctr(f.nic, "hw_tso_segments"), 3);
	CHECK_U64(f.nic->stats.sw_gso_segments, 0);
	CHECK_U64(f.nic->stats.tx_packets, 3);
	fx_fini(&f);
}

TEST(tx_tso_of_tagged_frames)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);
	uint32_t seq = 1000;

	fx_init(&f, NULL);
	t.vlan = 20;
	t.payload_len = 2 * 1400;
	t.gso_size = 1400;
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_SEED));
	REQUIRE(f.cap.n == 2);
	for (unsigned i = 0; i < 2; i++) {
		CHECK_U64(f.cap.lens[i], 18 + 40 + 1400);
		CHECK_EQ(hdr_get16(f.cap.frames[i] + 14), 20);
		CHECK(ref_tcp4_csum_ok(f.cap.frames[i], f.cap.lens[i]));
		CHECK_U64(tb_seq(f.cap.frames[i], f.cap.lens[i]), seq);
		seq += 1400;
	}
	CHECK_U64(dctr(f.nic, "hw_tso_segments"), 2);
	CHECK_U64(f.nic->stats.sw_gso_segments, 0);
	fx_fini(&f);
}

TEST(tx_features_off_fall_back_to_software)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);

	physnic_config_init(&cfg);
	cfg.tso = false;
	fx_init(&f, &cfg);
	CHECK(!(f.nic->features & NETIF_F_TSO));
	CHECK(f.nic->features & NETIF_F_IP_CSUM);
	t.payload_len = 2500;
	t.gso_size = 1000;
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_SEED));
	REQUIRE(f.cap.n == 3);
	for (unsigned i = 0; i < 3; i++)
		CHECK(ref_tcp4_csum_ok(f.cap.frames[i], f.cap.lens[i]));
	CHECK_U64(f.cap.lens[2], 54 + 500);
	CHECK_U64(f.nic->stats.sw_gso_segments, 3);
	CHECK_U64(dctr(f.nic, "hw_tso_segments"), 0);
	CHECK_U64(dctr(f.nic, "tx_hw_csum"), 3); /* segments left PARTIAL for the NIC */

	/* Checksum offload switched off at run time: software completes it. */
	capture_free(&f.cap);
	CHECK_EQ(netdev_set_features(f.nic, f.nic->features & ~NETIF_F_CSUM_MASK), 0);
	CHECK(!(f.nic->features & NETIF_F_IP_CSUM));
	t.gso_size = 0;
	t.payload_len = 10;
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_SEED));
	REQUIRE(f.cap.n == 1);
	CHECK(ref_tcp4_csum_ok(f.cap.frames[0], f.cap.lens[0]));
	CHECK_U64(f.nic->stats.sw_checksums, 1);
	CHECK_U64(dctr(f.nic, "tx_hw_csum"), 3);
	fx_fini(&f);
}

TEST(tx_pads_short_frames_and_needs_a_wire)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);
	uint8_t zeros[6] = {0};

	fx_init(&f, NULL);
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_FULL));
	REQUIRE(f.cap.n == 1);
	CHECK_U64(f.cap.lens[0], PHYSNIC_MIN_FRAME);
	CHECK_MEM(f.cap.frames[0] + 54, zeros, 6);
	CHECK(ref_tcp4_csum_ok(f.cap.frames[0], f.cap.lens[0]));
	CHECK_U64(dctr(f.nic, "tx_padded"), 1);

	f.cap.fail = -EIO;
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_FULL));
	CHECK_U64(dctr(f.nic, "tx_wire_errors"), 1);
	physnic_set_wire(f.nic, NULL, NULL);
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_FULL));
	CHECK_U64(dctr(f.nic, "tx_no_carrier"), 1);
	CHECK_U64(dctr(f.nic, "tx_wire_frames"), 1);
	fx_fini(&f);
}

/* ---- Receive --------------------------------------------------------------- */

TEST(rx_gro_merges_one_poll_into_page_fragments)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);
	struct pkt *p;
	uint32_t len, l3, l4;

	fx_init(&f, NULL);
	for (unsigned i = 0; i < 4; i++) {
		t.payload_len = 1448;
		t.payload_seed = (uint8_t)(i * 1448);
		t.ip_id = (uint16_t)(100 + i);
		CHECK_EQ(wire_in(&f, &t, TB_FULL), 0);
		t.seq += 1448;
	}
	CHECK_EQ(physnic_rx_pending(f.nic), 4);
	CHECK_EQ(f.sink.n, 0);
	run(&f);
	CHECK_EQ(physnic_rx_pending(f.nic), 0);
	CHECK_U64(dctr(f.nic, "napi_polls"), 1);
	CHECK_U64(dctr(f.nic, "rx_csum_good"), 4);
	CHECK_U64(dctr(f.nic, "gro_merged"), 3);
	REQUIRE(f.sink.n == 1);
	p = sink_pop(&f.sink);
	/* skb_gro_receive: fragments first, no frag_list for 4 segments */
	CHECK(p->frag_list == NULL);
	CHECK_EQ(p->nr_frags, 3);
	CHECK_U64(dctr(f.nic, "gro_merged_frags"), 3);
	CHECK_U64(p->len, 54 + 4 * 1448);
	CHECK_EQ(p->gso_size, 1448);
	CHECK_EQ(p->gso_segs, 4);
	CHECK(p->gso_type & PKT_GSO_TCPV4);
	CHECK_EQ(p->ip_summed, CHECKSUM_PARTIAL);
	CHECK_EQ(pkt_offset(p, p->csum_start), 34);
	CHECK_EQ(p->csum_offset, TCP_CSUM_OFFSET);
	len = tb_flatten(p, f.buf);
	REQUIRE(ref_tcp4_offsets(f.buf, len, &l3, &l4));
	CHECK_EQ(hdr_get16(f.buf + l3 + 2), 20 + 20 + 4 * 1448);
	CHECK(ref_ip4_csum_ok(f.buf, len));
	CHECK_EQ(hdr_get16(f.buf + l4 + 16), ref_tcp4_seed(f.buf + l3, 20 + 4 * 1448));
	for (unsigned i = 0; i < 4 * 1448; i++)
		if (f.buf[54 + i] != (uint8_t)i) {
			TEST_FAILF("payload byte %u", i);
			break;
		}
	CHECK_EQ(f.nic->stats.rx_packets, 1);
	pkt_free(p);
	fx_fini(&f);
}

TEST(rx_gro_flushes_at_the_end_of_each_poll)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);
	struct pkt *p;

	fx_init(&f, NULL);
	for (unsigned round = 0; round < 2; round++) {
		for (unsigned i = 0; i < 2; i++) {
			t.payload_len = 1000;
			t.ip_id++;
			wire_in(&f, &t, TB_FULL);
			t.seq += 1000;
		}
		run(&f);
	}
	CHECK_U64(dctr(f.nic, "napi_polls"), 2);
	REQUIRE(f.sink.n == 2);
	for (unsigned i = 0; i < 2; i++) {
		p = sink_pop(&f.sink);
		CHECK_EQ(p->gso_segs, 2);
		CHECK_U64(p->len, 54 + 2000);
		pkt_free(p);
	}
	fx_fini(&f);
}

TEST(rx_gro_off_delivers_each_frame_verified)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);
	struct pkt *p;

	physnic_config_init(&cfg);
	cfg.gro = false;
	fx_init(&f, &cfg);
	CHECK(!(f.nic->features & NETIF_F_GRO));
	for (unsigned i = 0; i < 3; i++) {
		t.payload_len = 500;
		wire_in(&f, &t, TB_FULL);
		t.seq += 500;
	}
	run(&f);
	REQUIRE(f.sink.n == 3);
	while ((p = sink_pop(&f.sink)) != NULL) {
		CHECK(p->frag_list == NULL);
		CHECK_EQ(p->gso_size, 0);
		CHECK_EQ(p->ip_summed, CHECKSUM_UNNECESSARY);
		CHECK_EQ(pkt_offset(p, p->transport_header), 34);
		pkt_free(p);
	}
	CHECK_U64(dctr(f.nic, "gro_merged"), 0);

	/* GRO back on at run time merges again. */
	CHECK_EQ(netdev_set_features(f.nic, f.nic->features | NETIF_F_GRO), 0);
	for (unsigned i = 0; i < 3; i++) {
		wire_in(&f, &t, TB_FULL);
		t.seq += 500;
	}
	run(&f);
	CHECK_EQ(f.sink.n, 1);
	CHECK_U64(dctr(f.nic, "gro_merged"), 2);
	fx_fini(&f);
}

TEST(rx_gro_without_rx_csum_validates_in_software)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);
	struct pkt *p;
	uint8_t arp[60];

	physnic_config_init(&cfg);
	cfg.rx_csum = false;
	fx_init(&f, &cfg);
	for (unsigned i = 0; i < 3; i++) {
		t.payload_len = 800;
		wire_in(&f, &t, TB_FULL);
		t.seq += 800;
	}
	/* Then a frame hdr_parse refuses (IPv4 with ihl 4), and an ARP frame. */
	t.payload_len = 0;
	tb_tcp4_bytes(&t, TB_FULL, f.buf);
	f.buf[14] = 0x44;
	physnic_wire_receive(f.nic, f.buf, 60);
	memset(arp, 0, sizeof(arp));
	memset(arp, 0xff, 6);
	hdr_put16(arp + 12, ETH_P_ARP);
	physnic_wire_receive(f.nic, arp, sizeof(arp));
	run(&f);
	CHECK_U64(dctr(f.nic, "gro_sw_csum"), 3);
	CHECK_U64(dctr(f.nic, "rx_csum_good"), 0);
	CHECK_U64(dctr(f.nic, "gro_merged"), 2);
	REQUIRE(f.sink.n == 3);
	/* Frames GRO does not take go up at once (dev_gro_receive's normal
	 * path), ahead of the flow it holds until the end of the poll. */
	p = sink_pop(&f.sink);
	CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
	CHECK_U64(p->len, 60);
	pkt_free(p);
	p = sink_pop(&f.sink);
	CHECK_EQ(p->protocol, ETH_P_ARP);
	pkt_free(p);
	p = sink_pop(&f.sink);
	CHECK_EQ(p->gso_segs, 3);
	CHECK_EQ(p->ip_summed, CHECKSUM_PARTIAL);
	pkt_free(p);
	fx_fini(&f);
}

/* A bad segment goes up at once, alone, ahead of the segment GRO holds
 * (tcp4_gro_receive flags only the bad segment); the next one then finds a
 * sequence gap, flushes the held one and is held itself. */
TEST(rx_bad_checksum_goes_up_alone_ahead_of_held)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);
	struct pkt *p;
	uint32_t seqs[3];

	fx_init(&f, NULL);
	for (unsigned i = 0; i < 3; i++) {
		t.payload_len = 100;
		seqs[i] = t.seq;
		wire_in(&f, &t, i == 1 ? TB_BAD : TB_FULL);
		t.seq += 100;
	}
	run(&f);
	CHECK_U64(dctr(f.nic, "rx_csum_bad"), 1);
	CHECK_U64(dctr(f.nic, "rx_csum_good"), 2);
	CHECK_U64(dctr(f.nic, "gro_merged"), 0);
	REQUIRE(f.sink.n == 3);
	static const unsigned order[3] = {1, 0, 2};
	for (unsigned i = 0; i < 3; i++) {
		uint32_t len;
		p = sink_pop(&f.sink);
		len = tb_flatten(p, f.buf);
		CHECK_U64(tb_seq(f.buf, len), seqs[order[i]]);
		CHECK_EQ(p->ip_summed, order[i] == 1 ? CHECKSUM_NONE : CHECKSUM_UNNECESSARY);
		pkt_free(p);
	}
	fx_fini(&f);
}

/* The seed's 64 KiB flows: 45 segments of 1448 bytes fill the head's 17
 * fragments, then two frag_list members (17 and 8 fragments). */
TEST(rx_gro_of_a_64k_flow_chains_past_17_fragments)
{
	struct fx f;
	struct tb_tcp t = tb_default(1, 2);

	fx_init(&f, NULL);
	for (unsigned i = 0; i < 45; i++) {
		t.payload_len = 1448;
		t.ip_id = (uint16_t)(100 + i);
		CHECK_EQ(wire_in(&f, &t, TB_FULL), 0);
		t.seq += 1448;
	}
	run(&f);
	REQUIRE(f.sink.n == 1);
	struct pkt *p = sink_pop(&f.sink);
	CHECK_EQ(p->gso_segs, 45);
	CHECK_EQ(p->nr_frags, PKT_MAX_FRAGS);
	REQUIRE(p->frag_list != NULL);
	CHECK_EQ(p->frag_list->nr_frags, PKT_MAX_FRAGS);
	REQUIRE(p->frag_list->next != NULL);
	CHECK_EQ(p->frag_list->next->nr_frags, 8);
	CHECK(p->frag_list->next->next == NULL);
	CHECK_U64(p->len, 54 + 45 * 1448);
	CHECK_U64(dctr(f.nic, "gro_merged_frags"), 42);
	CHECK_U64(dctr(f.nic, "gro_merged_frag_list"), 2);
	pkt_free(p);
	fx_fini(&f);
}

/* Four segments, a poll, four more: with the kernel's defaults each poll
 * flushes its own; with gro_flush_timeout the first four stay held and the
 * eight merge, going up when the timer's poll finds nothing new. */
static unsigned burst_over_two_polls(uint64_t timeout_ns, uint32_t defer_irqs, unsigned *first_segs,
				     uint64_t *polls)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);

	physnic_config_init(&cfg);
	cfg.gro_flush_timeout_ns = timeout_ns;
	cfg.napi_defer_hard_irqs = defer_irqs;
	fx_init(&f, &cfg);
	for (unsigned i = 0; i < 8; i++) {
		t.payload_len = 1000;
		t.ip_id = (uint16_t)(100 + i);
		CHECK_EQ(wire_in(&f, &t, TB_FULL), 0);
		t.seq += 1000;
		if (i == 3)
			run(&f); /* the first poll ends here */
	}
	ev_run_until(f.loop, NULL, NULL, ev_now(f.loop) + 1000000);
	unsigned n = f.sink.n;
	struct pkt *p = sink_pop(&f.sink);
	*first_segs = p ? p->gso_segs : 0;
	pkt_free(p);
	while ((p = sink_pop(&f.sink)))
		pkt_free(p);
	*polls = dctr(f.nic, "napi_polls");
	fx_fini(&f);
	return n;
}

TEST(rx_gro_flush_timeout_merges_a_burst_over_two_polls)
{
	unsigned segs;
	uint64_t polls;
	CHECK_EQ(burst_over_two_polls(0, 0, &segs, &polls), 2);
	CHECK_EQ(segs, 4);
	CHECK_U64(polls, 2);
	CHECK_EQ(burst_over_two_polls(200000, 0, &segs, &polls), 1);
	CHECK_EQ(segs, 8);
	CHECK_U64(polls, 3); /* the watchdog's poll flushed them */
	/* napi_defer_hard_irqs: the second four wait for the timer's poll */
	CHECK_EQ(burst_over_two_polls(200000, 1, &segs, &polls), 1);
	CHECK_EQ(segs, 8);
}

TEST(rx_ring_limit_budget_and_bad_frames)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);
	uint8_t runt[10] = {0};

	physnic_config_init(&cfg);
	cfg.gro = false;
	cfg.rx_ring_size = 4;
	cfg.napi_budget = 3;
	fx_init(&f, &cfg);
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ(wire_in(&f, &t, TB_FULL), i < 4 ? 0 : -ENOBUFS);
	CHECK_U64(dctr(f.nic, "rx_ring_full"), 2);
	CHECK_EQ(physnic_wire_receive(f.nic, runt, sizeof(runt)), -EINVAL);
	memset(f.buf, 0, 1519);
	CHECK_EQ(physnic_wire_receive(f.nic, f.buf, 1519), -EINVAL);
	CHECK_EQ(physnic_wire_receive(f.nic, f.buf, 1518), -ENOBUFS);
	CHECK_U64(dctr(f.nic, "rx_length_errors"), 2);
	run(&f);
	CHECK_EQ(f.sink.n, 4);
	CHECK_U64(dctr(f.nic, "napi_polls"), 2); /* budget 3: 3 then 1 */
	CHECK_U64(f.nic->stats.rx_packets, 4);

	/* Down: refused; frames queued before a stop are freed. */
	wire_in(&f, &t, TB_FULL);
	netdev_stop(f.nic);
	CHECK_EQ(physnic_rx_pending(f.nic), 0);
	CHECK_EQ(wire_in(&f, &t, TB_FULL), -ENETDOWN);
	CHECK_U64(dctr(f.nic, "rx_down_drops"), 1);
	fx_fini(&f);
}

/* A frame in a packet of the NIC's own pool is queued where it is (the
 * wire cut it into the NIC's memory); one from another pool is copied; both
 * arrive with only their bytes, verified; the ring's room counts down. */
TEST(rx_wire_packet_own_pool_queued_in_place_other_copied)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);
	struct pkt_pool_class cls[] = {{2048, 8}};
	struct pkt_pool *other = pkt_pool_create("other", cls, 1, NULL, 0);
	REQUIRE(other);

	physnic_config_init(&cfg);
	cfg.gro = false;
	cfg.rx_ring_size = 8;
	fx_init(&f, &cfg);
	CHECK_EQ(physnic_rx_room(f.nic), 8);
	t.payload_len = 500;
	uint32_t len = tb_tcp4_bytes(&t, TB_FULL, f.buf);
	struct pkt *own = pkt_alloc(f.pool, len, PKT_HEADROOM);
	struct pkt *foreign = pkt_alloc(other, len, PKT_HEADROOM);
	REQUIRE(own && foreign);
	memcpy(pkt_put(own, len), f.buf, len);
	memcpy(pkt_put(foreign, len), f.buf, len);
	own->ip_summed = foreign->ip_summed = CHECKSUM_PARTIAL; /* reset: a wire has none */
	CHECK_EQ(physnic_wire_receive_pkt(f.nic, own), 0);
	CHECK_EQ(physnic_rx_room(f.nic), 7);
	CHECK_EQ(physnic_wire_receive_pkt(f.nic, foreign), 0);
	CHECK_EQ(physnic_rx_room(f.nic), 6);
	CHECK_U64(pkt_pool_outstanding(other), 0); /* copied, and freed */
	run(&f);
	REQUIRE(f.sink.n == 2);
	struct pkt *a = sink_pop(&f.sink), *b = sink_pop(&f.sink);
	CHECK(a == own); /* no copy */
	CHECK(b != foreign && b->pool == f.pool);
	CHECK_EQ(a->ip_summed, CHECKSUM_UNNECESSARY); /* verified by the NIC */
	CHECK_EQ(b->ip_summed, CHECKSUM_UNNECESSARY);
	CHECK_EQ(a->len, len);
	CHECK(memcmp(pkt_data(b), f.buf, len) == 0);
	pkt_free(a);
	pkt_free(b);
	CHECK_EQ(physnic_rx_room(f.nic), 8);
	/* Refusals free the packet and count as physnic_wire_receive's do. */
	struct pkt *runt = pkt_alloc(f.pool, 10, PKT_HEADROOM);
	REQUIRE(runt);
	memset(pkt_put(runt, 10), 0, 10);
	CHECK_EQ(physnic_wire_receive_pkt(f.nic, runt), -EINVAL);
	CHECK_U64(dctr(f.nic, "rx_length_errors"), 1);
	fx_fini(&f);
	CHECK_EQ(pkt_pool_destroy(other), 0);
}

/* A frame of the NIC's pool with the given bytes and csum_by_wire mark. */
static struct pkt *wire_pkt(struct fx *f, uint32_t len, bool by_wire)
{
	struct pkt *p = pkt_alloc(f->pool, len, PKT_HEADROOM);
	REQUIRE(p);
	memcpy(pkt_put(p, len), f->buf, len);
	p->csum_by_wire = by_wire;
	return p;
}

/* A checksum the wire computed (csum_by_wire) is taken as good without
 * summing: proved by a wrong one so marked, which only the wire's contract
 * (tap_wire_seed_right) keeps from happening. Everything else is summed: an
 * unmarked bad frame (the host's own) is caught, and a marked frame with
 * bytes beyond the IP packet's end (what the wire's sum did not cover) is
 * checked. The verdicts reach ip_summed and the counters as a check's do. */
TEST(rx_checksum_the_wire_computed_is_not_summed_again)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);

	physnic_config_init(&cfg);
	cfg.gro = false;
	fx_init(&f, &cfg);
	t.payload_len = 500;
	uint32_t len = tb_tcp4_bytes(&t, TB_FULL, f.buf);
	CHECK_EQ(physnic_wire_receive_pkt(f.nic, wire_pkt(&f, len, true)), 0);
	tb_tcp4_bytes(&t, TB_BAD, f.buf);
	CHECK_EQ(physnic_wire_receive_pkt(f.nic, wire_pkt(&f, len, true)), 0);
	CHECK_EQ(physnic_wire_receive_pkt(f.nic, wire_pkt(&f, len, false)), 0);
	memset(f.buf + len, 0, 4); /* four bytes after the IP packet */
	CHECK_EQ(physnic_wire_receive_pkt(f.nic, wire_pkt(&f, len + 4, true)), 0);
	run(&f);
	REQUIRE(f.sink.n == 4);
	uint8_t want[4] = {CHECKSUM_UNNECESSARY, CHECKSUM_UNNECESSARY, CHECKSUM_NONE, CHECKSUM_NONE};
	for (unsigned i = 0; i < 4; i++) {
		struct pkt *p = sink_pop(&f.sink);
		CHECK_EQ(p->ip_summed, want[i]);
		CHECK(!p->csum_by_wire); /* consumed by the NIC */
		pkt_free(p);
	}
	CHECK_U64(dctr(f.nic, "rx_csum_wire_trusted"), 2);
	CHECK_U64(dctr(f.nic, "rx_csum_good"), 2);
	CHECK_U64(dctr(f.nic, "rx_csum_bad"), 2);
	/* A copied frame (another pool, or physnic_wire_receive) keeps only
	 * bytes: summed, so the bad one is caught. */
	CHECK_EQ(physnic_wire_receive(f.nic, f.buf, len), 0);
	run(&f);
	REQUIRE(f.sink.n == 1);
	struct pkt *p = sink_pop(&f.sink);
	CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
	pkt_free(p);
	CHECK_U64(dctr(f.nic, "rx_csum_wire_trusted"), 2);
	CHECK_U64(dctr(f.nic, "rx_csum_bad"), 3);
	fx_fini(&f);
}

TEST(rx_checksum_off_and_padded_frames)
{
	struct fx f;
	struct physnic_config cfg;
	struct tb_tcp t = tb_default(1, 2);
	struct pkt *p;
	uint32_t len;

	physnic_config_init_plain(&cfg);
	fx_init(&f, &cfg);
	CHECK_EQ(f.nic->features &
			 (NETIF_F_CSUM_MASK | NETIF_F_TSO_MASK | NETIF_F_RXCSUM | NETIF_F_GRO),
		 0);
	wire_in(&f, &t, TB_FULL);
	/* A padded pure ACK as it comes off a real wire: 60 bytes. */
	len = tb_tcp4_bytes(&t, TB_FULL, f.buf);
	memset(f.buf + len, 0, PHYSNIC_MIN_FRAME - len);
	physnic_wire_receive(f.nic, f.buf, PHYSNIC_MIN_FRAME);
	run(&f);
	REQUIRE(f.sink.n == 2);
	p = sink_pop(&f.sink);
	CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
	pkt_free(p);
	p = sink_pop(&f.sink);
	CHECK_U64(p->len, PHYSNIC_MIN_FRAME);
	pkt_free(p);
	CHECK_U64(dctr(f.nic, "rx_csum_good"), 0);

	/* With rx-csum on, the padded frame is judged on its IP length. */
	CHECK_EQ(netdev_set_features(f.nic, f.nic->features | NETIF_F_RXCSUM), 0);
	physnic_wire_receive(f.nic, f.buf, PHYSNIC_MIN_FRAME);
	run(&f);
	REQUIRE(f.sink.n == 1);
	p = sink_pop(&f.sink);
	CHECK_EQ(p->ip_summed, CHECKSUM_UNNECESSARY);
	pkt_free(p);
	CHECK_U64(dctr(f.nic, "rx_csum_good"), 1);
	fx_fini(&f);
}

/* ---- Back to back with host X ---------------------------------------------- */

TEST(back_to_back_tso_nic_to_plain_host)
{
	struct fx f;
	struct physnic_config plain;
	struct netdev *hostx;
	struct sink xs = {NULL, NULL, 0};
	struct tb_tcp t = tb_default(1, 2);
	struct pkt *p;
	uint32_t seq = 1000;

	fx_init(&f, NULL);
	physnic_config_init_plain(&plain);
	hostx = physnic_create("hostx", f.pool, f.loop, &plain);
	REQUIRE(hostx);
	xs.tail = &xs.head;
	netdev_set_rx_handler(hostx, sink_rx, &xs);
	REQUIRE(netdev_open(hostx) == 0);
	CHECK_EQ(physnic_link(f.nic, hostx), 0);
	CHECK_EQ(physnic_link(f.nic, f.nic), -EINVAL);

	t.payload_len = 4000;
	t.gso_size = 1448;
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_SEED));
	CHECK_U64(dctr(f.nic, "hw_tso_segments"), 3);
	CHECK_EQ(f.cap.n, 0); /* the link replaced the captured wire */
	CHECK_EQ(physnic_rx_pending(hostx), 3);
	run(&f);
	REQUIRE(xs.n == 3);
	while ((p = sink_pop(&xs)) != NULL) {
		uint32_t len = tb_flatten(p, f.buf);
		CHECK_EQ(p->ip_summed, CHECKSUM_NONE);
		CHECK(ref_tcp4_csum_ok(f.buf, len));
		CHECK_U64(tb_seq(f.buf, len), seq);
		seq += tb_payload_len(f.buf, len);
		pkt_free(p);
	}
	CHECK_U64(seq, 1000 + 4000);

	/* Host X answers; the NIC's GRO has nothing to merge for one frame. */
	t = tb_default(2, 1);
	dev_queue_xmit(hostx, tb_tcp4(f.pool, &t, TB_FULL));
	run(&f);
	CHECK_EQ(f.sink.n, 1);
	netdev_free(hostx);
	/* Unlinked by the free: the NIC is without carrier now. */
	dev_queue_xmit(f.nic, tb_tcp4(f.pool, &t, TB_FULL));
	CHECK_U64(dctr(f.nic, "tx_no_carrier"), 1);
	fx_fini(&f);
}

static void count_visit(void *arg, const struct counter_desc *d, uint64_t v)
{
	unsigned *n = arg;
	(void)d;
	(void)v;
	(*n)++;
}

/* The NIC reports the standard counters, its own set and GRO's, each once. */
TEST(counters_are_standard_physnic_and_gro_sets)
{
	struct fx f;
	fx_init(&f, NULL);
	unsigned n = 0;
	netdev_for_each_counter(f.nic, count_visit, &n);
	CHECK_EQ(n, netdev_counters.n + physnic_counters.n + gro_counters.n);
	for (size_t i = 0; i < physnic_counters.n; i++)
		CHECK(!counter_set_find(&gro_counters, physnic_counters.descs[i].name) &&
		      !counter_set_find(&netdev_counters, physnic_counters.descs[i].name));
	struct tb_tcp t = tb_default(2, 1);
	t.payload_len = 100;
	CHECK_EQ(wire_in(&f, &t, TB_FULL), 0);
	run(&f);
	CHECK_U64(dctr(f.nic, "rx_wire_frames"), 1);
	CHECK_U64(dctr(f.nic, "gro_held") + dctr(f.nic, "gro_passthrough"), 1);
	fx_fini(&f);
}

TEST(create_refuses_bad_config)
{
	struct physnic_config cfg;
	struct ev_loop *loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	struct pkt_pool_class cls[] = {{2048, 4}};
	struct pkt_pool *pool = pkt_pool_create("x", cls, 1, NULL, 0);

	REQUIRE(loop && pool);
	physnic_config_init(&cfg);
	cfg.rx_ring_size = 0;
	CHECK(physnic_create("bad", pool, loop, &cfg) == NULL);
	physnic_config_init(&cfg);
	cfg.mtu = 10;
	CHECK(physnic_create("bad", pool, loop, &cfg) == NULL);
	CHECK(physnic_create("bad", NULL, loop, NULL) == NULL);
	CHECK(!physnic_is_physnic(NULL));
	CHECK_EQ(physnic_wire_receive(NULL, NULL, 0), -EINVAL);
	pkt_pool_destroy(pool);
	ev_loop_destroy(loop);
}

TEST_MAIN()
