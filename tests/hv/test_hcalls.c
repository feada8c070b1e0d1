/*
 * test_hcalls.c — every ILLAN hcall's success path and error paths, the
 * buffer-list page and receive-queue layouts byte for byte, toggle wrap over
 * thousands of entries, buffer selection and exhaustion (the drop counter at
 * +4088), logical memory, fault injection and the generic dispatcher.
 */
#include "test.h"
#include "hv_test_util.h"

#define MEM (1u << 20)

struct env {
	struct hv *hv;
	struct hv_partition *pa, *pb;
	struct tad a, b;
};

static void env_up(struct env *e, uint64_t fw_a, uint64_t fw_b)
{
	memset(e, 0, sizeof(*e));
	e->hv = hv_create();
	REQUIRE(e->hv);
	e->pa = hv_partition_create(e->hv, "A", MEM);
	e->pb = hv_partition_create(e->hv, "B", MEM);
	REQUIRE(e->pa && e->pb);
	struct hv_adapter_config ca = t_cfg(0xA, 0, 10, 0, fw_a);
	struct hv_adapter_config cb = t_cfg(0xB, 0, 10, 0, fw_b);
	REQUIRE(t_adapter(&e->a, e->hv, e->pa, &ca, 0));
	REQUIRE(t_adapter(&e->b, e->hv, e->pb, &cb, 0));
}

static void env_down(struct env *e)
{
	hv_destroy(e->hv);
	CHECK_U64(pkt_outstanding_total(), 0);
}

/* A frame from a to b carrying a 4-byte tag n in its payload. */
static long send_n(struct env *e, uint32_t n, uint32_t payload)
{
	uint8_t f[2048];
	uint32_t len = t_build_raw(f, e->b.mac, e->a.mac, -1, payload, 0x5a);
	f[14] = (uint8_t)(n >> 24);
	f[15] = (uint8_t)(n >> 16);
	f[16] = (uint8_t)(n >> 8);
	f[17] = (uint8_t)n;
	return t_send(&e->a, f, len, 0, 0);
}

TEST(lmem_alloc_ptr_addr)
{
	struct hv *hv = hv_create();
	REQUIRE(hv);
	struct hv_partition *p = hv_partition_create(hv, "p", 65536);
	REQUIRE(p);
	CHECK(hv_partition_create(hv, "zero", 0) == NULL);
	CHECK(strcmp(hv_partition_name(p), "p") == 0);
	CHECK_U64(hv_lmem_size(p), 65536);
	uint64_t a = hv_lmem_alloc(p, 100, 64);
	CHECK_U64(a, 4096); /* page 0 stays unused */
	uint64_t b = hv_lmem_alloc(p, 10, 4096);
	CHECK_U64(b, 8192);
	CHECK_U64(hv_lmem_alloc(p, 10, 3), UINT64_MAX); /* not a power of two */
	CHECK_U64(hv_lmem_alloc(p, 0, 8), UINT64_MAX);
	CHECK_U64(hv_lmem_alloc(p, 65536, 8), UINT64_MAX); /* does not fit */
	uint64_t c = hv_lmem_alloc(p, 65536 - 8192 - 16, 16);
	CHECK_U64(c, 8192 + 16);
	CHECK_U64(hv_lmem_alloc(p, 1, 1), UINT64_MAX); /* exhausted */
	uint8_t *base = hv_lmem_base(p);
	CHECK(hv_lmem_ptr(p, 0, 65536) == base);
	CHECK(hv_lmem_ptr(p, 65535, 1) == base + 65535);
	CHECK(hv_lmem_ptr(p, 65535, 2) == NULL);
	CHECK(hv_lmem_ptr(p, 65536, 0) == base + 65536);
	CHECK(hv_lmem_ptr(p, UINT64_MAX, 1) == NULL);
	CHECK(hv_lmem_ptr(p, 1, SIZE_MAX) == NULL);
	CHECK_U64(hv_lmem_addr(p, base + 100, 10), 100);
	CHECK_U64(hv_lmem_addr(p, base + 65530, 7), UINT64_MAX);
	uint8_t outside;
	CHECK_U64(hv_lmem_addr(p, &outside, 1), UINT64_MAX);
	hv_destroy(hv);
}

TEST(adapter_config_checked)
{
	struct hv *hv = hv_create();
	struct hv_partition *p = hv_partition_create(hv, "p", 65536);
	struct hv_adapter_config c = t_cfg(1, 0, 10, 0, 0);
	CHECK(hv_adapter_create(hv, p, &c) != 0);
	struct hv_adapter_config bad = c;
	bad.pvid = 0;
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.pvid = 4095;
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.mac[0] = 0x01; /* multicast */
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	memset(bad.mac, 0, 6);
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.n_vids = HV_MAX_VIDS + 1;
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.n_vids = 2;
	bad.vids[0] = 20;
	bad.vids[1] = 20; /* duplicate */
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad.vids[1] = 10; /* the PVID */
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.trunk_priority = 16;
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.fw_attrs = IBMVETH_ILLAN_ACTIVE_TRUNK; /* not a firmware offer */
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.fw_attrs = IBMVETH_ILLAN_IPV4_TCP_CSUM;
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	bad = c;
	bad.mcast_filter_size = 100000;
	CHECK_U64(hv_adapter_create(hv, p, &bad), 0);
	struct hv_adapter_stats st;
	CHECK_EQ(hv_adapter_get_stats(p, 12345, &st), -2 /* -ENOENT */);
	CHECK_EQ(hv_vswitch_set_mode(hv, 3, (enum hv_vsw_mode)7), -22);
	CHECK_EQ(hv_vswitch_set_mode(hv, 3, HV_VSW_VEPA), 0);
	hv_destroy(hv);
}

TEST(register_layout)
{
	struct env e;
	env_up(&e, 0, 0);
	uint8_t *bl = hv_lmem_ptr(e.pb, e.b.buf_list, 4096);
	uint8_t *rq = hv_lmem_ptr(e.pb, e.b.rxq, e.b.rxq_entries * 16);
	memset(bl, 0xAA, 4096);
	memset(rq, 0xBB, e.b.rxq_entries * 16);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	/* rxq descriptor at +0: VALID | len, TOGGLE clear, address */
	CHECK_U64(t_be64(bl), papr_desc(IBMVETH_BUF_VALID | e.b.rxq_entries * 16, (uint32_t)e.b.rxq));
	/* filter descriptor at +8 */
	CHECK_U64(t_be64(bl + 8), papr_desc(IBMVETH_BUF_VALID | 4096, (uint32_t)e.b.filter));
	bool zero = true;
	for (unsigned i = 16; i < 4096; i++)
		zero &= bl[i] == 0;
	CHECK(zero);
	zero = true;
	for (unsigned i = 0; i < e.b.rxq_entries * 16; i++)
		zero &= rq[i] == 0;
	CHECK(zero);
	/* registered twice */
	CHECK_EQ(t_open(&e.b), H_RESOURCE);
	CHECK_U64(t_stats(&e.b).resource_errors, 1);
	env_down(&e);
}

