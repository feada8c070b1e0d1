/*
 * linux/stringify.h — __stringify.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_STRINGIFY_H
#define KC_LINUX_STRINGIFY_H

#include "kc/base.h"

#endif
