/*
 * linux/dma-mapping.h — streaming and coherent DMA in the partition's logical memory (kc_mem.c).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_DMA_MAPPING_H
#define KC_LINUX_DMA_MAPPING_H

#include "kc/base.h"

enum dma_data_direction {
	DMA_BIDIRECTIONAL = KC_DMA_BIDIRECTIONAL,
	DMA_TO_DEVICE = KC_DMA_TO_DEVICE,
	DMA_FROM_DEVICE = KC_DMA_FROM_DEVICE,
	DMA_NONE = KC_DMA_NONE,
};
#define DMA_MAPPING_ERROR KC_DMA_MAPPING_ERROR

#define dma_map_single(dev, ptr, size, dir) dma_map_single_attrs((dev), (ptr), (size), (dir), 0)
#define dma_unmap_single(dev, addr, size, dir) \
	dma_unmap_single_attrs((dev), (addr), (size), (dir), 0)

static inline int dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	(void)dev;
	return addr == DMA_MAPPING_ERROR ? -ENOMEM : 0;
}

#endif