TEST(register_errors_change_nothing)
{
	struct env e;
	env_up(&e, 0, 0);
	struct tad *b = &e.b;
	uint8_t *bl = hv_lmem_ptr(e.pb, b->buf_list, 4096);
	memset(bl, 0xAA, 4096);
	uint64_t rxq = papr_desc(IBMVETH_BUF_VALID | 1024, (uint32_t)b->rxq);
	uint64_t mac = papr_mac_to_u64(b->mac);
	struct hv_partition_stats ps;
	/* unknown unit, and a unit of another partition */
	CHECK_EQ(h_register_logical_lan(e.pb, 777, b->buf_list, rxq, b->filter, mac), H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, e.a.ua, b->buf_list, rxq, b->filter, mac), H_PARAMETER);
	hv_partition_get_stats(e.pb, &ps);
	CHECK_U64(ps.bad_unit, 2);
	/* buffer list misaligned, out of memory */
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list + 8, rxq, b->filter, mac),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, MEM, rxq, b->filter, mac), H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, 1ull << 40, rxq, b->filter, mac), H_PARAMETER);
	/* filter list misaligned, out of memory */
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list, rxq, b->filter + 16, mac),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list, rxq, MEM, mac), H_PARAMETER);
	/* rx queue: no VALID, misaligned address, length not a multiple of 16, 0, outside */
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list, papr_desc(1024, (uint32_t)b->rxq),
					b->filter, mac),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list,
					papr_desc(IBMVETH_BUF_VALID | 1024, (uint32_t)b->rxq + 8),
					b->filter, mac),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list,
					papr_desc(IBMVETH_BUF_VALID | 1000, (uint32_t)b->rxq),
					b->filter, mac),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list,
					papr_desc(IBMVETH_BUF_VALID, (uint32_t)b->rxq), b->filter,
					mac),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list,
					papr_desc(IBMVETH_BUF_VALID | 4096, MEM - 2048), b->filter,
					mac),
		 H_PARAMETER);
	/* MAC: multicast, zero, wider than 48 bits */
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list, rxq, b->filter, 0x010000000001ull),
		 H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list, rxq, b->filter, 0), H_PARAMETER);
	CHECK_EQ(h_register_logical_lan(e.pb, b->ua, b->buf_list, rxq, b->filter, 1ull << 50),
		 H_PARAMETER);
	struct hv_adapter_stats st = t_stats(b);
	CHECK_U64(st.addr_errors, 4);
	CHECK_U64(st.param_errors, 9);
	/* nothing changed: page untouched, LAN still closed */
	bool untouched = true;
	for (unsigned i = 0; i < 4096; i++)
		untouched &= bl[i] == 0xAA;
	CHECK(untouched);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
					  papr_desc(IBMVETH_BUF_VALID | 64, (uint32_t)b->tx)),
		 H_RESOURCE);
	env_down(&e);
}

TEST(free_paths)
{
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(h_free_logical_lan(e.pb, 999), H_PARAMETER);
	CHECK_EQ(h_free_logical_lan(e.pb, e.a.ua), H_PARAMETER); /* not B's */
	CHECK_EQ(h_free_logical_lan(e.pb, e.b.ua), H_RESOURCE);  /* not open */
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 4), 4);
	CHECK_EQ(h_free_logical_lan(e.pb, e.b.ua), H_SUCCESS);
	/* closed: frames to B count rx_not_open */
	CHECK_EQ(send_n(&e, 1, 60), H_SUCCESS);
	CHECK_U64(t_stats(&e.b).rx_not_open, 1);
	/* reopened: the buffers posted before free are forgotten */
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(send_n(&e, 2, 60), H_SUCCESS);
	CHECK_U64(t_stats(&e.b).rx_no_buffer, 1);
	CHECK_U64(t_drop_counter(&e.b), 1);
	CHECK_EQ(t_drain(&e.b), 0);
	env_down(&e);
}

TEST(add_buffer_paths)
{
	struct env e;
	env_up(&e, 0, 0);
	struct tad *b = &e.b;
	uint64_t buf = hv_lmem_alloc(e.pb, 65536, 16);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, 5, papr_desc(IBMVETH_BUF_VALID | 64, (uint32_t)buf)),
		 H_PARAMETER);
	/* closed: a good descriptor is H_RESOURCE, a bad one still H_PARAMETER */
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
					  papr_desc(IBMVETH_BUF_VALID | 64, (uint32_t)buf)),
		 H_RESOURCE);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
					  papr_desc(IBMVETH_BUF_VALID | 62, (uint32_t)buf)),
		 H_PARAMETER);
	CHECK_EQ(t_open(b), H_SUCCESS);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua, papr_desc(64, (uint32_t)buf)),
		 H_PARAMETER); /* no VALID */
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
					  papr_desc(IBMVETH_BUF_VALID | 64, (uint32_t)buf + 2)),
		 H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
					  papr_desc(IBMVETH_BUF_VALID | 66, (uint32_t)buf)),
		 H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
					  papr_desc(IBMVETH_BUF_VALID | 12, (uint32_t)buf)),
		 H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua, papr_desc(IBMVETH_BUF_VALID | 64, MEM - 60)),
		 H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua, papr_desc(IBMVETH_BUF_VALID | 0xFFFFFC, 0)),
		 H_PARAMETER);
	struct hv_adapter_stats st = t_stats(b);
	CHECK_U64(st.param_errors, 5);
	CHECK_U64(st.addr_errors, 2);
	CHECK_U64(st.resource_errors, 1);
	/* the buffer exactly at the end of memory is fine */
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua, papr_desc(IBMVETH_BUF_VALID | 64, MEM - 64)),
		 H_SUCCESS);
	/* five pool sizes, then a sixth is refused */
	for (uint32_t s = 128; s <= 1024; s *= 2)
		CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
						  papr_desc(IBMVETH_BUF_VALID | s, (uint32_t)buf)),
			 H_SUCCESS);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, b->ua,
					  papr_desc(IBMVETH_BUF_VALID | 4096, (uint32_t)buf)),
		 H_RESOURCE);
	/* a pool holds at most 4096 descriptors */
	long rc = H_SUCCESS;
	unsigned n = 0;
	while (rc == H_SUCCESS && n < 5000) {
		rc = h_add_logical_lan_buffer(e.pb, b->ua,
					      papr_desc(IBMVETH_BUF_VALID | 128, (uint32_t)buf));
		n++;
	}
	CHECK_EQ(rc, H_RESOURCE);
	CHECK_EQ(n, 4096); /* 4095 more after the first, then the refusal */
	env_down(&e);
}

