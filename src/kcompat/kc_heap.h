/*
 * kc_heap.h — an allocator over one region of a partition's logical memory:
 * the memory a kernel driver instance gets from kmalloc, get_zeroed_page
 * and dma_alloc_coherent.
 *
 * Serves kc_mem.c (the kernel allocation and DMA entry points) and the
 * layer's tests. Allocations are freed and reused: a driver that frees its
 * buffer list, filter list, receive queue and long-term buffers on close
 * and takes them again on open (as ibmveth does around every set_features
 * and change_mtu) runs in the same memory for as long as it likes, where a
 * bump allocator would run out.
 *
 * First fit over the region's blocks in address order, blocks split on
 * allocation and merged with free neighbours on free. Alignment is of the
 * logical address (what the hypervisor checks: the buffer list must be a
 * 4096-aligned page). The block list lives on the host heap, never in the
 * region: a partition that scribbles over its memory (or a hypervisor that
 * writes into it) cannot corrupt the allocator, and a free of anything but
 * a live block's start is refused, not trusted.
 */
#ifndef ILLAN_KC_HEAP_H
#define ILLAN_KC_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kc_heap;

struct kc_heap_stats {
	size_t size;          /* bytes in the region */
	size_t in_use;        /* bytes in live blocks (after rounding) */
	size_t peak;          /* largest in_use seen */
	size_t largest_free;  /* longest free block */
	size_t n_live;        /* live blocks */
	size_t n_free_blocks; /* free blocks (fragments) */
	uint64_t allocs, frees, failures, bad_frees;
};

/* A heap over [base, base + size) whose first byte has logical address
 * laddr. Returns NULL for size 0 or out of host memory. */
struct kc_heap *kc_heap_create(uint8_t *base, uint64_t laddr, size_t size);

/* Free the bookkeeping (not the region). NULL is allowed. */
void kc_heap_destroy(struct kc_heap *h);

/* size bytes (rounded up to 16) whose logical address is a multiple of
 * align (a power of two; 0 counts as 16). NULL when nothing fits (counted
 * in failures) or the request is bad. The bytes are not cleared. */
void *kc_heap_alloc(struct kc_heap *h, size_t size, size_t align);

/* Free the block starting at p. Returns 0, or -EINVAL (counted in
 * bad_frees, nothing changed) when p is not the start of a live block. */
int kc_heap_free(struct kc_heap *h, const void *p);

/* True if p lies inside the heap's region. */
bool kc_heap_contains(const struct kc_heap *h, const void *p);

/* Size of the live block starting at p, or 0. */
size_t kc_heap_block_size(const struct kc_heap *h, const void *p);

void kc_heap_get_stats(const struct kc_heap *h, struct kc_heap_stats *st);

/* Visit every live block (p, size) in address order. */
void kc_heap_each_live(const struct kc_heap *h, void (*fn)(void *arg, void *p, size_t size),
		       void *arg);

/* Free every live block (a driver instance's memory reclaimed after a
 * remove that left some, or an oops). Returns how many there were. */
size_t kc_heap_reclaim(struct kc_heap *h);

#endif
