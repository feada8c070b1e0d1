/*
 * papr.h — the PAPR Interpartition Logical LAN interface as a partition sees
 * it: hcall opcodes and return codes, the buffer descriptor, the receive-queue
 * entry, the buffer-list page, the receive buffer, ILLAN attribute bits,
 * multicast-control bits.
 *
 * Shared by the hypervisor (src/hv) and the drivers that call it
 * (src/drv/ibmveth): both sides of the hcall boundary agree on these bytes.
 * Values and layouts from the kernel's arch/powerpc/include/asm/hvcall.h and
 * drivers/net/ethernet/ibm/ibmveth.h and QEMU's hw/net/spapr_llan.c; the
 * facts the code relies on are in docs/architecture.md, "Wire layouts".
 *
 * Who writes what, as netmap's netmap.h says who owns head, cur and tail:
 * every field below is tagged
 *   [P]  written by the partition (its driver); the hypervisor only reads it;
 *   [H]  written by the hypervisor; the partition only reads it.
 * Memory the partition registers (buffer-list page, receive queue) is its own
 * and zeroed by it before H_REGISTER_LOGICAL_LAN; from then until
 * H_FREE_LOGICAL_LAN the tags hold.
 */
#ifndef ILLAN_PAPR_H
#define ILLAN_PAPR_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* hcall opcodes (hvcall.h) */
#define H_VIO_SIGNAL 0x104
#define H_REGISTER_LOGICAL_LAN 0x114
#define H_FREE_LOGICAL_LAN 0x118
#define H_ADD_LOGICAL_LAN_BUFFER 0x11C
#define H_SEND_LOGICAL_LAN 0x120
#define H_MULTICAST_CTRL 0x130
#define H_CHANGE_LOGICAL_LAN_MAC 0x14C
#define H_ILLAN_ATTRIBUTES 0x244
#define H_ADD_LOGICAL_LAN_BUFFERS 0x248

/* return codes (hvcall.h) */
#define H_SUCCESS 0
#define H_BUSY 1
#define H_CLOSED 2
#define H_NOT_AVAILABLE 3
#define H_CONSTRAINED 4
#define H_PARTIAL 5
#define H_HARDWARE (-1)
#define H_FUNCTION (-2)
#define H_PRIVILEGE (-3)
#define H_PARAMETER (-4)
#define H_NO_MEM (-9)
#define H_AUTHORITY (-10)
#define H_PERMISSION (-11)
#define H_DROPPED (-12)
#define H_DEST_PARM (-14)
#define H_RESOURCE (-16)
#define H_LONG_BUSY_ORDER_1_MSEC 9900
#define H_LONG_BUSY_ORDER_100_SEC 9905
#define H_IS_LONG_BUSY(x) ((x) >= H_LONG_BUSY_ORDER_1_MSEC && (x) <= H_LONG_BUSY_ORDER_100_SEC)

/* H_VIO_SIGNAL modes (asm/vio.h) */
#define VIO_IRQ_DISABLE 0
#define VIO_IRQ_ENABLE 1

/*
 * Buffer descriptor (union ibmveth_buf_desc): one u64, passed in a register
 * [P]. Bits 63..32 are flags_len, bits 31..0 the 32-bit I/O address, which in
 * illan is an offset into the calling partition's logical memory. The same
 * format names a frame to send (H_SEND_LOGICAL_LAN), a receive buffer to post
 * (H_ADD_LOGICAL_LAN_BUFFER[S]) and the receive queue (H_REGISTER_LOGICAL_LAN).
 * The hypervisor writes descriptors only into the buffer-list page (below).
 *
 *   VALID      [P] the descriptor names a buffer (sends: gather stops at the
 *                  first without it)
 *   TOGGLE     [H] only in the rx-queue descriptor at buffer-list +0: flips
 *                  each time the hypervisor wraps the queue
 *   LRG_SND    [P] send: a large send whose MSS is the hcall's 9th argument
 *   NO_CSUM    [P] send: the TCP checksum is not filled in
 *   CSUM_GOOD  [P] send: the data is known good (no checksum needed)
 *   length     [P] 24 bits
 *   address    [P] 32 bits
 */
