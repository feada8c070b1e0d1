/*
 * linux/compiler.h — compiler attributes and READ_ONCE/WRITE_ONCE.
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_COMPILER_H
#define KC_LINUX_COMPILER_H

#include "kc/base.h"

#endif
