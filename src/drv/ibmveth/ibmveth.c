/*
 * ibmveth.c — the IBM Power Virtual Ethernet driver over the emulated
 * hypervisor: probe and feature negotiation, open/close (LAN registration,
 * receive buffer pools, receive queue), transmit, the NAPI poll, MTU/MAC/
 * multicast, in five generations (v4.13, v4.15 with the seed's four fixes
 * as switches, v5.10, v6.1, current).
 *
 * Serves the topology and, as a struct netdev, the bridge and the stack.
 * Behaviour follows drivers/net/ethernet/ibm/ibmveth.c of Linux (ibmveth_probe,
 * ibmveth_open/close, ibmveth_start_xmit, ibmveth_poll and the replenish
 * path) as each generation had it, over the ILLAN hcalls as PAPR defines
 * them and QEMU's hw/net/spapr_llan.c implements them. Every difference
 * between generations is a predicate ibmveth_gen_* below that cites its
 * commit; docs/architecture.md ("netdev and ibmveth", "Driver generations")
 * lists illan's own choices. Where illan departs from the driver the
 * comment says so.
 */
#include "drv/ibmveth/ibmveth.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ev/prof.h"
#include "hv/papr.h"
#include "pkt/csum.h"
#include "pkt/gro.h"
#include "pkt/hdr.h"
#include "pkt/pkt.h"

#define IBMVETH_INVALID_MAP 0xffffu
/* illan: the partition's packet pool holds this many buffers per posted
 * buffer, so the stack and bridge of the partition (and buffers handed up
 * and still held) have memory besides what sits in the hypervisor's lists. A
 * kernel allocates replacement skbs from all of its memory; our pool is
 * finite, so it is sized with this margin. */
#define IBMVETH_POOL_SPARE_FACTOR 2u
/* The bounce buffer before v6.1 (mtu + 22 of it used); from v6.1 the same
 * region is the long-term buffer of IBMVETH_MAX_TX_BUF_SIZE (64 KiB). */
#define IBMVETH_MAX_TX_BUF_SIZE (1024u * 64)
#define IBMVETH_BOUNCE_SIZE IBMVETH_MAX_TX_BUF_SIZE
/* ibmveth_features_check (cc427d24ac64): below this MSS, software GSO. */
#define IBMVETH_MIN_LSO_MSS 224u
/* IBMVETH_MAX_RX_PER_HCALL: descriptors per H_ADD_LOGICAL_LAN_BUFFERS. */
#define IBMVETH_MAX_RX_PER_HCALL 8u
/* Where the hypervisor writes the MSS of an LRG_PKT frame in the receive
 * buffer (a be64): after the 8-byte correlator, before the frame at
 * PAPR_RX_LRG_OFFSET. */
#define IBMVETH_RX_LRG_MSS_OFFSET 8u
static_assert(IBMVETH_RX_LRG_MSS_OFFSET + 8 <= PAPR_RX_LRG_OFFSET, "MSS lies before the frame");

/* The receive buffer pools, as the kernel's pool_size / pool_count /
 * pool_active module tables: bytes per buffer, buffers, active at open. */
static const struct ibmveth_pool_def {
	unsigned buff_size;
	unsigned count;
	bool active;
} ibmveth_pools[IBMVETH_NUM_BUFF_POOLS] = {
	{512, 256, true},        {1024 * 2, 512, true},  {1024 * 16, 256, false},
	{1024 * 32, 256, false}, {1024 * 64, 256, true},
};

/*
 * The partition memory one instance carves at create, in this order. Each
 * region is sized in one place, ibmveth_regions: ibmveth_lmem_needed sums
 * those sizes, ibmveth_create carves them, open zeroes and registers them.
 */
enum ibmveth_region {
	IBMVETH_MEM_BUFFER_LIST, /* the buffer-list page (H_REGISTER_LOGICAL_LAN) */
	IBMVETH_MEM_FILTER_LIST, /* the filter-list page (H_REGISTER_LOGICAL_LAN) */
	IBMVETH_MEM_RXQ,         /* the receive queue (H_REGISTER_LOGICAL_LAN) */
	IBMVETH_MEM_BOUNCE,      /* the tx bounce buffer */
	IBMVETH_MEM_POOL,        /* dev->pool's buffers, posted as receive buffers */
	IBMVETH_N_REGIONS,
};
#define IBMVETH_REGION_ALIGN 4096u /* each region starts on a page */

struct ibmveth_mem {
	uint8_t *ptr;   /* host pointer */
	uint64_t laddr; /* logical (I/O) address, what the hypervisor is told */
	size_t size;
};

/*
 * A receive buffer pool, netmap-style: who writes what. Every field is the
 * partition's; the hypervisor never sees them. It sees a buffer only as the
 * descriptor posted with H_ADD_LOGICAL_LAN_BUFFER and the correlator
 * (pool << 32 | index) the partition writes into the buffer's first 8 bytes.
 * From posting until a receive-queue entry hands that correlator back, the
 * buffer is the hypervisor's to write; then it is the partition's again.
 */
struct ibmveth_buff_pool {
	unsigned index;
	unsigned size; /* slots (buffers the pool may post) */
	unsigned buff_size;
	unsigned threshold; /* replenish below this */
	bool active;
	unsigned available; /* partition: buffers posted now */
	/* partition, when posting: the free_map slot to take a free index from */
	unsigned consumer_index;
	/* partition, when a buffer comes back: the free_map slot to return its
	 * index to */
	unsigned producer_index;
	/* partition: indices of slots without a posted buffer
	 * (IBMVETH_INVALID_MAP where taken) */
	uint16_t *free_map;
	struct pkt **skbuff; /* partition: the posted buffer of each slot, or NULL */
	uint64_t *laddr;     /* "dma_addr": logical address of each posted buffer */
};

struct ibmveth_adapter {
	struct netdev *netdev;
	struct hv_partition *part;
	uint64_t ua;
	struct ev_loop *loop;
	struct ibmveth_params params;
	struct ibmveth_of_node of;
	struct ibmveth_buff_pool rx_buff_pool[IBMVETH_NUM_BUFF_POOLS];
	/* napi_gro_receive's state: the poll hands frames here (NETIF_F_GRO) */
	struct gro_ctx gro;

	/* Partition memory, carved at create (see enum ibmveth_region). */
	struct ibmveth_mem mem[IBMVETH_N_REGIONS];

	/*
	 * The receive queue and the buffer-list page, netmap-style: who
	 * writes what.
	 *   rxq[] entries   hypervisor, when it delivers a frame: correlator,
	 *                   length, then flags_off (TOGGLE, VALID, offset) last.
	 *                   The partition only reads them (it zeroes the queue
	 *                   at open, before registering it).
	 *   rxq_index       partition: the next entry it will read. The
	 *                   hypervisor keeps its own cursor, never seen here.
	 *   rxq_toggle      partition: the TOGGLE value that marks the entry at
	 *                   rxq_index as new; flips when rxq_index wraps, as the
	 *                   hypervisor's own toggle flips when its cursor wraps.
	 *   rxq_num_slots   partition, at create; the hypervisor learns it as
	 *                   the queue length in the descriptor at registration.
	 *   buffer_list     the partition zeroes the page and hands it over at
	 *                   registration; from then on only the hypervisor writes
	 *                   it: the receive-queue descriptor at +0 (TOGGLE as its
	 *                   cursor stands), the filter-list descriptor at +8, the
	 *                   count of frames dropped for lack of a buffer at +4088,
	 *                   which the partition reads into rx_no_buffer.
	 * The filter-list page is registered and written by neither side (the
	 * hypervisor keeps its filter table itself, docs/architecture.md).
	 */
	struct papr_rxq_entry *rxq; /* = mem[IBMVETH_MEM_RXQ].ptr */
	unsigned rxq_num_slots;
	unsigned rxq_index;
	unsigned rxq_toggle;
	uint8_t *buffer_list; /* = mem[IBMVETH_MEM_BUFFER_LIST].ptr */
	uint8_t *bounce;      /* = mem[IBMVETH_MEM_BOUNCE].ptr; the partition's only */

	struct ev_task napi;
	bool napi_enabled;
	bool napi_scheduled;
	struct ev_task reset_task;

	bool open;
	bool crashed; /* hit a BUG_ON (generations before current): stopped for good */
	bool is_active_trunk;
	unsigned rx_buffers_per_hcall; /* 8 with H_ADD_LOGICAL_LAN_BUFFERS, else 1 */
	int rx_csum;
	int large_send;
	uint64_t attrs;

	struct ibmveth_stats stats;
};

COUNTER_SET_DEFINE(ibmveth_counters, "ibmveth", struct ibmveth_stats, IBMVETH_COUNTERS);

#define IBMVETH_CONTAINER(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static const struct netdev_ops ibmveth_netdev_ops;

/* Profiler sections: start_xmit (charged by dev_queue_xmit) and the NAPI
 * poll (charged by the event loop; the frames' work above the driver is
 * charged to whoever receives them). */
static struct prof_section ibmveth_tx_prof = PROF_SECTION_INIT("ibmveth tx");
static struct prof_section ibmveth_rx_prof = PROF_SECTION_INIT("ibmveth rx");

static struct ibmveth_adapter *ibmveth_priv(const struct netdev *dev)
{
	return dev->priv;
}

/* ---- Parameters and fixes --------------------------------------------------- */

static const char *const ibmveth_fix_names[4] = {"trunk-offload", "trunk-csum-partial",
						 "pseudo-csum", "fraglist-linearize"};

/* ibmveth_params_default: see ibmveth.h. */
void ibmveth_params_default(struct ibmveth_params *p)
{
	p->rx_copybreak = 128;
	p->tx_copybreak = 128;
	p->old_large_send = false;
	p->gen = IBMVETH_GEN_DEFAULT;
	p->fixes = IBMVETH_FIX_ALL;
}

/* ---- Generations ------------------------------------------------------------- */