#define IBMVETH_BUF_VALID 0x80000000u
#define IBMVETH_BUF_TOGGLE 0x40000000u
#define IBMVETH_BUF_LRG_SND 0x04000000u
#define IBMVETH_BUF_NO_CSUM 0x02000000u
#define IBMVETH_BUF_CSUM_GOOD 0x01000000u
#define IBMVETH_BUF_LEN_MASK 0x00FFFFFFu

static inline uint64_t papr_desc(uint32_t flags_len, uint32_t addr)
{
	return (uint64_t)flags_len << 32 | addr;
}
static inline uint32_t papr_desc_flags_len(uint64_t d)
{
	return (uint32_t)(d >> 32);
}
static inline uint32_t papr_desc_len(uint64_t d)
{
	return (uint32_t)(d >> 32) & IBMVETH_BUF_LEN_MASK;
}
static inline uint32_t papr_desc_addr(uint64_t d)
{
	return (uint32_t)d;
}

/*
 * Receive-queue entry (struct ibmveth_rx_q_entry), 16 bytes, big-endian in
 * partition memory. Every field is [H]: the partition never writes an entry
 * after registering the queue.
 *
 * The queue is a ring with one cursor per side, each an index and a toggle
 * bit. The hypervisor's (rxq_ptr, rxq_toggle in struct hv_adapter) is the
 * next entry it writes; the partition's (ibmveth's rx_queue index and toggle)
 * the next it reads. An entry whose TOGGLE equals the partition's toggle is
 * the partition's until its cursor moves past it. The hypervisor writes
 * flags_off last, so an entry is whole once its TOGGLE shows; it never checks
 * whether the partition is done with an entry: each entry uses up one posted
 * buffer, so a partition whose queue has at least as many entries as it
 * posts buffers (ibmveth: one more than all its pools hold) is never overrun.
 */
#define IBMVETH_RXQ_TOGGLE 0x80000000u
#define IBMVETH_RXQ_TOGGLE_SHIFT 31
#define IBMVETH_RXQ_VALID 0x40000000u
#define IBMVETH_RXQ_LRG_PKT 0x04000000u
#define IBMVETH_RXQ_NO_CSUM 0x02000000u
#define IBMVETH_RXQ_CSUM_GOOD 0x01000000u
#define IBMVETH_RXQ_OFF_MASK 0x0000FFFFu
#define PAPR_RXQ_ENTRY_SIZE 16

struct papr_rxq_entry {
	/* [H] be32: TOGGLE (the opposite of the rx-queue descriptor's TOGGLE
	 * when written), VALID (the entry carries a frame), LRG_PKT (a large
	 * frame whose MSS is in the buffer), NO_CSUM and CSUM_GOOD (as the
	 * sender's descriptor had them), and in the low 16 bits the offset of
	 * the frame in the buffer. Written last. */
	uint8_t flags_off[4];
	uint8_t length[4];     /* [H] be32: frame length, Ethernet header on, no FCS */
	uint8_t correlator[8]; /* [H] the buffer's first 8 bytes, copied verbatim */
};
static_assert(sizeof(struct papr_rxq_entry) == PAPR_RXQ_ENTRY_SIZE, "rxq entry is 16 bytes");

/*
 * The 4096-byte buffer-list page registered with H_REGISTER_LOGICAL_LAN.
 * Once it is registered, the partition only reads it.
 */
#define PAPR_BUFLIST_SIZE 4096u

struct papr_buf_list {
	/* [H] be64: the rx-queue descriptor the partition passed to register,
	 * stored with TOGGLE clear; TOGGLE flips on each wrap of the queue. */
	uint8_t rxq_desc[8];
	/* [H] be64: VALID | 4096 | the filter-list page's address. */
	uint8_t filter_desc[8];
	/* Receive-buffer descriptors of the page mode QEMU also knows; illan
	 * posts buffers into pools instead, so these only get zeroed [H] at
	 * register. */
	uint8_t rx_bufs[PAPR_BUFLIST_SIZE - 24];
	/* [H] be64: frames dropped for lack of a fitting buffer; ibmveth reads
	 * it as rx_no_buffer. */
	uint8_t drop_count[8];
};
static_assert(sizeof(struct papr_buf_list) == PAPR_BUFLIST_SIZE, "buffer list is one page");

