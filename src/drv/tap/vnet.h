/*
 * vnet.h — the virtio-net header (struct virtio_net_hdr, 10 bytes, fields
 * little-endian as a modern TAP uses them) and its conversion to and from a
 * packet's offload metadata.
 *
 * Serves the TAP and AF_PACKET devices (tap.c): every frame a Linux kernel
 * hands us through IFF_VNET_HDR or PACKET_VNET_HDR carries this header in
 * front, and every frame we write carries one. Pure functions on a packet and
 * a header — no I/O — so they are unit-tested without privileges and make a
 * fuzz target.
 *
 * From the kernel (vnet_hdr_to_pkt), as virtio_net_hdr_to_skb does:
 *   NEEDS_CSUM  -> CHECKSUM_PARTIAL at csum_start/csum_offset (validated);
 *   DATA_VALID  -> ignored, as Linux ignores it on this path;
 *   GSO TCPV4/6 -> gso_type/gso_size (+ECN), marked DODGY (untrusted);
 *   anything else (UDP/UFO, USO, unknown, ECN alone) -> refused: we never
 *   offer UFO/USO with TUNSETOFFLOAD, so a kernel never sends them.
 * Every header goes through pkt_offload_apply; a bad one is counted and the
 * packet is refused, never trusted.
 *
 * To the kernel (vnet_hdr_from_pkt), as virtio_net_hdr_from_skb does, with
 * one difference the TAP forces on us: TAP ignores DATA_VALID on frames
 * written to it (verified on Linux 6.18: a SYN with a zero checksum field and
 * DATA_VALID is counted in TcpInCsumErrors). So a CHECKSUM_UNNECESSARY TCP/UDP
 * packet — whose field may hold 0, as ibmveth's CSUM_GOOD path leaves it — is
 * written as NEEDS_CSUM with the pseudo-header seed put into the field, which
 * keeps its meaning ("the payload is good; the field is to be completed") and
 * costs only the pseudo-header sum.
 */
#ifndef ILLAN_VNET_H
#define ILLAN_VNET_H

#include <stdbool.h>
#include <stdint.h>

#include "ev/counter.h"
#include "pkt/pkt.h"

#define VNET_HDR_LEN 10 /* sizeof(struct virtio_net_hdr) */

/* include/uapi/linux/virtio_net.h */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_F_RSC_INFO 4
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP 3
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#define VIRTIO_NET_HDR_GSO_ECN 0x80

/* The header in host order. */
struct vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;     /* Ethernet + IP + TCP header bytes: a hint */
	uint16_t gso_size;    /* payload bytes per segment (MSS) */
	uint16_t csum_start;  /* from the start of the frame */
	uint16_t csum_offset; /* from csum_start to the checksum field */
};

/* Why headers from the kernel were refused (the first five are
 * pkt_offload_apply's verdicts, struct pkt_offload_errors), and what the
 * writer changed. The names are the TAP device's counters. */
#define VNET_COUNTERS(X, T)                                                                    \
	X(T, vnet_bad_csum_start, "virtio-net header: csum_start not at the L4 header", 0)     \
	X(T, vnet_bad_csum_offset, "virtio-net header: csum_offset not a TCP/UDP checksum", 0) \
	X(T, vnet_bad_gso_size, "virtio-net header: GSO with gso_size 0", 0)                   \
	X(T, vnet_bad_gso_type, "virtio-net header: GSO type refused or not the frame's", 0)   \
	X(T, vnet_bad_headers, "virtio-net header on truncated or malformed headers", 0)       \
	X(T, vnet_bad_hdr_len, "virtio-net header: hdr_len beyond the frame", 0)               \
	X(T, vnet_runt, "frame from the kernel shorter than an Ethernet header", 0)            \
	/* NEEDS_CSUM accepted as PARTIAL, GSO accepted */                                     \
	X(T, vnet_rx_partial, NULL, 0)                                                         \
	X(T, vnet_rx_gso, NULL, 0)                                                             \
	/* written as NEEDS_CSUM (PARTIAL, or UNNECESSARY seeded) */                           \
	X(T, vnet_tx_needs_csum, NULL, 0)                                                      \
	X(T, vnet_tx_unnecessary_seeded, NULL, 0)                                              \
	X(T, vnet_tx_gso, NULL, 0)                                                             \
	X(T, vnet_tx_bad_meta, "offload metadata a virtio-net header cannot carry", 0)

struct vnet_stats {
	VNET_COUNTERS(COUNTER_FIELD, _)
};
/* The set of struct vnet_stats (kind "vnet"). */
extern const struct counter_set vnet_counters;

/* Decode the 10 little-endian bytes at raw into h. */
void vnet_hdr_decode(const uint8_t raw[VNET_HDR_LEN], struct vnet_hdr *h);
/* Encode h into 10 little-endian bytes at raw. */
void vnet_hdr_encode(const struct vnet_hdr *h, uint8_t raw[VNET_HDR_LEN]);

/*
 * Apply a header read from the kernel to p, whose data starts at the
 * Ethernet header and holds the whole frame (linear). Frames without
 * NEEDS_CSUM and GSO are left as they are (CHECKSUM_NONE). Returns 0, or
 * -EINVAL with the matching vnet_bad_* counter in st increased and p's offload
 * metadata unchanged (the caller drops p). st may be NULL.
 */
int vnet_hdr_to_pkt(struct pkt *p, const struct vnet_hdr *h, struct vnet_stats *st);

/*
 * Build the header for writing p to the kernel. May write the pseudo-header
 * seed into p's L4 checksum field and make p PARTIAL (UNNECESSARY TCP/UDP,
 * see above). p's headers must be in its linear part. Returns 0, or -EINVAL
 * when the metadata cannot be expressed (a GSO type other than TCPV4/6,
 * offsets beyond 16 bits) — counted in st->vnet_tx_bad_meta; the caller drops p.
 * st may be NULL.
 */
int vnet_hdr_from_pkt(struct pkt *p, struct vnet_hdr *h, struct vnet_stats *st);

#endif