static const struct ibmveth_gen_def {
	const char *name;
	const char *commits; /* what this generation adds to the one before */
} ibmveth_gens[IBMVETH_N_GENS] = {
	[IBMVETH_GEN_V4_13] = {"v4.13", "8641dd85799f ibmveth: Add support for TSO; "
					"7b5967389f5a ibmveth: set correct gso_size and gso_type "
					"(trunks refuse CSO, hence TSO)"},
	[IBMVETH_GEN_V4_15] = {"v4.15", "66aa0678efc2 ibmveth: Support to enable LSO/CSO for "
					"Trunk VEA. (--fixes switches its four fixes)"},
	[IBMVETH_GEN_V5_10] = {"v5.10", "6f2275433a2f ibmveth: Detect unsupported packets "
					"before sending to the hypervisor; 5948378b26d8 ibmveth: "
					"Fix max MTU limit; 5ce9ad815a29 ibmveth: Switch order of "
					"ibmveth_helper calls.; 413f142cc05c ibmveth: Identify "
					"ingress large send packets.; 2ac8af0967aa ibmveth: Fix "
					"use of ibmveth in a bridge."},
	[IBMVETH_GEN_V6_1] = {"v6.1", "7525de2516fb ibmveth: Set CHECKSUM_PARTIAL if NULL TCP "
				      "CSUM.; d6832ca48d8a ibmveth: Copy tx skbs into a premapped "
				      "buffer; d926793c1de9 ibmveth: Implement multi queue on xmit"},
	[IBMVETH_GEN_CURRENT] = {"current",
				 "51e7a66666e0 ibmveth: Remove condition to recompute TCP "
				 "header checksum.; 2c91e2319ed9 net: ibmveth: Reset the adapter "
				 "when unexpected states are detected; ibmveth: Add multi buffers "
				 "rx replenishment hcall support; cc427d24ac64 ibmveth: Disable "
				 "GSO for packets with small MSS"},
};

/* ibmveth_gen_name: see ibmveth.h. */
const char *ibmveth_gen_name(enum ibmveth_gen g)
{
	return (unsigned)g < IBMVETH_N_GENS ? ibmveth_gens[g].name : NULL;
}

/* ibmveth_gen_commits: see ibmveth.h. */
const char *ibmveth_gen_commits(enum ibmveth_gen g)
{
	return (unsigned)g < IBMVETH_N_GENS ? ibmveth_gens[g].commits : NULL;
}

/* ibmveth_parse_gen: see ibmveth.h. */
int ibmveth_parse_gen(const char *s, enum ibmveth_gen *out)
{
	if (!s || !out)
		return -EINVAL;
	if (strcmp(s, "illan") == 0) {
		*out = IBMVETH_GEN_DEFAULT;
		return 0;
	}
	if (strncmp(s, "illan-", 6) == 0)
		s += 6;
	for (unsigned g = 0; g < IBMVETH_N_GENS; g++) {
		if (strcmp(s, ibmveth_gens[g].name) == 0) {
			*out = (enum ibmveth_gen)g;
			return 0;
		}
	}
	return -EINVAL;
}

/* ibmveth_fix_name: see ibmveth.h. */
const char *ibmveth_fix_name(unsigned fix_bit)
{
	for (unsigned i = 0; i < 4; i++)
		if (fix_bit == 1u << i)
			return ibmveth_fix_names[i];
	return NULL;
}

/* ibmveth_parse_fixes: see ibmveth.h. */
int ibmveth_parse_fixes(const char *s, unsigned *out)
{
	if (!s || !out)
		return -EINVAL;
	if (strcmp(s, "all") == 0) {
		*out = IBMVETH_FIX_ALL;
		return 0;
	}
	if (strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	unsigned fixes = 0;
	const char *tok = s;
	for (;;) {
		const char *end = strchr(tok, ',');
		size_t n = end ? (size_t)(end - tok) : strlen(tok);
		bool found = false;
		if (n == 1 && tok[0] >= '1' && tok[0] <= '4') {
			fixes |= 1u << (tok[0] - '1');
			found = true;
		}
		for (unsigned i = 0; i < 4 && !found; i++) {
			if (strlen(ibmveth_fix_names[i]) == n &&
			    strncmp(tok, ibmveth_fix_names[i], n) == 0) {
				fixes |= 1u << i;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		if (!end)
			break;
		tok = end + 1;
	}
	*out = fixes;
	return 0;
}

/* ibmveth_fixes_in_force: see ibmveth.h. */
unsigned ibmveth_fixes_in_force(const struct ibmveth_params *p)
{
	if (!p || p->gen < IBMVETH_GEN_V4_15)
		return 0;
	return p->gen == IBMVETH_GEN_V4_15 ? p->fixes & IBMVETH_FIX_ALL : IBMVETH_FIX_ALL;
}

/* One of the seed's fixes (66aa0678) in force: none before the seed, the
 * switch on the seed generation, all four after it. */
static bool ibmveth_fix(const struct ibmveth_adapter *ad, unsigned fix)
{
	return (ibmveth_fixes_in_force(&ad->params) & fix) != 0;
}

static bool ibmveth_gen_at_least(const struct ibmveth_adapter *ad, enum ibmveth_gen g)
{
	return ad->params.gen >= g;
}

/* 6f2275433a2f (v5.5): drop a frame to our own MAC before the hcall (PHYP
 * refuses it with H_PARAMETER). Its source-MAC check was removed again by
 * 2ac8af0967aa (v5.10), so no generation here has it. */
static bool ibmveth_gen_drops_own_mac(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_V5_10);
}

/* 413f142cc05c (v5.10): a frame is large if LRG_PKT or the old method's
 * 0xffff IP checksum says so, not only when longer than the MTU. */
static bool ibmveth_gen_lrg_by_flag(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_V5_10);
}

/* 5ce9ad815a29 (v5.10): the csum helper runs after the mss helper; before,
 * it ran first and could overwrite the old method's MSS in tcp->check. */
static bool ibmveth_gen_mss_helper_first(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_V5_10);
}

/* 5948378b26d8 (v5.8): max_mtu 65535 - 22; before, ETH_MAX_MTU 65535. */
static unsigned ibmveth_gen_max_mtu(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_V5_10) ? IBMVETH_MAX_MTU : 65535u;
}

/* 7525de2516fb (v5.14): the receive csum helper acts only on a zero TCP
 * checksum field, and then marks CHECKSUM_PARTIAL on any adapter; the seed
 * era (66aa0678..v5.13) acted on every CSUM_GOOD TCP frame of an active
 * trunk, whatever the field held. */
static bool ibmveth_gen_rx_partial_on_zero_field(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_V6_1);
}

/* 51e7a66666e0 (v6.7): the pseudo-header seed is recomputed on any adapter,
 * not only on an active trunk. */
static bool ibmveth_gen_rx_seed_any_adapter(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_CURRENT);
}

/* d6832ca48d8a (v6.1): every frame is copied into a premapped long-term
 * buffer and sent with one descriptor: no DMA mapping, no bounce buffer, no
 * frag_list linearization, no six-descriptor limit. */
static bool ibmveth_gen_ltb_tx(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_V6_1);
}

/* 2c91e2319ed9 (2025): unexpected states (a bad correlator, a failed
 * H_VIO_SIGNAL) reset the adapter; before, BUG_ON stopped the kernel. */
static bool ibmveth_gen_resets(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_CURRENT);
}

/* "ibmveth: Add multi buffers rx replenishment hcall support" (2025):
 * H_ADD_LOGICAL_LAN_BUFFERS when firmware offers RX_MULTI_BUFF_SUPPORT. */
static bool ibmveth_gen_rx_multi_buff(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_CURRENT);
}

/* cc427d24ac64 (2026): ibmveth_features_check sends a TSO packet with an
 * MSS under 224 to software segmentation. */
static bool ibmveth_gen_small_mss_sw_gso(const struct ibmveth_adapter *ad)
{
	return ibmveth_gen_at_least(ad, IBMVETH_GEN_CURRENT);
}

/* ---- Memory ----------------------------------------------------------------- */

static void ibmveth_pool_classes(struct pkt_pool_class classes[IBMVETH_NUM_BUFF_POOLS])
{
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++)
		classes[i] =
			(struct pkt_pool_class){ibmveth_pools[i].buff_size,
						ibmveth_pools[i].count * IBMVETH_POOL_SPARE_FACTOR};
}

/* One receive-queue entry per buffer the pools may post, and one more. */
static unsigned ibmveth_rxq_entries(void)
{
	unsigned n = 1;
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++)
		n += ibmveth_pools[i].count;
	return n;
}

/* The size of each region of enum ibmveth_region: the one place they are
 * sized. */
static void ibmveth_regions(size_t size[IBMVETH_N_REGIONS])
{
	struct pkt_pool_class classes[IBMVETH_NUM_BUFF_POOLS];
	ibmveth_pool_classes(classes);
	size[IBMVETH_MEM_BUFFER_LIST] = PAPR_BUFLIST_SIZE;
	size[IBMVETH_MEM_FILTER_LIST] = PAPR_FILTER_LIST_SIZE;
	size[IBMVETH_MEM_RXQ] = (size_t)ibmveth_rxq_entries() * PAPR_RXQ_ENTRY_SIZE;
	size[IBMVETH_MEM_BOUNCE] = IBMVETH_BOUNCE_SIZE;
	size[IBMVETH_MEM_POOL] = pkt_pool_mem_needed(classes, IBMVETH_NUM_BUFF_POOLS);
}

/* ibmveth_lmem_needed: see ibmveth.h. Each region may need up to a page of
 * padding in front to be aligned, and one more page stands for the
 * partition's page 0, which its allocator never hands out. */
size_t ibmveth_lmem_needed(void)
{
	size_t size[IBMVETH_N_REGIONS];
	ibmveth_regions(size);
	size_t n = IBMVETH_REGION_ALIGN;
	for (unsigned i = 0; i < IBMVETH_N_REGIONS; i++)
		n += size[i] + IBMVETH_REGION_ALIGN - 1;
	return n;
}

/* Carve every region of partition memory. Returns 0 or -ENOMEM (memory
 * exhausted, or a region beyond the 32-bit I/O addresses descriptors carry). */
