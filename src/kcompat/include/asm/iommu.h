/*
 * asm/iommu.h — the IOMMU table the driver sizes its DMA needs with (4 KiB TCE pages).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_ASM_IOMMU_H
#define KC_ASM_IOMMU_H

#include "kc/base.h"

/* One table per translation unit: the driver only reads its page size. */
static struct iommu_table kc_iommu_table_4k __maybe_unused = {.it_page_shift = 12};

static inline struct iommu_table *get_iommu_table_base(struct device *dev)
{
	(void)dev;
	return &kc_iommu_table_4k;
}

#define IOMMU_PAGE_SIZE(tbl) (1ul << (tbl)->it_page_shift)
#define IOMMU_PAGE_ALIGN(val, tbl) ALIGN((unsigned long)(val), IOMMU_PAGE_SIZE(tbl))

#endif
