/*
 * linux/init.h — __init/__exit (no sections: nothing is discarded).
 *
 * Part of the kernel-API headers of src/kcompat (see kc/base.h): the
 * driver is compiled against these and nothing else.
 */
#ifndef KC_LINUX_INIT_H
#define KC_LINUX_INIT_H

#include "kc/base.h"

#endif