static int ibmveth_carve_regions(struct ibmveth_adapter *ad)
{
	size_t size[IBMVETH_N_REGIONS];
	ibmveth_regions(size);
	for (unsigned i = 0; i < IBMVETH_N_REGIONS; i++) {
		uint64_t a = hv_lmem_alloc(ad->part, size[i], IBMVETH_REGION_ALIGN);
		if (a == UINT64_MAX || a + size[i] > UINT32_MAX)
			return -ENOMEM;
		ad->mem[i] = (struct ibmveth_mem){hv_lmem_ptr(ad->part, a, size[i]), a, size[i]};
		if (!ad->mem[i].ptr)
			return -ENOMEM;
	}
	ad->buffer_list = ad->mem[IBMVETH_MEM_BUFFER_LIST].ptr;
	ad->rxq = (struct papr_rxq_entry *)ad->mem[IBMVETH_MEM_RXQ].ptr;
	ad->rxq_num_slots = (unsigned)(ad->mem[IBMVETH_MEM_RXQ].size / PAPR_RXQ_ENTRY_SIZE);
	ad->bounce = ad->mem[IBMVETH_MEM_BOUNCE].ptr;
	return 0;
}

/* ---- Receive queue accessors (ibmveth_rxq_*) ---------------------------------- */

static uint32_t ibmveth_rxq_flags(const struct ibmveth_adapter *ad)
{
	return hdr_get32(ad->rxq[ad->rxq_index].flags_off);
}

static bool ibmveth_rxq_pending_buffer(const struct ibmveth_adapter *ad)
{
	return (ibmveth_rxq_flags(ad) >> IBMVETH_RXQ_TOGGLE_SHIFT) == ad->rxq_toggle;
}

static uint64_t ibmveth_rxq_correlator(const struct ibmveth_adapter *ad)
{
	uint64_t c;
	memcpy(&c, ad->rxq[ad->rxq_index].correlator, sizeof(c)); /* not byte-swapped */
	return c;
}

/* Decode a correlator; false when the pool or index is out of range or the
 * slot holds no buffer (the kernel's BUG_ONs, a reset since 2c91e2319ed9). */
static bool ibmveth_decode_correlator(const struct ibmveth_adapter *ad, uint64_t corr,
				      unsigned *pool, unsigned *index)
{
	uint64_t p = corr >> 32, i = corr & 0xffffffffu;
	if (p >= IBMVETH_NUM_BUFF_POOLS)
		return false;
	const struct ibmveth_buff_pool *bp = &ad->rx_buff_pool[p];
	if (i >= bp->size || !bp->skbuff || !bp->skbuff[i])
		return false;
	*pool = (unsigned)p;
	*index = (unsigned)i;
	return true;
}

static void ibmveth_rxq_advance(struct ibmveth_adapter *ad)
{
	if (++ad->rxq_index == ad->rxq_num_slots) {
		ad->rxq_index = 0;
		ad->rxq_toggle = !ad->rxq_toggle;
	}
}

/* ---- Buffer pools ------------------------------------------------------------ */

static void ibmveth_init_buffer_pool(struct ibmveth_buff_pool *pool, unsigned index, unsigned size,
				     unsigned buff_size, bool active)
{
	pool->index = index;
	pool->size = size;
	pool->buff_size = buff_size;
	pool->threshold = size * 7 / 8;
	pool->active = active;
}

/* ibmveth_alloc_buffer_pool: the bookkeeping arrays live for the adapter's
 * lifetime (allocated at create); open resets them. */
static void ibmveth_reset_buffer_pool(struct ibmveth_buff_pool *pool)
{
	for (unsigned i = 0; i < pool->size; i++) {
		pool->free_map[i] = (uint16_t)i;
		assert(pool->skbuff[i] == NULL);
	}
	pool->available = 0;
	pool->producer_index = 0;
	pool->consumer_index = 0;
}

/* ibmveth_free_buffer_pool: free every buffer still posted. */
static void ibmveth_free_buffer_pool(struct ibmveth_buff_pool *pool)
{
	for (unsigned i = 0; i < pool->size; i++) {
		if (pool->skbuff[i]) {
			pkt_free(pool->skbuff[i]);
			pool->skbuff[i] = NULL;
		}
	}
	pool->available = 0;
}

/* One buffer of a replenish batch, not yet posted. */
struct ibmveth_batch_buf {
	unsigned free_index; /* the free_map slot its index came from */
	unsigned index;      /* its pool slot */
};

/* Undo the n buffers of a batch the hypervisor did not take (the kernel
 * unmaps and frees them): newest first, so consumer_index winds back. */
static void ibmveth_replenish_undo(struct ibmveth_buff_pool *pool,
				   const struct ibmveth_batch_buf *bufs, unsigned n)
{
	while (n--) {
		pool->free_map[bufs[n].free_index] = (uint16_t)bufs[n].index;
		pkt_free(pool->skbuff[bufs[n].index]);
		pool->skbuff[bufs[n].index] = NULL;
		pool->consumer_index = pool->consumer_index == 0 ? pool->size - 1
								 : pool->consumer_index - 1;
	}
}

/*
 * ibmveth_replenish_buffer_pool: post buffers until the pool is full or an
 * allocation or hcall fails; rx_buffers_per_hcall at a time (the current
 * generation's H_ADD_LOGICAL_LAN_BUFFERS; a batch of one still goes with
 * H_ADD_LOGICAL_LAN_BUFFER). H_FUNCTION from the batched call (firmware
 * without it, e.g. after Live Partition Migration) drops the driver to one
 * buffer per call for good.
 */
static void ibmveth_replenish_buffer_pool(struct ibmveth_adapter *ad, struct ibmveth_buff_pool *pool)
{
	unsigned count = pool->size - pool->available;
	unsigned added = 0;

	while (added < count) {
		struct ibmveth_batch_buf bufs[IBMVETH_MAX_RX_PER_HCALL];
		uint64_t descs[IBMVETH_MAX_RX_PER_HCALL] = {0};
		unsigned want = count - added, n = 0;
		bool stop = false;
		if (want > ad->rx_buffers_per_hcall)
			want = ad->rx_buffers_per_hcall;
		for (; n < want; n++) {
			struct pkt *p = pkt_alloc(ad->netdev->pool, pool->buff_size, 0);
			if (!p) {
				ad->stats.replenish_no_mem++;
				stop = true;
				break;
			}
			unsigned free_index = pool->consumer_index;
			if (++pool->consumer_index >= pool->size)
				pool->consumer_index = 0;
			unsigned index = pool->free_map[free_index];
			assert(index != IBMVETH_INVALID_MAP && pool->skbuff[index] == NULL);
			pool->free_map[free_index] = IBMVETH_INVALID_MAP;
			pool->skbuff[index] = p;
			bufs[n] = (struct ibmveth_batch_buf){free_index, index};

			uint64_t laddr = p->size >= pool->buff_size
						 ? hv_lmem_addr(ad->part, p->head, pool->buff_size)
						 : UINT64_MAX;
			if (laddr == UINT64_MAX || laddr > UINT32_MAX) {
				/* unmappable: the batch so far is undone with it */
				ibmveth_replenish_undo(pool, bufs, n + 1);
				ad->stats.replenish_add_buff_failure++;
				return;
			}
			pool->laddr[index] = laddr;
			uint64_t correlator = (uint64_t)pool->index << 32 | index;
			memcpy(p->head, &correlator, sizeof(correlator));
			descs[n] = papr_desc(IBMVETH_BUF_VALID | pool->buff_size, (uint32_t)laddr);
		}
		if (!n)
			break;
		long rc;
		if (n == 1) {
			rc = h_add_logical_lan_buffer(ad->part, ad->ua, descs[0]);
		} else {
			rc = h_add_logical_lan_buffers(ad->part, ad->ua, descs);
			ad->stats.replenish_multi_calls++;
		}
		if (rc != H_SUCCESS) {
			ibmveth_replenish_undo(pool, bufs, n);
			ad->stats.replenish_add_buff_failure++;
			if (n > 1 && rc == H_FUNCTION) {
				ad->rx_buffers_per_hcall = 1;
				ad->stats.replenish_multi_fallback++;
			}
			break;
		}
		added += n;
		pool->available += n;
		ad->stats.replenish_add_buff_success += n;
		if (stop)
			break;
	}
}

/* ibmveth_update_rx_no_buffer: the hypervisor's drop counter at page +4088. */
static void ibmveth_update_rx_no_buffer(struct ibmveth_adapter *ad)
{
	ad->stats.rx_no_buffer = hdr_get64(ad->buffer_list + PAPR_BUFLIST_DROP_COUNT);
}

/* ibmveth_replenish_task: pools 4..0, those below 7/8 full. */
static void ibmveth_replenish_task(struct ibmveth_adapter *ad)
{
	ad->stats.replenish_task_cycles++;
	for (int i = IBMVETH_NUM_BUFF_POOLS - 1; i >= 0; i--) {
		struct ibmveth_buff_pool *pool = &ad->rx_buff_pool[i];
		if (pool->active && pool->available < pool->threshold)
			ibmveth_replenish_buffer_pool(ad, pool);
	}
	ibmveth_update_rx_no_buffer(ad);
}

/* ibmveth_remove_buffer_from_pool: the slot's packet now belongs to the caller. */
static struct pkt *ibmveth_remove_buffer_from_pool(struct ibmveth_adapter *ad, unsigned pool,
						   unsigned index)
{
	struct ibmveth_buff_pool *bp = &ad->rx_buff_pool[pool];
	struct pkt *p = bp->skbuff[index];
	bp->skbuff[index] = NULL;
	unsigned free_index = bp->producer_index;
	if (++bp->producer_index >= bp->size)
		bp->producer_index = 0;
	bp->free_map[free_index] = (uint16_t)index;
	bp->available--;
	return p;
}

/* ibmveth_rxq_harvest_buffer: take the current entry's buffer, advance. */
static struct pkt *ibmveth_rxq_harvest_buffer(struct ibmveth_adapter *ad, unsigned pool,
					      unsigned index)
{
	struct pkt *p = ibmveth_remove_buffer_from_pool(ad, pool, index);
	ibmveth_rxq_advance(ad);
	return p;
}

