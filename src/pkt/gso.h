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
 * Cut GSO packet p (linear or with a frag_list) into segments of gso_size
 * payload bytes, each a new linear packet from p's pool: headers copied,
 * TCP seq advanced, PSH/FIN only on the last, CWR only on the first, IPv4
 * tot_len, id + i (unless FIXEDID) and header checksum rewritten, IPv6
 * payload_len rewritten. With csum_offload the segments are PARTIAL with the
 * correct per-segment pseudo-header seed; without, their TCP checksums are
 * completed (ip_summed NONE). gso_size >= payload gives one segment.
 * p is not freed. Returns the ->next-linked list, or NULL with *err set
 * (-EINVAL bad headers/metadata, -ENOMEM; partial output is freed).
 */
struct pkt *gso_segment(struct pkt *p, bool csum_offload, int *err);

#endif
