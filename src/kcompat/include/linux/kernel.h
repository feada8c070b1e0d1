/*
 * linux/kernel.h — min/max, container_of, BUG/WARN, printk and friends.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_KERNEL_H
#define KC_LINUX_KERNEL_H

#include <linux/types.h>

#endif