/* ibmveth_rxq_recycle_buffer: give the current entry's buffer back to the
 * hypervisor and advance. If that fails the buffer leaves the pool and is
 * freed here (the v4.14 driver leaked it on the invalid-entry path). */
static void ibmveth_rxq_recycle_buffer(struct ibmveth_adapter *ad, unsigned pool, unsigned index)
{
	struct ibmveth_buff_pool *bp = &ad->rx_buff_pool[pool];
	if (!bp->active) {
		pkt_free(ibmveth_rxq_harvest_buffer(ad, pool, index));
		return;
	}
	uint64_t desc = papr_desc(IBMVETH_BUF_VALID | bp->buff_size, (uint32_t)bp->laddr[index]);
	if (h_add_logical_lan_buffer(ad->part, ad->ua, desc) != H_SUCCESS)
		pkt_free(ibmveth_remove_buffer_from_pool(ad, pool, index));
	ibmveth_rxq_advance(ad);
}

/* ---- Open / close -------------------------------------------------------------- */

static void ibmveth_interrupt(void *arg);

/* ibmveth_register_logical_lan: after a kexec the LAN may still be
 * registered; free it and try once more. */
static long ibmveth_register_logical_lan(struct ibmveth_adapter *ad, uint64_t rxq_desc, uint64_t mac)
{
	uint64_t buf_list = ad->mem[IBMVETH_MEM_BUFFER_LIST].laddr;
	uint64_t filter_list = ad->mem[IBMVETH_MEM_FILTER_LIST].laddr;
	long rc = h_register_logical_lan(ad->part, ad->ua, buf_list, rxq_desc, filter_list, mac);
	if (rc != H_SUCCESS) {
		long frc;
		do
			frc = h_free_logical_lan(ad->part, ad->ua);
		while (frc == H_BUSY || H_IS_LONG_BUSY(frc));
		rc = h_register_logical_lan(ad->part, ad->ua, buf_list, rxq_desc, filter_list, mac);
	}
	return rc;
}

static void ibmveth_free_lan(struct ibmveth_adapter *ad)
{
	long rc;
	do
		rc = h_free_logical_lan(ad->part, ad->ua);
	while (rc == H_BUSY || H_IS_LONG_BUSY(rc));
	/* a remaining failure is logged by the kernel and close continues */
}

/* ibmveth_open: register the LAN, post buffers, take interrupts. Returns 0,
 * -ENONET (registration refused) or -EIO (no interrupt). */
static int ibmveth_open(struct netdev *dev)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	if (ad->open)
		return 0;
	if (ad->crashed)
		return -EIO; /* illan: the partition's kernel stopped at a BUG_ON */

	ad->napi_enabled = true;
	ad->napi_scheduled = false;
	/* get_zeroed_page / dma_alloc_coherent: fresh, zeroed memory */
	memset(ad->mem[IBMVETH_MEM_BUFFER_LIST].ptr, 0, ad->mem[IBMVETH_MEM_BUFFER_LIST].size);
	memset(ad->mem[IBMVETH_MEM_FILTER_LIST].ptr, 0, ad->mem[IBMVETH_MEM_FILTER_LIST].size);
	memset(ad->mem[IBMVETH_MEM_RXQ].ptr, 0, ad->mem[IBMVETH_MEM_RXQ].size);
	ad->rxq_index = 0;
	ad->rxq_toggle = 1;

	const struct ibmveth_mem *q = &ad->mem[IBMVETH_MEM_RXQ];
	uint64_t rxq_desc = papr_desc(IBMVETH_BUF_VALID | (uint32_t)q->size, (uint32_t)q->laddr);

	h_vio_signal(ad->part, ad->ua, VIO_IRQ_DISABLE);
	if (ibmveth_register_logical_lan(ad, rxq_desc, papr_mac_to_u64(dev->mac)) != H_SUCCESS) {
		ad->napi_enabled = false;
		return -ENONET;
	}
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++)
		ibmveth_reset_buffer_pool(&ad->rx_buff_pool[i]);
	if (hv_set_irq_handler(ad->part, ad->ua, ibmveth_interrupt, ad) != 0) {
		ibmveth_free_lan(ad);
		ad->napi_enabled = false;
		return -EIO;
	}
	ad->open = true;
	/* The kernel's "initial replenish cycle" is ibmveth_interrupt, which
	 * schedules a poll that replenishes. illan also replenishes here, so
	 * buffers are posted when open returns, before the loop runs. */
	ibmveth_replenish_task(ad);
	ibmveth_interrupt(ad);
	return 0;
}

/* ibmveth_close: free the LAN and every posted buffer. Returns 0. */
static int ibmveth_close(struct netdev *dev)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	if (!ad->open)
		return 0;
	gro_flush(&ad->gro); /* illan: what GRO holds goes up before the close */
	ad->napi_enabled = false;
	ad->napi_scheduled = false;
	ev_task_cancel(ad->loop, &ad->napi);
	h_vio_signal(ad->part, ad->ua, VIO_IRQ_DISABLE);
	ibmveth_free_lan(ad);
	hv_set_irq_handler(ad->part, ad->ua, NULL, NULL);
	ibmveth_update_rx_no_buffer(ad);
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++)
		ibmveth_free_buffer_pool(&ad->rx_buff_pool[i]);
	ad->open = false;
	return 0;
}

/* The reset work (2c91e2319ed9): close and reopen a running adapter. */
static void ibmveth_reset(struct ev_task *t)
{
	struct ibmveth_adapter *ad = IBMVETH_CONTAINER(t, struct ibmveth_adapter, reset_task);
	ad->stats.adapter_resets++;
	if (!ad->netdev->up)
		return;
	ibmveth_close(ad->netdev);
	ibmveth_open(ad->netdev);
}

/*
 * An unexpected state (a correlator naming no posted buffer, a failed
 * H_VIO_SIGNAL): the current driver schedules its reset work
 * (2c91e2319ed9); every earlier generation stops the kernel with BUG_ON
 * (or dereferences the NULL buffer). illan cannot crash the partition, so
 * it stops the adapter for good: no more polls, transmits dropped, the
 * LAN left registered as a dead kernel leaves it, so frames for it pile up
 * at the hypervisor (rx_no_buffer). The caller stops its poll.
 */
static void ibmveth_unexpected(struct ibmveth_adapter *ad)
{
	if (ibmveth_gen_resets(ad)) {
		ev_task_schedule(ad->loop, &ad->reset_task);
		return;
	}
	ad->stats.kernel_bug++;
	ad->crashed = true;
	ad->napi_enabled = false;
	ad->napi_scheduled = false;
}

/* ---- Features ------------------------------------------------------------------ */

/* ibmveth_fix_features: no separate tx/rx CSO switch in firmware; with rx
 * checksum off the partition may not send unchecksummed frames. */
static uint32_t ibmveth_fix_features(struct netdev *dev, uint32_t features)
{
	(void)dev;
	if (!(features & NETIF_F_RXCSUM))
		features &= ~NETIF_F_CSUM_MASK;
	return features;
}

/* Ask firmware to turn attribute bit on (data) or off. If it refuses, ask
 * it to put the bit back and, when turning on, take features_off out of
 * dev's features — what ibmveth_set_csum_offload does for each family and
 * ibmveth_set_tso for large send. *attr gets firmware's answer. Returns
 * the H_ILLAN_ATTRIBUTES status of the change. */
static long ibmveth_attr_switch(struct netdev *dev, uint64_t bit, int data, uint32_t features_off,
				uint64_t *attr)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	uint64_t set = data ? bit : 0, clr = data ? 0 : bit;
	long ret = h_illan_attributes(ad->part, ad->ua, clr, set, attr);
	if (ret != H_SUCCESS) {
		h_illan_attributes(ad->part, ad->ua, set, clr, attr);
		if (data)
			dev->features &= ~features_off;
	}
	return ret;
}

/* ibmveth_set_csum_offload, with the pre-seed trunk refusal under fix 1;
 * run closed by ibmveth_change_closed. */
static int ibmveth_set_csum_offload(struct netdev *dev, int data)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	int rc = 0;
	uint64_t attr = 0;
	long ret = h_illan_attributes(ad->part, ad->ua, 0, 0, &attr);
	if (ret == H_SUCCESS)
		ad->attrs = attr;
	bool trunk_ok =
		ibmveth_fix(ad, IBMVETH_FIX_TRUNK_OFFLOAD) ||
		(!(attr & IBMVETH_ILLAN_ACTIVE_TRUNK) && !(attr & IBMVETH_ILLAN_TRUNK_PRI_MASK));

	if (ret == H_SUCCESS && trunk_ok && (attr & IBMVETH_ILLAN_PADDED_PKT_CSUM)) {
		long ret4 = ibmveth_attr_switch(dev, IBMVETH_ILLAN_IPV4_TCP_CSUM, data,
						NETIF_F_IP_CSUM, &attr);
		if (ret4 == H_SUCCESS)
			ad->stats.fw_enabled_ipv4_csum = (uint64_t)data;
		long ret6 = ibmveth_attr_switch(dev, IBMVETH_ILLAN_IPV6_TCP_CSUM, data,
						NETIF_F_IPV6_CSUM, &attr);
		if (ret6 == H_SUCCESS)
			ad->stats.fw_enabled_ipv6_csum = (uint64_t)data;
		if (ret4 == H_SUCCESS || ret6 == H_SUCCESS)
			ad->rx_csum = data;
		else
			rc = -EIO;
		if (h_illan_attributes(ad->part, ad->ua, 0, 0, &attr) == H_SUCCESS)
			ad->attrs = attr;
	} else {
		rc = -EIO; /* "unable to change checksum offload settings" */
	}
	return rc;
}

/* ibmveth_set_tso: firmware large send (LRG_SR_ENABLED) or the old method;
 * run closed by ibmveth_change_closed. */
