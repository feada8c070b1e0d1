/*
 * linux/slab.h — kmalloc and friends: the partition's memory, a real allocator (kc_mem.c).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_SLAB_H
#define KC_LINUX_SLAB_H

#include "kc/base.h"

#define GFP_KERNEL 0x1u
#define GFP_ATOMIC 0x2u
#define GFP_NOWAIT 0x4u
#define GFP_DMA 0x8u
#define __GFP_NOWARN 0x10u
#define __GFP_ZERO 0x100u

static inline void *kmalloc(size_t size, gfp_t flags)
{
	return kc_kmalloc(size, flags, (flags & __GFP_ZERO) != 0);
}
static inline void *kzalloc(size_t size, gfp_t flags)
{
	return kc_kmalloc(size, flags, true);
}
static inline void *kmalloc_array(size_t n, size_t size, gfp_t flags)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kmalloc(n * size, flags);
}
static inline void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	return kmalloc_array(n, size, flags | __GFP_ZERO);
}
#define kfree_sensitive(p) kfree(p)

#endif
