/*
 * ibmveth.h — the IBM Power Virtual Ethernet driver (drivers/net/ethernet/
 * ibm/ibmveth.c) as a netdev, in the generations it really shipped in
 * (enum ibmveth_gen): v4.13 before the seed, v4.15 with the seed commit
 * 66aa0678 "ibmveth: Support to enable LSO/CSO for Trunk VEA.", v5.10 with
 * the 2019-2020 receive and transmit fixes, v6.1 with the premapped
 * transmit copy, and the current driver. Each behaviour that differs
 * between generations is one predicate on the generation in ibmveth.c,
 * citing the commit; docs/architecture.md ("Driver generations") lists them.
 *
 * Serves the topology (which creates one driver instance per ILLAN adapter a
 * partition owns) and, through struct netdev, the bridge and the stack.
 *
 * The driver talks to the hypervisor only through the h_* hcalls and its own
 * partition's logical memory (hv_lmem_*, which model the partition kernel's
 * memory and DMA mapping). Everything it registers with the hypervisor lives
 * there: the buffer-list and filter-list pages, the receive queue, the tx
 * bounce buffer (the long-term buffer from v6.1), and the packet pool
 * (dev->pool) whose buffers are posted as receive buffers. Packets the stack
 * or bridge of that partition build from dev->pool are therefore
 * DMA-mappable; before v6.1 a packet from any other memory takes the "unable
 * to map xmit buffer" path (tx_map_failed, bounce buffer).
 *
 * The seed generation v4.15 keeps each of the seed's four fixes as a switch
 * (struct ibmveth_params.fixes), the laboratory of `illan matrix`: v4.15 with
 * all four is the seed as it shipped; any other set never shipped in a
 * kernel. The other generations ignore the switches: their fixes are what
 * their kernel had (none before the seed, all four after it).
 */
#ifndef ILLAN_IBMVETH_H
#define ILLAN_IBMVETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ev/counter.h"
#include "ev/ev.h"
#include "hv/hv.h"
#include "net/netdev.h"

/* The seed's fixes (issue numbers of the seed message). */
enum ibmveth_fix {
	/* Issue 1: CSO and LSO may be enabled on a trunk adapter. Off: the
	 * pre-seed ibmveth_set_csum_offload refuses (-EIO) when the attributes
	 * show ACTIVE_TRUNK or a trunk priority, and the core then drops TSO
	 * for lack of a checksum feature: the trunk runs without both. */
	IBMVETH_FIX_TRUNK_OFFLOAD = 1u << 0,
	/* Issue 2: a trunk hands CSUM_GOOD TCP frames up as CHECKSUM_PARTIAL
	 * (skb_partial_csum_set), and transmit sets LRG_SND/mss only for
	 * CHECKSUM_PARTIAL packets. Off: CHECKSUM_UNNECESSARY, and LRG_SND/mss
	 * (or the old 0xffff method) for any GSO packet, as before 66aa0678. */
	IBMVETH_FIX_TRUNK_CSUM_PARTIAL = 1u << 1,
	/* Issue 3: the TCP pseudo-header seed is recomputed on receive when
	 * the checksum field is 0 (IPv4 and IPv6). Off: the zeroed field stays. */
	IBMVETH_FIX_PSEUDO_CSUM = 1u << 2,
	/* Issue 4: an active trunk advertises NETIF_F_FRAGLIST and linearizes
	 * frag_list packets itself. Off: neither. */
	IBMVETH_FIX_FRAGLIST_LINEARIZE = 1u << 3,
	IBMVETH_FIX_ALL = 0xfu,
};

/*
 * Driver generations: ibmveth.c as released in these kernels (the commits
 * each adds are in ibmveth_gen_commits and docs/architecture.md). Ordered:
 * a later generation has every commit of an earlier one.
 */
enum ibmveth_gen {
	IBMVETH_GEN_V4_13,   /* before the seed: trunks refuse CSO, hence TSO */
	IBMVETH_GEN_V4_15,   /* the seed 66aa0678, with its fix switches */
	IBMVETH_GEN_V5_10,   /* 413f142cc05c, 5ce9ad815a29, 6f2275433a2f, 2ac8af0967aa,
			      * 5948378b26d8 */
	IBMVETH_GEN_V6_1,    /* 7525de2516fb, d6832ca48d8a, d926793c1de9 */
	IBMVETH_GEN_CURRENT, /* 51e7a66666e0, 2c91e2319ed9, H_ADD_LOGICAL_LAN_BUFFERS,
			      * cc427d24ac64 */
	IBMVETH_N_GENS,
};
/* The generation of `illan run` without --driver or --fixes: v5.10, the
 * newest whose transmit path (descriptors, bounce buffer, frag_list
 * linearized on a trunk) carries illan's GRO-built frag_list packets whole;
 * the 6.1+ long-term-buffer copy drops them on a trunk (docs/architecture.md,
 * "Driver generations"). */