static int ibmveth_set_tso(struct netdev *dev, int data)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	int rc = 0;
	uint64_t attr = 0;
	long ret1 = h_illan_attributes(ad->part, ad->ua, 0, 0, &attr);
	if (ret1 == H_SUCCESS && (attr & IBMVETH_ILLAN_LRG_SND_SUPPORT) &&
	    !ad->params.old_large_send) {
		if (ibmveth_attr_switch(dev, IBMVETH_ILLAN_LRG_SR_ENABLED, data, NETIF_F_TSO_MASK,
					&attr) != H_SUCCESS) {
			rc = -EIO;
		} else {
			ad->stats.fw_enabled_large_send = (uint64_t)data;
			ad->large_send = data;
		}
	} else {
		/* older firmware large send does not support IPv6 */
		if (data)
			dev->features &= ~NETIF_F_TSO6;
		ad->large_send = data;
	}
	if (h_illan_attributes(ad->part, ad->ua, 0, 0, &attr) == H_SUCCESS)
		ad->attrs = attr;
	return rc;
}

/* Run change(dev, data) with the adapter closed, reopening it after if it
 * was open — the close and open around the attribute calls that
 * ibmveth_set_csum_offload and ibmveth_set_tso each make in Linux. Returns
 * change's error, else the reopen's. */
static int ibmveth_change_closed(struct netdev *dev, int data, int (*change)(struct netdev *, int))
{
	bool restart = ibmveth_priv(dev)->open;
	if (restart)
		ibmveth_close(dev);
	int rc = change(dev, data);
	int rc_open = restart ? ibmveth_open(dev) : 0;
	return rc ? rc : rc_open;
}

/* ibmveth_set_features, as the kernel: on success the core assigns the
 * features (__netdev_update_features); on failure what is left here stays.
 * Also called directly at probe, with dev->features already assigned. */
static int ibmveth_set_features(struct netdev *dev, uint32_t features)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	int rx_csum = !!(features & NETIF_F_RXCSUM);
	int large_send = !!(features & NETIF_F_TSO_MASK);
	int rc1 = 0, rc2 = 0;

	if (rx_csum != ad->rx_csum) {
		rc1 = ibmveth_change_closed(dev, rx_csum, ibmveth_set_csum_offload);
		if (rc1 && !ad->rx_csum)
			dev->features = features & ~(NETIF_F_CSUM_MASK | NETIF_F_RXCSUM);
	}
	if (large_send != ad->large_send) {
		rc2 = ibmveth_change_closed(dev, large_send, ibmveth_set_tso);
		if (rc2 && !ad->large_send)
			dev->features = features & ~NETIF_F_TSO_MASK;
	}
	return rc1 ? rc1 : rc2;
}

/* ---- MTU, MAC, multicast ------------------------------------------------------ */

/* ibmveth_change_mtu: activate pools up to the first that holds mtu + 22. */
static int ibmveth_change_mtu(struct netdev *dev, unsigned new_mtu)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	unsigned need = new_mtu + IBMVETH_BUFF_OH;
	unsigned i;
	for (i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++)
		if (need <= ad->rx_buff_pool[i].buff_size)
			break;
	if (i == IBMVETH_NUM_BUFF_POOLS)
		return -EINVAL;
	bool restart = ad->open;
	if (restart)
		ibmveth_close(dev);
	for (i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++) {
		ad->rx_buff_pool[i].active = true;
		if (need <= ad->rx_buff_pool[i].buff_size)
			break;
	}
	dev->mtu = new_mtu;
	return restart ? ibmveth_open(dev) : 0;
}

/* ibmveth_set_mac_addr. The kernel returns the hcall's rc as-is; illan maps a
 * refusal to -EIO (actions return -errno here). */
static int ibmveth_set_mac_address(struct netdev *dev, const uint8_t mac[6])
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	static const uint8_t zero[6];
	if ((mac[0] & 1) || memcmp(mac, zero, 6) == 0)
		return -EADDRNOTAVAIL;
	if (h_change_logical_lan_mac(ad->part, ad->ua, papr_mac_to_u64(mac)) != H_SUCCESS)
		return -EIO;
	memcpy(dev->mac, mac, 6);
	return 0;
}

/* ibmveth_set_multicast_list: errors are only logged by the kernel. */
static void ibmveth_set_rx_mode(struct netdev *dev)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	if (!ad->open)
		return;
	if (dev->promisc || dev->n_mc > ad->of.mcast_filter_size) {
		h_multicast_ctrl(ad->part, ad->ua,
				 IbmVethMcastEnableRecv | IbmVethMcastDisableFiltering, 0);
		return;
	}
	h_multicast_ctrl(ad->part, ad->ua,
			 IbmVethMcastEnableRecv | IbmVethMcastDisableFiltering |
				 IbmVethMcastClearFilterTable,
			 0);
	for (unsigned i = 0; i < dev->n_mc; i++)
		h_multicast_ctrl(ad->part, ad->ua, IbmVethMcastAddFilter,
				 papr_mac_to_u64(dev->mc_list[i]));
	h_multicast_ctrl(ad->part, ad->ua, IbmVethMcastEnableFiltering, 0);
}

/* ---- Transmit ------------------------------------------------------------------ */

/* ibmveth_send: H_BUSY retried up to 1024 times with the returned token;
 * H_SUCCESS and H_DROPPED count as sent. Returns true if sent. */
static bool ibmveth_send(struct ibmveth_adapter *ad, const uint64_t descs[PAPR_SEND_DESCS],
			 uint64_t mss)
{
	unsigned retry_count = IBMVETH_SEND_RETRIES;
	uint64_t token = 0;
	long rc;
	do {
		uint64_t next = 0;
		rc = h_send_logical_lan(ad->part, ad->ua, descs, token, &next,
					ad->stats.fw_enabled_large_send ? mss : 0);
		token = next;
	} while (rc == H_BUSY && retry_count--);
	return rc == H_SUCCESS || rc == H_DROPPED;
}

static void ibmveth_tx_done(struct netdev *dev, bool sent, uint32_t len)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	if (sent) {
		dev->stats.tx_packets++;
		dev->stats.tx_bytes += len;
	} else {
		ad->stats.tx_send_failed++;
		dev->stats.tx_dropped++;
	}
}

/* Network header of an outgoing frame: the stack's, or right after the
 * Ethernet header. Returns a pointer with at least need bytes in the linear
 * part, or NULL. */
static uint8_t *ibmveth_l3(const struct pkt *p, uint32_t need)
{
	uint32_t nh = p->network_header;
	if (nh == PKT_HDR_UNSET || nh < p->data)
		nh = p->data + ETH_HLEN;
	if (nh + need > p->data + pkt_headlen(p))
		return NULL;
	return p->head + nh;
}

/* Transport header of an outgoing frame: the stack's, or past an IPv4
 * header. As ibmveth_l3. */
static uint8_t *ibmveth_l4(const struct pkt *p, uint32_t need)
{
	uint32_t th = p->transport_header;
	if (th == PKT_HDR_UNSET || th < p->data) {
		const struct hdr_ip *iph = (const struct hdr_ip *)ibmveth_l3(p, IPV4_HLEN);
		if (!iph || hdr_ip_version(iph) != 4)
			return NULL;
		th = (uint32_t)((const uint8_t *)iph - p->head) + hdr_ip_hlen(iph);
	}
	if (th + need > p->data + pkt_headlen(p))
		return NULL;
	return p->head + th;
}

/*
 * Large send for a GSO packet, as ibmveth_start_xmit does it in every
 * generation: the MSS for the hcall when the firmware enabled large send,
 * else (IPv4 only) the old method: "-1 tells phyp it is a largesend packet",
 * 0xffff in the IP checksum and the MSS in the TCP one. Returns the MSS to
 * pass to H_SEND_LOGICAL_LAN (0 for the old method or none).
 */
static uint64_t ibmveth_large_send(struct ibmveth_adapter *ad, struct pkt *p)
{
	if (ad->stats.fw_enabled_large_send) {
		ad->stats.tx_large_packets++;
		return p->gso_size;
	}
	if (!(p->gso_type & PKT_GSO_TCPV6)) {
		struct hdr_ip *iph = (struct hdr_ip *)ibmveth_l3(p, IPV4_HLEN);
		struct hdr_tcp *th = (struct hdr_tcp *)ibmveth_l4(p, TCP_HLEN);
		if (iph && th) {
			hdr_put16(iph->check, 0xffff);
			hdr_put16(th->check, p->gso_size);
			ad->stats.tx_large_packets++;
		}
	}
	return 0;
}

/*
 * The v6.1+ transmit after the flags (d6832ca48d8a): large send as before
 * (mss, or the old method's 0xffff and MSS in the TCP field), then the
 * copy into the long-term buffer: refused when longer than the buffer
 * ("tx: packet size (%u) exceeds ltb (%u)") or when the bytes copied (the
 * linear part and the page fragments, never the frag_list) fall short of
 * the length, which is every frag_list packet ("tx: incorrect packet len
 * copied into ltb"); then one descriptor. Does not take p.
 */
static void ibmveth_tx_ltb(struct ibmveth_adapter *ad, struct pkt *p, uint32_t desc_flags,
			   uint64_t descs[PAPR_SEND_DESCS])
{
	struct netdev *dev = ad->netdev;
	uint64_t mss = 0;
	if (p->ip_summed == CHECKSUM_PARTIAL && pkt_is_gso(p))
		mss = ibmveth_large_send(ad, p);
	if (p->len > IBMVETH_MAX_TX_BUF_SIZE) {
		dev->stats.tx_dropped++;
		return;
	}
	uint32_t copied = pkt_headlen(p);
	memcpy(ad->bounce, pkt_data(p), copied);
	for (unsigned i = 0; i < p->nr_frags; i++) {
		const struct pkt *fr = p->frags[i];
		memcpy(ad->bounce + copied, pkt_data(fr), fr->len);
		copied += fr->len;
	}
	prof_copied(copied);
	if (copied != p->len) {
		ad->stats.tx_ltb_len_mismatch++;
		dev->stats.tx_dropped++;
		return;
	}
	descs[0] = papr_desc(desc_flags | p->len, (uint32_t)ad->mem[IBMVETH_MEM_BOUNCE].laddr);
	ibmveth_tx_done(dev, ibmveth_send(ad, descs, mss), p->len);
}

