/*
 * asm/firmware.h — firmware_has_feature: what the partition firmware offers.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_ASM_FIRMWARE_H
#define KC_ASM_FIRMWARE_H

#include "kc/base.h"

#define FW_FEATURE_CMO (1ul << 0)
#define FW_FEATURE_LPAR (1ul << 1)

/* kc_fw_features (kc_core.c) holds FW_FEATURE_LPAR: the driver runs in an
 * LPAR, without Cooperative Memory Overcommitment. */
static inline bool firmware_has_feature(unsigned long feature)
{
	return (kc_fw_features & feature) != 0;
}

#endif
