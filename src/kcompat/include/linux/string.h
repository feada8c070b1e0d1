/*
 * linux/string.h — memcpy and friends (libc's, through GCC builtins).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_STRING_H
#define KC_LINUX_STRING_H

#include "kc/base.h"

#endif
