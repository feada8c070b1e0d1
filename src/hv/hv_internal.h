/*
 * hv_internal.h — the hypervisor's private state and the contracts between
 * the files of src/hv, shared by them only: hv.c (partitions, logical memory,
 * adapters, vswitches, counters: the leaf), vsw.c (the virtual switch:
 * H_SEND_LOGICAL_LAN, the active trunk, VLAN rules, delivery, checksum and
 * large-send propagation, and the hypervisor's create/destroy, since the
 * switch owns the send scratch) and hcall.c (the ILLAN hcalls but send).
 * Nothing outside src/hv includes it.
 *
 * Ownership: struct hv owns every partition, adapter and vswitch; none is
 * freed before hv_destroy, so pointers to them stay valid for the life of
 * the hypervisor (an interrupt handler may run hcalls in the middle of a
 * delivery without pulling anything from under it).
 */
#ifndef ILLAN_HV_INTERNAL_H
#define ILLAN_HV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/hv.h"

struct pkt_pool;

/* Receive-buffer pools as QEMU's spapr_llan "use-rx-buffer-pools" mode:
 * up to RX_MAX_POOLS pools, each keyed by one exact buffer length and holding
 * at most RX_POOL_MAX_BDS descriptors, used last-in first-out. */
#define HV_RX_POOLS 5
#define HV_RX_POOL_MAX_BDS 4096

/* Largest "ibm,mac-address-filters" value accepted: one 8-byte entry per slot
 * of the 4096-byte filter-list page. */
#define HV_MCAST_FILTER_MAX (PAPR_FILTER_LIST_SIZE / 8)

/* Attribute bits the firmware may offer (read-only to the partition). */
#define HV_FW_OFFERABLE                                                        \
	(IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT | IBMVETH_ILLAN_LRG_SND_SUPPORT | \
	 IBMVETH_ILLAN_PADDED_PKT_CSUM)

/* First unit address handed out; PowerVM's virtual adapters live at
 * 0x30000002 and up. */
#define HV_FIRST_UA 0x30000002ull

/* The bump allocator leaves page 0 of logical memory unused, like a null
 * page, so that address 0 is never a buffer a partition allocated. */
#define HV_LMEM_FIRST 4096u

struct hv_rx_pool {
	uint32_t buf_size; /* key: exact descriptor length; meaningless when n == 0 */
	uint32_t n;        /* descriptors held */
	uint64_t *descs;   /* HV_RX_POOL_MAX_BDS slots, LIFO: descs[n-1] is next */
};

struct hv_vswitch {
	unsigned num;
	enum hv_vsw_mode mode;
	struct hv_adapter *members; /* linked through vsw_next, creation order */
	struct hv_vswitch *next;
};

struct hv_adapter {
	uint64_t ua;
	struct hv_partition *part;
	struct hv_vswitch *vsw;
	struct hv_adapter_config cfg;
	uint64_t mac;      /* current MAC (low 48 bits) */
	uint64_t os_attrs; /* PAPR_ILLAN_OS_SETTABLE bits the partition set */

	/* Registration (H_REGISTER_LOGICAL_LAN); meaningful while open. The
	 * addresses are kept here, not re-read from partition memory, so a
	 * partition that scribbles on its buffer-list page cannot redirect the
	 * hypervisor's writes. Who writes what in those pages: see papr.h. */
	bool open;
	bool closed_after_open; /* freed its LAN after being registered */
	uint64_t buf_list;
	uint64_t filter_list;
	uint64_t rxq_addr;
	uint32_t rxq_len;
	/* The hypervisor's cursor on the receive queue (papr.h): the byte
	 * offset of the next entry it writes, and the TOGGLE of the rx-queue
	 * descriptor at buf_list+0 (entries are written with its opposite).
	 * Only the hypervisor moves it: register resets it, vsw_rx_post
	 * advances it and flips the toggle on a wrap. The partition keeps its
	 * own cursor and never tells the hypervisor where it stands. */
	uint32_t rxq_ptr;
	bool rxq_toggle;
	/* Posted buffers: the partition adds (H_ADD_LOGICAL_LAN_BUFFER[S]),
	 * the switch takes one per frame written; a taken buffer is the
	 * partition's again once its entry shows. */
	struct hv_rx_pool pools[HV_RX_POOLS];
	unsigned rx_bufs;
	/* The longest buffer posted since register (0: none yet): a frame
	 * longer than it counts rx_too_big rather than rx_no_buffer (no buffer
	 * of its size was ever there to run out of). */
	uint32_t rx_buf_max;

	/* Multicast (H_MULTICAST_CTRL); kept across free/register. */
	bool mcast_recv;
	bool mcast_filtering;
	uint64_t *mcast_table;
	unsigned n_mcast;

	uint64_t signal_state; /* H_VIO_SIGNAL mode, bit 0 = rx interrupt enabled */
	void (*irq_fn)(void *arg);
	void *irq_arg;

	struct hv_adapter_stats stats;
	struct hv_adapter *part_next;
	struct hv_adapter *vsw_next;
};