TEST(add_buffers_batched)
{
	struct env e;
	env_up(&e, 0, IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	uint64_t d[8] = {0};
	/* A's firmware does not offer the call */
	CHECK_EQ(h_add_logical_lan_buffers(e.pa, e.a.ua, d), H_FUNCTION);
	CHECK_EQ(h_add_logical_lan_buffers(e.pb, 3, d), H_PARAMETER);
	CHECK_EQ(h_add_logical_lan_buffers(e.pb, e.b.ua, d), H_PARAMETER); /* all unused */
	uint64_t base = hv_lmem_alloc(e.pb, 8 * 512, 16);
	for (unsigned i = 0; i < 8; i++) {
		uint64_t a = base + i * 512;
		memcpy(hv_lmem_ptr(e.pb, a, 8), &a, 8);
		d[i] = papr_desc(IBMVETH_BUF_VALID | 512, (uint32_t)a);
	}
	/* one bad descriptor: none posted */
	uint64_t keep = d[5];
	d[5] = papr_desc(IBMVETH_BUF_VALID | 512, MEM);
	CHECK_EQ(h_add_logical_lan_buffers(e.pb, e.b.ua, d), H_PARAMETER);
	CHECK_EQ(send_n(&e, 1, 100), H_SUCCESS);
	CHECK_U64(t_drop_counter(&e.b), 1);
	d[5] = keep;
	/* six distinct lengths do not fit five pools: none posted */
	uint64_t d6[8] = {0};
	for (unsigned i = 0; i < 6; i++)
		d6[i] = papr_desc(IBMVETH_BUF_VALID | (64 + 16 * i), (uint32_t)base);
	CHECK_EQ(h_add_logical_lan_buffers(e.pb, e.b.ua, d6), H_RESOURCE);
	CHECK_EQ(send_n(&e, 2, 10), H_SUCCESS);
	CHECK_U64(t_drop_counter(&e.b), 2);
	/* a gap of zeros is skipped */
	d[3] = 0;
	CHECK_EQ(h_add_logical_lan_buffers(e.pb, e.b.ua, d), H_SUCCESS);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(send_n(&e, 10 + i, 100), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 7);
	CHECK_U64(t_drop_counter(&e.b), 3);
	/* the batched call through the dispatcher */
	uint64_t args[9] = {e.b.ua, d[0], 0, 0, 0, 0, 0, 0, 0};
	CHECK_EQ(hv_hcall(e.pb, H_ADD_LOGICAL_LAN_BUFFERS, args, NULL), H_SUCCESS);
	env_down(&e);
}

TEST(rx_entry_layout_and_correlator)
{
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	uint64_t buf = hv_lmem_alloc(e.pb, 2048, 16);
	uint8_t *bp = hv_lmem_ptr(e.pb, buf, 2048);
	const uint8_t corr[8] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4};
	memcpy(bp, corr, 8);
	CHECK_EQ(h_add_logical_lan_buffer(e.pb, e.b.ua,
					  papr_desc(IBMVETH_BUF_VALID | 2048, (uint32_t)buf)),
		 H_SUCCESS);
	uint8_t f[200];
	uint32_t len = t_build_raw(f, e.b.mac, e.a.mac, -1, 100, 0x77);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	uint8_t *ent = hv_lmem_ptr(e.pb, e.b.rxq, 16);
	/* TOGGLE|VALID, offset 8, no offload flags */
	CHECK_U64(t_be32(ent), IBMVETH_RXQ_TOGGLE | IBMVETH_RXQ_VALID | 8);
	CHECK_U64(t_be32(ent + 4), len);
	CHECK_MEM(ent + 8, corr, 8);
	CHECK_MEM(bp + 8, f, len);
	CHECK_MEM(bp, corr, 8); /* the correlator is not overwritten */
	/* the next entry is untouched */
	uint8_t zero16[16] = {0};
	CHECK_MEM(ent + 16, zero16, 16);
	struct hv_adapter_stats sa = t_stats(&e.a), sb = t_stats(&e.b);
	CHECK_U64(sa.tx_frames, 1);
	CHECK_U64(sa.tx_bytes, len);
	CHECK_U64(sb.rx_frames, 1);
	CHECK_U64(sb.rx_bytes, len);
	env_down(&e);
}

TEST(toggle_wrap_over_thousands)
{
	struct env e;
	env_up(&e, 0, 0);
	e.b.rxq_entries = 61; /* odd size: wraps at awkward indexes */
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	uint64_t buf = hv_lmem_alloc(e.pb, 256, 16);
	memcpy(hv_lmem_ptr(e.pb, buf, 8), &buf, 8);
	uint8_t *bl = hv_lmem_ptr(e.pb, e.b.buf_list, 16);
	unsigned bad = 0, wraps = 0;
	bool desc_toggle = false;
	for (uint32_t n = 0; n < 6000; n++) {
		/* one buffer, reposted after each frame as the driver recycles */
		REQUIRE(h_add_logical_lan_buffer(e.pb, e.b.ua,
						 papr_desc(IBMVETH_BUF_VALID | 256, (uint32_t)buf)) ==
			H_SUCCESS);
		REQUIRE(send_n(&e, n, 46) == H_SUCCESS);
		struct trx rx;
		bool expect_toggle = e.b.toggle;
		if (!t_recv(&e.b, &rx)) {
			bad++;
			continue;
		}
		if (((rx.flags_off >> 31) != 0) != expect_toggle ||
		    !(rx.flags_off & IBMVETH_RXQ_VALID))
			bad++;
		uint32_t got = t_be32(rx.frame + 14);
		if (got != n)
			bad++;
		/* nothing else pending */
		if (t_recv(&e.b, &rx))
			bad++;
		if (e.b.rxq_idx == 0) {
			wraps++;
			desc_toggle = !desc_toggle;
		}
		/* the descriptor at buf_list+0 mirrors the hypervisor's toggle */
		if (((t_be64(bl) >> 32 & IBMVETH_BUF_TOGGLE) != 0) != desc_toggle)
			bad++;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(wraps, 6000 / 61);
	CHECK_U64(t_stats(&e.b).rx_frames, 6000);
	env_down(&e);
}

TEST(buffer_exhaustion_drop_counter)
{
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 3), 3);
	for (uint32_t n = 0; n < 5; n++)
		CHECK_EQ(send_n(&e, n, 100), H_SUCCESS); /* a drop is the receiver's business */
	CHECK_EQ(t_drain(&e.b), 3);
	CHECK_U64(t_drop_counter(&e.b), 2);
	CHECK_U64(t_stats(&e.b).rx_no_buffer, 2);
	CHECK_U64(t_stats(&e.b).rx_frames, 3);
	/* too small a buffer counts as none */
	CHECK_EQ(t_post(&e.b, 64, 1), 1);
	CHECK_EQ(send_n(&e, 9, 100), H_SUCCESS);
	CHECK_U64(t_drop_counter(&e.b), 3);
	CHECK_EQ(t_drain(&e.b), 0);
	env_down(&e);
}

