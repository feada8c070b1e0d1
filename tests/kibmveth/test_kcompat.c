/*
 * test_kcompat.c — the compatibility layer on its own, with no kernel tree:
 * the partition-memory allocator (split, merge, alignment, reuse, refused
 * frees, a random history against a model), the descriptor byte order the
 * kernel-API headers give, module parameters, and a small driver compiled
 * against the layer (kc_baddrv.c) in two partitions: hcalls reach the
 * calling partition (also from an interrupt run inside the other's send),
 * DMA addresses stay in the partition below 4 GiB, and each misbehaviour
 * (a bad address at the hcall, BUG, a NULL dereference, a double free, a
 * stray unmap, skb_over_panic, leaks at close) gives a PAPR code or an oops
 * and named counters — never a crash, and nothing left when it is removed.
 * Also: kibmveth_create's answer for a kernel version not built in.
 */
#include <errno.h>

#include "drv/kibmveth/kibmveth.h"
#include "ev/ev.h"
#include "hv/hv.h"
#include "hv/papr.h"
#include "kcompat/kc_heap.h"
#include "kcompat/kc_int.h"
#include "kcompat/kcompat.h"
#include "net/netdev.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"
#include "test.h"

struct kc_module *kc_module_baddrv(void);

/* ---- The allocator --------------------------------------------------------------- */

static uint8_t heap_mem[1 << 20] __attribute__((aligned(4096)));

TEST(heap_split_merge_align)
{
	struct kc_heap *h = kc_heap_create(heap_mem, 0x10000, sizeof(heap_mem));
	REQUIRE(h);
	void *a = kc_heap_alloc(h, 100, 0);
	void *b = kc_heap_alloc(h, 4096, 4096);
	void *c = kc_heap_alloc(h, 1, 64);
	REQUIRE(a && b && c);
	CHECK(((uintptr_t)((uint8_t *)b - heap_mem) + 0x10000) % 4096 == 0);
	CHECK(((uintptr_t)((uint8_t *)c - heap_mem) + 0x10000) % 64 == 0);
	CHECK_EQ(kc_heap_block_size(h, a), 112);
	struct kc_heap_stats st;
	kc_heap_get_stats(h, &st);
	CHECK_EQ(st.n_live, 3);
	CHECK_EQ(kc_heap_free(h, (uint8_t *)a + 16), -EINVAL); /* not a block's start */
	static uint8_t elsewhere[16];
	CHECK_EQ(kc_heap_free(h, elsewhere), -EINVAL);
	CHECK_EQ(kc_heap_free(h, a), 0);
	CHECK_EQ(kc_heap_free(h, a), -EINVAL); /* twice */
	CHECK_EQ(kc_heap_free(h, b), 0);
	CHECK_EQ(kc_heap_free(h, c), 0);
	kc_heap_get_stats(h, &st);
	CHECK_EQ(st.n_live, 0);
	CHECK_EQ(st.in_use, 0);
	CHECK_EQ(st.n_free_blocks, 1); /* everything merged back */
	CHECK_EQ(st.largest_free, sizeof(heap_mem));
	CHECK_U64(st.bad_frees, 3);
	/* the whole region, then nothing */
	void *all = kc_heap_alloc(h, sizeof(heap_mem), 0);
	CHECK(all == heap_mem);
	CHECK(kc_heap_alloc(h, 16, 0) == NULL);
	CHECK(kc_heap_alloc(h, 16, 3) == NULL); /* bad alignment */
	kc_heap_free(h, all);
	kc_heap_destroy(h);
}

/* A random history of allocations and frees against a model of which bytes
 * are whose: blocks never overlap, stay inside, keep their alignment, and
 * the heap is whole again at the end. */