struct hv_partition {
	struct hv *hv;
	char name[32];
	uint8_t *mem;
	size_t mem_size;
	size_t map_size; /* the mapping behind mem, guard pages included (hv.c) */
	size_t bump;     /* next free logical address of hv_lmem_alloc */
	struct hv_adapter *adapters;
	long inject_code;
	unsigned inject_n;
	struct hv_partition_stats stats;
	struct hv_partition *next;
};

/* The send path's scratch: owned by the switch (vsw.c), which makes it in
 * hv_create and frees it in hv_destroy; reused by every H_SEND_LOGICAL_LAN. */
struct vsw_scratch {
	bool sending;              /* an H_SEND_LOGICAL_LAN is delivering */
	uint8_t *gather;           /* PAPR_MAX_FRAME bytes: descriptors gathered */
	struct hv_adapter **dests; /* receivers of the frame being sent */
	size_t n_dests_cap;
	struct pkt_pool *seg_pool; /* packets for software segmentation, lazily made */
};

struct hv {
	/* The objects (hv.c). */
	struct hv_partition *parts;
	struct hv_vswitch *vswitches;
	uint64_t next_ua;
	/* The observer (hv_set_observer), or NULL: called by vsw.c */
	hv_observer_fn observe;
	void *observe_arg;

	struct vsw_scratch send; /* (vsw.c) */
};

/*
 * Calls between the files of src/hv point one way: hcall.c calls vsw.c and
 * hv.c, vsw.c calls hv.c, and hv.c, the leaf, calls neither.
 */

/* ---- hv.c: the objects ------------------------------------------------------ */

/* Set up the object half of a zeroed hv: no partitions, no vswitches, unit
 * addresses from HV_FIRST_UA. */
void hv_objects_init(struct hv *hv);

/* Free every partition of hv (with its logical memory), adapter and vswitch;
 * hv itself and its send scratch stay. */
void hv_objects_free(struct hv *hv);

/* The adapter with unit address ua if it belongs to part, else NULL: a
 * partition can name only its own adapters. part may be NULL. */
struct hv_adapter *hv_adapter_find(struct hv_partition *part, uint64_t ua);

/* The vswitch numbered num, created (in VEB mode) on first use; NULL when
 * out of memory. */
struct hv_vswitch *hv_vswitch_get(struct hv *hv, unsigned num);

/* Is [laddr, laddr+len) inside the partition's memory? Overflow-safe. */
bool hv_lmem_ok(const struct hv_partition *part, uint64_t laddr, uint64_t len);

/* Is mac (low 48 bits) a valid unicast address: 48 bits, not zero, group bit
 * (bit 0 of the first octet) clear, as is_valid_ether_addr? */
bool hv_mac_is_valid_unicast(uint64_t mac);

/* May a's OS use mac (low 48 bits) as its adapter's MAC, under the
 * adapter's MAC policy? The permanent MAC always; any under allow-all; a
 * listed one under an allow list. */
bool hv_mac_allowed(const struct hv_adapter *a, uint64_t mac);

/* Write a's rx-queue descriptor (VALID | TOGGLE as rxq_toggle stands |
 * length, address) at buf_list+0 of its partition's memory, where the
 * partition may read it. a must be open. */
void hv_rxq_desc_store(struct hv_adapter *a);

/* Is a a trunk adapter (trunk priority 1..15)? */
static inline bool hv_adapter_is_trunk(const struct hv_adapter *a)
{
	return a->cfg.trunk_priority != 0;
}

/* Big-endian loads/stores in partition memory. */
static inline uint64_t hv_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}
static inline void hv_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}
static inline void hv_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* ---- vsw.c: the switch -------------------------------------------------------- */

/*
 * The active trunk of VLAN vid on vsw, or NULL: the one definition of
 * "active trunk". It serves both the ACTIVE_TRUNK attribute
 * (H_ILLAN_ATTRIBUTES, with vid = the adapter's PVID: what the driver's probe
 * reads) and the switch, for where frames of vid that no local adapter takes
 * leave; so a driver told it is not the active trunk is never handed the
 * traffic of one.
 *
 * The PowerVM documentation (the HMC's "Trunk priority" help, IBM's
 * virtualization Redbooks): the managed system activates the trunk with the
 * lowest priority number for a set of VLANs and, if it fails, the next one;
 * only one trunk is active per VLAN. Our choice where the sources are silent
 * on what "fails" means: a trunk has failed once it frees its LAN after
 * registering it (its OS closed the adapter or went down). One never opened
 * has not failed: it is configured active, so its probe (made before open)
 * sees ACTIVE_TRUNK, and frames for its VLANs go to it and are counted there
 * as rx_not_open until it opens, rather than to a standby whose driver runs
 * as a non-active trunk. Candidates are the trunks of vsw on vid (PVID or an
 * additional VID) that have not failed; the lowest priority number wins, then
 * the oldest (first created) adapter. A standby takes over as soon as the
 * active one frees its LAN.
 */
struct hv_adapter *vsw_active_trunk(const struct hv_vswitch *vsw, uint16_t vid);

#endif