TEST(buffer_selection_smallest_fitting_lifo)
{
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	uint64_t s1 = hv_lmem_alloc(e.pb, 256, 16), s2 = hv_lmem_alloc(e.pb, 256, 16);
	uint64_t m1 = hv_lmem_alloc(e.pb, 2048, 16);
	uint64_t l1 = hv_lmem_alloc(e.pb, 65536, 16);
	uint64_t bufs[4] = {s1, s2, m1, l1};
	uint32_t sizes[4] = {256, 256, 2048, 65536};
	/* post the large one first: order of posting does not decide */
	for (int i = 3; i >= 0; i--) {
		memcpy(hv_lmem_ptr(e.pb, bufs[i], 8), &bufs[i], 8);
		CHECK_EQ(h_add_logical_lan_buffer(e.pb, e.b.ua,
						  papr_desc(IBMVETH_BUF_VALID | sizes[i],
							    (uint32_t)bufs[i])),
			 H_SUCCESS);
	}
	struct trx rx;
	/* 248 + 8 = 256 fits exactly the small pool, last posted (s1) first */
	CHECK_EQ(send_n(&e, 1, 248 - 14), H_SUCCESS);
	REQUIRE(t_recv(&e.b, &rx));
	CHECK_U64(rx.corr, s1);
	CHECK_EQ(rx.len, 248);
	/* 249 + 8 does not: medium */
	CHECK_EQ(send_n(&e, 2, 249 - 14), H_SUCCESS);
	REQUIRE(t_recv(&e.b, &rx));
	CHECK_U64(rx.corr, m1);
	/* small again: s2 */
	CHECK_EQ(send_n(&e, 3, 50), H_SUCCESS);
	REQUIRE(t_recv(&e.b, &rx));
	CHECK_U64(rx.corr, s2);
	/* small exhausted: the next fitting pool, large */
	CHECK_EQ(send_n(&e, 4, 50), H_SUCCESS);
	REQUIRE(t_recv(&e.b, &rx));
	CHECK_U64(rx.corr, l1);
	CHECK_U64(t_drop_counter(&e.b), 0);
	env_down(&e);
}

TEST(send_paths)
{
	struct env e;
	env_up(&e, 0, 0);
	uint8_t f[256];
	uint32_t len = t_build_raw(f, e.b.mac, e.a.mac, -1, 100, 1);
	uint64_t tok = 5;
	uint64_t d[6] = {papr_desc(IBMVETH_BUF_VALID | len, (uint32_t)e.a.tx), 0, 0, 0, 0, 0};
	memcpy(hv_lmem_ptr(e.pa, e.a.tx, len), f, len);
	CHECK_EQ(h_send_logical_lan(e.pa, 4242, d, 0, &tok, 0), H_PARAMETER);
	CHECK_U64(tok, 0);
	/* not open: H_DROPPED as QEMU */
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, d, 0, NULL, 0), H_DROPPED);
	CHECK_U64(t_stats(&e.a).tx_not_open, 1);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 16), 16);
	/* a continuation token we never issued */
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, d, 77, &tok, 0), H_PARAMETER);
	/* no valid descriptor: success, nothing sent */
	uint64_t none[6] = {papr_desc(len, (uint32_t)e.a.tx), 0, 0, 0, 0, 0};
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, none, 0, &tok, 0), H_SUCCESS);
	CHECK_U64(t_stats(&e.a).tx_frames, 0);
	/* more than 64 KiB */
	uint64_t big[6] = {papr_desc(IBMVETH_BUF_VALID | 40000, (uint32_t)e.a.tx),
			   papr_desc(IBMVETH_BUF_VALID | 30000, (uint32_t)e.a.tx),
			   0,
			   0,
			   0,
			   0};
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, big, 0, &tok, 0), H_RESOURCE);
	CHECK_U64(t_stats(&e.a).tx_too_big, 1);
	/* a descriptor past the end of memory: H_DEST_PARM, as QEMU's
	 * spapr_vio_dma_read answers a failed gather */
	uint64_t out[6] = {papr_desc(IBMVETH_BUF_VALID | len, MEM - 10), 0, 0, 0, 0, 0};
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, out, 0, &tok, 0), H_DEST_PARM);
	CHECK_U64(t_stats(&e.a).addr_errors, 1);
	/* shorter than an Ethernet header */
	uint64_t tiny[6] = {papr_desc(IBMVETH_BUF_VALID | 13, (uint32_t)e.a.tx), 0, 0, 0, 0, 0};
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, tiny, 0, &tok, 0), H_PARAMETER);
	/* to its own MAC */
	uint8_t self[64];
	uint32_t slen = t_build_raw(self, e.a.mac, e.a.mac, -1, 40, 2);
	CHECK_EQ(t_send(&e.a, self, slen, 0, 0), H_PARAMETER);
	CHECK_U64(t_stats(&e.a).self_sends, 1);
	CHECK_U64(t_stats(&e.a).param_errors, 2);
	CHECK_EQ(t_drain(&e.b), 0);
	/* six descriptors gathered in order; a seventh is never read; stop at the
	 * first without VALID */
	uint8_t *tx = hv_lmem_ptr(e.pa, e.a.tx, len);
	memcpy(tx, f, len);
	uint64_t six[6];
	uint32_t at = 0, piece = len / 6;
	for (unsigned i = 0; i < 6; i++) {
		uint32_t l = i == 5 ? len - at : piece;
		six[i] = papr_desc(IBMVETH_BUF_VALID | l, (uint32_t)(e.a.tx + at));
		at += l;
	}
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, six, 0, &tok, 0), H_SUCCESS);
	struct trx rx;
	REQUIRE(t_recv(&e.b, &rx));
	CHECK_EQ(rx.len, len);
	CHECK_MEM(rx.frame, f, len);
	six[3] &= ~((uint64_t)IBMVETH_BUF_VALID << 32);
	CHECK_EQ(h_send_logical_lan(e.pa, e.a.ua, six, 0, &tok, 0), H_SUCCESS);
	REQUIRE(t_recv(&e.b, &rx));
	CHECK_EQ(rx.len, 3 * piece);
	CHECK_MEM(rx.frame, f, 3 * piece);
	/* fault injection: two H_BUSY, then a normal send */
	hv_inject_send_result(e.pa, H_BUSY, 2);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_BUSY);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_BUSY);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	hv_inject_send_result(e.pa, H_DROPPED, 5);
	hv_inject_send_result(e.pa, 0, 0);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 2);
	CHECK_U64(t_stats(&e.a).tx_frames, 4);
	env_down(&e);
}