TEST(heap_random_history)
{
	struct kc_heap *h = kc_heap_create(heap_mem, 0x200000, sizeof(heap_mem));
	REQUIRE(h);
	enum { N = 300 };
	static void *blk[N];
	static size_t sz[N];
	memset(blk, 0, sizeof(blk));
	uint64_t x = 12345;
	for (int step = 0; step < 20000; step++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		unsigned i = (unsigned)(x >> 33) % N;
		if (blk[i]) {
			/* the block still holds its pattern */
			const uint8_t *p = blk[i];
			CHECK(p[0] == (uint8_t)i && p[sz[i] - 1] == (uint8_t)i);
			CHECK_EQ(kc_heap_free(h, blk[i]), 0);
			blk[i] = NULL;
			continue;
		}
		size_t size = 1 + (size_t)((x >> 13) % 9000);
		size_t align = (size_t)1 << ((x >> 40) % 13);
		void *p = kc_heap_alloc(h, size, align);
		if (!p)
			continue;
		CHECK(((uintptr_t)((uint8_t *)p - heap_mem) + 0x200000) % (align < 16 ? 16 : align) ==
		      0);
		CHECK((uint8_t *)p + size <= heap_mem + sizeof(heap_mem));
		memset(p, (uint8_t)i, size);
		blk[i] = p;
		sz[i] = size;
	}
	for (unsigned i = 0; i < N; i++)
		if (blk[i])
			kc_heap_free(h, blk[i]);
	struct kc_heap_stats st;
	kc_heap_get_stats(h, &st);
	CHECK_EQ(st.n_live, 0);
	CHECK_EQ(st.n_free_blocks, 1);
	CHECK_U64(st.bad_frees, 0);
	CHECK(st.allocs > 5000);
	kc_heap_destroy(h);
}

TEST(heap_reclaim)
{
	struct kc_heap *h = kc_heap_create(heap_mem, 0, sizeof(heap_mem));
	for (int i = 0; i < 50; i++)
		kc_heap_alloc(h, 100 + (size_t)i * 10, 16);
	CHECK_EQ(kc_heap_reclaim(h), 50);
	struct kc_heap_stats st;
	kc_heap_get_stats(h, &st);
	CHECK_EQ(st.n_live, 0);
	CHECK_EQ(st.n_free_blocks, 1);
	kc_heap_destroy(h);
}

/* ---- Byte order ---------------------------------------------------------------------- */

uint64_t kc_baddrv_desc(uint32_t flags_len, uint32_t address);
int kc_baddrv_one_byte_order(void);

/* ibmveth.h's descriptor union, built in the kernel world (kc_baddrv.c,
 * fields ordered by #ifdef __BIG_ENDIAN as there): the u64 must come out as
 * PAPR lays it out, flags and length in the high word, on this host. */
TEST(descriptor_byte_order)
{
	CHECK_EQ(kc_baddrv_one_byte_order(), 1);
	CHECK_U64(kc_baddrv_desc(IBMVETH_BUF_VALID | 1514, 0x12345000),
		  papr_desc(IBMVETH_BUF_VALID | 1514, 0x12345000));
	CHECK_EQ(papr_desc_len(kc_baddrv_desc(IBMVETH_BUF_VALID | 1514, 0x12345000)), 1514);
}

/* ---- A driver built against the layer ------------------------------------------------- */

static struct {
	struct hv *hv;
	struct ev_loop *loop;
	struct hv_partition *pa, *pb;
	uint64_t ua, ub;
	struct netdev *a, *b;
	unsigned rx_b;
} B;

static void count_rx(void *arg, struct netdev *dev, struct pkt *p)
{
	(void)dev;
	(*(unsigned *)arg)++;
	pkt_free(p);
}

