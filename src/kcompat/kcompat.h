/*
 * kcompat.h — the kernel-API compatibility layer: runs an unmodified Linux
 * network driver (ibmveth.c of a kernel tree, compiled against the headers
 * in src/kcompat/include) in user space, one instance per ILLAN adapter, on
 * illan's hypervisor, netdev and event loop.
 *
 * Serves src/drv/kibmveth (which picks a compiled driver by kernel version
 * and probes it for an adapter) and the layer's tests. What the layer maps
 * and leaves out is docs/kcompat.md.
 *
 * The two worlds. A driver's translation unit sees only kernel names (the
 * kernel-API headers); the layer's own files see illan's headers and
 * kc/kstructs.h, the kernel structures both share. A struct sk_buff is a
 * view of an illan struct pkt (same bytes, metadata carried across at the
 * boundaries); a struct net_device stands beside an illan struct netdev
 * whose ops call the driver's net_device_ops; a napi_struct's poll is an
 * event-loop task; the adapter's interrupt is the hypervisor's irq handler.
 *
 * Memory. Each instance owns one region of its partition's logical memory
 * (kc_lmem_needed bytes, taken at probe with hv_lmem_alloc, the partition's
 * bump allocator, so it is never returned): a kc_heap for everything the
 * driver allocates (kmalloc, pages, coherent DMA) and the packet pool its
 * skbs come from (also dev->pool of the netdev, for the partition's stack).
 * DMA addresses are the logical addresses (an identity-mapped IOMMU), 32
 * bits, checked against the partition.
 *
 * Context. hcalls do not name their caller: every entry into a driver
 * (probe, remove, each net_device_ops call, the NAPI poll, the interrupt,
 * sysfs and ethtool) goes through kc_call, which keeps the instance — hence
 * the partition — current until it returns, nesting when the interrupt of
 * another partition's driver runs inside this one's H_SEND_LOGICAL_LAN.
 *
 * Faults. A BUG in the driver (BUG_ON, skb_over_panic) or a fault it takes
 * (SIGSEGV/SIGBUS while its own code runs) is an oops of that instance:
 * the layer unwinds to the entry, counts it (oopses), logs it and stops the
 * instance — every later entry is refused and counted — and illan goes on.
 * Removing an oopsed or leaking instance reclaims its skbs, memory and DMA
 * mappings and counts what the driver left behind.
 */
#ifndef ILLAN_KCOMPAT_H
#define ILLAN_KCOMPAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev/counter.h"
#include "ev/ev.h"
#include "hv/hv.h"
#include "net/netdev.h"

struct kc_module; /* one compiled driver (kc/kstructs.h) */
struct kc_dev;    /* one driver instance: one adapter */

/*
 * The adapter as the partition's firmware describes it (the device-tree
 * node vio_get_attribute reads) and the instance's own settings.
 */
struct kc_vio_config {
	uint8_t mac[6];             /* "local-mac-address" */
	bool mac_8_bytes;           /* an old pHyp's 8-byte property (MAC in the last 6) */
	unsigned mcast_filter_size; /* "ibm,mac-address-filters" */
	bool illan_options;         /* "ibm,illan-options" present (checksum offload offered) */
	unsigned n_cpus;            /* num_online_cpus() the driver sees; 0 means 1 */
	size_t heap_size;           /* the instance's kernel memory; 0: KC_HEAP_DEFAULT */
};

#define KC_HEAP_DEFAULT (2u << 20)
#define KC_LOG_LINES 64 /* log lines kept per instance (older ones roll off) */
#define KC_LOG_LINE_MAX 200

/*
 * Counters per instance (ev/counter.h), also registered as netdev
 * counters beside the driver's own ethtool -S names. Append only.
 */
