/*
 * pkt_internal.h — functions shared between the packet core's own files and
 * no one else (pool internals used by linearize).
 */
#ifndef ILLAN_PKT_INTERNAL_H
#define ILLAN_PKT_INTERNAL_H

#include "pkt/pkt.h"

void pkt_swap_buffers(struct pkt *a, struct pkt *b);
/* Size of the pool's largest buffer class. */
uint32_t pkt_pool_max_buf(const struct pkt_pool *pool);

#endif