static void bad_up(void)
{
	memset(&B, 0, sizeof(B));
	B.hv = hv_create();
	B.loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	hv_vswitch_set_mode(B.hv, 0, HV_VSW_VEB);
	size_t mem = kc_lmem_needed(NULL) + (1u << 20);
	B.pa = hv_partition_create(B.hv, "pa", mem);
	B.pb = hv_partition_create(B.hv, "pb", mem);
	REQUIRE(B.pa && B.pb);
	struct hv_adapter_config ac = {.pvid = 1, .mac = {2, 0, 0, 0, 0, 0xa}};
	B.ua = hv_adapter_create(B.hv, B.pa, &ac);
	ac.mac[5] = 0xb;
	B.ub = hv_adapter_create(B.hv, B.pb, &ac);
	REQUIRE(B.ua && B.ub);
	char err[256] = "";
	struct kc_vio_config cfg = {.mac = {2, 0, 0, 0, 0, 0xa}, .mcast_filter_size = 16};
	struct kc_dev *ka = kc_dev_probe(kc_module_baddrv(), "bad-a", B.pa, B.ua, B.loop, &cfg, err,
					 sizeof(err));
	cfg.mac[5] = 0xb;
	struct kc_dev *kb = kc_dev_probe(kc_module_baddrv(), "bad-b", B.pb, B.ub, B.loop, &cfg, err,
					 sizeof(err));
	if (!ka || !kb)
		printf("# probe: %s\n", err);
	REQUIRE(ka && kb);
	B.a = kc_dev_netdev(ka);
	B.b = kc_dev_netdev(kb);
	netdev_set_rx_handler(B.b, count_rx, &B.rx_b);
	REQUIRE(netdev_open(B.a) == 0);
	REQUIRE(netdev_open(B.b) == 0);
}

static void bad_down(void)
{
	kc_module_param_set(kc_module_baddrv(), "mode", "0");
	ev_run_until(B.loop, NULL, NULL, UINT64_MAX);
	netdev_free(B.a);
	netdev_free(B.b);
	hv_destroy(B.hv);
	ev_loop_destroy(B.loop);
	CHECK_U64(pkt_outstanding_total(), 0);
}

static int bad_send(struct netdev *from, uint32_t len)
{
	struct pkt *p = pkt_alloc(from->pool, len, PKT_HEADROOM);
	REQUIRE(p);
	uint8_t *f = pkt_put(p, len);
	memset(f, 0x5a, len);
	const uint8_t dst[6] = {2, 0, 0, 0, 0, 0xb};
	memcpy(f, dst, 6);
	memcpy(f + 6, from->mac, 6);
	hdr_put16(f + 12, 0x88b5); /* local experimental ethertype */
	return dev_queue_xmit(from, p);
}

static uint64_t kc_ctr(struct netdev *d, const char *name)
{
	struct kc_dev_stats st;
	kc_dev_get_stats(kc_dev_of(d), &st);
	const struct counter_desc *desc = counter_set_find(&kc_dev_counters, name);
	REQUIRE(desc);
	return counter_get(&st, desc);
}

static void set_mode(int m)
{
	char v[8];
	snprintf(v, sizeof(v), "%d", m);
	REQUIRE(kc_module_param_set(kc_module_baddrv(), "mode", v) == 0);
}

struct last_line {
	char text[KC_LOG_LINE_MAX];
	int level;
};

static void last_line_fn(void *arg, int level, const char *line)
{
	struct last_line *l = arg;
	snprintf(l->text, sizeof(l->text), "%s", line);
	l->level = level;
}

static const char *last_log(struct netdev *d)
{
	static struct last_line l;
	memset(&l, 0, sizeof(l));
	kc_dev_log_each(kc_dev_of(d), last_line_fn, &l);
	return l.text;
}

TEST(module_parameters)
{
	bad_up();
	struct kc_module *m = kc_module_baddrv();
	char buf[32];
	CHECK_EQ(kc_module_param_get(m, "mode", buf, sizeof(buf)), 0);
	CHECK(strcmp(buf, "0") == 0);
	CHECK_EQ(kc_module_param_set(m, "mode", "x"), -EINVAL);
	CHECK_EQ(kc_module_param_set(m, "nope", "1"), -ENOENT);
	CHECK_EQ(kc_module_param_set(m, "ro_param", "1"), -EPERM); /* 0444, module loaded */
	CHECK_EQ(kc_module_param_get(m, "ro_param", buf, sizeof(buf)), 0);
	CHECK(strcmp(buf, "7") == 0);
	CHECK(strcmp(kc_module_tag(m), "bad") == 0);
	bad_down();
}

/* Each hcall is the calling partition's, also the one A's interrupt handler
 * does inside B's H_SEND_LOGICAL_LAN. */