TEST(lrg_send_mss_checked)
{
	struct env e;
	env_up(&e, IBMVETH_ILLAN_LRG_SND_SUPPORT, 0);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 4), 4);
	uint8_t f[256];
	uint32_t len = t_build_raw(f, e.b.mac, e.a.mac, -1, 100, 1);
	/* the sender has not enabled large send: mss and LRG_SND are ignored */
	CHECK_EQ(t_send(&e.a, f, len, IBMVETH_BUF_LRG_SND, 10), H_SUCCESS);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0, IBMVETH_ILLAN_LRG_SR_ENABLED, NULL), H_SUCCESS);
	CHECK_EQ(t_send(&e.a, f, len, IBMVETH_BUF_LRG_SND, HV_MIN_LRG_MSS - 1), H_PARAMETER);
	CHECK_EQ(t_send(&e.a, f, len, IBMVETH_BUF_LRG_SND, 70000), H_PARAMETER);
	CHECK_U64(t_stats(&e.a).param_errors, 2);
	/* mss without LRG_SND, and LRG_SND with mss 0: ordinary frames */
	CHECK_EQ(t_send(&e.a, f, len, 0, 1000), H_SUCCESS);
	CHECK_EQ(t_send(&e.a, f, len, IBMVETH_BUF_LRG_SND, 0), H_SUCCESS);
	struct trx rx;
	unsigned n = 0;
	while (t_recv(&e.b, &rx)) {
		CHECK_EQ(rx.flags_off & IBMVETH_RXQ_LRG_PKT, 0);
		CHECK_EQ(rx.off, 8);
		n++;
	}
	CHECK_EQ(n, 3);
	env_down(&e);
}

TEST(multicast_ctrl_paths)
{
	struct env e;
	env_up(&e, 0, 0);
	uint64_t mc = 0x01005e000001ull;
	CHECK_EQ(h_multicast_ctrl(e.pb, 1, IbmVethMcastEnableRecv, 0), H_PARAMETER);
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, 0x100000, 0), H_PARAMETER); /* unknown bit */
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastAddFilter, 0x020000000001ull),
		 H_PARAMETER);
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastAddFilter, 1ull << 48 | mc), H_PARAMETER);
	CHECK_U64(t_stats(&e.b).param_errors, 3);
	/* closed adapters are answered */
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua,
				  IbmVethMcastEnableRecv | IbmVethMcastDisableFiltering |
					  IbmVethMcastClearFilterTable,
				  0),
		 H_SUCCESS);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastAddFilter, mc + i), H_SUCCESS);
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastAddFilter, mc), H_SUCCESS); /* present */
	/* table full (8 slots), and the failed call changes nothing: filtering
	 * stays off although the command asked to enable it */
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastEnableFiltering | IbmVethMcastAddFilter,
				  mc + 8),
		 H_RESOURCE);
	CHECK_U64(t_stats(&e.b).resource_errors, 1);
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastRemoveFilter, mc + 100),
		 H_SUCCESS); /* absent */
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastRemoveFilter, mc + 7), H_SUCCESS);
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastAddFilter, mc + 8), H_SUCCESS);
	/* delivery: filtering off => group mc+50 reaches B */
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 16), 16);
	uint8_t f[128], dst[6];
	papr_u64_to_mac(mc + 50, dst);
	uint32_t len = t_build_raw(f, dst, e.a.mac, -1, 50, 3);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 1);
	/* filtering on: mc+50 filtered, mc+8 in the table passes, mc+7 removed */
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastEnableFiltering, 0), H_SUCCESS);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	papr_u64_to_mac(mc + 8, f);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	papr_u64_to_mac(mc + 7, f);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 1);
	CHECK_U64(t_stats(&e.b).rx_filtered, 2);
	/* broadcast passes any filter; reception disabled stops the rest */
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua, IbmVethMcastDisableRecv, 0), H_SUCCESS);
	memset(f, 0xff, 6);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	papr_u64_to_mac(mc + 8, f);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 1);
	CHECK_U64(t_stats(&e.b).rx_filtered, 3);
	/* clear the table with reception re-enabled and filtering on: nothing passes */
	CHECK_EQ(h_multicast_ctrl(e.pb, e.b.ua,
				  IbmVethMcastEnableRecv | IbmVethMcastClearFilterTable, 0),
		 H_SUCCESS);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 0);
	env_down(&e);
}

TEST(change_mac_paths)
{
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(h_change_logical_lan_mac(e.pb, 8, 0x020000000099ull), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(e.pb, e.b.ua, 0x010000000099ull), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(e.pb, e.b.ua, 0), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(e.pb, e.b.ua, 1ull << 48 | 0x020000000099ull), H_PARAMETER);
	CHECK_U64(t_stats(&e.b).param_errors, 3);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 8), 8);
	CHECK_EQ(h_change_logical_lan_mac(e.pb, e.b.ua, 0x020000000099ull), H_SUCCESS);
	uint8_t f[128], newmac[6];
	papr_u64_to_mac(0x020000000099ull, newmac);
	uint32_t len = t_build_raw(f, newmac, e.a.mac, -1, 50, 3);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 1);
	/* the old MAC is nobody's now */
	len = t_build_raw(f, e.b.mac, e.a.mac, -1, 50, 3);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 0);
	CHECK_U64(t_stats(&e.a).no_destination, 1);
	/* a frame from B to its new MAC is a self send */
	len = t_build_raw(f, newmac, e.b.mac, -1, 50, 3);
	CHECK_EQ(t_send(&e.b, f, len, 0, 0), H_PARAMETER);
	/* register takes the MAC it is given */
	CHECK_EQ(h_free_logical_lan(e.pb, e.b.ua), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_send(&e.b, f, len, 0, 0), H_SUCCESS);
	env_down(&e);
}

/*
 * The HMC's MAC address controls ("MAC address controls using the HMC"):
 * deny refuses every MAC but the permanent one, an allow list admits up to
 * four more, allow-all (the default) anything. H_CHANGE_LOGICAL_LAN_MAC and
 * register refuse a MAC the policy does not allow (H_PARAMETER, mac_denied);
 * a client adapter's frames whose source MAC the policy does not allow are
 * dropped (H_DROPPED, mac_discards), while a trunk forwards any source.
 */
