/*
 * kc_int.h — what the files of the compatibility layer share and no one
 * else sees: the instance (struct kc_dev), the entry guard (kc_call), and
 * the functions one file offers the others.
 *
 * Serves kc_core.c (context, faults, logs, modules, hcalls), kc_mem.c
 * (kernel memory, DMA), kc_skb.c (socket buffers), kc_net.c (net_device,
 * NAPI, the illan netdev ops) and kc_vio.c (the VIO bus, probe/remove,
 * interrupts, sysfs, ethtool).
 */
#ifndef ILLAN_KC_INT_H
#define ILLAN_KC_INT_H

#include <setjmp.h>

#include "kcompat/include/kc/kstructs.h"
#include "kcompat/kc_heap.h"
#include "kcompat/kcompat.h"
#include "pkt/gro.h"
#include "pkt/pkt.h"

#define KC_MAX_KOBJS 16
#define KC_MAX_ESTATS 64

/* Size classes of an instance's packet pool: rx_copybreak copies and small
 * frames, then ibmveth's five buffer sizes, each with the NET_SKB_PAD
 * headroom netdev_alloc_skb reserves; twice each pool's default count, so
 * the partition's stack and the packets handed up have buffers besides
 * those posted to the hypervisor (as illan's ibmveth model sizes its pool). */
#define KC_POOL_CLASSES 6

struct kc_log_line {
	int level;
	char text[KC_LOG_LINE_MAX];
};

/* A streaming or coherent DMA mapping (by address; refs counts the same
 * address mapped more than once). */
struct kc_dma_map {
	uint64_t addr;
	uint32_t size;
	uint32_t refs;
	bool coherent;
	uint64_t seq; /* order made (coherent allocations are listed so) */
};

struct kc_napi;

struct kc_dev {
	struct kc_dev *next_dev; /* every instance (interrupt and fault lookups) */
	char name[NETDEV_NAME_MAX];
	struct kc_module *mod;
	struct hv_partition *part;
	uint64_t ua;
	struct ev_loop *loop;
	struct kc_vio_config cfg;
	unsigned id;

	/* memory: the region, its heap, the packet pool */
	uint64_t region_laddr;
	size_t region_size;
	struct kc_heap *heap;
	struct pkt_pool *pool;

	/* DMA mappings: open addressing by address, tombstones */
	struct kc_dma_map *maps;
	size_t maps_cap, maps_used, maps_live;
	uint64_t map_seq;
	unsigned dma_fault_n;

	/* the kernel objects */
	char bus_id[16];
	struct vio_dev vdev;
	uint8_t prop_mac[8];
	uint32_t prop_filters; /* be32, as the device tree stores it */
	struct net_device *kdev;
	struct netdev *ndev;
	bool registered;
	bool removing;
	irqreturn_t (*irq_handler)(int irq, void *dev_id);
	void *irq_dev_id;
	struct kc_napi *napis;
	/* napi_gro_receive's state (one per device: ibmveth has one NAPI),
	 * flushed by napi_complete_done */
	struct gro_ctx gro;
	struct netdev_hw_addr mc_nodes[NETDEV_MAX_MC];
	struct kobject *kobjs[KC_MAX_KOBJS];
	unsigned n_kobjs;

	/* skbs the driver holds */
	struct sk_buff *live_skbs;
	unsigned n_live_skbs;

	/* ethtool -S, read after every entry */
	unsigned n_estats;
	char estat_names[KC_MAX_ESTATS][KC_ETH_GSTRING_LEN];
	uint64_t estats[KC_MAX_ESTATS];
	struct counter_desc estat_descs[KC_MAX_ESTATS]; /* the set over estats (kc_net_counters) */
	struct counter_set estat_set;

	struct kc_dev_stats st;
	struct net_device_stats kstats_seen; /* kernel stats already added to illan's */

	struct kc_log_line log[KC_LOG_LINES];
	unsigned log_head;
	uint64_t log_count;

	bool dead;
	char oops[KC_LOG_LINE_MAX];
};

/* ---- kc_core.c ------------------------------------------------------------ */

/* The instance whose driver code is running (NULL outside any). */
struct kc_dev *kc_cur(void);
/* Every instance (a list through next_dev). */
struct kc_dev *kc_devs(void);
void kc_dev_link(struct kc_dev *kd);
void kc_dev_unlink(struct kc_dev *kd);

/*
 * Enter the driver: run fn(kd, arg) with kd current. An oops inside (BUG,
 * skb panic, SIGSEGV/SIGBUS in the driver's own code) unwinds here: kd is
 * marked dead and if_dead returned. A dead kd is not entered at all (its
 * entries_refused counted) and if_dead returned. kd may be NULL for module
 * init/exit. After fn the kernel's net_device stats are carried into the
 * netdev's and the ethtool stats refreshed.
 */
long kc_call(struct kc_dev *kd, long (*fn)(struct kc_dev *kd, void *arg), void *arg, long if_dead);

/* Mark the current frame as running host (illan) code, not driver code,
 * around calls out of the driver (hcalls, packets handed up): a fault there
 * is illan's, not the driver's. */
void kc_host_enter(void);
void kc_host_exit(void);

/* Add a line to kd's log (kd NULL: stderr only with ILLAN_KLOG). */
void kc_log(struct kc_dev *kd, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Oops the current instance with a message (does not return). */
__attribute__((noreturn)) void kc_oops(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- kc_mem.c ------------------------------------------------------------- */

/* Take the region and build the heap and the pool. Returns 0 or -ENOMEM. */
int kc_mem_init(struct kc_dev *kd);
/* Reclaim everything the driver left (counted in leaked_*), then free the
 * bookkeeping; the region stays in the partition. */
void kc_mem_fini(struct kc_dev *kd);
size_t kc_pool_mem_needed(void);

/* ---- kc_skb.c ------------------------------------------------------------- */

/* Wrap p (taken) as an skb held by kd for transmit on kdev: data, lengths,
 * headers, offload state carried over; page fragments (of p and of each
 * frag_list member) are pulled into that packet's linear part first, the
 * layer maps no pages; the frag_list stays. NULL
 * (p freed) without memory. */
struct sk_buff *kc_skb_from_pkt(struct kc_dev *kd, struct pkt *p, struct net_device *kdev);
/* Carry skb's metadata back to its pkt and free the wrapper: the pkt is the
 * caller's, data at the MAC header. */
struct pkt *kc_skb_to_pkt(struct sk_buff *skb);
/* Free a wrapper whose pkt has gone elsewhere (or is freed by the caller). */
void kc_skb_release(struct sk_buff *skb);
/* Free every skb kd still holds (and their pkts); returns how many. */
unsigned kc_skb_reclaim(struct kc_dev *kd);
/* Free the wrapper cache. */
void kc_skb_cache_trim(void);

/* ---- kc_net.c ------------------------------------------------------------- */

/* Carry the kernel stats into the netdev's and refresh ethtool -S. */
void kc_net_sync(struct kc_dev *kd);
/* Register the netdev of kd->kdev (register_netdev). */
int kc_net_register(struct kc_dev *kd);
/* Cancel and free kd's NAPI tasks. */
void kc_net_napi_fini(struct kc_dev *kd);
/* The netdev ops of every kcompat device. */
extern const struct netdev_ops kc_netdev_ops;

#endif
