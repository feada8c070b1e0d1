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
 * addr_errors counter otherwise; H_DEST_PARM for a frame to send, as QEMU).
 * A call with a bad argument returns its PAPR code and changes nothing.
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

/* The largest frame the hypervisor carries: PowerVM's documented maximum
 * for virtual Ethernet (IBM's PowerVM virtualization Redbooks: frames up to
 * 65408 bytes, hence MTU 65394 untagged, 65390 tagged). QEMU's spapr_llan
 * takes up to 65536 (its MAX_PACKET_SIZE); illan models PowerVM. A longer
 * frame is refused by H_SEND_LOGICAL_LAN with QEMU's code for its own limit,
 * H_RESOURCE, and counted tx_too_big. */
#define HV_MAX_FRAME 65408u

/*
 * The HMC's MAC address controls ("MAC address controls using the HMC",
 * IBM Power documentation): what a partition's OS may do with its adapter's
 * MAC. By default all "operating-system-defined" MACs are allowed; the
 * administrator may deny them all, or allow up to HV_MAC_ALLOWED_MAX listed
 * ones. The permanent MAC (the one the HMC assigned) is always allowed.
 */
enum hv_mac_policy {
	HV_MAC_ALLOW_ALL = 0, /* the default */
	HV_MAC_DENY,          /* only the permanent MAC */
	HV_MAC_ALLOW_LIST,    /* the permanent MAC and the listed ones */
};
#define HV_MAC_ALLOWED_MAX 4

enum hv_vsw_mode {
	HV_VSW_VEB,  /* the hypervisor switches between local adapters */
	HV_VSW_VEPA, /* every client frame goes to the trunk (OVS / NovaLink mode) */
};

struct hv_adapter_config {
	uint8_t mac[6];             /* permanent MAC */
	unsigned vswitch;           /* vswitch number, created on first use (VEB) */
	uint16_t pvid;              /* port VLAN ID, 1..4094 */
	uint16_t vids[HV_MAX_VIDS]; /* additional VIDs (IEEE mode) */
	unsigned n_vids;
	unsigned trunk_priority;       /* 0 = client adapter, 1..15 = trunk (1 highest) */
	uint64_t fw_attrs;             /* read-only attributes the firmware offers:
				  * PADDED_PKT_CSUM, LRG_SND_SUPPORT, RX_MULTI_BUFF_SUPPORT */
	unsigned mcast_filter_size;    /* "ibm,mac-address-filters" slots */
	enum hv_mac_policy mac_policy; /* default HV_MAC_ALLOW_ALL */
	uint8_t mac_allowed[HV_MAC_ALLOWED_MAX][6]; /* HV_MAC_ALLOW_LIST only */
	unsigned n_mac_allowed;
};

/*
 * Counters per adapter, one X-macro list (see ev/counter.h): the field's name
 * is what stats output prints; the phrase, for a counter that counts a lost
 * or refused frame, is what the run report and `illan why` say. The order is
 * the struct's: append only.
 */