static enum netdev_tx ibmveth_start_xmit(struct netdev *dev, struct pkt *p);

/*
 * ibmveth_features_check (cc427d24ac64, current generation): a TSO packet
 * with an MSS under 224 is segmented in software ("MSS %u too small for
 * LSO, disabling GSO"), as validate_xmit_skb does when the driver takes
 * NETIF_F_GSO_MASK away; each segment then comes to start_xmit. Takes p.
 * Returns true if it took p.
 */
static bool ibmveth_features_check(struct netdev *dev, struct pkt *p)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	if (!ibmveth_gen_small_mss_sw_gso(ad) || !pkt_is_gso(p) || p->gso_size >= IBMVETH_MIN_LSO_MSS)
		return false;
	ad->stats.tx_small_mss_sw_gso++;
	uint32_t saved = dev->features;
	dev->features &= ~(NETIF_F_TSO_MASK | NETIF_F_FRAGLIST);
	struct pkt *list = netdev_validate_xmit(dev, p);
	dev->features = saved;
	while (list) {
		struct pkt *q = list;
		list = q->next;
		q->next = NULL;
		ibmveth_start_xmit(dev, q);
	}
	return true;
}

/*
 * ibmveth_start_xmit as each generation has it. Before v6.1 (v4.13..v6.0)
 * the linear part and each page fragment (skb_shinfo(skb)->nr_frags) are
 * DMA-mapped into up to six descriptors (linearized beyond five), small
 * frames go through the bounce buffer, the v5.5+ own-MAC drop applies; a
 * frag_list reaches the driver only on an active trunk advertising
 * NETIF_F_FRAGLIST (fix 4; validate_xmit linearizes or segments it for
 * every other device) and is linearized there. From v6.1 (d6832ca48d8a)
 * every frame is copied into the premapped long-term buffer (head and page
 * fragments, never the frag_list) and sent with one descriptor. Takes p.
 */
static enum netdev_tx ibmveth_start_xmit(struct netdev *dev, struct pkt *p)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	uint64_t descs[PAPR_SEND_DESCS];
	uint64_t mss = 0;
	bool force_bounce = false;
	bool ltb = ibmveth_gen_ltb_tx(ad);

	if (!ad->open || ad->crashed || pkt_headlen(p) < ETH_HLEN) {
		dev->stats.tx_dropped++; /* illan guard: queue stopped / runt / crashed */
		goto out;
	}
	if (ibmveth_features_check(dev, p))
		return NETDEV_TX_OK;
	/* ibmveth_is_packet_unsupported: "veth doesn't support loopback" */
	if (ibmveth_gen_drops_own_mac(ad) &&
	    memcmp(((const struct hdr_eth *)pkt_data(p))->h_dest, dev->mac, ETH_ALEN) == 0) {
		dev->stats.tx_dropped++;
		goto out;
	}
	/* Fix 4: "veth doesn't handle frag_list, so linearize the skb." Before
	 * v6.1. Without fix 4 a frag_list gets here only by a direct call (the
	 * kernel's descriptors would leave its bytes out): illan linearizes it
	 * too. From v6.1 nothing linearizes it: the copy below drops it. */
	if (!ltb && pkt_has_frag_list(p) && pkt_linearize(p) != 0) {
		dev->stats.tx_dropped++;
		goto out;
	}
	/* "veth handles a maximum of 6 segments including the header" */
	if (!ltb && p->nr_frags > PAPR_SEND_DESCS - 1 && pkt_linearize(p) != 0) {
		dev->stats.tx_dropped++;
		goto out;
	}
	/* skb->protocol */
	uint16_t protocol = hdr_get16(((const struct hdr_eth *)pkt_data(p))->h_proto);
	/* "veth can't checksum offload UDP" */
	if (p->ip_summed == CHECKSUM_PARTIAL && (protocol == ETH_P_IP || protocol == ETH_P_IPV6)) {
		const uint8_t *l3 = ibmveth_l3(p, protocol == ETH_P_IP ? IPV4_HLEN : IPV6_HLEN);
		uint8_t l4proto = !l3                    ? 0
				  : protocol == ETH_P_IP ? ((const struct hdr_ip *)l3)->protocol
							 : ((const struct hdr_ipv6 *)l3)->nexthdr;
		if (l4proto != IPPROTO_TCP_ && pkt_checksum_help(p) != 0) {
			dev->stats.tx_dropped++; /* "tx: failed to checksum packet" */
			goto out;
		}
	}

	uint32_t desc_flags = IBMVETH_BUF_VALID;
	bool lrg_any_gso = !ibmveth_fix(ad, IBMVETH_FIX_TRUNK_CSUM_PARTIAL);
	if (lrg_any_gso && pkt_is_gso(p) && ad->stats.fw_enabled_large_send)
		desc_flags |= IBMVETH_BUF_LRG_SND; /* before 66aa0678 */
	if (p->ip_summed == CHECKSUM_PARTIAL) {
		uint32_t field = p->csum_start + p->csum_offset;
		if (p->csum_start < p->data || field + 2 > p->data + pkt_headlen(p)) {
			dev->stats.tx_dropped++; /* illan guard: offsets outside the frame */
			goto out;
		}
		desc_flags |= IBMVETH_BUF_NO_CSUM | IBMVETH_BUF_CSUM_GOOD;
		p->head[field] = 0; /* "Need to zero out the checksum" */
		p->head[field + 1] = 0;
		if (!lrg_any_gso && pkt_is_gso(p) && ad->stats.fw_enabled_large_send)
			desc_flags |= IBMVETH_BUF_LRG_SND;
	}

	memset(descs, 0, sizeof(descs));
	if (ltb) {
		ibmveth_tx_ltb(ad, p, desc_flags, descs);
		goto out;
	}

retry_bounce:
	memset(descs, 0, sizeof(descs));
	if (force_bounce || (!pkt_is_nonlinear(p) && p->len < ad->params.tx_copybreak)) {
		/* The bounce buffer holds mtu + 22 bytes (kmalloc'd at open); the
		 * kernel would overrun it with a bigger forced bounce, illan drops. */
		if (p->len > ad->netdev->mtu + IBMVETH_BUFF_OH ||
		    pkt_copy_bits(p, 0, ad->bounce, p->len)) {
			dev->stats.tx_dropped++;
			goto out;
		}
		descs[0] =
			papr_desc(desc_flags | p->len, (uint32_t)ad->mem[IBMVETH_MEM_BOUNCE].laddr);
		ibmveth_tx_done(dev, ibmveth_send(ad, descs, 0), p->len);
		goto out;
	}

	uint64_t a = hv_lmem_addr(ad->part, pkt_data(p), pkt_headlen(p));
	if (a == UINT64_MAX || a > UINT32_MAX)
		goto map_failed;
	descs[0] = papr_desc(desc_flags | pkt_headlen(p), (uint32_t)a);
	/* "Map the frags": one descriptor per page fragment */
	for (unsigned i = 0; i < p->nr_frags; i++) {
		const struct pkt *fr = p->frags[i];
		a = hv_lmem_addr(ad->part, pkt_data(fr), fr->len);
		if (a == UINT64_MAX || a > UINT32_MAX)
			goto map_failed;
		descs[i + 1] = papr_desc(desc_flags | fr->len, (uint32_t)a);
	}

	if (pkt_is_gso(p) && (lrg_any_gso || p->ip_summed == CHECKSUM_PARTIAL))
		mss = ibmveth_large_send(ad, p);
	ibmveth_tx_done(dev, ibmveth_send(ad, descs, mss), p->len);
	goto out;

map_failed:
	/* "tx: unable to map xmit buffer" */
	ad->stats.tx_map_failed++;
	if (pkt_linearize(p) != 0) {
		dev->stats.tx_dropped++;
		goto out;
	}
	force_bounce = true;
	goto retry_bounce;

out:
	pkt_free(p);
	return NETDEV_TX_OK;
}

/* ---- Receive ------------------------------------------------------------------- */

/*
 * ibmveth_rx_mss_helper: gso fields for a large frame. frame is at the MAC
 * header (untagged IPv4/IPv6 only: skb->protocol after eth_type_trans), len
 * its length. Bounds are checked (the kernel trusts the frame).
 */
static void ibmveth_rx_mss_helper(struct pkt *p, uint16_t mss, bool lrg_pkt)
{
	uint8_t *f = pkt_data(p);
	uint32_t l3len = p->len - ETH_HLEN;
	uint8_t *l3 = f + ETH_HLEN;
	uint16_t proto = hdr_get16(((const struct hdr_eth *)f)->h_proto);
	uint32_t offset;

	if (proto == ETH_P_IP && l3len >= IPV4_HLEN &&
	    ((const struct hdr_ip *)l3)->protocol == IPPROTO_TCP_) {
		offset = hdr_ip_hlen((const struct hdr_ip *)l3);
		p->gso_type = PKT_GSO_TCPV4;
	} else if (proto == ETH_P_IPV6 && l3len >= IPV6_HLEN &&
		   ((const struct hdr_ipv6 *)l3)->nexthdr == IPPROTO_TCP_) {
		offset = IPV6_HLEN;
		p->gso_type = PKT_GSO_TCPV6;
	} else {
		return;
	}
	if (offset < IPV4_HLEN || l3len < offset + TCP_HLEN)
		return;
	struct hdr_tcp *th = (struct hdr_tcp *)(l3 + offset);
	if (lrg_pkt) {
		p->gso_size = mss;
	} else {
		p->gso_size = hdr_get16(th->check); /* the old method's MSS */
		hdr_put16(th->check, 0);
	}
	if (p->gso_size) {
		uint32_t hdr_len = offset + hdr_tcp_hlen(th);
		p->gso_segs = l3len > hdr_len
				      ? (uint16_t)((l3len - hdr_len + p->gso_size - 1) / p->gso_size)
				      : 0;
	}
}

