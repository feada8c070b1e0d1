/*
 * test_counters.c — the hypervisor's counter sets (hv_adapter_counters,
 * hv_partition_counters): each covers every field of its struct, and the
 * refusals that had no drop phrase before the sets existed (a send on a
 * closed adapter, a frame over 64 KiB, an offload the hypervisor cannot
 * perform) bump the counter the set names, with a phrase for the report.
 */
#include "test.h"
#include "hv_test_util.h"

#define MEM (1u << 20)

static uint8_t frame_buf[PAPR_MAX_FRAME + 64];

static void check_set_covers(const struct counter_set *set, size_t struct_size)
{
	CHECK_U64(set->n * sizeof(uint64_t), struct_size);
	/* every field once: offsets distinct, 8-aligned, inside the struct */
	uint64_t seen = 0;
	for (size_t i = 0; i < set->n; i++) {
		size_t off = set->descs[i].off;
		CHECK(off % sizeof(uint64_t) == 0 && off < struct_size);
		unsigned slot = (unsigned)(off / sizeof(uint64_t));
		if (slot < 64) {
			CHECK(!(seen & (1ull << slot)));
			seen |= 1ull << slot;
		}
		CHECK(counter_set_find(set, set->descs[i].name) == &set->descs[i]);
	}
}

TEST(sets_cover_every_field)
{
	check_set_covers(&hv_adapter_counters, sizeof(struct hv_adapter_stats));
	check_set_covers(&hv_partition_counters, sizeof(struct hv_partition_stats));
	CHECK(strcmp(hv_adapter_counters.kind, "hv-adapter") == 0);
	CHECK(strcmp(hv_partition_counters.kind, "hv-partition") == 0);
	/* the order is the fields' (append only): first and last */
	CHECK_U64(hv_adapter_counters.descs[0].off, offsetof(struct hv_adapter_stats, tx_frames));
	CHECK_U64(hv_adapter_counters.descs[hv_adapter_counters.n - 1].off,
		  offsetof(struct hv_adapter_stats, rx_too_big));
}

TEST(drop_counters_have_phrases)
{
	static const char *const drops[] = {
		"rx_no_buffer", "rx_not_open",     "rx_filtered",  "vlan_discards",  "self_sends",
		"tx_not_open",  "resource_errors", "hv_sw_errors", "no_destination", "addr_errors",
		"param_errors", "mac_discards",    "mac_denied",   "tx_too_big",     "rx_too_big",
	};
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		const struct counter_desc *d = counter_set_find(&hv_adapter_counters, drops[i]);
		CHECK(d && d->drop && d->drop[0]);
	}
	static const char *const plain[] = {"tx_frames",      "rx_bytes",      "hv_sw_checksums",
					    "hv_sw_segments", "lrg_delivered", "irqs"};
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		const struct counter_desc *d = counter_set_find(&hv_adapter_counters, plain[i]);
		CHECK(d && !d->drop);
	}
	/* a multicast refused where it was not addressed loses nothing */
	CHECK(counter_set_find(&hv_adapter_counters, "rx_filtered")->flags == COUNTER_HARMLESS);
	CHECK(counter_set_find(&hv_adapter_counters, "rx_no_buffer")->flags == 0);
	CHECK(counter_set_find(&hv_partition_counters, "bad_unit")->drop != NULL);
	CHECK(counter_set_find(&hv_partition_counters, "hcalls")->drop == NULL);
}

/* The adapter counter called name holds want in st and has a drop phrase. */
static void check_named_drop(const struct hv_adapter_stats *st, const char *name, uint64_t want)
{
	const struct counter_desc *d = counter_set_find(&hv_adapter_counters, name);
	CHECK(d != NULL);
	if (!d)
		return;
	CHECK(d->drop != NULL);
	CHECK_U64(counter_get(st, d), want);
}