#define HV_ADAPTER_COUNTERS(X, T)                                                             \
	/* frames accepted by H_SEND_LOGICAL_LAN, and their bytes */                          \
	X(T, tx_frames, NULL, 0)                                                              \
	X(T, tx_bytes, NULL, 0)                                                               \
	/* frames written into this adapter's buffers, and their bytes */                     \
	X(T, rx_frames, NULL, 0)                                                              \
	X(T, rx_bytes, NULL, 0)                                                               \
	/* drops for lack of a fitting buffer, when one of that size was posted    \
	 * (also the be64 at buffer-list +4088, which counts rx_too_big too) */          \
	X(T, rx_no_buffer, "no receive buffer large enough was posted", 0)                    \
	/* frames for this adapter while its LAN was not registered */                        \
	X(T, rx_not_open, "receiving adapter not registered", 0)                              \
	/* multicast the filter did not accept (harmless: not addressed to it) */             \
	X(T, rx_filtered, "multicast not accepted by the adapter's filter", COUNTER_HARMLESS) \
	/* frames sent on a VLAN the adapter is not on (H_DROPPED) */                         \
	X(T, vlan_discards, "VLAN not allowed on the sending adapter", 0)                     \
	/* unicast with no local adapter and no trunk to take it */                           \
	X(T, no_destination, "no adapter or trunk on the VLAN has that MAC", 0)               \
	/* frames to the sender's own current MAC (H_PARAMETER) */                            \
	X(T, self_sends, "frame to the sender's own MAC refused", 0)                          \
	/* TCP checksums the hypervisor computed for this receiver */                         \
	X(T, hv_sw_checksums, NULL, 0)                                                        \
	/* segments the hypervisor cut for this receiver */                                   \
	X(T, hv_sw_segments, NULL, 0)                                                         \
	/* large frames delivered whole with LRG_PKT */                                       \
	X(T, lrg_delivered, NULL, 0)                                                          \
	/* hcall addresses outside the partition's memory (H_PARAMETER) */                    \
	X(T, addr_errors, "hcall refused: address outside the partition's memory", 0)         \
	/* other H_PARAMETER refusals */                                                      \
	X(T, param_errors, "hcall refused: bad parameter", 0)                                 \
	/* interrupts raised */                                                               \
	X(T, irqs, NULL, 0)                                                                   \
	/* (the counters below were added after the first contract: append only) */           \
	/* sends while not registered (H_DROPPED, as QEMU) */                                 \
	X(T, tx_not_open, "sent while the adapter was not registered", 0)                     \
	/* H_RESOURCE refusals: registered twice, not open, rx pools or filter     \
	 * table full (a frame too long counts tx_too_big) */          \
	X(T, resource_errors, "hcall refused: no room left", 0)                               \
	/* offloads the hypervisor could not perform for this receiver: a NO_CSUM       \
	 * frame not TCP over IP (sent on unchecksummed) or a large send it could       \
	 * not cut (dropped) */     \
	X(T, hv_sw_errors, "the hypervisor could not perform the sender's offload", 0)        \
	/* frames a trunk sent on a VLAN it is not the active trunk of (H_DROPPED):   \
	 * see vsw.c, h_send_logical_lan */       \
	X(T, standby_discards,                                                                \
	  "sent by a standby trunk (PowerVM carries one active trunk per VLAN)", 0)           \
	/* frames from a client adapter whose source MAC its MAC policy does not      \
	 * allow (H_DROPPED): see vsw.c, h_send_logical_lan */       \
	X(T, mac_discards, "source MAC not allowed by the adapter's MAC policy", 0)           \
	/* MAC changes (H_CHANGE_LOGICAL_LAN_MAC, or register with another MAC) the   \
	 * adapter's MAC policy refused (H_PARAMETER) */       \
	X(T, mac_denied, "MAC change refused by the adapter's MAC policy", 0)                 \
	/* frames longer than the hypervisor carries (HV_MAX_FRAME; H_RESOURCE) */            \
	X(T, tx_too_big, "frame longer than the hypervisor carries (65408 bytes)", 0)         \
	/* frames for this adapter longer than any buffer it posted since it        \
	 * registered (also in the be64 at buffer-list +4088) */         \
	X(T, rx_too_big, "frame longer than any receive buffer the adapter posted", 0)

struct hv_adapter_stats {
	HV_ADAPTER_COUNTERS(COUNTER_FIELD, _)
};

/* Counters per partition, for calls that name no adapter of its own. */
#define HV_PARTITION_COUNTERS(X, T)                                          \
	/* every hcall the partition made */                                 \
	X(T, hcalls, NULL, 0)                                                \
	/* unit address unknown or another partition's (H_PARAMETER) */      \
	X(T, bad_unit, "hcall refused: no such adapter in the partition", 0) \
	/* hv_hcall with an unknown opcode (H_FUNCTION); no frame is lost */ \
	X(T, bad_opcode, NULL, 0)

struct hv_partition_stats {
	HV_PARTITION_COUNTERS(COUNTER_FIELD, _)
};

/* Name, drop phrase and flags of every counter above (for stats output, the
 * run report and `illan why`). */
extern const struct counter_set hv_adapter_counters, hv_partition_counters;

/* ---- Construction (topology) --------------------------------------------- */

/* Create an empty hypervisor: no partitions, no vswitches. Returns NULL when
 * out of memory. Free with hv_destroy. */
struct hv *hv_create(void);

/* Destroy the hypervisor with every partition (and its logical memory),
 * adapter and vswitch. Pointers into partition memory become invalid. Must
 * not be called from inside an hcall (an interrupt handler). NULL is
 * allowed. */
void hv_destroy(struct hv *hv);