/*
 * ibmveth_rx_csum_helper: rebuild an old-method IPv4 header checksum (every
 * generation; before 66aa0678 inline in the poll), then, for TCP, what the
 * generation does (see ibmveth_gen_rx_partial_on_zero_field):
 *  - v4.15, v5.10 (66aa0678): on an active trunk, whatever the field holds,
 *    recompute the pseudo-header seed (fix 3) and mark CHECKSUM_PARTIAL
 *    (fix 2); v4.13 has no such block;
 *  - v6.1 (7525de2516fb): a zero field goes up CHECKSUM_PARTIAL on any
 *    adapter, with the seed recomputed on an active trunk only;
 *  - current (51e7a66666e0): the seed is recomputed on any adapter too.
 * A frame the helper leaves alone stays CHECKSUM_UNNECESSARY.
 */
static void ibmveth_rx_csum_helper(struct ibmveth_adapter *ad, struct pkt *p)
{
	uint8_t *f = pkt_data(p);
	uint32_t l3len = p->len - ETH_HLEN;
	uint8_t *l3 = f + ETH_HLEN;
	uint16_t proto = hdr_get16(((const struct hdr_eth *)f)->h_proto);
	uint32_t iphlen;
	uint8_t l4proto;

	if (proto == ETH_P_IP && l3len >= IPV4_HLEN) {
		struct hdr_ip *iph = (struct hdr_ip *)l3;
		iphlen = hdr_ip_hlen(iph);
		if (iphlen < IPV4_HLEN || l3len < iphlen)
			return;
		if (hdr_get16(iph->check) == 0xffff) { /* the old large-send method */
			hdr_put16(iph->check, 0);
			uint16_t c = ip_fast_csum(l3, iphlen / 4);
			memcpy(iph->check, &c, 2);
		}
		l4proto = iph->protocol;
	} else if (proto == ETH_P_IPV6 && l3len >= IPV6_HLEN) {
		iphlen = IPV6_HLEN;
		l4proto = ((const struct hdr_ipv6 *)l3)->nexthdr;
	} else {
		return;
	}
	if (l4proto != IPPROTO_TCP_ || l3len < iphlen + TCP_HLEN)
		return;
	struct hdr_tcp *th = (struct hdr_tcp *)(l3 + iphlen);
	bool zero_field = th->check[0] == 0 && th->check[1] == 0;
	bool partial, seed;
	if (ibmveth_gen_rx_partial_on_zero_field(ad)) {
		partial = zero_field;
		seed = zero_field && (ad->is_active_trunk || ibmveth_gen_rx_seed_any_adapter(ad));
	} else {
		/* In 66aa0678 the recompute and skb_partial_csum_set sit in one
		 * block of the trunk receive helper that fix 2 introduces:
		 * without fix 2 there is no such block, so fix 3 alone changes
		 * nothing and the field stays as sent (the seed's issue 2: "TCP
		 * layer receives the packet with checksum value of 0 and with
		 * no checksum related flags"). */
		partial = ad->is_active_trunk && ibmveth_fix(ad, IBMVETH_FIX_TRUNK_CSUM_PARTIAL);
		seed = partial && ibmveth_fix(ad, IBMVETH_FIX_PSEUDO_CSUM);
	}
	if (seed) {
		uint32_t tcplen = l3len - iphlen;
		const struct hdr_ip *ip4 = (const struct hdr_ip *)l3;
		const struct hdr_ipv6 *ip6 = (const struct hdr_ipv6 *)l3;
		uint16_t c = proto == ETH_P_IP
				     ? (uint16_t)~csum_tcpudp_magic(ip4->saddr, ip4->daddr, tcplen,
								    IPPROTO_TCP_, 0)
				     : (uint16_t)~csum_ipv6_magic(ip6->saddr, ip6->daddr, tcplen,
								  IPPROTO_TCP_, 0);
		memcpy(th->check, &c, 2);
	}
	if (partial && pkt_partial_csum_set(p, ETH_HLEN + iphlen, TCP_CSUM_OFFSET))
		p->network_header = p->data + ETH_HLEN;
}

/* Header offsets of a received frame (eth_type_trans and what ip_rcv sets).
 * p->protocol is the protocol past in-band tags (illan: the bridge and the
 * stack parse tags themselves); the helpers look only at untagged frames. */
static void ibmveth_rx_set_headers(struct pkt *p)
{
	struct hdr_info h;
	p->mac_header = p->data;
	p->protocol = hdr_get16(((const struct hdr_eth *)pkt_data(p))->h_proto);
	p->network_header = p->data + ETH_HLEN;
	if (hdr_parse(pkt_data(p), p->len, &h) == 0) {
		p->protocol = h.ethertype;
		if (h.l3_off)
			p->network_header = p->data + h.l3_off;
		if (h.l4_off)
			p->transport_header = p->data + h.l4_off;
	}
}

/* One valid receive-queue entry. Returns false when the poll must stop
 * (a reset is scheduled). */
static bool ibmveth_rx_one(struct ibmveth_adapter *ad, unsigned pool, unsigned index)
{
	struct netdev *dev = ad->netdev;
	struct ibmveth_buff_pool *bp = &ad->rx_buff_pool[pool];
	struct papr_rxq_entry *e = &ad->rxq[ad->rxq_index];
	uint32_t flags = hdr_get32(e->flags_off);
	uint32_t length = hdr_get32(e->length);
	uint32_t offset = flags & IBMVETH_RXQ_OFF_MASK;
	bool csum_good = flags & IBMVETH_RXQ_CSUM_GOOD;
	bool lrg_pkt = flags & IBMVETH_RXQ_LRG_PKT;
	struct pkt *p = bp->skbuff[index];
	uint16_t mss = 0;

	if (length < ETH_HLEN || (uint64_t)offset + length > bp->buff_size) {
		ad->stats.rx_bad_frame++; /* illan: the kernel trusts these */
		dev->stats.rx_errors++;
		ibmveth_rxq_recycle_buffer(ad, pool, index);
		return true;
	}
	/* "the mss will be written by PHYP eight bytes from the start":
	 * (u16)be64_to_cpu at buffer + 8 */
	if (lrg_pkt)
		mss = (uint16_t)hdr_get64(p->head + IBMVETH_RX_LRG_MSS_OFFSET);

	struct pkt *np = NULL;
	if (length < ad->params.rx_copybreak)
		np = pkt_alloc(dev->pool, length, PKT_HEADROOM);
	if (np) {
		memcpy(pkt_put(np, length), p->head + offset, length);
		prof_copied(length);
		ibmveth_rxq_recycle_buffer(ad, pool, index);
		p = np;
	} else {
		ibmveth_rxq_harvest_buffer(ad, pool, index);
		pkt_reset_meta(p);
		p->data = offset;
		p->len = 0;
		p->data_len = 0;
		pkt_put(p, length);
	}
	ibmveth_rx_set_headers(p);

	const uint8_t *f = pkt_data(p);
	uint16_t proto = hdr_get16(((const struct hdr_eth *)f)->h_proto);
	uint16_t iph_check = 0;
	if (proto == ETH_P_IP && length >= ETH_HLEN + IPV4_HLEN)
		iph_check = hdr_get16(((const struct hdr_ip *)(f + ETH_HLEN))->check);
	/* Before 5ce9ad815a29 the csum helper ran first (and on a trunk could
	 * overwrite the old method's MSS in tcp->check). */
	bool csum_first = !ibmveth_gen_mss_helper_first(ad);
	if (csum_good && csum_first) {
		p->ip_summed = CHECKSUM_UNNECESSARY;
		ibmveth_rx_csum_helper(ad, p);
	}
	/* Large if longer than the MTU; since 413f142cc05c also if LRG_PKT or
	 * the old method's IP checksum 0xffff (read before any helper ran). */
	bool large = length > dev->mtu + ETH_HLEN;
	if (ibmveth_gen_lrg_by_flag(ad))
		large = large || lrg_pkt || iph_check == 0xffff;
	if (large) {
		ibmveth_rx_mss_helper(p, mss, lrg_pkt);
		ad->stats.rx_large_packets++;
	}
	if (csum_good && !csum_first) {
		p->ip_summed = CHECKSUM_UNNECESSARY;
		ibmveth_rx_csum_helper(ad, p);
	}
	pkt_trace(p, "ibmveth_rx");
	/* napi_gro_receive(napi, skb), as every ibmveth_poll since GRO came
	 * to the driver; with GRO turned off, what is held goes first. */
	if (dev->features & NETIF_F_GRO) {
		gro_receive(&ad->gro, p);
	} else {
		gro_flush(&ad->gro);
		netdev_receive(dev, p);
	}
	return true;
}

static void ibmveth_gro_deliver(void *arg, struct pkt *p)
{
	struct ibmveth_adapter *ad = arg;
	netdev_receive(ad->netdev, p);
}

/* ibmveth_poll: up to IBMVETH_NAPI_WEIGHT frames, replenish, re-arm. */
static void ibmveth_poll(struct ev_task *t)
{
	struct ibmveth_adapter *ad = IBMVETH_CONTAINER(t, struct ibmveth_adapter, napi);
	unsigned frames_processed = 0;

	if (!ad->open || !ad->napi_enabled)
		return;
	gro_set_time(&ad->gro, ev_now(ad->loop));
	while (frames_processed < IBMVETH_NAPI_WEIGHT) {
		if (!ibmveth_rxq_pending_buffer(ad))
			break;
		unsigned pool, index;
		if (!ibmveth_decode_correlator(ad, ibmveth_rxq_correlator(ad), &pool, &index)) {
			/* WARN_ON + schedule_work(reset); the poll stops */
			ad->stats.rx_bad_correlator++;
			ad->napi_scheduled = false;
			ibmveth_unexpected(ad);
			return;
		}
		if (!(ibmveth_rxq_flags(ad) & IBMVETH_RXQ_VALID)) {
			ad->stats.rx_invalid_buffer++;
			ibmveth_rxq_recycle_buffer(ad, pool, index);
			continue;
		}
		ibmveth_rx_one(ad, pool, index);
		frames_processed++;
		if (!ad->open)
			return; /* the stack closed us from its rx handler */
	}

	ibmveth_replenish_task(ad);

	if (frames_processed < IBMVETH_NAPI_WEIGHT) {
		/* napi_complete_done: GRO flushes (the device keeps the kernel's
		 * gro_flush_timeout 0, so everything held goes up now) */
		gro_napi_complete(&ad->gro, frames_processed, NULL);
		ad->napi_scheduled = false;
		if (h_vio_signal(ad->part, ad->ua, VIO_IRQ_ENABLE) != H_SUCCESS) {
			ad->stats.irq_errors++; /* WARN_ON + reset since 2c91e2319ed9 */
			ibmveth_unexpected(ad);
			return;
		}
		if (ibmveth_rxq_pending_buffer(ad)) {
			h_vio_signal(ad->part, ad->ua, VIO_IRQ_DISABLE);
			ad->napi_scheduled = true;
			ev_task_schedule(ad->loop, &ad->napi);
		}
	} else {
		/* budget used: poll again; net_rx_action flushes GRO (HZ < 1000) */
		gro_flush(&ad->gro);
		ev_task_schedule(ad->loop, &ad->napi);
	}
}