#define KC_DEV_COUNTERS(X, T)                                                              \
	/* BUGs and faults of the driver: each stops the instance */                       \
	X(T, oopses, "the kernel driver hit a BUG or a fault and stopped", 0)              \
	/* packets handed to an instance stopped by an oops (dropped) */                   \
	X(T, tx_dead, "sent to a kernel driver stopped by an oops", 0)                     \
	/* packets for a transmit queue the driver had stopped (no qdisc holds them) */    \
	X(T, tx_queue_stopped, "sent while the driver's transmit queue was stopped", 0)    \
	/* NETDEV_TX_BUSY answers (no qdisc to requeue to: dropped) */                     \
	X(T, tx_busy, "the driver answered NETDEV_TX_BUSY", 0)                             \
	/* packets software-segmented or checksummed because ndo_features_check          \
	 * took an offload away for them */ \
	X(T, tx_features_check_sw, NULL, 0)                                                \
	/* interrupts and polls refused after an oops */                                   \
	X(T, entries_refused, NULL, 0)                                                     \
	/* hcalls the driver made, and those that returned other than H_SUCCESS */         \
	X(T, hcalls, NULL, 0)                                                              \
	X(T, hcall_errors, NULL, 0)                                                        \
	/* streaming DMA mappings made, refused (outside the partition or above          \
	 * 4 GiB), unmapped without a mapping, and addresses injected as bad */ \
	X(T, dma_maps, NULL, 0)                                                            \
	X(T, dma_map_errors, NULL, 0)                                                      \
	X(T, dma_bad_unmaps, NULL, 0)                                                      \
	X(T, dma_faults_injected, NULL, 0)                                                 \
	/* kernel allocations that failed, frees of memory not allocated */                \
	X(T, alloc_failures, NULL, 0)                                                      \
	X(T, bad_frees, NULL, 0)                                                           \
	/* skbs the driver freed with kfree_skb / dev_kfree_skb_any (the kernel's        \
	 * drop monitor counts these) */ \
	X(T, skb_kfree, NULL, 0)                                                           \
	/* skbs allocated: none left means the pool ran dry (replenish_no_mem) */          \
	X(T, skb_alloc_failures, NULL, 0)                                                  \
	/* what a remove left behind (reclaimed by the layer) */                           \
	X(T, leaked_skbs, NULL, 0)                                                         \
	X(T, leaked_allocs, NULL, 0)                                                       \
	X(T, leaked_dma_maps, NULL, 0)                                                     \
	/* the driver's log lines by level, and WARN_ONs */                                \
	X(T, log_errors, NULL, 0)                                                          \
	X(T, log_warnings, NULL, 0)                                                        \
	X(T, warns, NULL, 0)

struct kc_dev_stats {
	KC_DEV_COUNTERS(COUNTER_FIELD, _)
};
extern const struct counter_set kc_dev_counters;

/* ---- Modules ------------------------------------------------------------- */

/* Run the module's init (module_init) once: it registers its VIO driver.
 * Returns 0 (also when already loaded) or a negative errno with a message
 * in err (may be NULL). */
int kc_module_load(struct kc_module *mod, char *err, size_t err_size);
/* The kernel version the module was built from (-DKC_MODULE_TAG), or "". */
const char *kc_module_tag(const struct kc_module *mod);
/* Set a module parameter (module_param) from text, as writing
 * /sys/module/<name>/parameters/<param>: module-wide, every instance of
 * that module sees it. Returns 0, -ENOENT (no such parameter), -EINVAL
 * (not a value of its type), -EPERM (read-only, 0444, and the module is
 * loaded: give it before the first probe, as on insmod's command line). */
int kc_module_param_set(struct kc_module *mod, const char *name, const char *value);
/* The parameter's value as text. Returns 0 or -ENOENT. */
int kc_module_param_get(const struct kc_module *mod, const char *name, char *buf, size_t size);

/* ---- Instances ------------------------------------------------------------ */

/* Logical memory one instance takes from its partition with cfg (NULL:
 * defaults): its heap, its packet pool, alignment slack. */
size_t kc_lmem_needed(const struct kc_vio_config *cfg);