/* Set a vswitch's mode: HV_VSW_VEB (the hypervisor switches between local
 * adapters) or HV_VSW_VEPA (every client frame goes to the trunk, as the
 * seed's OVS/NovaLink setup has it). Creates the vswitch if needed. Takes
 * effect for the next frame. Returns 0, -EINVAL for an unknown mode,
 * -ENOMEM. */
int hv_vswitch_set_mode(struct hv *hv, unsigned vswitch, enum hv_vsw_mode mode);

/* Create a partition with mem_size bytes of zeroed logical memory (1 byte to
 * 4 GiB: I/O addresses in descriptors are 32 bits). name is copied
 * (truncated to 31 bytes). Returns NULL on a bad size or out of memory; the
 * partition lives until hv_destroy. */
struct hv_partition *hv_partition_create(struct hv *hv, const char *name, size_t mem_size);

/* The partition's name as given at creation. */
const char *hv_partition_name(const struct hv_partition *part);

/*
 * Create an ILLAN adapter in part from cfg (copied). The config is checked:
 * a valid unicast MAC, PVID 1..4094, at most HV_MAX_VIDS distinct additional
 * VIDs other than the PVID, trunk priority 0..15, fw_attrs only of the bits a
 * firmware offers (RX_MULTI_BUFF_SUPPORT, LRG_SND_SUPPORT, PADDED_PKT_CSUM),
 * at most 512 filter slots (one 8-byte entry each in the 4096-byte filter
 * page: HV_MCAST_FILTER_MAX), a known MAC policy with at most
 * HV_MAC_ALLOWED_MAX valid unicast MACs, listed only for HV_MAC_ALLOW_LIST.
 * The adapter starts closed, with
 * interrupts off, multicast reception on and no filtering (see
 * h_multicast_ctrl). Returns the unit address (nonzero, unique in this
 * hypervisor), or 0 on a bad config or out of memory.
 */
uint64_t hv_adapter_create(struct hv *hv, struct hv_partition *part,
			   const struct hv_adapter_config *cfg);

/* Copy the counters of part's adapter ua into *st. Returns 0, or -ENOENT
 * when part has no such adapter. */
int hv_adapter_get_stats(struct hv_partition *part, uint64_t ua, struct hv_adapter_stats *st);
/* Live Partition Migration to other firmware: the adapter's firmware now
 * offers exactly fw_attrs (RX_MULTI_BUFF_SUPPORT, LRG_SND_SUPPORT,
 * PADDED_PKT_CSUM); what the partition enabled before stays as it is. A
 * driver sees the change at its next H_ILLAN_ATTRIBUTES or in the calls
 * the firmware now refuses (H_ADD_LOGICAL_LAN_BUFFERS: H_FUNCTION).
 * Returns 0, -ENOENT (no such adapter) or -EINVAL (other bits). */
int hv_adapter_set_fw_attrs(struct hv_partition *part, uint64_t ua, uint64_t fw_attrs);

/* Copy the partition's counters into *st. */
void hv_partition_get_stats(const struct hv_partition *part, struct hv_partition_stats *st);

/* Install the rx interrupt handler of part's adapter ua (fn NULL removes it):
 * fn(arg) is called when a frame is queued for the adapter while its VIO
 * signal is enabled. Called from inside the sender's hcall: the handler must
 * only schedule work (as an irq handler schedules NAPI). Returns 0 or
 * -ENOENT. */
int hv_set_irq_handler(struct hv_partition *part, uint64_t ua, void (*fn)(void *arg), void *arg);

/* ---- The partition's view of its own memory --------------------------------
 * These model the partition's kernel memory and DMA mapping, not hypervisor
 * services: a driver or stack running "inside" a partition uses them to place
 * buffers in logical memory and learn their I/O addresses. */

/* Host pointer to the start of part's logical memory (address 0). */
uint8_t *hv_lmem_base(struct hv_partition *part);

/* Size in bytes of part's logical memory. */
size_t hv_lmem_size(const struct hv_partition *part);

/* The partition OS's own allocator (not a hypervisor service): bump-allocate
 * size bytes (nonzero) aligned to align (a power of two; 0 counts as 1) from
 * the partition's logical memory, never freed, starting at 4096 (page 0
 * stays unused); returns the logical address, or UINT64_MAX when the request
 * is bad or does not fit. */
uint64_t hv_lmem_alloc(struct hv_partition *part, size_t size, size_t align);

