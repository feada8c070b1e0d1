/*
 * hv.h — the emulated PowerVM hypervisor: partitions with their own logical
 * memory, Interpartition Logical LAN adapters, the ILLAN hcalls with PAPR
 * return codes, and the virtual switch (VLANs, trunks, VEB/VEPA) that carries
 * frames and their checksum/large-send flags between partitions.
 *
 * Serves the drivers (src/drv/ibmveth talks to it only through the h_*
 * calls below and its own partition's memory) and the topology that builds
 * partitions and adapters. The hypervisor never sees a struct pkt: it reads
 * descriptors and frame bytes from the sender's memory and writes frames and
 * receive-queue entries into the receiver's, as PowerVM does.
 *
 * Every I/O address an hcall takes is an offset into the calling partition's
 * logical memory; each access is checked against it (H_PARAMETER and the
 * addr_errors counter otherwise). A call with a bad argument returns its PAPR
 * code and changes nothing.
 */
#ifndef ILLAN_HV_H
#define ILLAN_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ev/counter.h"
#include "papr.h"

struct hv;
struct hv_partition;

#define HV_MAX_VIDS 20 /* additional VLAN IDs per IEEE adapter */
/* Smallest mss honoured with LRG_SND: Linux's TCP_MIN_SND_MSS (48). Below it
 * H_SEND_LOGICAL_LAN refuses (H_PARAMETER), so a partition cannot make the
 * hypervisor cut a 64 KiB frame into thousands of segments. */
#define HV_MIN_LRG_MSS 48u

enum hv_vsw_mode {
	HV_VSW_VEB,  /* the hypervisor switches between local adapters */
	HV_VSW_VEPA, /* every client frame goes to the trunk (OVS / NovaLink mode) */
};

struct hv_adapter_config {
	uint8_t mac[6];          /* permanent MAC */
	unsigned vswitch;        /* vswitch number, created on first use (VEB) */
	uint16_t pvid;           /* port VLAN ID, 1..4094 */
	uint16_t vids[HV_MAX_VIDS]; /* additional VIDs (IEEE mode) */
	unsigned n_vids;
	unsigned trunk_priority; /* 0 = client adapter, 1..15 = trunk (1 highest) */
	uint64_t fw_attrs;       /* read-only attributes the firmware offers:
				  * PADDED_PKT_CSUM, LRG_SND_SUPPORT, RX_MULTI_BUFF_SUPPORT */
	unsigned mcast_filter_size; /* "ibm,mac-address-filters" slots */
};

/*
 * Counters per adapter, one X-macro list (see ev/counter.h): the field's name
 * is what stats output prints; the phrase, for a counter that counts a lost
 * or refused frame, is what the run report and `illan why` say. The order is
 * the struct's: append only.
 */
#define HV_ADAPTER_COUNTERS(X, T)                                                       \
	/* frames accepted by H_SEND_LOGICAL_LAN, and their bytes */                    \
	X(T, tx_frames, NULL, 0)                                                        \
	X(T, tx_bytes, NULL, 0)                                                         \
	/* frames written into this adapter's buffers, and their bytes */               \
	X(T, rx_frames, NULL, 0)                                                        \
	X(T, rx_bytes, NULL, 0)                                                         \
	/* drops for lack of a fitting buffer (also the be64 at buffer-list +4088) */   \
	X(T, rx_no_buffer, "no receive buffer large enough was posted", 0)              \
	/* frames for this adapter while its LAN was not registered */                  \
	X(T, rx_not_open, "receiving adapter not registered", 0)                        \
	/* multicast the filter did not accept (harmless: not addressed to it) */       \
	X(T, rx_filtered, "multicast not accepted by the adapter's filter",             \
	  COUNTER_HARMLESS)                                                             \
	/* frames sent on a VLAN the adapter is not on (H_DROPPED) */                   \
	X(T, vlan_discards, "VLAN not allowed on the sending adapter", 0)               \
	/* unicast with no local adapter and no trunk to take it */                     \
	X(T, no_destination, "no adapter or trunk on the VLAN has that MAC", 0)         \
	/* frames to the sender's own current MAC (H_PARAMETER) */                      \
	X(T, self_sends, "frame to the sender's own MAC refused", 0)                    \
	/* TCP checksums the hypervisor computed for this receiver */                   \
	X(T, hv_sw_checksums, NULL, 0)                                                  \
	/* segments the hypervisor cut for this receiver */                             \
	X(T, hv_sw_segments, NULL, 0)                                                   \
	/* large frames delivered whole with LRG_PKT */                                 \
	X(T, lrg_delivered, NULL, 0)                                                    \
	/* hcall addresses outside the partition's memory (H_PARAMETER) */              \
	X(T, addr_errors, "hcall refused: address outside the partition's memory", 0)   \
	/* other H_PARAMETER refusals */                                                \
	X(T, param_errors, "hcall refused: bad parameter", 0)                           \
	/* interrupts raised */                                                         \
	X(T, irqs, NULL, 0)                                                             \
	/* (the counters below were added after the first contract: append only) */     \
	/* sends while not registered (H_DROPPED, as QEMU) */                           \
	X(T, tx_not_open, "sent while the adapter was not registered", 0)               \
	/* H_RESOURCE refusals: frame over 64 KiB, registered twice, not open,          \
	 * rx pools or filter table full */                                             \
	X(T, resource_errors, "hcall refused: frame over 64 KiB or no room left", 0)    \
	/* offloads the hypervisor could not perform for this receiver: a NO_CSUM       \
	 * frame not TCP over IP (sent on unchecksummed) or a large send it could       \
	 * not cut (dropped) */                                                         \
	X(T, hv_sw_errors, "the hypervisor could not perform the sender's offload", 0)