TEST(hcalls_reach_the_calling_partition)
{
	bad_up();
	netdev_set_rx_handler(B.a, count_rx, &B.rx_b);
	struct hv_partition_stats sa0, sb0, sa1, sb1;
	hv_partition_get_stats(B.pa, &sa0);
	hv_partition_get_stats(B.pb, &sb0);
	REQUIRE(bad_send(B.a, 60) == 0);
	hv_partition_get_stats(B.pa, &sa1);
	hv_partition_get_stats(B.pb, &sb1);
	CHECK_U64(sa1.hcalls - sa0.hcalls, 1); /* A's send */
	CHECK_U64(sb1.hcalls - sb0.hcalls, 1); /* B's H_VIO_SIGNAL, inside A's send */
	struct hv_adapter_stats st;
	hv_adapter_get_stats(B.pa, B.ua, &st);
	CHECK_U64(st.tx_frames, 1);
	CHECK_U64(st.param_errors + st.addr_errors, 0);
	hv_adapter_get_stats(B.pb, B.ub, &st);
	CHECK_U64(st.irqs, 1);
	CHECK_U64(st.rx_frames, 1);
	/* B's poll re-enables its interrupt: its own hcall, in its partition */
	ev_run_until(B.loop, NULL, NULL, UINT64_MAX);
	hv_partition_get_stats(B.pb, &sb0);
	CHECK_U64(sb0.hcalls - sb1.hcalls, 1);
	/* a second frame finds no buffer (B posted one): counted at B */
	REQUIRE(bad_send(B.a, 60) == 0);
	hv_adapter_get_stats(B.pb, B.ub, &st);
	CHECK_U64(st.rx_no_buffer, 1);
	bad_down();
}

static void dma_range_fn(void *arg, uint64_t addr, size_t size, bool coherent)
{
	(void)coherent;
	struct hv_partition *part = arg;
	CHECK(addr + size <= hv_lmem_size(part));
	CHECK(addr + size <= (1ull << 32));
	CHECK(addr >= 4096); /* page 0 stays unused */
}

TEST(dma_addresses_in_the_partition_below_4g)
{
	bad_up();
	struct kc_dev *ka = kc_dev_of(B.a);
	unsigned coherent = 0;
	CHECK_EQ(kc_dev_dma_live(ka, &coherent), 4); /* buffer list, filter list, tx and rx buffers */
	CHECK_EQ(coherent, 1);                       /* the receive queue */
	uint64_t la;
	size_t size;
	CHECK_EQ(kc_dev_coherent(ka, 0, &la, &size), 0);
	CHECK_EQ(size, 4096);
	CHECK(la % 4096 == 0);
	kc_dev_dma_each(ka, dma_range_fn, B.pa);
	CHECK_EQ(kc_dev_coherent(ka, 1, &la, &size), -ENOENT);
	/* memory outside the partition cannot be mapped */
	static uint8_t outside[64];
	CHECK_U64(dma_map_single_attrs(&ka->vdev.dev, outside, sizeof(outside), KC_DMA_TO_DEVICE, 0),
		  KC_DMA_MAPPING_ERROR);
	CHECK_U64(kc_ctr(B.a, "dma_map_errors"), 1);
	/* kernel memory is partition memory, mapped at its logical address */
	bad_down();
}

TEST(bad_address_at_the_hcall)
{
	bad_up();
	set_mode(2);
	REQUIRE(bad_send(B.a, 100) == 0);
	struct hv_adapter_stats st;
	hv_adapter_get_stats(B.pa, B.ua, &st);
	CHECK_U64(st.addr_errors, 1);
	CHECK_U64(kc_ctr(B.a, "hcall_errors"), 1);
	CHECK_U64(kc_ctr(B.a, "oopses"), 0);
	CHECK(strstr(last_log(B.a), "failed with rc=-14") != NULL); /* H_DEST_PARM */
	CHECK_U64(B.a->stats.tx_dropped, 1);
	printf("# %s\n", last_log(B.a));
	set_mode(0);
	REQUIRE(bad_send(B.a, 100) == 0);
	hv_adapter_get_stats(B.pa, B.ua, &st);
	CHECK_U64(st.tx_frames, 1);
	bad_down();
}

