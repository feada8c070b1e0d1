/*
 * linux/types.h — kernel integer, byte-order and size types.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_TYPES_H
#define KC_LINUX_TYPES_H

#include "kc/base.h"

typedef kc_ssize_t ssize_t;
typedef long long loff_t;
typedef unsigned long uintptr_t;

#endif
