/*
 * papr.h — the PAPR Interpartition Logical LAN interface as a partition sees
 * it: hcall opcodes and return codes, the buffer descriptor, the receive-queue
 * entry, the buffer-list page, ILLAN attribute bits, multicast-control bits.
 *
 * Shared by the hypervisor (src/hv) and the drivers that call it
 * (src/drv/ibmveth): both sides of the hcall boundary agree on these bytes.
 * Values from arch/powerpc/include/asm/hvcall.h and
 * drivers/net/ethernet/ibm/ibmveth.h; see ../shared/reference/ibmveth-and-papr.md.
 */
#ifndef ILLAN_PAPR_H
#define ILLAN_PAPR_H

#include <assert.h>
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
#define H_RESOURCE (-16)
#define H_LONG_BUSY_ORDER_1_MSEC 9900
#define H_LONG_BUSY_ORDER_100_SEC 9905
#define H_IS_LONG_BUSY(x) ((x) >= H_LONG_BUSY_ORDER_1_MSEC && (x) <= H_LONG_BUSY_ORDER_100_SEC)

/* H_VIO_SIGNAL modes (asm/vio.h) */
#define VIO_IRQ_DISABLE 0
#define VIO_IRQ_ENABLE 1

/*
 * Buffer descriptor (union ibmveth_buf_desc): one u64 passed in a register.
 * Bits 63..32 are flags_len, bits 31..0 the 32-bit I/O address, which in
 * illan is an offset into the calling partition's logical memory.
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
static inline uint32_t papr_desc_flags_len(uint64_t d) { return (uint32_t)(d >> 32); }
static inline uint32_t papr_desc_len(uint64_t d) { return (uint32_t)(d >> 32) & IBMVETH_BUF_LEN_MASK; }
static inline uint32_t papr_desc_addr(uint64_t d) { return (uint32_t)d; }

/*
 * Receive-queue entry (struct ibmveth_rx_q_entry), 16 bytes, big-endian in
 * partition memory: flags_off (be32), length (be32), correlator (8 bytes
 * copied verbatim from the first 8 bytes of the receive buffer).
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
	uint8_t flags_off[4]; /* be32 */
	uint8_t length[4];    /* be32 */
	uint8_t correlator[8];
};
static_assert(sizeof(struct papr_rxq_entry) == PAPR_RXQ_ENTRY_SIZE, "rxq entry is 16 bytes");

/* The 4096-byte buffer-list page registered with H_REGISTER_LOGICAL_LAN. */
#define PAPR_BUFLIST_SIZE 4096u
#define PAPR_BUFLIST_RXQ_DESC 0     /* rx-queue descriptor, TOGGLE flips on wrap */
#define PAPR_BUFLIST_FILTER_DESC 8  /* filter-list descriptor */
#define PAPR_BUFLIST_BUFS 16        /* receive buffer descriptors (page mode) */
#define PAPR_BUFLIST_DROP_COUNT 4088 /* be64: frames dropped for lack of a buffer */
#define PAPR_FILTER_LIST_SIZE 4096u
/* The frame is written at this offset in a receive buffer (after the 8-byte
 * correlator); LRG_PKT frames go at PAPR_RX_LRG_OFFSET so the MSS fits at +8. */
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