#define PAPR_BUFLIST_RXQ_DESC offsetof(struct papr_buf_list, rxq_desc)
#define PAPR_BUFLIST_FILTER_DESC offsetof(struct papr_buf_list, filter_desc)
#define PAPR_BUFLIST_BUFS offsetof(struct papr_buf_list, rx_bufs)
#define PAPR_BUFLIST_DROP_COUNT offsetof(struct papr_buf_list, drop_count)
static_assert(PAPR_BUFLIST_DROP_COUNT == 4088, "drop counter at page +4088");

/* The filter-list page: registered by the partition, its format given by no
 * source; illan's hypervisor keeps the filter table itself and never touches
 * the page. */
#define PAPR_FILTER_LIST_SIZE 4096u

/*
 * A receive buffer, posted with H_ADD_LOGICAL_LAN_BUFFER[S]:
 *   +0   correlator [P] 8 bytes, written before posting, echoed in the entry
 *   +8   the frame [H], at PAPR_RX_OFFSET; or, for an LRG_PKT frame,
 *   +8   the MSS [H] as a be64, and
 *   +16  the frame [H], at PAPR_RX_LRG_OFFSET
 * The entry's offset field says which.
 */
#define PAPR_RX_OFFSET 8u
#define PAPR_RX_LRG_OFFSET 16u
#define PAPR_MAX_FRAME 65536u /* largest frame H_SEND_LOGICAL_LAN accepts */
#define PAPR_SEND_DESCS 6

/* H_ILLAN_ATTRIBUTES bits (ibmveth.h) */
#define IBMVETH_ILLAN_RX_MULTI_BUFF_SUPPORT 0x0000000000040000ull
#define IBMVETH_ILLAN_LRG_SR_ENABLED 0x0000000000010000ull
#define IBMVETH_ILLAN_LRG_SND_SUPPORT 0x0000000000008000ull
#define IBMVETH_ILLAN_PADDED_PKT_CSUM 0x0000000000002000ull
#define IBMVETH_ILLAN_TRUNK_PRI_MASK 0x0000000000000F00ull
#define IBMVETH_ILLAN_TRUNK_PRI_SHIFT 8
#define IBMVETH_ILLAN_IPV6_TCP_CSUM 0x0000000000000004ull
#define IBMVETH_ILLAN_IPV4_TCP_CSUM 0x0000000000000002ull
#define IBMVETH_ILLAN_ACTIVE_TRUNK 0x0000000000000001ull
/* Bits a partition may set or reset; all others are read-only. */
#define PAPR_ILLAN_OS_SETTABLE \
	(IBMVETH_ILLAN_LRG_SR_ENABLED | IBMVETH_ILLAN_IPV6_TCP_CSUM | IBMVETH_ILLAN_IPV4_TCP_CSUM)

/* H_MULTICAST_CTRL command bits (ibmveth.h) */
#define IbmVethMcastReceptionModifyBit 0x80000ull
#define IbmVethMcastReceptionEnableBit 0x20000ull
#define IbmVethMcastFilterModifyBit 0x40000ull
#define IbmVethMcastFilterEnableBit 0x10000ull
#define IbmVethMcastEnableRecv (IbmVethMcastReceptionModifyBit | IbmVethMcastReceptionEnableBit)
#define IbmVethMcastDisableRecv (IbmVethMcastReceptionModifyBit)
#define IbmVethMcastEnableFiltering (IbmVethMcastFilterModifyBit | IbmVethMcastFilterEnableBit)
#define IbmVethMcastDisableFiltering (IbmVethMcastFilterModifyBit)
#define IbmVethMcastAddFilter 0x1ull
#define IbmVethMcastRemoveFilter 0x2ull
#define IbmVethMcastClearFilterTable 0x3ull

/* MAC <-> u64 as ether_addr_to_u64: mac[0] in bits 47..40. */
static inline uint64_t papr_mac_to_u64(const uint8_t mac[6])
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v = v << 8 | mac[i];
	return v;
}
static inline void papr_u64_to_mac(uint64_t v, uint8_t mac[6])
{
	for (int i = 5; i >= 0; i--, v >>= 8)
		mac[i] = (uint8_t)v;
}

#endif