/*
 * Probe: load mod if needed, take the instance's memory from part, build
 * the VIO device of adapter ua from cfg and call the module's VIO driver
 * probe, which registers a net_device: that becomes an illan netdev named
 * name (unique), down, whose events run on loop. Returns the instance, or
 * NULL with the reason in err (no driver registered, no memory, the probe
 * failed: the driver's log says why, and is copied into err).
 * Tear down with netdev_free(kc_dev_netdev(kd)): that runs the driver's
 * remove and reclaims the instance.
 */
struct kc_dev *kc_dev_probe(struct kc_module *mod, const char *name, struct hv_partition *part,
			    uint64_t ua, struct ev_loop *loop, const struct kc_vio_config *cfg,
			    char *err, size_t err_size);
/* The instance's netdev. */
struct netdev *kc_dev_netdev(const struct kc_dev *kd);
/* The instance behind a netdev, or NULL when dev is not a kcompat device. */
struct kc_dev *kc_dev_of(const struct netdev *dev);
/* The module it runs. */
struct kc_module *kc_dev_module(const struct kc_dev *kd);
/* True once an oops stopped it; why (may be NULL) gets the BUG line. */
bool kc_dev_dead(const struct kc_dev *kd, const char **why);
void kc_dev_get_stats(const struct kc_dev *kd, struct kc_dev_stats *st);
/* The counters of every instance removed so far, summed (what a remove
 * found left behind is counted into its instance's last). */
void kc_removed_stats(struct kc_dev_stats *st);

/* Kernel memory of the instance (kc_heap.h stats). */
struct kc_heap_stats;
void kc_dev_heap_stats(const struct kc_dev *kd, struct kc_heap_stats *st);
/* Live streaming DMA mappings and coherent allocations. */
unsigned kc_dev_dma_live(const struct kc_dev *kd, unsigned *coherent);
/* Visit every live mapping: its I/O address, size and whether coherent. */
void kc_dev_dma_each(const struct kc_dev *kd,
		     void (*fn)(void *arg, uint64_t addr, size_t size, bool coherent), void *arg);
/* The i-th live coherent allocation (in the order made): logical address and
 * size. Returns 0 or -ENOENT. (Tests find ibmveth's receive queue so.) */
int kc_dev_coherent(const struct kc_dev *kd, unsigned i, uint64_t *laddr, size_t *size);
/* Skbs the driver holds now. */
unsigned kc_dev_skbs_live(const struct kc_dev *kd);
/* Make the next n streaming mappings return an address outside the
 * partition's memory (as a stale TCE would): the hypervisor refuses the
 * hcall that names it. n = 0 clears. */
void kc_dev_dma_fault(struct kc_dev *kd, unsigned n);

/* The driver's log lines, oldest first (at most KC_LOG_LINES kept): fn gets
 * the kernel log level (0 emerg .. 7 debug) and the line without its
 * newline. Debug lines are kept only with ILLAN_KLOG=debug. ILLAN_KLOG set
 * to anything also copies every line to stderr. */
void kc_dev_log_each(const struct kc_dev *kd, void (*fn)(void *arg, int level, const char *line),
		     void *arg);
/* Lines logged since probe (including those rolled off). */
uint64_t kc_dev_log_count(const struct kc_dev *kd);

/* ---- sysfs and ethtool ---------------------------------------------------- */

/* Write or read an attribute of a kobject the driver added under its VIO
 * device, by path ("pool2/active"): ibmveth's buffer-pool settings. A write
 * is value as a string (it runs the driver's store, which may close and
 * reopen the adapter). Returns bytes as the driver's store/show do, or a
 * negative errno (-ENOENT: no such attribute). */
long kc_sysfs_store(struct kc_dev *kd, const char *path, const char *value);
long kc_sysfs_show(struct kc_dev *kd, const char *path, char *buf, size_t size);

/* ethtool -l / -L (transmit channels), -i (driver, version). Return 0 or
 * a negative errno (-EOPNOTSUPP: the driver has no such op). */
int kc_ethtool_get_channels(struct kc_dev *kd, unsigned *tx, unsigned *max_tx);
int kc_ethtool_set_channels(struct kc_dev *kd, unsigned tx);
int kc_ethtool_drvinfo(struct kc_dev *kd, char *driver, char *version, size_t size);

#endif