/*
 * The partition OS taking back, at once, everything it allocated since
 * mark (a value hv_lmem_mark returned earlier): later hv_lmem_alloc calls
 * hand that memory out again, its bytes as they were left. For a driver
 * instance removed and probed again in the same memory (the ibmveth fuzz
 * target reuses one partition so); the caller guarantees nothing registered
 * with the hypervisor still points into the range. A mark above the current
 * one is ignored.
 */
size_t hv_lmem_mark(const struct hv_partition *part);
void hv_lmem_release(struct hv_partition *part, size_t mark);

/* Host pointer for [laddr, laddr+len) if inside the partition's memory, else
 * NULL. */
void *hv_lmem_ptr(struct hv_partition *part, uint64_t laddr, size_t len);

/* Logical address of host range [ptr, ptr+len) if inside the partition's
 * memory, else UINT64_MAX (a failed DMA map). */
uint64_t hv_lmem_addr(struct hv_partition *part, const void *ptr, size_t len);

/* ---- The hcalls ------------------------------------------------------------
 * part is the calling partition (the hypervisor knows which LPAR trapped).
 * Each returns a PAPR code. Checks and their order follow QEMU's
 * hw/net/spapr_llan.c where it has the call; where neither QEMU nor the
 * driver settles a question, the choice is said below. Address checks bump
 * the adapter's addr_errors, other H_PARAMETER refusals param_errors,
 * H_RESOURCE refusals resource_errors; a unit address the calling partition
 * does not own bumps the partition's bad_unit. */

/*
 * H_REGISTER_LOGICAL_LAN(ua, buf_list, rxq_desc, filter_list, mac).
 * Checks, in QEMU's order: unknown unit H_PARAMETER; already registered
 * H_RESOURCE; buf_list and filter_list 4096-aligned pages inside memory;
 * rxq_desc VALID with address and length 16-byte aligned, length nonzero and
 * inside memory (all H_PARAMETER). Our choice where QEMU ignores it: mac must
 * be a valid unicast address (H_PARAMETER otherwise) and becomes the current
 * MAC, since the driver passes dev_addr here and a MAC set with
 * H_CHANGE_LOGICAL_LAN_MAC would otherwise be lost across close/open.
 * Then, as QEMU: the rxq descriptor is stored at buf_list+0 with TOGGLE clear
 * (so first-pass entries carry TOGGLE = 1), the filter descriptor
 * VALID|4096|filter_list at +8, buf_list+16..4095 (drop counter included) and
 * the whole receive queue are zeroed, interrupts are off.
 */
long h_register_logical_lan(struct hv_partition *part, uint64_t ua, uint64_t buf_list,
			    uint64_t rxq_desc, uint64_t filter_list, uint64_t mac);

/*
 * H_FREE_LOGICAL_LAN(ua). Unknown unit H_PARAMETER; not registered
 * H_RESOURCE. Otherwise, as QEMU: posted buffers are forgotten (the
 * partition reclaims them), the LAN is closed and the MAC returns to the
 * permanent one. Attributes the partition set are kept: the driver changes
 * them while closed and expects them at the next open. A trunk that frees its
 * LAN stops being the active trunk (see h_illan_attributes).
 */
long h_free_logical_lan(struct hv_partition *part, uint64_t ua);

/*
 * H_ADD_LOGICAL_LAN_BUFFER(ua, desc): post one receive buffer. Checks, in
 * QEMU's order: unknown unit H_PARAMETER; descriptor (VALID, address and
 * length 4-aligned, length >= 16, inside memory) H_PARAMETER; not registered
 * H_RESOURCE; no pool for this length or pool full H_RESOURCE. The buffer's
 * first 8 bytes are the correlator the hypervisor will echo back.
 */
long h_add_logical_lan_buffer(struct hv_partition *part, uint64_t ua, uint64_t desc);

/*
 * H_ADD_LOGICAL_LAN_BUFFERS(ua, d1..d8), the 2025 batched call: H_FUNCTION
 * unless the adapter's firmware offers IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT.
 * Zero descriptors are unused slots; all eight zero is H_PARAMETER. Our
 * choice: the batch is all-or-nothing — every nonzero descriptor is checked
 * as in h_add_logical_lan_buffer and must fit before any is posted.
 */
long h_add_logical_lan_buffers(struct hv_partition *part, uint64_t ua, const uint64_t desc[8]);

