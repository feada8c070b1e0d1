/*
 * pkt_internal.h — functions shared between the packet core's own files and
 * no one else (pool internals used by linearize).
 */
#ifndef ILLAN_PKT_INTERNAL_H
#define ILLAN_PKT_INTERNAL_H

#include "pkt/pkt.h"

/* Exchange the buffers (head, size and class) of two packets of the same
 * pool; bytes and metadata stay where they are. Lets linearize give a packet
 * a bigger buffer without changing its identity. */
void pkt_swap_buffers(struct pkt *a, struct pkt *b);

#endif
