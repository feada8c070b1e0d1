/*
 * linux/bug.h — BUG_ON, WARN_ON.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_BUG_H
#define KC_LINUX_BUG_H

#include "kc/base.h"

#endif