TEST(mac_policy_enforced)
{
	struct hv *hv = hv_create();
	REQUIRE(hv);
	struct hv_partition *pa = hv_partition_create(hv, "A", MEM);
	struct hv_partition *pb = hv_partition_create(hv, "B", MEM);
	struct hv_partition *pc = hv_partition_create(hv, "C", MEM);
	struct hv_partition *pio = hv_partition_create(hv, "IO", MEM);
	REQUIRE(pa && pb && pc && pio);
	const uint64_t x = 0x0200000000C1ull, y = 0x0200000000C2ull;

	/* configurations the hypervisor refuses */
	struct hv_adapter_config bad = t_cfg(0xE, 0, 10, 0, 0);
	bad.mac_policy = HV_MAC_DENY;
	bad.n_mac_allowed = 1;
	papr_u64_to_mac(x, bad.mac_allowed[0]);
	CHECK_U64(hv_adapter_create(hv, pa, &bad), 0); /* a list with deny */
	bad.mac_policy = HV_MAC_ALLOW_LIST;
	bad.n_mac_allowed = HV_MAC_ALLOWED_MAX + 1;
	CHECK_U64(hv_adapter_create(hv, pa, &bad), 0); /* five MACs */
	bad.n_mac_allowed = 1;
	bad.mac_allowed[0][0] = 0x01;
	CHECK_U64(hv_adapter_create(hv, pa, &bad), 0); /* a group MAC */
	bad.mac_policy = (enum hv_mac_policy)7;
	bad.n_mac_allowed = 0;
	CHECK_U64(hv_adapter_create(hv, pa, &bad), 0);

	struct hv_adapter_config ca = t_cfg(0xA, 0, 10, 0, 0), cb = t_cfg(0xB, 0, 10, 0, 0);
	struct hv_adapter_config cc = t_cfg(0xC, 0, 10, 0, 0), ct = t_cfg(0xD, 0, 10, 1, 0);
	ca.mac_policy = HV_MAC_DENY;
	cb.mac_policy = HV_MAC_ALLOW_LIST;
	cb.n_mac_allowed = 1;
	papr_u64_to_mac(x, cb.mac_allowed[0]);
	ct.mac_policy = HV_MAC_DENY;
	struct tad a, b, c, t;
	REQUIRE(t_adapter(&a, hv, pa, &ca, 0));
	REQUIRE(t_adapter(&b, hv, pb, &cb, 0));
	REQUIRE(t_adapter(&c, hv, pc, &cc, 0));
	REQUIRE(t_adapter(&t, hv, pio, &ct, 0));
	uint64_t ma = papr_mac_to_u64(a.mac), mb = papr_mac_to_u64(b.mac);

	/* deny: no MAC change but back to the permanent one, at register too */
	CHECK_EQ(h_change_logical_lan_mac(pa, a.ua, x), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(pa, a.ua, ma), H_SUCCESS);
	CHECK_EQ(h_register_logical_lan(pa, a.ua, a.buf_list,
					papr_desc(IBMVETH_BUF_VALID | (a.rxq_entries * 16),
						  (uint32_t)a.rxq),
					a.filter, y),
		 H_PARAMETER);
	CHECK_U64(t_stats(&a).mac_denied, 2);
	CHECK_U64(t_stats(&a).param_errors, 0);
	/* an allow list: the listed MAC and the permanent one, nothing else */
	CHECK_EQ(h_change_logical_lan_mac(pb, b.ua, y), H_PARAMETER);
	CHECK_EQ(h_change_logical_lan_mac(pb, b.ua, x), H_SUCCESS);
	CHECK_U64(t_stats(&b).mac_denied, 1);
	/* allow-all (the default) */
	CHECK_EQ(h_change_logical_lan_mac(pc, c.ua, y), H_SUCCESS);
	CHECK_EQ(h_change_logical_lan_mac(pc, c.ua, papr_mac_to_u64(c.mac)), H_SUCCESS);
	CHECK_U64(t_stats(&c).mac_denied, 0);

	REQUIRE(t_open(&a) == H_SUCCESS && t_open(&c) == H_SUCCESS && t_open(&t) == H_SUCCESS);
	REQUIRE(h_register_logical_lan(pb, b.ua, b.buf_list,
				       papr_desc(IBMVETH_BUF_VALID | (b.rxq_entries * 16),
						 (uint32_t)b.rxq),
				       b.filter, x) == H_SUCCESS);
	b.rxq_idx = 0;
	b.toggle = true;
	REQUIRE(t_post(&c, 2048, 8) == 8 && t_post(&t, 2048, 8) == 8);
	uint8_t f[128], mac_b[6], mac_x[6], mac_y[6];
	papr_u64_to_mac(mb, mac_b);
	papr_u64_to_mac(x, mac_x);
	papr_u64_to_mac(y, mac_y);

	/* A (deny) poses as B: dropped before the switch, nobody learns it */
	uint32_t len = t_build_raw(f, c.mac, mac_b, -1, 50, 1);
	CHECK_EQ(t_send(&a, f, len, 0, 0), H_DROPPED);
	CHECK_U64(t_stats(&a).mac_discards, 1);
	CHECK_U64(t_stats(&a).tx_frames, 0);
	CHECK_EQ(t_drain(&c), 0);
	/* ... a broadcast with B's source MAC too (it would reach the trunk) */
	static const uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	len = t_build_raw(f, bc, mac_b, -1, 50, 1);
	CHECK_EQ(t_send(&a, f, len, 0, 0), H_DROPPED);
	CHECK_EQ(t_drain(&t), 0);
	CHECK_U64(t_stats(&a).mac_discards, 2);
	/* its own MAC goes */
	len = t_build_raw(f, c.mac, a.mac, -1, 50, 1);
	CHECK_EQ(t_send(&a, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&c), 1);
	/* B (allow list, now using x): x and its permanent MAC go, y does not */
	len = t_build_raw(f, c.mac, mac_x, -1, 50, 1);
	CHECK_EQ(t_send(&b, f, len, 0, 0), H_SUCCESS);
	len = t_build_raw(f, c.mac, mac_b, -1, 50, 1);
	CHECK_EQ(t_send(&b, f, len, 0, 0), H_SUCCESS);
	len = t_build_raw(f, c.mac, mac_y, -1, 50, 1);
	CHECK_EQ(t_send(&b, f, len, 0, 0), H_DROPPED);
	CHECK_EQ(t_drain(&c), 2);
	CHECK_U64(t_stats(&b).mac_discards, 1);
	/* C (allow-all) sends with any source, as PHYP accepts bridged frames
	 * (kernel commit 2ac8af0967aa) */
	len = t_build_raw(f, t.mac, mac_y, -1, 50, 1);
	memcpy(f, "\x02\x00\x00\x00\x00\x77", 6); /* unknown: to the trunk */
	CHECK_EQ(t_send(&c, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&t), 1);
	CHECK_U64(t_stats(&c).mac_discards, 0);
	/* the trunk (deny) forwards other stations' frames unchecked */
	len = t_build_raw(f, c.mac, mac_y, -1, 50, 1);
	CHECK_EQ(t_send(&t, f, len, 0, 0), H_SUCCESS);
	CHECK_EQ(t_drain(&c), 1);
	CHECK_U64(t_stats(&t).mac_discards, 0);
	hv_destroy(hv);
	CHECK_U64(pkt_outstanding_total(), 0);
}

