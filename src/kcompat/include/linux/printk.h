/*
 * linux/printk.h — printk and pr_*.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_PRINTK_H
#define KC_LINUX_PRINTK_H

#include "kc/base.h"

#endif
