/*
 * asm/vio.h — the VIO bus: devices, drivers, device-tree attributes, H_VIO_SIGNAL (kc_vio.c).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_ASM_VIO_H
#define KC_ASM_VIO_H

#include "kc/base.h"
#include <asm/hvcall.h>
#include <linux/device.h>

#define VIO_IRQ_DISABLE 0ul
#define VIO_IRQ_ENABLE 1ul

/* Device-tree properties of an l-lan node. */
#define VETH_MAC_ADDR "local-mac-address"
#define VETH_MCAST_FILTER_SIZE "ibm,mac-address-filters"

static inline long h_vio_signal(unsigned long unit_address, unsigned long mode)
{
	return plpar_hcall_norets(H_VIO_SIGNAL, unit_address, mode);
}

#define to_vio_dev(d) container_of(d, struct vio_dev, dev)

/* Cooperative Memory Overcommitment is not offered (firmware_has_feature
 * says no), so the desired entitlement is only recorded. */
static inline void vio_cmo_set_dev_desired(struct vio_dev *vdev, size_t desired)
{
	vdev->cmo.desired = desired;
}

#endif