/*
 * H_SEND_LOGICAL_LAN(ua, d1..d6, continue_token [, mss]). desc[6] is gathered
 * in order up to the first descriptor without VALID; mss is the 9th argument
 * (0 when the driver passes none); *ret_token (may be NULL) receives the token
 * to retry with after H_BUSY.
 * Order of checks: unknown unit H_PARAMETER; injected result
 * (hv_inject_send_result); an H_SEND_LOGICAL_LAN made from an interrupt
 * handler while another is delivering H_BUSY; not registered H_DROPPED (as
 * QEMU; tx_not_open); continue_token != 0 H_PARAMETER — our choice: this
 * hypervisor finishes every fan-out within the call and never hands out a
 * token (*ret_token is always 0), so a nonzero one is not ours (QEMU answers
 * H_HARDWARE). Then, as QEMU, descriptors are gathered: total 0 H_SUCCESS
 * (nothing sent), total > HV_MAX_FRAME H_RESOURCE (tx_too_big), a range outside
 * the partition H_DEST_PARM (addr_errors; QEMU's spapr_vio_dma_read code). Then the frame: shorter than an
 * Ethernet header H_PARAMETER; destination = the sender's own current MAC
 * H_PARAMETER and self_sends (PHYP's rc=-4 in the message of kernel commit
 * 6f2275433a2f); a VLAN the port may not send on H_DROPPED and vlan_discards
 * (our choice: the driver counts H_DROPPED as sent, as a switch drops
 * silently); from a client adapter (not a trunk, which forwards other
 * stations' frames) whose MAC policy is not allow-all, a source MAC other
 * than its current, its permanent or an allowed one H_DROPPED and
 * mac_discards (our choice, see vsw.c). Descriptor flags are taken from d1. LRG_SND with a nonzero mss
 * is a large send only if the sender enabled LRG_SR_ENABLED (the driver
 * passes mss only then); such an mss below HV_MIN_LRG_MSS or above 65535 is
 * H_PARAMETER. Otherwise mss and LRG_SND are ignored and the frame is an
 * ordinary one. H_SUCCESS once the frame entered the switch, whatever became
 * of each copy (receivers count their own drops).
 */
long h_send_logical_lan(struct hv_partition *part, uint64_t ua, const uint64_t desc[6],
			uint64_t continue_token, uint64_t *ret_token, uint64_t mss);

/*
 * H_MULTICAST_CTRL(ua, cmd, mac). QEMU only looks the unit up and no public
 * source gives PAPR's rules, so ours are: cmd bits other than the four
 * modify/enable bits and the 2-bit operation are H_PARAMETER; reception and
 * filtering changes apply first, then the operation (the driver sends
 * EnableRecv|DisableFiltering|ClearFilterTable in one call). AddFilter needs
 * a multicast MAC (group bit set, 48 bits; H_PARAMETER) and a free slot of
 * "ibm,mac-address-filters" (H_RESOURCE; an address already present is
 * success); RemoveFilter of an absent address is success. Answered whether or
 * not the LAN is registered; the state is kept across free and register.
 * Delivery: broadcast always; other multicast only with reception enabled,
 * and with filtering enabled only for addresses in the table.
 */
long h_multicast_ctrl(struct hv_partition *part, uint64_t ua, uint64_t cmd, uint64_t mac);

/*
 * H_CHANGE_LOGICAL_LAN_MAC(ua, mac). QEMU takes the low 48 bits of anything;
 * our choice: the MAC must be a valid unicast address in the low 48 bits
 * (H_PARAMETER otherwise), as the driver itself insists. Allowed open or
 * closed; H_FREE_LOGICAL_LAN restores the permanent MAC. The adapter's MAC
 * policy (the HMC's MAC address controls) is enforced here: a MAC it does not
 * allow is H_PARAMETER and counts mac_denied (our choice of code: no source
 * gives PHYP's; it is the code of a MAC refused for any other reason, and
 * ibmveth_set_mac_addr hands any nonzero code back to the caller, dev_addr
 * unchanged). H_REGISTER_LOGICAL_LAN applies the same rule to its mac.
 */
long h_change_logical_lan_mac(struct hv_partition *part, uint64_t ua, uint64_t mac);