struct hv_adapter_stats {
	HV_ADAPTER_COUNTERS(COUNTER_FIELD, _)
};

/* Counters per partition, for calls that name no adapter of its own. */
#define HV_PARTITION_COUNTERS(X, T)                                                     \
	/* every hcall the partition made */                                            \
	X(T, hcalls, NULL, 0)                                                           \
	/* unit address unknown or another partition's (H_PARAMETER) */                 \
	X(T, bad_unit, "hcall refused: no such adapter in the partition", 0)            \
	/* hv_hcall with an unknown opcode (H_FUNCTION); no frame is lost */            \
	X(T, bad_opcode, NULL, 0)

struct hv_partition_stats {
	HV_PARTITION_COUNTERS(COUNTER_FIELD, _)
};

/* Name, drop phrase and flags of every counter above (for stats output, the
 * run report and `illan why`). */
extern const struct counter_set hv_adapter_counters, hv_partition_counters;

/* ---- Construction (topology) --------------------------------------------- */
struct hv *hv_create(void);
void hv_destroy(struct hv *hv);
int hv_vswitch_set_mode(struct hv *hv, unsigned vswitch, enum hv_vsw_mode mode);

/* A partition with mem_size bytes of zeroed logical memory. NULL on failure. */
struct hv_partition *hv_partition_create(struct hv *hv, const char *name, size_t mem_size);
const char *hv_partition_name(const struct hv_partition *part);
/* Returns the new adapter's unit address (nonzero), or 0 on a bad config. */
uint64_t hv_adapter_create(struct hv *hv, struct hv_partition *part,
			   const struct hv_adapter_config *cfg);
int hv_adapter_get_stats(struct hv_partition *part, uint64_t ua, struct hv_adapter_stats *st);
void hv_partition_get_stats(const struct hv_partition *part, struct hv_partition_stats *st);

/* Interrupt: fn(arg) is called when a frame is queued for the adapter while its
 * VIO signal is enabled. Called from inside the sender's hcall: the handler
 * must only schedule work (as an irq handler schedules NAPI). */
int hv_set_irq_handler(struct hv_partition *part, uint64_t ua, void (*fn)(void *arg), void *arg);

/* ---- The partition's view of its own memory --------------------------------
 * These model the partition's kernel memory and DMA mapping, not hypervisor
 * services: a driver or stack running "inside" a partition uses them to place
 * buffers in logical memory and learn their I/O addresses. */
uint8_t *hv_lmem_base(struct hv_partition *part);
size_t hv_lmem_size(const struct hv_partition *part);
/* The partition OS's own allocator (not a hypervisor service): bump-allocate
 * size bytes aligned to align (a power of two) from the partition's logical
 * memory, never freed, starting at 4096 (page 0 stays unused); returns the
 * logical address, or UINT64_MAX when the memory is exhausted. */
uint64_t hv_lmem_alloc(struct hv_partition *part, size_t size, size_t align);
/* Pointer for [laddr, laddr+len) if inside the partition's memory, else NULL. */
void *hv_lmem_ptr(struct hv_partition *part, uint64_t laddr, size_t len);
/* Logical address of [ptr, ptr+len) if inside, else UINT64_MAX (a failed DMA map). */
uint64_t hv_lmem_addr(struct hv_partition *part, const void *ptr, size_t len);

/* ---- The hcalls ------------------------------------------------------------
 * part is the calling partition (the hypervisor knows which LPAR trapped).
 * Each returns a PAPR code. */
long h_register_logical_lan(struct hv_partition *part, uint64_t ua, uint64_t buf_list,
			    uint64_t rxq_desc, uint64_t filter_list, uint64_t mac);
long h_free_logical_lan(struct hv_partition *part, uint64_t ua);
long h_add_logical_lan_buffer(struct hv_partition *part, uint64_t ua, uint64_t desc);
/* Up to 8 descriptors; unused ones are 0. H_FUNCTION unless the adapter's
 * firmware offers IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT. */
long h_add_logical_lan_buffers(struct hv_partition *part, uint64_t ua, const uint64_t desc[8]);
/* desc[6]: gathered in order up to the first without VALID. continue_token is
 * 0 on a first try; *ret_token (may be NULL) receives the token to retry with
 * after H_BUSY. mss is the 9th argument (0 when the driver passes none). */
long h_send_logical_lan(struct hv_partition *part, uint64_t ua, const uint64_t desc[6],
			uint64_t continue_token, uint64_t *ret_token, uint64_t mss);
long h_multicast_ctrl(struct hv_partition *part, uint64_t ua, uint64_t cmd, uint64_t mac);
long h_change_logical_lan_mac(struct hv_partition *part, uint64_t ua, uint64_t mac);
/* Answered whether or not the LAN is registered. *ret_attrs may be NULL. */
long h_illan_attributes(struct hv_partition *part, uint64_t ua, uint64_t reset_mask,
			uint64_t set_mask, uint64_t *ret_attrs);
long h_vio_signal(struct hv_partition *part, uint64_t ua, uint64_t mode);
/* Generic entry point by opcode (fuzzing, tests): args[0] is the unit
 * address. Unknown opcodes give H_FUNCTION. */
long hv_hcall(struct hv_partition *part, uint64_t opcode, const uint64_t args[9], uint64_t rets[4]);

/* ---- Fault injection ------------------------------------------------------
 * Make the next n H_SEND_LOGICAL_LAN calls from part return code (H_BUSY,
 * H_DROPPED, H_RESOURCE...) without sending; n = 0 clears. */
void hv_inject_send_result(struct hv_partition *part, long code, unsigned n);

#endif