#define IBMVETH_GEN_DEFAULT IBMVETH_GEN_V5_10

/* Module parameters, generation and fix switches. */
struct ibmveth_params {
	unsigned rx_copybreak; /* 128: frames shorter than this are copied */
	unsigned tx_copybreak; /* 128: linear frames shorter go through the bounce
				* buffer (unused from v6.1, as in the kernel) */
	bool old_large_send;   /* force the in-band (0xffff) large send method */
	enum ibmveth_gen gen;  /* default IBMVETH_GEN_DEFAULT */
	unsigned fixes;        /* IBMVETH_FIX_* bits, default IBMVETH_FIX_ALL;
				* read only by IBMVETH_GEN_V4_15 */
};

/* The device-tree node partition firmware gives the driver for the adapter
 * (vio_get_attribute), with the values the topology configured. */
struct ibmveth_of_node {
	uint8_t mac[6];             /* "local-mac-address" */
	unsigned mcast_filter_size; /* "ibm,mac-address-filters" */
	bool illan_options;         /* "ibm,illan-options" present: CSO offered */
};

/* Receive buffer pools (ibmveth.h pool_size / pool_count / pool_active). */
#define IBMVETH_NUM_BUFF_POOLS 5
#define IBMVETH_BUFF_OH 22 /* 14 ethernet header + 8 opaque handle */
#define IBMVETH_MIN_MTU 68
#define IBMVETH_MAX_MTU (65535 - IBMVETH_BUFF_OH)
#define IBMVETH_NAPI_WEIGHT 16
#define IBMVETH_SEND_RETRIES 1024

/*
 * The driver's counters (src/ev/counter.h), after the standard ones: ethtool
 * -S's names in ibmveth_stats order, then illan's own for what the kernel
 * would WARN about (or crash on).
 */
#define IBMVETH_COUNTERS(X, T)                                                     \
	X(T, replenish_task_cycles, NULL, 0)                                       \
	X(T, replenish_no_mem, NULL, 0)                                            \
	X(T, replenish_add_buff_failure, NULL, 0)                                  \
	X(T, replenish_add_buff_success, NULL, 0)                                  \
	X(T, rx_invalid_buffer, "receive-queue entry without VALID", 0)            \
	/* the hypervisor's count at buffer-list +4088, read at each replenish */  \
	X(T, rx_no_buffer, "no receive buffer large enough was posted", 0)         \
	X(T, tx_map_failed, NULL, 0)                                               \
	X(T, tx_send_failed, "H_SEND_LOGICAL_LAN failed", 0)                       \
	/* 1 while firmware has the offload enabled */                             \
	X(T, fw_enabled_ipv4_csum, NULL, COUNTER_GAUGE)                            \
	X(T, fw_enabled_ipv6_csum, NULL, COUNTER_GAUGE)                            \
	X(T, tx_large_packets, NULL, 0)                                            \
	X(T, rx_large_packets, NULL, 0)                                            \
	X(T, fw_enabled_large_send, NULL, COUNTER_GAUGE)                           \
	X(T, rx_bad_correlator, "receive-queue entry with a bad correlator", 0)    \
	X(T, rx_bad_frame, "received frame with a bad length or offset", 0)        \
	X(T, adapter_resets, NULL, 0)                                              \
	X(T, irq_errors, NULL, 0)                                                  \
	/* before the current generation the kernel stops on BUG_ON where it now \
	 * resets; illan stops the adapter for good, as the crashed partition */ \
	X(T, kernel_bug,                                                           \
	  "the kernel of this driver generation hits BUG_ON "                      \
	  "(the adapter stops)",                                                   \
	  0)                                                                       \
	/* v6.1+: bytes copied into the long-term buffer != the packet's length \
	 * (a frag_list is never copied) */  \
	X(T, tx_ltb_len_mismatch,                                                  \
	  "frag_list packet not copied into the "                                  \
	  "long-term buffer (6.1+ transmit)",                                      \
	  0)                                                                       \
	/* current: ibmveth_features_check sent a TSO packet with MSS < 224 to \
	 * software segmentation */   \
	X(T, tx_small_mss_sw_gso, NULL, 0)                                         \
	/* current: H_ADD_LOGICAL_LAN_BUFFERS calls, and the H_FUNCTION that \
	 * made the driver fall back to one buffer per call for good */     \
	X(T, replenish_multi_calls, NULL, 0)                                       \
	X(T, replenish_multi_fallback, NULL, 0)