TEST(free_restores_the_permanent_mac)
{
	/* H_FREE_LOGICAL_LAN returns the adapter to its permanent MAC (as QEMU's
	 * h_free_logical_lan does): after the free, the MAC it had changed to is
	 * nobody's, and frames to the permanent one are the closed adapter's. */
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 8), 8);
	const uint64_t m2 = 0x020000000099ull;
	CHECK_EQ(h_change_logical_lan_mac(e.pb, e.b.ua, m2), H_SUCCESS);
	CHECK_EQ(h_free_logical_lan(e.pb, e.b.ua), H_SUCCESS);
	uint8_t f[128], newmac[6];
	papr_u64_to_mac(m2, newmac);
	uint32_t len = t_build_raw(f, newmac, e.a.mac, -1, 50, 3);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_U64(t_stats(&e.a).no_destination, 1);
	CHECK_U64(t_stats(&e.b).rx_not_open, 0);
	len = t_build_raw(f, e.b.mac, e.a.mac, -1, 50, 3);
	CHECK_EQ(t_send(&e.a, f, len, 0, 0), H_SUCCESS);
	CHECK_U64(t_stats(&e.b).rx_not_open, 1);
	CHECK_U64(t_stats(&e.a).no_destination, 1);
	env_down(&e);
}

TEST(illan_attributes_rules)
{
	struct env e;
	uint64_t fw = IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_LRG_SND_SUPPORT;
	env_up(&e, fw, 0);
	uint64_t at = 1;
	CHECK_EQ(h_illan_attributes(e.pa, 3, 0, 0, &at), H_PARAMETER);
	CHECK_U64(at, 0);
	/* answered while closed */
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0, 0, &at), H_SUCCESS);
	CHECK_U64(at, fw);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0,
				    IBMVETH_ILLAN_IPV4_TCP_CSUM | IBMVETH_ILLAN_IPV6_TCP_CSUM |
					    IBMVETH_ILLAN_LRG_SR_ENABLED,
				    &at),
		 H_SUCCESS);
	CHECK_U64(at, fw | PAPR_ILLAN_OS_SETTABLE);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, IBMVETH_ILLAN_IPV6_TCP_CSUM, 0, &at), H_SUCCESS);
	CHECK_U64(at, fw | IBMVETH_ILLAN_IPV4_TCP_CSUM | IBMVETH_ILLAN_LRG_SR_ENABLED);
	/* read-only bits, in either mask */
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, IBMVETH_ILLAN_PADDED_PKT_CSUM, 0, &at),
		 H_PARAMETER);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0, IBMVETH_ILLAN_ACTIVE_TRUNK, &at), H_PARAMETER);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0, 0x300, &at), H_PARAMETER);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0, IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT, &at),
		 H_PARAMETER);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0, 1ull << 63, &at), H_PARAMETER);
	CHECK_U64(at, fw | IBMVETH_ILLAN_IPV4_TCP_CSUM | IBMVETH_ILLAN_LRG_SR_ENABLED); /* unchanged */
	/* B's firmware offers nothing: offloads cannot be enabled, can be reset */
	CHECK_EQ(h_illan_attributes(e.pb, e.b.ua, 0, IBMVETH_ILLAN_IPV4_TCP_CSUM, &at), H_PARAMETER);
	CHECK_EQ(h_illan_attributes(e.pb, e.b.ua, 0, IBMVETH_ILLAN_LRG_SR_ENABLED, &at), H_PARAMETER);
	CHECK_EQ(h_illan_attributes(e.pb, e.b.ua, PAPR_ILLAN_OS_SETTABLE, 0, NULL), H_SUCCESS);
	CHECK_EQ(h_illan_attributes(e.pb, e.b.ua, 0, 0, &at), H_SUCCESS);
	CHECK_U64(at, 0);
	CHECK_U64(t_stats(&e.a).param_errors, 5);
	CHECK_U64(t_stats(&e.b).param_errors, 2);
	/* kept across open and free */
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(h_free_logical_lan(e.pa, e.a.ua), H_SUCCESS);
	CHECK_EQ(h_illan_attributes(e.pa, e.a.ua, 0, 0, &at), H_SUCCESS);
	CHECK_U64(at, fw | IBMVETH_ILLAN_IPV4_TCP_CSUM | IBMVETH_ILLAN_LRG_SR_ENABLED);
	/* trunk priority field */
	struct hv_adapter_config ct = t_cfg(0x77, 0, 10, 9, 0);
	struct tad t;
	REQUIRE(t_adapter(&t, e.hv, e.pa, &ct, 0));
	CHECK_EQ(h_illan_attributes(e.pa, t.ua, 0, 0, &at), H_SUCCESS);
	CHECK_U64(at & IBMVETH_ILLAN_TRUNK_PRI_MASK, 9u << 8);
	CHECK_U64(at & IBMVETH_ILLAN_ACTIVE_TRUNK, IBMVETH_ILLAN_ACTIVE_TRUNK);
	env_down(&e);
}

TEST(vio_signal_and_irq)
{
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(h_vio_signal(e.pb, 1234, VIO_IRQ_ENABLE), H_PARAMETER);
	CHECK_EQ(h_vio_signal(e.pb, e.b.ua, 2), H_PARAMETER);
	CHECK_EQ(h_vio_signal(e.pb, e.b.ua, VIO_IRQ_ENABLE | 4), H_PARAMETER);
	CHECK_U64(t_stats(&e.b).param_errors, 2);
	CHECK_EQ(h_vio_signal(e.pb, e.b.ua, VIO_IRQ_ENABLE), H_SUCCESS); /* closed: fine */
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS); /* register turns interrupts off */
	CHECK_EQ(t_post(&e.b, 2048, 8), 8);
	CHECK_EQ(send_n(&e, 1, 60), H_SUCCESS);
	CHECK_EQ(e.b.irqs_seen, 0);
	CHECK_EQ(h_vio_signal(e.pb, e.b.ua, VIO_IRQ_ENABLE), H_SUCCESS);
	CHECK_EQ(send_n(&e, 2, 60), H_SUCCESS);
	CHECK_EQ(send_n(&e, 3, 60), H_SUCCESS);
	CHECK_EQ(e.b.irqs_seen, 2);
	CHECK_EQ(h_vio_signal(e.pb, e.b.ua, VIO_IRQ_DISABLE), H_SUCCESS);
	CHECK_EQ(send_n(&e, 4, 60), H_SUCCESS);
	CHECK_EQ(e.b.irqs_seen, 2);
	/* a dropped frame raises nothing */
	CHECK_EQ(h_vio_signal(e.pb, e.b.ua, VIO_IRQ_ENABLE), H_SUCCESS);
	CHECK_EQ(t_drain(&e.b), 4);
	for (int i = 0; i < 5; i++)
		send_n(&e, 5, 60);
	CHECK_EQ(e.b.irqs_seen, 6);
	CHECK_U64(t_stats(&e.b).irqs, 6);
	CHECK_U64(t_stats(&e.b).rx_no_buffer, 1);
	env_down(&e);
}