/* An oops in transmit: counted, the instance stops, the others go on, and
 * its removal leaves nothing behind. */
static void oops_case(int mode, const char *words)
{
	bad_up();
	set_mode(mode);
	CHECK_EQ(bad_send(B.a, 100), 0);
	const char *why = NULL;
	CHECK(kc_dev_dead(kc_dev_of(B.a), &why));
	CHECK_U64(kc_ctr(B.a, "oopses"), 1);
	CHECK(why && strstr(why, words) != NULL);
	printf("# mode %d: %s\n", mode, why ? why : "(none)");
	CHECK(kc_dev_skbs_live(kc_dev_of(B.a)) == 1); /* the skb the driver held */
	set_mode(0);
	CHECK_EQ(bad_send(B.a, 100), 0); /* refused, counted */
	CHECK_U64(kc_ctr(B.a, "tx_dead"), 1);
	CHECK_EQ(netdev_stop(B.a), 0);
	CHECK(!kc_dev_dead(kc_dev_of(B.b), NULL));
	bad_down();
}

TEST(bug_in_transmit)
{
	oops_case(3, "BUG_ON(skb->len > 0)");
}

TEST(null_dereference_in_transmit)
{
	oops_case(4, "SIGSEGV");
}

TEST(skb_over_panic)
{
	oops_case(7, "skb_over_panic");
}

TEST(double_free_and_stray_unmap)
{
	bad_up();
	set_mode(5);
	CHECK_EQ(bad_send(B.a, 100), 0);
	CHECK_U64(kc_ctr(B.a, "bad_frees"), 1);
	set_mode(6);
	CHECK_EQ(bad_send(B.a, 100), 0);
	CHECK_U64(kc_ctr(B.a, "dma_bad_unmaps"), 1);
	CHECK(!kc_dev_dead(kc_dev_of(B.a), NULL));
	bad_down();
}

TEST(leaks_at_close_are_counted_and_reclaimed)
{
	bad_up();
	set_mode(1);
	CHECK_EQ(netdev_stop(B.a), 0);
	struct kc_dev *ka = kc_dev_of(B.a);
	CHECK_EQ(kc_dev_skbs_live(ka), 1);
	struct kc_heap_stats hs;
	kc_dev_heap_stats(ka, &hs);
	CHECK_EQ(hs.n_live, 1);
	CHECK_EQ(kc_dev_dma_live(ka, NULL), 1);
	struct kc_dev_stats t0, t1;
	kc_removed_stats(&t0);
	set_mode(0);
	bad_down(); /* pkt_outstanding_total() == 0: the leaked skb was reclaimed */
	kc_removed_stats(&t1);
	CHECK_U64(t1.leaked_skbs - t0.leaked_skbs, 1);
	CHECK_U64(t1.leaked_allocs - t0.leaked_allocs, 1);
	CHECK_U64(t1.leaked_dma_maps - t0.leaked_dma_maps, 1);
}

/* kibmveth_create names the package that is missing; every version built
 * in has its module. (Runs with or without kernel sources.) */
TEST(versions_and_missing_package_message)
{
	char err[512] = "";
	struct hv *hv = hv_create();
	struct ev_loop *loop = ev_loop_create(EV_CLOCK_VIRTUAL);
	struct hv_partition *part = hv_partition_create(hv, "p", 1u << 20);
	struct kibmveth_of_node of = {.mac = {2, 0, 0, 0, 0, 1}};
	CHECK(kibmveth_create("kernel-2.6", "x", part, 1, &of, loop, NULL, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "apt-get install linux-source-2.6") != NULL);
	printf("# %s\n", err);
	for (unsigned i = 0; i < kibmveth_n_versions(); i++) {
		const char *src = NULL;
		const char *v = kibmveth_version(i, &src);
		printf("# built: %s from %s\n", v, src);
		CHECK(kibmveth_module(v) != NULL);
	}
	hv_destroy(hv);
	ev_loop_destroy(loop);
}

TEST_MAIN()