/* ibmveth_interrupt: called by the hypervisor from inside a sender's hcall. */
static void ibmveth_interrupt(void *arg)
{
	struct ibmveth_adapter *ad = arg;
	if (!ad->napi_enabled || ad->napi_scheduled)
		return;
	h_vio_signal(ad->part, ad->ua, VIO_IRQ_DISABLE);
	ad->napi_scheduled = true;
	ev_task_schedule(ad->loop, &ad->napi);
}

/* ---- Probe / remove ------------------------------------------------------------ */

static void ibmveth_destroy(struct netdev *dev)
{
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	ibmveth_close(dev);
	ev_task_cancel(ad->loop, &ad->napi);
	ev_task_cancel(ad->loop, &ad->reset_task);
	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++) {
		free(ad->rx_buff_pool[i].free_map);
		free(ad->rx_buff_pool[i].skbuff);
		free(ad->rx_buff_pool[i].laddr);
	}
	if (dev->pool)
		pkt_pool_destroy(dev->pool);
	dev->pool = NULL;
}

static const struct netdev_ops ibmveth_netdev_ops = {
	.open = ibmveth_open,
	.stop = ibmveth_close,
	.start_xmit = ibmveth_start_xmit,
	.set_features = ibmveth_set_features,
	.change_mtu = ibmveth_change_mtu,
	.set_mac_address = ibmveth_set_mac_address,
	.set_rx_mode = ibmveth_set_rx_mode,
	.destroy = ibmveth_destroy,
	.fix_features = ibmveth_fix_features,
	.tx_prof = &ibmveth_tx_prof,
};

/* ibmveth_create: see ibmveth.h. As ibmveth_probe. */
struct netdev *ibmveth_create(const char *name, struct hv_partition *part, uint64_t ua,
			      const struct ibmveth_of_node *of, struct ev_loop *loop,
			      const struct ibmveth_params *params)
{
	if (!name || !part || !ua || !of || !loop || netdev_by_name(name))
		return NULL;
	struct netdev *dev = netdev_alloc(name, sizeof(struct ibmveth_adapter));
	if (!dev)
		return NULL;
	struct ibmveth_adapter *ad = ibmveth_priv(dev);
	ad->netdev = dev;
	ad->part = part;
	ad->ua = ua;
	ad->loop = loop;
	ad->of = *of;
	if (params)
		ad->params = *params;
	else
		ibmveth_params_default(&ad->params);
	ev_task_init(&ad->napi, ibmveth_poll);
	ev_task_set_prof(&ad->napi, &ibmveth_rx_prof);
	gro_init(&ad->gro, ibmveth_gro_deliver, ad);
	ev_task_init(&ad->reset_task, ibmveth_reset);
	dev->ops = &ibmveth_netdev_ops;

	for (unsigned i = 0; i < IBMVETH_NUM_BUFF_POOLS; i++) {
		struct ibmveth_buff_pool *bp = &ad->rx_buff_pool[i];
		ibmveth_init_buffer_pool(bp, i, ibmveth_pools[i].count, ibmveth_pools[i].buff_size,
					 ibmveth_pools[i].active);
		bp->free_map = calloc(bp->size, sizeof(*bp->free_map));
		bp->skbuff = calloc(bp->size, sizeof(*bp->skbuff));
		bp->laddr = calloc(bp->size, sizeof(*bp->laddr));
		if (!bp->free_map || !bp->skbuff || !bp->laddr)
			goto fail;
	}
	if (ibmveth_carve_regions(ad) != 0)
		goto fail;
	struct pkt_pool_class classes[IBMVETH_NUM_BUFF_POOLS];
	ibmveth_pool_classes(classes);
	const struct ibmveth_mem *pm = &ad->mem[IBMVETH_MEM_POOL];
	dev->pool = pkt_pool_create(name, classes, IBMVETH_NUM_BUFF_POOLS, pm->ptr, pm->size);
	if (!dev->pool)
		goto fail;

	/* features, as ibmveth_probe */
	dev->hw_features = NETIF_F_SG;
	if (of->illan_options)
		dev->hw_features |= NETIF_F_IP_CSUM | NETIF_F_IPV6_CSUM | NETIF_F_RXCSUM;
	dev->features = dev->hw_features;
	uint64_t attr = 0;
	long ret = h_illan_attributes(part, ua, 0, 0, &attr);
	if (ret == H_SUCCESS)
		ad->attrs = attr;
	if (ret == H_SUCCESS && (attr & IBMVETH_ILLAN_LRG_SND_SUPPORT) && !ad->params.old_large_send) {
		dev->hw_features |= NETIF_F_TSO | NETIF_F_TSO6;
		dev->features |= dev->hw_features;
	} else {
		dev->hw_features |= NETIF_F_TSO;
	}
	ad->rx_buffers_per_hcall = 1;
	if (ret == H_SUCCESS && (attr & IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT) &&
	    ibmveth_gen_rx_multi_buff(ad))
		ad->rx_buffers_per_hcall = IBMVETH_MAX_RX_PER_HCALL;
	if (ret == H_SUCCESS && (attr & IBMVETH_ILLAN_ACTIVE_TRUNK)) {
		ad->is_active_trunk = true;
		if (ibmveth_fix(ad, IBMVETH_FIX_FRAGLIST_LINEARIZE)) {
			dev->hw_features |= NETIF_F_FRAGLIST;
			dev->features |= NETIF_F_FRAGLIST;
		}
	}
	dev->min_mtu = IBMVETH_MIN_MTU;
	dev->max_mtu = ibmveth_gen_max_mtu(ad);
	memcpy(dev->mac, of->mac, ETH_ALEN);
	if (netdev_add_counter_set(dev, &ibmveth_counters, &ad->stats) != 0 ||
	    netdev_add_counter_set(dev, &gro_counters, &ad->gro.stats) != 0)
		goto fail;

	ibmveth_set_features(dev, dev->features);
	if (netdev_register(dev) != 0)
		goto fail;
	return dev;

fail:
	/* partition memory already carved stays carved (a bump allocator) */
	netdev_free(dev);
	return NULL;
}

/* ---- Introspection ------------------------------------------------------------- */

/* ibmveth_is_ibmveth: see ibmveth.h. */
bool ibmveth_is_ibmveth(const struct netdev *dev)
{
	return dev && dev->ops == &ibmveth_netdev_ops;
}

/* ibmveth_get_pool_info: see ibmveth.h. */
int ibmveth_get_pool_info(const struct netdev *dev, unsigned pool, struct ibmveth_pool_info *info)
{
	if (!ibmveth_is_ibmveth(dev) || pool >= IBMVETH_NUM_BUFF_POOLS || !info)
		return -EINVAL;
	const struct ibmveth_buff_pool *bp = &ibmveth_priv(dev)->rx_buff_pool[pool];
	*info = (struct ibmveth_pool_info){bp->size, bp->buff_size, bp->threshold, bp->available,
					   bp->active};
	return 0;
}

/* ibmveth_pool_buffer_laddr: see ibmveth.h. */
uint64_t ibmveth_pool_buffer_laddr(const struct netdev *dev, unsigned pool, unsigned index)
{
	if (!ibmveth_is_ibmveth(dev) || pool >= IBMVETH_NUM_BUFF_POOLS)
		return UINT64_MAX;
	const struct ibmveth_buff_pool *bp = &ibmveth_priv(dev)->rx_buff_pool[pool];
	if (index >= bp->size || !bp->skbuff[index])
		return UINT64_MAX;
	return bp->laddr[index];
}

/* ibmveth_rxq_state: see ibmveth.h. */
int ibmveth_rxq_state(const struct netdev *dev, uint64_t *laddr, unsigned *index, unsigned *n_slots)
{
	if (!ibmveth_is_ibmveth(dev))
		return -EINVAL;
	const struct ibmveth_adapter *ad = ibmveth_priv(dev);
	if (laddr)
		*laddr = ad->mem[IBMVETH_MEM_RXQ].laddr;
	if (index)
		*index = ad->rxq_index;
	if (n_slots)
		*n_slots = ad->rxq_num_slots;
	return 0;
}

/* ibmveth_rx_buffers_per_hcall: see ibmveth.h. */
unsigned ibmveth_rx_buffers_per_hcall(const struct netdev *dev)
{
	return ibmveth_is_ibmveth(dev) ? ibmveth_priv(dev)->rx_buffers_per_hcall : 0;
}

/* ibmveth_is_active_trunk: see ibmveth.h. */
bool ibmveth_is_active_trunk(const struct netdev *dev)
{
	return ibmveth_is_ibmveth(dev) && ibmveth_priv(dev)->is_active_trunk;
}

/* ibmveth_illan_attributes: see ibmveth.h. */
uint64_t ibmveth_illan_attributes(const struct netdev *dev)
{
	return ibmveth_is_ibmveth(dev) ? ibmveth_priv(dev)->attrs : 0;
}

/* ibmveth_get_params: see ibmveth.h. */
const struct ibmveth_params *ibmveth_get_params(const struct netdev *dev)
{
	return ibmveth_is_ibmveth(dev) ? &ibmveth_priv(dev)->params : NULL;
}
