/*
 * linux/stddef.h — NULL, offsetof, bool.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_STDDEF_H
#define KC_LINUX_STDDEF_H

#include "kc/base.h"

#endif