struct ibmveth_stats {
	IBMVETH_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct ibmveth_stats (kind "ibmveth"). */
extern const struct counter_set ibmveth_counters;

/* Fill p with the defaults (copybreaks 128, new large send,
 * IBMVETH_GEN_DEFAULT, all fixes). */
void ibmveth_params_default(struct ibmveth_params *p);

/* Name of generation g ("v4.13", "v4.15", "v5.10", "v6.1", "current"), or
 * NULL when out of range. */
const char *ibmveth_gen_name(enum ibmveth_gen g);
/* The upstream commits generation g adds to the one before it, as one line
 * of text ("66aa0678efc2 ibmveth: Support to enable LSO/CSO for Trunk VEA.;
 * ..."), or NULL when out of range. */
const char *ibmveth_gen_commits(enum ibmveth_gen g);
/*
 * Parse a generation name: "v4.13", "v4.15", "v5.10", "v6.1", "current",
 * each also with the prefix "illan-", and "illan" (IBMVETH_GEN_DEFAULT).
 * Returns 0 with *out set, or -EINVAL (*out unchanged).
 */
int ibmveth_parse_gen(const char *s, enum ibmveth_gen *out);

/*
 * Parse a fix list: "all", "none", or a comma list of issue numbers 1-4
 * and/or names (trunk-offload, trunk-csum-partial, pseudo-csum,
 * fraglist-linearize). Returns 0 with *out set, or -EINVAL (*out unchanged).
 */
int ibmveth_parse_fixes(const char *s, unsigned *out);
/* The seed's fixes generation p->gen has: none for v4.13, p->fixes for
 * v4.15, all four after it. p NULL: 0. */
unsigned ibmveth_fixes_in_force(const struct ibmveth_params *p);
/* Name of one fix bit ("trunk-offload", ...), or NULL. */
const char *ibmveth_fix_name(unsigned fix_bit);

/* Bytes of logical memory one driver instance takes from its partition
 * (lists, rx queue, bounce buffer, the packet pool and alignment slack), so
 * the topology can size partitions. */
size_t ibmveth_lmem_needed(void);

/*
 * Probe: create the driver instance for adapter ua of partition part, as
 * ibmveth_probe does: carve its memory, query H_ILLAN_ATTRIBUTES, set
 * hw_features/features (TSO/TSO6 with LRG_SND_SUPPORT, FRAGLIST on an active
 * trunk with fix 4), run ibmveth_set_features, register the netdev (name must
 * be unique). The device is down; netdev_open registers the LAN. loop runs the
 * NAPI poll and adapter resets. params may be NULL (defaults). Returns the
 * netdev or NULL (bad arguments, memory exhausted, name taken). Free with
 * netdev_free, which also destroys dev->pool (every packet from it must have
 * been freed by then).
 */
struct netdev *ibmveth_create(const char *name, struct hv_partition *part, uint64_t ua,
			      const struct ibmveth_of_node *of, struct ev_loop *loop,
			      const struct ibmveth_params *params);

/* Introspection for tests, stats output and the CLI. */
struct ibmveth_pool_info {
	unsigned size;      /* buffers the pool may post */
	unsigned buff_size; /* bytes per buffer */
	unsigned threshold; /* replenish below this (size * 7 / 8) */
	unsigned available; /* buffers posted to the hypervisor now */
	bool active;
};
/* State of pool (0 .. IBMVETH_NUM_BUFF_POOLS - 1) into info. Returns 0 or
 * -EINVAL (not an ibmveth netdev, pool out of range, info NULL). */
int ibmveth_get_pool_info(const struct netdev *dev, unsigned pool, struct ibmveth_pool_info *info);
/* Logical address of the buffer in slot index of pool, if it is posted;
 * UINT64_MAX otherwise. (Tests corrupt a correlator through it.) */
uint64_t ibmveth_pool_buffer_laddr(const struct netdev *dev, unsigned pool, unsigned index);
/* Where the receive queue lives and the driver's cursor in it. Returns 0 or
 * -EINVAL. (Tests rewrite an entry as a faulty hypervisor would.) */
int ibmveth_rxq_state(const struct netdev *dev, uint64_t *laddr, unsigned *index, unsigned *n_slots);
/* Buffers the driver posts per hcall now: 8 with H_ADD_LOGICAL_LAN_BUFFERS
 * (current generation, firmware offers RX_MULTI_BUFF_SUPPORT), else 1; 0
 * for another device. */
unsigned ibmveth_rx_buffers_per_hcall(const struct netdev *dev);
/* Was ACTIVE_TRUNK set in the attributes at probe? (false for another
 * device) */
bool ibmveth_is_active_trunk(const struct netdev *dev);
/* H_ILLAN_ATTRIBUTES as last seen by the driver (probe or set_features); 0
 * for another device. */
uint64_t ibmveth_illan_attributes(const struct netdev *dev);
/* True if dev was created by ibmveth_create. */
bool ibmveth_is_ibmveth(const struct netdev *dev);
/* Params in force (generation and fixes included); NULL for another
 * device. */
const struct ibmveth_params *ibmveth_get_params(const struct netdev *dev);

#endif