/*
 * H_ILLAN_ATTRIBUTES(ua, reset_mask, set_mask) -> attributes in *ret_attrs.
 * New OS bits = (old & ~reset) | set. QEMU has no such call; our rules (from
 * how ibmveth_set_csum_offload and ibmveth_set_tso use the call): only
 * PAPR_ILLAN_OS_SETTABLE bits may appear in either mask (the firmware
 * offers, trunk priority and ACTIVE_TRUNK are read-only: H_PARAMETER);
 * setting LRG_SR_ENABLED needs LRG_SND_SUPPORT offered and setting
 * IPV4/IPV6_TCP_CSUM needs PADDED_PKT_CSUM offered (H_PARAMETER otherwise:
 * the firmware cannot honour them), resetting is always allowed. (0, 0) is a
 * pure query. Answered whether or not the LAN is registered, as the driver's
 * set_features needs. *ret_attrs (may be NULL) gets the attributes after the
 * call, or the unchanged ones on H_PARAMETER. ACTIVE_TRUNK is set when the
 * adapter is the active trunk of its PVID: among the trunks on that VLAN that
 * have not freed their LAN after registering, the lowest priority number,
 * then the oldest — the trunk the switch sends that VLAN's frames to.
 */
long h_illan_attributes(struct hv_partition *part, uint64_t ua, uint64_t reset_mask,
			uint64_t set_mask, uint64_t *ret_attrs);

/*
 * H_VIO_SIGNAL(ua, mode): VIO_IRQ_ENABLE or VIO_IRQ_DISABLE the rx
 * interrupt. As QEMU's h_vio_signal: mode bits outside the signal mask (0x1)
 * are H_PARAMETER. Allowed whether or not the LAN is registered.
 */
long h_vio_signal(struct hv_partition *part, uint64_t ua, uint64_t mode);

/*
 * Generic entry by opcode (fuzzing, tests), with the argument registers of
 * the real call: args[0] is the unit address, then the call's arguments in
 * order (send: args[1..6] descriptors, args[7] continue token, args[8] mss;
 * add buffers: args[1..8]). rets (may be NULL) receives retbuf[0]
 * (attributes, continue token), other slots zeroed. Unknown opcodes give
 * H_FUNCTION (and the partition's bad_opcode counter).
 */
long hv_hcall(struct hv_partition *part, uint64_t opcode, const uint64_t args[9], uint64_t rets[4]);

/* ---- Observation ------------------------------------------------------------
 * One optional observer per hypervisor sees the two places where a driver and
 * the hypervisor meet on the data path, for tests that compare drivers hop by
 * hop (tests/kibmveth/test_differential.c) and for tools that record them:
 *   HV_OBS_SEND  every H_SEND_LOGICAL_LAN naming an adapter of the caller,
 *                as made, before any other check: the six descriptor
 *                registers and the mss register (0 when the driver passed
 *                none), whatever the call then returns;
 *   HV_OBS_RXQ   every receive-queue entry the hypervisor writes, right after
 *                its flags_off (the frame is whole in the buffer by then),
 *                before the receiver's interrupt.
 * The observer runs inside the hcall: it must only read (no hcall, no
 * hv_* call that changes state). The event and the memory it points to are
 * valid only during the call. With no observer installed each place costs
 * one NULL test. */
enum hv_obs_kind {
	HV_OBS_SEND,
	HV_OBS_RXQ,
};

struct hv_obs {
	enum hv_obs_kind kind;
	struct hv_partition *part; /* the sender (SEND) or the receiver (RXQ) */
	uint64_t ua;               /* its adapter */
	/* HV_OBS_SEND: the descriptor registers d1..d6 as passed (NULL if the
	 * caller passed none), and mss */
	const uint64_t *desc;
	uint64_t mss;
	/* HV_OBS_RXQ: the entry as written, in host order (flags_off with TOGGLE,
	 * VALID, LRG_PKT, NO_CSUM, CSUM_GOOD and the offset; length), and the
	 * receive buffer: the correlator at +0, for LRG_PKT the mss as a be64 at
	 * +8, the frame at the entry's offset */
	uint32_t flags_off;
	uint32_t length;
	const uint8_t *buf;
};

typedef void (*hv_observer_fn)(void *arg, const struct hv_obs *ev);

/* Install fn (called with arg) as hv's observer, replacing any; fn NULL
 * removes it. */
void hv_set_observer(struct hv *hv, hv_observer_fn fn, void *arg);

/* ---- Fault injection ------------------------------------------------------ */

/* Make the next n H_SEND_LOGICAL_LAN calls from part (to any of its adapters
 * that exist) return code (H_BUSY, H_DROPPED, H_RESOURCE...) without sending;
 * n = 0 clears. For tests of the driver's retry and error paths. */
void hv_inject_send_result(struct hv_partition *part, long code, unsigned n);

#endif