TEST(refusals_bump_their_named_counters)
{
	struct hv *hv = hv_create();
	REQUIRE(hv);
	struct hv_partition *pa = hv_partition_create(hv, "A", MEM);
	struct hv_partition *pb = hv_partition_create(hv, "B", MEM);
	REQUIRE(pa && pb);
	struct hv_adapter_config ca = t_cfg(0xA, 0, 10, 0, IBMVETH_ILLAN_LRG_SND_SUPPORT);
	struct hv_adapter_config cb = t_cfg(0xB, 0, 10, 0, 0);
	struct tad a, b;
	REQUIRE(t_adapter(&a, hv, pa, &ca, 0));
	REQUIRE(t_adapter(&b, hv, pb, &cb, 0));
	uint32_t len = t_build_raw(frame_buf, b.mac, a.mac, -1, 200, 0x11);

	/* a send on a closed adapter: H_DROPPED, tx_not_open */
	CHECK_EQ(t_send(&a, frame_buf, len, 0, 0), H_DROPPED);
	struct hv_adapter_stats st = t_stats(&a);
	check_named_drop(&st, "tx_not_open", 1);
	CHECK_U64(st.tx_frames, 0);

	REQUIRE(t_open(&a) == H_SUCCESS);
	REQUIRE(t_open(&b) == H_SUCCESS);
	REQUIRE(t_post(&b, 2048, 8) == 8);

	/* one byte over the most the hypervisor carries (PowerVM's 65408):
	 * H_RESOURCE, tx_too_big */
	uint32_t big = t_build_raw(frame_buf, b.mac, a.mac, -1, HV_MAX_FRAME + 1 - 14, 0x22);
	CHECK_EQ(big, HV_MAX_FRAME + 1);
	CHECK_EQ(t_send(&a, frame_buf, big, 0, 0), H_RESOURCE);
	st = t_stats(&a);
	check_named_drop(&st, "tx_too_big", 1);
	CHECK_U64(st.resource_errors, 0);
	CHECK_U64(st.tx_frames, 0);
	/* the most it carries goes; b posted only 2048-byte buffers, so it never
	 * had room for it: rx_too_big, not rx_no_buffer, and the drop counter
	 * the partition reads says 1 */
	CHECK_EQ(t_send(&a, frame_buf, big - 1, 0, 0), H_SUCCESS);
	st = t_stats(&b);
	check_named_drop(&st, "rx_too_big", 1);
	CHECK_U64(st.rx_no_buffer, 0);
	CHECK_U64(t_drop_counter(&b), 1);
	/* a frame that fits once b's buffers are gone is rx_no_buffer */
	len = t_build_raw(frame_buf, b.mac, a.mac, -1, 200, 0x11);
	for (unsigned i = 0; i < 9; i++)
		CHECK_EQ(t_send(&a, frame_buf, len, 0, 0), H_SUCCESS);
	st = t_stats(&b);
	check_named_drop(&st, "rx_no_buffer", 1);
	CHECK_U64(st.rx_too_big, 1);
	CHECK_U64(t_drop_counter(&b), 2);
	CHECK_EQ(t_drain(&b), 8);
	REQUIRE(t_post(&b, 2048, 8) == 8);

	/* a large send that is not TCP over IP, to a receiver without large
	 * receive: the hypervisor cannot segment it, so b loses it and counts
	 * hv_sw_errors; the send itself succeeded */
	REQUIRE(h_illan_attributes(pa, a.ua, 0, IBMVETH_ILLAN_LRG_SR_ENABLED, NULL) == H_SUCCESS);
	len = t_build_raw(frame_buf, b.mac, a.mac, -1, 4000, 0x33);
	CHECK_EQ(t_send(&a, frame_buf, len, IBMVETH_BUF_LRG_SND, 1000), H_SUCCESS);
	CHECK_U64(t_drain(&b), 0);
	st = t_stats(&b);
	check_named_drop(&st, "hv_sw_errors", 1);
	CHECK_U64(st.rx_frames, 8); /* the 8 small frames above */
	CHECK_U64(t_stats(&a).tx_frames, 11);

	hv_destroy(hv);
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST_MAIN()
