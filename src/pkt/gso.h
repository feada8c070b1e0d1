/*
 * gso.h — software segmentation of TCP super-frames over IPv4 and IPv6, with
 * the geometry of Linux's skb_segment / tcp_gso_segment / inet_gso_segment.
 *
 * Serves netdev's validate_xmit (a device without the TSO feature, or a
 * frag_list packet to a device without FRAGLIST), the hypervisor (segmenting
 * large sends for receivers without large receive), and the physical NIC's
 * hardware TSO model.
 */
#ifndef ILLAN_GSO_H
#define ILLAN_GSO_H

#include <stdbool.h>
#include "pkt.h"

/*
 * Cut GSO packet p (linear, or with page fragments and/or a frag_list: the
 * payload is read across them) into segments of gso_size
 * payload bytes, each a new linear packet from p's pool. p must be a TCP GSO
 * packet (gso_type TCPV4 or TCPV6 matching its IP version) with its MAC
 * header at data; when PARTIAL, csum_start must be the TCP header and
 * csum_offset 16 (tcp_gso_segment's check). Each segment: MAC..TCP headers
 * copied, IPv4 tot_len, id + i (unless FIXEDID) and header checksum
 * rewritten, IPv6 payload_len rewritten, TCP seq + i * gso_size, PSH/FIN only
 * on the last, CWR only on the first. A PARTIAL packet's seed is taken from
 * its checksum field and adjusted to each segment's length (so a zeroed seed
 * gives bad segments, as in the kernel); any other packet's seed is computed
 * from the pseudo-header first (as tcp4_gso_segment does). With csum_offload
 * the segments are PARTIAL with their seed; without, their TCP checksums are
 * completed (ip_summed NONE). Other metadata (VLAN tag, dev, iif, trace) is
 * copied; gso fields are cleared. A payload no longer than gso_size is
 * -EINVAL, as tcp_gso_segment answers it. p is not freed. Returns the
 * ->next-linked list, or NULL with *err set (err may be NULL): -EINVAL (bad
 * headers or metadata, nothing to cut) or -ENOMEM (partial output freed).
 */
struct pkt *gso_segment(struct pkt *p, bool csum_offload, int *err);

#endif