/* An interrupt handler that behaves as ibmveth_interrupt (disables the
 * signal) and, wrongly, tries to send from inside the hcall. */
struct nested {
	struct env *e;
	long rc;
	unsigned calls;
};
static void nested_irq(void *arg)
{
	struct nested *n = arg;
	n->calls++;
	h_vio_signal(n->e->pb, n->e->b.ua, VIO_IRQ_DISABLE);
	uint8_t f[64];
	uint32_t len = t_build_raw(f, n->e->a.mac, n->e->b.mac, -1, 40, 1);
	n->rc = t_send(&n->e->b, f, len, 0, 0);
}

TEST(irq_handler_runs_inside_the_hcall)
{
	struct env e;
	env_up(&e, 0, 0);
	CHECK_EQ(t_open(&e.a), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	CHECK_EQ(t_post(&e.b, 2048, 8), 8);
	struct nested n = {&e, 0, 0};
	hv_set_irq_handler(e.pb, e.b.ua, nested_irq, &n);
	CHECK_EQ(h_vio_signal(e.pb, e.b.ua, VIO_IRQ_ENABLE), H_SUCCESS);
	CHECK_EQ(send_n(&e, 1, 60), H_SUCCESS);
	CHECK_EQ(send_n(&e, 2, 60), H_SUCCESS);
	CHECK_EQ(n.calls, 1);   /* the handler disabled the signal */
	CHECK_EQ(n.rc, H_BUSY); /* a send from inside a send is refused */
	CHECK_EQ(t_drain(&e.b), 2);
	env_down(&e);
}

TEST(hcall_dispatcher)
{
	struct env e;
	env_up(&e, IBMVETH_ILLAN_PADDED_PKT_CSUM, 0);
	uint64_t rets[4] = {9, 9, 9, 9};
	uint64_t args[9] = {0};
	struct hv_partition_stats ps;
	CHECK_EQ(hv_hcall(e.pa, 0x999, args, rets), H_FUNCTION);
	CHECK_EQ(hv_hcall(e.pa, 0x1D4 /* H_FREE_LOGICAL_LAN_BUFFER */, args, rets), H_FUNCTION);
	hv_partition_get_stats(e.pa, &ps);
	CHECK_U64(ps.bad_opcode, 2);
	CHECK_EQ(hv_hcall(e.pa, H_SEND_LOGICAL_LAN, NULL, rets), H_PARAMETER);
	args[0] = e.a.ua;
	args[2] = IBMVETH_ILLAN_IPV4_TCP_CSUM;
	CHECK_EQ(hv_hcall(e.pa, H_ILLAN_ATTRIBUTES, args, rets), H_SUCCESS);
	CHECK_U64(rets[0], IBMVETH_ILLAN_PADDED_PKT_CSUM | IBMVETH_ILLAN_IPV4_TCP_CSUM);
	CHECK_U64(rets[1], 0);
	uint64_t r[9] = {e.a.ua,
			 e.a.buf_list,
			 papr_desc(IBMVETH_BUF_VALID | e.a.rxq_entries * 16, (uint32_t)e.a.rxq),
			 e.a.filter,
			 papr_mac_to_u64(e.a.mac),
			 0,
			 0,
			 0,
			 0};
	CHECK_EQ(hv_hcall(e.pa, H_REGISTER_LOGICAL_LAN, r, NULL), H_SUCCESS);
	CHECK_EQ(t_open(&e.b), H_SUCCESS);
	e.a.toggle = true;
	uint64_t v[9] = {e.a.ua, VIO_IRQ_ENABLE};
	CHECK_EQ(hv_hcall(e.pa, H_VIO_SIGNAL, v, NULL), H_SUCCESS);
	uint64_t m[9] = {e.a.ua, IbmVethMcastEnableRecv, 0};
	CHECK_EQ(hv_hcall(e.pa, H_MULTICAST_CTRL, m, NULL), H_SUCCESS);
	uint64_t c[9] = {e.a.ua, 0x0200000000AAull};
	CHECK_EQ(hv_hcall(e.pa, H_CHANGE_LOGICAL_LAN_MAC, c, NULL), H_SUCCESS);
	uint64_t buf = hv_lmem_alloc(e.pa, 512, 16);
	memcpy(hv_lmem_ptr(e.pa, buf, 8), &buf, 8);
	uint64_t ab[9] = {e.a.ua, papr_desc(IBMVETH_BUF_VALID | 512, (uint32_t)buf)};
	CHECK_EQ(hv_hcall(e.pa, H_ADD_LOGICAL_LAN_BUFFER, ab, NULL), H_SUCCESS);
	/* B sends to A through the dispatcher */
	uint8_t f[128];
	uint8_t amac[6];
	papr_u64_to_mac(0x0200000000AAull, amac);
	uint32_t len = t_build_raw(f, amac, e.b.mac, -1, 60, 9);
	memcpy(hv_lmem_ptr(e.pb, e.b.tx, len), f, len);
	uint64_t s[9] = {
		e.b.ua, papr_desc(IBMVETH_BUF_VALID | len, (uint32_t)e.b.tx), 0, 0, 0, 0, 0, 0, 0};
	rets[0] = 5;
	CHECK_EQ(hv_hcall(e.pb, H_SEND_LOGICAL_LAN, s, rets), H_SUCCESS);
	CHECK_U64(rets[0], 0);
	CHECK_EQ(t_drain(&e.a), 1);
	CHECK_EQ(e.a.irqs_seen, 1);
	uint64_t fr[9] = {e.a.ua};
	CHECK_EQ(hv_hcall(e.pa, H_FREE_LOGICAL_LAN, fr, NULL), H_SUCCESS);
	CHECK_EQ(hv_hcall(e.pa, H_FREE_LOGICAL_LAN, fr, NULL), H_RESOURCE);
	hv_partition_get_stats(e.pa, &ps);
	CHECK_U64(ps.hcalls, 11);
	env_down(&e);
}

TEST_MAIN()
